// parse_crm_mon and parse_crm_mon_history against real crm_mon --output-as=xml captures (VM cluster,
// sandbox, crm_simulate states) and bad input.
#include "catch.h"

#include <algorithm>

#include "fixture.h"
#include "parse_error_line.h"
#include "ocfkit/parse/crm_mon.h"

using namespace ocfkit::parse;
using ocfkit::test::for_each_fixture;
using ocfkit::test::read_fixture;

namespace {

std::size_t error_line(std::string_view xml, std::string* message = nullptr)
{
    return ocfkit::test::parse_error_line(parse_crm_mon, xml, message);
}

std::size_t history_error_line(std::string_view xml, std::string* message = nullptr)
{
    return ocfkit::test::parse_error_line(parse_crm_mon_history, xml, message);
}

const std::string kHead = "<pacemaker-result api-version=\"2.25\" request=\"crm_mon -1 --output-as=xml\">\n"
                          "  <summary>\n"
                          "    <current_dc present=\"true\" version=\"2.1.5\" name=\"n1\" id=\"1\" with_quorum=\"true\"/>\n"
                          "  </summary>\n";
const std::string kNodes = "  <nodes>\n"
                           "    <node name=\"n1\" id=\"1\" online=\"true\" is_dc=\"true\" type=\"member\"/>\n"
                           "  </nodes>\n";
const std::string kTail = "  <status code=\"0\" message=\"OK\"/>\n</pacemaker-result>\n";

}  // namespace

TEST_CASE("every crm_mon fixture parses as its manifest says", "[crm_mon]")
{
    std::size_t seen = for_each_fixture("crm_mon", [](const std::string& name, const std::string& text, const std::string& expect) {
        INFO(name << " expected " << expect);
        auto expectation = ocfkit::test::parse_expectation(expect);
        if (expectation.ok) {
            CrmMon mon;
            REQUIRE_NOTHROW(mon = parse_crm_mon(text));
            CHECK(!mon.nodes.empty());
            CHECK(mon.nodes_configured == static_cast<int>(mon.nodes.size()));
            for (const auto& r : mon.resources) {
                CHECK(!r.id.empty());
                CHECK(r.active == !r.nodes.empty());
            }
        } else {
            std::size_t line = error_line(text);
            if (expectation.line) CHECK(line == expectation.line);
        }
    });
    CHECK(seen >= 2);
}

TEST_CASE("two-node VM cluster: nodes, DC, quorum, clones", "[crm_mon]")
{
    CrmMon mon = parse_crm_mon(read_fixture("crm_mon/vm-two-node-steady.xml"));
    CHECK(mon.pacemaker_version == "2.1.5-a3f44794f94");
    CHECK(mon.stack == "corosync");
    CHECK(mon.dc_name == "node2");
    CHECK(mon.with_quorum);
    CHECK(mon.fencing_enabled);
    CHECK_FALSE(mon.maintenance_mode);
    CHECK(mon.nodes_configured == 2);
    CHECK(mon.resources_configured == 11);

    REQUIRE(mon.nodes.size() == 2);
    const CrmNode* n1 = mon.node("node1");
    const CrmNode* n2 = mon.node("node2");
    REQUIRE(n1);
    REQUIRE(n2);
    CHECK(mon.node("node3") == nullptr);
    CHECK(n1->id == "1");
    CHECK(n1->online);
    CHECK_FALSE(n1->is_dc);
    CHECK(n2->is_dc);
    CHECK_FALSE(n1->standby);
    CHECK_FALSE(n1->maintenance);
    CHECK_FALSE(n1->unclean);
    CHECK(n1->type == "member");

    // 1 primitive + 5 clones × 2 instances = 11 = resources_configured.
    REQUIRE(mon.resources.size() == 11);
    const CrmResource& fence = mon.resources[0];
    CHECK(fence.id == "vmfence");
    CHECK(fence.agent == "stonith:fence_lab");
    CHECK(fence.role == "Started");
    CHECK(fence.parent.empty());
    CHECK(fence.parent_kind.empty());
    CHECK(fence.nodes == std::vector<std::string>{"node1"});

    auto drbd = mon.instances("drbd-r0");
    REQUIRE(drbd.size() == 2);
    for (const CrmResource* r : drbd) {
        CHECK(r->role == "Promoted");
        CHECK(r->agent == "ocf:linbit:drbd");
        CHECK(r->parent == "drbd-r0-clone");
        CHECK(r->parent_kind == "clone");
        CHECK(r->parent_promotable);
        CHECK(r->active);
        CHECK(r->managed);
        CHECK_FALSE(r->failed);
        CHECK(r->nodes.size() == 1);
    }
    CHECK(drbd[0]->nodes[0] == "node1");
    CHECK(drbd[1]->nodes[0] == "node2");

    auto gfs = mon.instances("gfs0");
    REQUIRE(gfs.size() == 2);
    CHECK(gfs[0]->parent == "gfs0-clone");
    CHECK_FALSE(gfs[0]->parent_promotable);
    CHECK(gfs[0]->role == "Started");
    CHECK(mon.instances("gfs").empty());       // a prefix is not an instance
    CHECK(mon.instances("gfs0-clone").empty());  // clones are not resources themselves
    CHECK(mon.failures.empty());
}

