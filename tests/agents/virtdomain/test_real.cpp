// The real tier: the built virtdomain executable against a real libvirtd and tiny TCG guests.
// Run through run-real.sh (root, libvirtd up, guest images built); see README there.
#include "catch.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "libvirt_hypervisor.h"
#include "ocfkit/process_runner.h"

#include "agent_run.h"

using namespace ocfkit;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::string env_or_fail(const char* name)
{
    const char* v = std::getenv(name);
    if (!v || !*v) FAIL(fmt::format("{} is not set: run this through run-real.sh", name));
    return v;
}

std::string read_file(const std::string& path)
{
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_file(const std::string& path, const std::string& text)
{
    std::ofstream out(path, std::ios::trunc);
    out << text;
    REQUIRE(out.good());
    chmod(path.c_str(), 0644);
}

std::string replace_all(std::string s, const std::string& from, const std::string& to)
{
    for (std::size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) s.replace(pos, from.size(), to);
    return s;
}

struct Result {
    int code = -1;
    std::string out, err, reason;
    double seconds = 0;
};

CommandRunner& runner()
{
    static auto r = make_process_runner();
    return *r;
}

Result run(std::vector<std::string> argv, std::map<std::string, std::string> env = {}, std::chrono::seconds timeout = 120s)
{
    CommandSpec spec;
    spec.argv = std::move(argv);
    spec.env = std::move(env);
    spec.timeout = timeout;
    Deadline d = Deadline::after(timeout + 5s);
    CommandResult r = runner().run(spec, d);
    Result out;
    out.code = r.status == CommandResult::Status::Exited ? r.exit_code : -1;
    out.out = r.out;
    out.err = r.err;
    out.seconds = std::chrono::duration<double>(r.elapsed).count();
    out.reason = ocfkit::test::full_exit_reason(r.err);
    CHECK(ocfkit::test::exit_reason(r.err).size() <= ocfkit::kExitReasonMax);
    ocfkit::test::record_reason(out.reason);
    return out;
}

std::string virsh_state(const std::string& name)
{
    Result r = run({"virsh", "--quiet", "-c", "qemu:///system", "domstate", name}, {}, 20s);
    if (r.code != 0) return "undefined";
    std::string s = r.out;
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

std::string virsh_id(const std::string& name)
{
    return run({"virsh", "--quiet", "-c", "qemu:///system", "domid", name}, {}, 20s).out;
}

void virsh_cleanup(const std::string& name)
{
    run({"virsh", "--quiet", "-c", "qemu:///system", "destroy", name}, {}, 30s);
    run({"virsh", "--quiet", "-c", "qemu:///system", "undefine", name}, {}, 20s);
}

std::string libvirtd_sh() { return env_or_fail("OCFKIT_SOURCE_ROOT") + "/tests/lib/libvirtd.sh"; }

pid_t libvirtd_pid()
{
    Result r = run({"bash", libvirtd_sh(), "pid"}, {}, 10s);
    return static_cast<pid_t>(std::atol(r.out.c_str()));
}

void libvirtd_up()
{
    Result r = run({"bash", libvirtd_sh(), "up"}, {}, 60s);
    INFO(r.out << r.err);
    REQUIRE(r.code == 0);
}

// One guest and one resource: a work dir, the config, the agent's environment.
struct Guest {
    std::string name;
    fs::path dir;
    std::string agent = env_or_fail("OCFKIT_VD_AGENT");
    std::map<std::string, std::string> params;

    explicit Guest(const std::string& suffix, bool linux_guest = false, const std::string& cmdline = "")
        : name("ocfkit-test-vd-" + suffix)
    {
        std::string tmpl = "/var/tmp/ocfkit-vd-real.XXXXXX";
        REQUIRE(mkdtemp(tmpl.data()));
        dir = tmpl;
        chmod(dir.c_str(), 0755);
        virsh_cleanup(name);
        std::string src = env_or_fail("OCFKIT_SOURCE_ROOT") + "/tests/data/virtdomain/" +
                          (linux_guest ? "linux-guest.xml.in" : "firmware-guest.xml.in");
        std::string xml = replace_all(read_file(src), "@NAME@", name);
        if (linux_guest) {
            xml = replace_all(xml, "@IMAGES@", env_or_fail("OCFKIT_VD_IMAGES"));
            xml = replace_all(xml, "@SERIAL@", serial());
            xml = replace_all(xml, "@CMDLINE@", cmdline);
        }
        write_file(config(), xml);
        params["config"] = config();
        params["shutdown_timeout"] = "3";
        params["call_timeout"] = "3";
    }
    ~Guest()
    {
        virsh_cleanup(name);
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    std::string config() const { return (dir / (name + ".xml")).string(); }
    std::string serial() const { return (dir / "serial.log").string(); }

    Result op(const std::string& action, std::map<std::string, std::string> extra = {}, int timeout_ms = 60000)
    {
        std::map<std::string, std::string> env{{"OCF_ROOT", "/usr/lib/ocf"},
                                               {"OCF_RESOURCE_INSTANCE", name},
                                               {"OCFKIT_CLUSTER", "standalone"},
                                               {"HA_RSCTMP", (dir / "rsctmp").string()},
                                               {"OCF_RESKEY_CRM_meta_timeout", std::to_string(timeout_ms)}};
        for (const auto& [k, v] : params) env["OCF_RESKEY_" + k] = v;
        for (const auto& [k, v] : extra) env[k] = v;
        Result r = run({agent, action}, env, std::chrono::seconds(timeout_ms / 1000 + 10));
        UNSCOPED_INFO(fmt::format("{} {} -> {} in {:.2f} s; reason: {}; stderr: {}", name, action, r.code, r.seconds,
                                  r.reason, r.err));
        return r;
    }
};

// tick lines of the Linux guest: (boot id, counter) pairs in order.
std::vector<std::pair<std::string, long>> ticks(const std::string& serial)
{
    std::vector<std::pair<std::string, long>> out;
    std::istringstream in(read_file(serial));
    static const std::regex re(R"(^tick ([0-9a-f-]+) ([0-9]+)\s*$)");
    std::smatch m;
    for (std::string line; std::getline(in, line);)
        if (std::regex_match(line, m, re)) out.emplace_back(m[1], std::stol(m[2]));
    return out;
}

bool wait_for(const std::function<bool()>& cond, std::chrono::seconds limit)
{
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
        if (cond()) return true;
        std::this_thread::sleep_for(200ms);
    }
    return cond();
}

// A zombie counts as gone: its parent (libvirtd, stopped or killed here) has yet to reap it.
bool process_alive(const std::string& name)
{
    std::ifstream pidfile("/run/libvirt/qemu/" + name + ".pid");
    long pid = 0;
    if (!(pidfile >> pid) || pid <= 1 || kill(static_cast<pid_t>(pid), 0) != 0) return false;
    std::string status = read_file(fmt::format("/proc/{}/status", pid));
    return status.find("\nState:\tZ") == std::string::npos;
}

// Whatever a test did to libvirtd, the next one finds it running.
struct LibvirtdGuard {
    ~LibvirtdGuard()
    {
        if (pid_t p = libvirtd_pid(); p > 0) kill(p, SIGCONT);
        run({"bash", libvirtd_sh(), "up"}, {}, 60s);
    }
};

}  // namespace

TEST_CASE("start, double start, monitor, stop of a guest that ignores ACPI", "[real-lifecycle]")
{
    Guest g("life");
    CHECK(g.op("monitor", {{"OCF_RESKEY_CRM_meta_interval", "0"}}).code == 7);
    Result start = g.op("start");
    REQUIRE(start.code == 0);
    CHECK(virsh_state(g.name) == "running");
    std::string id = virsh_id(g.name);

    Result again = g.op("start");
    CHECK(again.code == 0);
    CHECK(virsh_id(g.name) == id);  // the same running domain, not a second one

    Result mon = g.op("monitor", {{"OCF_RESKEY_CRM_meta_interval", "10000"}});
    CHECK(mon.code == 0);
    CHECK(mon.seconds < 1.0);

    Result stop = g.op("stop");
    CHECK(stop.code == 0);
    CHECK(stop.seconds >= 3.0);  // waited shutdown_timeout for the ACPI shutdown that never came
    CHECK_THAT(stop.err, Catch::Contains("did not shut down within") && Catch::Contains("destroyed"));
    CHECK(virsh_state(g.name) == "undefined");
    CHECK_FALSE(process_alive(g.name));
    CHECK(g.op("monitor", {{"OCF_RESKEY_CRM_meta_interval", "10000"}}).code == 7);
    CHECK(g.op("stop").code == 0);
}

TEST_CASE("force_stop destroys at once; persistent domains stay defined", "[real-lifecycle]")
{
    Guest g("force");
    g.params["force_stop"] = "true";
    g.params["persistent"] = "true";
    REQUIRE(g.op("start").code == 0);
    Result stop = g.op("stop");
    CHECK(stop.code == 0);
    CHECK(stop.seconds < 3.0);
    CHECK(virsh_state(g.name) == "shut off");
    CHECK_FALSE(process_alive(g.name));
    CHECK(g.op("monitor").code == 7);
}

std::string virsh_uuid(const std::string& name)
{
    std::string s = run({"virsh", "--quiet", "-c", "qemu:///system", "domuuid", name}, {}, 20s).out;
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

std::string virsh_xml(const std::string& name, bool inactive = false)
{
    std::vector<std::string> argv{"virsh", "--quiet", "-c", "qemu:///system", "dumpxml", name};
    if (inactive) argv.push_back("--inactive");
    return run(argv, {}, 20s).out;
}

// Regression: libvirt gives a config without <uuid> a fresh random UUID on every define, so the
// second start of a persistent resource failed with "domain ... already exists with uuid ...".
TEST_CASE("persistent guest whose config has no <uuid>: every start redefines it from the config", "[real-lifecycle]")
{
    Guest g("persist");
    g.params["persistent"] = "true";
    g.params["force_stop"] = "true";
    REQUIRE(read_file(g.config()).find("<uuid>") == std::string::npos);
    REQUIRE(g.op("start").code == 0);
    const std::string uuid = virsh_uuid(g.name);
    REQUIRE(uuid.size() == 36);
    REQUIRE(g.op("stop").code == 0);
    REQUIRE(virsh_state(g.name) == "shut off");

    // An edit of the config reaches the definition with the next start.
    write_file(g.config(), replace_all(read_file(g.config()), "<memory unit='MiB'>64</memory>", "<memory unit='MiB'>80</memory>"));
    Result again = g.op("start");
    CHECK(again.code == 0);
    CHECK(virsh_state(g.name) == "running");
    CHECK(virsh_uuid(g.name) == uuid);  // the same domain, redefined
    CHECK_THAT(virsh_xml(g.name, true), Catch::Contains("<memory unit='KiB'>81920</memory>"));
    CHECK(g.op("monitor").code == 0);
    REQUIRE(g.op("stop").code == 0);
    CHECK(g.op("start").code == 0);
    REQUIRE(g.op("stop").code == 0);

    // A UUID in the config that differs from the defined domain's is a genuine conflict.
    const std::string other = "0badc0de-0000-4000-8000-0000000000aa";
    write_file(g.config(), replace_all(read_file(g.config()), "<memory", "<uuid>" + other + "</uuid><memory"));
    Result conflict = g.op("start");
    CHECK(conflict.code == 1);  // this host's libvirt: the resource may run elsewhere
    CHECK_THAT(conflict.reason, Catch::Contains(uuid) && Catch::Contains(other));
    CHECK(virsh_state(g.name) == "shut off");
    CHECK(virsh_uuid(g.name) == uuid);
}

TEST_CASE("a different domain with the same name is refused", "[real-lifecycle]")
{
    Guest g("conflict");
    std::string other = replace_all(read_file(g.config()), "<memory", "<uuid>0badc0de-0000-4000-8000-000000000001</uuid><memory");
    write_file((g.dir / "other.xml").string(), other);
    REQUIRE(run({"virsh", "-c", "qemu:///system", "define", (g.dir / "other.xml").string()}).code == 0);
    std::string mine = replace_all(read_file(g.config()), "<memory", "<uuid>0badc0de-0000-4000-8000-000000000002</uuid><memory");
    write_file(g.config(), mine);
    Result r = g.op("start");
    CHECK(r.code == 1);
    CHECK_THAT(r.reason, Catch::Contains("0badc0de-0000-4000-8000-000000000001") &&
                             Catch::Contains("0badc0de-0000-4000-8000-000000000002"));
    CHECK(virsh_state(g.name) == "shut off");
}

TEST_CASE("bad input: clear reasons, right codes, nothing started", "[real-lifecycle]")
{
    Guest g("bad");
    write_file(g.config(), "<domain type='qemu'><name>half");
    Result r = g.op("start");
    CHECK(r.code == 5);  // the file as this node reads it
    CHECK_THAT(r.reason, Catch::Contains("not well-formed"));
    write_file(g.config(), "<domain type='qemu'><name>rm -rf;</name></domain>");
    r = g.op("validate-all");
    CHECK(r.code == 5);
    CHECK_THAT(r.reason, Catch::Contains("whitespace"));
    r = g.op("start", {{"OCF_RESKEY_hypervisor", "qemu+carrier://node/system"}});
    CHECK(r.code == 6);
    CHECK_THAT(r.reason, Catch::Contains("unknown libvirt transport"));
    r = g.op("start", {{"OCF_RESKEY_shutdown_timeout", "-1"}});
    CHECK(r.code == 6);
    fs::remove(g.config());
    r = g.op("start");
    CHECK(r.code == 5);
    CHECK_THAT(r.reason, Catch::Contains("does not exist"));
    CHECK(virsh_state(g.name) == "undefined");
}

TEST_CASE("config removed while running: monitor and stop still find the guest", "[real-config]")
{
    Guest g("noconf");
    REQUIRE(g.op("start").code == 0);
    fs::remove(g.config());
    CHECK(g.op("monitor", {{"OCF_RESKEY_CRM_meta_interval", "10000"}}).code == 0);
    Result stop = g.op("stop");
    CHECK(stop.code == 0);
    CHECK(virsh_state(g.name) == "undefined");
    CHECK_FALSE(process_alive(g.name));
    CHECK(g.op("stop").code == 0);
}

// A FIFO nobody writes to blocks the open like a cluster file system waiting for a fence.
TEST_CASE("config that does not answer: validate-all fails in time, monitor and stop go on", "[real-config]")
{
    Guest g("fifo");
    REQUIRE(g.op("start").code == 0);
    fs::remove(g.config());
    REQUIRE(mkfifo(g.config().c_str(), 0600) == 0);
    Result validate = g.op("validate-all", {}, 10000);
    CHECK(validate.code == 1);
    CHECK(validate.seconds < 10);
    CHECK_THAT(validate.reason, Catch::Contains("'config'") && Catch::Contains("not readable within"));
    Result monitor = g.op("monitor", {{"OCF_RESKEY_CRM_meta_interval", "10000"}}, 10000);
    CHECK(monitor.code == 0);
    CHECK(monitor.seconds < 10);
    Result stop = g.op("stop", {}, 10000);
    CHECK(stop.code == 0);
    CHECK(stop.seconds < 10);
    CHECK(virsh_state(g.name) == "undefined");
    CHECK_FALSE(process_alive(g.name));
}

TEST_CASE("libvirtd hung (SIGSTOP): monitor degraded in time, migrate_to fails in time, stop ends qemu", "[real-libvirtd]")
{
    LibvirtdGuard guard;
    Guest g("hung");
    REQUIRE(g.op("start").code == 0);
    REQUIRE(process_alive(g.name));
    pid_t lv = libvirtd_pid();
    REQUIRE(lv > 0);
    REQUIRE(kill(lv, SIGSTOP) == 0);

    Result mon = g.op("monitor", {{"OCF_RESKEY_CRM_meta_interval", "10000"}}, 30000);
    // migrate_to and stop as after `ocfkit adopt` (call_timeout from the stock monitor's timeout):
    // what the monitor found spares them that wait.
    const std::map<std::string, std::string> adopted{{"OCF_RESKEY_call_timeout", "40"}};
    auto with = [&](std::map<std::string, std::string> extra) {
        extra.insert(adopted.begin(), adopted.end());
        return extra;
    };
    Result mig = g.op("migrate_to", with({{"OCF_RESKEY_migration_transport", "tcp"},
                                          {"OCF_RESKEY_CRM_meta_migrate_target", "127.0.0.1"}}),
                      60000);
    Result start = g.op("start", {}, 90000);
    bool alive_before_stop = process_alive(g.name);
    Result stop = g.op("stop", with({}), 30000);
    bool alive_after_stop = process_alive(g.name);
    kill(lv, SIGCONT);
    fmt::print("# libvirtd stopped: monitor {} in {:.2f} s, migrate_to {} in {:.2f} s, start {} in {:.2f} s, "
               "stop {} in {:.2f} s\n",
               mon.code, mon.seconds, mig.code, mig.seconds, start.code, start.seconds, stop.code, stop.seconds);

    // The guest's qemu runs on: degraded, not failed; call_timeout=3 bounds the wait.
    CHECK(mon.code == 190);
    CHECK(mon.seconds < 5.0);
    CHECK_THAT(mon.reason, Catch::Contains("did not return within 3000 ms") && Catch::Contains("still runs"));
    const std::string remembered = fmt::format("libvirtd pid {} unchanged: connecting with a ", lv);
    // A migration cannot start: it fails after the short bound (not call_timeout=40), so Pacemaker
    // stops and starts instead.
    CHECK(mig.code == 1);
    CHECK_THAT(mig.err, Catch::Contains("(monitor), " + remembered + "10.0 s bound"));
    CHECK_THAT(mig.reason, Catch::StartsWith("libvirt is unreachable here: domain " + g.name + " cannot migrate") &&
                               Catch::Contains("still runs here") && Catch::Contains("within 10000 ms"));
    CHECK(start.code == 1);
    CHECK_THAT(start.err, Catch::Contains(remembered + "3.0 s bound"));
    CHECK(alive_before_stop);
    // Stop ends the guest's own qemu process within the stop's deadline: no failed stop, no fence.
    // With call_timeout=40 the connect alone would have used up its 30 s.
    CHECK(stop.code == 0);
    CHECK_THAT(stop.err, Catch::Contains(remembered + "10.0 s bound") && Catch::Contains("within 10000 ms") &&
                             Catch::Contains("ending the qemu process"));
    CHECK_FALSE(alive_after_stop);

    // libvirtd, woken up, finds the guest gone; the first answer voids the evidence; the resource
    // starts again here.
    CHECK(wait_for([&] { return virsh_state(g.name) == "undefined" || virsh_state(g.name) == "shut off"; }, 30s));
    Result woken = g.op("monitor");
    CHECK(woken.code == 7);
    CHECK_THAT(woken.err, Catch::Contains("libvirt answers again here"));
    CHECK(g.op("start").code == 0);
    CHECK(g.op("monitor").code == 0);
    Result last = g.op("stop");
    CHECK(last.code == 0);
    CHECK_THAT(last.err, !Catch::Contains("connecting with a"));
    CHECK(virsh_state(g.name) == "undefined");
}

TEST_CASE("libvirtd killed in the middle of a stop: the guest's qemu is ended, never a false success", "[real-libvirtd]")
{
    LibvirtdGuard guard;
    Guest g("killed");
    g.params["shutdown_timeout"] = "30";
    REQUIRE(g.op("start").code == 0);
    pid_t lv = libvirtd_pid();
    REQUIRE(lv > 0);
    std::thread killer([lv] {
        std::this_thread::sleep_for(2s);
        kill(lv, SIGKILL);
    });
    Result stop = g.op("stop", {}, 90000);
    killer.join();
    fmt::print("# libvirtd killed 2 s into a stop: stop {} in {:.2f} s\n", stop.code, stop.seconds);
    CHECK(stop.code == 0);
    CHECK(stop.seconds < 20.0);  // not shutdown_timeout (30 s), not the operation timeout (90 s)
    CHECK_THAT(stop.err, Catch::Contains("ending the qemu process"));
    CHECK_FALSE(process_alive(g.name));

    // libvirtd down for good: monitor says not running, start refuses promptly.
    Result mon = g.op("monitor", {{"OCF_RESKEY_CRM_meta_interval", "10000"}});
    CHECK(mon.code == 7);
    CHECK_THAT(mon.reason, Catch::Contains("libvirt-sock"));
    Result start = g.op("start");
    CHECK(start.code == 1);
    CHECK(start.seconds < 3.0);
    CHECK_THAT(start.reason, Catch::Contains("libvirt-sock"));

    libvirtd_up();
    CHECK(g.op("monitor").code == 7);
    CHECK(g.op("stop").code == 0);
    CHECK(virsh_state(g.name) == "undefined");
}

TEST_CASE("hibernate on stop, resume on start with the RAM state; graceful ACPI stop", "[real-save]")
{
    Guest g("linux", true);
    fs::create_directories(g.dir / "saves");
    g.params["save_dir"] = (g.dir / "saves").string();
    g.params["shutdown_timeout"] = "60";
    REQUIRE(g.op("start", {}, 120000).code == 0);
    REQUIRE(wait_for([&] { return ticks(g.serial()).size() >= 3; }, 120s));
    auto boot = ticks(g.serial());
    const std::string boot_id = boot.front().first;

    // Hibernate: the RAM goes to save_dir, the domain goes away.
    Result save = g.op("stop", {{"OCF_RESKEY_save_on_stop", "true"}}, 120000);
    REQUIRE(save.code == 0);
    std::string image = (g.dir / "saves" / (g.name + ".state")).string();
    CHECK(fs::exists(image));
    CHECK(virsh_state(g.name) == "undefined");
    long last_before = ticks(g.serial()).back().second;
    std::this_thread::sleep_for(3s);  // wall time passes while it sleeps
    CHECK(ticks(g.serial()).back().second == last_before);

    // Resume: same boot, the counter continues instead of starting over.
    Result restore = g.op("start", {}, 120000);
    REQUIRE(restore.code == 0);
    CHECK_THAT(restore.err, Catch::Contains("restored domain"));
    CHECK_FALSE(fs::exists(image));
    REQUIRE(wait_for([&] { return ticks(g.serial()).back().second >= last_before + 3; }, 60s));
    auto after = ticks(g.serial());
    CHECK(after.back().first == boot_id);
    for (std::size_t i = 1; i < after.size(); ++i) {
        CHECK(after[i].first == boot_id);
        CHECK(after[i].second == after[i - 1].second + 1);  // never restarts, never skips
    }
    std::string log = read_file(g.serial());
    std::size_t ups = 0;
    for (std::size_t pos = 0; (pos = log.find("ocfkit-guest up", pos)) != std::string::npos; ++pos) ++ups;
    CHECK(ups == 1);

    // Graceful stop: the guest's init sees the ACPI power button and powers off by itself.
    Result stop = g.op("stop", {{"OCF_RESKEY_shutdown_mode", "acpi"}}, 120000);
    CHECK(stop.code == 0);
    CHECK_THAT(stop.err, Catch::Contains("shut down gracefully"));
    CHECK_THAT(stop.err, !Catch::Contains("destroyed"));
    CHECK_THAT(read_file(g.serial()), Catch::Contains("power button: powering off"));
    CHECK(virsh_state(g.name) == "undefined");
}

TEST_CASE("a migration that cannot happen leaves the guest running here and says why", "[real-migrate]")
{
    Guest g("migfail");
    REQUIRE(g.op("start").code == 0);
    std::string id = virsh_id(g.name);
    // No libvirtd listens on TCP here, and ssh has neither keys nor a known host: both fail
    // fast, through the real libvirt migration code path.
    for (std::string transport : {"tcp", "ssh"}) {
        Result r = g.op("migrate_to", {{"OCF_RESKEY_migration_transport", transport},
                                       {"OCF_RESKEY_CRM_meta_migrate_target", "127.0.0.1"},
                                       {"HOME", g.dir.string()}},
                        60000);
        CHECK(r.code == 1);
        CHECK(r.seconds < 20.0);
        CHECK_THAT(r.reason, Catch::Contains("qemu+" + transport + "://127.0.0.1/system") &&
                                 Catch::Contains("keeps running here"));
        CHECK(virsh_state(g.name) == "running");
        CHECK(virsh_id(g.name) == id);
    }
    CHECK(g.op("monitor").code == 0);
    // On the target side, a guest that never arrives is reported at the deadline.
    Guest absent("migabsent");
    Result from = absent.op("migrate_from", {{"OCF_RESKEY_CRM_meta_migrate_source", "node1"}}, 5000);
    CHECK(from.code == 1);
    CHECK_THAT(from.reason, Catch::Contains("did not arrive from node1"));
}

TEST_CASE("keepalive ends a long call to a stopped libvirtd in seconds", "[real-libvirtd]")
{
    LibvirtdGuard guard;
    Guest g("keepalive");
    REQUIRE(g.op("start").code == 0);
    // The libvirt layer alone, without the deadline layer: only keepalive can end the call.
    virtdomain::LibvirtHypervisor hv({.interval_s = 2, .count = 2});
    auto c = hv.connect("qemu:///system");
    auto info = c->find_by_name(g.name);
    REQUIRE(info);
    pid_t lv = libvirtd_pid();
    REQUIRE(kill(lv, SIGSTOP) == 0);
    auto t0 = std::chrono::steady_clock::now();
    std::string what;
    virtdomain::HvErrorKind kind = virtdomain::HvErrorKind::Other;
    try {
        c->save({info->name, info->uuid}, (g.dir / "never.state").string());
    } catch (const virtdomain::HvError& e) {
        what = e.what();
        kind = e.kind();
    }
    double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    kill(lv, SIGCONT);
    CHECK(kind == virtdomain::HvErrorKind::ConnectionLost);
    CHECK_THAT(what, Catch::Contains("keepalive"));
    CHECK(took >= 4.0);
    CHECK(took < 10.0);  // interval 2 s x (2 + 1)
    // libvirtd, woken up, may still carry out the save it had queued: whatever it did, the
    // agent's stop must end with the guest gone.
    CHECK(g.op("stop").code == 0);
    CHECK_FALSE(process_alive(g.name));
}

// ---- parameters carried over from ocf:heartbeat:VirtualDomain ----

namespace {

void make_script(const fs::path& path, const std::string& text)
{
    write_file(path.string(), "#!/bin/sh\n" + text);
    chmod(path.c_str(), 0755);
}

// A pool or network of these tests, removed again whatever happens.
struct VirshObject {
    std::string kind, name;  // "pool" / "net"
    ~VirshObject()
    {
        run({"virsh", "-q", "-c", "qemu:///system", kind + "-destroy", name}, {}, 30s);
        run({"virsh", "-q", "-c", "qemu:///system", kind + "-undefine", name}, {}, 30s);
    }
    std::string info() const { return run({"virsh", "-c", "qemu:///system", kind + "-info", name}, {}, 20s).out; }
};

ino_t inode_of(const fs::path& p)
{
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 ? st.st_ino : 0;
}

}  // namespace

TEST_CASE("monitor_scripts: a real script sees the guest and fails the monitor", "[real-params]")
{
    Guest g("scripts");
    g.params["force_stop"] = "true";
    const fs::path healthy = g.dir / "healthy", script = g.dir / "check.sh";
    make_script(script, "[ \"$DOMAIN_NAME\" = \"" + g.name + "\" ] || { echo \"DOMAIN_NAME is '$DOMAIN_NAME'\"; exit 3; }\n"
                        "[ -e " + healthy.string() + " ] || { echo 'service not answering' >&2; exit 2; }\n");
    g.params["monitor_scripts"] = script.string();
    write_file(healthy.string(), "");
    REQUIRE(g.op("start").code == 0);
    CHECK(g.op("monitor", {{"OCF_RESKEY_CRM_meta_interval", "10000"}}).code == 0);
    fs::remove(healthy);
    Result bad = g.op("monitor", {{"OCF_RESKEY_CRM_meta_interval", "10000"}});
    CHECK(bad.code == 1);
    CHECK_THAT(bad.reason, Catch::Contains("monitor script " + script.string()) && Catch::Contains("exit code 2") &&
                               Catch::Contains("service not answering"));
    REQUIRE(g.op("stop").code == 0);

    // start waits for the scripts, and says so when they never pass.
    Result start = g.op("start", {}, 8000);
    CHECK(start.code == 1);
    CHECK(start.seconds < 8.0);
    CHECK_THAT(start.reason, Catch::Contains("runs, but monitor script"));
    CHECK(g.op("stop").code == 0);
}

TEST_CASE("save_config_on_stop: libvirt's definition goes back into the config file", "[real-params]")
{
    Guest g("savecfg");
    g.params["force_stop"] = "true";
    g.params["save_config_on_stop"] = "true";
    const std::string before = read_file(g.config());
    REQUIRE(before.find("<uuid>") == std::string::npos);
    REQUIRE(g.op("start").code == 0);
    const std::string uuid = virsh_uuid(g.name);
    Result stop = g.op("stop");
    CHECK(stop.code == 0);
    CHECK_THAT(stop.err, Catch::Contains("saved the definition"));
    const std::string after = read_file(g.config());
    CHECK_THAT(after, Catch::Contains("<uuid>" + uuid + "</uuid>") && Catch::Contains("<memory unit='KiB'>65536</memory>"));
    // The saved file boots the same guest again, and an unchanged definition is not rewritten.
    REQUIRE(g.op("start").code == 0);
    CHECK(virsh_uuid(g.name) == uuid);
    Result again = g.op("stop");
    CHECK(again.code == 0);
    CHECK_THAT(again.err, !Catch::Contains("saved the definition"));
    CHECK(read_file(g.config()) == after);
}

TEST_CASE("backingfile + stateless: a fresh qcow2 overlay on each start, the backing file untouched", "[real-params]")
{
    Guest g("cow");
    g.params["force_stop"] = "true";
    const fs::path base = g.dir / "base.img", overlay = g.dir / (g.name + ".qcow2");
    REQUIRE(run({"qemu-img", "create", "-q", "-f", "raw", base.string(), "1M"}).code == 0);
    chmod(base.c_str(), 0644);
    write_file(g.config(), replace_all(read_file(g.config()), "<video>",
                                       "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='" +
                                           overlay.string() + "'/><target dev='vda' bus='virtio'/></disk><video>"));
    g.params["backingfile"] = base.string();
    g.params["stateless"] = "true";
    const auto base_time = fs::last_write_time(base);

    REQUIRE(g.op("validate-all").code == 0);  // the overlay need not exist yet
    Result start = g.op("start");
    REQUIRE(start.code == 0);
    CHECK_THAT(start.err, Catch::Contains("fresh qcow2 overlay"));
    Result info = run({"qemu-img", "info", "-U", "--output=json", overlay.string()});
    CHECK_THAT(info.out, Catch::Contains("\"format\": \"qcow2\"") && Catch::Contains("\"backing-filename\": \"" + base.string() + "\"") &&
                             Catch::Contains("\"backing-filename-format\": \"raw\""));
    const ino_t first = inode_of(overlay);
    REQUIRE(g.op("stop").code == 0);
    REQUIRE(g.op("start").code == 0);
    const ino_t second = inode_of(overlay);
    CHECK(second != first);  // stateless: replaced
    REQUIRE(g.op("stop").code == 0);
    g.params["stateless"] = "false";
    REQUIRE(g.op("start").code == 0);
    CHECK(inode_of(overlay) == second);  // kept
    REQUIRE(g.op("stop").code == 0);
    CHECK(fs::last_write_time(base) == base_time);

    g.params.erase("backingfile");
    Result bad = g.op("validate-all", {{"OCF_RESKEY_stateless", "true"}});
    CHECK(bad.code == 6);
}

TEST_CASE("start_resources: an inactive storage pool is started through libvirt, a missing network named", "[real-params]")
{
    // A real network is not started here: even an isolated one makes libvirt install iptables
    // rules on the host (and iptables is absent). The network path is the same lookup/create
    // code; the fake layer shows its decisions, this test its lookup against libvirt.
    Guest g("res");
    g.params["force_stop"] = "true";
    const fs::path pooldir = g.dir / "pool";
    fs::create_directories(pooldir);
    REQUIRE(run({"qemu-img", "create", "-q", "-f", "raw", (pooldir / "vol.img").string(), "1M"}).code == 0);
    VirshObject pool{"pool", "ocfkit-test-vd-pool"};
    REQUIRE(run({"virsh", "-q", "-c", "qemu:///system", "pool-define-as", pool.name, "dir", "--target", pooldir.string()}).code == 0);
    write_file(g.config(), replace_all(read_file(g.config()), "<video>",
                                       "<disk type='volume' device='disk'><source pool='" + pool.name +
                                           "' volume='vol.img'/><target dev='vda' bus='virtio'/></disk><video>"));
    // Without it, libvirt refuses the guest: a state of this host, not a configuration error (6).
    Result without = g.op("start");
    CHECK(without.code == 1);
    CHECK_THAT(without.reason, Catch::Contains("is not active"));
    CHECK_THAT(pool.info(), Catch::Contains("inactive"));

    g.params["start_resources"] = "true";
    Result start = g.op("start");
    REQUIRE(start.code == 0);
    CHECK_THAT(start.err, Catch::Contains("started storage pool " + pool.name));
    CHECK_THAT(pool.info(), Catch::Contains("running"));
    CHECK(virsh_state(g.name) == "running");
    REQUIRE(g.op("stop").code == 0);
    // Already active: refreshed, not started again.
    Result again = g.op("start");
    CHECK(again.code == 0);
    CHECK_THAT(again.err, !Catch::Contains("started storage pool"));
    REQUIRE(g.op("stop").code == 0);

    // A network that is not defined on this host: 5, naming it, nothing started.
    write_file(g.config(), replace_all(read_file(g.config()), "<video>",
                                       "<interface type='network'><source network='ocfkit-test-vd-nonet'/></interface><video>"));
    Result missing = g.op("start");
    CHECK(missing.code == 5);
    CHECK_THAT(missing.reason, Catch::Contains("network ocfkit-test-vd-nonet") && Catch::Contains("'start_resources'"));
    CHECK(virsh_state(g.name) == "undefined");
}
