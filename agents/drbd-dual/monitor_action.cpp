// drbd-dual monitor and reload-agent: the state assessed, the promotion score offered, unfencing.
#include "drbd_dual_detail.h"

namespace ocfkit::drbd {

Outcome DrbdDualAgent::monitor(Context& ctx)
{
    Operation op(ctx);
    DrbdNode& node = op.node();
    ResourceStatus st = node.status(/*cheap=*/true);
    Verdict v = assess(st);
    if (v.code == ExitCode::NotRunning) {
        // A probe of a stopped resource must not touch scores (Pacemaker may be starting up).
        if (!ctx.probe) op.remove_score(false);
        return {ExitCode::NotRunning, ""};
    }
    op.update_score(st, /*force=*/ctx.probe);
    op.maybe_unfence(st);
    remember_standalone(node, st, v);
    if (v.split_brain_suspected) ctx.log.error("DRBD resource {}: {}", node.resource(), v.reason);
    return {v.code, v.reason};
}

Outcome DrbdDualAgent::reload_agent(Context& ctx)
{
    Operation op(ctx);
    ResourceStatus st = op.node().status();
    if (st.exists) {
        op.update_score(st, true);  // adjust_master_score may have changed
        op.maybe_unfence(st);       // so may unfence_if_all_uptodate
    }
    return ExitCode::Success;
}

}  // namespace ocfkit::drbd
