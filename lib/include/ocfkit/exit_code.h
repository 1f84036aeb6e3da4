// OCF exit codes and the Failure that aborts an action.
#pragma once

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
