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

}  // namespace ocfkit
