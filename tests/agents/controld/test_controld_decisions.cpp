// controld's decisions through the dispatcher with scripted tool results (FakeRunner) and a
// stub cluster: which programs run, and what each state answers. A fake dlm_controld process
// (tests/fake-tools/dlmlvm) stands in for the daemon where one must be alive.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "controld_agent.h"
#include "fake_host.h"
#include "ocfkit/agent.h"

using namespace ocfkit;
using dlmlvm_test::FakeHost;

namespace {

std::string read_data(const std::string& rel)
{
    std::ifstream in(dlmlvm_test::env_or("OCFKIT_TEST_DATA", "tests/data") + "/" + rel);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

class StubCluster final : public ClusterAccess {
public:
    std::optional<bool> fencing;
    bool is_pacemaker = true;
    int fencing_queries = 0;
    bool pacemaker() const override { return is_pacemaker; }
    std::string local_node() override { return "node1"; }
    std::optional<long long> promotion_score() override { return std::nullopt; }
    void set_promotion_score(long long) override {}
    void clear_promotion_score() override {}
    std::optional<std::string> node_attribute(std::string_view, AttrLifetime) override { return std::nullopt; }
    void set_node_attribute(std::string_view, std::string_view, AttrLifetime) override {}
    std::optional<bool> fencing_enabled() override
    {
        ++fencing_queries;
        return fencing;
    }
    std::optional<parse::CrmMon> status() override { return std::nullopt; }
};

struct Result {
    int rc;
    std::string reason;
    std::string log;
};

Result act(const std::string& action, const FakeHost& host, FakeRunner& runner, StubCluster& cluster,
           std::map<std::string, std::string> extra = {})
{
    MapEnv env;
    env.set("PATH", dlmlvm_test::env_or("OCFKIT_SOURCE_ROOT", ".") + "/tests/fake-tools/dlmlvm:/usr/sbin:/usr/bin");
    env.set("OCFKIT_HOST_ROOT", host.root());
    env.set("OCF_RESKEY_CRM_meta_timeout", "20000");
    for (auto& [k, v] : extra) env.set(k, v);
    std::string sink;
    Logger log = Logger::to_string(&sink);
    std::FILE* err = std::tmpfile();
    controld::ControldAgent agent;
    int rc = dispatch(agent, action, env, runner, log, &cluster, DispatchIo{stdout, err});
    std::rewind(err);
    std::string text;
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, err)) text.append(buf, n);
    std::fclose(err);
    std::string reason;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);)
        if (line.rfind("ocf-exit-reason:", 0) == 0) reason = line.substr(16);
    return {rc, reason, sink};
}

std::string exe() { return dlmlvm_test::env_or("OCFKIT_BUILD_ROOT", ".") + "/agents/controld/controld"; }

void start_fake_daemon(FakeHost& host)
{
    REQUIRE(host.tool({"dlm_controld"}).ok());
    REQUIRE(FakeHost::eventually([&] { return std::filesystem::exists(host.fake("dlm_controld.ready")); }));
}

}  // namespace

TEST_CASE("monitor of a stopped daemon runs no program", "[controld-decisions]")
{
    FakeHost host(exe());
    FakeRunner runner;
    StubCluster cluster;
    auto r = act("monitor", host, runner, cluster, {{"OCF_RESKEY_CRM_meta_interval", "10000"}});
    CHECK(r.rc == 7);
    CHECK(runner.calls().empty());
    CHECK(cluster.fencing_queries == 0);
}

TEST_CASE("monitor of a running daemon runs exactly one program", "[controld-decisions]")
{
    FakeHost host(exe());
    start_fake_daemon(host);
    StubCluster cluster;

    SECTION("steady")
    {
        FakeRunner runner;
        runner.expect({"dlm_tool", "status", "-v"},
                      FakeRunner::exited(0, read_data("dlm/two-node-steady/dlm_tool-status-verbose.txt")));
        auto r = act("monitor", host, runner, cluster, {{"OCF_RESKEY_CRM_meta_interval", "10000"}});
        CHECK(r.rc == 0);
        CHECK(runner.call_lines() == std::vector<std::string>{"dlm_tool status -v"});
    }
    SECTION("stuck in wait fencing")
    {
        FakeRunner runner;
        runner.expect({"dlm_tool"}, FakeRunner::exited(0, read_data("dlm/wait-fencing-stuck/dlm_tool-status-verbose.txt")));
        auto r = act("monitor", host, runner, cluster, {{"OCF_RESKEY_CRM_meta_interval", "10000"}});
        CHECK(r.rc == 1);
        CHECK_THAT(r.reason, Catch::Contains("stuck in wait fencing for node 2"));
        CHECK(runner.calls().size() == 1);
    }
    SECTION("stateful merge")
    {
        FakeRunner runner;
        runner.expect({"dlm_tool"}, FakeRunner::exited(0, read_data("dlm/stateful-merge/dlm_tool-status-verbose.txt")));
        auto r = act("monitor", host, runner, cluster, {{"OCF_RESKEY_CRM_meta_interval", "10000"}});
        CHECK(r.rc == 1);
        CHECK_THAT(r.reason, Catch::Contains("stateful merge"));
    }
    SECTION("daemon alive but its socket does not answer")
    {
        FakeRunner runner;
        runner.expect({"dlm_tool"}, FakeRunner::exited(0, "cannot connect to dlm_controld\n"));
        auto r = act("monitor", host, runner, cluster, {{"OCF_RESKEY_CRM_meta_interval", "10000"}});
        CHECK(r.rc == 1);
        CHECK_THAT(r.reason, Catch::Contains("runs but does not answer") && Catch::Contains("cannot connect"));
    }
    SECTION("dlm_tool hangs")
    {
        FakeRunner runner;
        runner.expect({"dlm_tool"}, FakeRunner::timed_out());
        auto r = act("monitor", host, runner, cluster, {{"OCF_RESKEY_CRM_meta_interval", "10000"}});
        CHECK(r.rc == 1);
        CHECK_THAT(r.reason, Catch::Contains("got no answer"));
    }
    SECTION("garbled output")
    {
        FakeRunner runner;
        runner.expect({"dlm_tool"}, FakeRunner::exited(0, "our_nodeid 1\n    what is this\n"));
        auto r = act("monitor", host, runner, cluster, {{"OCF_RESKEY_CRM_meta_interval", "10000"}});
        CHECK(r.rc == 1);
        CHECK_THAT(r.reason, Catch::Contains("line 2"));
    }
}

