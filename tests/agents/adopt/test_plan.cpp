// Plans from captured CIBs (golden text and JSON), the rewritten CIB, the way back, and the
// cluster state adopt reads.
#include <cstdlib>
#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include <pugixml.hpp>

#include "catch.h"
#include "fixture.h"
#include "ocfkit/parse/crm_mon.h"
#include "plan.h"
#include "render.h"
#include "status.h"

using namespace ocfkit::adopt;
using ocfkit::test::read_fixture;

namespace {

// OCFKIT_ADOPT_REGENERATE=1 rewrites the golden files (review the diff) instead of comparing.
void golden(const std::string& relative, const std::string& actual)
{
    const char* regen = std::getenv("OCFKIT_ADOPT_REGENERATE");
    if (regen && *regen == '1') {
        std::ofstream(ocfkit::test::data_dir() + "/" + relative, std::ios::binary) << actual;
        return;
    }
    INFO("golden file " << relative << " (OCFKIT_ADOPT_REGENERATE=1 rewrites it)");
    CHECK(actual == read_fixture(relative));
}

const ResourcePlan& by_id(const Plan& p, std::string_view id)
{
    for (const auto& r : p.resources)
        if (r.id == id) return r;
    FAIL("no plan for " << id);
    throw std::logic_error("unreachable");
}

pugi::xml_node primitive(const pugi::xml_document& doc, const std::string& id)
{
    return doc.select_node(("//primitive[@id='" + id + "']").c_str()).node();
}

// The ids of a revert plan of the six converted resources, none changed since the apply.
std::vector<std::string> unchanged_revert_ids(const RevertPlan& rp)
{
    REQUIRE(rp.items.size() == 6);
    std::vector<std::string> ids;
    for (const auto& i : rp.items) {
        CHECK_FALSE(i.changed_since);
        ids.push_back(i.id);
    }
    return ids;
}

}  // namespace

TEST_CASE("plans of captured CIBs match their golden text and JSON", "[adopt-plan]")
{
    for (const std::string name : {"lab-stack", "sandbox-stock", "crmsh-stack"}) {
        INFO(name);
        Plan plan = make_plan(read_fixture("adopt/cib/" + name + ".xml"));
        golden("adopt/plan/" + name + ".txt", render_plan_text(plan));
        golden("adopt/plan/" + name + ".json", render_plan_json(plan));
    }
}

TEST_CASE("what converts and what stays, with why", "[adopt-plan]")
{
    Plan plan = make_plan(read_fixture("adopt/cib/lab-stack.xml"));
    CHECK(plan.converting() == 6);
    CHECK(plan.staying() == 5);
    CHECK(by_id(plan, "drbd-r0").parent_kind == "promotable clone");
    CHECK(by_id(plan, "drbd-r0").new_agent == "ocf:custom:drbd-dual");
    CHECK(by_id(plan, "webfs").parent_kind == "group");
    CHECK(by_id(plan, "webfs").top == "web");
    CHECK_FALSE(by_id(plan, "sharedlv").converts);
    CHECK_FALSE(by_id(plan, "legacy-drbd").converts);
    // Not set at all, yet a stock default that does not convert.
    const auto& old = by_id(plan, "oldclvm");
    CHECK_FALSE(old.converts);
    REQUIRE(old.reasons.size() == 1);
    CHECK(old.reasons[0].find("activate_vgs (not set") == 0);
    // An agent ocfkit does not replace is left alone.
    REQUIRE(plan.other_agents.size() == 1);
    CHECK(plan.other_agents[0] == "webip (ocf:heartbeat:IPaddr2)");
}

TEST_CASE("a parameter the tables do not know keeps the resource on its stock agent", "[adopt-plan]")
{
    std::string cib = read_fixture("adopt/cib/lab-stack.xml");
    auto at = cib.find("name=\"drbd_resource\" value=\"r0\"/>");
    REQUIRE(at != std::string::npos);
    cib.insert(at + std::string("name=\"drbd_resource\" value=\"r0\"/>").size(),
               "<nvpair id=\"x-new\" name=\"brand_new_option\" value=\"1\"/>");
    Plan plan = make_plan(cib);
    const auto& r = by_id(plan, "drbd-r0");
    CHECK_FALSE(r.converts);
    CHECK(r.reasons.at(0) == "brand_new_option=1: not a parameter of ocf:linbit:drbd that adopt knows");
}

