// Cluster state for adopt: crm_mon roles, probe progress from the CIB status, refusals.
#include "status.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <pugixml.hpp>

#include "ocfkit/parse/error.h"

namespace ocfkit::adopt {

namespace {

std::string base_id(std::string_view id)
{
    auto colon = id.find(':');
    return std::string(colon == std::string_view::npos ? id : id.substr(0, colon));
}

bool wanted(const std::vector<std::string>& ids, const std::string& id)
{
    return std::find(ids.begin(), ids.end(), id) != ids.end();
}

pugi::xml_document load(std::string_view xml, std::string_view what)
{
    pugi::xml_document doc;
    if (!doc.load_buffer(xml.data(), xml.size())) throw parse::ParseError(0, fmt::format("{} is not XML", what));
    return doc;
}

}  // namespace

Roles roles_of(const parse::CrmMon& mon, const std::vector<std::string>& ids)
{
    Roles roles;
    for (const auto& r : mon.resources) {
        std::string id = base_id(r.id);
        if (!wanted(ids, id)) continue;
        for (const auto& node : r.nodes) roles[id][node] = r.failed ? "FAILED " + r.role : r.role;
    }
    return roles;
}

std::vector<std::string> role_differences(const Roles& before, const Roles& after, const std::vector<std::string>& ids)
{
    std::vector<std::string> out;
    static const std::map<std::string, std::string> none;
    for (const auto& id : ids) {
        auto b = before.count(id) ? before.at(id) : none;
        auto a = after.count(id) ? after.at(id) : none;
        std::map<std::string, bool> nodes;
        for (const auto& [n, _] : b) nodes[n] = true;
        for (const auto& [n, _] : a) nodes[n] = true;
        for (const auto& [n, _] : nodes) {
            std::string was = b.count(n) ? b.at(n) : "Stopped";
            std::string now = a.count(n) ? a.at(n) : "Stopped";
            if (was != now) out.push_back(fmt::format("{} on {}: was {}, now {}", id, n, was, now));
        }
    }
    return out;
}

std::vector<std::string> refusals(const parse::CrmMon& mon, const std::vector<std::string>& ids)
{
    std::vector<std::string> out;
    if (mon.dc_name.empty()) out.emplace_back("the cluster has no DC");
    else if (!mon.with_quorum) out.emplace_back("the cluster partition has no quorum");
    for (const auto& n : mon.nodes) {
        if (n.unclean) out.push_back(fmt::format("node {} is unclean", n.name));
        else if (!n.online) out.push_back(fmt::format("node {} is offline: it could not probe with the new agent", n.name));
    }
    for (const auto& f : mon.failures) {
        // op_key is <resource>_<task>_<interval>; tasks have underscores too (migrate_to).
        std::string rsc = f.op_key;
        if (rsc.rfind('_') != std::string::npos) rsc.erase(rsc.rfind('_'));
        if (std::string tail = "_" + f.task; !f.task.empty() && rsc.size() > tail.size() && rsc.ends_with(tail))
            rsc.erase(rsc.size() - tail.size());
        else if (rsc.rfind('_') != std::string::npos)
            rsc.erase(rsc.rfind('_'));
        if (wanted(ids, base_id(rsc)))
            out.push_back(fmt::format("{} has a failed action: {} on {}: {}{}", base_id(rsc), f.op_key, f.node, f.exitstatus,
                                      f.exitreason.empty() ? "" : " (" + f.exitreason + ")"));
    }
    for (const auto& r : mon.resources)
        if (wanted(ids, base_id(r.id)) && r.failed)
            out.push_back(fmt::format("{} is failed on {}", base_id(r.id), fmt::join(r.nodes, ", ")));
    return out;
}

std::vector<std::string> joining_nodes(std::string_view crm_mon_xml)
{
    pugi::xml_document doc = load(crm_mon_xml, "crm_mon output");
    std::vector<std::string> out;
    for (pugi::xml_node n : doc.document_element().child("nodes").children("node"))
        if (n.attribute("pending").as_bool(false)) out.emplace_back(n.attribute("name").value());
    return out;
}

std::vector<std::string> probing_nodes(const parse::CrmMon& mon)
{
    std::vector<std::string> out;
    for (const auto& n : mon.nodes)
        if (n.online) out.push_back(n.name);
    return out;
}

std::vector<ProbeState> probe_states(std::string_view status_xml, const std::vector<std::string>& nodes,
                                     const std::map<std::string, std::string>& expected_agent)
{
    pugi::xml_document doc = load(status_xml, "the CIB status");
    pugi::xml_node status = doc.document_element();
    if (std::string_view(status.name()) == "cib") status = status.child("status");
    std::vector<ProbeState> out;
    for (const auto& node : nodes) {
        pugi::xml_node ns = status.find_child_by_attribute("node_state", "uname", node.c_str());
        for (const auto& [id, agent] : expected_agent) {
            ProbeState st{.id = id, .node = node};
            bool stale = false;
            for (pugi::xml_node lr : ns.child("lrm").child("lrm_resources").children("lrm_resource")) {
                std::string lid = lr.attribute("id").value();
                if (base_id(lid) != id) continue;
                std::string provider = lr.attribute("provider").value();
                std::string a = fmt::format("{}:{}{}{}", lr.attribute("class").value(), provider, provider.empty() ? "" : ":",
                                            lr.attribute("type").value());
                st.agent = a;
                if (a != agent) {
                    stale = true;
                    continue;
                }
                for (pugi::xml_node op : lr.children("lrm_rsc_op")) {
                    if (std::string_view(op.attribute("operation").value()) != "monitor") continue;
                    if (op.attribute("interval").as_llong(-1) != 0) continue;
                    if (op.attribute("op-status").as_int(0) == -1 || op.attribute("call-id").as_int(0) == -1) continue;
                    st.done = true;
                    st.rc = op.attribute("rc-code").as_int(-1);
                    st.exit_reason = op.attribute("exit-reason").value();
                    // A failure record wins over the last one: it holds the reason.
                    if (std::string_view(op.attribute("id").value()).find("_last_failure_") != std::string_view::npos) break;
                }
            }
            if (stale) st.done = false;
            out.push_back(std::move(st));
        }
    }
    return out;
}

std::vector<std::string> actions_in_history(std::string_view status_xml, const std::vector<std::string>& ids)
{
    pugi::xml_document doc = load(status_xml, "the CIB status");
    pugi::xml_node status = doc.document_element();
    if (std::string_view(status.name()) == "cib") status = status.child("status");
    std::vector<std::string> out;
    for (pugi::xml_node ns : status.children("node_state"))
        for (pugi::xml_node lr : ns.child("lrm").child("lrm_resources").children("lrm_resource")) {
            if (!wanted(ids, base_id(lr.attribute("id").value()))) continue;
            for (pugi::xml_node op : lr.children("lrm_rsc_op")) {
                std::string_view task = op.attribute("operation").value();
                if (task == "monitor" || std::string_view(op.attribute("id").value()).find("_last_failure_") != std::string_view::npos)
                    continue;
                out.push_back(fmt::format("{} on {}: {} (rc {})", base_id(lr.attribute("id").value()), ns.attribute("uname").value(),
                                          task, op.attribute("rc-code").value()));
            }
        }
    return out;
}

std::string maintenance_mode_value(std::string_view cib_xml)
{
    pugi::xml_document doc = load(cib_xml, "the CIB");
    for (pugi::xml_node set : doc.document_element().child("configuration").child("crm_config").children("cluster_property_set"))
        for (pugi::xml_node nv : set.children("nvpair"))
            if (std::string_view(nv.attribute("name").value()) == "maintenance-mode") return nv.attribute("value").value();
    return {};
}

}  // namespace ocfkit::adopt
