// adopt's plan and CIB rewriting: pure functions over the CIB's XML.
#include "plan.h"

#include <algorithm>
#include <functional>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <pugixml.hpp>

namespace ocfkit::adopt {

namespace {

pugi::xml_document load_cib(std::string_view xml)
{
    pugi::xml_document doc;
    pugi::xml_parse_result r = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
    if (!r) {
        auto end = std::min(static_cast<std::size_t>(std::max<std::ptrdiff_t>(r.offset, 0)), xml.size());
        auto line = 1 + static_cast<std::size_t>(std::count(xml.begin(), xml.begin() + static_cast<std::ptrdiff_t>(end), '\n'));
        throw parse::ParseError(line, std::string("CIB is not XML: ") + r.description());
    }
    pugi::xml_node root = doc.document_element();
    if (std::string_view(root.name()) != "cib")
        throw parse::ParseError(0, fmt::format("not a CIB: the document element is <{}>, not <cib>", root.name()));
    if (!root.child("configuration").child("resources"))
        throw parse::ParseError(0, "not a CIB: no <configuration><resources>");
    return doc;
}

std::string agent_of(const pugi::xml_node& n)
{
    std::string cls = n.attribute("class").value();
    std::string provider = n.attribute("provider").value();
    std::string type = n.attribute("type").value();
    return provider.empty() ? fmt::format("{}:{}", cls, type) : fmt::format("{}:{}:{}", cls, provider, type);
}

bool is_true(std::string_view v)
{
    return ocf_is_true(v);
}

std::string meta_value(const pugi::xml_node& rsc, std::string_view name)
{
    for (pugi::xml_node set : rsc.children("meta_attributes"))
        for (pugi::xml_node nv : set.children("nvpair"))
            if (name == nv.attribute("name").value()) return nv.attribute("value").value();
    return {};
}

struct Walker {
    const pugi::xml_node& cib;
    Plan& plan;
    std::vector<std::string> global_reasons;
    std::map<std::string, std::vector<std::string>> discovery;  // resource id → constraints limiting discovery
    std::vector<std::pair<std::string, std::string>> defaults_meta;   // rsc_defaults (rule-less sets)
    std::vector<std::pair<std::string, std::string>> inherited_meta;  // defaults_meta, then the clone being walked

    void resources(const pugi::xml_node& parent, const std::string& parent_id, const std::string& kind,
                   const std::string& top, const std::vector<std::string>& ancestors, bool in_bundle)
    {
        for (pugi::xml_node n : parent.children()) {
            std::string_view name = n.name();
            std::string id = n.attribute("id").value();
            auto chain = ancestors;
            chain.push_back(id);
            if (name == "primitive") {
                primitive(n, parent_id, kind, top.empty() ? id : top, ancestors, in_bundle);
            } else if (name == "group") {
                resources(n, id, kind.empty() ? "group" : "group in " + kind, top.empty() ? id : top, chain, in_bundle);
            } else if (name == "clone" || name == "master") {
                bool promotable = name == "master" || is_true(meta_value(n, "promotable"));
                inherited_meta = defaults_meta;
                for (pugi::xml_node set : n.children("meta_attributes"))
                    for (pugi::xml_node nv : set.children("nvpair"))
                        inherited_meta.emplace_back(nv.attribute("name").value(), nv.attribute("value").value());
                // Pacemaker tells each instance its number and, for a <master>, that it is promotable.
                inherited_meta.emplace_back("clone", "0");
                if (name == "master") inherited_meta.emplace_back("promotable", "true");
                resources(n, id, promotable ? "promotable clone" : "clone", top.empty() ? id : top, chain, in_bundle);
                inherited_meta = defaults_meta;
            } else if (name == "bundle") {
                resources(n, id, "bundle", top.empty() ? id : top, chain, true);
            }
        }
    }

