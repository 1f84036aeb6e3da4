// The controld executable against the fake dlm_controld/dlm_tool on PATH: real processes that
// daemonize, answer late, die, hang, and ignore SIGTERM while lockspaces exist.
#include "catch.h"

#include <signal.h>

#include <filesystem>
#include <fstream>

#include "fake_host.h"

using dlmlvm_test::FakeHost;
using namespace std::chrono_literals;

namespace {

std::string exe() { return dlmlvm_test::env_or("OCFKIT_BUILD_ROOT", ".") + "/agents/controld/controld"; }
const std::string kPidfile = "run/dlm_controld/dlm_controld.pid";
const std::map<std::string, std::string> kRecurring{{"OCF_RESKEY_CRM_meta_interval", "10000"}};
const std::map<std::string, std::string> kProbe{{"OCF_RESKEY_CRM_meta_interval", "0"}};

// "major:minor" and mount point of the first line of our mountinfo.
std::pair<std::string, std::string> first_mount()
{
    std::ifstream in("/proc/self/mountinfo");
    std::string id, parent, dev, root, point;
    in >> id >> parent >> dev >> root >> point;
    return {dev, point};
}

std::size_t count_status_calls(const FakeHost& h) { return h.calls("dlm_tool").size(); }

}  // namespace

TEST_CASE("start, monitor, stop, monitor through the fake daemon", "[controld-process]")
{
    FakeHost h(exe());
    auto start = h.run("start");
    INFO(start.err);
    REQUIRE(start.rc == 0);
    auto pid = h.daemon_pid(kPidfile, "dlm_controld");
    REQUIRE(pid);
    CHECK(h.calls("dlm_controld") == std::vector<std::string>{"dlm_controld -s 0"});

    h.clear_calls();
    auto mon = h.run("monitor", kRecurring);
    CHECK(mon.rc == 0);
    CHECK(count_status_calls(h) == 1);  // one external program per monitor
    CHECK(h.calls().size() == 1);

    // start again: already running, answers, nothing launched
    h.clear_calls();
    CHECK(h.run("start").rc == 0);
    CHECK(h.calls("dlm_controld").empty());

    auto stop = h.run("stop");
    INFO(stop.err);
    CHECK(stop.rc == 0);
    CHECK(FakeHost::eventually([&] { return !h.alive(*pid); }));
    CHECK(h.run("monitor", kRecurring).rc == 7);
    CHECK(h.run("stop").rc == 0);
}

TEST_CASE("start waits for the daemon to answer, not for a fixed time", "[controld-process]")
{
    FakeHost h(exe());
    h.knob("dlm_controld.ready-delay", "1.5");
    auto start = h.run("start");
    INFO(start.err);
    REQUIRE(start.rc == 0);
    CHECK(start.elapsed >= 1400ms);
    CHECK(start.elapsed < 4000ms);
    // it asked repeatedly: "cannot connect" until the daemon was ready
    CHECK(count_status_calls(h) >= 3);
}

TEST_CASE("start that never becomes ready ends at the deadline with the state", "[controld-process]")
{
    FakeHost h(exe());
    h.knob("dlm_controld.ready-delay", "600");
    auto start = h.run("start", {}, 6000ms);  // budget 4 s after the 2 s safety margin
    CHECK(start.rc == 1);
    CHECK(start.elapsed < 5500ms);
    CHECK_THAT(start.reason, Catch::Contains("did not become ready") && Catch::Contains("cannot connect"));
}

TEST_CASE("daemon that dies during start, or refuses to start", "[controld-process]")
{
    FakeHost h(exe());
    SECTION("dies")
    {
        h.knob("dlm_controld.die-at-start");
        auto start = h.run("start", {}, 20000ms);
        CHECK(start.rc == 1);
        CHECK_THAT(start.reason, Catch::Contains("exited during start") || Catch::Contains("did not become ready"));
        CHECK(start.elapsed < 10000ms);
    }
    SECTION("refuses")
    {
        h.knob("dlm_controld.fail-start");
        auto start = h.run("start");
        CHECK(start.rc == 1);
        CHECK_THAT(start.reason, Catch::Contains("cannot initialize"));
    }
}

