// gfs2fs decisions through the real dispatcher with scripted tools (replaying tests/data/gfs2
// captures), a scripted cluster and stand-ins for /dev and /proc lookups.
#include <sys/sysmacros.h>

#include "catch.h"
#include <map>

#include "agent_run.h"
#include "fixture.h"
#include "gfs2fs_agent.h"

using namespace ocfkit;
using namespace ocfkit::gfs2fs;
using Run = ocfkit::test::ActionRun;

namespace {

std::string fixture(const std::string& name) { return test::read_fixture("gfs2/" + name); }

struct Fixture {
    MapEnv env;
    FakeRunner runner;
    test::StubCluster cluster;
    bool dlm_running = true;
    bool kernel_has_gfs2 = true;
    bool device_present = true;
    int resolves = 0;
    // The answer of each tool, by program name; registered with the runner at the first run.
    std::map<std::string, CommandResult> answer;
    bool scripted = false;

    Fixture()
    {
        env.set("OCF_RESOURCE_INSTANCE", "sharedfs");
        env.set("OCF_RESKEY_device", "/dev/vg0/lv0");
        env.set("OCF_RESKEY_directory", "/run/ocfkit-test-gfs2fs-never-created/vm");
        env.set("OCF_RESKEY_CRM_meta_clone", "0");
        env.set("OCF_RESKEY_CRM_meta_clone_max", "2");
        answer["tunegfs2"] = FakeRunner::exited(0, fixture("tunegfs2-l-two-node-steady.txt"));
        answer["gfs2_edit"] = FakeRunner::exited(0, fixture("jindex-2.txt"));
        answer["corosync-cmapctl"] = FakeRunner::exited(0, fixture("cmapctl-cluster-name-two-node-steady.txt"));
    }

    SystemHooks hooks()
    {
        SystemHooks h;
        h.resolve = [this](const DeviceSpec& d) {
            ++resolves;
            Resolved r;
            if (!device_present) {
                r.error = ENOENT;
                return r;
            }
            r.path = d.value;
            r.block = true;
            r.rdev = makedev(253, 3);
            return r;
        };
        h.fstype_support = [this](std::string_view t) -> std::optional<std::string> {
            if (t == "gfs2" && !kernel_has_gfs2) return std::nullopt;
            return std::string("scripted");
        };
        h.dlm_controld_running = [this] { return dlm_running; };
        return h;
    }

    Run run(std::string_view action)
    {
        if (!scripted) {
            for (const auto& [program, result] : answer) runner.expect({program}, result);
            scripted = true;
        }
        Gfs2fsAgent agent(hooks());
        return test::run_action(agent, action, env, runner, &cluster);
    }
};

}  // namespace

TEST_CASE("validate-all level 10 of a healthy GFS2 clone runs exactly the three tools", "[gfs2fs-decisions]")
{
    Fixture f;
    f.env.set("OCF_CHECK_LEVEL", "10");
    Run r = f.run("validate-all");
    INFO(r.reason << r.logs);
    CHECK(r.code == 0);
    CHECK(f.runner.call_lines() == std::vector<std::string>{"tunegfs2 -l /dev/vg0/lv0", "gfs2_edit -p jindex /dev/vg0/lv0",
                                                            "corosync-cmapctl -g totem.cluster_name"});
    CHECK(f.cluster.fencing_asked == 1);
}

TEST_CASE("validate-all level 0 and monitors run no program at all", "[gfs2fs-decisions]")
{
    Fixture f;
    Run r = f.run("validate-all");
    CHECK(r.code == 0);
    f.env.set("OCF_CHECK_LEVEL", "0");
    f.env.set("OCF_RESKEY_CRM_meta_interval", "20000");
    r = f.run("monitor");
    CHECK(r.code == 7);  // the directory is not mounted on this host
    f.env.set("OCF_RESKEY_CRM_meta_interval", "0");
    r = f.run("monitor");
    CHECK(r.code == 7);
    CHECK(f.runner.calls().empty());
    CHECK(f.cluster.fencing_asked == 0);
}

