// Launching a lock daemon and waiting until it answers, signalling it, clvmd's start timing.
#include "clvm_detail.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace ocfkit::clvm {

void require_dlm(const HostPaths& paths, const Files& f, std::string_view who)
{
    if (!find_daemon(paths, f.dlm_pid, "dlm_controld"))
        fail(ExitCode::ErrGeneric,
             "dlm_controld is not running: {} needs DLM; start the controld clone first (order it before this one)",
             who);
}

// Runs a daemon launcher, then polls `ready` until it holds, the daemon dies, or the deadline.
void launch_and_wait(Context& ctx, const HostPaths& paths, std::vector<std::string> argv, const std::string& pidfile,
                     const std::string& comm, const std::function<bool(std::string& problem)>& ready,
                     milliseconds launcher_timeout)
{
    run_checked(ctx.runner, tool(ctx, std::move(argv), launcher_timeout), ctx.deadline);
    ReadyDaemon up = wait_until_ready(paths, pidfile, comm, ctx.deadline, ready);
    ctx.log.info("{} (pid {}) ready after {}", comm, up.pid, seconds_text(up.after));
}

// Signals a daemon and waits; the caller decided that killing it is safe.
bool terminate(Context& ctx, const RunningDaemon& d, const std::string& comm, int sig, milliseconds bound)
{
    ctx.log.info("stopping {} (pid {}) with signal {}", comm, d.pid, sig);
    if (int e = d.process.signal(sig); e != 0 && e != ESRCH)
        fail(ExitCode::ErrGeneric, "cannot signal {} (pid {}): {}", comm, d.pid, std::strerror(e));
    return d.process.wait_until_gone(ctx.deadline, bound);
}

std::optional<ClvmdLaunch> clvmd_launch(milliseconds remaining)
{
    // Kept back for what start does after clvmd: the lockspace check, vgs, the activation.
    const milliseconds after = std::clamp<milliseconds>(remaining / 5, 2s, 10s);
    // clvmd's parent needs a moment after its wait to exit and be reaped.
    const milliseconds exit_slack = 2s;
    ClvmdLaunch l;
    l.tool_timeout = remaining - after;
    l.wait_s = (l.tool_timeout - exit_slack).count() / 1000;
    if (l.wait_s < 1) return std::nullopt;
    return l;
}

}  // namespace ocfkit::clvm
