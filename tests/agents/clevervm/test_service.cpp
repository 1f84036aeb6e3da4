// clevervm's status model, rendering and commands against real captures and scripted tools.
#include "catch.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "bounded_hypervisor.h"
#include "drbd_view.h"
#include "fakes.h"
#include "ocfkit/parse/json.h"
#include "render.h"
#include "service.h"

using namespace ocfkit;
using namespace ocfkit::clevervm;
using ocfkit::clevervm::testing::FakeHost;
using ocfkit::clevervm::testing::FakeHypervisor;
using ocfkit::clevervm::testing::fixture;

namespace {

// Captures what the service prints.
class Capture {
public:
    Capture() : file_(open_memstream(&buf_, &len_)) {}
    ~Capture()
    {
        std::fclose(file_);
        std::free(buf_);
    }
    Capture(const Capture&) = delete;
    Capture& operator=(const Capture&) = delete;
    std::FILE* file() { return file_; }
    std::string text()
    {
        std::fflush(file_);
        return std::string(buf_, len_);
    }

private:
    char* buf_ = nullptr;
    std::size_t len_ = 0;
    std::FILE* file_;
};

// The reference two-node cluster (real captures from node1) with the guests of a pcs-made CIB.
struct World {
    FakeRunner runner;
    FakeHypervisor hv;
    FakeHost host;
    Capture out, err;
    std::vector<std::string> crm_mon_answers;  // consumed in order, the last one stays
    std::optional<CommandResult> crm_mon_result;  // replaces crm_mon_answers when set
    CommandResult node_answer = FakeRunner::exited(0, "node1\n");
    CommandResult cib_answer = FakeRunner::exited(0, fixture("clevervm/cib-resources-drbd-gfs2-guests.xml"));
    CommandResult drbd_answer = FakeRunner::exited(0, fixture("clevervm/vm-two-node-events2.txt"));
    CommandResult crm_resource_answer = FakeRunner::exited(0);
    int sleeps = 0;

    World()
    {
        host.mountinfo_text = fixture("clevervm/vm-two-node-mountinfo.txt");
        host.usages["/mnt/gfs"] = FsUsage{268435456, 67108864, 201326592};
        host.files["/mnt/gfs/guests/web.xml"] = "<domain type='qemu'><name>web</name></domain>";
        host.files["/mnt/gfs/guests/db.xml"] = "<domain type='qemu'><name>db</name></domain>";
        hv.guests["web"] = FakeHypervisor::running();
        hv.guests["db"] = FakeHypervisor::shut_off(true);
        runner.on({"crm_node", "-n"}, [this](const CommandSpec&) { return node_answer; });
        runner.on({"cibadmin", "--query"}, [this](const CommandSpec&) { return cib_answer; });
        runner.on({"drbdsetup", "events2", "--now"}, [this](const CommandSpec&) { return drbd_answer; });
        crm_mon_answers.push_back(fixture("crm_mon/vm-two-node-steady.xml"));
        runner.on({"crm_mon"}, [this](const CommandSpec&) {
            if (crm_mon_result) return *crm_mon_result;
            std::string xml = crm_mon_answers.front();
            if (crm_mon_answers.size() > 1) crm_mon_answers.erase(crm_mon_answers.begin());
            return FakeRunner::exited(0, xml);
        });
        runner.on({"crm_resource"}, [this](const CommandSpec&) { return crm_resource_answer; });
    }

    Service service(Config config = {}) { return service_over(hv, std::move(config)); }
    // The same world with another hypervisor in front (the bounded layer).
    Service service_over(Hypervisor& h, Config config = {})
    {
        return Service(std::move(config), runner, h, host, Io{out.file(), err.file()},
                       [this](std::chrono::milliseconds) { ++sleeps; });
    }
};

Config config_of(const char* text) { return parse_config(text, "clevervm.conf"); }

// The reference cluster's crm_mon with guest resource `rsc` started on `node`.
std::string steady_with_guest(const std::string& rsc, const std::string& node)
{
    std::string xml = fixture("crm_mon/vm-two-node-steady.xml");
    std::string row = fmt::format(
        "    <resource id=\"{0}\" resource_agent=\"ocf:custom:virtdomain\" role=\"Started\" active=\"true\" "
        "orphaned=\"false\" blocked=\"false\" managed=\"true\" failed=\"false\" failure_ignored=\"false\" "
        "nodes_running_on=\"1\">\n      <node name=\"{1}\" id=\"{2}\" cached=\"true\"/>\n    </resource>\n",
        rsc, node, node == "node1" ? 1 : 2);
    xml.insert(xml.find("  </resources>"), row);
    return xml;
}

}  // namespace

TEST_CASE("DRBD rows from a real events2 snapshot (8.4 module, dual primary)", "[drbd-view]")
{
    std::string text = fixture("clevervm/vm-two-node-events2.txt");
    CHECK(events2_resources(text) == std::vector<std::string>{"r0"});
    DrbdView v = drbd_view_from_events2(text, "r0");
    CHECK(v.exists);
    CHECK(v.role == "Primary");
    REQUIRE(v.volumes.size() == 1);
    CHECK(v.volumes[0].device == "/dev/drbd0");
    CHECK(v.volumes[0].disk == "UpToDate");
    REQUIRE(v.peers.size() == 1);
    CHECK(v.peers[0].connection == "Connected");
    CHECK(v.peers[0].role == "Primary");
    CHECK(v.peers[0].disks == std::vector<std::string>{"UpToDate"});

    std::string down = fixture("clevervm/vm-after-fence-events2.txt");
    CHECK(events2_resources(down).empty());
    CHECK_FALSE(drbd_view_from_events2(down, "r0").exists);
    CHECK_THROWS_AS(drbd_view_from_events2("exists resource name:r0 role:Primary\n", "r0"), parse::ParseError);
}

