// Parsers for drbd-utils output against real and format-exact fixtures.
#include "catch.h"

#include "fixture.h"
#include "health.h"
#include "parse/dump_xml.h"
#include "parse/events2.h"
#include "parse/proc_drbd.h"
#include "parse/status_json.h"

using namespace ocfkit::drbd;
using ocfkit::parse::ParseError;

namespace {

std::string fixture(const std::string& name) { return ocfkit::test::read_fixture("drbd/" + name); }

}  // namespace

TEST_CASE("events2 --now of the 8.4 module, Primary/Primary (real capture)", "[drbd-parse]")
{
    ResourceStatus st = parse_events2(fixture("84-events2-now-primary-primary.txt"), "r0");
    CHECK(st.exists);
    CHECK(st.role == "Primary");
    CHECK(st.suspended == "no");
    REQUIRE(st.volumes.size() == 1);
    CHECK(st.volumes[0].minor == 0);
    CHECK(st.volumes[0].disk == "UpToDate");
    REQUIRE(st.connections.size() == 1);
    CHECK(st.connections[0].name == "peer");
    CHECK(st.connections[0].state == "Connected");
    CHECK(st.connections[0].peer_role == "Primary");
    REQUIRE(st.connections[0].peer_devices.size() == 1);
    CHECK(st.connections[0].peer_devices[0].replication == "Established");
    CHECK(st.connections[0].peer_devices[0].peer_disk == "UpToDate");
}

TEST_CASE("events2 --now of a resource that is down, or of another resource", "[drbd-parse]")
{
    CHECK_FALSE(parse_events2(fixture("84-events2-now-down.txt"), "r0").exists);
    CHECK_FALSE(parse_events2(fixture("84-events2-now-primary-primary.txt"), "r1").exists);
}

TEST_CASE("events2 --now: StandAlone, Outdated and DRBD 9 resync", "[drbd-parse]")
{
    ResourceStatus sa = parse_events2(fixture("84-events2-now-standalone.txt"), "r0");
    CHECK(sa.connections.at(0).state == "StandAlone");
    CHECK(sa.connections.at(0).peer_devices.at(0).replication == "Off");
    ResourceStatus od = parse_events2(fixture("84-events2-now-wfconnection-outdated.txt"), "r0");
    CHECK(od.volumes.at(0).disk == "Outdated");
    CHECK(od.connections.at(0).state == "Connecting");

    ResourceStatus s9 = parse_events2(fixture("9-events2-now-synctarget.txt"), "r0");
    CHECK(s9.volumes.at(0).disk == "Inconsistent");
    CHECK(s9.volumes.at(0).quorum == true);
    CHECK(s9.connections.at(0).name == "node1");
    CHECK(s9.connections.at(0).peer_node_id == 0);
    const PeerDevice& pd = s9.connections.at(0).peer_devices.at(0);
    CHECK(pd.replication == "SyncTarget");
    REQUIRE(pd.done.has_value());
    CHECK(*pd.done == Approx(42.5));
}

TEST_CASE("events2 --now: malformed and truncated output is an error naming the line", "[drbd-parse]")
{
    CHECK_THROWS_AS(parse_events2("exists resource name:r0 role:Primary\n", "r0"), ParseError);  // no "exists -"
    try {
        parse_events2("exists resource name:r0 role:Primary\nexists device name:r0 volume:x disk:UpToDate\nexists -\n",
                      "r0");
        FAIL("no error");
    } catch (const ParseError& e) {
        CHECK(e.line == 2);
    }
    CHECK_THROWS_AS(parse_events2("change resource name:r0 role:Primary\nexists -\n", "r0"), ParseError);
    CHECK_THROWS_AS(parse_events2("exists device name:r0 volume:0\nexists -\n", "r0"), ParseError);  // no disk:
    CHECK_THROWS_AS(parse_events2("exists -\nexists resource name:r0 role:Primary\n", "r0"), ParseError);
    CHECK_THROWS_AS(parse_events2("exists device name:r0 volume:0 minor:0 disk:UpToDate\nexists -\n", "r0"),
                    ParseError);  // no resource line
    CHECK_THROWS_AS(parse_events2("", "r0"), ParseError);
}