TEST_CASE("two-node VM cluster under Pacemaker 3.0: ocfkit's stack, no <pacemakerd>", "[crm_mon]")
{
    CrmMon mon = parse_crm_mon(read_fixture("crm_mon/pacemaker3-vm-two-node-steady.xml"));
    CHECK(mon.pacemaker_version == "3.0.0-3.0.0");
    CHECK(mon.stack == "corosync");
    CHECK(mon.dc_name == "node1");
    CHECK(mon.with_quorum);
    CHECK(mon.fencing_enabled);
    CHECK_FALSE(mon.maintenance_mode);
    CHECK(mon.nodes_configured == 2);
    CHECK(mon.resources_configured == 10);
    REQUIRE(mon.nodes.size() == 2);
    CHECK(mon.node("node1")->is_dc);
    CHECK(mon.node("node2")->online);

    // fence-lab + 4 clones x 2 + labguest.
    REQUIRE(mon.resources.size() == 10);
    auto drbd = mon.instances("drbd-r0");
    REQUIRE(drbd.size() == 2);
    for (const CrmResource* r : drbd) {
        CHECK(r->role == "Promoted");
        CHECK(r->agent == "ocf:custom:drbd-dual");
        CHECK(r->parent == "drbd-r0-clone");
        CHECK(r->parent_promotable);
    }
    for (const char* id : {"dlm", "lvmlockd", "gfs2"}) {
        INFO(id);
        auto inst = mon.instances(id);
        REQUIRE(inst.size() == 2);
        CHECK(inst[0]->role == "Started");
        CHECK_FALSE(inst[0]->parent_promotable);
    }
    auto guest = mon.instances("labguest");
    REQUIRE(guest.size() == 1);
    CHECK(guest[0]->agent == "ocf:custom:virtdomain");
    CHECK(guest[0]->nodes == std::vector<std::string>{"node2"});
    CHECK(mon.failures.empty());
    CrmMonHistory history = parse_crm_mon_history(read_fixture("crm_mon/pacemaker3-vm-two-node-steady.xml"));
    CHECK(history.failed().empty());
    CHECK(history.bans.empty());
}

TEST_CASE("crm_mon error result after a fence reboot is a ParseError", "[crm_mon]")
{
    std::string message;
    CHECK(error_line(read_fixture("crm_mon/vm-node-after-fence-reboot.xml"), &message) == 2);
    CHECK(message.find("102") != std::string::npos);
    CHECK(message.find("Not connected") != std::string::npos);
    CHECK(message.find("Connection refused") != std::string::npos);
}