TEST_CASE("status model of the reference cluster: discovery from the CIB, DRBD, mounts, guests", "[status]")
{
    World w;
    Service s = w.service(config_of("mounts = /mnt/gfs\n"));
    StatusModel m = s.gather();
    CHECK(m.node == "node1");
    CHECK(m.cluster.running);
    CHECK(m.cluster.dc == "node2");
    CHECK(m.cluster.quorum);
    CHECK(m.cluster.stack == "corosync");
    REQUIRE(m.cluster.nodes.size() == 2);
    CHECK(m.cluster.nodes[1].dc);
    CHECK(m.promotables == std::vector<std::string>{"drbd-r0-clone"});
    CHECK_FALSE(m.node_banned);
    // drbd-r0 instances on both nodes are one Promoted row.
    auto row = std::find_if(m.resources.begin(), m.resources.end(), [](auto& r) { return r.id == "drbd-r0-clone"; });
    REQUIRE(row != m.resources.end());
    CHECK(row->member == "drbd-r0");
    CHECK(row->role == "Promoted");
    CHECK(row->nodes == std::vector<std::string>{"node1", "node2"});
    CHECK(m.resources.size() == 6);
    REQUIRE(m.drbd.size() == 1);
    CHECK(m.drbd[0].resource == "r0");
    REQUIRE(m.filesystems.size() == 1);
    CHECK(m.filesystems[0].mount_point == "/mnt/gfs");
    CHECK(m.filesystems[0].fstype == "gfs2");
    CHECK(m.filesystems[0].device == "/dev/mapper/vgcl-lvgfs");
    CHECK(*m.filesystems[0].free == 201326592);
    REQUIRE(m.guests.size() == 2);
    CHECK(m.guests[0].name == "db");  // discovered guests are sorted by name
    CHECK(m.guests[0].resource == "db");
    CHECK(m.guests[0].managed_save);
    CHECK(m.guests[0].resource_role == "not in the cluster");  // the capture predates the guests
    CHECK(m.guests[1].name == "web");
    CHECK(m.service == LsbStatus::Unknown);
    CHECK(m.service_summary == "degraded: 1 of 2 guests running here");
    // crm_mon, cibadmin, crm_node, drbdsetup: one each.
    CHECK(w.runner.count("crm_mon") == 1);
    CHECK(w.runner.count("cibadmin") == 1);
    CHECK(w.runner.count("drbdsetup") == 1);
    CHECK(w.runner.call_lines().back() == "drbdsetup events2 --now r0");
}

TEST_CASE("the text screen shows every section", "[render]")
{
    World w;
    w.crm_mon_answers = {fixture("crm_mon/sandbox-failed-monitor.xml")};
    Service s = w.service(config_of("guests = web:web db\nmounts = /mnt/gfs\ndrbd_resource = r0\npromotable = drbd-r0-clone\n"));
    std::string text = render_text(s.gather());
    CHECK(text.find("clevervm on node1: degraded: 1 of 2 guests running here\n") == 0);
    CHECK(text.find("config: clevervm.conf\n") != std::string::npos);
    CHECK(text.find("  stack corosync, Pacemaker 2.1.5-a3f44794f94, DC vm, partition with quorum\n") != std::string::npos);
    CHECK(text.find("  cap-failmon  -       ocf:pacemaker:Dummy  Started  vm\n") != std::string::npos);
    CHECK(text.find("  cap-failmon_monitor_2000  vm    not running (7)  -\n") != std::string::npos);
    CHECK(text.find("  vm    cap-failmon  1           INFINITY   Mon Nov 23 19:35:44 2026\n") != std::string::npos);
    CHECK(text.find("  r0        Primary  /dev/drbd0  UpToDate  peer  Connected   Primary    UpToDate\n") != std::string::npos);
    CHECK(text.find("  /mnt/gfs     /dev/mapper/vgcl-lvgfs  gfs2  256M  64M   192M\n") != std::string::npos);
    CHECK(text.find("  web    running     no            web not in the cluster\n") != std::string::npos);
    CHECK(text.find("  db     shut off    yes           -\n") != std::string::npos);
    // Nothing discovered, so no notes section.
    CHECK(text.find("Notes") == std::string::npos);
}

TEST_CASE("--json carries the same facts and is valid JSON", "[render]")
{
    World w;
    Service s = w.service(config_of("mounts = /mnt/gfs\n"));
    std::string json = render_json(s.gather());
    parse::Json doc = parse::parse_json(json);
    CHECK(doc.find("node")->as_string() == "node1");
    CHECK(doc.find("service")->find("state")->as_string() == "unknown");
    CHECK(doc.find("service")->find("lsb_status")->scalar_text() == "4");
    CHECK(doc.find("cluster")->find("dc")->as_string() == "node2");
    CHECK(doc.find("cluster")->find("nodes")->as_array().size() == 2);
    CHECK(doc.find("resources")->as_array().size() == 6);
    const auto& drbd = doc.find("drbd")->as_array().at(0);
    CHECK(drbd.find("role")->as_string() == "Primary");
    CHECK(drbd.find("peers")->as_array().at(0).find("disks")->as_array().at(0).as_string() == "UpToDate");
    const auto& fs = doc.find("filesystems")->as_array().at(0);
    CHECK(fs.find("size_bytes")->scalar_text() == "268435456");
    CHECK(fs.find("used_bytes")->scalar_text() == "67108864");
    const auto& guests = doc.find("guests")->as_array();
    CHECK(guests.at(0).find("name")->as_string() == "db");
    CHECK(guests.at(0).find("managed_save")->as_bool());
    CHECK(guests.at(1).find("state")->as_string() == "running");
    CHECK(doc.find("bans")->as_array().empty());
}

TEST_CASE("human sizes as df -h prints them", "[render]")
{
    CHECK(human_size(0) == "0B");
    CHECK(human_size(1023) == "1023B");
    CHECK(human_size(1536) == "1.5K");
    CHECK(human_size(268435456) == "256M");
    CHECK(human_size(5ULL << 40) == "5.0T");
}

