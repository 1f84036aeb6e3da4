// OCF exit codes and the Failure that aborts an action.
#pragma once

#include <cstddef>
#include <exception>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace ocfkit {

enum class ExitCode : int {
    Success = 0,
    ErrGeneric = 1,
    ErrArgs = 2,
    ErrUnimplemented = 3,
    ErrPerm = 4,
    ErrInstalled = 5,
    ErrConfigured = 6,
    NotRunning = 7,
    RunningPromoted = 8,
    FailedPromoted = 9,
    Degraded = 190,
    DegradedPromoted = 191,
};

std::string_view to_string(ExitCode code);

// Pacemaker keeps the first 128 bytes of an exit reason (EXIT_REASON_MAX_LEN, cut mid-character
// if need be); the cluster shows nothing past them.
inline constexpr std::size_t kExitReasonMax = 128;
// What a shortened reason ends with; the whole text is in the agent's log line.
inline constexpr std::string_view kExitReasonShortened = " [...]";

// The reason as it fits in `max` bytes: unchanged when it fits, else its start cut at a word
// boundary (a character boundary when no word ends late enough) followed by kExitReasonShortened.
// Never splits a UTF-8 sequence. Newlines become spaces (the reason is one line).
std::string fit_exit_reason(std::string_view reason, std::size_t max = kExitReasonMax);

// The result of an action: a code and, for anything but plain success, why.
struct Outcome {
    ExitCode code = ExitCode::Success;
    std::string reason;

    Outcome() = default;
    Outcome(ExitCode c) : code(c) {}  // NOLINT: implicit on purpose
    Outcome(ExitCode c, std::string r) : code(c), reason(std::move(r)) {}

    bool ok() const { return code == ExitCode::Success; }
};

// Thrown only to abort an action; the dispatcher is the one place that catches it.
struct Failure : std::exception {
    ExitCode code;
    std::string reason;

    Failure(ExitCode c, std::string r) : code(c), reason(std::move(r)) {}
    const char* what() const noexcept override { return reason.c_str(); }
};

template <typename... Args>
[[noreturn]] void fail(ExitCode code, fmt::format_string<Args...> format, Args&&... args)
{
    throw Failure(code, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace ocfkit
