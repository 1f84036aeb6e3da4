// Cluster access through crm_attribute/crm_mon, against scripted tool results.
#include "catch.h"

#include <fmt/format.h>

#include "fixture.h"
#include "ocfkit/cluster.h"

using namespace ocfkit;

namespace {

struct Fixture {
    FakeRunner runner;
    MapEnv env{{"OCF_RESOURCE_INSTANCE", "r0"}, {"OCF_RESKEY_CRM_meta_on_node", "node1"}};
    std::string logs;
    Logger log = Logger::to_string(&logs);
    Deadline deadline = Deadline::after(std::chrono::seconds(10));
    std::unique_ptr<ClusterAccess> cluster = make_pacemaker_cluster(runner, env, log, deadline);
};

}  // namespace

TEST_CASE("the node name comes from CRM_meta_on_node without running anything", "[cluster]")
{
    Fixture f;
    CHECK(f.cluster->local_node() == "node1");
    CHECK(f.runner.calls().empty());
}

TEST_CASE("the promotion score is written only when it changes", "[cluster]")
{
    Fixture f;
    f.runner.expect({"crm_attribute", "--promotion", "-N", "node1", "-G"}, FakeRunner::exited(0, "10000\n"));
    f.runner.expect({"crm_attribute", "--promotion", "-N", "node1", "-v"}, FakeRunner::exited(0));
    f.cluster->set_promotion_score(10000);
    CHECK(f.runner.call_lines() == std::vector<std::string>{"crm_attribute --promotion -N node1 -G -q"});
    f.cluster->set_promotion_score(5);
    CHECK(f.runner.call_lines().back() == "crm_attribute --promotion -N node1 -v 5");
    CHECK(f.runner.count("crm_master") == 0);
}

TEST_CASE("an unset promotion score reads as nothing and is then written", "[cluster]")
{
    Fixture f;
    f.runner.expect({"crm_attribute", "--promotion", "-N", "node1", "-G"}, FakeRunner::exited(105, "", "not found"));
    f.runner.expect({"crm_attribute", "--promotion", "-N", "node1", "-v"}, FakeRunner::exited(0));
    CHECK_FALSE(f.cluster->promotion_score().has_value());
    f.cluster->set_promotion_score(100);
    CHECK(f.runner.call_lines().back() == "crm_attribute --promotion -N node1 -v 100");
}

namespace {

// A real tool result captured as tests/data/NAME.{out,err}: stdout, then "rc=N"; stderr.
CommandResult captured_at(const std::string& name)
{
    std::string out = test::read_fixture(name + ".out");
    std::size_t rc_at = out.rfind("rc=");
    REQUIRE(rc_at != std::string::npos);
    int rc = std::stoi(out.substr(rc_at + 3));
    return FakeRunner::exited(rc, out.substr(0, rc_at), test::read_fixture(name + ".err"));
}

CommandResult captured(const std::string& name) { return captured_at("pacemaker-3.0/" + name); }

const std::vector<std::string> kFencingG{"crm_attribute", "-t", "crm_config", "-n", "fencing-enabled", "-G"};
const std::vector<std::string> kStonithG{"crm_attribute", "-t", "crm_config", "-n", "stonith-enabled", "-G"};
const std::vector<std::string> kCrmMon{"crm_mon", "-1", "--output-as=xml"};

}  // namespace

TEST_CASE("fencing: unset means enabled (Pacemaker's default), false means disabled", "[cluster]")
{
    Fixture f;
    f.runner.expect(kFencingG, FakeRunner::exited(105));
    f.runner.expect(kStonithG, FakeRunner::exited(105));
    CHECK(f.cluster->fencing_enabled() == true);
    CHECK(f.runner.count("crm_mon") == 0);
    Fixture g;
    g.runner.expect(kFencingG, FakeRunner::exited(105));
    g.runner.expect(kStonithG, FakeRunner::exited(0, "false\n"));
    CHECK(g.cluster->fencing_enabled() == false);
    Fixture h;
    h.runner.expect({"crm_attribute"}, FakeRunner::exited(102, "", "Could not connect to the CIB"));
    CHECK_FALSE(h.cluster->fencing_enabled().has_value());
    Fixture i;  // the new name read, the old one not
    i.runner.expect(kFencingG, FakeRunner::exited(105));
    i.runner.expect(kStonithG, FakeRunner::exited(102, "", "Could not connect to the CIB"));
    CHECK_FALSE(i.cluster->fencing_enabled().has_value());
}