TEST_CASE("GFS2 checks: each failure has its code and reason", "[gfs2fs-decisions]")
{
    Fixture f;
    f.env.set("OCF_CHECK_LEVEL", "10");

    SECTION("more clone instances than journals")
    {
        f.env.set("OCF_RESKEY_CRM_meta_clone_max", "3");
        Run r = f.run("validate-all");
        // Counted on this node's device: 5, not 6 (which stops the clone on every node).
        CHECK(r.code == 5);
        CHECK_THAT(r.reason, Catch::Contains("2 journal(s)") && Catch::Contains("clone-max=3"));
    }
    SECTION("three journals: clone-max 3 passes, clone-max 4 is refused")
    {
        f.answer["gfs2_edit"] = FakeRunner::exited(0, fixture("jindex-3.txt"));
        f.env.set("OCF_RESKEY_CRM_meta_clone_max", "3");
        CHECK(f.run("validate-all").code == 0);
        f.env.set("OCF_RESKEY_CRM_meta_clone_max", "4");
        Run r = f.run("validate-all");
        CHECK(r.code == 5);
        CHECK_THAT(r.reason, Catch::Contains("3 journal(s)") && Catch::Contains("clone-max=4") &&
                                 Catch::Contains("gfs2_jadd -j 1"));
        // The run's device path as long as the field run's: the cluster still shows the count and the fix.
        f.env.set("OCF_RESKEY_device", "/dev/vgsan/gfs2lv");
        Run field = f.run("validate-all");
        CHECK(field.reason_line == "only 3 journal(s) for clone-max=4: add 1 with gfs2_jadd -j 1 where /dev/vgsan/gfs2lv "
                                   "is mounted, or lower clone-max");
    }
    SECTION("a third node's start with two journals is refused before any mount")
    {
        f.env.unset("OCF_CHECK_LEVEL");  // start validates at level 10 whatever the level
        f.env.set("OCF_RESKEY_CRM_meta_clone_max", "3");
        Run r = f.run("start");
        CHECK(r.code == 5);  // this node only: the instances already mounted elsewhere stay
        CHECK_THAT(r.reason, Catch::Contains("2 journal(s)") && Catch::Contains("clone-max=3"));
        for (const auto& line : f.runner.call_lines()) CHECK(line.rfind("mount", 0) != 0);
    }
    SECTION("a hundred journals are plenty for 16 nodes")
    {
        f.env.set("OCF_RESKEY_CRM_meta_clone_max", "16");
        f.answer["gfs2_edit"] = FakeRunner::exited(0, fixture("jindex-100-exhash.txt"));
        CHECK(f.run("validate-all").code == 0);
    }
    SECTION("a primitive needs no journal count")
    {
        f.env.unset("OCF_RESKEY_CRM_meta_clone");
        f.env.unset("OCF_RESKEY_CRM_meta_clone_max");
        CHECK(f.run("validate-all").code == 0);
        CHECK(f.runner.count("gfs2_edit") == 0);
    }
    SECTION("locktable= in options overrides the superblock")
    {
        f.env.set("OCF_RESKEY_options", "locktable=prod:gfs0");
        Run r = f.run("validate-all");
        CHECK(r.code == 6);
        CHECK_THAT(r.reason, Catch::Contains("'prod:gfs0'"));
    }
    SECTION("lock_nolock superblock as a primitive: no DLM checks")
    {
        f.env.unset("OCF_RESKEY_CRM_meta_clone");
        f.env.unset("OCF_RESKEY_CRM_meta_clone_max");
        f.dlm_running = false;
        f.answer["tunegfs2"] = FakeRunner::exited(0, fixture("tunegfs2-l-nolock.txt"));
        CHECK(f.run("validate-all").code == 0);
        CHECK(f.runner.count("corosync-cmapctl") == 0);
    }
    SECTION("lockproto=lock_dlm in options beats a lock_nolock superblock")
    {
        f.env.set("OCF_RESKEY_options", "lockproto=lock_dlm,locktable=hacl:x");
        f.answer["tunegfs2"] = FakeRunner::exited(0, fixture("tunegfs2-l-nolock.txt"));
        CHECK(f.run("validate-all").code == 0);
    }
    SECTION("fencing disabled")
    {
        f.cluster.fencing = false;
        Run r = f.run("validate-all");
        CHECK(r.code == 6);
        CHECK_THAT(r.reason, Catch::Contains("stonith-enabled=false"));
        CHECK_THAT(r.reason_line, Catch::Contains("configure a fence device and enable stonith"));
    }
    SECTION("fencing unknown under Pacemaker")
    {
        f.cluster.fencing = std::nullopt;
        CHECK(f.run("validate-all").code == 1);
    }
    SECTION("fencing unknown without Pacemaker: a warning")
    {
        f.cluster.fencing = std::nullopt;
        f.cluster.under_pacemaker = false;
        Run r = f.run("validate-all");
        CHECK(r.code == 0);
        CHECK_THAT(r.logs, Catch::Contains("cannot check that fencing is enabled"));
    }
    SECTION("dlm_controld not running")
    {
        f.dlm_running = false;
        Run r = f.run("validate-all");
        CHECK(r.code == 1);
        CHECK_THAT(r.reason, Catch::Contains("dlm_controld is not running"));
    }
    SECTION("device not present here")
    {
        f.device_present = false;
        Run r = f.run("validate-all");
        CHECK(r.code == 5);
        CHECK(f.runner.calls().empty());
    }
    SECTION("the kernel lacks gfs2: all cluster checks first, then 5")
    {
        f.kernel_has_gfs2 = false;
        Run r = f.run("validate-all");
        CHECK(r.code == 5);
        CHECK_THAT(r.reason, Catch::Contains("does not support gfs2"));
        CHECK(f.runner.calls().size() == 3);
    }
}

