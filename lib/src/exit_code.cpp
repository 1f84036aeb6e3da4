// Names of the OCF exit codes, for logs and messages.
#include "ocfkit/exit_code.h"

namespace ocfkit {

std::string_view to_string(ExitCode code)
{
    switch (code) {
    case ExitCode::Success: return "OCF_SUCCESS";
    case ExitCode::ErrGeneric: return "OCF_ERR_GENERIC";
    case ExitCode::ErrArgs: return "OCF_ERR_ARGS";
    case ExitCode::ErrUnimplemented: return "OCF_ERR_UNIMPLEMENTED";
    case ExitCode::ErrPerm: return "OCF_ERR_PERM";
    case ExitCode::ErrInstalled: return "OCF_ERR_INSTALLED";
    case ExitCode::ErrConfigured: return "OCF_ERR_CONFIGURED";
    case ExitCode::NotRunning: return "OCF_NOT_RUNNING";
    case ExitCode::RunningPromoted: return "OCF_RUNNING_PROMOTED";
    case ExitCode::FailedPromoted: return "OCF_FAILED_PROMOTED";
    case ExitCode::Degraded: return "OCF_DEGRADED";
    case ExitCode::DegradedPromoted: return "OCF_DEGRADED_PROMOTED";
    }
    return "OCF_UNKNOWN";
}

std::string fit_exit_reason(std::string_view reason, std::size_t max)
{
    std::string line(reason);
    for (char& c : line)
        if (c == '\n' || c == '\r') c = ' ';
    if (line.size() <= max) return line;
    if (max <= kExitReasonShortened.size()) return {};
    const std::size_t budget = max - kExitReasonShortened.size();
    auto continuation = [&](std::size_t i) { return (static_cast<unsigned char>(line[i]) & 0xC0) == 0x80; };
    std::size_t cut = budget;  // line[cut] is the first byte left out
    while (cut > 0 && continuation(cut)) --cut;
    // A word boundary, unless the last one is so early that most of the room would go unused.
    std::size_t space = line.rfind(' ', cut);
    if (space != std::string::npos && space >= budget * 3 / 4) cut = space;
    // No dangling separator before the marker ("foo: [...]" reads as an empty value).
    while (cut > 0 && std::string_view(" ,;:(").find(line[cut - 1]) != std::string_view::npos) --cut;
    line.resize(cut);
    line += kExitReasonShortened;
    return line;
}

}  // namespace ocfkit