TEST_CASE("status --json of drbd-utils 9.22: connected, resync, StandAlone, several resources", "[drbd-parse]")
{
    ResourceStatus st = parse_status_json(fixture("9-status-json-secondary-connected.json"), "r0");
    CHECK(st.exists);
    CHECK(st.role == "Secondary");
    CHECK(st.suspended == "no");
    CHECK(st.volumes.at(0).disk == "UpToDate");
    CHECK(st.volumes.at(0).quorum == true);
    CHECK(st.connections.at(0).state == "Connected");
    CHECK(st.connections.at(0).peer_role == "Primary");
    CHECK_FALSE(st.connections.at(0).peer_devices.at(0).done.has_value());

    ResourceStatus sync = parse_status_json(fixture("9-status-json-synctarget.json"), "r0");
    CHECK(sync.volumes.at(0).disk == "Inconsistent");
    REQUIRE(sync.connections.at(0).peer_devices.at(0).done.has_value());
    CHECK(*sync.connections.at(0).peer_devices.at(0).done == Approx(42.5).margin(0.01));

    ResourceStatus sa = parse_status_json(fixture("9-status-json-standalone.json"), "r0");
    CHECK(sa.role == "Primary");
    CHECK(sa.connections.at(0).state == "StandAlone");

    ResourceStatus r1 = parse_status_json(fixture("9-status-json-two-resources.json"), "r1");
    CHECK(r1.volumes.at(0).disk == "Outdated");
    CHECK(r1.connections.at(0).state == "Connecting");
    CHECK_FALSE(parse_status_json(fixture("9-status-json-none.json"), "r0").exists);
    CHECK_FALSE(parse_status_json(fixture("9-status-json-two-resources.json"), "r2").exists);
}

TEST_CASE("I/O suspended for several reasons at once: every reason kept, JSON and events2 alike", "[drbd-parse]")
{
    // Issue 18 #16: the JSON flags used to overwrite each other, so user + quorum read as "user".
    ResourceStatus js = parse_status_json(fixture("9-status-json-suspended-user-quorum.json"), "r0");
    ResourceStatus ev = parse_events2(fixture("9-events2-now-suspended-user-quorum.txt"), "r0");
    CHECK(js.suspended == "user,quorum");
    CHECK(ev.suspended == js.suspended);
    CHECK(suspend_reasons(js.suspended) == std::vector<std::string>{"user", "quorum"});
    CHECK(suspend_reasons("no").empty());
    CHECK(suspend_reasons("").empty());
    CHECK(suspend_reasons("fencing") == std::vector<std::string>{"fencing"});
}

TEST_CASE("status --json: wrong shapes are errors", "[drbd-parse]")
{
    CHECK_THROWS_AS(parse_status_json(fixture("84-status-json-unsupported.txt"), "r0"), ParseError);
    CHECK_THROWS_AS(parse_status_json("{\"name\": \"r0\"}", "r0"), ParseError);
    CHECK_THROWS_AS(parse_status_json("[{\"name\": \"r0\", \"role\": \"Primary\"}]", "r0"), ParseError);
    CHECK_THROWS_AS(parse_status_json("[{\"name\": \"r0\", \"role\": \"Primary\", \"devices\": [{\"volume\": \"0\"}], "
                                      "\"connections\": []}]",
                                      "r0"),
                    ParseError);
    // Another resource's oddities do not matter when it is not the one asked for.
    CHECK_FALSE(parse_status_json("[{\"name\": \"r9\"}]", "r0").exists);
}