TEST_CASE("GFS2 checks: each tool answer has its code and reason", "[gfs2fs-decisions]")
{
    struct Case {
        const char* what;
        const char* program;
        CommandResult answer;
        int code;
        std::vector<std::string> reason;  // each must be in the exit reason
    };
    // What was read from this node's device is this node's finding: 5; 6 only for what is wrong
    // on every node.
    const Case cases[] = {
        {"lock table of another cluster", "corosync-cmapctl", FakeRunner::exited(0, "totem.cluster_name (str) = prod\n"), 5,
         {"names cluster 'hacl', not corosync's 'prod'", "tunegfs2 -o locktable=prod:gfs0"}},
        {"lock_nolock superblock on a clone", "tunegfs2", FakeRunner::exited(0, fixture("tunegfs2-l-nolock.txt")), 5,
         {"lock_nolock", "superblock"}},
        {"the device holds no GFS2", "tunegfs2", FakeRunner::exited(74, "", fixture("tunegfs2-l-ext4.txt")), 5,
         {"no GFS2"}},
        {"corosync not running", "corosync-cmapctl", FakeRunner::exited(1, fixture("cmapctl-not-running.txt")), 1,
         {"corosync"}},
        {"tunegfs2 hangs", "tunegfs2", FakeRunner::timed_out(), 1, {"tunegfs2", "timed out"}},
        {"the jindex cannot be read", "gfs2_edit", FakeRunner::exited(1, "I don't know what 'jindex' means.\n"), 1,
         {"jindex"}},
        {"corosync-cmapctl not installed", "corosync-cmapctl", FakeRunner::not_found(), 5, {"corosync-cmapctl"}},
        {"tunegfs2 not installed", "tunegfs2", FakeRunner::not_found(), 5, {"tunegfs2"}},
    };
    for (const auto& c : cases) {
        Fixture f;
        f.env.set("OCF_CHECK_LEVEL", "10");
        f.answer[c.program] = c.answer;
        Run r = f.run("validate-all");
        INFO(c.what << ": " << r.reason);
        CHECK(r.code == c.code);
        for (const auto& part : c.reason) CHECK_THAT(r.reason, Catch::Contains(part));
    }
}

TEST_CASE("lock_nolock on a clone: the line the cluster shows says what to do", "[gfs2fs-decisions]")
{
    Fixture f;
    f.env.set("OCF_CHECK_LEVEL", "10");
    f.env.set("OCF_RESKEY_device", "/dev/vgsan/gfs2lv");
    f.answer["tunegfs2"] = FakeRunner::exited(0, fixture("tunegfs2-l-nolock.txt"));
    Run r = f.run("validate-all");
    CHECK(r.code == 5);
    CHECK_THAT(r.reason, Catch::EndsWith("(tunegfs2 -o lockproto=lock_dlm while unmounted everywhere)"));
    CHECK_THAT(r.reason_line, Catch::StartsWith("/dev/vgsan/gfs2lv uses lock_nolock") &&
                                  Catch::Contains("a clone corrupts it: make it lock_dlm"));
}

TEST_CASE("a lock table of another cluster: the line the cluster shows has the fix", "[gfs2fs-decisions]")
{
    Fixture f;
    f.env.set("OCF_CHECK_LEVEL", "10");
    f.answer["corosync-cmapctl"] = FakeRunner::exited(0, "totem.cluster_name (str) = prod\n");
    Run r = f.run("validate-all");
    CHECK(r.code == 5);
    CHECK_THAT(r.reason, Catch::Contains("(DLM would refuse the mount)"));
    CHECK_THAT(r.reason_line, Catch::StartsWith("lock table 'hacl:gfs0' of /dev/") &&
                                  Catch::Contains("names cluster 'hacl', not corosync's 'prod': tunegfs2 -o "
                                                  "locktable=prod:gfs0"));
}

