// virtdomain's decisions for every action against the in-memory hypervisor, through the real
// dispatcher (exit codes and exit reasons as Pacemaker sees them).
#include "catch.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "fake_hypervisor.h"
#include "faulty_hypervisor.h"
#include "ocfkit/exit_code.h"
#include "ocfkit/host.h"
#include "remembered.h"
#include "support.h"
#include "unreachable_evidence.h"

using namespace ocfkit;
using namespace ocfkit::virtdomain;
using namespace ocfkit::virtdomain::test;
namespace fs = std::filesystem;

namespace {

const std::string kUuid = "1b4e28ba-2fa1-11d2-883f-0016d3cca427";

struct Rig {
    TempDir tmp;
    FakeHypervisor fake;
    FaultyHypervisor faulty{fake};
    AgentOptions options;
    VirtDomainAgent agent{faulty, make_options()};
    std::map<std::string, std::string> vars;

    AgentOptions make_options()
    {
        fs::create_directories(tmp.path / "qemu-run");
        AgentOptions o;
        o.qemu_run_dir = tmp.file("qemu-run");
        o.proc_root = tmp.file("proc");
        o.short_connect = std::chrono::milliseconds(300);  // apart from every call_timeout used here
        return o;
    }

    Rig()
    {
        write_file(config(), domain_xml("vm1", kUuid));
        vars["OCF_RESKEY_config"] = config();
        vars["OCF_RESKEY_shutdown_timeout"] = "5";
    }
    std::string config() const { return tmp.file("vm1.xml"); }
    RunResult run(const std::string& action, CommandRunner* runner = nullptr)
    {
        return run_action(agent, action, vars, tmp, runner);
    }
    std::string remembered_file() const { return tmp.file("rsctmp") + "/ocfkit-virtdomain-vm.state"; }
    bool running(const std::string& name = "vm1") const
    {
        auto d = fake.get(name);
        return d && d->active && d->status.state == DomainState::Running;
    }
};

// A process whose command line looks like libvirt's qemu for `name`, with its pid file.
// A shell blocked in `read` on a pipe: no grandchild that could outlive the test.
struct FakeQemu {
    pid_t pid = -1;
    int hold = -1;
    FakeQemu(const std::string& run_dir, const std::string& name, bool ignores_term = false)
    {
        int fds[2];
        REQUIRE(pipe(fds) == 0);
        pid = fork();
        if (pid == 0) {
            dup2(fds[0], 0);
            close(fds[1]);
            std::string arg = "guest=" + name + ",debug-threads=on";
            execl("/bin/sh", "sh", "-c", ignores_term ? "trap '' TERM; read x" : "read x", arg.c_str(),
                  static_cast<char*>(nullptr));
            _exit(127);
        }
        close(fds[0]);
        hold = fds[1];
        write_file(run_dir + "/" + name + ".pid", std::to_string(pid));
        // Until the exec happened the child still shows this test's command line.
        std::string want = "guest=" + name;
        for (int i = 0; i < 500; ++i) {
            std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
            std::string args((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            if (args.find(want) != std::string::npos) break;
            usleep(2000);
        }
    }
    // Ended (a zombie: only this test, its parent, reaps it), and by which signal.
    std::optional<int> ended_by() const
    {
        siginfo_t info{};
        if (waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid != pid) return std::nullopt;
        return info.si_status;
    }
    ~FakeQemu()
    {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        close(hold);
    }
};

// A process that passes for the libvirt daemon of OCFKIT_HOST_ROOT=<root> (comm "libvirtd",
// the marker in its environment): sleep, exec'd through a symlink of that name.
struct FakeDaemon {
    pid_t pid = -1;
    FakeDaemon(const TempDir& tmp, const std::string& root)
    {
        fs::create_directories(tmp.path / "daemon-bin");
        std::string link = tmp.file("daemon-bin/libvirtd");
        if (!fs::exists(fs::symlink_status(link))) fs::create_symlink("/bin/sleep", link);
        std::string marker = "OCFKIT_HOST_ROOT=" + root;
        pid = fork();
        if (pid == 0) {
            char* envp[] = {marker.data(), nullptr};
            execle(link.c_str(), "libvirtd", "600", static_cast<char*>(nullptr), envp);
            _exit(127);
        }
        for (int i = 0; i < 500; ++i) {
            std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
            std::string comm;
            if (std::getline(in, comm) && comm == "libvirtd") break;
            usleep(2000);
        }
    }
    ~FakeDaemon()
    {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
    }
};

}  // namespace

TEST_CASE("start creates a transient domain, waits for it, and remembers it", "[vd-start]")
{
    Rig rig;
    auto r = rig.run("start");
    INFO(r.log << r.reason);
    REQUIRE(r.code == 0);
    REQUIRE(rig.running());
    CHECK_FALSE(rig.fake.get("vm1")->persistent);
    auto m = load_remembered(rig.remembered_file());
    REQUIRE(m);
    CHECK(m->name == "vm1");
    CHECK(m->uuid == kUuid);
    CHECK(m->hypervisor == "qemu:///system");
    CHECK(rig.faulty.count("create") == 1);
    CHECK(rig.faulty.count("connect") == 1);  // one connection per operation

    SECTION("a second start is a no-op success")
    {
        auto again = rig.run("start");
        CHECK(again.code == 0);
        CHECK(rig.faulty.count("create") == 1);
        CHECK_THAT(again.log, Catch::Contains("already running"));
    }
}

TEST_CASE("start with persistent=true defines, then starts", "[vd-start]")
{
    Rig rig;
    rig.vars["OCF_RESKEY_persistent"] = "true";
    REQUIRE(rig.run("start").code == 0);
    CHECK(rig.fake.get("vm1")->persistent);
    CHECK(rig.faulty.count("define") == 1);
    CHECK(rig.faulty.count("start") == 1);
    REQUIRE(rig.run("stop").code == 0);
    REQUIRE(rig.fake.get("vm1"));  // the definition stays
    CHECK_FALSE(rig.fake.get("vm1")->active);
    CHECK(rig.run("monitor").code == 7);
}

TEST_CASE("persistent start of a config without <uuid> redefines the domain it defined before", "[vd-start]")
{
    Rig rig;
    write_file(rig.config(), domain_xml("vm1", ""));
    rig.vars["OCF_RESKEY_persistent"] = "true";
    REQUIRE(rig.run("start").code == 0);
    const std::string uuid = rig.fake.get("vm1")->uuid;
    REQUIRE(rig.run("stop").code == 0);
    write_file(rig.config(), domain_xml("vm1", "", "<emulator>/usr/bin/qemu-system-x86_64</emulator>"));
    auto again = rig.run("start");
    INFO(again.log << again.reason);
    CHECK(again.code == 0);
    CHECK(rig.running());
    CHECK(rig.fake.get("vm1")->uuid == uuid);
    CHECK_THAT(rig.fake.get("vm1")->xml, Catch::Contains("qemu-system-x86_64") && Catch::Contains(uuid));
    CHECK(rig.faulty.count("define") == 2);
    CHECK_THAT(again.log, Catch::Contains("redefining domain vm1"));
}

TEST_CASE("start refuses a name or UUID that belongs to a different domain", "[vd-start]")
{
    Rig rig;
    SECTION("same name, other UUID")
    {
        rig.fake.add({.name = "vm1", .uuid = "00000000-0000-4000-8000-000000000099", .xml = domain_xml("vm1", ""), .persistent = true});
        auto r = rig.run("start");
        CHECK(r.code == 1);  // this host's libvirt: the resource may run elsewhere
        CHECK_THAT(r.reason, Catch::Contains("00000000-0000-4000-8000-000000000099") && Catch::Contains(kUuid));
    }
    SECTION("same UUID, other name")
    {
        rig.fake.add({.name = "other", .uuid = kUuid, .xml = domain_xml("other", kUuid), .persistent = true});
        auto r = rig.run("start");
        CHECK(r.code == 1);
        CHECK_THAT(r.reason, Catch::Contains("already belongs to domain 'other'"));
    }
    CHECK(rig.faulty.count("create") == 0);
}

TEST_CASE("transient start removes a stale inactive definition of the same domain", "[vd-start]")
{
    Rig rig;
    rig.fake.add({.name = "vm1", .uuid = kUuid, .xml = domain_xml("vm1", kUuid), .persistent = true});
    auto r = rig.run("start");
    REQUIRE(r.code == 0);
    CHECK(rig.faulty.count("undefine") == 1);
    CHECK_FALSE(rig.fake.get("vm1")->persistent);
}

TEST_CASE("start reports a guest that dies at once", "[vd-start]")
{
    Rig rig;
    rig.fake.add({.name = "vm1", .uuid = kUuid, .xml = domain_xml("vm1", kUuid), .persistent = true, .dies_on_start = true});
    rig.vars["OCF_RESKEY_persistent"] = "true";
    auto r = rig.run("start");
    CHECK(r.code == 1);
    CHECK_THAT(r.reason, Catch::Contains("right after it was started") && Catch::Contains("/var/log/libvirt/qemu/vm1.log"));
}

TEST_CASE("save on stop, restore on start", "[vd-start][vd-stop]")
{
    Rig rig;
    fs::create_directories(rig.tmp.path / "saves");
    rig.vars["OCF_RESKEY_save_dir"] = rig.tmp.file("saves");
    rig.vars["OCF_RESKEY_save_on_stop"] = "true";
    std::string image = rig.tmp.file("saves") + "/vm1.state";
    REQUIRE(rig.run("start").code == 0);

    auto stop = rig.run("stop");
    INFO(stop.log);
    REQUIRE(stop.code == 0);
    CHECK(fs::exists(image));
    CHECK_FALSE(fs::exists(image + ".partial"));
    CHECK(rig.faulty.count("shutdown") == 0);
    CHECK_FALSE(rig.fake.get("vm1"));

    SECTION("the next start restores instead of booting and consumes the image")
    {
        auto start = rig.run("start");
        INFO(start.log);
        REQUIRE(start.code == 0);
        CHECK(rig.running());
        CHECK(rig.faulty.count("restore") == 1);
        CHECK(rig.faulty.count("create") == 1);  // only the first boot
        CHECK_FALSE(fs::exists(image));
        CHECK_FALSE(fs::exists(image + ".restoring"));
    }
    SECTION("an image of another domain is refused and kept")
    {
        write_file(image, "FAKE-LIBVIRT-SAVE\n" + domain_xml("intruder", ""));
        auto start = rig.run("start");
        CHECK(start.code == 1);
        CHECK_THAT(start.reason, Catch::StartsWith("saved state of another domain ('intruder', not 'vm1'): move "));
        CHECK(fs::exists(image));
    }
    SECTION("a failed restore keeps the image under its name")
    {
        rig.faulty.inject({.call = "restore", .kind = HvErrorKind::Other, .message = "internal error: qemu unexpectedly closed the monitor"});
        auto start = rig.run("start");
        CHECK(start.code == 1);
        CHECK_THAT(start.reason, Catch::Contains("qemu unexpectedly closed") && Catch::Contains("remove it to boot"));
        CHECK(fs::exists(image));
        CHECK_FALSE(fs::exists(image + ".restoring"));
    }
}

// libvirtd may finish a restore it did not answer for: the guest then runs from that RAM and
// writes its disks, so the image must never again look like one to resume.
TEST_CASE("a restore without an answer keeps .restoring, and start refuses until the admin resolves it", "[vd-start]")
{
    Rig rig;
    fs::create_directories(rig.tmp.path / "saves");
    rig.vars["OCF_RESKEY_save_dir"] = rig.tmp.file("saves");
    rig.vars["OCF_RESKEY_save_on_stop"] = "true";
    std::string image = rig.tmp.file("saves") + "/vm1.state";
    REQUIRE(rig.run("start").code == 0);
    REQUIRE(rig.run("stop").code == 0);
    REQUIRE(fs::exists(image));

    SECTION("timed out")
    {
        rig.vars["OCF_RESKEY_CRM_meta_timeout"] = "5000";
        rig.faulty.inject({.call = "restore", .action = Fault::Action::Hang});
    }
    SECTION("connection lost")
    {
        rig.faulty.inject({.call = "restore", .kind = HvErrorKind::ConnectionLost,
                           .message = "End of file while reading data: Input/output error"});
    }
    auto start = rig.run("start");
    INFO(start.log << start.reason);
    CHECK(start.code == 1);
    CHECK_THAT(start.reason, Catch::Contains(image + ".restoring") && Catch::Contains("runs nowhere"));
    // The cluster shows what to check, whatever the length of save_dir.
    CHECK_THAT(fit_exit_reason(start.reason),
               Catch::StartsWith("restoring domain vm1: a restore had no answer: check on every node whether vm1 "
                                 "runs; if it runs nowhere, remove"));
    CHECK(fs::exists(image + ".restoring"));
    CHECK_FALSE(fs::exists(image));
    rig.faulty.release_hangs();
    rig.faulty.clear();

    auto again = rig.run("start");
    CHECK(again.code == 1);
    CHECK_THAT(again.reason, Catch::Contains("not starting domain vm1") && Catch::Contains("rename it to " + image));
    CHECK_THAT(fit_exit_reason(again.reason),
               Catch::StartsWith("not starting domain vm1: a restore had no answer: check on every node whether vm1 "
                                 "runs; if it runs nowhere, remove"));
    CHECK(rig.faulty.count("restore") == 1);
    CHECK(rig.faulty.count("create") == 1);  // only the first boot
    CHECK_FALSE(rig.running());

    // The admin checked that the guest runs nowhere and chose to resume it.
    fs::rename(image + ".restoring", image);
    auto resumed = rig.run("start");
    CHECK(resumed.code == 0);
    CHECK(rig.running());
    CHECK(rig.faulty.count("restore") == 2);
}

TEST_CASE("snapshot (VirtualDomain's name) sets save_dir and turns saving on", "[vd-stop]")
{
    Rig rig;
    fs::create_directories(rig.tmp.path / "snap");
    rig.vars["OCF_RESKEY_snapshot"] = rig.tmp.file("snap");
    REQUIRE(rig.run("start").code == 0);
    auto r = rig.run("stop");
    REQUIRE(r.code == 0);
    CHECK(fs::exists(rig.tmp.file("snap") + "/vm1.state"));
    CHECK_THAT(r.log, Catch::Contains("deprecated"));
}

TEST_CASE("a failed save falls back to a graceful shutdown", "[vd-stop]")
{
    Rig rig;
    fs::create_directories(rig.tmp.path / "saves");
    rig.vars["OCF_RESKEY_save_dir"] = rig.tmp.file("saves");
    rig.vars["OCF_RESKEY_save_on_stop"] = "true";
    REQUIRE(rig.run("start").code == 0);
    rig.faulty.inject({.call = "save", .kind = HvErrorKind::Other, .message = "No space left on device"});
    auto r = rig.run("stop");
    CHECK(r.code == 0);
    CHECK_THAT(r.log, Catch::Contains("No space left") && Catch::Contains("shutting it down instead"));
    CHECK(rig.faulty.count("shutdown") == 1);
    CHECK_FALSE(fs::exists(rig.tmp.file("saves") + "/vm1.state"));
    CHECK_FALSE(fs::exists(rig.tmp.file("saves") + "/vm1.state.partial"));
}

TEST_CASE("graceful stop honours shutdown_mode", "[vd-stop]")
{
    Rig rig;
    rig.vars["OCF_RESKEY_shutdown_mode"] = "acpi,agent";
    REQUIRE(rig.run("start").code == 0);
    auto r = rig.run("stop");
    INFO(r.log);
    REQUIRE(r.code == 0);
    REQUIRE(rig.fake.shutdown_modes().size() == 1);
    CHECK(rig.fake.shutdown_modes()[0] == (shutdown_mode::Acpi | shutdown_mode::Agent));
    CHECK(rig.faulty.count("destroy") == 0);
    CHECK_FALSE(fs::exists(rig.remembered_file()));
    CHECK_THAT(r.log, Catch::Contains("shut down gracefully"));
}

TEST_CASE("a guest that ignores the shutdown request is destroyed after shutdown_timeout", "[vd-stop]")
{
    Rig rig;
    rig.vars["OCF_RESKEY_shutdown_timeout"] = "1";
    REQUIRE(rig.run("start").code == 0);
    auto d = *rig.fake.get("vm1");
    d.honours_shutdown = false;
    rig.fake.add(d);
    auto r = rig.run("stop");
    CHECK(r.code == 0);
    CHECK(r.seconds >= 0.9);
    CHECK(r.seconds < 3);
    CHECK(rig.faulty.count("shutdown") == 1);
    CHECK(rig.faulty.count("destroy") == 1);
    CHECK_FALSE(rig.fake.get("vm1"));
}

TEST_CASE("force_stop and shutdown_timeout=0 destroy right away; paused guests too", "[vd-stop]")
{
    Rig rig;
    SECTION("force_stop") { rig.vars["OCF_RESKEY_force_stop"] = "true"; }
    SECTION("shutdown_timeout=0") { rig.vars["OCF_RESKEY_shutdown_timeout"] = "0"; }
    SECTION("paused")
    {
        REQUIRE(rig.run("start").code == 0);
        rig.fake.set_state("vm1", {DomainState::Paused, paused_reason::User, 1, 65536});
    }
    if (!rig.fake.get("vm1")) REQUIRE(rig.run("start").code == 0);
    auto r = rig.run("stop");
    CHECK(r.code == 0);
    CHECK(rig.faulty.count("shutdown") == 0);
    CHECK(rig.faulty.count("destroy") == 1);
}

TEST_CASE("stop finds the guest when the config file is gone", "[vd-stop]")
{
    Rig rig;
    SECTION("by what start remembered")
    {
        REQUIRE(rig.run("start").code == 0);
        fs::remove(rig.config());
        CHECK(rig.run("monitor").code == 0);
        auto r = rig.run("stop");
        CHECK(r.code == 0);
        CHECK_FALSE(rig.fake.get("vm1"));
    }
    SECTION("by the domain parameter")
    {
        rig.fake.add({.name = "vm1", .uuid = kUuid, .xml = domain_xml("vm1", kUuid), .active = true,
                      .status = {DomainState::Running, 1, 1, 65536}});
        fs::remove(rig.config());
        rig.vars["OCF_RESKEY_domain"] = "vm1";
        CHECK(rig.run("stop").code == 0);
        CHECK_FALSE(rig.fake.get("vm1"));
    }
    SECTION("nothing known: nothing was started here")
    {
        fs::remove(rig.config());
        auto r = rig.run("stop");
        CHECK(r.code == 0);
        CHECK_THAT(r.log, Catch::Contains("nothing to stop") && Catch::Contains("does not exist"));
        CHECK(rig.faulty.count("connect") == 0);
    }
}

namespace {

// Opens a FIFO for writing (and closes it) from `after` on, so that a reader blocked on it sees
// EOF: without a bound of its own, an agent would otherwise hang this test for ever.
struct FifoUnblocker {
    std::atomic<bool> done{false};
    std::thread thread;
    FifoUnblocker(const std::string& path, std::chrono::milliseconds after)
        : thread([this, path, after] {
              auto from = std::chrono::steady_clock::now() + after;
              while (!done) {
                  if (std::chrono::steady_clock::now() >= from) {
                      int fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
                      if (fd >= 0) ::close(fd);
                  }
                  usleep(50000);
              }
          })
    {
    }
    ~FifoUnblocker()
    {
        done = true;
        thread.join();
    }
};

}  // namespace

// The config usually lives on the cluster file system, which blocks while DLM waits for a
// fence; a FIFO nobody writes to blocks the same way.
TEST_CASE("a config that does not answer: validate fails in time; monitor and stop go on with what start remembered",
          "[vd-stop][vd-faults]")
{
    Rig rig;
    REQUIRE(rig.run("start").code == 0);
    fs::remove(rig.config());
    REQUIRE(mkfifo(rig.config().c_str(), 0600) == 0);
    FifoUnblocker unblock(rig.config(), std::chrono::seconds(8));
    rig.vars["OCF_RESKEY_CRM_meta_timeout"] = "5000";  // 3 s after the margin

    auto validate = rig.run("validate-all");
    INFO(validate.log << validate.reason);
    CHECK(validate.code == 1);
    CHECK(validate.seconds < 4);
    CHECK_THAT(validate.reason, Catch::Contains("parameter 'config'") && Catch::Contains("not readable within"));

    SECTION("remembered at start")
    {
        auto monitor = rig.run("monitor");
        CHECK(monitor.code == 0);
        CHECK(monitor.seconds < 4);
        auto stop = rig.run("stop");
        INFO(stop.log << stop.reason);
        CHECK(stop.code == 0);
        CHECK(stop.seconds < 4);
        CHECK_FALSE(rig.fake.get("vm1"));
    }
    SECTION("nothing remembered: the domain parameter, else an error, never a false success")
    {
        fs::remove(rig.remembered_file());
        auto stop = rig.run("stop");
        CHECK(stop.code == 1);
        CHECK(stop.seconds < 4);
        CHECK_THAT(stop.reason, Catch::Contains("not readable within") && Catch::Contains("set parameter 'domain'"));
        CHECK_THAT(fit_exit_reason(stop.reason),
                   Catch::StartsWith("cannot tell if this resource's domain runs here (set parameter 'domain' to "
                                     "stop it without the file): parameter 'config'"));
        CHECK(rig.running());
        auto probe = rig.run("monitor");
        CHECK(probe.code == 1);
        rig.vars["OCF_RESKEY_domain"] = "vm1";
        auto by_name = rig.run("stop");
        CHECK(by_name.code == 0);
        CHECK_THAT(by_name.log, Catch::Contains("acting on domain 'vm1' from parameter 'domain'"));
        CHECK_FALSE(rig.fake.get("vm1"));
    }
}

TEST_CASE("stop is idempotent and survives invalid parameters", "[vd-stop]")
{
    Rig rig;
    CHECK(rig.run("stop").code == 0);
    rig.vars["OCF_RESKEY_shutdown_timeout"] = "-5";
    rig.vars["OCF_RESKEY_hypervisor"] = "bogus";
    CHECK(rig.run("stop").code == 0);
}

TEST_CASE("stop without libvirtd ends the guest's qemu process itself: TERM, then KILL", "[vd-stop]")
{
    Rig rig;
    REQUIRE(rig.run("start").code == 0);
    rig.fake.set_down(true);
    SECTION("qemu quits on SIGTERM")
    {
        FakeQemu qemu(rig.tmp.file("qemu-run"), "vm1");
        auto r = rig.run("stop");
        INFO(r.log << r.reason);
        CHECK(r.code == 0);
        CHECK(qemu.ended_by() == SIGTERM);
        CHECK_THAT(r.log, Catch::Contains("libvirt-sock") && Catch::Contains("qemu process " + std::to_string(qemu.pid)) &&
                              Catch::Contains("ended after SIGTERM"));
        CHECK_FALSE(fs::exists(rig.remembered_file()));
        CHECK(rig.run("stop").code == 0);  // idempotent: the zombie is no qemu any more
    }
    SECTION("qemu ignores SIGTERM: SIGKILL after the grace, within the deadline")
    {
        FakeQemu qemu(rig.tmp.file("qemu-run"), "vm1", true);
        rig.vars["OCF_RESKEY_CRM_meta_timeout"] = "9000";  // 7 s after the margin: grace 2.3 s
        auto r = rig.run("stop");
        INFO(r.log << r.reason);
        CHECK(r.code == 0);
        CHECK(qemu.ended_by() == SIGKILL);
        CHECK(r.seconds > 2.0);
        CHECK(r.seconds < 7.0);
        CHECK_THAT(r.log, Catch::Contains("ended after SIGKILL"));
    }
    SECTION("a pid file naming another process is never signalled")
    {
        FakeQemu other(rig.tmp.file("qemu-run"), "vm2");
        write_file(rig.tmp.file("qemu-run") + "/vm1.pid", std::to_string(other.pid));
        auto r = rig.run("stop");
        CHECK(r.code == 0);
        CHECK_THAT(r.log, Catch::Contains("no qemu process"));
        CHECK_FALSE(other.ended_by());
    }
    SECTION("no qemu process")
    {
        auto r = rig.run("stop");
        CHECK(r.code == 0);
        CHECK_THAT(r.log, Catch::Contains("no qemu process"));
    }
}

TEST_CASE("stop: libvirt lost in the middle: the guest's qemu is ended, never a false success", "[vd-stop][vd-faults]")
{
    Rig rig;
    REQUIRE(rig.run("start").code == 0);
    auto d = *rig.fake.get("vm1");
    d.honours_shutdown = false;
    rig.fake.add(d);
    FakeQemu qemu(rig.tmp.file("qemu-run"), "vm1");
    rig.faulty.inject({.call = "status", .kind = HvErrorKind::ConnectionLost,
                       .message = "End of file while reading data: Input/output error", .skip = 2});
    auto r = rig.run("stop");
    INFO(r.log << r.reason);
    CHECK(r.code == 0);
    CHECK_THAT(r.log, Catch::Contains("End of file") && Catch::Contains("ended after SIGTERM"));
    CHECK(qemu.ended_by() == SIGTERM);
}

// libvirtd answers, but the shutdown request times out (guest-agent mode with a silent agent,
// a domain job lock held by a hung save): destroy still works, so a fence would be for nothing.
TEST_CASE("a shutdown request that times out is followed by destroy within the deadline", "[vd-stop][vd-faults]")
{
    Rig rig;
    rig.vars["OCF_RESKEY_call_timeout"] = "1";
    rig.vars["OCF_RESKEY_CRM_meta_timeout"] = "12000";
    REQUIRE(rig.run("start").code == 0);
    FakeQemu qemu(rig.tmp.file("qemu-run"), "vm1");
    SECTION("the request does not return within call_timeout")
    {
        rig.faulty.inject({.call = "shutdown", .action = Fault::Action::Hang});
    }
    SECTION("libvirtd's own timeout")
    {
        rig.faulty.inject({.call = "shutdown", .kind = HvErrorKind::Busy,
                           .message = "Timed out during operation: cannot acquire state change lock (held by "
                                      "monitor=remoteDispatchDomainSaveFlags)"});
    }
    auto r = rig.run("stop");
    INFO(r.log << r.reason);
    CHECK(r.code == 0);
    CHECK(r.seconds < 10);
    CHECK(rig.faulty.count("destroy") == 1);
    CHECK_FALSE(rig.fake.get("vm1"));
    CHECK_THAT(r.log, Catch::Contains("graceful shutdown request for domain vm1 failed") && Catch::Contains("destroyed"));
    rig.faulty.release_hangs();
}

TEST_CASE("stop fails when destroy fails", "[vd-stop][vd-faults]")
{
    Rig rig;
    rig.vars["OCF_RESKEY_force_stop"] = "true";
    REQUIRE(rig.run("start").code == 0);
    rig.faulty.inject({.call = "destroy", .kind = HvErrorKind::Other, .message = "Failed to terminate process 4242 with SIGKILL: Device or resource busy"});
    auto r = rig.run("stop");
    CHECK(r.code == 1);
    CHECK_THAT(r.reason, Catch::Contains("SIGKILL"));
    CHECK(rig.running());
}

TEST_CASE("monitor: one state query, mapped deliberately", "[vd-monitor]")
{
    Rig rig;
    CHECK(rig.run("monitor").code == 7);
    REQUIRE(rig.run("start").code == 0);
    rig.faulty.clear();
    auto before = rig.faulty.calls().size();
    CHECK(rig.run("monitor").code == 0);
    auto calls = rig.faulty.calls();
    CHECK(std::vector<std::string>(calls.begin() + static_cast<long>(before), calls.end()) ==
          std::vector<std::string>{"connect", "status"});

    rig.fake.set_state("vm1", {DomainState::Paused, paused_reason::User, 1, 65536});
    CHECK(rig.run("monitor").code == 0);
    rig.fake.set_state("vm1", {DomainState::Paused, paused_reason::IoError, 1, 65536});
    auto io = rig.run("monitor");
    CHECK(io.code == 1);
    CHECK_THAT(io.reason, Catch::Contains("I/O error"));
    rig.fake.set_state("vm1", {DomainState::Crashed, 0, 1, 65536});
    CHECK(rig.run("monitor").code == 1);
}

TEST_CASE("probe of a resource whose config does not exist here is not running", "[vd-monitor]")
{
    Rig rig;
    fs::remove(rig.config());
    rig.vars["OCF_RESKEY_CRM_meta_interval"] = "0";
    CHECK(rig.run("monitor").code == 7);
    rig.vars["OCF_RESKEY_CRM_meta_interval"] = "10000";
    CHECK(rig.run("monitor").code == 5);
}

TEST_CASE("monitor without libvirtd: degraded while qemu runs, else not running", "[vd-monitor]")
{
    Rig rig;
    REQUIRE(rig.run("start").code == 0);
    rig.fake.set_down(true);
    {
        FakeQemu qemu(rig.tmp.file("qemu-run"), "vm1");
        auto r = rig.run("monitor");
        CHECK(r.code == 190);
        CHECK_THAT(r.reason, Catch::Contains("libvirt is unreachable") && Catch::Contains(std::to_string(qemu.pid)));
        // The cluster shows the reason's start: the fact that matters comes first.
        CHECK_THAT(r.reason_line, Catch::StartsWith(fmt::format("the qemu process {} of domain vm1 still runs, but "
                                                                "libvirt is unreachable", qemu.pid)));
    }
    auto r = rig.run("monitor");
    CHECK(r.code == 7);
    rig.vars["OCF_RESKEY_hypervisor"] = "qemu+tcp://elsewhere/system";
    fs::remove(rig.remembered_file());
    CHECK(rig.run("monitor").code == 1);
}

TEST_CASE("utilization is written only when it changed", "[vd-monitor]")
{
    Rig rig;
    rig.vars["OCFKIT_CLUSTER"] = "pacemaker";
    FakeRunner runner;
    runner.expect({"crm_resource"}, FakeRunner::exited(0));
    REQUIRE(rig.run("start", &runner).code == 0);
    REQUIRE(rig.run("monitor", &runner).code == 0);
    CHECK(runner.count("crm_resource") == 3);
    CHECK_THAT(runner.call_lines(),
               Catch::VectorContains(std::string("crm_resource --resource vm --utilization --set-parameter cpu --parameter-value 1")));
    CHECK_THAT(runner.call_lines(),
               Catch::VectorContains(std::string("crm_resource --resource vm --utilization --set-parameter hv_memory --parameter-value 64")));
    REQUIRE(rig.run("monitor", &runner).code == 0);
    CHECK(runner.count("crm_resource") == 3);  // a healthy, unchanged monitor runs nothing
    rig.fake.set_state("vm1", {DomainState::Running, 1, 2, 65536});
    REQUIRE(rig.run("monitor", &runner).code == 0);
    CHECK(runner.count("crm_resource") == 4);
    rig.vars["OCF_RESKEY_autoset_utilization_cpu"] = "false";
    rig.fake.set_state("vm1", {DomainState::Running, 1, 4, 65536});
    REQUIRE(rig.run("monitor", &runner).code == 0);
    CHECK(runner.count("crm_resource") == 4);
}

TEST_CASE("migrate_to moves the guest; migrate_from takes it over", "[vd-migrate]")
{
    Rig source;
    FakeHypervisor target_hv;
    source.fake.set_migration_target(&target_hv);
    source.vars["OCF_RESKEY_migration_transport"] = "ssh";
    source.vars["OCF_RESKEY_migration_downtime"] = "250";
    source.vars["OCF_RESKEY_CRM_meta_migrate_target"] = "node2";
    REQUIRE(source.run("start").code == 0);
    auto r = source.run("migrate_to");
    INFO(r.log << r.reason);
    REQUIRE(r.code == 0);
    REQUIRE(source.fake.migrations().size() == 1);
    CHECK(source.fake.migrations()[0].dest_uri == "qemu+ssh://node2/system?no_tty=1");
    CHECK(source.faulty.count("set_max_downtime") == 1);
    CHECK_FALSE(source.fake.get("vm1"));
    CHECK_FALSE(fs::exists(source.remembered_file()));

    VirtDomainAgent target_agent(target_hv);
    TempDir target_tmp;
    auto vars = source.vars;
    vars["OCF_RESKEY_CRM_meta_migrate_source"] = "node1";
    auto from = run_action(target_agent, "migrate_from", vars, target_tmp);
    INFO(from.log << from.reason);
    CHECK(from.code == 0);
    CHECK(load_remembered(target_tmp.file("rsctmp") + "/ocfkit-virtdomain-vm.state"));
    CHECK(run_action(target_agent, "monitor", vars, target_tmp).code == 0);
}

TEST_CASE("a failed migration leaves the guest running on the source and says why", "[vd-migrate][vd-faults]")
{
    Rig rig;
    rig.vars["OCF_RESKEY_migration_transport"] = "tcp";
    rig.vars["OCF_RESKEY_CRM_meta_migrate_target"] = "node2";
    REQUIRE(rig.run("start").code == 0);
    SECTION("libvirt error")
    {
        rig.faulty.inject({.call = "migrate", .kind = HvErrorKind::Other,
                           .message = "operation failed: migration out job: unexpectedly failed"});
        auto r = rig.run("migrate_to");
        CHECK(r.code == 1);
        CHECK_THAT(r.reason, Catch::Contains("unexpectedly failed") && Catch::Contains("qemu+tcp://node2/system") &&
                                 Catch::Contains("keeps running here"));
        CHECK_THAT(r.reason_line, Catch::StartsWith("live migration of domain vm1 to node2 failed, the guest keeps "
                                                    "running here (running): "));
    }
    SECTION("a migration that overruns the deadline is aborted")
    {
        rig.vars["OCF_RESKEY_CRM_meta_timeout"] = "6000";
        rig.faulty.inject({.call = "migrate", .action = Fault::Action::Hang});
        auto r = rig.run("migrate_to");
        rig.faulty.release_hangs();
        CHECK(r.code == 1);
        CHECK(r.seconds < 6);
        CHECK_THAT(r.reason, Catch::Contains("did not return within") && Catch::Contains("aborted") &&
                                 Catch::Contains("keeps running here"));
        CHECK_THAT(r.reason_line, Catch::Contains("failed, the guest keeps running here"));
        CHECK(rig.fake.aborts() == 1);
    }
    SECTION("the target hypervisor cannot be reached")
    {
        auto r = rig.run("migrate_to");
        CHECK(r.code == 1);
        CHECK_THAT(r.reason, Catch::Contains("cannot connect to qemu+tcp://node2/system"));
    }
    CHECK(rig.running());
}

TEST_CASE("migrate_to refuses what cannot work", "[vd-migrate]")
{
    Rig rig;
    SECTION("not running here")
    {
        rig.vars["OCF_RESKEY_CRM_meta_migrate_target"] = "node2";
        auto r = rig.run("migrate_to");
        CHECK(r.code == 1);
        CHECK_THAT(r.reason, Catch::Contains("not running here"));
    }
    SECTION("no target")
    {
        REQUIRE(rig.run("start").code == 0);
        auto r = rig.run("migrate_to");
        CHECK(r.code == 1);  // not the parameters: this invocation
        CHECK_THAT(r.reason, Catch::Contains("migrate_target"));
    }
    SECTION("bad options")
    {
        rig.vars["OCF_RESKEY_migrate_options"] = "--live --turbo";
        auto r = rig.run("migrate_to");
        CHECK(r.code == 6);
        CHECK_THAT(r.reason, Catch::Contains("'--turbo'"));
    }
}

TEST_CASE("migrate_from gives up at the deadline when the guest never arrives", "[vd-migrate]")
{
    Rig rig;
    rig.vars["OCF_RESKEY_CRM_meta_timeout"] = "3000";
    rig.vars["OCF_RESKEY_CRM_meta_migrate_source"] = "node1";
    auto r = rig.run("migrate_from");
    CHECK(r.code == 1);
    CHECK(r.seconds < 3);
    CHECK_THAT(r.reason, Catch::Contains("did not arrive from node1"));
}

TEST_CASE("validate: files, shared storage, conflicts, reachability", "[vd-validate]")
{
    Rig rig;
    CHECK(rig.run("validate-all").code == 0);
    SECTION("missing disk image")
    {
        write_file(rig.config(), domain_xml("vm1", kUuid, "<disk type='file'><source file='/nonexistent/vm1.qcow2'/><target dev='vda'/></disk>"));
        auto r = rig.run("validate-all");
        CHECK(r.code == 5);
        CHECK_THAT(r.reason, Catch::Contains("disk vda") && Catch::Contains("/nonexistent/vm1.qcow2"));
        CHECK(rig.run("start").code == 5);
    }
    SECTION("emulator missing")
    {
        write_file(rig.config(), domain_xml("vm1", kUuid, "<emulator>/usr/bin/qemu-nonexistent</emulator>"));
        auto r = rig.run("validate-all");
        CHECK(r.code == 5);
        CHECK_THAT(r.reason, Catch::Contains("emulator /usr/bin/qemu-nonexistent"));
    }
    SECTION("a local disk when migration is allowed")
    {
        write_file(rig.tmp.file("disk.img"), "x");
        write_file(rig.config(), domain_xml("vm1", kUuid, "<disk type='file'><source file='" + rig.tmp.file("disk.img") + "'/><target dev='vda'/></disk>"));
        CHECK(rig.run("validate-all").code == 0);
        rig.vars["OCF_RESKEY_CRM_meta_allow_migrate"] = "true";
        auto r = rig.run("validate-all");
        CHECK(r.code == 5);  // this node's mounts: the shared file system may just not be mounted here
        CHECK_THAT(r.reason, Catch::Contains("not shared storage") && Catch::Contains("disk vda"));
        rig.vars["OCF_RESKEY_migrate_options"] = "--copy-storage-all";
        CHECK(rig.run("validate-all").code == 0);
    }
    SECTION("save_dir missing")
    {
        rig.vars["OCF_RESKEY_save_dir"] = "/nonexistent-save-dir";
        CHECK(rig.run("validate-all").code == 5);
    }
    SECTION("force_stop with save_on_stop")
    {
        rig.vars["OCF_RESKEY_save_dir"] = rig.tmp.path.string();
        rig.vars["OCF_RESKEY_save_on_stop"] = "1";
        rig.vars["OCF_RESKEY_force_stop"] = "1";
        CHECK(rig.run("validate-all").code == 6);
    }
    SECTION("domain parameter contradicts the file")
    {
        rig.vars["OCF_RESKEY_domain"] = "vm2";
        auto r = rig.run("validate-all");
        CHECK(r.code == 5);  // the file as this node reads it
        CHECK_THAT(r.reason, Catch::Contains("'vm2'") && Catch::Contains("'vm1'"));
    }
    SECTION("level 10 asks libvirt")
    {
        rig.vars["OCF_CHECK_LEVEL"] = "10";
        CHECK(rig.run("validate-all").code == 0);
        rig.fake.set_down(true);
        auto r = rig.run("validate-all");
        CHECK(r.code == 1);
        CHECK_THAT(r.reason, Catch::Contains("not reachable") && Catch::Contains("libvirt-sock"));
    }
}

TEST_CASE("bad input gets a clear reason and the right code", "[vd-validate]")
{
    Rig rig;
    struct Case {
        std::string var, value, file_text, expect_in_reason;
        int code;
    };
    std::vector<Case> cases = {
        // The file's content is what this node reads (csync2 copies, a mount missing here): 5.
        {"", "", "<domain type='qemu'><name>vm1</name>", "not well-formed", 5},
        {"", "", "just text", "not well-formed", 5},
        {"", "", "<domain type='qemu'><name>my vm</name></domain>", "whitespace", 5},
        {"", "", "<domain type='qemu'><name>vm;reboot</name></domain>", "';'", 5},
        {"OCF_RESKEY_hypervisor", "vmware:///x", "", "unknown libvirt driver 'vmware'", 6},
        {"OCF_RESKEY_hypervisor", "qemu://host/sys", "", "/system or /session", 6},
        {"OCF_RESKEY_shutdown_timeout", "-3", "", "shutdown_timeout", 6},
        {"OCF_RESKEY_call_timeout", "0", "", "call_timeout", 6},
        {"OCF_RESKEY_migration_speed", "-1", "", "migration_speed", 6},
        {"OCF_RESKEY_shutdown_mode", "acpi,reboot", "", "unknown shutdown mode 'reboot'", 6},
        {"OCF_RESKEY_domain", "a b", "", "whitespace", 6},
        {"OCF_RESKEY_domain", "x`id`", "", "'`'", 6},
        {"OCF_RESKEY_config", "relative.xml", "", "absolute path", 6},
        {"OCF_RESKEY_config", "/nonexistent/vm1.xml", "", "does not exist", 5},
        {"OCF_RESKEY_migration_transport", "carrier-pigeon", "", "unknown transport", 6},
    };
    for (const auto& c : cases) {
        Rig one;
        if (!c.var.empty()) one.vars[c.var] = c.value;
        if (!c.file_text.empty()) write_file(one.config(), c.file_text);
        for (const char* action : {"validate-all", "start"}) {
            auto r = one.run(action);
            INFO(action << " with " << c.var << "=" << c.value << " / " << c.file_text << " -> " << r.reason);
            CHECK(r.code == c.code);
            CHECK_THAT(r.reason, Catch::Contains(c.expect_in_reason));
        }
        CHECK(one.faulty.count("create") == 0);
    }
    rig.vars.erase("OCF_RESKEY_config");
    auto r = rig.run("start");
    CHECK(r.code == 6);
    CHECK_THAT(r.reason, Catch::Contains("'config' is required"));
}

// ---- parameters carried over from ocf:heartbeat:VirtualDomain ----

namespace {

// An executable file that validate accepts (the FakeRunner answers in its place).
void make_executable(const std::string& path)
{
    write_file(path, "#!/bin/sh\nexit 0\n");
    fs::permissions(path, fs::perms::owner_all);
}

// A program on the PATH children get, for the duration of a test.
struct ToolOnPath {
    std::string old = std::getenv("PATH") ? std::getenv("PATH") : "";
    ToolOnPath(const TempDir& tmp, const std::string& name)
    {
        fs::create_directories(tmp.path / "bin");
        make_executable(tmp.file("bin/" + name));
        setenv("PATH", (tmp.file("bin") + ":" + old).c_str(), 1);
    }
    ~ToolOnPath() { setenv("PATH", old.c_str(), 1); }
};

// A fake monitor script: answers in order, records the environment it got.
struct ScriptRunner {
    FakeRunner runner;
    std::vector<std::string> domains;
    std::map<std::string, std::shared_ptr<std::deque<CommandResult>>> answers;
    // Sets (or replaces) what `path` answers from now on.
    void script(const std::string& path, std::vector<CommandResult> results)
    {
        auto& queue = answers[path];
        bool registered = queue != nullptr;
        if (!registered) queue = std::make_shared<std::deque<CommandResult>>();
        queue->assign(results.begin(), results.end());
        if (registered) return;
        runner.on({path}, [this, queue](const CommandSpec& spec) {
            auto it = spec.env.find("DOMAIN_NAME");
            domains.push_back(it == spec.env.end() ? "" : it->second);
            CommandResult r = queue->front();
            if (queue->size() > 1) queue->pop_front();
            return r;
        });
    }
};

}  // namespace

TEST_CASE("monitor_scripts: run while the guest runs, a failure names the script", "[vd-monitor]")
{
    Rig rig;
    const std::string a = rig.tmp.file("check-a"), b = rig.tmp.file("check-b");
    rig.vars["OCF_RESKEY_monitor_scripts"] = a + " " + b;
    make_executable(a);
    make_executable(b);
    ScriptRunner sr;
    sr.script(a, {FakeRunner::exited(0)});
    sr.script(b, {FakeRunner::exited(0)});
    REQUIRE(rig.run("start", &sr.runner).code == 0);
    std::size_t at_start = sr.runner.calls().size();
    CHECK(at_start == 2);  // start waited for both
    CHECK(rig.run("monitor", &sr.runner).code == 0);
    CHECK(sr.runner.call_lines().back() == b);
    CHECK(sr.domains.back() == "vm1");

    SECTION("a failing script fails the monitor with its output")
    {
        sr.script(b, {FakeRunner::exited(2, "", "http://vm1:8080/health: connection refused\n")});
        auto r = rig.run("monitor", &sr.runner);
        CHECK(r.code == 1);
        CHECK_THAT(r.reason, Catch::Contains("monitor script " + b) && Catch::Contains("exit code 2") &&
                                 Catch::Contains("connection refused"));
    }
    SECTION("a script that hangs is bounded by the monitor's timeout")
    {
        sr.script(a, {FakeRunner::timed_out()});
        auto r = rig.run("monitor", &sr.runner);
        CHECK(r.code == 1);
        CHECK_THAT(r.reason, Catch::Contains("monitor script " + a));
    }
    SECTION("a script that cannot be run")
    {
        sr.script(a, {FakeRunner::not_found()});
        auto r = rig.run("monitor", &sr.runner);
        CHECK(r.code == 5);
        CHECK_THAT(r.reason, Catch::Contains(a) && Catch::Contains("cannot be run"));
    }
    SECTION("not while the guest is paused on purpose")
    {
        rig.fake.set_state("vm1", {DomainState::Paused, paused_reason::User, 1, 65536});
        sr.script(a, {FakeRunner::exited(1)});
        CHECK(rig.run("monitor", &sr.runner).code == 0);
        CHECK(sr.runner.calls().size() == at_start + 2);
    }
}

TEST_CASE("monitor_scripts: start waits for them, and gives up at its deadline", "[vd-start]")
{
    Rig rig;
    const std::string a = rig.tmp.file("check-a");
    write_file(a, "#!/bin/sh\n");
    fs::permissions(a, fs::perms::owner_all);
    rig.vars["OCF_RESKEY_monitor_scripts"] = a;
    ScriptRunner sr;
    SECTION("the service comes up after a while")
    {
        sr.script(a, {FakeRunner::exited(1), FakeRunner::exited(1), FakeRunner::exited(0)});
        auto r = rig.run("start", &sr.runner);
        CHECK(r.code == 0);
        CHECK(sr.runner.count(a) == 3);
    }
    SECTION("it never does")
    {
        rig.vars["OCF_RESKEY_CRM_meta_timeout"] = "5000";
        sr.script(a, {FakeRunner::exited(3, "service down")});
        auto r = rig.run("start", &sr.runner);
        CHECK(r.code == 1);
        CHECK(r.seconds < 5);
        CHECK_THAT(r.reason, Catch::Contains("domain vm1 runs, but monitor script " + a) && Catch::Contains("service down"));
    }
    SECTION("validate: a script that is not there")
    {
        rig.vars["OCF_RESKEY_monitor_scripts"] = a + " /nonexistent/check";
        auto r = rig.run("validate-all", &sr.runner);
        CHECK(r.code == 5);
        CHECK_THAT(r.reason, Catch::Contains("'monitor_scripts'") && Catch::Contains("/nonexistent/check"));
        rig.vars["OCF_RESKEY_monitor_scripts"] = "relative/check";
        CHECK(rig.run("validate-all", &sr.runner).code == 6);
    }
}

TEST_CASE("unset_utilization_*: the attribute is removed once per start", "[vd-monitor]")
{
    Rig rig;
    rig.vars["OCFKIT_CLUSTER"] = "pacemaker";
    rig.vars["OCF_RESKEY_unset_utilization_cpu"] = "true";
    rig.vars["OCF_RESKEY_autoset_utilization_hv_memory"] = "false";
    rig.vars["OCF_RESKEY_autoset_utilization_host_memory"] = "false";
    rig.vars["OCF_RESKEY_unset_utilization_hv_memory"] = "true";
    FakeRunner runner;
    runner.expect({"crm_resource"}, FakeRunner::exited(0));
    REQUIRE(rig.run("start", &runner).code == 0);
    REQUIRE(rig.run("monitor", &runner).code == 0);
    CHECK(runner.call_lines() ==
          std::vector<std::string>{"crm_resource --resource vm --utilization --delete-parameter cpu",
                                   "crm_resource --resource vm --utilization --delete-parameter hv_memory"});
    REQUIRE(rig.run("monitor", &runner).code == 0);
    CHECK(runner.count("crm_resource") == 2);  // done: a healthy monitor runs nothing
    REQUIRE(rig.run("stop", &runner).code == 0);
    REQUIRE(rig.run("start", &runner).code == 0);
    REQUIRE(rig.run("monitor", &runner).code == 0);
    CHECK(runner.count("crm_resource") == 4);

    SECTION("both autoset and unset given as true is a conflict")
    {
        rig.vars["OCF_RESKEY_autoset_utilization_cpu"] = "true";
        auto r = rig.run("validate-all");
        CHECK(r.code == 6);
        CHECK_THAT(r.reason, Catch::Contains("'autoset_utilization_cpu'") && Catch::Contains("'unset_utilization_cpu'"));
        CHECK(rig.run("monitor", &runner).code == 6);
    }
}

TEST_CASE("save_config_on_stop writes the definition back, atomically and only when changed", "[vd-stop]")
{
    Rig rig;
    rig.vars["OCF_RESKEY_save_config_on_stop"] = "true";
    fs::permissions(rig.config(), fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
    REQUIRE(rig.run("start").code == 0);
    // Changed through libvirt while it ran (virsh edit, setmaxmem --config, ...).
    auto d = *rig.fake.get("vm1");
    d.xml = domain_xml("vm1", kUuid, "<emulator>/usr/bin/qemu-system-x86_64</emulator>");
    rig.fake.add(d);
    auto r = rig.run("stop");
    INFO(r.log);
    REQUIRE(r.code == 0);
    std::ifstream in(rig.config());
    std::string now((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK_THAT(now, Catch::Contains("qemu-system-x86_64") && Catch::Contains(kUuid));
    CHECK(fs::status(rig.config()).permissions() ==
          (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read));
    CHECK_THAT(r.log, Catch::Contains("saved the definition of domain vm1"));
    for (const auto& entry : fs::directory_iterator(rig.tmp.path))
        CHECK_THAT(entry.path().filename().string(), !Catch::Contains(".vm1.xml.ocfkit"));

    SECTION("unchanged: nothing written")
    {
        REQUIRE(rig.run("start").code == 0);
        auto again = rig.run("stop");
        CHECK(again.code == 0);
        CHECK_THAT(again.log, !Catch::Contains("saved the definition"));
    }
    SECTION("libvirt cannot give the definition: stop goes on")
    {
        REQUIRE(rig.run("start").code == 0);
        rig.faulty.inject({.call = "definition_xml", .kind = HvErrorKind::Other, .message = "internal error"});
        auto again = rig.run("stop");
        CHECK(again.code == 0);
        CHECK_THAT(again.log, Catch::Contains("cannot save the definition") && Catch::Contains("internal error"));
        CHECK_FALSE(rig.running());
    }
    SECTION("sync_config_on_stop pushes it with csync2, which validate requires")
    {
        rig.vars["OCF_RESKEY_save_config_on_stop"] = "false";
        rig.vars["OCF_RESKEY_sync_config_on_stop"] = "true";
        auto v = rig.run("validate-all");
        CHECK(v.code == 5);
        CHECK_THAT(v.reason, Catch::Contains("csync2"));
        ToolOnPath csync2(rig.tmp, "csync2");
        REQUIRE(rig.run("start").code == 0);
        auto dd = *rig.fake.get("vm1");
        dd.xml = domain_xml("vm1", kUuid, "<memballoon model='none'/>");
        rig.fake.add(dd);
        FakeRunner runner;
        runner.expect({"csync2"}, FakeRunner::exited(0));
        REQUIRE(rig.run("stop", &runner).code == 0);
        CHECK(runner.call_lines() == std::vector<std::string>{"csync2 -x " + rig.config()});
    }
}

// The config directory may be writable by others (a shared file system, a group of admins):
// a name planted there must never redirect root's write of the domain XML, which has secrets.
TEST_CASE("save_config_on_stop never writes through a planted temporary name", "[vd-stop]")
{
    Rig rig;
    rig.vars["OCF_RESKEY_save_config_on_stop"] = "true";
    REQUIRE(rig.run("start").code == 0);
    auto d = *rig.fake.get("vm1");
    d.xml = domain_xml("vm1", kUuid, "<graphics type='vnc' passwd='s3cret'/>");
    rig.fake.add(d);
    std::string victim = rig.tmp.file("victim");
    write_file(victim, "untouched\n");
    // The names a predictable scheme would use.
    fs::create_symlink(victim, rig.tmp.file(".vm1.xml.ocfkit-tmp"));
    fs::create_symlink(victim, rig.tmp.file(".vm1.xml.tmp"));
    auto r = rig.run("stop");
    INFO(r.log);
    REQUIRE(r.code == 0);
    std::ifstream in(victim);
    std::string now((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(now == "untouched\n");
    CHECK(fs::is_symlink(rig.tmp.file(".vm1.xml.ocfkit-tmp")));
    std::ifstream cfg(rig.config());
    std::string written((std::istreambuf_iterator<char>(cfg)), std::istreambuf_iterator<char>());
    CHECK_THAT(written, Catch::Contains("s3cret"));
    CHECK_THAT(r.log, Catch::Contains("saved the definition of domain vm1"));
}

TEST_CASE("backingfile: a qcow2 overlay, fresh on every start with stateless", "[vd-start]")
{
    Rig rig;
    const std::string base = rig.tmp.file("base.img"), overlay = rig.tmp.file("vm1.qcow2");
    write_file(base, "base");
    write_file(rig.config(), domain_xml("vm1", kUuid, "<disk type='file' device='disk'><source file='" + overlay +
                                                          "'/><target dev='vda'/></disk>"));
    rig.vars["OCF_RESKEY_backingfile"] = base;
    FakeRunner runner;
    runner.expect({"qemu-img", "info"}, FakeRunner::exited(0, R"({"virtual-size": 1048576, "filename": "base.img", "format": "raw"})"));
    int created = 0;
    runner.on({"qemu-img", "create"}, [&](const CommandSpec& spec) {
        write_file(spec.argv.back(), "overlay " + std::to_string(++created));
        return FakeRunner::exited(0);
    });
    auto overlay_text = [&] {
        std::ifstream in(overlay);
        return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    };
    auto r = rig.run("start", &runner);
    INFO(r.log << r.reason);
    REQUIRE(r.code == 0);
    CHECK(overlay_text() == "overlay 1");
    CHECK_THAT(runner.call_lines(),
               Catch::VectorContains("qemu-img create -q -f qcow2 -F raw -b " + base + " " + overlay + ".ocfkit-new"));
    REQUIRE(rig.run("stop", &runner).code == 0);

    SECTION("kept across starts by default")
    {
        REQUIRE(rig.run("start", &runner).code == 0);
        CHECK(overlay_text() == "overlay 1");
        CHECK(created == 1);
    }
    SECTION("stateless: a new one each start")
    {
        rig.vars["OCF_RESKEY_stateless"] = "true";
        REQUIRE(rig.run("start", &runner).code == 0);
        CHECK(overlay_text() == "overlay 2");
    }
    SECTION("copyindirs fills a fresh overlay")
    {
        fs::create_directories(rig.tmp.path / "inject" / "etc");
        rig.vars["OCF_RESKEY_stateless"] = "yes";
        rig.vars["OCF_RESKEY_copyindirs"] = rig.tmp.file("inject/etc");
        CHECK(rig.run("validate-all", &runner).code == 5);  // virt-copy-in is not installed
        ToolOnPath tool(rig.tmp, "virt-copy-in");
        runner.expect({"virt-copy-in"}, FakeRunner::exited(0));
        REQUIRE(rig.run("start", &runner).code == 0);
        CHECK(runner.call_lines().back() == "virt-copy-in -a " + overlay + " --format=qcow2 " + rig.tmp.file("inject/etc") + " /");
    }
    SECTION("a failed create fails start and leaves the old overlay")
    {
        rig.vars["OCF_RESKEY_stateless"] = "true";
        FakeRunner broken;
        broken.expect({"qemu-img", "info"}, FakeRunner::exited(0, R"({"format": "qcow2"})"));
        broken.expect({"qemu-img", "create"},
                      FakeRunner::exited(1, "", "qemu-img: Could not open backing file: Permission denied\n"));
        auto failed = rig.run("start", &broken);
        CHECK(failed.code == 1);
        CHECK_THAT(failed.reason, Catch::Contains("'backingfile'") && Catch::Contains("Permission denied"));
        CHECK(overlay_text() == "overlay 1");
        CHECK_FALSE(fs::exists(overlay + ".ocfkit-new"));
        CHECK_FALSE(rig.fake.get("vm1"));
    }
}

TEST_CASE("backingfile, stateless, copyindirs: what validate refuses", "[vd-validate]")
{
    Rig rig;
    const std::string overlay = rig.tmp.file("vm1.qcow2");
    SECTION("stateless without backingfile")
    {
        rig.vars["OCF_RESKEY_stateless"] = "true";
        auto r = rig.run("validate-all");
        CHECK(r.code == 6);
        CHECK_THAT(r.reason, Catch::Contains("'stateless' needs 'backingfile'"));
    }
    SECTION("copyindirs without backingfile")
    {
        rig.vars["OCF_RESKEY_copyindirs"] = "/etc";
        CHECK(rig.run("validate-all").code == 6);
    }
    SECTION("backing file missing")
    {
        rig.vars["OCF_RESKEY_backingfile"] = "/nonexistent/base.img";
        auto r = rig.run("validate-all");
        CHECK(r.code == 5);
        CHECK_THAT(r.reason, Catch::Contains("'backingfile'") && Catch::Contains("/nonexistent/base.img"));
    }
    SECTION("the config does not use the overlay")
    {
        write_file(rig.tmp.file("base.img"), "base");
        rig.vars["OCF_RESKEY_backingfile"] = rig.tmp.file("base.img");
        auto r = rig.run("validate-all");
        CHECK(r.code == 5);
        CHECK_THAT(r.reason, Catch::Contains("no file disk") && Catch::Contains(overlay));
        // Once it does, the overlay need not exist yet: start creates it.
        write_file(rig.config(), domain_xml("vm1", kUuid, "<disk type='file'><source file='" + overlay +
                                                              "'/><target dev='vda'/></disk>"));
        CHECK(rig.run("validate-all").code == 0);
        rig.vars["OCF_RESKEY_copyindirs"] = "/nonexistent-dir";
        CHECK(rig.run("validate-all").code == 5);
    }
}

TEST_CASE("start_resources: pools and networks started before the guest", "[vd-start]")
{
    Rig rig;
    write_file(rig.config(), domain_xml("vm1", kUuid,
                                        "<disk type='volume'><source pool='vmpool' volume='a.img'/><target dev='vda'/></disk>"
                                        "<interface type='network'><source network='isolated'/></interface>"));
    rig.vars["OCF_RESKEY_start_resources"] = "true";
    rig.fake.define_pool("vmpool", false);
    rig.fake.define_network("isolated", false);
    SECTION("inactive ones are started, active pools refreshed")
    {
        auto r = rig.run("start");
        INFO(r.log << r.reason);
        REQUIRE(r.code == 0);
        CHECK(*rig.fake.pool_active("vmpool"));
        CHECK(*rig.fake.network_active("isolated"));
        CHECK_THAT(r.log, Catch::Contains("started storage pool vmpool") && Catch::Contains("started network isolated"));
        REQUIRE(rig.run("stop").code == 0);
        REQUIRE(rig.run("start").code == 0);
        CHECK(rig.fake.pool_refreshes() == 1);
    }
    SECTION("a network not defined here")
    {
        rig.fake.impl()->networks.clear();
        auto r = rig.run("start");
        CHECK(r.code == 5);
        CHECK_THAT(r.reason, Catch::Contains("'start_resources'") && Catch::Contains("network isolated"));
        CHECK_FALSE(rig.fake.get("vm1"));
    }
    SECTION("a pool that fails to start")
    {
        rig.faulty.inject({.call = "activate_pool", .kind = HvErrorKind::Other,
                           .message = "cannot mount nfs-server:/vm on /vm: Connection refused"});
        auto r = rig.run("start");
        CHECK(r.code == 1);
        CHECK_THAT(r.reason, Catch::Contains("storage pool vmpool") && Catch::Contains("Connection refused"));
    }
    SECTION("off: nothing is touched")
    {
        rig.vars["OCF_RESKEY_start_resources"] = "false";
        REQUIRE(rig.run("start").code == 0);
        CHECK(rig.faulty.count("activate_pool") == 0);
        CHECK_FALSE(*rig.fake.network_active("isolated"));
    }
}

TEST_CASE("migrate_to with start_resources and save_config_on_stop acts on the target first", "[vd-migrate]")
{
    Rig source;
    FakeHypervisor target_hv;
    source.fake.set_migration_target(&target_hv);
    write_file(source.config(), domain_xml("vm1", kUuid, "<interface type='network'><source network='isolated'/></interface>"));
    source.vars["OCF_RESKEY_start_resources"] = "true";
    source.vars["OCF_RESKEY_save_config_on_stop"] = "true";
    source.vars["OCF_RESKEY_migration_transport"] = "ssh";
    source.vars["OCF_RESKEY_CRM_meta_migrate_target"] = "node2";
    source.fake.define_network("isolated", true);
    REQUIRE(source.run("start").code == 0);
    SECTION("the network is not defined on the target: refused, the guest stays")
    {
        source.faulty.inject({.call = "activate_network", .kind = HvErrorKind::NoObject,
                              .message = "Network not found: no network with matching name 'isolated' (network isolated)"});
        auto r = source.run("migrate_to");
        CHECK(r.code == 1);
        CHECK_THAT(r.reason, Catch::Contains("network isolated") && Catch::Contains("node2"));
        CHECK(source.running());
        CHECK(source.fake.migrations().empty());
    }
    SECTION("started there, then migrated")
    {
        // The fake's "target" connection is the same in-memory host: define it there.
        source.fake.define_network("isolated", false);
        auto r = source.run("migrate_to");
        INFO(r.log << r.reason);
        CHECK(r.code == 0);
        CHECK(*source.fake.network_active("isolated"));
        CHECK(source.fake.uris().back() == "qemu+ssh://node2/system?no_tty=1");
        CHECK(source.faulty.count("definition_xml") == 1);
    }
}

TEST_CASE("clean reboot: start and migrate_from order Pacemaker before libvirt; stop and migrate_to undo it",
          "[vd-start][vd-stop]")
{
    Rig rig;
    rig.vars["OCFKIT_HOST_ROOT"] = rig.tmp.file("host");
    const std::string dropin =
        rig.tmp.file("host") + "/run/systemd/system/resource-agents-deps.target.d/50-ocfkit-virtdomain-vm.conf";
    FakeRunner runner;
    runner.expect({"systemctl", "daemon-reload"}, FakeRunner::exited(0));
    SECTION("no systemd: nothing written")
    {
        REQUIRE(rig.run("start", &runner).code == 0);
        CHECK_FALSE(fs::exists(rig.tmp.file("host") + "/run/systemd"));
        CHECK(runner.calls().empty());
    }
    SECTION("systemd")
    {
        fs::create_directories(rig.tmp.file("host") + "/run/systemd/system");
        REQUIRE(rig.run("start", &runner).code == 0);
        REQUIRE(fs::exists(dropin));
        std::ifstream in(dropin);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        CHECK_THAT(text, Catch::Contains("[Unit]\nAfter=libvirtd.service\n") &&
                             Catch::Contains("After=libvirt-guests.service\n"));
        CHECK_THAT(text, !Catch::Contains(".scope"));  // no qemu process here: no scope known
        CHECK(runner.call_lines() == std::vector<std::string>{"systemctl daemon-reload"});
        CHECK(rig.run("monitor", &runner).code == 0);
        CHECK(runner.calls().size() == 1);  // unchanged: no second reload
        fs::remove(dropin);
        rig.vars["OCF_RESKEY_CRM_meta_interval"] = "10000";
        // systemd still orders after every unit (nothing reloaded it since): no reload.
        runner.expect({"systemctl", "show"},
                      FakeRunner::exited(0, "basic.target libvirtd.service virtqemud.service virtlogd.service "
                                            "libvirt-guests.service\n"));
        CHECK(rig.run("monitor", &runner).code == 0);
        CHECK(fs::exists(dropin));  // a recurring monitor puts it back
        CHECK(runner.call_lines() ==
              std::vector<std::string>{"systemctl daemon-reload",
                                       "systemctl show --property=After --value resource-agents-deps.target"});
        rig.vars.erase("OCF_RESKEY_CRM_meta_interval");
        CHECK(rig.run("stop", &runner).code == 0);
        CHECK_FALSE(fs::exists(dropin));
        CHECK(runner.calls().size() == 2);  // stop does not reload
    }
}

TEST_CASE("clean reboot: the guest's own systemd scope is ordered too, and followed when it changes",
          "[vd-start][vd-monitor]")
{
    Rig rig;
    rig.vars["OCFKIT_HOST_ROOT"] = rig.tmp.file("host");
    fs::create_directories(rig.tmp.file("host") + "/run/systemd/system");
    const std::string dropin =
        rig.tmp.file("host") + "/run/systemd/system/resource-agents-deps.target.d/50-ocfkit-virtdomain-vm.conf";
    FakeRunner runner;
    runner.expect({"systemctl", "daemon-reload"}, FakeRunner::exited(0));
    // The fake domain's qemu, and the cgroup file systemd's machined would give it.
    FakeQemu qemu(rig.tmp.file("qemu-run"), "vm1");
    const std::string cgroup = rig.tmp.file("proc") + "/" + std::to_string(qemu.pid) + "/cgroup";
    fs::create_directories(fs::path(cgroup).parent_path());
    write_file(cgroup, "0::/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope/libvirt/emulator\n");
    auto text = [&] {
        std::ifstream in(dropin);
        return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    };
    // Another resource's drop-in is there already; systemd's answer would list every unit but
    // the new scope, which start does not ask about: its qemu is new.
    fs::create_directories(fs::path(dropin).parent_path());
    runner.expect({"systemctl", "show"},
                  FakeRunner::exited(0, "libvirtd.service virtqemud.service virtlogd.service libvirt-guests.service "
                                        "machine-qemu\\x2d1\\x2dvm1.scope\n"));
    REQUIRE(rig.run("start", &runner).code == 0);
    CHECK_THAT(text(), Catch::Contains("After=libvirtd.service\n") &&
                           Catch::Contains("After=machine-qemu\\x2d1\\x2dvm1.scope\n"));
    CHECK(runner.call_lines() == std::vector<std::string>{"systemctl daemon-reload"});
    rig.vars["OCF_RESKEY_CRM_meta_interval"] = "10000";
    CHECK(rig.run("monitor", &runner).code == 0);
    CHECK(runner.calls().size() == 1);  // same scope: nothing written
    // libvirt restarted the guest under a new scope (domain id 2).
    write_file(cgroup, "0::/machine.slice/machine-qemu\\x2d2\\x2dvm1.scope/libvirt/emulator\n");
    CHECK(rig.run("monitor", &runner).code == 0);
    CHECK_THAT(text(), Catch::Contains("After=machine-qemu\\x2d2\\x2dvm1.scope\n") &&
                           !Catch::Contains("x2d1"));
    // The monitor asks (systemd's answer lacks the new scope), then reloads.
    CHECK(runner.call_lines() ==
          std::vector<std::string>{"systemctl daemon-reload",
                                   "systemctl show --property=After --value resource-agents-deps.target",
                                   "systemctl daemon-reload"});
}

// libvirtd hung here (fault row 1): once an operation found it so, the next ones do not wait
// call_timeout again for the same daemon process.
TEST_CASE("libvirt found hung is remembered: stop and migrate_to then connect with the short bound",
          "[vd-unreachable]")
{
    Rig rig;
    rig.vars["OCFKIT_HOST_ROOT"] = rig.tmp.file("host");
    rig.vars["OCF_RESKEY_call_timeout"] = "1";  // the full bound: 1000 ms; the short one 300 ms
    rig.vars["OCF_RESKEY_migration_transport"] = "tcp";
    rig.vars["OCF_RESKEY_CRM_meta_migrate_target"] = "node2";
    FakeDaemon daemon(rig.tmp, rig.vars["OCFKIT_HOST_ROOT"]);
    REQUIRE(rig.run("start").code == 0);
    FakeQemu qemu(rig.tmp.file("qemu-run"), "vm1");
    const std::string evidence = rig.tmp.file("rsctmp") + "/ocfkit-virtdomain-vm.unreachable";
    rig.faulty.inject({.call = "connect", .action = Fault::Action::Hang});

    auto mon = rig.run("monitor");
    INFO(mon.log << mon.reason);
    CHECK(mon.code == 190);
    // The monitor keeps the full bound (a slow but living libvirtd must not fail it) ...
    CHECK_THAT(mon.reason, Catch::Contains("did not return within 1000 ms"));
    CHECK_THAT(mon.log, Catch::Contains(fmt::format("remembered that libvirtd pid {} did not answer", daemon.pid)));
    // ... and leaves the evidence for what follows.
    REQUIRE(fs::exists(evidence));
    auto recorded = parse_evidence(*read_small_file(evidence));
    REQUIRE(recorded);
    CHECK(recorded->operation == "monitor");
    CHECK(recorded->daemon.pid == daemon.pid);

    SECTION("migrate_to fails at the short bound and says the guest still runs here")
    {
        auto r = rig.run("migrate_to");
        INFO(r.log << r.reason);
        CHECK(r.code == 1);
        CHECK_THAT(r.log, Catch::Contains("libvirt was unreachable at ") && Catch::Contains("(monitor), libvirtd pid " +
                                                                                          std::to_string(daemon.pid) +
                                                                                          " unchanged: connecting with a 0.3 s bound"));
        CHECK_THAT(r.reason, Catch::Contains("virConnectOpenAuth did not return within 300 ms"));
        CHECK_THAT(r.reason_line, Catch::StartsWith(fmt::format("libvirt is unreachable here: domain vm1 cannot migrate "
                                                                "to node2, its qemu process {} still runs here",
                                                                qemu.pid)));
        CHECK_FALSE(qemu.ended_by());
        CHECK(fs::exists(evidence));
    }
    SECTION("stop connects with the short bound, then ends the qemu itself")
    {
        auto r = rig.run("stop");
        INFO(r.log << r.reason);
        CHECK(r.code == 0);
        CHECK_THAT(r.log, Catch::Contains("unchanged: connecting with a 0.3 s bound") &&
                              Catch::Contains("did not return within 300 ms") && Catch::Contains("ended after SIGTERM"));
        CHECK(qemu.ended_by() == SIGTERM);
    }
    SECTION("start too")
    {
        auto r = rig.run("start");
        CHECK(r.code == 1);
        CHECK_THAT(r.reason, Catch::Contains("within 300 ms"));
    }
    SECTION("call_timeout below the short bound stays the bound")
    {
        AgentOptions o = rig.make_options();
        o.short_connect = std::chrono::seconds(5);
        VirtDomainAgent agent(rig.faulty, o);
        auto r = run_action(agent, "stop", rig.vars, rig.tmp);
        INFO(r.log << r.reason);
        CHECK(r.code == 0);
        CHECK_THAT(r.log, Catch::Contains("connecting with a 1.0 s bound") && Catch::Contains("within 1000 ms"));
    }
    rig.faulty.release_hangs();
}

TEST_CASE("the evidence goes with a connect that answers, and with the daemon process it was about",
          "[vd-unreachable]")
{
    Rig rig;
    rig.vars["OCFKIT_HOST_ROOT"] = rig.tmp.file("host");
    rig.vars["OCF_RESKEY_call_timeout"] = "1";
    const std::string evidence = rig.tmp.file("rsctmp") + "/ocfkit-virtdomain-vm.unreachable";
    auto daemon = std::make_unique<FakeDaemon>(rig.tmp, rig.vars["OCFKIT_HOST_ROOT"]);
    REQUIRE(rig.run("start").code == 0);
    FakeQemu qemu(rig.tmp.file("qemu-run"), "vm1");
    // A quick call that hangs counts like a connect that does.
    rig.faulty.inject({.call = "status", .action = Fault::Action::Hang, .times = 1});
    REQUIRE(rig.run("monitor").code == 190);
    REQUIRE(fs::exists(evidence));

    SECTION("a monitor that gets its answer clears it; the next stop waits the full call_timeout again")
    {
        auto mon = rig.run("monitor");
        CHECK(mon.code == 0);
        CHECK_THAT(mon.log, Catch::Contains("libvirt answers again here"));
        CHECK_FALSE(fs::exists(evidence));
        rig.faulty.inject({.call = "connect", .action = Fault::Action::Hang});
        auto r = rig.run("stop");
        INFO(r.log << r.reason);
        CHECK(r.code == 0);
        CHECK_THAT(r.log, !Catch::Contains("connecting with a") && Catch::Contains("within 1000 ms"));
    }
    SECTION("a restarted libvirtd is not the hung one")
    {
        int old_pid = daemon->pid;
        daemon.reset();
        daemon = std::make_unique<FakeDaemon>(rig.tmp, rig.vars["OCFKIT_HOST_ROOT"]);
        rig.faulty.inject({.call = "connect", .action = Fault::Action::Hang});
        auto r = rig.run("stop");
        INFO(r.log << r.reason);
        CHECK(r.code == 0);
        CHECK_THAT(r.log, Catch::Contains(fmt::format("but libvirtd pid {} is gone (libvirtd pid {} serves now): "
                                                      "connecting with the full call_timeout",
                                                      old_pid, daemon->pid)) &&
                              Catch::Contains("within 1000 ms"));
    }
    SECTION("a recycled pid (another start time) is not the hung daemon either")
    {
        auto e = parse_evidence(*read_small_file(evidence));
        REQUIRE(e);
        e->daemon.start_ticks += 1;
        write_file(evidence, format_evidence(*e));
        chmod(evidence.c_str(), 0600);
        rig.faulty.inject({.call = "connect", .action = Fault::Action::Hang});
        auto r = rig.run("stop");
        INFO(r.log << r.reason);
        CHECK_THAT(r.log, Catch::Contains("connecting with the full call_timeout") && Catch::Contains("within 1000 ms"));
    }
    SECTION("no daemon at all: nothing is remembered (a connect then fails at once)")
    {
        fs::remove(evidence);
        daemon.reset();
        rig.faulty.inject({.call = "status", .action = Fault::Action::Hang, .times = 1});
        CHECK(rig.run("monitor").code == 190);
        CHECK_FALSE(fs::exists(evidence));
    }
    rig.faulty.release_hangs();
}