TEST_CASE("resource-discovery and disabled start-up probes keep resources where they are", "[adopt-plan]")
{
    std::string cib = read_fixture("adopt/cib/lab-stack.xml");
    std::string with_loc = cib;
    with_loc.replace(with_loc.find("<constraints>"), 13,
                     "<constraints><rsc_location id=\"l1\" rsc=\"gfs0-clone\" node=\"node2\" score=\"-INFINITY\" resource-discovery=\"never\"/>");
    Plan plan = make_plan(with_loc);
    CHECK_FALSE(by_id(plan, "gfs0").converts);
    CHECK(by_id(plan, "labguest").converts);
    std::string no_probes = cib;
    no_probes.replace(no_probes.find("<cluster_property_set id=\"cib-bootstrap-options\">"), 49,
                      "<cluster_property_set id=\"cib-bootstrap-options\"><nvpair id=\"p\" name=\"enable-startup-probes\" value=\"false\"/>");
    CHECK(make_plan(no_probes).converting() == 0);
}

TEST_CASE("the rewritten CIB: new agents, renamed and dropped parameters, one epoch on", "[adopt-plan]")
{
    std::string cib = read_fixture("adopt/cib/lab-stack.xml");
    Plan plan = make_plan(cib);
    std::string out = convert_cib(cib, plan);
    CHECK(cib_version(out).epoch == cib_version(cib).epoch + 1);
    CHECK(cib_version(out).num_updates == 0);
    pugi::xml_document doc;
    REQUIRE(doc.load_string(out.c_str()));
    auto lvm = primitive(doc, "lvmlockd");
    CHECK(std::string(lvm.attribute("provider").value()) == "custom");
    CHECK(std::string(lvm.attribute("type").value()) == "clvm");
    CHECK(lvm.select_node("instance_attributes/nvpair[@name='lock_manager'][@value='lvmlockd']"));
    // Staying resources are untouched.
    CHECK(std::string(primitive(doc, "sharedlv").attribute("type").value()) == "LVM-activate");
    // Ids stay unique.
    std::set<std::string> ids;
    for (auto n : doc.select_nodes("//*[@id]")) CHECK(ids.insert(n.node().attribute("id").value()).second);
    // Converted again, nothing converts: they are ours now.
    Plan again = make_plan(out);
    CHECK(again.converting() == 0);
    CHECK(again.staying() == 5);

    // A controld with the old fencing name gets the new one.
    std::string ctl = cib;
    std::string dlm_open = "<primitive id=\"dlm\" class=\"ocf\" type=\"controld\" provider=\"pacemaker\">";
    auto at = ctl.find(dlm_open);
    REQUIRE(at != std::string::npos);
    ctl.insert(at + dlm_open.size(),
                "<instance_attributes id=\"dlm-instance_attributes\"><nvpair id=\"dlm-instance_attributes-allow_stonith_disabled\" "
                "name=\"allow_stonith_disabled\" value=\"yes\"/></instance_attributes>");
    pugi::xml_document d2;
    REQUIRE(d2.load_string(convert_cib(ctl, make_plan(ctl)).c_str()));
    auto nv = primitive(d2, "dlm").select_node("instance_attributes/nvpair").node();
    CHECK(std::string(nv.attribute("name").value()) == "allow_fencing_disabled");
    CHECK(std::string(nv.attribute("value").value()) == "yes");
    CHECK(std::string(nv.attribute("id").value()) == "dlm-instance_attributes-allow_fencing_disabled");
}

TEST_CASE("the way back: what apply made is recognised and put back exactly", "[adopt-plan]")
{
    std::string saved = read_fixture("adopt/cib/lab-stack.xml");
    Plan plan = make_plan(saved);
    std::string now = convert_cib(saved, plan);
    RevertPlan rp = plan_revert(saved, now);
    std::vector<std::string> ids = unchanged_revert_ids(rp);
    CHECK(rp.missing.empty());
    std::string back = revert_cib(now, saved, ids);
    CHECK(differing_primitives(back, saved, ids).empty());
    CHECK(differing_primitives(now, saved, ids).size() == 6);
    CHECK(primitive_agent(back, "labguest") == "ocf:heartbeat:VirtualDomain");

    // Utilization is the agents' to rewrite: not a change.
    std::string util = read_fixture("adopt/cib/sandbox-stock.xml");
    std::string util_now = convert_cib(util, make_plan(util));
    const std::string mem = "name=\"hv_memory\" value=\"128\"";
    auto m = util_now.find(mem);
    REQUIRE(m != std::string::npos);
    util_now.replace(m, mem.size(), "name=\"hv_memory\" value=\"256\"");
    for (const auto& i : plan_revert(util, util_now).items) CHECK_FALSE(i.changed_since);

    // Changed after apply: revert must notice.
    std::string edited = now;
    auto at = edited.find("value=\"/mnt/gfs/vm/labguest.xml\"");
    REQUIRE(at != std::string::npos);
    edited.replace(at, 33, "value=\"/mnt/gfs/vm/other-guest.xml\"");
    RevertPlan rp2 = plan_revert(saved, edited);
    for (const auto& i : rp2.items) CHECK(i.changed_since == (i.id == "labguest"));
}