TEST_CASE("LSB status codes: 0 all guests running here, 3 none, 4 partial or libvirt down", "[status]")
{
    Config cfg = config_of("guests = web db\ndrbd_resource = r0\npromotable = drbd-r0-clone\nmounts = /mnt/gfs\n");
    {
        World w;
        w.hv.guests["db"] = FakeHypervisor::running();
        CHECK(w.service(cfg).run("status", {}) == 0);
        CHECK(w.out.text().find("running: 2 of 2 guests running here") != std::string::npos);
        // Nothing to discover: no CIB query.
        CHECK(w.runner.count("cibadmin") == 0);
    }
    {
        World w;
        w.hv.guests["web"] = FakeHypervisor::shut_off();
        CHECK(w.service(cfg).run("status", {}) == 3);
    }
    {
        World w;
        CHECK(w.service(cfg).run("status", {}) == 4);
    }
    {
        World w;
        w.hv.unreachable = "cannot connect to libvirt at qemu:///system: Failed to connect socket";
        CHECK(w.service(cfg).run("status", {"--json"}) == 4);
        parse::Json doc = parse::parse_json(w.out.text());
        CHECK(doc.find("libvirt_error")->as_string().find("Failed to connect socket") != std::string::npos);
    }
    {
        World w;
        w.hv.guests.clear();
        w.hv.guests["web"] = FakeHypervisor::running();
        // db is not defined here: counts as not running.
        CHECK(w.service(cfg).run("status", {}) == 4);
        CHECK(w.out.text().find("db     not defined") != std::string::npos);
    }
    {
        World w;
        w.hv.guests.clear();
        // No guests configured, none in the cluster, none in libvirt.
        w.cib_answer = FakeRunner::exited(0, "<resources/>");
        CHECK(w.service().run("status", {}) == 3);
        CHECK(w.out.text().find("stopped: no guests configured or discovered") != std::string::npos);
    }
    {
        // LSB status codes 1 and 2 mean "dead": a usage error of status is 4 (unknown).
        World w;
        CHECK(w.service(cfg).run("status", {"--yaml"}) == 4);
        CHECK(w.err.text().find("status: unexpected argument '--yaml'") != std::string::npos);
    }
}

TEST_CASE("status with the cluster down still shows DRBD and guests", "[status]")
{
    World w;
    w.crm_mon_result = FakeRunner::exited(102, fixture("crm_mon/vm-node-after-fence-reboot.xml"));
    w.cib_answer = FakeRunner::exited(102, "", "Could not connect to the CIB: Transport endpoint is not connected");
    w.node_answer = FakeRunner::exited(102, "", "error");
    w.host.name = "node2";
    w.drbd_answer = FakeRunner::exited(0, fixture("clevervm/vm-after-fence-events2.txt"));
    Service s = w.service();
    int rc = s.run("status", {});
    std::string text = w.out.text();
    CHECK(rc == 4);  // guests found in libvirt: web runs, db does not
    CHECK(text.find("clevervm on node2:") == 0);
    CHECK(text.find("  not running: crm_mon reported error 102: Not connected; ") != std::string::npos);
    CHECK(text.find("no DRBD resource configured or discovered") != std::string::npos);
    CHECK(text.find("guests: every domain libvirt defines here") != std::string::npos);
    CHECK(text.find("discovery without the CIB (cibadmin --query: exit code 102: Could not connect to the CIB") !=
          std::string::npos);
}

TEST_CASE("start boots or resumes guests through libvirt and warns about Pacemaker", "[commands]")
{
    World w;
    Service s = w.service(config_of("guests = web:web db:db\n"));
    CHECK(s.run("start", {}) == 0);
    CHECK(w.hv.calls == std::vector<std::string>{"start db"});
    CHECK(w.out.text() == "web: already running\ndb: started (resumed from managed save)\n");
    CHECK(w.err.text().find("warning: db is managed by Pacemaker resource db; the cluster may stop or move it") !=
          std::string::npos);
    // No Pacemaker tool changes anything for start.
    CHECK(w.runner.count("crm_resource") == 0);
}

TEST_CASE("start defines a guest known only from its cluster config file", "[commands]")
{
    World w;
    w.hv.guests.erase("db");
    Service s = w.service();
    CHECK(s.run("start", {}) == 0);
    CHECK(w.hv.calls == std::vector<std::string>{"define", "start db"});
    CHECK(w.out.text().find("db: defined from /mnt/gfs/guests/db.xml\ndb: started\n") != std::string::npos);
}

TEST_CASE("start never runs a cluster guest that Pacemaker runs on another node", "[commands]")
{
    World w;
    w.hv.guests["web"] = FakeHypervisor::shut_off();
    w.crm_mon_answers = {steady_with_guest("web", "node2")};
    Service s = w.service();
    CHECK(s.run("start", {}) == 1);
    // db (stopped in the cluster) is started; web is not.
    CHECK(w.hv.calls == std::vector<std::string>{"start db"});
    CHECK(w.err.text().find("web: not started: Pacemaker runs resource web on node2; starting it here as well would run "
                            "the guest twice") != std::string::npos);

    SECTION("running here already: nothing to refuse")
    {
        World h;
        h.crm_mon_answers = {steady_with_guest("web", "node1")};
        h.hv.guests["db"] = FakeHypervisor::running();
        Service here = h.service();
        CHECK(here.run("start", {}) == 0);
        CHECK(h.hv.calls.empty());
        CHECK(h.out.text().find("web: already running") != std::string::npos);
    }
}

