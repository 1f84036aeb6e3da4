// drbd-dual start: the module loaded, the resource up and Secondary, waited for per start_wait_for.
#include "drbd_dual_detail.h"

#include <fmt/format.h>

namespace ocfkit::drbd {

Outcome DrbdDualAgent::start(Context& ctx)
{
    Operation op(ctx);
    DrbdNode& node = op.node();
    const std::string& res = node.resource();

    if (node.kernel() == Kernel::NotLoaded) {
        CommandResult r = node.run({"modprobe", "-s", "drbd"}, 30s);
        if (!r.ok() && r.status == CommandResult::Status::NotStarted)
            fail(ExitCode::ErrInstalled, "cannot load the DRBD kernel module: modprobe {}", r.describe());
        // The module's /proc entry appears once it is loaded.
        auto until = std::min(ctx.deadline.when(), Deadline::Clock::now() + 10s);
        while (node.kernel(true) == Kernel::NotLoaded) {
            if (!pause_until(until, 200ms))
                fail(ExitCode::ErrInstalled, "cannot load the DRBD kernel module: 'modprobe -s drbd' {}{}",
                     r.describe(), r.ok() ? " but /proc/drbd did not appear" : ": " + trimmed_err(r));
        }
        Outcome o = check_module_version(ctx, *node.proc());
        if (!o.ok()) return o;
    }

    ResourceStatus st = node.status();
    if (!st.exists) {
        CommandResult r = node.drbdadm("up", ctx.deadline.remaining());
        if (!r.ok()) {
            if (r.status == CommandResult::Status::NotStarted)
                fail(exit_code_for_spawn_errno(r.spawn_errno), "cannot start DRBD resource {}: drbdadm {}", res,
                     r.describe());
            if (r.status == CommandResult::Status::TimedOut)
                fail(ExitCode::ErrGeneric, "'drbdadm up {}' did not finish before the deadline ({})", res,
                     r.describe());
            ctx.log.warn("'drbdadm up {}' {}: {}", res, r.describe(), trimmed_err(r));
            st = node.status();
            if (!st.exists || failed_local_disk(st))
                fail(ExitCode::ErrGeneric, "'drbdadm up {}' {}: {}", res, r.describe(), trimmed_err(r));
        } else {
            st = node.status();
        }
    } else if (st.role == "Primary") {
        ctx.log.warn("DRBD resource {} is already Primary; start leaves it Secondary", res);
        Outcome o = make_secondary(ctx, op, "start");
        if (!o.ok()) return o;
        st = node.status();
    } else if (any_standalone(st)) {
        CommandResult r = node.drbdadm("adjust");
        if (!r.ok()) ctx.log.warn("'drbdadm adjust {}' {}: {}", res, r.describe(), trimmed_err(r));
        st = node.status();
    }

    const std::string want = ctx.params.str("start_wait_for");
    auto until = Deadline::Clock::now() + std::chrono::seconds(ctx.params.integer("wfc_timeout"));
    auto satisfied = [&](const ResourceStatus& s) {
        if (want == "attached") return attached(s);
        if (want == "uptodate") return up_to_date(s);
        return connected(s);
    };
    st = op.wait_for(satisfied, until);
    // The local disk must at least attach, however long that takes within the deadline.
    if (!attached(st)) st = op.wait_for(attached, ctx.deadline.when());
    if (!st.exists) fail(ExitCode::ErrGeneric, "DRBD resource {} disappeared while starting", res);
    if (auto bad = failed_local_disk(st))
        fail(ExitCode::ErrGeneric, "DRBD resource {} is up but its local disk did not attach: {}", res, *bad);
    if (!attached(st))
        fail(ExitCode::ErrGeneric, "DRBD resource {}: local disk still {} at the deadline", res,
             st.volumes.empty() ? std::string("missing") : st.volumes.front().disk);
    if (!satisfied(st)) {
        Verdict v = assess(st);
        ctx.log.warn("started {} as Secondary without reaching '{}' within {} s: {}", res, want,
                     ctx.params.integer("wfc_timeout"), v.reason.empty() ? "state not reached" : v.reason);
    }
    op.update_score(st, true);
    return ExitCode::Success;
}

}  // namespace ocfkit::drbd
