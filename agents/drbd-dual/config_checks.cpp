// Checks of the parameters, clone meta attributes and DRBD configuration that validate makes.
#include "drbd_dual_detail.h"

#include <set>

#include <fmt/format.h>

namespace ocfkit::drbd {

bool meta_given(const Env& env, std::string_view name)
{
    auto v = env.meta(name);
    return v && !v->empty();
}

std::string fencing_of(const DrbdConfig& cfg, const std::string& resource)
{
    const ConfigResource* r = cfg.resource(resource);
    if (!r) return {};
    if (auto f = r->option("disk", "fencing")) return *f;  // DRBD 8.4
    if (auto f = r->option("net", "fencing")) return *f;   // DRBD 9
    for (const auto& c : r->connections)
        for (const char* section : {"net", "disk"})
            if (auto s = c.find(section); s != c.end())
                if (auto o = s->second.find("fencing"); o != s->second.end()) return o->second;
    return {};
}

// The configuration checks promoted_max=2 needs; each missing item named exactly.
std::vector<std::string> dual_primary_gaps(const ConfigResource& r)
{
    std::vector<std::string> gaps;
    // DRBD 9 may override net options per connection; every connection must allow it.
    std::vector<Sections> scopes;
    if (r.connections.empty()) {
        scopes.push_back(r.sections);
    } else {
        for (const auto& c : r.connections) {
            Sections merged = r.sections;
            for (const auto& [section, opts] : c)
                for (const auto& [k, v] : opts) merged[section][k] = v;
            scopes.push_back(std::move(merged));
        }
    }
    auto get = [](const Sections& s, const char* section, const char* name) -> std::optional<std::string> {
        auto it = s.find(section);
        if (it == s.end()) return std::nullopt;
        auto o = it->second.find(name);
        if (o == it->second.end()) return std::nullopt;
        return o->second;
    };
    std::set<std::string> seen;
    auto add = [&](std::string g) {
        if (seen.insert(g).second) gaps.push_back(std::move(g));
    };
    for (const auto& s : scopes) {
        auto two = get(s, "net", "allow-two-primaries");
        if (!two || !parse_bool(*two).value_or(false))
            add(fmt::format("net {{ allow-two-primaries yes; }} ({})", two ? "is " + *two : "not set"));
        auto proto = get(s, "net", "protocol");
        if (proto && *proto != "C") add(fmt::format("net {{ protocol C; }} (is {})", *proto));
        auto fencing = get(s, "disk", "fencing");
        if (!fencing) fencing = get(s, "net", "fencing");
        if (!fencing || *fencing != "resource-and-stonith")
            add(fmt::format("fencing resource-and-stonith ({})", fencing ? "is " + *fencing : "not set"));
    }
    auto handler = r.option("handlers", "fence-peer");
    if (!handler || handler->empty()) add("handlers { fence-peer \"...\"; } (not set)");
    return gaps;
}

// Pacemaker passes every clone meta attribute; outside a cluster (drbd-reactor, by hand) none.
bool under_clone(const Env& env)
{
    return meta_given(env, "clone_max") || meta_given(env, "clone") || meta_given(env, "promoted_max") ||
           meta_given(env, "master_max");
}

// The ocf:linbit:drbd parameters drbd-dual accepts only where they mean something: a value
// without meaning for this clone is wrong in the CIB, so on every node (6).
std::optional<std::string> meaningless_parameter(const Context& ctx)
{
    const Params& p = ctx.params;
    if (p.boolean("connect_only_after_promote"))
        return std::string(
            "parameter 'connect_only_after_promote'=true is not supported: DRBD would stay disconnected until "
            "promoted, so the node being promoted cannot know whether its data is current, and drbd-dual promotes "
            "only UpToDate data (or Consistent data behind DRBD fencing); with promoted-max=2 both nodes would "
            "write while apart, a split-brain by design. Remove it or set it to false");
    const bool dual = ctx.env.promoted_max() == 2;
    const std::string rm = p.str("remove_master_score_if_peer_primary");
    const bool rm_on = rm == "unexpected" || parse_bool(rm).value_or(false);
    if (dual && rm_on)
        return fmt::format(
            "parameter 'remove_master_score_if_peer_primary'={} has no meaning with promoted-max=2: a Primary peer "
            "is the normal dual-primary state, and withdrawing this node's promotion score for it would keep this "
            "node from ever being promoted beside it. Remove it or set it to false",
            rm);
    if (rm == "unexpected")
        return std::string(
            "parameter 'remove_master_score_if_peer_primary'=unexpected is not supported: it needs Pacemaker's own "
            "view of where the clone is promoted on every monitor, which drbd-dual does not read. Use true (no "
            "score while connected to a healthy Primary peer) or false");
    if (dual && p.boolean("fail_promote_early_if_peer_primary"))
        return std::string(
            "parameter 'fail_promote_early_if_peer_primary'=true has no meaning with promoted-max=2: a Primary peer "
            "is the normal dual-primary state and never makes this promotion fail. Remove it or set it to false");
    return std::nullopt;
}

// The single-primary parameters act only below promoted-max=2 (validate refuses them there).
bool single_primary_option(const Context& ctx, std::string_view name)
{
    if (ctx.env.promoted_max() == 2) return false;
    if (name == "remove_master_score_if_peer_primary")
        return parse_bool(ctx.params.str(name)).value_or(false);
    return ctx.params.boolean(name);
}

// require_drbd_module_version_ge/_lt against the loaded module.
Outcome check_module_version(Context& ctx, const ProcDrbd& p)
{
    for (const char* which : {"require_drbd_module_version_ge", "require_drbd_module_version_lt"}) {
        std::string want = ctx.params.str(which);
        if (want.empty()) continue;
        auto v = parse_kernel_version(want);
        if (!v) continue;  // the table's check refused it already
        bool ge = std::string_view(which).ends_with("_ge");
        bool ok = ge ? p.version.code() >= v->code() : p.version.code() < v->code();
        if (!ok)
            return {ExitCode::ErrInstalled, fmt::format("parameter '{}': the loaded DRBD module is {}, required {} {}",
                                                        which, p.version.text, ge ? ">=" : "<", want)};
    }
    return ExitCode::Success;
}

}  // namespace ocfkit::drbd
