// The dispatcher's order and codes, driven in process with the test agent.
#include <unistd.h>

#include "catch.h"
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "../testagent/test_agent.h"
#include "agent_run.h"
#include "ocfkit/process_runner.h"

using namespace ocfkit;

namespace {

using Run = test::ActionRun;

struct Fixture {
    std::filesystem::path dir;
    MapEnv env;
    FakeRunner runner;

    Fixture()
    {
        char tmpl[] = "/tmp/ocfkit-dispatch-XXXXXX";
        dir = mkdtemp(tmpl);
        env.set("OCF_RESKEY_state", (dir / "state").string());
        env.set("OCF_RESOURCE_INSTANCE", "t1");
        env.set("OCFKIT_CLUSTER", "standalone");
        runner.expect({"true"}, FakeRunner::exited(0));
    }
    ~Fixture() { std::filesystem::remove_all(dir); }

    Run run(std::string_view action)
    {
        testagent::TestAgent agent;
        return test::run_action(agent, action, env, runner);
    }
};

}  // namespace

TEST_CASE("meta-data needs no parameters and always succeeds", "[dispatch]")
{
    Fixture f;
    f.env.unset("OCF_RESKEY_state");
    Run r = f.run("meta-data");
    CHECK(r.code == 0);
    CHECK_THAT(r.out, Catch::Contains("<resource-agent name=\"ocfkit-test\""));
    CHECK(f.runner.calls().empty());
}

TEST_CASE("meta-data dialect follows the executor's OCF version", "[dispatch]")
{
    Fixture f;
    CHECK_THAT(f.run("meta-data").out, Catch::Contains("ra-api-1.dtd"));
    f.env.set("OCF_RA_VERSION_MAJOR", "1");
    f.env.set("OCF_RA_VERSION_MINOR", "1");
    CHECK_THAT(f.run("meta-data").out, Catch::Contains("reload-agent"));
}

TEST_CASE("an unknown action is 3 with a reason", "[dispatch]")
{
    Fixture f;
    Run r = f.run("frobnicate");
    CHECK(r.code == 3);
    CHECK(r.err == "ocf-exit-reason:action 'frobnicate' is not supported by ocfkit-test\n");
}

TEST_CASE("the exit reason prefix follows OCF_EXIT_REASON_PREFIX", "[dispatch]")
{
    Fixture f;
    f.env.set("OCF_EXIT_REASON_PREFIX", "why: ");
    CHECK(f.run("frobnicate").err == "why: action 'frobnicate' is not supported by ocfkit-test\n");
}

TEST_CASE("bad parameters are 6 for every action but stop", "[dispatch]")
{
    Fixture f;
    f.env.set("OCF_RESKEY_state", "relative");
    for (const char* action : {"start", "monitor", "validate-all", "promote"}) {
        Run r = f.run(action);
        CHECK(r.code == 6);
        CHECK_THAT(r.err, Catch::StartsWith("ocf-exit-reason:parameter 'state'"));
    }
    CHECK(f.run("stop").code == 0);
    f.env.unset("OCF_RESKEY_state");
    CHECK(f.run("stop").code == 0);
    CHECK(f.run("start").code == 6);
}

TEST_CASE("lifecycle: monitor 7, start, monitor 0, promote, monitor 8, stop twice", "[dispatch]")
{
    Fixture f;
    f.env.set("OCF_RESKEY_mode", "promotable");
    f.env.set("OCF_RESKEY_CRM_meta_interval", "10000");
    CHECK(f.run("monitor").code == 7);
    CHECK(f.run("start").code == 0);
    CHECK(f.run("start").code == 0);
    CHECK(f.run("monitor").code == 0);
    CHECK(f.run("promote").code == 0);
    CHECK(f.run("monitor").code == 8);
    CHECK(f.run("demote").code == 0);
    CHECK(f.run("monitor").code == 0);
    CHECK(f.run("stop").code == 0);
    CHECK(f.run("stop").code == 0);
    CHECK(f.run("monitor").code == 7);
}

TEST_CASE("validation runs before start but not before stop", "[dispatch]")
{
    Fixture f;
    f.env.set("OCF_RESKEY_helper", "no-such-helper");
    Run start = f.run("start");
    CHECK(start.code == 5);
    CHECK_THAT(start.err, Catch::Contains("'no-such-helper' could not be started"));
    CHECK(f.run("stop").code == 0);
}