TEST_CASE("sandbox captures of Pacemaker 2.1.5 and 3.0: promotable clone and failures", "[crm_mon]")
{
    // The same states captured on Debian 12 (sandbox-*) and Debian 13 (pacemaker3-sandbox-*).
    const std::string prefix = GENERATE(as<std::string>{}, "crm_mon/sandbox-", "crm_mon/pacemaker3-sandbox-");
    INFO(prefix);
    CrmMon promoted = parse_crm_mon(read_fixture(prefix + "stateful-promoted.xml"));
    CHECK(promoted.dc_name == "vm");
    CHECK_FALSE(promoted.fencing_enabled);
    auto inst = promoted.instances("cap-stateful");
    REQUIRE(inst.size() == 1);
    CHECK(inst[0]->role == "Promoted");
    CHECK(inst[0]->parent == "cap-stateful-clone");
    CHECK(inst[0]->parent_promotable);

    CrmMon failmon = parse_crm_mon(read_fixture(prefix + "failed-monitor.xml"));
    REQUIRE(failmon.failures.size() == 1);
    CHECK(failmon.failures[0].op_key == "cap-failmon_monitor_2000");
    CHECK(failmon.failures[0].node == "vm");
    CHECK(failmon.failures[0].exitcode == 7);
    // Pacemaker 3.0 words these two differently ("Not running", "Done"); nothing reads them.
    const bool v3 = prefix.find("pacemaker3") != std::string::npos;
    CHECK(failmon.failures[0].exitstatus == (v3 ? "Not running" : "not running"));
    CHECK(failmon.failures[0].task == "monitor");
    CHECK(failmon.failures[0].status == (v3 ? "Done" : "complete"));

    CrmMon failstart = parse_crm_mon(read_fixture(prefix + "failed-start.xml"));
    REQUIRE(failstart.failures.size() == 1);
    CHECK(failstart.failures[0].exitcode == 1);
    CHECK(failstart.failures[0].task == "start");
    auto r = failstart.instances("cap-failstart");
    REQUIRE(r.size() == 1);
    CHECK(r[0]->role == "Stopped");
    CHECK_FALSE(r[0]->active);
    CHECK(r[0]->nodes.empty());

    CrmMon idle = parse_crm_mon(read_fixture(prefix + "idle.xml"));
    CHECK(idle.resources.empty());
    CHECK(idle.resources_configured == 0);
}

