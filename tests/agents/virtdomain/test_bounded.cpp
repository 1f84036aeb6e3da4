// The deadline-bounded hypervisor layer, driven by injected hangs, delays and errors: a hung
// call costs at most its bound and says which call and why.
#include "catch.h"

#include <chrono>

#include <unistd.h>

#include <fmt/format.h>

#include "bounded_hypervisor.h"
#include "fake_hypervisor.h"
#include "faulty_hypervisor.h"
#include "hung_mount.h"
#include "support.h"

using namespace ocfkit;
using namespace ocfkit::virtdomain;
using namespace ocfkit::virtdomain::test;
using namespace std::chrono_literals;

namespace {

double since(std::chrono::steady_clock::time_point t0)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

HvError caught(const std::function<void()>& fn)
{
    try {
        fn();
    } catch (const HvError& e) {
        return e;
    }
    FAIL("no HvError thrown");
    return HvError(HvErrorKind::Other, "", "");
}

}  // namespace

TEST_CASE("a hung connect ends after the call bound with a precise error", "[vd-bounded]")
{
    FakeHypervisor fake;
    FaultyHypervisor faulty(fake);
    faulty.inject({.call = "connect", .action = Fault::Action::Hang});
    Deadline deadline = Deadline::after(30s);
    BoundedHypervisor hv(faulty, deadline, {.call_timeout = 500ms});
    auto t0 = std::chrono::steady_clock::now();
    HvError e = caught([&] { hv.connect("qemu:///system"); });
    double took = since(t0);
    faulty.release_hangs();
    CHECK(e.kind() == HvErrorKind::Timeout);
    CHECK(e.unreachable());
    CHECK_THAT(e.what(), Catch::Contains("virConnectOpenAuth did not return within 500 ms"));
    CHECK(took >= 0.45);
    CHECK(took < 1.5);
}

TEST_CASE("quick calls get the call bound, long calls the deadline minus the reserve", "[vd-bounded]")
{
    FakeHypervisor fake;
    fake.add({.name = "vm", .uuid = "u", .active = true, .status = {DomainState::Running, 1, 1, 1}});
    FaultyHypervisor faulty(fake);
    Deadline deadline = Deadline::after(2500ms);
    BoundedHypervisor hv(faulty, deadline, {.call_timeout = 300ms, .reserve = 1000ms});
    auto c = hv.connect("qemu:///system");

    faulty.inject({.call = "status", .action = Fault::Action::Hang, .times = 1});
    auto t0 = std::chrono::steady_clock::now();
    HvError e = caught([&] { c->status({"vm", "u"}); });
    CHECK(e.kind() == HvErrorKind::Timeout);
    CHECK_THAT(e.what(), Catch::Contains("virDomainGetInfo did not return within 300 ms") && Catch::Contains("libvirtd hung"));
    CHECK(since(t0) < 1.0);

    // The connection stays usable for other calls after one was abandoned.
    CHECK(c->status({"vm", "u"}).state == DomainState::Running);

    faulty.inject({.call = "save", .action = Fault::Action::Hang, .times = 1});
    t0 = std::chrono::steady_clock::now();
    e = caught([&] { c->save({"vm", "u"}, "/nonexistent/x"); });
    double took = since(t0);
    CHECK(e.kind() == HvErrorKind::Timeout);
    CHECK_THAT(e.what(), Catch::Contains("virDomainSave"));
    CHECK(took > 0.8);                         // well beyond the quick bound ...
    CHECK(deadline.remaining() >= 700ms);      // ... but the reserve is left for clean-up
    faulty.release_hangs();

    // Nothing left: calls fail at once instead of starting.
    Deadline spent = Deadline::after(0ms);
    BoundedHypervisor late(faulty, spent, {});
    e = caught([&] { late.connect("qemu:///system"); });
    CHECK_THAT(e.what(), Catch::Contains("no time left"));
}

TEST_CASE("errors and results pass through the bounded layer unchanged", "[vd-bounded][vd-faults]")
{
    FakeHypervisor fake;
    FaultyHypervisor faulty(fake);
    Deadline deadline = Deadline::after(10s);
    BoundedHypervisor hv(faulty, deadline, {.call_timeout = 2s});
    auto c = hv.connect("qemu:///system");
    faulty.inject({.call = "find_by_name", .kind = HvErrorKind::InvalidConfig, .message = "XML error: bad", .skip = 1, .times = 1});
    CHECK_FALSE(c->find_by_name("nope"));  // skipped: goes through
    HvError e = caught([&] { c->find_by_name("nope"); });
    CHECK(e.kind() == HvErrorKind::InvalidConfig);
    CHECK_THAT(e.what(), Catch::Contains("find_by_name: XML error: bad"));
    CHECK_FALSE(c->find_by_name("nope"));  // times exhausted
    faulty.inject({.call = "lib_version", .action = Fault::Action::Delay, .delay = 200ms});
    auto t0 = std::chrono::steady_clock::now();
    CHECK(c->lib_version() == 9000000);
    CHECK(since(t0) >= 0.19);
    CHECK(faulty.count("find_by_name") == 3);
}