TEST_CASE("start without the cluster's state leaves its guests alone, others start", "[commands]")
{
    World w;
    w.crm_mon_result = FakeRunner::exited(102, "", "crm_mon: Connection to cluster failed: Transport endpoint is not connected");
    w.hv.guests["web"] = FakeHypervisor::shut_off();
    w.hv.guests["own"] = FakeHypervisor::shut_off();
    Service s = w.service(config_of("guests = web own\n"));
    CHECK(s.run("start", {}) == 1);
    CHECK(w.hv.calls == std::vector<std::string>{"start own"});
    CHECK(w.err.text().find("web: not started: the cluster's state is unknown here") != std::string::npos);
    CHECK(w.err.text().find("resource web may run on another node") != std::string::npos);
}

TEST_CASE("start/stop --from-init: at boot and shutdown Pacemaker's guests are left to Pacemaker", "[commands]")
{
    World w;
    std::optional<std::string> phase = "starting\n";  // nullopt: no systemctl on this host
    w.runner.on({"systemctl", "is-system-running"}, [&](const CommandSpec&) {
        if (!phase) return FakeRunner::not_found();
        return FakeRunner::exited(*phase == "running\n" ? 0 : 1, *phase);
    });
    w.hv.guests["web"] = FakeHypervisor::shut_off();
    w.hv.guests["own"] = FakeHypervisor::shut_off();
    Config config = config_of("guests = web db own\n");

    SECTION("boot: only the guest without a resource starts; the cluster's state is not asked")
    {
        Service s = w.service(config);
        CHECK(s.run("start", {"--from-init"}) == 0);
        CHECK(w.hv.calls == std::vector<std::string>{"start own"});
        CHECK(w.out.text() == "web: left to Pacemaker at boot (resource web)\n"
                              "db: left to Pacemaker at boot (resource db)\n"
                              "own: started\n");
        CHECK(w.runner.count("crm_mon") == 0);
    }
    SECTION("shutdown: only the guest without a resource is hibernated")
    {
        phase = "stopping\n";
        w.hv.guests["web"] = FakeHypervisor::running();
        w.hv.guests["own"] = FakeHypervisor::running();
        Service s = w.service(config);
        CHECK(s.run("stop", {"--from-init"}) == 0);
        CHECK(w.hv.calls == std::vector<std::string>{"managed_save own"});
        CHECK(w.out.text().find("web: left to Pacemaker at shutdown (it moves or stops resource web)") != std::string::npos);
        CHECK(w.hv.guests["web"].active);
    }
    SECTION("an operator's systemctl start once the system runs: every guest, as clevervm start")
    {
        phase = "running\n";
        Service s = w.service(config);
        CHECK(s.run("start", {"--from-init"}) == 0);
        CHECK(w.hv.calls == std::vector<std::string>{"start web", "start db", "start own"});
    }
    SECTION("no systemd (sysvinit's rc passed --from-init): boot")
    {
        phase.reset();
        Service s = w.service(config);
        CHECK(s.run("start", {"--from-init"}) == 0);
        CHECK(w.hv.calls == std::vector<std::string>{"start own"});
        CHECK(w.runner.count("systemctl") == 1);
        // The same host, stop from rc at shutdown: Pacemaker's guests stay running.
        w.hv.guests["web"] = FakeHypervisor::running();
        w.hv.guests["own"] = FakeHypervisor::running();
        Service down = w.service(config);
        CHECK(down.run("stop", {"--from-init"}) == 0);
        CHECK(w.hv.calls == std::vector<std::string>{"start own", "managed_save own"});
    }
    SECTION("nothing to manage at boot is no failure; for an operator it is 6")
    {
        w.cib_answer = FakeRunner::exited(0, "<resources/>");
        w.hv.guests.clear();
        Service s = w.service();
        CHECK(s.run("start", {"--from-init"}) == 0);
        CHECK(w.out.text() == "no guests configured or discovered: nothing to start\n");
        Service op = w.service();
        CHECK(op.run("start", {}) == 6);
    }
    SECTION("another argument is 2")
    {
        Service s = w.service(config);
        CHECK(s.run("start", {"--boot"}) == 2);
        CHECK(w.hv.calls.empty());
    }
}

TEST_CASE("Pacemaker down: the guests are the saved CIB's; config unreadable: named after the file", "[status]")
{
    World w;
    w.cib_answer = FakeRunner::exited(102, "", "Could not connect to the CIB: Transport endpoint is not connected");
    w.crm_mon_result = FakeRunner::exited(102, "", "crm_mon: Connection to cluster failed");
    // The shared file system is not mounted here: neither domain XML is readable.
    w.host.files.clear();
    w.host.files["/var/lib/pacemaker/cib/cib.xml"] =
        "<cib><configuration><crm_config/><nodes/>" + fixture("clevervm/cib-resources-drbd-gfs2-guests.xml") +
        "<constraints/></configuration><status/></cib>";
    w.hv.guests.erase("web");
    StatusModel m = w.service().gather();
    REQUIRE(m.guests.size() == 2);
    CHECK(m.guests[0].name == "db");
    CHECK(m.guests[0].resource == "db");
    CHECK(m.guests[1].name == "web");
    CHECK(m.guests[1].resource == "web");
    CHECK_FALSE(m.guests[1].exists);
    CHECK(m.guests[1].state == "not defined");
    std::string notes = fmt::format("{}", fmt::join(m.notes, "\n"));
    CHECK(notes.find("discovery from the CIB saved in /var/lib/pacemaker/cib/cib.xml (cibadmin --query: exit code 102") !=
          std::string::npos);
    CHECK(notes.find("resource web: /mnt/gfs/guests/web.xml is unreadable here; its guest is taken to be 'web'") !=
          std::string::npos);
    // At boot neither is started outside Pacemaker.
    w.runner.on({"systemctl", "is-system-running"}, [](const CommandSpec&) { return FakeRunner::exited(1, "starting\n"); });
    Service boot = w.service();
    CHECK(boot.run("start", {"--from-init"}) == 0);
    CHECK(w.hv.calls.empty());
}