TEST_CASE("simulated three-node states rendered by crm_mon 2.1.5", "[crm_mon]")
{
    CrmMon steady = parse_crm_mon(read_fixture("crm_mon/simulated-three-node-steady.xml"));
    CHECK(steady.dc_name == "node2");
    CHECK(steady.pacemaker_version.empty());  // crm_mon on a CIB file knows no DC version
    CHECK(steady.stack == "unknown");
    CHECK(steady.with_quorum);
    CHECK(steady.nodes_configured == 3);
    CHECK(steady.resources_configured == 8);
    REQUIRE(steady.resources.size() == 8);
    CHECK(steady.resources[0].id == "solo");
    CHECK(steady.resources[0].nodes == std::vector<std::string>{"node1"});
    auto ga = steady.instances("ga");
    REQUIRE(ga.size() == 1);
    CHECK(ga[0]->parent == "grp");
    CHECK(ga[0]->parent_kind == "group");
    CHECK_FALSE(ga[0]->parent_promotable);
    CHECK(ga[0]->nodes == std::vector<std::string>{"node2"});
    auto st = steady.instances("st");
    REQUIRE(st.size() == 3);
    CHECK(st[0]->role == "Unpromoted");
    CHECK(st[0]->nodes[0] == "node1");
    CHECK(st[1]->role == "Unpromoted");
    CHECK(st[2]->role == "Promoted");
    CHECK(st[2]->nodes[0] == "node3");
    for (const CrmResource* r : st) CHECK(r->parent_promotable);
    auto uq = steady.instances("uq");
    REQUIRE(uq.size() == 2);
    CHECK(uq[0]->id == "uq:0");
    CHECK(uq[1]->id == "uq:1");
    CHECK(uq[0]->parent == "uq-clone");
    CHECK_FALSE(uq[0]->parent_promotable);
    CHECK(steady.failures.empty());

    CrmMon failed = parse_crm_mon(read_fixture("crm_mon/simulated-failures-injected.xml"));
    REQUIRE(failed.failures.size() == 2);
    CHECK(failed.failures[0].op_key == "solo_monitor_10000");
    CHECK(failed.failures[0].node == "node1");
    CHECK(failed.failures[0].exitcode == 7);
    CHECK(failed.failures[0].exitreason == "Simulated action result");
    CHECK(failed.failures[1].op_key == "st_monitor_10000");
    CHECK(failed.failures[1].exitcode == 9);
    CHECK(failed.failures[1].exitstatus == "promoted (failed)");
    CHECK(failed.instances("solo")[0]->failed);
    auto failed_st = failed.instances("st");
    REQUIRE(failed_st.size() == 3);
    CHECK(failed_st[2]->failed);
    CHECK(failed_st[2]->role == "Promoted");
    CHECK_FALSE(failed_st[0]->failed);

    CrmMon recovered = parse_crm_mon(read_fixture("crm_mon/simulated-failures-recovered.xml"));
    CHECK(recovered.failures.size() == 2);  // history stays until a cleanup
    CHECK_FALSE(recovered.instances("solo")[0]->failed);

    CrmMon nodes = parse_crm_mon(read_fixture("crm_mon/simulated-node-states.xml"));
    REQUIRE(nodes.nodes.size() == 3);
    CHECK(nodes.node("node1")->standby);
    CHECK(nodes.node("node1")->online);
    CHECK(nodes.node("node2")->maintenance);
    CHECK(nodes.node("node2")->is_dc);
    CHECK_FALSE(nodes.node("node3")->online);
    CHECK_FALSE(nodes.node("node3")->unclean);
    CHECK_FALSE(nodes.instances("ga")[0]->managed);
    auto uq_off = nodes.instances("uq");
    REQUIRE(uq_off.size() == 2);
    CHECK(uq_off[0]->target_role == "Stopped");
    CHECK(uq_off[0]->role == "Stopped");
    auto st_left = nodes.instances("st");
    REQUIRE(st_left.size() == 3);
    CHECK(st_left[0]->role == "Unpromoted");
    CHECK(st_left[0]->nodes == std::vector<std::string>{"node2"});
    CHECK(st_left[1]->role == "Stopped");
    CHECK(st_left[1]->nodes.empty());

    CrmMon unclean = parse_crm_mon(read_fixture("crm_mon/simulated-unclean-no-quorum.xml"));
    CHECK_FALSE(unclean.with_quorum);
    CHECK(unclean.fencing_enabled);
    CHECK(unclean.maintenance_mode);
    CHECK(unclean.node("node3")->unclean);
    CHECK_FALSE(unclean.node("node3")->online);
    CHECK_FALSE(unclean.resources[0].managed);

    CrmMon no_dc = parse_crm_mon(read_fixture("crm_mon/simulated-no-dc.xml"));
    CHECK(no_dc.dc_name.empty());
    CHECK_FALSE(no_dc.with_quorum);
    REQUIRE(no_dc.nodes.size() == 3);
    for (const auto& n : no_dc.nodes) CHECK_FALSE(n.online);
    for (const auto& r : no_dc.resources) CHECK(r.role == "Stopped");
}

