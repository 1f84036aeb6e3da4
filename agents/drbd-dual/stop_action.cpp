// drbd-dual stop: Secondary, down (drbdsetup when drbdadm cannot), outdated behind a Primary peer.
#include "drbd_dual_detail.h"

#include <fmt/format.h>

namespace ocfkit::drbd {

Outcome DrbdDualAgent::stop(Context& ctx)
{
    // Stop runs without validation: a resource name the table refuses was never started by us.
    if (!ctx.params.problems().empty()) {
        for (const auto& p : ctx.params.problems())
            if (p.name == "drbd_resource" || p.name == "drbdconf") {
                ctx.log.warn("stop: {}; nothing this agent could have started", p.message);
                return ExitCode::Success;
            }
    }
    Operation op(ctx);
    DrbdNode& node = op.node();
    const std::string& res = node.resource();
    if (node.kernel() == Kernel::NotLoaded) {
        op.remove_score(true);
        node.forget_minors();
        op.forget_unfenced();
        return ExitCode::Success;
    }
    ResourceStatus st = node.status();
    if (st.exists && st.role == "Primary") {
        Outcome o = make_secondary(ctx, op, fmt::format("stop of {}", res));
        if (!o.ok()) return o;
    }
    // stop_outdates_secondary: who stays Primary, as DRBD sees it just before going down.
    std::optional<std::string> primary_left = st.exists ? primary_peer(st) : std::nullopt;
    if (st.exists) {
        CommandResult r = node.drbdadm("down");
        if (!r.ok()) {
            if (r.status == CommandResult::Status::TimedOut)
                return {ExitCode::ErrGeneric,
                        fmt::format("'drbdadm down {}' did not finish before the deadline", res)};
            // A resource removed from the configuration while up: drbdsetup still knows it.
            ctx.log.warn("'drbdadm down {}' {}: {}; trying drbdsetup down", res, r.describe(), trimmed_err(r));
            CommandResult r2 = node.drbdsetup("down");
            if (!r2.ok())
                return {r2.status == CommandResult::Status::NotStarted ? exit_code_for_spawn_errno(r2.spawn_errno)
                                                                         : ExitCode::ErrGeneric,
                        fmt::format("cannot take DRBD resource {} down: drbdadm {}: {}; drbdsetup {}: {}", res,
                                    r.describe(), trimmed_err(r), r2.describe(), trimmed_err(r2))};
        }
        st = op.wait_for([](const ResourceStatus& s) { return !s.exists; }, ctx.deadline.when());
        if (st.exists)
            return {ExitCode::ErrGeneric, fmt::format("DRBD resource {} is still configured at the deadline", res)};
        if (primary_left && ctx.params.boolean("stop_outdates_secondary")) {
            // DRBD's meta-data then says this copy is older than the Primary's: no promotion
            // here without a resync first. A failure leaves it as DRBD had it, so stop goes on.
            CommandResult r = node.drbdadm("outdate", 30s);
            if (r.ok())
                ctx.log.info("stop of {}: {} is still Primary, marked this node's data Outdated "
                             "(stop_outdates_secondary)",
                             res, *primary_left);
            else
                ctx.log.warn("stop of {}: {} is still Primary, but 'drbdadm outdate {}' {}: {}", res, *primary_left,
                             res, r.describe(), trimmed_err(r));
        }
    }
    node.forget_minors();
    op.forget_unfenced();
    op.remove_score(true);
    return ExitCode::Success;
}

}  // namespace ocfkit::drbd
