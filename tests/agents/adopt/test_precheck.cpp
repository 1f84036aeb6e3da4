// What adopt decides before changing anything: our agents' own validate-all (refusals keep a
// resource on its stock agent at plan time) and settings carried over from the stock
// resource's operations (virtdomain's call_timeout).
#include <string>

#include <fmt/format.h>

#include "catch.h"
#include "fixture.h"
#include "mapping.h"
#include "ocfkit/command.h"
#include "plan.h"
#include "precheck.h"

using namespace ocfkit;
using namespace ocfkit::adopt;
using ocfkit::test::read_fixture;

namespace {

const ResourcePlan& by_id(const Plan& p, std::string_view id)
{
    for (const auto& r : p.resources)
        if (r.id == id) return r;
    FAIL("no plan for " << id);
    throw std::logic_error("unreachable");
}

const ParamStep* added(const ResourcePlan& r, std::string_view name)
{
    for (const auto& p : r.params)
        if (p.action == ParamAction::Added && p.new_name == name) return &p;
    return nullptr;
}

// The sandbox CIB with adopt-vm's monitor operation given `attrs` (and op_defaults `defaults`).
std::string with_monitor(const std::string& attrs, const std::string& defaults = {})
{
    std::string cib = read_fixture("adopt/cib/sandbox-stock.xml");
    std::string op = "<op name=\"monitor\" interval=\"10s\" id=\"adopt-vm-monitor-interval-10s\"/>";
    auto at = cib.find(op);
    REQUIRE(at != std::string::npos);
    cib.replace(at, op.size(), "<op name=\"monitor\" interval=\"10s\" id=\"adopt-vm-monitor-interval-10s\" " + attrs + "/>");
    if (!defaults.empty()) {
        auto c = cib.find("</configuration>");
        cib.insert(c, "<op_defaults><meta_attributes id=\"op-options\"><nvpair id=\"op-options-timeout\" name=\"timeout\" value=\"" +
                          defaults + "\"/></meta_attributes></op_defaults>");
    }
    return cib;
}

}  // namespace