TEST_CASE("crm_mon structure: groups, bundles, unique clones, legacy roles", "[crm_mon]")
{
    std::string xml = kHead + kNodes +
                      "  <resources>\n"
                      "    <group id=\"g\" number_resources=\"1\">\n"
                      "      <resource id=\"ip\" resource_agent=\"ocf:heartbeat:IPaddr2\" role=\"Started\" active=\"true\" "
                      "orphaned=\"false\" managed=\"false\" failed=\"false\" failure_ignored=\"false\" extra=\"x\">\n"
                      "        <node name=\"n1\" id=\"1\" cached=\"true\"/>\n"
                      "      </resource>\n"
                      "    </group>\n"
                      "    <clone id=\"ms\" multi_state=\"true\" unique=\"true\">\n"
                      "      <group id=\"mg:0\"><resource id=\"a:0\" role=\"Slave\" active=\"true\"><node name=\"n1\"/></resource></group>\n"
                      "      <resource id=\"ms-r:1\" role=\"Master\" target_role=\"Master\" active=\"true\"><node name=\"n1\"/></resource>\n"
                      "      <resource id=\"ms-r:2\" role=\"Stopped\" active=\"false\"/>\n"
                      "    </clone>\n"
                      "    <bundle id=\"b\" type=\"podman\">\n"
                      "      <replica id=\"0\"><resource id=\"b-podman-0\" role=\"Started\" active=\"true\"><node name=\"n1\"/></resource></replica>\n"
                      "    </bundle>\n"
                      "    <future_thing id=\"f\"/>\n"
                      "  </resources>\n" +
                      kTail;
    CrmMon mon = parse_crm_mon(xml);
    REQUIRE(mon.resources.size() == 5);
    CHECK(mon.resources[0].parent == "g");
    CHECK(mon.resources[0].parent_kind == "group");
    CHECK_FALSE(mon.resources[0].managed);
    CHECK(mon.resources[1].parent == "mg:0");
    CHECK(mon.resources[1].parent_kind == "group");
    CHECK(mon.resources[1].parent_promotable);
    CHECK(mon.resources[1].role == "Unpromoted");
    CHECK(mon.resources[2].role == "Promoted");
    CHECK(mon.resources[2].target_role == "Promoted");
    auto ms = mon.instances("ms-r");
    REQUIRE(ms.size() == 2);
    CHECK(ms[0]->id == "ms-r:1");
    CHECK(ms[1]->id == "ms-r:2");
    CHECK_FALSE(ms[1]->active);
    CHECK(mon.instances("ms-r:1").size() == 1);
    CHECK(mon.resources[4].parent == "b");
    CHECK(mon.resources[4].parent_kind == "bundle");

    // The older root element (Pacemaker < 2.0.3) with its version attribute.
    CrmMon legacy = parse_crm_mon("<crm_mon version=\"1.1.24\"><summary><current_dc present=\"false\" with_quorum=\"false\"/></summary>"
                                  "<nodes><node name=\"a\" online=\"false\" unclean=\"true\"/></nodes></crm_mon>");
    CHECK(legacy.pacemaker_version == "1.1.24");
    CHECK(legacy.dc_name.empty());
    CHECK_FALSE(legacy.with_quorum);
    REQUIRE(legacy.nodes.size() == 1);
    CHECK(legacy.nodes[0].unclean);
    CHECK_FALSE(legacy.nodes[0].online);
}