TEST_CASE("monitor: hung daemon, killed daemon, stuck states", "[controld-process]")
{
    FakeHost h(exe());
    REQUIRE(h.run("start").rc == 0);
    auto pid = h.daemon_pid(kPidfile, "dlm_controld");
    REQUIRE(pid);

    SECTION("dlm_tool hangs: bounded by the operation's deadline")
    {
        h.knob("dlm_tool.hang");
        auto mon = h.run("monitor", kRecurring, 6000ms);
        CHECK(mon.rc == 1);
        CHECK(mon.elapsed < 5500ms);
        CHECK_THAT(mon.reason, Catch::Contains("does not answer"));
    }
    SECTION("stuck waiting for fencing")
    {
        h.knob("dlm.scenario", "wait-fencing-stuck");
        auto mon = h.run("monitor", kRecurring);
        CHECK(mon.rc == 1);
        CHECK_THAT(mon.reason, Catch::Contains("stuck in wait fencing for node 2"));
    }
    SECTION("fencing in progress is fine")
    {
        h.knob("dlm.scenario", "wait-fencing-in-progress");
        CHECK(h.run("monitor", kRecurring).rc == 0);
    }
    SECTION("stateful merge")
    {
        h.knob("dlm.scenario", "stateful-merge");
        auto mon = h.run("monitor", kRecurring);
        CHECK(mon.rc == 1);
        CHECK_THAT(mon.reason, Catch::Contains("stateful merge"));
    }
    SECTION("daemon killed, no lockspaces")
    {
        ::kill(*pid, SIGKILL);
        REQUIRE(FakeHost::eventually([&] { return !h.alive(*pid); }));
        h.clear_calls();
        CHECK(h.run("monitor", kRecurring).rc == 7);
        CHECK(h.calls().empty());  // nothing run to find that out
    }
    SECTION("daemon killed with lockspaces left: reported, no fencing from the agent")
    {
        h.add_lockspace("gfs0", false);
        ::kill(*pid, SIGKILL);
        REQUIRE(FakeHost::eventually([&] { return !h.alive(*pid); }));
        auto probe = h.run("monitor", kProbe);
        CHECK(probe.rc == 7);
        CHECK_THAT(probe.reason, Catch::Contains("gfs0") && Catch::Contains("not running"));
        auto mon = h.run("monitor", kRecurring);
        CHECK(mon.rc == 1);
        CHECK_THAT(mon.reason, Catch::Contains("gfs0"));
        CHECK(h.calls("stonith_admin").empty());
        // start then refuses instead of letting a new daemon kick the node out
        auto start = h.run("start");
        CHECK(start.rc == 1);
        CHECK_THAT(start.reason, Catch::Contains("the kernel holds DLM lockspaces gfs0"));
        // and stop has nothing to stop
        CHECK(h.run("stop").rc == 0);
    }
}

TEST_CASE("stop with lockspaces in use says which and by whom, without hanging", "[controld-process]")
{
    FakeHost h(exe());
    REQUIRE(h.run("start").rc == 0);
    auto pid = h.daemon_pid(kPidfile, "dlm_controld");
    REQUIRE(pid);
    int holder = h.add_lockspace("lvm_vgcl", true, "lvmlockd");
    h.add_lockspace("gfs0", false);
    // A GFS2 lock table whose device is a filesystem really mounted here (the first mountinfo line).
    auto root_mount = first_mount();
    std::filesystem::create_directories(h.path("sys/fs/gfs2/hacl:gfs0"));
    std::ofstream(h.path("sys/fs/gfs2/hacl:gfs0/id")) << root_mount.first << "\n";
    auto stop = h.run("stop", {}, 12000ms);  // waits at most half the budget for users to leave
    CHECK(stop.rc == 1);
    CHECK(stop.elapsed < 9000ms);
    CHECK_THAT(stop.reason, Catch::Contains("lockspaces are still in use"));
    CHECK_THAT(stop.reason, Catch::Contains("lvm_vgcl (held open by lvmlockd[" + std::to_string(holder) + "]"));
    CHECK_THAT(stop.reason, Catch::Contains("members: nodes 1 2"));
    CHECK_THAT(stop.reason, Catch::Contains("gfs0 (GFS2 hacl:gfs0 mounted on " + root_mount.second));
    CHECK(h.alive(*pid));

    // the users leave while stop waits: stop then succeeds
    std::filesystem::remove_all(h.path("sys/kernel/dlm"));
    std::filesystem::create_directories(h.path("sys/kernel/dlm"));
    h.add_lockspace("gfs0", false);
    std::thread leave([&] {
        std::this_thread::sleep_for(1s);
        std::filesystem::remove_all(h.path("sys/kernel/dlm/gfs0"));
    });
    auto stop2 = h.run("stop", {}, 20000ms);
    leave.join();
    INFO(stop2.err);
    CHECK(stop2.rc == 0);
    CHECK(FakeHost::eventually([&] { return !h.alive(*pid); }));
}