TEST_CASE("stop hibernates running guests with a managed save", "[commands]")
{
    World w;
    Service s = w.service(config_of("guests = web db\n"));
    CHECK(s.run("stop", {}) == 0);
    CHECK(w.hv.calls == std::vector<std::string>{"managed_save web"});
    CHECK(w.out.text() == "web: hibernated (managed save)\ndb: already shut off (managed save)\n");
    CHECK(w.hv.guests["web"].managed_save);
    // The cluster's resource for web was found through the CIB: the warning names it.
    CHECK(w.err.text().find("warning: web is managed by Pacemaker resource web; the cluster may start it again") !=
          std::string::npos);
    // Stopping again is a no-op that succeeds (LSB).
    CHECK(s.run("stop", {}) == 0);
    CHECK(w.hv.calls.size() == 1);
}

TEST_CASE("a libvirt failure during start or stop is exit 1 with libvirt's message", "[commands]")
{
    World w;
    w.hv.fail["managed_save:web"] = "cannot hibernate web (managed save): Requested operation is not valid: cannot do managed save for transient domain";
    Service s = w.service(config_of("guests = web\n"));
    CHECK(s.run("stop", {}) == 1);
    CHECK(w.err.text().find("transient domain") != std::string::npos);
}

TEST_CASE("a transient guest is not hibernated: exit 1 and it keeps running", "[commands]")
{
    World w;
    w.hv.guests["web"] = FakeHypervisor::running(false);
    Service s = w.service(config_of("guests = web\n"));
    CHECK(s.run("stop", {}) == 1);
    CHECK(w.hv.calls.empty());
    CHECK(w.err.text().find("web: cannot hibernate a transient domain") != std::string::npos);
}

TEST_CASE("a guest named by virtdomain's domain parameter needs no readable config", "[status]")
{
    World w;
    std::string cib = fixture("clevervm/cib-resources-drbd-gfs2-guests.xml");
    const std::string cfg = "<nvpair id=\"web-instance_attributes-config\" name=\"config\" value=\"/mnt/gfs/guests/web.xml\"/>";
    cib.insert(cib.find(cfg) + cfg.size(), "<nvpair id=\"web-d\" name=\"domain\" value=\"web-prod\"/>");
    w.cib_answer = FakeRunner::exited(0, cib);
    w.host.files.clear();
    w.hv.guests["web-prod"] = FakeHypervisor::running();
    w.hv.guests.erase("db");
    StatusModel m = w.service().gather();
    // db's config is unreadable too: it is shown under its file's name, not defined here.
    REQUIRE(m.guests.size() == 2);
    CHECK(m.guests[0].name == "db");
    CHECK(m.guests[0].state == "not defined");
    CHECK(m.guests[1].name == "web-prod");
    CHECK(m.guests[1].resource == "web");
    CHECK(m.guests[1].state == "running");
    CHECK(m.service_summary == "degraded: 1 of 2 guests running here");
}

TEST_CASE("forcestart/forcestop set target-role through crm_resource and wait for the cluster", "[commands]")
{
    World w;
    std::string started = fixture("crm_mon/vm-two-node-steady.xml");
    std::string with_web = steady_with_guest("web", "node2");
    w.crm_mon_answers = {started, started, started, with_web};
    w.cib_answer = FakeRunner::exited(0, "<resources/>");  // db has no resource anywhere
    Service s = w.service(config_of("guests = web:web db\n"));
    CHECK(s.run("forcestart", {}) == 0);
    auto lines = w.runner.call_lines();
    CHECK(std::count(lines.begin(), lines.end(),
                     "crm_resource --resource web --meta --set-parameter target-role --parameter-value Started") == 1);
    // It lets the transition settle before reading the result.
    CHECK(std::count(lines.begin(), lines.end(), "crm_resource --wait --timeout 120s") == 1);
    CHECK(w.err.text().find("forcestart: guest db has no Pacemaker resource; skipped") != std::string::npos);
    CHECK(w.sleeps == 2);
    CHECK(w.out.text().find("all guests started by Pacemaker") != std::string::npos);

    World v;
    v.crm_mon_answers = {with_web, with_web, started};
    Service t = v.service(config_of("guests = web:web\n"));
    CHECK(t.run("forcestop", {}) == 0);
    CHECK(v.runner.call_lines().back() == "crm_mon -1 --output-as=xml");
    auto vl = v.runner.call_lines();
    CHECK(std::count(vl.begin(), vl.end(),
                     "crm_resource --resource web --meta --set-parameter target-role --parameter-value Stopped") == 1);
    CHECK(v.sleeps == 1);
}

TEST_CASE("forcestop gives up after the configured wait with what is still pending", "[commands]")
{
    World w;
    std::string xml = fixture("crm_mon/vm-two-node-steady.xml");
    xml.insert(xml.find("  </resources>"),
               "    <resource id=\"web\" resource_agent=\"ocf:custom:virtdomain\" role=\"Started\" active=\"true\" "
               "orphaned=\"false\" blocked=\"false\" managed=\"true\" failed=\"false\" failure_ignored=\"false\" "
               "nodes_running_on=\"1\">\n      <node name=\"node1\" id=\"1\" cached=\"true\"/>\n    </resource>\n");
    w.crm_mon_answers = {xml};
    Service s = w.service(config_of("guests = web:web\nwait = 3\n"));
    CHECK(s.run("forcestop", {}) == 1);
    CHECK(w.sleeps == 3);
    CHECK(w.err.text().find("forcestop: still waiting after 3s for: web to stop on node1") != std::string::npos);
    // --no-wait returns right after setting target-role.
    World v;
    v.crm_mon_answers = {xml};
    CHECK(v.service(config_of("guests = web:web\n")).run("forcestop", {"--no-wait"}) == 0);
    CHECK(v.sleeps == 0);
}