TEST_CASE("/proc/drbd of the 8.4 module (real capture) and of DRBD 9", "[drbd-parse]")
{
    ProcDrbd p = parse_proc_drbd(fixture("84-proc-drbd-primary-primary.txt"));
    CHECK(p.version.text == "8.4.11");
    CHECK(p.version.code() == 0x08040b);
    REQUIRE(p.minors.size() == 1);
    const ProcMinor& m = p.minors[0];
    CHECK(m.minor == 0);
    CHECK(m.cs == "Connected");
    CHECK(m.role == "Primary");
    CHECK(m.peer_role == "Primary");
    CHECK(m.disk == "UpToDate");
    CHECK(m.peer_disk == "UpToDate");
    CHECK(m.protocol == 'C');
    CHECK_FALSE(m.suspended);
    CHECK(m.oos == 0u);

    ProcDrbd v9 = parse_proc_drbd(fixture("9-proc-drbd.txt"));
    CHECK(v9.version.major == 9);
    CHECK(v9.version.text == "9.2.2");
    CHECK(v9.minors.empty());
}

TEST_CASE("/proc/drbd: resync progress, no protocol, unconfigured minors and gaps", "[drbd-parse]")
{
    ProcDrbd s = parse_proc_drbd(fixture("84-proc-drbd-synctarget.txt"));
    REQUIRE(s.minors.size() == 1);
    CHECK(s.minors[0].cs == "SyncTarget");
    REQUIRE(s.minors[0].synced.has_value());
    CHECK(*s.minors[0].synced == Approx(42.5));
    CHECK(s.minors[0].oos == 151552u);

    ProcDrbd sa = parse_proc_drbd(fixture("84-proc-drbd-standalone.txt"));
    CHECK(sa.minors.at(0).cs == "StandAlone");
    CHECK(sa.minors.at(0).protocol == ' ');
    CHECK(sa.minors.at(0).peer_disk == "DUnknown");

    ProcDrbd ms = parse_proc_drbd(fixture("84-proc-drbd-minors.txt"));
    REQUIRE(ms.minors.size() == 3);
    CHECK(ms.minors[1].minor == 1);
    CHECK(ms.minors[1].unconfigured);
    CHECK(ms.minors[2].minor == 3);
    CHECK(ms.minors[2].suspended);
    CHECK(ms.find(2) == nullptr);
}

TEST_CASE("/proc/drbd: not DRBD output is an error naming the line", "[drbd-parse]")
{
    CHECK_THROWS_AS(parse_proc_drbd(""), ParseError);
    CHECK_THROWS_AS(parse_proc_drbd("hello\n"), ParseError);
    CHECK_THROWS_AS(parse_proc_drbd("version: x.y\n"), ParseError);
    try {
        parse_proc_drbd("version: 8.4.11 (api:1/proto:86-101)\n 0: cs:Connected ro:Primary\n");
        FAIL("no error");
    } catch (const ParseError& e) {
        CHECK(e.line == 2);
    }
    CHECK_THROWS_AS(parse_proc_drbd("version: 8.4.11\n 0: ro:Primary/Primary\n"), ParseError);
}

TEST_CASE("kernel version strings", "[drbd-parse]")
{
    CHECK(parse_kernel_version("8.4.11")->code() == 0x08040b);
    CHECK(parse_kernel_version("9.2.2-rc.1")->text == "9.2.2");
    CHECK_FALSE(parse_kernel_version("9.2"));
    CHECK_FALSE(parse_kernel_version("a.b.c"));
    CHECK_FALSE(parse_kernel_version("9.2.2x"));
}