TEST_CASE("Pacemaker durations", "[adopt-precheck]")
{
    CHECK(duration_ms("30s") == 30'000);
    CHECK(duration_ms("30") == 30'000);
    CHECK(duration_ms(" 2min ") == 120'000);
    CHECK(duration_ms("2m") == 120'000);
    CHECK(duration_ms("1h") == 3'600'000);
    CHECK(duration_ms("1500ms") == 1500);
    CHECK(duration_ms("90 sec") == 90'000);
    CHECK_FALSE(duration_ms("").has_value());
    CHECK_FALSE(duration_ms("s").has_value());
    CHECK_FALSE(duration_ms("30 fortnights").has_value());
    CHECK_FALSE(duration_ms("PT30S").has_value());
}

TEST_CASE("virtdomain's call_timeout is the stock resource's monitor timeout", "[adopt-precheck]")
{
    SECTION("the monitor's own timeout")
    {
        Plan p = make_plan(with_monitor("timeout=\"45s\""));
        const ParamStep* s = added(by_id(p, "adopt-vm"), "call_timeout");
        REQUIRE(s);
        CHECK(s->new_value == "45");
        CHECK(s->why.find("the monitor's timeout, 45 s") != std::string::npos);
        CHECK(by_id(p, "adopt-vm").converts);
    }
    SECTION("never below virtdomain's default, never above its maximum")
    {
        CHECK(added(by_id(make_plan(with_monitor("timeout=\"5s\"")), "adopt-vm"), "call_timeout")->new_value == "10");
        CHECK(added(by_id(make_plan(with_monitor("timeout=\"20min\"")), "adopt-vm"), "call_timeout")->new_value == "600");
        CHECK(added(by_id(make_plan(with_monitor("timeout=\"10500ms\"")), "adopt-vm"), "call_timeout")->new_value == "11");
    }
    SECTION("op_defaults, then Pacemaker's 20 s")
    {
        CHECK(added(by_id(make_plan(with_monitor("", "2min")), "adopt-vm"), "call_timeout")->new_value == "120");
        CHECK(added(by_id(make_plan(with_monitor("")), "adopt-vm"), "call_timeout")->new_value == "20");
    }
    SECTION("a timeout Pacemaker cannot read leaves virtdomain's default")
    {
        CHECK_FALSE(added(by_id(make_plan(with_monitor("timeout=\"soon\"")), "adopt-vm"), "call_timeout"));
    }
    SECTION("it reaches the rewritten CIB; the file system gets nothing of the kind")
    {
        std::string cib = with_monitor("timeout=\"45s\"");
        Plan p = make_plan(cib);
        std::string out = convert_cib(cib, p);
        CHECK(out.find("name=\"call_timeout\" value=\"45\"") != std::string::npos);
        CHECK_FALSE(added(by_id(p, "adopt-fs"), "call_timeout"));
    }
}

TEST_CASE("validate-all of our agent: argv, parameters and meta attributes it would get", "[adopt-precheck]")
{
    Plan p = make_plan(read_fixture("adopt/cib/lab-stack.xml"));
    CommandSpec vm = validate_spec(by_id(p, "labguest"), "/usr/lib/ocf");
    CHECK(vm.argv == std::vector<std::string>{"/usr/lib/ocf/resource.d/custom/virtdomain", "validate-all"});
    CHECK(vm.env.at("OCF_RESOURCE_INSTANCE") == "labguest");
    CHECK(vm.env.at("OCF_ROOT") == "/usr/lib/ocf");
    CHECK(vm.env.at("OCF_CHECK_LEVEL") == "0");
    CHECK(vm.env.at("OCF_RESKEY_call_timeout") == "120");
    CHECK(vm.env.count("OCF_RESKEY_config") == 1);
    CHECK(vm.timeout <= std::chrono::seconds(30));
    // A promotable clone's child learns it is one, as from Pacemaker.
    CommandSpec drbd = validate_spec(by_id(p, "drbd-r0"), "/opt/ocf");
    CHECK(drbd.argv.front() == "/opt/ocf/resource.d/custom/drbd-dual");
    CHECK(drbd.env.at("OCF_RESKEY_CRM_meta_clone") == "0");
    CHECK(drbd.env.at("OCF_RESKEY_CRM_meta_promotable") == "true");
    CHECK(drbd.env.count("OCF_RESKEY_CRM_meta_promoted_max") == 1);
    // Renamed: our name; dropped: not passed; added: passed.
    CommandSpec lvm = validate_spec(by_id(p, "lvmlockd"), "/usr/lib/ocf");
    CHECK(lvm.env.at("OCF_RESKEY_lock_manager") == "lvmlockd");
    CHECK(lvm.env.count("OCF_RESKEY_pidfile") == 0);
}

TEST_CASE("validate-all's answer: only 'not configured' keeps the resource where it is", "[adopt-precheck]")
{
    Plan p = make_plan(read_fixture("adopt/cib/sandbox-stock.xml"));
    const ResourcePlan& vm = by_id(p, "adopt-vm");
    ValidateVerdict refused =
        judge_validate(vm, FakeRunner::exited(6, "", "some log line\nocf-exit-reason:parameter 'migrate_options': unknown flag --bogus\n"));
    CHECK(refused.refuses);
    CHECK(refused.text == "ocf:custom:virtdomain refuses these parameters (validate-all: not configured): "
                          "parameter 'migrate_options': unknown flag --bogus");
    for (int rc : {1, 2, 5}) {
        INFO(rc);
        ValidateVerdict v = judge_validate(vm, FakeRunner::exited(rc, "", "ocf-exit-reason:/x.xml does not exist"));
        CHECK_FALSE(v.refuses);
        CHECK(v.text.find(fmt::format("rc {}", rc)) != std::string::npos);
        CHECK(v.text.find("/x.xml does not exist") != std::string::npos);
    }
    CHECK_FALSE(judge_validate(vm, FakeRunner::exited(0)).refuses);
    CHECK_FALSE(judge_validate(vm, FakeRunner::not_found()).refuses);
    CHECK(judge_validate(vm, FakeRunner::not_found()).text.find("not installed on this node") != std::string::npos);
    CHECK_FALSE(judge_validate(vm, FakeRunner::timed_out()).refuses);
    CHECK(exit_reason_of("ocf-exit-reason:first\nocf-exit-reason:second\n") == "second");
    CHECK(exit_reason_of("nothing") == "");
}

TEST_CASE("validate_plan: a refused resource stays with our agent's reason, the others convert", "[adopt-precheck]")
{
    Plan p = make_plan(read_fixture("adopt/cib/sandbox-stock.xml"));
    REQUIRE(p.converting() == 2);
    FakeRunner runner;
    runner.expect({"/usr/lib/ocf/resource.d/custom/virtdomain", "validate-all"},
                  FakeRunner::exited(6, "", "ocf-exit-reason:parameter 'migrate_options': --bogus is not a virsh migrate flag virtdomain knows\n"));
    runner.expect({"/usr/lib/ocf/resource.d/custom/gfs2fs", "validate-all"},
                  FakeRunner::exited(5, "", "ocf-exit-reason:parameter 'device': /dev/loop9 does not exist here\n"));
    validate_plan(p, runner, "/usr/lib/ocf");
    CHECK(runner.count("/usr/lib/ocf/resource.d/custom/virtdomain") == 1);
    const ResourcePlan& vm = by_id(p, "adopt-vm");
    CHECK_FALSE(vm.converts);
    REQUIRE(vm.reasons.size() == 1);
    CHECK(vm.reasons[0].find("--bogus is not a virsh migrate flag") != std::string::npos);
    // Node-local: noted, and the probes on every node decide.
    const ResourcePlan& fs = by_id(p, "adopt-fs");
    CHECK(fs.converts);
    REQUIRE(fs.notes.size() == 1);
    CHECK(fs.notes[0].find("rc 5 (not installed)") != std::string::npos);
    CHECK(p.converting() == 1);
    // The rewritten CIB leaves the refused one alone.
    std::string cib = read_fixture("adopt/cib/sandbox-stock.xml");
    std::string out = convert_cib(cib, p);
    CHECK(primitive_agent(out, "adopt-vm") == "ocf:heartbeat:VirtualDomain");
    CHECK(primitive_agent(out, "adopt-fs") == "ocf:custom:gfs2fs");
}