TEST_CASE("forcestart without any Pacemaker-managed guest is not configured (6)", "[commands]")
{
    World w;
    w.cib_answer = FakeRunner::exited(0, "<resources/>");
    CHECK(w.service(config_of("guests = a b\n")).run("forcestart", {}) == 6);
    CHECK(w.err.text().find("forcestart: no guest is managed by a Pacemaker resource") != std::string::npos);
}

TEST_CASE("cleanup clears failure records of everything or of the named resources", "[commands]")
{
    World w;
    Service s = w.service(config_of("guests = web\n"));
    CHECK(s.run("cleanup", {}) == 0);
    auto lines = w.runner.call_lines();
    CHECK(lines[lines.size() - 2] == "crm_resource --cleanup");
    // Then it waits for the re-probe: the state shown next is the real one.
    CHECK(lines.back() == "crm_resource --wait --timeout 120s");
    CHECK(s.run("cleanup", {"--no-wait", "web", "gfs0-clone"}) == 0);
    lines = w.runner.call_lines();
    CHECK(lines[lines.size() - 2] == "crm_resource --cleanup --resource web");
    CHECK(lines.back() == "crm_resource --cleanup --resource gfs0-clone");
    CHECK(s.run("cleanup", {"--force"}) == 2);
}

TEST_CASE("migrate bans this node from the promoted role and waits until promotion and guests left", "[commands]")
{
    World w;
    std::string both = fixture("crm_mon/vm-two-node-steady.xml");
    // After the ban: node1's instance demoted (the same capture with node1's role changed).
    std::string demoted = both;
    const std::string promoted = "role=\"Promoted\"";
    demoted.replace(demoted.find(promoted), promoted.size(), "role=\"Unpromoted\"");
    w.crm_mon_answers = {both, both, demoted};
    Service s = w.service(config_of("guests = web:web\n"));
    CHECK(s.run("migrate", {}) == 0);
    auto lines = w.runner.call_lines();
    CHECK(std::count(lines.begin(), lines.end(), "crm_resource --ban --resource drbd-r0-clone --node node1 --promoted") == 1);
    CHECK(w.out.text().find("drbd-r0-clone: banned from the promoted role on node1") != std::string::npos);
    CHECK(w.out.text().find("nothing promoted or dependent runs on node1 any more") != std::string::npos);
    CHECK(w.sleeps == 1);
}

TEST_CASE("unmigrate clears the ban on this node only", "[commands]")
{
    World w;
    Service s = w.service(config_of("promotable = drbd-r0-clone\nguests = web\n"));
    CHECK(s.run("unmigrate", {}) == 0);
    CHECK(w.runner.call_lines().back() == "crm_resource --clear --resource drbd-r0-clone --node node1");
    CHECK(w.out.text().find("stay where they run now (stickiness)") != std::string::npos);
}

TEST_CASE("after migrate on the live sandbox: demoted, guest stopped, node marked unfit", "[status]")
{
    World w;
    w.crm_mon_answers = {fixture("clevervm/sandbox-promoted-ban.xml")};
    w.node_answer = FakeRunner::exited(0, "vm\n");
    w.hv.guests["cvm-sbx-a"] = FakeHypervisor::shut_off();
    Service s = w.service(config_of("promotable = cvm-drbd-clone\nguests = cvm-sbx-a:cvm-guest-a\ndrbd_resource = r0\nmounts = /srv\n"));
    StatusModel m = s.gather();
    CHECK(m.node_banned);
    CHECK(m.service == LsbStatus::Stopped);
    REQUIRE(m.guests.size() == 1);
    CHECK(m.guests[0].resource_role == "Stopped");
    auto clone = std::find_if(m.resources.begin(), m.resources.end(), [](auto& r) { return r.id == "cvm-drbd-clone"; });
    REQUIRE(clone != m.resources.end());
    CHECK(clone->role == "Unpromoted");
    CHECK(clone->nodes == std::vector<std::string>{"vm"});
    std::string text = render_text(m);
    CHECK(text.find("  cvm-drbd-clone  vm    promoted role  -INFINITY  cli-ban-cvm-drbd-clone-on-vm\n") != std::string::npos);
    CHECK(text.find("  vm is marked unfit (clevervm migrate); clevervm unmigrate clears it\n") != std::string::npos);
    CHECK(text.find("  cvm-sbx-a  shut off    no            cvm-guest-a Stopped\n") != std::string::npos);
}

TEST_CASE("a ban of the promotable on this node shows as 'marked unfit'", "[status]")
{
    World w;
    w.crm_mon_answers = {fixture("clevervm/offline-promoted-ban.xml")};
    w.host.name = "vm";
    w.node_answer = FakeRunner::exited(0, "vm\n");
    Service s = w.service(config_of("promotable = cvm-drbd-clone\nguests = web\ndrbd_resource = r0\nmounts = /srv\n"));
    StatusModel m = s.gather();
    CHECK(m.node_banned);
    std::string text = render_text(m);
    CHECK(text.find("  cvm-drbd-clone  vm    promoted role  -INFINITY  cli-ban-cvm-drbd-clone-on-vm\n") != std::string::npos);
    CHECK(text.find("  vm is marked unfit (clevervm migrate); clevervm unmigrate clears it\n") != std::string::npos);
    CHECK(text.find("  /srv         not mounted") != std::string::npos);
}