TEST_CASE("8.4 /proc/drbd in the model events2 gives", "[drbd-parse]")
{
    ProcDrbd p = parse_proc_drbd(fixture("84-proc-drbd-primary-primary.txt"));
    ResourceStatus a = status_from_proc(p, "r0", {0});
    ResourceStatus b = parse_events2(fixture("84-events2-now-primary-primary.txt"), "r0");
    CHECK(a.exists == b.exists);
    CHECK(a.role == b.role);
    CHECK(a.volumes.at(0).disk == b.volumes.at(0).disk);
    CHECK(a.connections.at(0).state == b.connections.at(0).state);
    CHECK(a.connections.at(0).peer_role == b.connections.at(0).peer_role);
    CHECK(a.connections.at(0).peer_devices.at(0).replication == b.connections.at(0).peer_devices.at(0).replication);
    CHECK(a.connections.at(0).peer_devices.at(0).peer_disk == b.connections.at(0).peer_devices.at(0).peer_disk);

    ResourceStatus sync = status_from_proc(parse_proc_drbd(fixture("84-proc-drbd-synctarget.txt")), "r0", {0});
    CHECK(sync.connections.at(0).state == "Connected");
    CHECK(sync.connections.at(0).peer_devices.at(0).replication == "SyncTarget");
    CHECK(*sync.connections.at(0).peer_devices.at(0).done == Approx(42.5));
    ResourceStatus wf = status_from_proc(parse_proc_drbd(fixture("84-proc-drbd-minors.txt")), "r0", {0});
    CHECK(wf.connections.at(0).state == "Connecting");
    CHECK(wf.connections.at(0).peer_devices.at(0).replication == "Off");
    CHECK_FALSE(status_from_proc(p, "r0", {5}).exists);
    ResourceStatus partial = status_from_proc(parse_proc_drbd(fixture("84-proc-drbd-minors.txt")), "r0", {3, 1});
    CHECK(partial.exists);
    CHECK(partial.volumes.at(1).disk == "Unconfigured");
    CHECK(partial.suspended == "yes");
}

TEST_CASE("dump-xml of drbd-utils 9.22 with the 8.4 module (real capture)", "[drbd-parse]")
{
    DrbdConfig cfg = parse_dump_xml(fixture("84-dump-xml-dual-primary.xml"));
    CHECK(cfg.file == "/etc/drbd.conf");
    const ConfigResource* r = cfg.resource("r0");
    REQUIRE(r != nullptr);
    REQUIRE(r->hosts.size() == 2);
    CHECK(r->host("node1") != nullptr);
    CHECK(r->host("node3") == nullptr);
    CHECK(r->hosts[1].volumes.at(0).minor == 0);
    CHECK(r->hosts[1].volumes.at(0).device == "/dev/drbd0");
    CHECK(r->hosts[1].volumes.at(0).disk == "/dev/vdb");
    CHECK(r->option("net", "allow-two-primaries") == "yes");
    CHECK(r->option("net", "protocol") == "C");
    CHECK(r->option("disk", "fencing") == "resource-and-stonith");
    CHECK(r->option("handlers", "fence-peer") == "/usr/lib/drbd/crm-fence-peer.sh");
    CHECK_FALSE(r->option("net", "nope"));
    CHECK(r->connections.empty());
    CHECK(cfg.resource("r1") == nullptr);
}

TEST_CASE("dump-xml in the DRBD 9 layout: common options, connections, several resources", "[drbd-parse]")
{
    DrbdConfig cfg = parse_dump_xml(fixture("9-dump-xml-dual-primary.xml"));
    const ConfigResource* r = cfg.resource("r0");
    REQUIRE(r != nullptr);
    CHECK(r->option("net", "protocol") == "C");  // from <common>
    CHECK(r->option("net", "fencing") == "resource-and-stonith");
    REQUIRE(r->connections.size() == 1);
    CHECK(r->connections[0].at("net").at("allow-two-primaries") == "no");
    REQUIRE(cfg.resource("r1") != nullptr);
    CHECK(cfg.resource("r1")->host("node3") != nullptr);
}

TEST_CASE("dump-xml: not XML, or XML that is not dump-xml", "[drbd-parse]")
{
    CHECK_THROWS_AS(parse_dump_xml("<config><resource name='r0'>"), ParseError);
    CHECK_THROWS_AS(parse_dump_xml("<html/>"), ParseError);
    CHECK_THROWS_AS(parse_dump_xml("<config><resource/></config>"), ParseError);
    CHECK_THROWS_AS(
        parse_dump_xml("<config><resource name='r0'><host name='a'><volume vnr='x'/></host></resource></config>"),
        ParseError);
    CHECK(parse_dump_xml("<config file='/etc/drbd.conf'><!-- No resources configured --></config>").resources.empty());
}

