// The clvm executable against fake lvmlockd/lvmlockctl/clvmd/cmirrord/LVM tools on PATH and a
// fake dlm_controld: real daemonizing processes, a fake device-mapper sysfs, hangs and deaths.
#include "catch.h"

#include <signal.h>

#include <algorithm>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "fake_host.h"

using dlmlvm_test::FakeHost;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::string exe() { return dlmlvm_test::env_or("OCFKIT_BUILD_ROOT", ".") + "/agents/clvm/clvm"; }
const std::map<std::string, std::string> kRecurring{{"OCF_RESKEY_CRM_meta_interval", "30000"}};
const std::map<std::string, std::string> kProbe{{"OCF_RESKEY_CRM_meta_interval", "0"}};

struct Host : FakeHost {
    explicit Host(const std::string& lvm_conf = "lvmlockd-good") : FakeHost(exe())
    {
        std::ofstream(path("sys/kernel/config/dlm/cluster/cluster_name")) << "hacl\n";
        set("LVM_SYSTEM_DIR", dlmlvm_test::env_or("OCFKIT_TEST_DATA", "tests/data") + "/lvm-config/conf/" + lvm_conf);
        param("volgrpname", "vgcl");
    }
    void start_dlm()
    {
        REQUIRE(tool({"dlm_controld", "-s", "0"}).ok());
        REQUIRE(eventually([&] { return fs::exists(fake("dlm_controld.ready")); }));
    }
    std::optional<int> lvmlockd() const { return daemon_pid("run/lvmlockd.pid", "lvmlockd"); }
    std::optional<int> clvmd() const { return daemon_pid("run/clvmd.pid", "clvmd"); }
    std::optional<int> cmirrord() const { return daemon_pid("run/cmirrord.pid", "cmirrord"); }
    bool lv_active(const std::string& dm_name) const
    {
        for (auto& d : ocfkit::list_dir(path("sys/block"))) {
            auto n = ocfkit::read_small_file(path("sys/block/" + d + "/dm/name"));
            if (n && *n == dm_name + "\n") return true;
        }
        return false;
    }
};

}  // namespace

TEST_CASE("lvmlockd: start, monitor, stop, monitor", "[clvm-process]")
{
    Host h;
    h.start_dlm();
    h.clear_calls();
    auto start = h.run("start");
    INFO(start.err);
    REQUIRE(start.rc == 0);
    auto pid = h.lvmlockd();
    REQUIRE(pid);
    CHECK(h.calls("lvmlockd") == std::vector<std::string>{"lvmlockd -p " + h.path("run/lvmlockd.pid") + " -g dlm -A 1"});
    CHECK(h.calls("vgchange") == std::vector<std::string>{"vgchange --lock-start vgcl", "vgchange -asy vgcl"});
    // lvm.conf read once for validate and start; after the launch, lvmlockd's ready answer says
    // which lockspaces to start (no second question), and one more confirms them.
    CHECK(h.calls("lvmconfig").size() == 1);
    {
        auto all = h.calls();
        auto launch = std::find_if(all.begin(), all.end(), [](auto& l) { return l.rfind("lvmlockd ", 0) == 0; });
        auto lock_start = std::find(all.begin(), all.end(), "vgchange --lock-start vgcl");
        REQUIRE(launch < lock_start);
        // The launcher polls until lvmlockd answers; of those questions exactly one was answered.
        std::size_t from = launch - all.begin(), to = lock_start - all.begin(), answered = 0;
        std::istringstream lines(ocfkit::read_small_file(h.fake("lvmlockctl.answered")).value_or(""));
        for (std::size_t n; lines >> n;)
            if (n - 1 > from && n - 1 < to) ++answered;
        CHECK(answered == 1);
        CHECK(std::count(lock_start, all.end(), "lvmlockctl -i") == 1);
    }
    CHECK(h.lv_active("vgcl-lvgfs"));
    CHECK(fs::exists(h.path("sys/kernel/dlm/lvm_vgcl")));

    h.clear_calls();
    auto mon = h.run("monitor", kRecurring);
    CHECK(mon.rc == 0);
    CHECK(h.calls() == std::vector<std::string>{"lvmlockctl -i"});  // one program per monitor

    // start again: daemon and lockspace kept, activation repeated (it is idempotent)
    h.clear_calls();
    CHECK(h.run("start").rc == 0);
    CHECK(h.calls("lvmlockd").empty());
    CHECK(h.calls("vgchange") == std::vector<std::string>{"vgchange -asy vgcl"});

    auto stop = h.run("stop");
    INFO(stop.err);
    CHECK(stop.rc == 0);
    CHECK(FakeHost::eventually([&] { return !h.alive(*pid); }));
    CHECK_FALSE(h.lv_active("vgcl-lvgfs"));
    CHECK_FALSE(fs::exists(h.path("sys/kernel/dlm/lvm_vgcl")));
    CHECK_FALSE(fs::exists(h.path("sys/kernel/dlm/lvm_global")));
    CHECK(h.run("monitor", kRecurring).rc == 7);
    CHECK(h.run("stop").rc == 0);
}