TEST_CASE("a CIB written by crmsh: the same stack converts and comes back exactly", "[adopt-plan]")
{
    std::string saved = read_fixture("adopt/cib/crmsh-stack.xml");
    Plan plan = make_plan(saved);
    CHECK(plan.staying());
    CHECK_FALSE(by_id(plan, "sharedlv").converts);
    for (const char* id : {"drbd-r0", "dlm", "lvmlockd", "gfs0", "labguest", "web-fs"}) {
        INFO(id);
        CHECK(by_id(plan, id).converts);
    }
    std::string now = convert_cib(saved, plan);
    CHECK(primitive_agent(now, "drbd-r0") == "ocf:custom:drbd-dual");
    CHECK(primitive_agent(now, "web-fs") == "ocf:custom:gfs2fs");
    CHECK(primitive_agent(now, "sharedlv") == "ocf:heartbeat:LVM-activate");
    CHECK(cib_version(now).epoch == cib_version(saved).epoch + 1);
    RevertPlan rp = plan_revert(saved, now);
    std::vector<std::string> ids = unchanged_revert_ids(rp);
    CHECK(differing_primitives(revert_cib(now, saved, ids), saved, ids).empty());
}

TEST_CASE("not a CIB", "[adopt-plan]")
{
    CHECK_THROWS_AS(make_plan("<resources/>"), ocfkit::parse::ParseError);
    CHECK_THROWS_AS(make_plan("not xml"), ocfkit::parse::ParseError);
}

TEST_CASE("roles per node from crm_mon, and their differences", "[adopt-status]")
{
    auto mon = ocfkit::parse::parse_crm_mon(read_fixture("adopt/crm_mon/two-node-steady.xml"));
    std::vector<std::string> ids{"drbd-r0", "dlm", "gfs0", "absent"};
    Roles r = roles_of(mon, ids);
    CHECK(r["drbd-r0"]["node1"] == "Promoted");
    CHECK(r["drbd-r0"]["node2"] == "Promoted");
    CHECK(r["dlm"]["node2"] == "Started");
    CHECK(r.count("absent") == 0);
    CHECK(role_differences(r, r, ids).empty());
    Roles after = r;
    after["drbd-r0"]["node2"] = "Unpromoted";
    after["gfs0"].erase("node1");
    auto d = role_differences(r, after, ids);
    REQUIRE(d.size() == 2);
    CHECK(d[0] == "drbd-r0 on node2: was Promoted, now Unpromoted");
    CHECK(d[1] == "gfs0 on node1: was Started, now Stopped");
}

TEST_CASE("refusals: offline or unclean nodes, failed actions of the resources concerned", "[adopt-status]")
{
    std::string xml = read_fixture("adopt/crm_mon/two-node-steady.xml");
    auto mon = ocfkit::parse::parse_crm_mon(xml);
    CHECK(refusals(mon, {"drbd-r0", "gfs0"}).empty());
    CHECK(probing_nodes(mon) == std::vector<std::string>{"node1", "node2"});
    std::string off = xml;
    const std::string online = "<node name=\"node2\" id=\"2\" online=\"true\"";
    auto at = off.find(online);
    REQUIRE(at != std::string::npos);
    off.replace(at, online.size(), "<node name=\"node2\" id=\"2\" online=\"false\"");
    auto why = refusals(ocfkit::parse::parse_crm_mon(off), {"gfs0"});
    REQUIRE(why.size() == 1);
    CHECK(why[0] == "node node2 is offline: it could not probe with the new agent");
    CHECK(probing_nodes(ocfkit::parse::parse_crm_mon(off)) == std::vector<std::string>{"node1"});
    CHECK(joining_nodes(xml).empty());
    std::string joining = xml;
    const std::string node1 = "<node name=\"node1\" id=\"1\" online=\"true\" standby=\"false\" standby_onfail=\"false\" maintenance=\"false\" pending=\"false\"";
    auto j = joining.find(node1);
    REQUIRE(j != std::string::npos);
    joining.replace(j + node1.size() - 7, 7, "\"true\"");
    CHECK(joining_nodes(joining) == std::vector<std::string>{"node1"});
    std::string failed = xml;
    failed.replace(failed.find("</resources>"), 12,
                   "</resources><failures><failure op_key=\"gfs0_monitor_20000\" node=\"node1\" exitstatus=\"not running\" "
                   "exitreason=\"gone\" exitcode=\"7\" call=\"9\" status=\"complete\" last-rc-change=\"x\" queued=\"0\" "
                   "exec=\"0\" interval=\"20000\" task=\"monitor\"/></failures>");
    auto mon2 = ocfkit::parse::parse_crm_mon(failed);
    why = refusals(mon2, {"gfs0"});
    REQUIRE(why.size() == 1);
    CHECK(why[0] == "gfs0 has a failed action: gfs0_monitor_20000 on node1: not running (gone)");
    // Another resource's failure is not ours to judge; a prefix of an id is not the id.
    CHECK(refusals(mon2, {"dlm", "gfs"}).empty());
    // A task with an underscore in its name (a failed live migration, whose record outlives the
    // recovery) is still the resource's.
    std::string migrate = xml;
    migrate.replace(migrate.find("</resources>"), 12,
                    "</resources><failures><failure op_key=\"labguest_migrate_to_0\" node=\"node1\" exitstatus=\"error\" "
                    "exitreason=\"migration failed\" exitcode=\"1\" call=\"30\" status=\"complete\" last-rc-change=\"x\" "
                    "queued=\"0\" exec=\"0\" interval=\"0\" task=\"migrate_to\"/></failures>");
    why = refusals(ocfkit::parse::parse_crm_mon(migrate), {"labguest"});
    REQUIRE(why.size() == 1);
    CHECK(why[0] == "labguest has a failed action: labguest_migrate_to_0 on node1: error (migration failed)");
}

