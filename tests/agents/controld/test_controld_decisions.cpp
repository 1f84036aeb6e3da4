// controld's decisions through the dispatcher with scripted tool results (FakeRunner) and a
// stub cluster: which programs run, and what each state answers. A fake dlm_controld process
// (tests/fake-tools/dlmlvm) stands in for the daemon where one must be alive.
#include "catch.h"

#include "agent_run.h"
#include "controld_agent.h"
#include "fake_host.h"
#include "fixture.h"

using namespace ocfkit;
using dlmlvm_test::FakeHost;
using test::StubCluster;

namespace {

test::ActionRun act(const std::string& action, const FakeHost& host, FakeRunner& runner, StubCluster& cluster,
                    std::map<std::string, std::string> extra = {})
{
    MapEnv env;
    env.set("PATH", dlmlvm_test::env_or("OCFKIT_SOURCE_ROOT", ".") + "/tests/fake-tools/dlmlvm:/usr/sbin:/usr/bin");
    env.set("OCFKIT_HOST_ROOT", host.root());
    env.set("OCF_RESKEY_CRM_meta_timeout", "20000");
    for (auto& [k, v] : extra) env.set(k, v);
    controld::ControldAgent agent;
    return test::run_action(agent, action, env, runner, &cluster);
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
    CHECK(r.code == 7);
    CHECK(runner.calls().empty());
    CHECK(cluster.fencing_asked == 0);
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
                      FakeRunner::exited(0, test::read_fixture("dlm/two-node-steady/dlm_tool-status-verbose.txt")));
        auto r = act("monitor", host, runner, cluster, {{"OCF_RESKEY_CRM_meta_interval", "10000"}});
        CHECK(r.code == 0);
        CHECK(runner.call_lines() == std::vector<std::string>{"dlm_tool status -v"});
    }
    SECTION("each bad answer fails the monitor, saying what DLM answered")
    {
        struct Case {
            const char* what;
            CommandResult answer;
            std::vector<const char*> reason;  // each must be in the exit reason
        };
        const auto status = [](const char* state) {
            return FakeRunner::exited(0, test::read_fixture(std::string("dlm/") + state + "/dlm_tool-status-verbose.txt"));
        };
        const Case cases[] = {
            {"stuck in wait fencing", status("wait-fencing-stuck"), {"stuck in wait fencing for node 2"}},
            {"stateful merge", status("stateful-merge"), {"stateful merge"}},
            {"daemon alive but its socket does not answer", FakeRunner::exited(0, "cannot connect to dlm_controld\n"),
             {"runs but does not answer", "cannot connect"}},
            {"dlm_tool hangs", FakeRunner::timed_out(), {"got no answer"}},
            {"garbled output", FakeRunner::exited(0, "our_nodeid 1\n    what is this\n"), {"line 2"}},
        };
        for (const auto& c : cases) {
            FakeRunner runner;
            runner.expect({"dlm_tool"}, c.answer);
            auto r = act("monitor", host, runner, cluster, {{"OCF_RESKEY_CRM_meta_interval", "10000"}});
            INFO(c.what << ": " << r.reason);
            CHECK(r.code == 1);
            for (const char* part : c.reason) CHECK_THAT(r.reason, Catch::Contains(part));
            CHECK(runner.calls().size() == 1);
        }
    }
}

TEST_CASE("start refuses while fencing is disabled", "[controld-decisions]")
{
    FakeHost host(exe());
    FakeRunner runner;
    StubCluster cluster;
    cluster.fencing = false;
    auto r = act("start", host, runner, cluster);
    CHECK(r.code == 6);
    CHECK_THAT(r.reason, Catch::Contains("stonith-enabled=false") && Catch::Contains("allow_fencing_disabled"));
    // What the cluster shows (the fitted line) still says what to do.
    CHECK_THAT(r.reason_line, Catch::StartsWith("fencing is disabled") &&
                                  Catch::Contains("enable fencing (or allow_fencing_disabled=true on a test cluster)"));
    CHECK(runner.calls().empty());  // nothing was started

    SECTION("unknown fencing state is not taken as enabled")
    {
        cluster.fencing = std::nullopt;
        auto u = act("start", host, runner, cluster);
        CHECK(u.code == 1);
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
            CHECK(a.code == 1);
            CHECK_THAT(a.reason, Catch::Contains("dlm_controld -s 0"));
            CHECK_THAT(a.logs, Catch::Contains("fencing disabled"));
        }
    }
}

TEST_CASE("start outside Pacemaker skips the fencing check", "[controld-decisions]")
{
    FakeHost host(exe());
    FakeRunner runner;
    StubCluster cluster;
    cluster.under_pacemaker = false;
    runner.expect({"dlm_controld"}, FakeRunner::exited(1, "", "no corosync"));
    auto r = act("start", host, runner, cluster);
    CHECK(r.code == 1);
    CHECK(cluster.fencing_asked == 0);
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
    CHECK(r.code == 1);
    CHECK_THAT(r.reason, Catch::Contains("gfs0") && Catch::Contains("reboot"));
    CHECK_THAT(r.reason_line, Catch::Contains("gfs0") && Catch::Contains("or reboot this node"));
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
    CHECK(r.code == 5);
    CHECK_THAT(r.reason, Catch::Contains("Module dlm not found"));
}

TEST_CASE("validate: clone shape and installation", "[controld-decisions]")
{
    FakeHost host(exe());
    FakeRunner runner;
    StubCluster cluster;
    auto u = act("validate-all", host, runner, cluster, {{"OCF_RESKEY_CRM_meta_globally_unique", "true"}});
    CHECK(u.code == 6);
    auto missing = act("validate-all", host, runner, cluster, {{"OCF_RESKEY_daemon", "/nonexistent/dlm_controld"}});
    CHECK(missing.code == 5);
    CHECK_THAT(missing.reason, Catch::Contains("parameter 'daemon'"));
    auto probe = act("monitor", host, runner, cluster,
                     {{"OCF_RESKEY_daemon", "/nonexistent/dlm_controld"}, {"OCF_RESKEY_CRM_meta_interval", "0"}});
    CHECK(probe.code == 7);
    auto bad = act("validate-all", host, runner, cluster, {{"OCF_RESKEY_args", "-s 0; reboot"}});
    CHECK(bad.code == 6);
    CHECK(runner.calls().empty());
}

TEST_CASE("stop without a daemon succeeds and runs nothing", "[controld-decisions]")
{
    FakeHost host(exe());
    FakeRunner runner;
    StubCluster cluster;
    CHECK(act("stop", host, runner, cluster).code == 0);
    // even with broken parameters
    CHECK(act("stop", host, runner, cluster, {{"OCF_RESKEY_args", "`reboot`"}}).code == 0);
    // lockspaces without a daemon: reported, not an error stop could fix
    host.add_lockspace("lvm_global", false);
    auto r = act("stop", host, runner, cluster);
    CHECK(r.code == 0);
    CHECK_THAT(r.logs, Catch::Contains("lvm_global"));
    CHECK(runner.calls().empty());
}