TEST_CASE("start refuses while fencing is disabled", "[controld-decisions]")
{
    FakeHost host(exe());
    FakeRunner runner;
    StubCluster cluster;
    cluster.fencing = false;
    auto r = act("start", host, runner, cluster);
    CHECK(r.rc == 6);
    CHECK_THAT(r.reason, Catch::Contains("stonith-enabled=false") && Catch::Contains("allow_fencing_disabled"));
    CHECK(runner.calls().empty());  // nothing was started

    SECTION("unknown fencing state is not taken as enabled")
    {
        cluster.fencing = std::nullopt;
        auto u = act("start", host, runner, cluster);
        CHECK(u.rc == 1);
        CHECK_THAT(u.reason, Catch::Contains("stonith-enabled"));
        CHECK(runner.calls().empty());
    }
    SECTION("allowed, also through the deprecated alias")
    {
        for (const char* name : {"OCF_RESKEY_allow_fencing_disabled", "OCF_RESKEY_allow_stonith_disabled"}) {
            FakeRunner r2;
            r2.expect({"dlm_controld"}, FakeRunner::exited(1, "", "fake: refusing"));
            auto a = act("start", host, r2, cluster, {{name, "true"}});
            // it went on to launch the daemon (scripted to fail here)
            CHECK(a.rc == 1);
            CHECK_THAT(a.reason, Catch::Contains("dlm_controld -s 0"));
            CHECK_THAT(a.log, Catch::Contains("fencing disabled"));
        }
    }
}

TEST_CASE("start outside Pacemaker skips the fencing check", "[controld-decisions]")
{
    FakeHost host(exe());
    FakeRunner runner;
    StubCluster cluster;
    cluster.is_pacemaker = false;
    runner.expect({"dlm_controld"}, FakeRunner::exited(1, "", "no corosync"));
    auto r = act("start", host, runner, cluster);
    CHECK(r.rc == 1);
    CHECK(cluster.fencing_queries == 0);
    CHECK_THAT(r.reason, Catch::Contains("no corosync"));
}

TEST_CASE("start refuses with lockspaces left in the kernel", "[controld-decisions]")
{
    FakeHost host(exe());
    host.add_lockspace("gfs0", false);
    FakeRunner runner;
    StubCluster cluster;
    cluster.fencing = true;
    auto r = act("start", host, runner, cluster);
    CHECK(r.rc == 1);
    CHECK_THAT(r.reason, Catch::Contains("gfs0") && Catch::Contains("reboot"));
    CHECK(runner.calls().empty());
}

TEST_CASE("start loads the dlm module when configfs lacks it", "[controld-decisions]")
{
    FakeHost host(exe());
    std::filesystem::remove_all(host.path("sys/kernel/config/dlm"));
    StubCluster cluster;
    cluster.fencing = true;
    FakeRunner runner;
    runner.expect({"modprobe", "dlm"}, FakeRunner::exited(1, "", "modprobe: FATAL: Module dlm not found"));
    auto r = act("start", host, runner, cluster);
    CHECK(r.rc == 5);
    CHECK_THAT(r.reason, Catch::Contains("Module dlm not found"));
}

TEST_CASE("validate: clone shape and installation", "[controld-decisions]")
{
    FakeHost host(exe());
    FakeRunner runner;
    StubCluster cluster;
    auto u = act("validate-all", host, runner, cluster, {{"OCF_RESKEY_CRM_meta_globally_unique", "true"}});
    CHECK(u.rc == 6);
    auto missing = act("validate-all", host, runner, cluster, {{"OCF_RESKEY_daemon", "/nonexistent/dlm_controld"}});
    CHECK(missing.rc == 5);
    CHECK_THAT(missing.reason, Catch::Contains("parameter 'daemon'"));
    auto probe = act("monitor", host, runner, cluster,
                     {{"OCF_RESKEY_daemon", "/nonexistent/dlm_controld"}, {"OCF_RESKEY_CRM_meta_interval", "0"}});
    CHECK(probe.rc == 7);
    auto bad = act("validate-all", host, runner, cluster, {{"OCF_RESKEY_args", "-s 0; reboot"}});
    CHECK(bad.rc == 6);
    CHECK(runner.calls().empty());
}

TEST_CASE("stop without a daemon succeeds and runs nothing", "[controld-decisions]")
{
    FakeHost host(exe());
    FakeRunner runner;
    StubCluster cluster;
    CHECK(act("stop", host, runner, cluster).rc == 0);
    // even with broken parameters
    CHECK(act("stop", host, runner, cluster, {{"OCF_RESKEY_args", "`reboot`"}}).rc == 0);
    // lockspaces without a daemon: reported, not an error stop could fix
    host.add_lockspace("lvm_global", false);
    auto r = act("stop", host, runner, cluster);
    CHECK(r.rc == 0);
    CHECK_THAT(r.log, Catch::Contains("lvm_global"));
    CHECK(runner.calls().empty());
}