TEST_CASE("operations end promptly when libvirt hangs", "[vd-bounded][vd-faults]")
{
    TempDir tmp;
    write_file(tmp.file("vm1.xml"), domain_xml("vm1", ""));
    FakeHypervisor fake;
    FaultyHypervisor faulty(fake);
    AgentOptions opts;
    opts.qemu_run_dir = tmp.file("no-such-run-dir");
    VirtDomainAgent agent(faulty, opts);
    std::map<std::string, std::string> vars{{"OCF_RESKEY_config", tmp.file("vm1.xml")}, {"OCF_RESKEY_call_timeout", "1"}};
    REQUIRE(run_action(agent, "start", vars, tmp).code == 0);
    faulty.inject({.call = "connect", .action = Fault::Action::Hang});

    auto mon = run_action(agent, "monitor", vars, tmp);
    CHECK(mon.seconds < 2.0);
    // No libvirtd answer and no qemu process for vm1: not running, and the reason says why.
    CHECK(mon.code == 7);
    CHECK_THAT(mon.reason, Catch::Contains("virConnectOpenAuth did not return within 1000 ms"));

    auto start = run_action(agent, "start", vars, tmp);
    CHECK(start.seconds < 2.0);
    CHECK(start.code == 1);
    CHECK_THAT(start.reason, Catch::Contains("cannot start domain vm1") && Catch::Contains("did not return"));

    vars["OCF_CHECK_LEVEL"] = "10";
    auto val = run_action(agent, "validate-all", vars, tmp);
    CHECK(val.seconds < 2.0);
    CHECK(val.code == 1);
    faulty.release_hangs();
}

TEST_CASE("a slow libvirt within the bounds is waited for", "[vd-faults]")
{
    TempDir tmp;
    write_file(tmp.file("vm1.xml"), domain_xml("vm1", ""));
    FakeHypervisor fake;
    FaultyHypervisor faulty(fake);
    VirtDomainAgent agent(faulty);
    std::map<std::string, std::string> vars{{"OCF_RESKEY_config", tmp.file("vm1.xml")}, {"OCF_RESKEY_call_timeout", "2"}};
    faulty.inject({.call = "status", .action = Fault::Action::Delay, .delay = 600ms});
    auto r = run_action(agent, "start", vars, tmp);
    CHECK(r.code == 0);
    CHECK(r.seconds >= 0.6);
}

TEST_CASE("API errors map to OCF codes", "[vd-faults]")
{
    TempDir tmp;
    write_file(tmp.file("vm1.xml"), domain_xml("vm1", ""));
    FakeHypervisor fake;
    FaultyHypervisor faulty(fake);
    VirtDomainAgent agent(faulty);
    std::map<std::string, std::string> vars{{"OCF_RESKEY_config", tmp.file("vm1.xml")}};
    SECTION("XML rejected by libvirt: this node's verdict, never 6")
    {
        faulty.inject({.call = "create", .kind = HvErrorKind::InvalidConfig,
                       .message = "unsupported configuration: Emulator '/usr/bin/qemu-kvm' does not support virt type 'kvm'"});
        auto r = run_action(agent, "start", vars, tmp);
        CHECK(r.code == 1);
        CHECK_THAT(r.reason, Catch::Contains("does not support virt type"));
    }
    SECTION("anything else: generic error")
    {
        faulty.inject({.call = "create", .kind = HvErrorKind::Other, .message = "internal error: process exited while connecting to monitor"});
        auto r = run_action(agent, "start", vars, tmp);
        CHECK(r.code == 1);
        CHECK_THAT(r.reason, Catch::Contains("process exited while connecting to monitor"));
    }
    SECTION("monitor: a lookup error other than 'no domain'")
    {
        faulty.inject({.call = "status", .kind = HvErrorKind::Other, .message = "internal error: cannot read state"});
        auto r = run_action(agent, "monitor", vars, tmp);
        CHECK(r.code == 1);
        CHECK_THAT(r.reason, Catch::Contains("cannot read state"));
    }
}

