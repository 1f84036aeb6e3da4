// gfs2fs decisions through the real dispatcher with scripted tools (replaying tests/data/gfs2
// captures), a scripted cluster and stand-ins for /dev and /proc lookups.
#include <sys/sysmacros.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "gfs2fs_agent.h"

using namespace ocfkit;
using namespace ocfkit::gfs2fs;

namespace {

std::string fixture(const std::string& name)
{
    const char* dir = std::getenv("OCFKIT_TEST_DATA");
    std::ifstream in(std::string(dir ? dir : "tests/data") + "/gfs2/" + name);
    REQUIRE(in.good());
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string slurp(std::FILE* f)
{
    std::rewind(f);
    std::string s;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
    std::fclose(f);
    return s;
}

class ScriptedCluster final : public ClusterAccess {
public:
    std::optional<bool> fencing = true;
    bool under_pacemaker = true;
    int fencing_asked = 0;

    bool pacemaker() const override { return under_pacemaker; }
    std::string local_node() override { return "node1"; }
    std::optional<long long> promotion_score() override { return std::nullopt; }
    void set_promotion_score(long long) override {}
    void clear_promotion_score() override {}
    std::optional<std::string> node_attribute(std::string_view, AttrLifetime) override { return std::nullopt; }
    void set_node_attribute(std::string_view, std::string_view, AttrLifetime) override {}
    std::optional<bool> fencing_enabled() override
    {
        ++fencing_asked;
        return fencing;
    }
    std::optional<parse::CrmMon> status() override { return std::nullopt; }
};

struct Run {
    int code = 0;
    std::string reason;
    std::string logs;
};

struct Fixture {
    MapEnv env;
    FakeRunner runner;
    ScriptedCluster cluster;
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
        std::FILE* out = std::tmpfile();
        std::FILE* err = std::tmpfile();
        Run r;
        Logger log = Logger::to_string(&r.logs);
        r.code = dispatch(agent, action, env, runner, log, &cluster, {out, err});
        slurp(out);
        std::string e = slurp(err);
        auto pos = e.rfind("ocf-exit-reason:");
        if (pos != std::string::npos) r.reason = e.substr(pos + 16, e.find('\n', pos) - pos - 16);
        return r;
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
        CHECK(r.code == 6);
        CHECK_THAT(r.reason, Catch::Contains("2 journal(s)") && Catch::Contains("clone-max=3"));
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
    SECTION("lock table of another cluster")
    {
        f.answer["corosync-cmapctl"] = FakeRunner::exited(0, "totem.cluster_name (str) = prod\n");
        Run r = f.run("validate-all");
        CHECK(r.code == 6);
        CHECK_THAT(r.reason, Catch::Contains("names cluster 'hacl' but this is corosync cluster 'prod'"));
        CHECK_THAT(r.reason, Catch::Contains("tunegfs2 -o locktable=prod:gfs0"));
    }
    SECTION("locktable= in options overrides the superblock")
    {
        f.env.set("OCF_RESKEY_options", "locktable=prod:gfs0");
        Run r = f.run("validate-all");
        CHECK(r.code == 6);
        CHECK_THAT(r.reason, Catch::Contains("'prod:gfs0'"));
    }
    SECTION("lock_nolock superblock on a clone")
    {
        f.answer["tunegfs2"] = FakeRunner::exited(0, fixture("tunegfs2-l-nolock.txt"));
        Run r = f.run("validate-all");
        CHECK(r.code == 6);
        CHECK_THAT(r.reason, Catch::Contains("lock_nolock") && Catch::Contains("superblock"));
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
    SECTION("corosync not running")
    {
        f.answer["corosync-cmapctl"] = FakeRunner::exited(1, fixture("cmapctl-not-running.txt"));
        Run r = f.run("validate-all");
        CHECK(r.code == 1);
        CHECK_THAT(r.reason, Catch::Contains("corosync"));
    }
    SECTION("corosync-cmapctl not installed")
    {
        f.answer["corosync-cmapctl"] = FakeRunner::not_found();
        CHECK(f.run("validate-all").code == 5);
    }
    SECTION("tunegfs2 not installed")
    {
        f.answer["tunegfs2"] = FakeRunner::not_found();
        CHECK(f.run("validate-all").code == 5);
    }
    SECTION("the device holds no GFS2")
    {
        f.answer["tunegfs2"] = FakeRunner::exited(74, "", fixture("tunegfs2-l-ext4.txt"));
        Run r = f.run("validate-all");
        CHECK(r.code == 6);
        CHECK_THAT(r.reason, Catch::Contains("no GFS2"));
    }
    SECTION("tunegfs2 hangs")
    {
        f.answer["tunegfs2"] = FakeRunner::timed_out();
        CHECK(f.run("validate-all").code == 1);
    }
    SECTION("the jindex cannot be read")
    {
        f.answer["gfs2_edit"] = FakeRunner::exited(1, "I don't know what 'jindex' means.\n");
        CHECK(f.run("validate-all").code == 1);
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
    Fixture f;
    f.env.set("OCF_CHECK_LEVEL", "10");
    SECTION("lockproto=lock_nolock on a clone")
    {
        f.env.set("OCF_RESKEY_options", "lockproto=lock_nolock");
        Run r = f.run("start");
        CHECK(r.code == 6);
        CHECK_THAT(r.reason, Catch::Contains("'options'"));
    }
    SECTION("a local file system as a clone")
    {
        f.env.set("OCF_RESKEY_fstype", "xfs");
        Run r = f.run("monitor");
        CHECK(r.code == 6);
        CHECK_THAT(r.reason, Catch::Contains("force_clones"));
    }
    SECTION("run_fsck=force on a cluster file system")
    {
        f.env.set("OCF_RESKEY_run_fsck", "force");
        CHECK(f.run("start").code == 6);
    }
    SECTION("kill_signal STOP")
    {
        f.env.set("OCF_RESKEY_kill_signal", "SIGSTOP");
        Run r = f.run("start");
        CHECK(r.code == 6);
        CHECK_THAT(r.reason, Catch::Contains("kill_signal"));
    }
    SECTION("device equals directory")
    {
        f.env.set("OCF_RESKEY_device", "/run/ocfkit-test-gfs2fs-never-created/vm/");
        CHECK(f.run("validate-all").code == 6);
    }
    CHECK(f.runner.calls().empty());
    CHECK(f.resolves == 0);
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
    Gfs2fsAgent agent(f.hooks());
    std::FILE* out = std::tmpfile();
    Logger log;
    CHECK(dispatch(agent, "meta-data", f.env, f.runner, log, &f.cluster, {out, stderr}) == 0);
    std::string xml = slurp(out);
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
    Gfs2fsAgent agent(g.hooks());
    std::FILE* out = std::tmpfile();
    Logger log;
    CHECK(dispatch(agent, "meta-data", g.env, g.runner, log, &g.cluster, {out, stderr}) == 0);
    std::string xml = slurp(out);
    CHECK_THAT(xml, Catch::Contains("<action name=\"reload-agent\""));
    CHECK_THAT(xml, Catch::Contains("<parameter name=\"signal_delay\" required=\"0\" reloadable=\"1\">"));
    CHECK_THAT(xml, !Catch::Contains("<parameter name=\"device\" required=\"1\" reloadable"));
}