TEST_CASE("migrate and unmigrate need a promotable DRBD (6), a running cluster (7), root (4)", "[commands]")
{
    {
        World w;
        w.cib_answer = FakeRunner::exited(0, "<resources/>");
        w.crm_mon_answers = {fixture("crm_mon/sandbox-idle.xml")};
        CHECK(w.service(config_of("guests = a\n")).run("migrate", {}) == 6);
        CHECK(w.err.text().find("no promotable DRBD resource configured or discovered") != std::string::npos);
    }
    {
        World w;
        w.crm_mon_result = FakeRunner::exited(102, fixture("crm_mon/vm-node-after-fence-reboot.xml"));
        CHECK(w.service(config_of("promotable = p\n")).run("unmigrate", {}) == 7);
        CHECK(w.err.text().find("unmigrate: the cluster is not running here (") != std::string::npos);
        CHECK(w.runner.count("crm_resource") == 0);
    }
    {
        World w;
        w.crm_mon_result = FakeRunner::not_found();
        CHECK(w.service(config_of("promotable = p\n")).run("cleanup", {}) == 5);
    }
    {
        World w;
        w.host.root = false;
        CHECK(w.service().run("migrate", {}) == 4);
        CHECK(w.service().run("start", {}) == 4);
        CHECK(w.hv.calls.empty());
        CHECK(w.runner.count("crm_resource") == 0);
    }
    {
        World w;
        w.crm_resource_answer = FakeRunner::exited(6, "", "Resource 'drbd-r0-clone' not found");
        CHECK(w.service(config_of("promotable = drbd-r0-clone\n")).run("migrate", {"--no-wait"}) == 1);
        CHECK(w.err.text().find("crm_resource --ban --resource drbd-r0-clone --node node1 --promoted") != std::string::npos);
    }
    {
        World w;
        CHECK(w.service(config_of("promotable = nosuch-clone\n")).run("migrate", {}) == 6);
        CHECK(w.err.text().find("the cluster has no resource nosuch-clone") != std::string::npos);
    }
}

TEST_CASE("LSB exit codes for bad usage: unknown 2, extra args 2, reload 3", "[commands]")
{
    World w;
    Service s = w.service();
    CHECK(s.run("frobnicate", {}) == 2);
    CHECK(w.err.text().find("unknown command 'frobnicate'") != std::string::npos);
    CHECK(s.run("start", {"now"}) == 2);
    CHECK(s.run("migrate", {"--force"}) == 2);
    CHECK(s.run("reload", {}) == 3);
    CHECK(w.hv.calls.empty());
}

TEST_CASE("restart hibernates then resumes; try-restart leaves a stopped service alone", "[commands]")
{
    World w;
    Service s = w.service(config_of("guests = web\n"));
    CHECK(s.run("restart", {}) == 0);
    CHECK(w.hv.calls == std::vector<std::string>{"managed_save web", "start web"});
    CHECK(w.hv.guests["web"].active);
    World v;
    v.hv.guests["web"] = FakeHypervisor::shut_off();
    CHECK(v.service(config_of("guests = web\n")).run("try-restart", {}) == 0);
    CHECK(v.hv.calls.empty());
    CHECK(v.service(config_of("guests = web\n")).run("force-reload", {}) == 0);
    CHECK(v.hv.calls == std::vector<std::string>{"start web"});
}

// --- the bounded libvirt layer over a fake that can hang like a SIGSTOPped libvirtd -------------

namespace {

using namespace std::chrono_literals;

// Short bounds so that a test of a hang takes a fraction of a second.
LibvirtLimits test_limits() { return LibvirtLimits{300ms, 300ms, 600ms, 100ms}; }

double seconds_since(std::chrono::steady_clock::time_point t0)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The fake, shared with the bounded layer (an abandoned call keeps it alive), released at the
// end so that no thread stays blocked.
struct SharedFake {
    std::shared_ptr<FakeHypervisor> fake = std::make_shared<FakeHypervisor>();
    ~SharedFake() { fake->release(); }
};

}  // namespace

TEST_CASE("bounded: results and libvirt's errors pass through; one connect for all calls", "[libvirt-bounded]")
{
    SharedFake f;
    f.fake->guests["web"] = FakeHypervisor::running();
    f.fake->fail["start:web"] = "cannot start web: Requested operation is not valid";
    BoundedHypervisor hv(f.fake, "qemu:///system", test_limits());
    CHECK(hv.domains() == std::vector<std::string>{"web"});
    CHECK(hv.guest("web").state == "running");
    CHECK_FALSE(hv.guest("db").exists);
    try {
        hv.start("web");
        FAIL("no error");
    } catch (const HypervisorError& e) {
        CHECK(std::string(e.what()) == "cannot start web: Requested operation is not valid");
        CHECK_FALSE(e.unavailable);
    }
    // An operation's refusal does not make libvirt unavailable.
    CHECK(hv.guest("web").exists);
    CHECK(f.fake->connects == 1);
    CHECK_FALSE(hv.abandoned());
}

TEST_CASE("bounded: a hung connect is reported within its bound, and later calls fail at once", "[libvirt-bounded]")
{
    SharedFake f;
    f.fake->guests["web"] = FakeHypervisor::running();
    f.fake->hang.insert("connect");
    BoundedHypervisor hv(f.fake, "qemu:///system", test_limits());
    auto t0 = std::chrono::steady_clock::now();
    try {
        hv.guest("web");
        FAIL("no error");
    } catch (const HypervisorError& e) {
        CHECK(e.unavailable);
        CHECK(std::string(e.what()) == "libvirt at qemu:///system did not answer virConnectOpen within 300 ms "
                                       "(libvirtd stopped, hung or overloaded?)");
    }
    CHECK(seconds_since(t0) < 1.0);
    CHECK(hv.abandoned());
    t0 = std::chrono::steady_clock::now();
    CHECK_THROWS_WITH(hv.domains(), Catch::Contains("did not answer virConnectOpen"));
    CHECK_THROWS_AS(hv.managed_save("web"), HypervisorError);
    CHECK(seconds_since(t0) < 0.1);
    CHECK(f.fake->connects == 1);  // no second attempt
    CHECK(f.fake->hanging() == 1);
}

