// drbd-dual notify: a returning peer reconnected (drbdadm adjust), the score refreshed after each change.
#include "drbd_dual_detail.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace ocfkit::drbd {

namespace {

std::string local_node_name(const Env& env)
{
    if (auto n = env.meta("on_node"); n && !n->empty()) return *n;
    return DrbdNode::host_name();
}

}  // namespace

Outcome DrbdDualAgent::notify(Context& ctx)
{
    const std::string type = ctx.env.meta("notify_type").value_or("");
    const std::string operation = ctx.env.meta("notify_operation").value_or("");
    if (type.empty() || operation.empty()) {
        ctx.log.info("notify without notify_type/notify_operation: nothing to do");
        return ExitCode::Success;
    }
    Operation op(ctx);
    DrbdNode& node = op.node();
    const std::string& res = node.resource();
    if (node.kernel() == Kernel::NotLoaded) return ExitCode::Success;
    ResourceStatus st;
    try {
        st = node.status();
    } catch (const Failure& f) {
        ctx.log.warn("notify {}-{}: {}", type, operation, f.reason);  // notify must not fail
        return ExitCode::Success;
    }
    if (!st.exists) return ExitCode::Success;  // our own pre-start, or stopped here

    const std::string me = local_node_name(ctx.env);
    std::vector<std::string> peers_starting;
    for (const auto& n : ctx.env.meta_list("notify_start_uname"))
        if (n != me) peers_starting.push_back(n);

    if (operation == "start" && !peers_starting.empty() && any_standalone(st)) {
        Verdict before = assess(st);
        remember_standalone(node, st, before);
        // A peer comes back: give DRBD its network configuration again so it connects. DRBD's
        // after-split-brain policies decide what happens to diverged data, never this agent.
        ctx.log.info("notify {}-start of {}: {} is StandAlone, reconnecting (drbdadm adjust)", type,
                     fmt::join(peers_starting, " "), res);
        CommandResult r = node.drbdadm("adjust", 30s);
        if (!r.ok()) ctx.log.warn("'drbdadm adjust {}' {}: {}", res, r.describe(), trimmed_err(r));
        st = node.status();
    }
    if (type == "post") {
        Verdict v = assess(st);
        remember_standalone(node, st, v);
        if (v.split_brain_suspected)
            ctx.log.error("DRBD resource {}: {}", res, v.reason);
        op.update_score(st, false);
        op.maybe_unfence(st);
    }
    return ExitCode::Success;
}

}  // namespace ocfkit::drbd