    void param_step(ResourcePlan& rp, const AgentMapping& m, const std::string& set_id, const std::string& name,
                    const std::string& value, bool from_default)
    {
        ParamStep s{.set_id = set_id, .name = name, .value = value, .from_default = from_default};
        auto stays = [&](const std::string& why) {
            s.action = ParamAction::Unsupported;
            s.why = why;
            rp.reasons.push_back(from_default
                                     ? fmt::format("{} (not set; the stock default is {}): {}", name, value, why)
                                     : fmt::format("{}={}: {}", name, value, why));
        };
        const ParamRule* rule = find_rule(m, name);
        if (!rule) {
            stays(fmt::format("not a parameter of {} that adopt knows", m.stock));
        } else if (rule->kind == RuleKind::Unsupported) {
            stays(std::string(rule->why));
        } else {
            ValueVerdict v = rule->accepted.empty() && rule->kind == RuleKind::Drop ? ValueVerdict{true, value, {}}
                                                                                     : judge_value(*rule, value);
            if (!v.ok) {
                stays(v.reason);
            } else if (rule->kind == RuleKind::Drop) {
                s.action = ParamAction::Dropped;
                s.why = std::string(rule->why);
            } else {
                s.action = rule->kind == RuleKind::Rename ? ParamAction::Renamed : ParamAction::Same;
                s.new_name = std::string(rule->target);
                s.new_value = v.value;
            }
        }
        rp.params.push_back(std::move(s));
    }

    // The timeout Pacemaker gives the resource's monitor: the longest of its monitor operations,
    // else op_defaults, else Pacemaker's own 20 s.
    std::optional<long long> monitor_timeout_ms(const ResourcePlan& rp) const
    {
        std::optional<long long> longest;
        bool any = false;
        for (const auto& op : rp.ops) {
            if (op.name != "monitor") continue;
            auto t = op.attrs.find("timeout");
            if (t == op.attrs.end()) continue;
            any = true;
            auto ms = duration_ms(t->second);
            if (!ms) return std::nullopt;
            longest = std::max(longest.value_or(0), *ms);
        }
        if (any) return longest;
        for (pugi::xml_node set : cib.child("configuration").child("op_defaults").children("meta_attributes")) {
            if (set.child("rule")) continue;
            for (pugi::xml_node nv : set.children("nvpair"))
                if (std::string_view(nv.attribute("name").value()) == "timeout") return duration_ms(nv.attribute("value").value());
        }
        return 20'000;
    }

    void monitor_timeout_param(ResourcePlan& rp, const AgentMapping& m) const
    {
        auto ms = monitor_timeout_ms(rp);
        if (!ms) return;  // a timeout Pacemaker cannot read either: our default stays
        long long secs = std::clamp((*ms + 999) / 1000, m.monitor_timeout_min, m.monitor_timeout_max);
        rp.params.push_back(ParamStep{.action = ParamAction::Added, .new_name = std::string(m.from_monitor_timeout),
                                      .new_value = std::to_string(secs),
                                      .why = fmt::format("the monitor's timeout, {} s: {}", (*ms + 999) / 1000,
                                                         m.monitor_timeout_why)});
    }

