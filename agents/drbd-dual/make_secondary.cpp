// Making the resource Secondary, retried while its device is held open; drbdadm's error text.
#include "drbd_dual_detail.h"

#include <fmt/format.h>

namespace ocfkit::drbd {

// What drbdadm said, for a reason: stderr, else stdout, as one line.
std::string trimmed_err(const CommandResult& r) { return one_line(r.err.empty() ? r.out : r.err); }

namespace {

// DRBD's "device is held open" refusals of secondary/down: a user (mount, LVM, qemu) remains.
bool held_open(const CommandResult& r)
{
    return r.err.find("(-12)") != std::string::npos || r.err.find("held open") != std::string::npos ||
           r.out.find("held open") != std::string::npos;
}

}  // namespace

Outcome make_secondary(Context& ctx, Operation& op, const std::string& why)
{
    std::string last;
    const auto until = retry_until(ctx);
    bool retried = false;
    while (true) {
        CommandResult r = op.node().drbdadm("secondary");
        if (r.ok()) return ExitCode::Success;
        std::string msg = fmt::format("'drbdadm secondary {}' {}: {}", op.node().resource(), r.describe(), trimmed_err(r));
        if (r.status == CommandResult::Status::NotStarted)
            fail(exit_code_for_spawn_errno(r.spawn_errno), "{}: {}", why, msg);
        if (r.status == CommandResult::Status::TimedOut && !last.empty()) break;  // keep DRBD's answer
        last = msg;
        if (!held_open(r)) break;
        if (!retried) ctx.log.info("{}: the DRBD device is still in use; retrying until the deadline", why);
        retried = true;
        if (!pause_until(until, 1000ms) || Deadline::Clock::now() >= until) break;
    }
    if (retried)
        return {ExitCode::ErrGeneric,
                fmt::format("{}: still Primary at the deadline, the device is held open (mounted or in use): {}", why,
                            last)};
    return {ExitCode::ErrGeneric, fmt::format("{}: {}", why, last)};
}

}  // namespace ocfkit::drbd