TEST_CASE("lvmlockd needs DLM first", "[clvm-process]")
{
    Host h;
    auto start = h.run("start");
    CHECK(start.rc == 1);
    CHECK_THAT(start.reason, Catch::Contains("dlm_controld is not running"));
    CHECK(h.calls("lvmlockd").empty());
}

TEST_CASE("lvmlockd readiness: waits for the answer, catches deaths and refusals", "[clvm-process]")
{
    Host h;
    h.start_dlm();
    SECTION("slow")
    {
        h.knob("lvmlockd.ready-delay", "1.5");
        auto start = h.run("start");
        INFO(start.err);
        CHECK(start.rc == 0);
        CHECK(start.elapsed >= 1400ms);
        CHECK(h.calls("lvmlockctl").size() >= 3);
    }
    SECTION("dies")
    {
        h.knob("lvmlockd.die-at-start");
        auto start = h.run("start");
        CHECK(start.rc == 1);
        CHECK_THAT(start.reason, Catch::Contains("lvmlockd") &&
                                     (Catch::Contains("exited during start") || Catch::Contains("did not become ready")));
    }
    SECTION("refuses")
    {
        h.knob("lvmlockd.fail-start");
        auto start = h.run("start");
        CHECK(start.rc == 1);
        CHECK_THAT(start.reason, Catch::Contains("cannot start (fake failure)"));
    }
    SECTION("never answers: bounded by the deadline")
    {
        h.knob("lvmlockd.ready-delay", "600");
        auto start = h.run("start", {}, 8000ms);
        CHECK(start.rc == 1);
        CHECK(start.elapsed < 7500ms);
        CHECK_THAT(start.reason, Catch::Contains("did not become ready") && Catch::Contains("cannot connect"));
    }
    SECTION("lock start fails")
    {
        h.knob("vgchange.fail-lock-start");
        auto start = h.run("start");
        CHECK(start.rc == 1);
        CHECK_THAT(start.reason, Catch::Contains("vgchange --lock-start vgcl") && Catch::Contains("start failed"));
    }
    SECTION("activation hangs: bounded")
    {
        h.knob("vgchange.hang");
        auto start = h.run("start", {}, 8000ms);
        CHECK(start.rc == 1);
        CHECK(start.elapsed < 7500ms);
    }
}