TEST_CASE("real VM captures: /proc/drbd and events2 --now (with and without --statistics) agree", "[drbd-parse]")
{
    struct Case {
        const char* dir;
        const char* role;
        const char* disk;
        const char* conn;
        const char* repl;
        const char* peer_disk;
    };
    const Case cases[] = {
        {"vm/resyncing/node1", "Primary", "UpToDate", "Connected", "SyncSource", "Inconsistent"},
        {"vm/resyncing/node2", "Secondary", "Inconsistent", "Connected", "SyncTarget", "UpToDate"},
        {"vm/connected-inconsistent/node1", "Secondary", "Inconsistent", "Connected", "Established", "Inconsistent"},
        {"vm/connected-secondary/node2", "Secondary", "UpToDate", "Connected", "Established", "UpToDate"},
        {"vm/disconnected-secondary/node1", "Secondary", "UpToDate", "Connecting", "Off", "DUnknown"},
        {"vm/disconnected-secondary/node2", "Secondary", "UpToDate", "StandAlone", "Off", "DUnknown"},
    };
    for (const auto& c : cases) {
        INFO(c.dir);
        ResourceStatus ev = parse_events2(fixture(std::string(c.dir) + "/drbdsetup-events2-now.txt"), "r0");
        ResourceStatus stats = parse_events2(fixture(std::string(c.dir) + "/drbdsetup-events2-now-statistics.txt"), "r0");
        ResourceStatus pr = status_from_proc(parse_proc_drbd(fixture(std::string(c.dir) + "/proc-drbd.txt")), "r0", {0});
        for (const ResourceStatus* st : {&ev, &stats, &pr}) {
            CHECK(st->exists);
            CHECK(st->role == c.role);
            REQUIRE(st->volumes.size() == 1);
            CHECK(st->volumes[0].disk == c.disk);
            REQUIRE(st->connections.size() == 1);
            CHECK(st->connections[0].state == c.conn);
            REQUIRE(st->connections[0].peer_devices.size() == 1);
            CHECK(st->connections[0].peer_devices[0].replication == c.repl);
            CHECK(st->connections[0].peer_devices[0].peer_disk == c.peer_disk);
        }
    }
    // Only /proc/drbd tells the 8.4 resync progress.
    ResourceStatus sync = status_from_proc(parse_proc_drbd(fixture("vm/resyncing/node2/proc-drbd.txt")), "r0", {0});
    CHECK(*sync.connections[0].peer_devices[0].done == Approx(12.5));
    ResourceStatus src = status_from_proc(parse_proc_drbd(fixture("vm/resyncing/node1/proc-drbd.txt")), "r0", {0});
    CHECK(*src.connections[0].peer_devices[0].done == Approx(9.4));
}

TEST_CASE("backing disk lost under a Primary: every tool's output reads as degraded, not failed", "[drbd-parse]")
{
    // Fault row 7: on-io-error detach leaves the Primary Diskless, reading and writing through
    // its UpToDate peer. 191 keeps Pacemaker from recovering the stack above it.
    ResourceStatus from_proc =
        status_from_proc(parse_proc_drbd(fixture("84-proc-drbd-primary-detached.txt")), "r0", {0});
    ResourceStatus from_events84 = parse_events2(fixture("84-events2-now-primary-detached.txt"), "r0");
    ResourceStatus from_json = parse_status_json(fixture("9-status-json-primary-detached.json"), "r0");
    ResourceStatus from_events9 = parse_events2(fixture("9-events2-now-primary-detached.txt"), "r0");
    const ScoreTable table = parse_score_table("0 10 1000 10000");
    for (const ResourceStatus* st : {&from_proc, &from_events84, &from_json, &from_events9}) {
        REQUIRE(st->volumes.size() == 1);
        CHECK(st->volumes[0].disk == "Diskless");
        CHECK_FALSE(st->volumes[0].client);
        Verdict v = assess(*st);
        CHECK(v.code == ocfkit::ExitCode::DegradedPromoted);
        CHECK_THAT(v.reason, Catch::Contains("local disk Diskless (detached or I/O error), serving data from the peer"));
        ScoreDecision d = promotion_score(*st, table, "resource-and-stonith");
        CHECK(d.action == ScoreAction::Set);
        CHECK(d.value == 10);  // the peer's copy scores higher, as ocf:linbit:drbd's only_remote
    }
}
