// drbd-dual promote and demote: Primary only as health allows, retried to the deadline; Secondary.
#include "drbd_dual_detail.h"

#include <fmt/format.h>

namespace ocfkit::drbd {

Outcome DrbdDualAgent::promote(Context& ctx)
{
    Operation op(ctx);
    DrbdNode& node = op.node();
    const std::string& res = node.resource();
    std::string fencing = op.fencing_hint();
    ResourceStatus st = node.status();
    if (!st.exists) return {ExitCode::NotRunning, fmt::format("cannot promote {}: it is not started", res)};
    std::string last;
    const auto until = retry_until(ctx);
    const bool fail_early = single_primary_option(ctx, "fail_promote_early_if_peer_primary");
    bool tried = false;
    while (true) {
        if (st.role == "Primary") {
            op.update_score(st, true, fencing);
            return ExitCode::Success;
        }
        // The first attempt made DRBD check that the peer is alive; it still is, and Primary.
        if (tried && fail_early) {
            if (auto peer = primary_peer(st)) {
                op.remove_score(true, "peer still Primary (fail_promote_early_if_peer_primary)");
                return {ExitCode::ErrGeneric,
                        fmt::format("cannot promote {}: {} is already or still Primary, and "
                                    "fail_promote_early_if_peer_primary=true stops after the first attempt{}",
                                    res, *peer, last.empty() ? "" : " (" + last + ")")};
            }
        }
        PromoteCheck chk = may_promote(st, fencing);
        if (!chk.allowed && !chk.retryable) {
            op.update_score(st, true, fencing);
            return {ExitCode::ErrGeneric, fmt::format("refusing to promote {}: {}", res, chk.reason)};
        }
        if (chk.allowed) {
            tried = true;
            CommandResult r = node.drbdadm("primary");
            if (r.status == CommandResult::Status::NotStarted)
                fail(exit_code_for_spawn_errno(r.spawn_errno), "cannot promote {}: drbdadm {}", res, r.describe());
            if (!r.ok()) {
                last = fmt::format("'drbdadm primary {}' {}: {}", res, r.describe(), trimmed_err(r));
                // 17: DRBD itself refuses for lack of UpToDate data (or fencing the peer failed).
                if (r.exited_with(17) || r.err.find("UpToDate") != std::string::npos)
                    return {ExitCode::ErrGeneric, fmt::format("DRBD refused to promote {}: {}", res, last)};
            }
        } else {
            last = chk.reason;
        }
        if (!pause_until(until, 1000ms) || Deadline::Clock::now() >= until) break;
        st = node.status();
        if (!st.exists) return {ExitCode::ErrGeneric, fmt::format("DRBD resource {} went down during promote", res)};
    }
    return {ExitCode::ErrGeneric, fmt::format("{} not Primary at the deadline: {}", res, last)};
}

Outcome DrbdDualAgent::demote(Context& ctx)
{
    Operation op(ctx);
    DrbdNode& node = op.node();
    const std::string& res = node.resource();
    ResourceStatus st = node.status();
    if (!st.exists) return {ExitCode::NotRunning, fmt::format("cannot demote {}: it is not started", res)};
    if (st.role == "Primary") {
        Outcome o = make_secondary(ctx, op, fmt::format("demote of {}", res));
        if (!o.ok()) return o;
        st = node.status();
        if (st.role == "Primary")
            return {ExitCode::ErrGeneric, fmt::format("{} is still Primary after drbdadm secondary", res)};
    }
    op.update_score(st, true);
    return ExitCode::Success;
}

}  // namespace ocfkit::drbd