TEST_CASE("lvmlockd monitor: hangs, lost lockspaces, lost activation, daemon death", "[clvm-process]")
{
    Host h;
    h.start_dlm();
    REQUIRE(h.run("start").rc == 0);
    auto pid = h.lvmlockd();
    REQUIRE(pid);

    SECTION("lvmlockctl hangs")
    {
        h.knob("lvmlockctl.hang");
        auto mon = h.run("monitor", kRecurring, 6000ms);
        CHECK(mon.rc == 1);
        CHECK(mon.elapsed < 5500ms);
        CHECK_THAT(mon.reason, Catch::Contains("does not answer") && Catch::Contains("no answer within"));
    }
    SECTION("LVs deactivated behind our back")
    {
        REQUIRE(h.tool({"vgchange", "-an", "vgcl"}).ok());
        auto mon = h.run("monitor", kRecurring);
        CHECK(mon.rc == 1);
        CHECK_THAT(mon.reason, Catch::Contains("vgcl has no active logical volume"));
    }
    SECTION("lockspace stopped behind our back")
    {
        REQUIRE(h.tool({"vgchange", "-an", "vgcl"}).ok());
        REQUIRE(h.tool({"vgchange", "--lock-stop", "vgcl"}).ok());
        auto mon = h.run("monitor", kRecurring);
        CHECK(mon.rc == 1);
        CHECK_THAT(mon.reason, Catch::Contains("lockspace of volume group vgcl is not started"));
    }
    SECTION("lvmlockd killed with LVs active, adopt=false: reported, then deactivated by stop")
    {
        h.param("adopt", "false");
        ::kill(*pid, SIGKILL);
        REQUIRE(FakeHost::eventually([&] { return !h.alive(*pid); }));
        h.clear_calls();
        auto probe = h.run("monitor", kProbe);
        CHECK(probe.rc == 1);
        CHECK_THAT(probe.reason, Catch::Contains("not running but logical volumes are active without its locks: vgcl/lvgfs"));
        CHECK(h.calls().empty());  // seen in sysfs, no program run
        auto mon = h.run("monitor", kRecurring);
        CHECK(mon.rc == 1);
        CHECK(h.calls("lvmlockd").empty());
        auto stop = h.run("stop");
        INFO(stop.err);
        CHECK(stop.rc == 0);
        CHECK(h.calls("vgchange") == std::vector<std::string>{"vgchange -an --nolocking vgcl"});
        CHECK_FALSE(h.lv_active("vgcl-lvgfs"));
        CHECK(h.run("monitor", kProbe).rc == 7);
    }
}

// lvmlockd killed on one node (SIGKILL: no clean-up) while the LV under GFS2 is active. The LV
// keeps working, its DLM lock is orphaned but held; what the agent does next decides whether
// the file system and the guests above it stay up.
TEST_CASE("lvmlockd killed with LVs active: the recurring monitor restarts it, adopting the locks", "[clvm-process]")
{
    Host h;
    h.start_dlm();
    REQUIRE(h.run("start").rc == 0);
    auto pid = h.lvmlockd();
    REQUIRE(pid);
    REQUIRE(fs::exists(h.path("run/lvm/lvmlockd.adopt")));
    ::kill(*pid, SIGKILL);
    REQUIRE(FakeHost::eventually([&] { return !h.alive(*pid); }));
    h.clear_calls();

    SECTION("adopted: the LV stays active and locked, nothing above it is touched")
    {
        auto probe = h.run("monitor", kProbe);  // a probe only reports
        CHECK(probe.rc == 1);
        CHECK(h.calls().empty());
        auto mon = h.run("monitor", kRecurring);
        INFO(mon.err);
        CHECK(mon.rc == 0);
        CHECK(h.calls("lvmlockd") ==
              std::vector<std::string>{"lvmlockd -p " + h.path("run/lvmlockd.pid") + " -g dlm -A 1",
                                       "lvmlockd (daemon) adopted lockspaces: global vgcl "});
        CHECK(h.calls("vgchange").empty());  // no deactivation, no new lock request
        CHECK_THAT(mon.err, Catch::Contains("adopted vgcl (1 LV locks)"));
        auto again = h.lvmlockd();
        REQUIRE(again);
        CHECK(*again != *pid);
        CHECK(h.lv_active("vgcl-lvgfs"));
        CHECK_THAT(h.tool({"lvmlockctl", "-i"}).out, Catch::Contains("LK LV sh 7ifDbK-YEZC-AjcM-VZBX-eSce-BjoK-dhVGXc"));
        h.clear_calls();
        CHECK(h.run("monitor", kRecurring).rc == 0);
        CHECK(h.calls() == std::vector<std::string>{"lvmlockctl -i"});
        CHECK(h.run("stop").rc == 0);  // and the adopted lockspace stops cleanly
        CHECK_FALSE(h.lv_active("vgcl-lvgfs"));
    }
    SECTION("no adopt file: reported, nothing started")
    {
        h.param("lock_manager", "lvmlockd");  // with both daemons installed the file is what tells
        fs::remove(h.path("run/lvm/lvmlockd.adopt"));
        auto mon = h.run("monitor", kRecurring);
        CHECK(mon.rc == 1);
        CHECK_THAT(mon.reason, Catch::Contains("vgcl/lvgfs") && Catch::Contains("no " + h.path("run/lvm/lvmlockd.adopt")));
        CHECK(h.calls("lvmlockd").empty());
    }
    SECTION("dlm_controld gone too: reported, nothing started")
    {
        auto dlm = h.daemon_pid("run/dlm_controld/dlm_controld.pid", "dlm_controld");
        REQUIRE(dlm);
        ::kill(*dlm, SIGKILL);
        REQUIRE(FakeHost::eventually([&] { return !h.alive(*dlm); }));
        auto mon = h.run("monitor", kRecurring);
        CHECK(mon.rc == 1);
        CHECK_THAT(mon.reason, Catch::Contains("dlm_controld is not running"));
        CHECK(h.calls("lvmlockd").empty());
    }
    SECTION("restarted without adoption (what a stop and start without -A 1 gets): the lockspace is lost")
    {
        REQUIRE(h.tool({"lvmlockd", "-p", h.path("run/lvmlockd.pid"), "-g", "dlm", "-A", "0"}).ok());
        REQUIRE(FakeHost::eventually([&] {
            auto p = h.lvmlockd();
            return p && *p != *pid && fs::exists(h.fake("lvmlockd.ready"));
        }));
        auto mon = h.run("monitor", kRecurring);
        CHECK(mon.rc == 1);
        CHECK_THAT(mon.reason, Catch::Contains("lockspace of volume group vgcl is not started"));
    }
}