TEST_CASE("a probe where the device is missing reports not running", "[gfs2fs-decisions]")
{
    Fixture f;
    f.device_present = false;
    f.env.set("OCF_RESKEY_CRM_meta_interval", "0");
    CHECK(f.run("monitor").code == 7);
    CHECK(f.runner.calls().empty());
}

TEST_CASE("configuration errors come before any system access", "[gfs2fs-decisions]")
{
    struct Case {
        const char* param;
        const char* value;
        const char* action;
        const char* reason;
    };
    const Case cases[] = {
        {"options", "lockproto=lock_nolock", "start", "'options'"},  // lock_nolock on a clone
        {"fstype", "xfs", "monitor", "force_clones"},                 // a local file system as a clone
        {"run_fsck", "force", "start", "'run_fsck'"},                 // on a cluster file system
        {"kill_signal", "SIGSTOP", "start", "kill_signal"},
        // Real-time numbers once passed, and the first busy stop then died formatting their name.
        {"term_signal", "40", "validate-all", "parameter 'term_signal': 40 is a real-time signal"},
        {"kill_signal", "64", "monitor", "parameter 'kill_signal': 64 is a real-time signal"},
        {"term_signal", "21", "start", "SIGTTIN stops a process"},
        {"kill_signal", "SIGTTOU", "validate-all", "SIGTTOU stops a process"},
        {"term_signal", "WINCH", "validate-all", "SIGWINCH is ignored"},
        {"device", "/run/ocfkit-test-gfs2fs-never-created/vm/", "validate-all", "are the same path"},
    };
    for (const auto& c : cases) {
        Fixture f;
        f.env.set("OCF_CHECK_LEVEL", "10");
        f.env.set(std::string("OCF_RESKEY_") + c.param, c.value);
        Run r = f.run(c.action);
        INFO(c.param << "=" << c.value << " " << c.action << ": " << r.reason);
        CHECK(r.code == 6);
        CHECK_THAT(r.reason, Catch::Contains(c.reason));
        CHECK(f.runner.calls().empty());
        CHECK(f.resolves == 0);
    }
}

TEST_CASE("stop needs no valid configuration and touches nothing when nothing is mounted", "[gfs2fs-decisions]")
{
    Fixture f;
    f.env.set("OCF_RESKEY_term_signal", "NOPE");
    f.env.set("OCF_RESKEY_options", "a;b");
    CHECK(f.run("stop").code == 0);
    f.env.unset("OCF_RESKEY_directory");
    CHECK(f.run("stop").code == 0);
    f.env.set("OCF_RESKEY_directory", "relative/dir");
    CHECK(f.run("stop").code == 0);
    CHECK(f.runner.calls().empty());
}

TEST_CASE("meta-data documents every parameter and is the 1.0 dialect by default", "[gfs2fs-decisions]")
{
    Fixture f;
    Run r = f.run("meta-data");
    CHECK(r.code == 0);
    const std::string& xml = r.out;
    for (const char* p : {"device", "directory", "fstype", "options", "force_unmount", "term_signal", "kill_signal",
                          "signal_delay", "fast_stop", "statusfile_prefix", "force_clones", "run_fsck"})
        CHECK_THAT(xml, Catch::Contains(std::string("<parameter name=\"") + p + "\""));
    CHECK_THAT(xml, Catch::Contains("ra-api-1.dtd"));
    CHECK_THAT(xml, Catch::Contains("default=\"gfs2\""));
}

TEST_CASE("reload-agent validates and leaves the mount alone", "[gfs2fs-decisions]")
{
    Fixture f;
    f.env.set("OCF_RESKEY_signal_delay", "9");
    CHECK(f.run("reload-agent").code == 0);
    f.env.set("OCF_RESKEY_signal_delay", "-1");
    CHECK(f.run("reload-agent").code == 6);
    CHECK(f.runner.calls().empty());

    Fixture g;
    g.env.set("OCF_RA_VERSION_MAJOR", "1");
    g.env.set("OCF_RA_VERSION_MINOR", "1");
    Run m = g.run("meta-data");
    CHECK(m.code == 0);
    const std::string& xml = m.out;
    CHECK_THAT(xml, Catch::Contains("<action name=\"reload-agent\""));
    CHECK_THAT(xml, Catch::Contains("<parameter name=\"signal_delay\" required=\"0\" reloadable=\"1\">"));
    CHECK_THAT(xml, !Catch::Contains("<parameter name=\"device\" required=\"1\" reloadable"));
}