TEST_CASE("bounded: a state query that hangs makes libvirt unavailable; a slow save that overruns does not",
          "[libvirt-bounded]")
{
    SharedFake f;
    f.fake->guests["web"] = FakeHypervisor::running();
    f.fake->guests["db"] = FakeHypervisor::running();
    f.fake->hang.insert("guest:web");
    f.fake->hang.insert("managed_save:db");
    {
        BoundedHypervisor hv(f.fake, "qemu:///system", test_limits());
        auto t0 = std::chrono::steady_clock::now();
        CHECK_THROWS_WITH(hv.managed_save("db"), "virDomainManagedSave of db did not finish within 600 ms "
                                                 "(clevervm.conf: wait); libvirtd may still be working on it");
        CHECK(seconds_since(t0) < 1.5);
        // libvirtd answers other calls while it saves: still available.
        CHECK(hv.guest("db").exists);
        try {
            hv.guest("web");
            FAIL("no error");
        } catch (const HypervisorError& e) {
            CHECK(e.unavailable);
            CHECK_THAT(e.what(), Catch::Contains("did not answer virDomainGetState for web within 300 ms"));
        }
        CHECK_THROWS_AS(hv.guest("db"), HypervisorError);
        CHECK(f.fake->hanging() == 2);
    }
    // The bounded layer is gone; its abandoned calls end once libvirtd answers again.
    f.fake->release();
    for (int i = 0; i < 100 && f.fake->hanging() > 0; ++i) std::this_thread::sleep_for(10ms);
    CHECK(f.fake->hanging() == 0);
}

TEST_CASE("status with a hung libvirtd: prompt, LSB 4, the guests section marked unavailable", "[libvirt-bounded]")
{
    World w;
    SharedFake f;
    f.fake->guests = w.hv.guests;
    f.fake->hang.insert("connect");
    BoundedHypervisor hv(f.fake, "qemu:///system", test_limits());
    Service s = w.service_over(hv, config_of("guests = web:web db\ndrbd_resource = r0\npromotable = drbd-r0-clone\n"
                                             "mounts = /mnt/gfs\n"));
    auto t0 = std::chrono::steady_clock::now();
    CHECK(s.run("status", {}) == 4);
    CHECK(seconds_since(t0) < 1.0);
    std::string text = w.out.text();
    CHECK(text.find("clevervm on node1: unknown: libvirt unavailable: libvirt at qemu:///system did not answer "
                    "virConnectOpen within 300 ms") == 0);
    CHECK(text.find("Virtual machines\n  unavailable: libvirt at qemu:///system did not answer virConnectOpen") !=
          std::string::npos);
    CHECK(text.find("  web    ?           ?             web not in the cluster\n") != std::string::npos);
    CHECK(text.find("  db     ?           ?             -\n") != std::string::npos);
    // The rest of the screen is all there.
    CHECK(text.find("  r0        Primary  /dev/drbd0  UpToDate") != std::string::npos);
    CHECK(text.find("DC node2, partition with quorum") != std::string::npos);
    CHECK(f.fake->connects == 1);
}

TEST_CASE("status --json with libvirt down: libvirt_available false, guest facts null", "[libvirt-bounded]")
{
    World w;
    SharedFake f;
    f.fake->unreachable = "cannot connect to libvirt at qemu:///system: Failed to connect socket to "
                          "'/var/run/libvirt/libvirt-sock': No such file or directory";
    BoundedHypervisor hv(f.fake, "qemu:///system", test_limits());
    Service s = w.service_over(hv, config_of("guests = web db\n"));
    CHECK(s.run("status", {"--json"}) == 4);
    parse::Json doc = parse::parse_json(w.out.text());
    CHECK_FALSE(doc.find("libvirt_available")->as_bool());
    CHECK(doc.find("libvirt_error")->as_string().find("No such file or directory") != std::string::npos);
    const auto& guests = doc.find("guests")->as_array();
    REQUIRE(guests.size() == 2);
    CHECK(guests[0].find("state")->is_null());
    CHECK(guests[0].find("managed_save")->is_null());
    CHECK(guests[0].find("defined")->is_null());
    CHECK(guests[0].find("error")->as_string() == "libvirt unavailable");
    CHECK(doc.find("service")->find("lsb_status")->scalar_text() == "4");
    CHECK(f.fake->connects == 1);
}

TEST_CASE("status with guests discovered from libvirt, libvirt hung: unknown (4), not stopped", "[libvirt-bounded]")
{
    World w;
    w.cib_answer = FakeRunner::exited(0, "<resources/>");
    SharedFake f;
    f.fake->hang.insert("domains");
    BoundedHypervisor hv(f.fake, "qemu:///system", test_limits());
    Service s = w.service_over(hv);
    CHECK(s.run("status", {}) == 4);
    std::string text = w.out.text();
    CHECK(text.find("unknown: libvirt unavailable: libvirt at qemu:///system did not answer virConnectListAllDomains") !=
          std::string::npos);
    CHECK(text.find("guests unknown: libvirt defines them, and libvirt is unavailable") != std::string::npos);
}

TEST_CASE("start/stop with a hung libvirtd: 1 promptly, the other guests not tried", "[libvirt-bounded]")
{
    World w;
    SharedFake f;
    f.fake->guests = w.hv.guests;
    f.fake->hang.insert("guest:web");
    BoundedHypervisor hv(f.fake, "qemu:///system", test_limits());
    Service s = w.service_over(hv, config_of("guests = web db\n"));
    auto t0 = std::chrono::steady_clock::now();
    CHECK(s.run("stop", {}) == 1);
    CHECK(s.run("start", {}) == 1);
    CHECK(seconds_since(t0) < 1.0);
    CHECK(f.fake->calls.empty());  // neither guest hibernated nor started
    std::string err = w.err.text();
    CHECK(err.find("did not answer virDomainGetState for web within 300 ms") != std::string::npos);
    CHECK(err.find("clevervm: stop: 2 of 2 guests not done") != std::string::npos);
    CHECK(err.find("clevervm: start: 2 of 2 guests not done") != std::string::npos);
}