TEST_CASE("lvmlockd stop never strands active LVs", "[clvm-process]")
{
    Host h;
    h.knob("lvm.metadata",
           "vgcl E1NXBr-Y5e8-OFkV-e6es-hzoY-K2DE-ZnN9K7 dlm lvgfs 7ifDbK-YEZC-AjcM-VZBX-eSce-BjoK-dhVGXc\n"
           "vgdata kQ2v7T-aB3c-Dd4e-Ff5g-Gh6i-Jj7k-Ll8mN9 dlm lvdata a2c4Fq-0Zr1-Qe7X-Nn3A-u1Tp-9WkE-mY2bD8\n");
    h.start_dlm();
    REQUIRE(h.run("start").rc == 0);
    auto pid = h.lvmlockd();
    REQUIRE(pid);

    SECTION("an LV in use")
    {
        h.knob("vgchange.fail-deactivate");
        auto stop = h.run("stop");
        CHECK(stop.rc == 1);
        CHECK_THAT(stop.reason, Catch::Contains("cannot deactivate vgcl/lvgfs") && Catch::Contains("in use"));
        CHECK(h.alive(*pid));
        h.clear_knob("vgchange.fail-deactivate");
        CHECK(h.run("stop").rc == 0);
    }
    SECTION("another VG's LVs are active (not ours to deactivate)")
    {
        REQUIRE(h.tool({"vgchange", "--lock-start", "vgdata"}).ok());
        REQUIRE(h.tool({"vgchange", "-asy", "vgdata"}).ok());
        auto stop = h.run("stop");
        CHECK(stop.rc == 1);
        CHECK_THAT(stop.reason, Catch::Contains("still active in vgdata"));
        CHECK(h.alive(*pid));
        CHECK_FALSE(h.lv_active("vgcl-lvgfs"));  // ours are down
        CHECK(h.lv_active("vgdata-lvdata"));
        // once they are gone, stop also stops the leftover idle lockspace
        REQUIRE(h.tool({"vgchange", "-an", "vgdata"}).ok());
        auto again = h.run("stop");
        INFO(again.err);
        CHECK(again.rc == 0);
        CHECK(h.calls("lvmlockctl --stop-lockspaces").size() == 1);
        CHECK(FakeHost::eventually([&] { return !h.alive(*pid); }));
    }
}

TEST_CASE("activation left to LVM-activate resources", "[clvm-process]")
{
    Host h;
    h.param("activate_vgs", "false");
    h.start_dlm();
    REQUIRE(h.run("start").rc == 0);
    CHECK_FALSE(h.lv_active("vgcl-lvgfs"));
    CHECK(h.run("monitor", kRecurring).rc == 0);
    CHECK(h.run("stop").rc == 0);
}