// Each way the two names can be set, as Pacemaker 2.1.5's and 3.0.0's crm_attribute and crm_mon
// print it (tests/data/fencing-property: real CIB files). Neither release knows fencing-enabled,
// so where the names disagree crm_mon's answer is stonith-enabled's.
TEST_CASE("fencing-enabled and stonith-enabled, as Pacemaker 2.1.5 and 3.0.0 report them", "[cluster]")
{
    struct Case {
        const char* name;
        bool enabled;
        bool asks_crm_mon;
    };
    const Case cases[] = {
        {"unset", true, false},
        {"stonith-false", false, false},
        {"fencing-false", true, true},
        {"fencing-true-stonith-false", false, true},
        {"fencing-false-stonith-true", true, true},
        {"fencing-invalid", true, false},  // not a boolean: Pacemaker's default, as stonith-enabled gives
    };
    for (const char* release : {"pacemaker-2.1", "pacemaker-3.0"}) {
        for (const Case& c : cases) {
            INFO(release << " " << c.name);
            const std::string at = std::string("fencing-property/") + release + "/" + c.name;
            Fixture f;
            f.runner.expect(kFencingG, captured_at(at + "-fencing-G"));
            f.runner.expect(kStonithG, captured_at(at + "-stonith-G"));
            f.runner.expect(kCrmMon, captured_at(at + "-crm_mon"));
            CHECK(f.cluster->fencing_enabled() == c.enabled);
            CHECK(f.runner.count("crm_mon") == (c.asks_crm_mon ? 1U : 0U));
        }
    }
}