TEST_CASE("a probe where the agent cannot be installed reports not running", "[dispatch]")
{
    Fixture f;
    f.env.set("OCF_RESKEY_helper", "no-such-helper");
    f.env.set("OCF_RESKEY_CRM_meta_interval", "0");
    f.env.set("OCF_CHECK_LEVEL", "10");
    CHECK(f.run("monitor").code == 7);
    // A recurring monitor is no probe: the missing program is reported as such.
    f.env.set("OCF_RESKEY_CRM_meta_interval", "10000");
    CHECK(f.run("monitor").code == 5);
}

TEST_CASE("a Failure's code and reason reach the caller; the reason is the last stderr line", "[dispatch]")
{
    Fixture f;
    Run r = f.run("promote");  // mode=plain
    CHECK(r.code == 6);
    CHECK(r.err == "ocf-exit-reason:parameter 'mode': promote needs mode=promotable\n");
}

TEST_CASE("a long reason: the line fits what Pacemaker keeps, the caller and the log get it whole", "[dispatch]")
{
    Fixture f;
    std::string action = "frobnicate";
    for (int i = 0; i < 20; ++i) action += "-again" + std::to_string(i);
    const std::string full = "action '" + action + "' is not supported by ocfkit-test";
    REQUIRE(full.size() > kExitReasonMax);
    Run r = f.run(action);
    CHECK(r.code == 3);
    CHECK(r.reason == full);
    CHECK(r.reason_line == fit_exit_reason(full));
    CHECK(r.reason_line.size() <= kExitReasonMax);
    CHECK(r.err == "ocf-exit-reason:" + r.reason_line + "\n");
    CHECK_THAT(r.logs, Catch::Contains("ERROR: " + action + " failed: " + full + " (OCF_ERR_UNIMPLEMENTED)"));
    CHECK(test::full_exit_reason(r.logs + r.err) == full);
}

TEST_CASE("as a process: the fitted line is the last exit reason, after the whole one in the log line", "[dispatch]")
{
    const char* build = std::getenv("OCFKIT_BUILD_ROOT");
    REQUIRE(build);
    std::string action = "frobnicate";
    for (int i = 0; i < 20; ++i) action += "-again" + std::to_string(i);
    const std::string full = "action '" + action + "' is not supported by ocfkit-test";
    CommandSpec c;
    c.argv = {std::string(build) + "/tests/testagent/ocfkit-test", action};
    c.env = {{"OCFKIT_CLUSTER", "standalone"}, {"OCF_ROOT", "/usr/lib/ocf"}};
    c.timeout = std::chrono::seconds(30);
    auto runner = make_process_runner();
    CommandResult res = runner->run(c, Deadline::after(std::chrono::seconds(40)));
    REQUIRE(res.status == CommandResult::Status::Exited);
    CHECK(res.exit_code == 3);
    // Pacemaker's reading: the text after the last "ocf-exit-reason:" anywhere, to the line's end.
    auto at = res.err.rfind("ocf-exit-reason:");
    REQUIRE(at != std::string::npos);
    std::string shown = res.err.substr(at + 16, res.err.find('\n', at) - at - 16);
    CHECK(shown == fit_exit_reason(full));
    CHECK(shown.size() <= kExitReasonMax);
    CHECK(res.err.find("ERROR: " + action + " failed: " + full + " (OCF_ERR_UNIMPLEMENTED)\n") < at);
    CHECK(test::full_exit_reason(res.err) == full);
}

TEST_CASE("deprecated names warn and still work", "[dispatch]")
{
    Fixture f;
    f.env.set("OCF_RESKEY_old_message", "hi");
    Run r = f.run("start");
    CHECK(r.code == 0);
    CHECK_THAT(r.logs, Catch::Contains("parameter 'old_message' is deprecated; use 'message'"));
}

TEST_CASE("reload-agent and its legacy name reach the agent", "[dispatch]")
{
    Fixture f;
    CHECK(f.run("start").code == 0);
    CHECK(f.run("reload-agent").code == 0);
    CHECK(f.run("reload").code == 0);
}

TEST_CASE("commands are traced when debugging", "[dispatch]")
{
    Fixture f;
    Run r = f.run("start");
    CHECK_THAT(r.logs, Catch::Contains("ran true -> exit code 0"));
}