TEST_CASE("malformed crm_mon output names the line", "[crm_mon]")
{
    // Deep nesting (Pacemaker never goes beyond 3) is refused, not recursed into.
    std::string deep = kHead + kNodes + "  <resources>\n";
    for (int i = 0; i < 20; ++i) deep += "<group id=\"g" + std::to_string(i) + "\">\n";
    for (int i = 0; i < 20; ++i) deep += "</group>\n";
    CHECK(error_line(deep + "  </resources>\n" + kTail) == 17);
    std::string deepest = kHead + kNodes + "<resources>";
    for (int i = 0; i < 100000; ++i) deepest += "<clone id=\"c\">";
    CHECK_THROWS_AS(parse_crm_mon(deepest), ParseError);  // truncated, but must not overflow either
    for (int i = 0; i < 100000; ++i) deepest += "</clone>";
    CHECK_THROWS_AS(parse_crm_mon(deepest + "</resources>" + kTail), ParseError);

    std::string message;
    // Not XML at all, truncated XML, wrong root.
    // No element at all: the input as a whole is wrong (line 0, as error.h documents).
    CHECK(error_line("crm_mon: Connection to cluster failed\n", &message) == 0);
    CHECK(message.find("not XML") != std::string::npos);
    CHECK(error_line("") == 0);
    CHECK(error_line("<pacemaker-result>\n<summary>\n</summary\n<nodes/>\n</pacemaker-result>\n", &message) == 4);  // where the bad character is
    CHECK(message.find("not XML") != std::string::npos);
    CHECK(error_line("<a>\n</b>\n") == 2);
    CHECK(error_line(kHead + kNodes + "  <resources>\n    <resource id=\"x\"") == 9);
    CHECK(error_line("<?xml version=\"1.0\"?>\n<cib>\n</cib>\n", &message) == 2);
    CHECK(message.find("<cib>") != std::string::npos);
    // Missing required sections and attributes.
    CHECK(error_line("<pacemaker-result>\n" + kNodes + kTail, &message) == 1);
    CHECK(message.find("summary") != std::string::npos);
    CHECK(error_line(kHead + kTail, &message) == 1);
    CHECK(message.find("nodes") != std::string::npos);
    CHECK(error_line(kHead + "  <nodes>\n    <node id=\"1\" online=\"true\"/>\n  </nodes>\n" + kTail, &message) == 6);
    CHECK(message.find("name") != std::string::npos);
    CHECK(error_line(kHead + kNodes + "  <resources>\n    <resource role=\"Started\"/>\n  </resources>\n" + kTail) == 9);
    // Bad values.
    CHECK(error_line(kHead + "  <nodes>\n\n    <node name=\"n1\" online=\"yes\"/>\n  </nodes>\n" + kTail, &message) == 7);
    CHECK(message.find("online") != std::string::npos);
    CHECK(error_line("<pacemaker-result>\n<summary>\n<nodes_configured number=\"two\"/>\n</summary>\n" + kNodes + kTail) == 3);
    CHECK(error_line(kHead + kNodes + "  <failures>\n    <failure op_key=\"x_start_0\" exitcode=\"1x\"/>\n  </failures>\n" + kTail) == 9);
    CHECK(error_line(kHead + kNodes + "  <failures>\n    <failure node=\"n1\" exitcode=\"1\"/>\n  </failures>\n" + kTail) == 9);
    CHECK(error_line("<pacemaker-result>\n  <status code=\"x\"/>\n</pacemaker-result>") == 2);
    CHECK(error_line("<pacemaker-result>\n<summary>\n<current_dc present=\"true\"/>\n</summary>\n" + kNodes + kTail) == 3);
    CHECK(error_line("<pacemaker-result>\n<summary>\n<current_dc present=\"1\" name=\"n1\"/>\n</summary>\n" + kNodes + kTail) == 3);
    CHECK(error_line(kHead + kNodes + "  <resources>\n    <clone id=\"c\" multi_state=\"maybe\"/>\n  </resources>\n" + kTail) == 9);
}

TEST_CASE("node history and bans of every crm_mon fixture parse as its manifest says", "[crm_mon]")
{
    std::size_t seen = for_each_fixture("crm_mon", [](const std::string& name, const std::string& text, const std::string& expect) {
        INFO(name << " expected " << expect);
        auto expectation = ocfkit::test::parse_expectation(expect);
        if (expectation.ok) {
            CrmMonHistory h;
            REQUIRE_NOTHROW(h = parse_crm_mon_history(text));
            CrmMon mon = parse_crm_mon(text);
            for (const auto& e : h.node_history) {
                CHECK(mon.node(e.node) != nullptr);
                CHECK(!e.resource.empty());
                CHECK(e.fail_count >= 0);
                CHECK(e.migration_threshold == 1000000);  // Pacemaker's default everywhere here
                CHECK(e.last_failure.empty() == (e.fail_count == 0));
            }
        } else {
            // An error result has no history either; the same line is blamed.
            std::size_t line = history_error_line(text);
            if (expectation.line) CHECK(line == expectation.line);
        }
    });
    CHECK(seen >= 2);
}