TEST_CASE("probe progress from the CIB status section (captured after apply in the sandbox)", "[adopt-status]")
{
    std::string status = read_fixture("adopt/status/sandbox-after-apply.xml");
    std::map<std::string, std::string> ours{{"adopt-fs", "ocf:ocfkit-adopt:gfs2fs"}, {"adopt-vm", "ocf:ocfkit-adopt:virtdomain"}};
    auto st = probe_states(status, {"vm"}, ours);
    REQUIRE(st.size() == 2);
    for (const auto& s : st) {
        CHECK(s.done);
        CHECK(s.rc == 0);
    }
    // The history names the new agent: a probe by the stock one is not recorded yet.
    std::map<std::string, std::string> stock{{"adopt-fs", "ocf:heartbeat:Filesystem"}};
    st = probe_states(status, {"vm"}, stock);
    REQUIRE(st.size() == 1);
    CHECK_FALSE(st[0].done);
    CHECK(st[0].agent == "ocf:ocfkit-adopt:gfs2fs");
    // A node without history for it: not done.
    st = probe_states(status, {"vm", "other"}, ours);
    CHECK(std::count_if(st.begin(), st.end(), [](auto& s) { return s.done; }) == 2);
    // A pending probe (op-status -1) is not done; a failed one carries its rc and reason.
    std::string pending = status;
    for (auto at = pending.find("op-status=\"0\" interval=\"0\""); at != std::string::npos;
         at = pending.find("op-status=\"0\" interval=\"0\"", at + 1))
        pending.replace(at, 13, "op-status=\"-1\"");
    for (const auto& s : probe_states(pending, {"vm"}, ours)) CHECK_FALSE(s.done);
    std::string failed = status;
    auto at = failed.find("id=\"adopt-vm_last_failure_0\"");
    REQUIRE(at != std::string::npos);
    auto rc = failed.find("exit-reason=\"\"", at);
    failed.replace(rc, 14, "exit-reason=\"virtdomain: No such file or directory\"");
    rc = failed.find("rc-code=\"0\"", at);
    failed.replace(rc, 11, "rc-code=\"5\"");
    st = probe_states(failed, {"vm"}, {{"adopt-vm", "ocf:ocfkit-adopt:virtdomain"}});
    REQUIRE(st.size() == 1);
    CHECK(st[0].rc == 5);
    CHECK(st[0].exit_reason == "virtdomain: No such file or directory");
}

TEST_CASE("maintenance-mode as the CIB had it", "[adopt-status]")
{
    CHECK(maintenance_mode_value(read_fixture("adopt/cib/lab-stack.xml")).empty());
    std::string cib = read_fixture("adopt/cib/sandbox-stock.xml");
    auto at = cib.find("<cluster_property_set id=\"cib-bootstrap-options\">");
    REQUIRE(at != std::string::npos);
    cib.insert(at + 50, "<nvpair id=\"m\" name=\"maintenance-mode\" value=\"false\"/>");
    CHECK(maintenance_mode_value(cib) == "false");
}

TEST_CASE("actions in the history: only what is not a monitor", "[adopt-status]")
{
    std::string status = read_fixture("adopt/status/sandbox-after-apply.xml");
    CHECK(actions_in_history(status, {"adopt-fs", "adopt-vm"}).empty());
    const std::string probe = "operation_key=\"adopt-vm_monitor_0\" operation=\"monitor\"";
    auto at = status.find(probe);
    REQUIRE(at != std::string::npos);
    status.replace(at, probe.size(), "operation_key=\"adopt-vm_start_0\" operation=\"start\"");
    auto ran = actions_in_history(status, {"adopt-fs", "adopt-vm"});
    REQUIRE(ran.size() == 1);
    CHECK(ran[0] == "adopt-vm on vm: start (rc 0)");
    CHECK(actions_in_history(status, {"adopt-fs"}).empty());
}