TEST_CASE("clvmd with cmirrord: start, monitor, stop", "[clvm-process]")
{
    Host h("clvmd-good");
    h.knob("lvm.metadata", "vgcl E1NXBr-Y5e8-OFkV-e6es-hzoY-K2DE-ZnN9K7 clvm lvgfs 7ifDbK-YEZC-AjcM-VZBX-eSce-BjoK-dhVGXc\n");
    h.param("lock_manager", "clvmd");
    h.param("with_cmirrord", "true");
    h.start_dlm();
    auto start = h.run("start", {}, 90s);  // clvm's advertised start timeout, as pcs sets it
    INFO(start.err);
    REQUIRE(start.rc == 0);
    auto clvmd = h.clvmd();
    auto cmirrord = h.cmirrord();
    REQUIRE(clvmd);
    REQUIRE(cmirrord);
    CHECK(fs::exists(h.path("sys/kernel/dlm/clvmd")));
    CHECK(h.lv_active("vgcl-lvgfs"));
    REQUIRE(h.calls("clvmd").size() == 1);
    CHECK_THAT(h.calls("clvmd")[0], Catch::StartsWith("clvmd -T"));
    // 90 s leaves a deadline of 81 s: clvmd gives up (exit 5) before the runner's timeout for
    // it, which ends 10 s before the deadline (issue 18 #8: it was -T76 under a 60 s timeout).
    long long wait_s = std::stoll(h.calls("clvmd")[0].substr(std::string("clvmd -T").size()));
    CHECK(wait_s <= 69);
    CHECK(wait_s >= 60);

    h.clear_calls();
    CHECK(h.run("monitor", kRecurring).rc == 0);
    CHECK(h.calls().empty());  // clvmd's monitor runs no program at all

    SECTION("lost activation")
    {
        REQUIRE(h.tool({"vgchange", "-aln", "vgcl"}).ok());
        auto mon = h.run("monitor", kRecurring);
        CHECK(mon.rc == 1);
        CHECK_THAT(mon.reason, Catch::Contains("vgcl has no active logical volume"));
    }
    SECTION("cmirrord died")
    {
        ::kill(*cmirrord, SIGKILL);
        REQUIRE(FakeHost::eventually([&] { return !h.alive(*cmirrord); }));
        auto mon = h.run("monitor", kRecurring);
        CHECK(mon.rc == 1);
        CHECK_THAT(mon.reason, Catch::Contains("cmirrord is not running"));
    }
    SECTION("stop")
    {
        auto stop = h.run("stop");
        INFO(stop.err);
        CHECK(stop.rc == 0);
        CHECK(h.calls("vgchange") == std::vector<std::string>{"vgchange -aln vgcl"});  // local, never cluster-wide
        CHECK(FakeHost::eventually([&] { return !h.alive(*clvmd) && !h.alive(*cmirrord); }));
        CHECK_FALSE(fs::exists(h.path("sys/kernel/dlm/clvmd")));
        CHECK_FALSE(h.lv_active("vgcl-lvgfs"));
        CHECK(h.run("monitor", kRecurring).rc == 7);
    }
}

TEST_CASE("clvmd refusals: not clustered, cannot start, lvmlockd already running", "[clvm-process]")
{
    Host h("clvmd-good");
    h.param("lock_manager", "clvmd");
    h.start_dlm();
    SECTION("a VG that is not clustered")
    {
        h.knob("lvm.metadata", "vgcl U1 none lvgfs L1\n");
        auto start = h.run("start");
        CHECK(start.rc == 6);
        CHECK_THAT(start.reason, Catch::Contains("vgcl is not clustered"));
    }
    SECTION("clvmd cannot start")
    {
        h.knob("clvmd.fail-start");
        auto start = h.run("start");
        CHECK(start.rc == 1);
        CHECK_THAT(start.reason, Catch::Contains("could not connect to cluster manager"));
    }
    SECTION("lvmlockd runs")
    {
        REQUIRE(h.tool({"lvmlockd", "-p", h.path("run/lvmlockd.pid")}).ok());
        REQUIRE(FakeHost::eventually([&] { return h.lvmlockd().has_value(); }));
        auto start = h.run("start");
        CHECK(start.rc == 1);
        CHECK_THAT(start.reason, Catch::Contains("must not run together"));
    }
}