TEST_CASE("node history: fail counts of real sandbox captures (migration summary)", "[crm_mon]")
{
    CrmMonHistory mon = parse_crm_mon_history(read_fixture("crm_mon/sandbox-failed-monitor.xml"));
    auto failed = mon.failed();
    REQUIRE(failed.size() == 1);
    CHECK(failed[0]->node == "vm");
    CHECK(failed[0]->resource == "cap-failmon");
    CHECK(failed[0]->fail_count == 1);
    CHECK(failed[0]->migration_threshold == 1000000);
    CHECK(failed[0]->last_failure == "Mon Nov 23 19:35:44 2026");
    CHECK_FALSE(failed[0]->orphan);
    CHECK(mon.bans.empty());

    // INFINITY after a failed start.
    CrmMonHistory start = parse_crm_mon_history(read_fixture("crm_mon/sandbox-failed-start.xml"));
    REQUIRE(start.failed().size() == 1);
    CHECK(start.failed()[0]->fail_count == 1000000);

    // A healthy cluster: history for every resource on both nodes, no failures.
    CrmMonHistory steady = parse_crm_mon_history(read_fixture("crm_mon/vm-two-node-steady.xml"));
    CHECK(steady.failed().empty());
    CHECK(steady.node_history.size() == 11);
    CHECK(steady.node_history[0].node == "node1");
    CHECK(steady.node_history[0].resource == "vmfence");
    CHECK(steady.node_history.back().node == "node2");
}

TEST_CASE("node history of a simulated three-node failure: per node, clone instance ids", "[crm_mon]")
{
    CrmMonHistory h = parse_crm_mon_history(read_fixture("crm_mon/simulated-failures-injected.xml"));
    auto failed = h.failed();
    REQUIRE(failed.size() == 2);
    CHECK(failed[0]->node == "node1");
    CHECK(failed[0]->resource == "solo");
    CHECK(failed[1]->node == "node3");
    CHECK(failed[1]->resource == "st");
    CHECK(failed[1]->last_failure == "Mon Nov 23 19:48:02 2026");
    auto uq = std::find_if(h.node_history.begin(), h.node_history.end(), [](auto& e) { return e.resource == "uq:1"; });
    REQUIRE(uq != h.node_history.end());
    CHECK(uq->node == "node1");
    CHECK(uq->fail_count == 0);
}

TEST_CASE("bans from crm_mon 2.1.5: offline CIB file and the live sandbox after crm_resource --ban --promoted", "[crm_mon]")
{
    for (const char* file : {"clevervm/offline-promoted-ban.xml", "clevervm/sandbox-promoted-ban.xml"}) {
        INFO(file);
        CrmMonHistory h = parse_crm_mon_history(read_fixture(file));
        REQUIRE(h.bans.size() == 1);
        CHECK(h.bans[0].id == "cli-ban-cvm-drbd-clone-on-vm");
        CHECK(h.bans[0].resource == "cvm-drbd-clone");
        CHECK(h.bans[0].node == "vm");
        CHECK(h.bans[0].weight == -1000000);
        CHECK(h.bans[0].promoted_only);
    }
    CHECK(parse_crm_mon_history(read_fixture("crm_mon/vm-two-node-steady.xml")).bans.empty());
}

TEST_CASE("scores: integers, [+-]INFINITY, capped; anything else names the line", "[crm_mon]")
{
    auto ban = [](const std::string& attrs) {
        return kHead + kNodes + "  <bans>\n    <ban id=\"b\" resource=\"r\" node=\"n1\" " + attrs + "/>\n  </bans>\n" + kTail;
    };
    CHECK(parse_crm_mon_history(ban("weight=\"-INFINITY\"")).bans.at(0).weight == -1000000);
    CHECK(parse_crm_mon_history(ban("weight=\"+INFINITY\"")).bans.at(0).weight == 1000000);
    CHECK(parse_crm_mon_history(ban("weight=\"INFINITY\"")).bans.at(0).weight == 1000000);
    CHECK(parse_crm_mon_history(ban("weight=\"+50\"")).bans.at(0).weight == 50);
    CHECK(parse_crm_mon_history(ban("weight=\"-7\"")).bans.at(0).weight == -7);
    CHECK(parse_crm_mon_history(ban("weight=\"5000000\"")).bans.at(0).weight == 1000000);
    CHECK_FALSE(parse_crm_mon_history(ban("weight=\"0\"")).bans.at(0).promoted_only);
    // Pacemaker before 2.1 wrote only master_only.
    CHECK(parse_crm_mon_history(ban("weight=\"0\" master_only=\"true\"")).bans.at(0).promoted_only);

    std::string message;
    CHECK(history_error_line(ban("weight=\"lots\""), &message) == 9);
    CHECK_THAT(message, Catch::Contains("<ban> attribute weight=\"lots\" is not a score"));
    for (const char* bad : {"weight=\"\"", "weight=\"+\"", "weight=\"1e3\"", "weight=\"99999999999999999999\""})
        CHECK(history_error_line(ban(bad)) == 9);
    CHECK(history_error_line(ban("weight=\"1\" promoted-only=\"yes\""), &message) == 9);
    CHECK_THAT(message, Catch::Contains("promoted-only=\"yes\" is not true/false"));
}