    void primitive(const pugi::xml_node& n, const std::string& parent_id, const std::string& kind,
                   const std::string& top, const std::vector<std::string>& ancestors, bool in_bundle)
    {
        std::string id = n.attribute("id").value();
        pugi::xml_node def = n;
        std::string tmpl = n.attribute("template").value();
        if (!tmpl.empty()) {
            def = cib.child("configuration").child("resources").find_child_by_attribute("template", "id", tmpl.c_str());
        }
        std::string agent = def ? agent_of(def) : std::string("template ") + tmpl;
        const AgentMapping* m = def ? find_mapping(agent) : nullptr;
        if (!m) {
            plan.other_agents.push_back(fmt::format("{} ({})", id, agent));
            return;
        }
        ResourcePlan rp;
        rp.id = id;
        rp.parent = parent_id;
        rp.parent_kind = kind;
        rp.top = top;
        rp.stock_agent = agent;
        rp.new_agent = fmt::format("ocf:{}:{}", plan.provider, m->target);
        rp.inherited_meta = inherited_meta;
        if (!m->blocker.empty()) rp.reasons.emplace_back(m->blocker);
        if (!tmpl.empty()) rp.reasons.push_back(fmt::format("defined through resource template {}: adopt changes primitives only", tmpl));
        if (in_bundle) rp.reasons.emplace_back("inside a bundle: its probes run in the container");
        for (const auto& r : global_reasons) rp.reasons.push_back(r);
        for (const auto& a : ancestors) {
            auto it = discovery.find(a);
            if (it != discovery.end()) rp.reasons.insert(rp.reasons.end(), it->second.begin(), it->second.end());
        }
        if (auto it = discovery.find(id); it != discovery.end())
            rp.reasons.insert(rp.reasons.end(), it->second.begin(), it->second.end());

        std::set<std::string> set_plain;  // parameters set in a rule-less set
        std::map<std::string, std::string> targets;  // our name → stock name, per set
        for (pugi::xml_node set : n.children("instance_attributes")) {
            std::string set_id = set.attribute("id").value();
            if (set.attribute("id-ref")) {
                rp.reasons.push_back(fmt::format("parameters by reference (id-ref {}): adopt rewrites only parameters written in the resource",
                                                 set.attribute("id-ref").value()));
                continue;
            }
            bool plain = !set.child("rule");
            targets.clear();
            for (pugi::xml_node nv : set.children("nvpair")) {
                if (nv.attribute("id-ref")) {
                    rp.reasons.push_back(fmt::format("parameter by reference (id-ref {}) in {}", nv.attribute("id-ref").value(), set_id));
                    continue;
                }
                std::string name = nv.attribute("name").value();
                if (plain) set_plain.insert(name);
                param_step(rp, *m, set_id, name, nv.attribute("value").value(), false);
                const ParamStep& s = rp.params.back();
                if (!s.new_name.empty()) {
                    auto [it, fresh] = targets.emplace(s.new_name, name);
                    if (!fresh)
                        rp.reasons.push_back(fmt::format("{} and {} both become {} in {}", it->second, name, s.new_name, set_id));
                }
            }
        }
        for (const auto& d : m->defaults)
            if (!set_plain.count(std::string(d.name))) param_step(rp, *m, "", std::string(d.name), std::string(d.value), true);
        for (const auto& f : m->fixed) {
            bool given = std::any_of(rp.params.begin(), rp.params.end(),
                                     [&](const ParamStep& s) { return s.new_name == f.name; });
            if (given) continue;
            rp.params.push_back(ParamStep{.action = ParamAction::Added, .new_name = std::string(f.name),
                                          .new_value = std::string(f.value), .why = std::string(f.why)});
        }
        for (pugi::xml_node op : n.child("operations").children("op")) {
            OpDef o{.name = op.attribute("name").value()};
            for (pugi::xml_attribute a : op.attributes()) {
                std::string an = a.name();
                if (an != "id" && an != "name") o.attrs.emplace(an, a.value());
            }
            for (pugi::xml_node set : op.children("instance_attributes"))
                for (pugi::xml_node nv : set.children("nvpair")) o.attrs.emplace(nv.attribute("name").value(), nv.attribute("value").value());
            rp.ops.push_back(std::move(o));
        }
        for (pugi::xml_node set : n.children("meta_attributes"))
            for (pugi::xml_node nv : set.children("nvpair"))
                rp.meta.emplace_back(nv.attribute("name").value(), nv.attribute("value").value());
        if (!m->from_monitor_timeout.empty()) monitor_timeout_param(rp, *m);
        rp.converts = rp.reasons.empty();
        plan.resources.push_back(std::move(rp));
    }
};

void collect_ids(const pugi::xml_node& n, std::set<std::string>& ids)
{
    if (auto a = n.attribute("id")) ids.insert(a.value());
    for (pugi::xml_node c : n.children()) collect_ids(c, ids);
}

std::string fresh_id(std::set<std::string>& ids, const std::string& base)
{
    std::string id = base;
    for (int i = 1; ids.count(id); ++i) id = fmt::format("{}-{}", base, i);
    ids.insert(id);
    return id;
}

pugi::xml_node find_primitive(const pugi::xml_node& root, const std::string& id)
{
    pugi::xml_node found;
    std::function<void(const pugi::xml_node&)> walk = [&](const pugi::xml_node& n) {
        for (pugi::xml_node c : n.children()) {
            if (found) return;
            if (std::string_view(c.name()) == "primitive" && id == c.attribute("id").value()) {
                found = c;
                return;
            }
            walk(c);
        }
    };
    walk(root.child("configuration").child("resources"));
    return found;
}

void bump_version(pugi::xml_node root)
{
    long long epoch = root.attribute("epoch").as_llong(0);
    root.attribute("epoch") ? root.attribute("epoch").set_value(epoch + 1) : root.append_attribute("epoch").set_value(epoch + 1);
    if (root.attribute("num_updates")) root.attribute("num_updates").set_value(0);
}

std::string doc_text(const pugi::xml_document& doc)
{
    std::ostringstream out;
    doc.save(out, "  ", pugi::format_indent | pugi::format_no_declaration);
    return out.str();
}

// Attribute order does not matter to Pacemaker: compare elements with sorted attributes. A
// primitive's utilization is left out: VirtualDomain and virtdomain rewrite it as they run.
std::string canonical(const pugi::xml_node& n)
{
    std::string s = fmt::format("<{}", n.name());
    std::vector<std::pair<std::string, std::string>> attrs;
    for (pugi::xml_attribute a : n.attributes()) attrs.emplace_back(a.name(), a.value());
    std::sort(attrs.begin(), attrs.end());
    for (auto& [k, v] : attrs) s += fmt::format(" {}=\"{}\"", k, v);
    s += ">";
    bool primitive = std::string_view(n.name()) == "primitive";
    for (pugi::xml_node c : n.children())
        if (c.type() == pugi::node_element && !(primitive && std::string_view(c.name()) == "utilization")) s += canonical(c);
    return s + fmt::format("</{}>", n.name());
}

void apply_steps(pugi::xml_node prim, const ResourcePlan& rp, std::string_view provider, std::set<std::string>& ids)
{
    std::string type = rp.new_agent.substr(rp.new_agent.rfind(':') + 1);
    prim.attribute("class").set_value("ocf");
    if (prim.attribute("provider")) prim.attribute("provider").set_value(std::string(provider).c_str());
    else prim.append_attribute("provider").set_value(std::string(provider).c_str());
    prim.attribute("type").set_value(type.c_str());
    pugi::xml_node first_plain;
    for (pugi::xml_node set : prim.children("instance_attributes")) {
        if (!set.child("rule") && !first_plain) first_plain = set;
        std::string set_id = set.attribute("id").value();
        std::vector<pugi::xml_node> drop;
        for (pugi::xml_node nv : set.children("nvpair")) {
            std::string name = nv.attribute("name").value();
            auto it = std::find_if(rp.params.begin(), rp.params.end(), [&](const ParamStep& s) {
                return !s.from_default && s.set_id == set_id && s.name == name;
            });
            if (it == rp.params.end()) continue;
            if (it->action == ParamAction::Dropped) {
                drop.push_back(nv);
            } else if (it->action == ParamAction::Renamed) {
                nv.attribute("name").set_value(it->new_name.c_str());
                ids.erase(nv.attribute("id").value());
                nv.attribute("id").set_value(fresh_id(ids, set_id + "-" + it->new_name).c_str());
                nv.attribute("value").set_value(it->new_value.c_str());
            } else if (it->action == ParamAction::Same && it->new_value != it->value) {
                nv.attribute("value").set_value(it->new_value.c_str());
            }
        }
        for (auto& nv : drop) set.remove_child(nv);
    }
    for (const auto& s : rp.params) {
        if (s.action != ParamAction::Added) continue;
        if (!first_plain) {
            first_plain = prim.prepend_child("instance_attributes");
            first_plain.append_attribute("id").set_value(fresh_id(ids, rp.id + "-instance_attributes").c_str());
        }
        pugi::xml_node nv = first_plain.append_child("nvpair");
        std::string set_id = first_plain.attribute("id").value();
        nv.append_attribute("id").set_value(fresh_id(ids, set_id + "-" + s.new_name).c_str());
        nv.append_attribute("name").set_value(s.new_name.c_str());
        nv.append_attribute("value").set_value(s.new_value.c_str());
    }
}

}  // namespace

std::string_view to_string(ParamAction a)
{
    switch (a) {
    case ParamAction::Same: return "same";
    case ParamAction::Renamed: return "renamed";
    case ParamAction::Dropped: return "dropped";
    case ParamAction::Unsupported: return "unsupported";
    case ParamAction::Added: return "added";
    }
    return "?";
}

int Plan::converting() const
{
    return static_cast<int>(std::count_if(resources.begin(), resources.end(), [](const auto& r) { return r.converts; }));
}

int Plan::staying() const
{
    return static_cast<int>(resources.size()) - converting();
}

Plan make_plan(std::string_view cib_xml, std::string_view provider)
{
    pugi::xml_document doc = load_cib(cib_xml);
    pugi::xml_node cib = doc.document_element();
    Plan plan;
    plan.provider = std::string(provider);
    Walker w{cib, plan, {}, {}, {}, {}};
    for (pugi::xml_node set : cib.child("configuration").child("rsc_defaults").children("meta_attributes"))
        if (!set.child("rule"))
            for (pugi::xml_node nv : set.children("nvpair"))
                w.defaults_meta.emplace_back(nv.attribute("name").value(), nv.attribute("value").value());
    w.inherited_meta = w.defaults_meta;
    for (pugi::xml_node set : cib.child("configuration").child("crm_config").children("cluster_property_set"))
        for (pugi::xml_node nv : set.children("nvpair"))
            if (std::string_view(nv.attribute("name").value()) == "enable-startup-probes" && !is_true(nv.attribute("value").value()))
                w.global_reasons.emplace_back("the cluster has enable-startup-probes=false: the new agent could never probe it");
    // Without a probe on a node the history there keeps the stock agent, and Pacemaker restarts.
    for (pugi::xml_node loc : cib.child("configuration").child("constraints").children("rsc_location")) {
        std::string disc = loc.attribute("resource-discovery").value();
        if (disc.empty() || disc == "always") continue;
        std::string rsc = loc.attribute("rsc").value();
        std::string why = fmt::format("location constraint {} sets resource-discovery={}: some node would not probe it with the new agent",
                                      loc.attribute("id").value(), disc);
        if (!rsc.empty()) w.discovery[rsc].push_back(why);
        else w.global_reasons.push_back(why + " (by pattern or set)");
    }
    w.resources(cib.child("configuration").child("resources"), "", "", "", {}, false);
    return plan;
}

std::string convert_cib(std::string_view cib_xml, const Plan& plan, const std::optional<std::vector<std::string>>& only)
{
    pugi::xml_document doc = load_cib(cib_xml);
    pugi::xml_node root = doc.document_element();
    std::set<std::string> ids;
    collect_ids(root.child("configuration"), ids);
    for (const auto& rp : plan.resources) {
        if (!rp.converts) continue;
        if (only && std::find(only->begin(), only->end(), rp.id) == only->end()) continue;
        pugi::xml_node prim = find_primitive(root, rp.id);
        if (!prim) throw parse::ParseError(0, fmt::format("primitive {} is not in this CIB", rp.id));
        apply_steps(prim, rp, plan.provider, ids);
    }
    bump_version(root);
    return doc_text(doc);
}

RevertPlan plan_revert(std::string_view saved_cib, std::string_view current_cib, std::string_view provider)
{
    Plan saved = make_plan(saved_cib, provider);
    pugi::xml_document cur = load_cib(current_cib);
    std::string made = convert_cib(saved_cib, saved);
    pugi::xml_document made_doc = load_cib(made);
    RevertPlan out;
    for (const auto& rp : saved.resources) {
        if (!rp.converts) continue;
        pugi::xml_node now = find_primitive(cur.document_element(), rp.id);
        if (!now) {
            out.missing.push_back(fmt::format("{}: no longer in the CIB", rp.id));
            continue;
        }
        std::string agent = agent_of(now);
        if (agent != rp.new_agent) {
            out.missing.push_back(fmt::format("{}: runs {} now, not {}", rp.id, agent, rp.new_agent));
            continue;
        }
        RevertItem item{.id = rp.id, .stock_agent = rp.stock_agent, .current_agent = agent};
        pugi::xml_node expected = find_primitive(made_doc.document_element(), rp.id);
        if (canonical(expected) != canonical(now)) {
            item.changed_since = true;
            item.change = "its definition differs from what apply made of the saved one";
        }
        out.items.push_back(std::move(item));
    }
    return out;
}

std::string revert_cib(std::string_view current_cib, std::string_view saved_cib, const std::vector<std::string>& ids)
{
    pugi::xml_document cur = load_cib(current_cib);
    pugi::xml_document saved = load_cib(saved_cib);
    for (const auto& id : ids) {
        pugi::xml_node now = find_primitive(cur.document_element(), id);
        pugi::xml_node old = find_primitive(saved.document_element(), id);
        if (!now || !old) throw parse::ParseError(0, fmt::format("primitive {} missing from the current or the saved CIB", id));
        now.parent().insert_copy_after(old, now);
        now.parent().remove_child(now);
    }
    bump_version(cur.document_element());
    return doc_text(cur);
}

std::vector<std::string> differing_primitives(std::string_view a_cib, std::string_view b_cib,
                                              const std::vector<std::string>& ids)
{
    pugi::xml_document a = load_cib(a_cib);
    pugi::xml_document b = load_cib(b_cib);
    std::vector<std::string> out;
    for (const auto& id : ids) {
        pugi::xml_node x = find_primitive(a.document_element(), id);
        pugi::xml_node y = find_primitive(b.document_element(), id);
        if (!x || !y || canonical(x) != canonical(y)) out.push_back(id);
    }
    return out;
}

std::vector<std::string> changed_sections(std::string_view a_cib, std::string_view b_cib)
{
    pugi::xml_document a = load_cib(a_cib);
    pugi::xml_document b = load_cib(b_cib);
    std::vector<std::string> out;
    for (const char* name : {"nodes", "resources", "constraints", "rsc_defaults", "op_defaults"}) {
        pugi::xml_node x = a.document_element().child("configuration").child(name);
        pugi::xml_node y = b.document_element().child("configuration").child(name);
        if ((x ? canonical(x) : "") != (y ? canonical(y) : "")) out.emplace_back(name);
    }
    return out;
}

std::string primitive_agent(std::string_view cib_xml, const std::string& id)
{
    pugi::xml_document doc = load_cib(cib_xml);
    pugi::xml_node p = find_primitive(doc.document_element(), id);
    return p ? agent_of(p) : std::string();
}

CibVersion cib_version(std::string_view cib_xml)
{
    pugi::xml_document doc = load_cib(cib_xml);
    pugi::xml_node r = doc.document_element();
    return {r.attribute("admin_epoch").as_llong(0), r.attribute("epoch").as_llong(0), r.attribute("num_updates").as_llong(0)};
}

std::string configuration_text(std::string_view cib_xml)
{
    pugi::xml_document doc = load_cib(cib_xml);
    return canonical(doc.document_element().child("configuration"));
}

}  // namespace ocfkit::adopt