// Pacemaker 3.0.2 prints both names in crm_mon's cluster_options, with the value of fencing-enabled
// when it is set (lib/pengine/pe_output.c; no 3.0.2 here to capture it).
TEST_CASE("fencing: where the names disagree, crm_mon of Pacemaker 3.0.2 decides for fencing-enabled", "[cluster]")
{
    auto mon = [](const char* value) {
        return FakeRunner::exited(0, fmt::format(R"(<pacemaker-result api-version="2.41" request="crm_mon -1 --output-as=xml">
  <summary>
    <current_dc present="false"/>
    <cluster_options fencing-enabled="{0}" fencing-timeout-ms="60000" symmetric-cluster="true" maintenance-mode="false" stonith-enabled="{0}" stonith-timeout-ms="60000"/>
  </summary>
  <nodes/>
  <status code="0" message="OK"/>
</pacemaker-result>
)", value));
    };
    Fixture f;
    f.runner.expect(kFencingG, FakeRunner::exited(0, "true\n"));
    f.runner.expect(kStonithG, FakeRunner::exited(0, "false\n"));
    f.runner.expect(kCrmMon, mon("true"));
    CHECK(f.cluster->fencing_enabled() == true);
    CHECK_THAT(f.logs, Catch::Contains("fencing-enabled=true and stonith-enabled=false differ"));
    Fixture g;
    g.runner.expect(kFencingG, FakeRunner::exited(0, "false\n"));
    g.runner.expect(kStonithG, FakeRunner::exited(105));
    g.runner.expect(kCrmMon, mon("false"));
    CHECK(g.cluster->fencing_enabled() == false);
    Fixture h;  // crm_mon fails: unknown, not a guess
    h.runner.expect(kFencingG, FakeRunner::exited(0, "false\n"));
    h.runner.expect(kStonithG, FakeRunner::exited(105));
    h.runner.expect(kCrmMon, FakeRunner::exited(102, "", "Connection to cluster failed"));
    CHECK_FALSE(h.cluster->fencing_enabled().has_value());
}

TEST_CASE("Pacemaker 3.0.0's crm_attribute and crm_node, as captured, read as with 2.1.5", "[cluster]")
{
    Fixture f;
    f.env = MapEnv{{"OCF_RESOURCE_INSTANCE", "cap-x"}};
    f.cluster = make_pacemaker_cluster(f.runner, f.env, f.log, f.deadline);
    f.runner.expect({"crm_node", "-n"}, captured("crm_node-n"));
    CHECK(f.cluster->local_node() == "vm");
    f.runner.expect({"crm_attribute", "-N", "vm", "-n", "ocfkit-cap"}, captured("nodeattr-get"));
    CHECK(f.cluster->node_attribute("ocfkit-cap", AttrLifetime::Reboot) == "42");
    f.runner.expect({"crm_attribute", "-N", "vm", "-n", "ocfkit-none"}, captured("nodeattr-get-missing"));
    CHECK_FALSE(f.cluster->node_attribute("ocfkit-none", AttrLifetime::Reboot).has_value());
    f.runner.expect({"crm_attribute", "--promotion"}, captured("promotion-get"));
    f.runner.expect({"crm_attribute", "--promotion"}, captured("promotion-get2"));
    CHECK_FALSE(f.cluster->promotion_score().has_value());
    CHECK(f.cluster->promotion_score() == 10);
    f.runner.expect(kFencingG, captured("fencing-enabled-G"));
    f.runner.expect(kStonithG, captured("stonith-G"));
    CHECK(f.cluster->fencing_enabled() == false);
}

TEST_CASE("standalone mode answers without Pacemaker", "[cluster]")
{
    MapEnv env;
    auto c = make_standalone_cluster(env);
    CHECK_FALSE(c->pacemaker());
    CHECK_FALSE(c->local_node().empty());
    c->set_promotion_score(5);
    CHECK_FALSE(c->promotion_score().has_value());
    CHECK_FALSE(c->status().has_value());
}

TEST_CASE("detection: outside Pacemaker or when forced, standalone", "[cluster]")
{
    FakeRunner runner;
    std::string logs;
    Logger log = Logger::to_string(&logs);
    Deadline d = Deadline::after(std::chrono::seconds(1));
    MapEnv manual;
    CHECK_FALSE(make_cluster_access(runner, manual, log, d)->pacemaker());
    MapEnv forced({{"OCFKIT_CLUSTER", "pacemaker"}});
    CHECK(make_cluster_access(runner, forced, log, d)->pacemaker());
    MapEnv forced_off({{"OCFKIT_CLUSTER", "standalone"}, {"OCF_RESKEY_CRM_meta_on_node", "n"}});
    CHECK_FALSE(make_cluster_access(runner, forced_off, log, d)->pacemaker());
}

TEST_CASE("FakeRunner: longest prefix wins, results are used in order, transcript kept", "[fake-runner]")
{
    FakeRunner r;
    r.expect({"tool"}, FakeRunner::exited(1));
    r.expect({"tool", "a"}, FakeRunner::exited(0, "first"));
    r.expect({"tool", "a"}, FakeRunner::exited(0, "second"));
    Deadline d = Deadline::after(std::chrono::seconds(1));
    CHECK(r.run({.argv = {"tool", "a"}}, d).out == "first");
    CHECK(r.run({.argv = {"tool", "a"}}, d).out == "second");
    CHECK(r.run({.argv = {"tool", "a"}}, d).out == "second");
    CHECK(r.run({.argv = {"tool", "b"}}, d).exit_code == 1);
    CHECK(r.run({.argv = {"other"}}, d).status == CommandResult::Status::NotStarted);
    CHECK(r.count("tool") == 4);
    CHECK(r.call_lines().front() == "tool a");
}

TEST_CASE("one_line: program output for a reason", "[fake-runner]")
{
    CHECK(one_line("\n  Device is held open\nby someone \r\n") == "Device is held open by someone");
    CHECK(one_line("") == "");
    CHECK(one_line(std::string(400, 'x')) == std::string(300, 'x') + "...");
    CHECK(one_line("abcdef", 3) == "abc...");
}

TEST_CASE("run_checked maps outcomes to OCF codes with the command in the message", "[fake-runner]")
{
    FakeRunner r;
    r.expect({"missing"}, FakeRunner::not_found());
    r.expect({"fails"}, FakeRunner::exited(3, "", "bad things\nhappened\n"));
    r.expect({"hangs"}, FakeRunner::timed_out());
    Deadline d = Deadline::after(std::chrono::seconds(1));
    try {
        run_checked(r, {.argv = {"missing", "x"}}, d);
        FAIL("must throw");
    } catch (const Failure& f) {
        CHECK(f.code == ExitCode::ErrInstalled);
        CHECK_THAT(f.reason, Catch::Contains("'missing x' could not be started"));
    }
    try {
        run_checked(r, {.argv = {"fails", "a b"}}, d, ExitCode::ErrConfigured);
        FAIL("must throw");
    } catch (const Failure& f) {
        CHECK(f.code == ExitCode::ErrConfigured);
        CHECK(f.reason == "'fails 'a b'' exit code 3: bad things happened");
    }
    CHECK_THROWS_AS(run_checked(r, {.argv = {"hangs"}}, d), Failure);
}