TEST_CASE("stop of a daemon that ignores SIGTERM without lockspaces kills it", "[controld-process]")
{
    FakeHost h(exe());
    REQUIRE(h.run("start").rc == 0);
    auto pid = h.daemon_pid(kPidfile, "dlm_controld");
    REQUIRE(pid);
    h.knob("dlm_controld.ignore-term");
    auto stop = h.run("stop", {}, 8000ms);
    CHECK(stop.rc == 0);
    CHECK_THAT(stop.err, Catch::Contains("SIGKILL"));
    CHECK(FakeHost::eventually([&] { return !h.alive(*pid); }));
}

TEST_CASE("fencing disabled in a real CIB file refuses start", "[controld-process]")
{
    FakeHost h(exe());
    // A CIB with stonith-enabled=false, read by the real crm_attribute through CIB_file.
    std::string cib = h.path("cib.xml");
    std::ofstream(cib) << R"(<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config><cluster_property_set id="cib-bootstrap-options">
      <nvpair id="o-stonith" name="stonith-enabled" value="false"/>
    </cluster_property_set></crm_config>
    <nodes/><resources/><constraints/>
  </configuration>
  <status/>
</cib>
)";
    h.set("CIB_file", cib);
    h.set("OCFKIT_CLUSTER", "pacemaker");
    auto start = h.run("start");
    CHECK(start.rc == 6);
    CHECK_THAT(start.reason, Catch::Contains("stonith-enabled=false"));
    CHECK(h.calls("dlm_controld").empty());

    h.param("allow_stonith_disabled", "true");  // the deprecated name still works
    auto allowed = h.run("start");
    INFO(allowed.err);
    CHECK(allowed.rc == 0);
    CHECK_THAT(allowed.err, Catch::Contains("deprecated"));
    CHECK(h.run("stop").rc == 0);
}

// Both names set and disagreeing, read by the real crm_attribute and crm_mon through CIB_file:
// Pacemaker 2.1.5 and 3.0.0 know only stonith-enabled, so crm_mon reports fencing off (3.0.2
// would use fencing-enabled=true; tests/unit/test_cluster.cpp has its output).
TEST_CASE("fencing-enabled=true beside stonith-enabled=false: the running Pacemaker decides", "[controld-process]")
{
    FakeHost h(exe());
    std::string cib = h.path("cib.xml");
    std::ofstream(cib) << R"(<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config><cluster_property_set id="cib-bootstrap-options">
      <nvpair id="o-fencing" name="fencing-enabled" value="true"/>
      <nvpair id="o-stonith" name="stonith-enabled" value="false"/>
    </cluster_property_set></crm_config>
    <nodes/><resources/><constraints/>
  </configuration>
  <status/>
</cib>
)";
    h.set("CIB_file", cib);
    h.set("OCFKIT_CLUSTER", "pacemaker");
    auto start = h.run("start");
    INFO(start.err);
    ocfkit::CommandSpec v;
    v.argv = {"crm_mon", "--version"};
    v.timeout = std::chrono::seconds(20);
    const std::string version = ocfkit::make_process_runner()->run(v, ocfkit::Deadline::after(v.timeout)).out;
    INFO(version);
    if (version.find("Pacemaker 2.") != std::string::npos || version.find("Pacemaker 3.0.0") != std::string::npos ||
        version.find("Pacemaker 3.0.1") != std::string::npos) {
        CHECK(start.rc == 6);
        CHECK_THAT(start.reason, Catch::Contains("fencing is disabled"));
        CHECK(h.calls("dlm_controld").empty());
    } else {
        CHECK(start.rc == 0);
        CHECK(h.run("stop").rc == 0);
    }
    CHECK_THAT(start.err, Catch::Contains("differ"));
}

TEST_CASE("start loads the dlm module through modprobe", "[controld-process]")
{
    FakeHost h(exe());
    std::filesystem::remove_all(h.path("sys/kernel/config/dlm"));
    auto start = h.run("start");
    INFO(start.err);
    CHECK(start.rc == 0);
    CHECK(h.calls("modprobe") == std::vector<std::string>{"modprobe dlm"});
    CHECK(h.run("stop").rc == 0);

    std::filesystem::remove_all(h.path("sys/kernel/config/dlm"));
    h.knob("modprobe.fail");
    auto failed = h.run("start");
    CHECK(failed.rc == 5);
    CHECK_THAT(failed.reason, Catch::Contains("Module dlm not found"));
}
