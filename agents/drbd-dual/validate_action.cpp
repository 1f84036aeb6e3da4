// drbd-dual validate-all: clone meta attributes, the DRBD configuration and module on this node.
#include "drbd_dual_detail.h"

#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace ocfkit::drbd {

Outcome DrbdDualAgent::validate(Context& ctx, ValidatePurpose purpose)
{
    if (purpose == ValidatePurpose::Monitor) return ExitCode::Success;  // the table checked the syntax

    const Env& env = ctx.env;
    if (auto why = meaningless_parameter(ctx)) return {ExitCode::ErrConfigured, *why};
    // Clone meta attributes: checked for start/promote/validate-all, never for monitor or stop.
    if (under_clone(env)) {
        auto promotable = env.meta("promotable");
        bool is_promotable = (promotable && parse_bool(*promotable).value_or(false)) ||
                             meta_given(env, "promoted_max") || meta_given(env, "master_max");
        if (!is_promotable)
            return {ExitCode::ErrConfigured,
                    "meta attribute 'promotable' is not set: drbd-dual must run as a promotable clone (pcs "
                    "resource create ... promotable promoted-max=2 notify=true)"};
        int promoted_max = env.promoted_max();
        if (promoted_max > 2)
            return {ExitCode::ErrConfigured,
                    fmt::format("meta attribute promoted-max={}: DRBD allows at most two Primaries", promoted_max)};
        for (const char* m : {"clone_node_max", "promoted_node_max"}) {
            auto v = env.meta_int(m);
            if (!v && std::string_view(m) == "promoted_node_max") v = env.meta_int("master_node_max");
            if (v && *v != 1)
                return {ExitCode::ErrConfigured,
                        fmt::format("meta attribute {}={}: DRBD runs one instance per node, set it to 1", m, *v)};
        }
        if (!env.meta_bool("notify") && !ctx.params.boolean("ignore_missing_notifications"))
            return {ExitCode::ErrConfigured,
                    "meta attribute notify is not true: set notify=true (or ignore_missing_notifications=true); the "
                    "agent reconnects a returning peer on its start notification"};
    }

    DrbdNode node(ctx);
    if (::access(node.conf().c_str(), R_OK) != 0)
        return {ExitCode::ErrInstalled,
                fmt::format("parameter 'drbdconf': {} does not exist or is not readable", node.conf())};

    if (const auto& p = node.proc()) {
        Outcome o = check_module_version(ctx, *p);
        if (!o.ok()) return o;
    }

    DrbdConfig cfg = node.config();
    const ConfigResource* res = cfg.resource(node.resource());
    if (!res) {
        std::vector<std::string> names;
        for (const auto& r : cfg.resources) names.push_back(r.name);
        return {ExitCode::ErrInstalled,
                fmt::format("parameter 'drbd_resource': DRBD resource '{}' is not defined in {} on this node "
                            "(defined: {})",
                            node.resource(), node.conf(), names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", ")))};
    }
    std::string me = DrbdNode::host_name();
    if (!res->host(me)) {
        std::vector<std::string> hosts;
        for (const auto& h : res->hosts) hosts.push_back(h.name);
        return {ExitCode::ErrInstalled,
                fmt::format("this node ('{}') is not a host of DRBD resource '{}' (hosts: {})", me, node.resource(),
                            fmt::join(hosts, ", "))};
    }
    // What follows is read from this node's DRBD configuration, which another node may have
    // right: 5 keeps the resource off this node only, where 6 would stop it everywhere.
    if (under_clone(env)) {
        int clone_max = env.clone_max();
        if (env.meta_int("clone_max") && clone_max > static_cast<int>(res->hosts.size()))
            return {ExitCode::ErrInstalled,
                    fmt::format("meta attribute clone-max={} but DRBD resource '{}' has {} host(s) configured "
                                "in {} on this node",
                                clone_max, node.resource(), res->hosts.size(), node.conf())};
        if (env.promoted_max() == 2) {
            auto gaps = dual_primary_gaps(*res);
            if (!gaps.empty())
                return {ExitCode::ErrInstalled,
                        fmt::format("promoted-max=2 (dual-primary) needs in DRBD resource '{}': {} (in {} on "
                                    "this node)",
                                    node.resource(), fmt::join(gaps, "; "), node.conf())};
        }
    }
    if (ctx.params.boolean("unfence_if_all_uptodate")) {
        auto handler = res->option("handlers", "unfence-peer");
        if (!handler || handler->empty())
            ctx.log.warn("unfence_if_all_uptodate=true, but DRBD resource '{}' has no unfence-peer handler in {} on "
                         "this node: 'drbdadm unfence-peer' will do nothing",
                         node.resource(), node.conf());
    }
    Operation op(ctx);
    op.remember_fencing(fencing_of(cfg, node.resource()));
    return ExitCode::Success;
}

}  // namespace ocfkit::drbd