TEST_CASE("validate ends at the deadline when a disk or save_dir sits on hung storage", "[vd-bounded]")
{
    if (::geteuid() != 0) {
        WARN("not root: no FUSE mount, hang case not run");
        return;
    }
    ocfkit::test::HungMount hung;
    REQUIRE(hung.ok());
    TempDir tmp;
    FakeHypervisor fake;
    VirtDomainAgent agent(fake);
    // 3 s operation timeout: the agent keeps half as margin, so its deadline is 1.5 s away.
    std::map<std::string, std::string> vars{{"OCF_RESKEY_CRM_meta_timeout", "3000"}};

    SECTION("a disk")
    {
        write_file(tmp.file("vm1.xml"),
                   domain_xml("vm1", "",
                              fmt::format("<disk type='file' device='disk'><source file='{}'/><target dev='vda'/></disk>",
                                          hung.path("vm1.img"))));
        vars["OCF_RESKEY_config"] = tmp.file("vm1.xml");
        auto r = run_action(agent, "validate-all", vars, tmp);
        CHECK(r.code == 1);
        CHECK_THAT(r.reason, Catch::Contains("disk vda") && Catch::Contains(hung.path("vm1.img")) &&
                                 Catch::Contains("did not answer before the operation's deadline"));
        CHECK(r.seconds < 3.0);
    }
    SECTION("save_dir")
    {
        write_file(tmp.file("vm1.xml"), domain_xml("vm1", ""));
        vars["OCF_RESKEY_config"] = tmp.file("vm1.xml");
        vars["OCF_RESKEY_save_dir"] = hung.path("save");
        auto r = run_action(agent, "validate-all", vars, tmp);
        CHECK(r.code == 1);
        CHECK_THAT(r.reason, Catch::Contains("parameter 'save_dir'") && Catch::Contains("did not answer"));
        CHECK(r.seconds < 3.0);
    }
}

namespace {

struct CountingObserver final : ReachabilityObserver {
    int answers = 0;
    std::vector<std::string> unreachable_calls;
    void answered() override { ++answers; }
    void unreachable(const HvError& e) override { unreachable_calls.push_back(e.call()); }
};

}  // namespace

TEST_CASE("the watched URI's connects and quick calls report reachability; long overruns and other URIs do not",
          "[vd-bounded]")
{
    FakeHypervisor fake;
    FaultyHypervisor faulty(fake);
    fake.add({.name = "vm1", .uuid = "u1", .active = true, .status = {DomainState::Running, 1, 1, 65536}});
    Deadline deadline = Deadline::after(30s);
    CountingObserver seen;
    BoundedHypervisor hv(faulty, deadline, {.call_timeout = 300ms, .reserve = 29s});
    SECTION("a connect that answers")
    {
        hv.watch("qemu:///system", seen);
        auto c = hv.connect("qemu:///system");
        CHECK(seen.answers == 1);
        hv.connect("qemu+tcp://node2/system");  // a migration target is not this node's libvirt
        CHECK(seen.answers == 1);
    }
    SECTION("the first connect gets its own bound, later ones call_timeout")
    {
        faulty.inject({.call = "connect", .action = Fault::Action::Hang});
        hv.watch("qemu:///system", seen, 100ms);
        HvError first = caught([&] { hv.connect("qemu:///system"); });
        CHECK_THAT(first.what(), Catch::Contains("within 100 ms") && Catch::Contains("earlier operation"));
        HvError second = caught([&] { hv.connect("qemu:///system"); });
        CHECK_THAT(second.what(), Catch::Contains("within 300 ms"));
        HvError other = caught([&] { hv.connect("qemu+tcp://node2/system"); });
        CHECK_THAT(other.what(), Catch::Contains("within 300 ms"));
        CHECK(seen.unreachable_calls == std::vector<std::string>{"virConnectOpenAuth", "virConnectOpenAuth"});
        CHECK(seen.answers == 0);
    }
    SECTION("a quick call that hangs counts; a long call that overruns its bound does not")
    {
        hv.watch("qemu:///system", seen);
        auto c = hv.connect("qemu:///system");
        faulty.inject({.call = "status", .action = Fault::Action::Hang});
        faulty.inject({.call = "destroy", .action = Fault::Action::Hang});
        caught([&] { c->status({"vm1", "u1"}); });
        CHECK(seen.unreachable_calls == std::vector<std::string>{"virDomainGetInfo"});
        caught([&] { c->destroy({"vm1", "u1"}); });  // 1 s: the deadline less the reserve
        CHECK(seen.unreachable_calls.size() == 1);
    }
    SECTION("a long call whose connection is lost counts")
    {
        hv.watch("qemu:///system", seen);
        auto c = hv.connect("qemu:///system");
        faulty.inject({.call = "destroy", .kind = HvErrorKind::ConnectionLost, .message = "keepalive timeout"});
        caught([&] { c->destroy({"vm1", "u1"}); });
        CHECK(seen.unreachable_calls == std::vector<std::string>{"destroy"});
    }
    faulty.release_hangs();
}