TEST_CASE("malformed node history and bans are ParseErrors naming the line", "[crm_mon]")
{
    std::string message;
    std::string no_node = kHead + kNodes + "  <node_history>\n    <node>\n      <resource_history id=\"r\"/>\n    </node>\n  </node_history>\n" + kTail;
    CHECK(history_error_line(no_node, &message) == 9);
    CHECK_THAT(message, Catch::Contains("<node> without name"));
    std::string no_id = kHead + kNodes + "  <node_history>\n    <node name=\"n1\">\n      <resource_history fail-count=\"1\"/>\n    </node>\n  </node_history>\n" + kTail;
    CHECK(history_error_line(no_id, &message) == 10);
    CHECK_THAT(message, Catch::Contains("<resource_history> without id"));
    std::string bad_count = kHead + kNodes + "  <node_history>\n    <node name=\"n1\">\n      <resource_history id=\"r\" fail-count=\"many\"/>\n    </node>\n  </node_history>\n" + kTail;
    CHECK(history_error_line(bad_count, &message) == 10);
    CHECK_THAT(message, Catch::Contains("fail-count=\"many\" is not a score"));
    std::string no_resource = kHead + kNodes + "  <bans>\n    <ban id=\"b\" node=\"n1\"/>\n  </bans>\n" + kTail;
    CHECK(history_error_line(no_resource, &message) == 9);
    CHECK_THAT(message, Catch::Contains("<ban> without resource"));
    CHECK(history_error_line("") == 0);
    CHECK(history_error_line("<cib/>") == 1);
    // Nothing to report is not an error: the sections are optional.
    CrmMonHistory empty = parse_crm_mon_history(kHead + kNodes + kTail);
    CHECK(empty.node_history.empty());
    CHECK(empty.bans.empty());
    // The cluster state does not depend on them: parse_crm_mon ignores a broken ban.
    std::string broken = kHead + kNodes + "  <bans>\n    <ban id=\"b\" resource=\"r\" node=\"n1\" weight=\"x\"/>\n  </bans>\n" + kTail;
    CHECK_NOTHROW(parse_crm_mon(broken));
}

TEST_CASE("fencing: Pacemaker 3.0.2's fencing-enabled, else stonith-enabled", "[crm_mon]")
{
    auto with_options = [](const std::string& options) {
        std::string head = kHead;
        head.insert(head.find("  </summary>"), "    <cluster_options " + options + " maintenance-mode=\"false\"/>\n");
        return parse_crm_mon(head + kNodes + kTail);
    };
    // 3.0.2 prints both names with the value its scheduler uses; 2.1.5 and 3.0.0 only stonith-enabled.
    CHECK(with_options("fencing-enabled=\"true\" stonith-enabled=\"true\"").fencing_enabled);
    CHECK_FALSE(with_options("fencing-enabled=\"false\" stonith-enabled=\"false\"").fencing_enabled);
    CHECK_FALSE(with_options("stonith-enabled=\"false\"").fencing_enabled);
    CHECK(with_options("stonith-enabled=\"true\"").fencing_enabled);
    // A release without the old name; and the new name is the one that counts.
    CHECK_FALSE(with_options("fencing-enabled=\"false\"").fencing_enabled);
    CHECK_FALSE(with_options("fencing-enabled=\"false\" stonith-enabled=\"true\"").fencing_enabled);
}
