// drbd-dual's decisions through the dispatcher, against scripted drbd-utils answers (FakeRunner).
#include "catch.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "agent_run.h"
#include "ocfkit/exit_code.h"
#include "drbd_dual_agent.h"
#include "fixture.h"

using namespace ocfkit;
namespace fs = std::filesystem;

namespace {

std::string fixture(const std::string& name) { return test::read_fixture("drbd/" + name); }

std::string hostname()
{
    struct utsname u {};
    uname(&u);
    return u.nodename;
}

void write_file(const fs::path& p, const std::string& text)
{
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::trunc) << text;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to)
{
    for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
        s.replace(at, from.size(), to);
    return s;
}

// A temporary world: fake /proc/drbd, run dir, corosync state dir, DRBD config file.
struct World {
    fs::path dir;
    MapEnv env;
    FakeRunner runner;
    std::string log_text;
    std::string err_text;  // stderr: the exit reason line, fitted to what Pacemaker keeps
    std::string reason;    // the whole exit reason
    bool pacemaker = true;

    World()
    {
        char tmpl[] = "/tmp/drbd-dual-test-XXXXXX";
        REQUIRE(mkdtemp(tmpl) != nullptr);
        dir = tmpl;
        write_file(dir / "etc/drbd.conf", "# fake\n");
        write_file(dir / "corosync/ringid_1", std::string("\x0a\0\0\0\0\0\0\0", 8));
        env.set("OCF_RESKEY_drbd_resource", "r0");
        env.set("OCF_RESKEY_drbdconf", (dir / "etc/drbd.conf").string());
        env.set("OCF_RESOURCE_INSTANCE", "drbd-r0");
        env.set("OCFKIT_DRBD_PROC", (dir / "proc-drbd").string());
        env.set("OCFKIT_RUN_DIR", (dir / "run").string());
        env.set("OCFKIT_COROSYNC_STATE", (dir / "corosync").string());
        env.set("OCF_RESKEY_CRM_meta_timeout", "20000");
        // The clone as pcs creates it.
        env.set("OCF_RESKEY_CRM_meta_clone_max", "2");
        env.set("OCF_RESKEY_CRM_meta_clone_node_max", "1");
        env.set("OCF_RESKEY_CRM_meta_promotable", "true");
        env.set("OCF_RESKEY_CRM_meta_promoted_max", "2");
        env.set("OCF_RESKEY_CRM_meta_promoted_node_max", "1");
        env.set("OCF_RESKEY_CRM_meta_notify", "true");
        env.set("OCF_RESKEY_CRM_meta_on_node", "node1");
        runner.expect({"drbdadm", "-c", (dir / "etc/drbd.conf").string(), "dump-xml"},
                      FakeRunner::exited(0, config_xml()));
        runner.expect({"crm_attribute"}, FakeRunner::exited(0));
    }
    ~World()
    {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }

    static std::string config_xml(const std::string& fixture_name = "84-dump-xml-dual-primary.xml")
    {
        return replace_all(fixture(fixture_name), "\"node1\"", "\"" + hostname() + "\"");
    }
    void proc(const std::string& fixture_name) { write_file(dir / "proc-drbd", fixture(fixture_name)); }
    void minors_cached() { runner.expect({"drbdsetup", "events2"}, FakeRunner::exited(0, fixture("84-events2-now-primary-primary.txt"))); }
    // Recurring monitors of the 8.4 module, both nodes Primary; the first learns the minors.
    void steady_84_monitor()
    {
        proc("84-proc-drbd-primary-primary.txt");
        minors_cached();
        env.set("OCF_RESKEY_CRM_meta_interval", "10000");
    }
    std::string conf() const { return (dir / "etc/drbd.conf").string(); }

    int run(const std::string& action)
    {
        test::StubCluster cluster;
        cluster.under_pacemaker = pacemaker;
        test::ActionRun r = test::run_action(agent, action, env, runner, &cluster);
        log_text += r.logs;
        err_text = r.err;
        reason = r.reason;
        CHECK(r.reason_line.size() <= kExitReasonMax);
        return r.code;
    }
    std::size_t calls_of(const std::string& program) const { return runner.count(program); }
    std::size_t calls() const { return runner.calls().size(); }
    std::string last_call() const { return runner.call_lines().empty() ? "" : runner.call_lines().back(); }

    drbd::DrbdDualAgent agent;
};

}  // namespace

TEST_CASE("monitor of the 8.4 module reads /proc/drbd alone once the minors are known", "[drbd-agent]")
{
    World w;
    w.steady_84_monitor();
    CHECK(w.run("monitor") == 8);
    // First monitor: events2 to learn the minors, and the score is written once.
    CHECK(w.calls_of("drbdsetup") == 1);
    CHECK(w.calls_of("crm_attribute") == 1);
    CHECK(w.last_call() == "crm_attribute --promotion -N node1 -v 10000");
    std::size_t before = w.calls();
    CHECK(w.run("monitor") == 8);
    CHECK(w.run("monitor") == 8);
    CHECK(w.calls() == before);  // zero programs per steady monitor

    // The peer disconnects: /proc/drbd says so, the score drops, one program to write it.
    w.proc("84-proc-drbd-standalone.txt");
    CHECK(w.run("monitor") == 191);
    CHECK_THAT(w.err_text, Catch::StartsWith("ocf-exit-reason:"));
    CHECK_THAT(w.reason, Catch::Contains("StandAlone"));
    CHECK(w.calls() == before + 0);  // Primary keeps the best score: nothing to write
    w.proc("84-proc-drbd-synctarget.txt");
    CHECK(w.run("monitor") == 190);
    CHECK_THAT(w.reason, Catch::Contains("resync from the peer in progress (42.5% done)"));
    CHECK(w.calls() == before + 1);
    CHECK(w.last_call() == "crm_attribute --promotion -N node1 -D");
}

TEST_CASE("monitor rewrites a cached score after a membership change or after five minutes", "[drbd-agent]")
{
    World w;
    w.steady_84_monitor();
    CHECK(w.run("monitor") == 8);
    CHECK(w.calls_of("crm_attribute") == 1);
    CHECK(w.run("monitor") == 8);
    CHECK(w.calls_of("crm_attribute") == 1);
    // A node left and rejoined: corosync's ring id moved, Pacemaker dropped transient attributes.
    write_file(w.dir / "corosync/ringid_1", std::string("\x0c\0\0\0\0\0\0\0", 8));
    CHECK(w.run("monitor") == 8);
    CHECK(w.calls_of("crm_attribute") == 2);
    CHECK(w.run("monitor") == 8);
    CHECK(w.calls_of("crm_attribute") == 2);
    // An entry older than five minutes is written again.
    fs::path cache = w.dir / "run/drbd-dual/r0.score";
    std::string value, membership;
    long long at = 0;
    {
        std::ifstream in(cache);
        in >> value >> membership >> at;
    }
    write_file(cache, value + " " + membership + " " + std::to_string(at - 301) + "\n");
    CHECK(w.run("monitor") == 8);
    CHECK(w.calls_of("crm_attribute") == 3);
}

TEST_CASE("a probe never trusts the score cache; a probe of a stopped resource touches nothing", "[drbd-agent]")
{
    World w;
    w.steady_84_monitor();
    CHECK(w.run("monitor") == 8);
    CHECK(w.calls_of("crm_attribute") == 1);
    w.env.set("OCF_RESKEY_CRM_meta_interval", "0");
    CHECK(w.run("monitor") == 8);
    CHECK(w.calls_of("crm_attribute") == 2);  // Pacemaker restarted: attributes may be gone

    World stopped;
    stopped.env.set("OCF_RESKEY_CRM_meta_interval", "0");
    CHECK(stopped.run("monitor") == 7);  // no /proc/drbd: module not loaded
    CHECK(stopped.calls() == 0);
}

TEST_CASE("without Pacemaker scores are skipped quietly", "[drbd-agent]")
{
    World w;
    w.pacemaker = false;
    w.steady_84_monitor();
    CHECK(w.run("monitor") == 8);
    CHECK(w.calls_of("crm_attribute") == 0);
    CHECK(w.log_text.find("promotion") == std::string::npos);
}

TEST_CASE("monitor of DRBD 9 asks drbdsetup status --json once", "[drbd-agent]")
{
    World w;
    w.proc("9-proc-drbd.txt");
    w.env.set("OCF_RESKEY_CRM_meta_interval", "10000");
    w.runner.expect({"drbdsetup", "status", "--json", "--", "r0"},
                    FakeRunner::exited(0, fixture("9-status-json-primary-primary.json")));
    CHECK(w.run("monitor") == 8);
    CHECK(w.calls_of("drbdsetup") == 1);
    std::size_t before = w.calls();
    CHECK(w.run("monitor") == 8);
    CHECK(w.calls() == before + 1);  // one program per steady monitor

    World missing;
    missing.proc("9-proc-drbd.txt");
    missing.env.set("OCF_RESKEY_CRM_meta_interval", "10000");
    missing.runner.expect({"drbdsetup", "status"}, FakeRunner::exited(10, "[\n]\n\n", "r0: No such resource\n"));
    CHECK(missing.run("monitor") == 7);

    World broken;
    broken.proc("9-proc-drbd.txt");
    broken.env.set("OCF_RESKEY_CRM_meta_interval", "10000");
    broken.runner.expect({"drbdsetup", "status"}, FakeRunner::exited(0, "[{\"name\": \"r0\"}]"));
    CHECK(broken.run("monitor") == 1);
    CHECK_THAT(broken.reason, Catch::Contains("cannot read the output of 'drbdsetup status --json -- r0'"));

    // I/O frozen for lost quorum and by an admin at once: failed, not degraded (issue 18 #16).
    World frozen;
    frozen.proc("9-proc-drbd.txt");
    frozen.env.set("OCF_RESKEY_CRM_meta_interval", "10000");
    frozen.runner.expect({"drbdsetup", "status"},
                         FakeRunner::exited(0, fixture("9-status-json-suspended-user-quorum.json")));
    CHECK(frozen.run("monitor") == 9);
    CHECK_THAT(frozen.reason, Catch::Contains("I/O suspended (user, quorum)"));
}

TEST_CASE("a probe with drbd-utils missing reports not running", "[drbd-agent]")
{
    World w;
    w.proc("9-proc-drbd.txt");
    w.env.set("OCF_RESKEY_CRM_meta_interval", "0");
    w.runner.expect({"drbdsetup"}, FakeRunner::not_found());
    CHECK(w.run("monitor") == 7);
    w.env.set("OCF_RESKEY_CRM_meta_interval", "10000");
    CHECK(w.run("monitor") == 5);
}

TEST_CASE("validate-all reads dump-xml and names exactly what is missing", "[drbd-agent]")
{
    {
        World w;
        CHECK(w.run("validate-all") == 0);
        CHECK(w.calls_of("drbdadm") == 1);
    }
    {
        World w;
        w.runner = FakeRunner();
        w.runner.expect({"drbdadm"}, FakeRunner::exited(0, fixture("84-dump-xml-dual-primary.xml")));
        if (hostname() != "node1" && hostname() != "node2") {
            CHECK(w.run("validate-all") == 5);
            CHECK_THAT(w.reason, Catch::Contains("is not a host of DRBD resource 'r0' (hosts: node1, node2)"));
        }
    }
    {
        World w;
        std::string cfg = World::config_xml();
        cfg = replace_all(cfg, "            <option name=\"allow-two-primaries\" value=\"yes\"/>\n", "");
        cfg = replace_all(cfg, "value=\"resource-and-stonith\"", "value=\"resource-only\"");
        cfg = replace_all(cfg, "value=\"C\"", "value=\"A\"");
        cfg = replace_all(cfg, "<option name=\"fence-peer\" value=\"/usr/lib/drbd/crm-fence-peer.sh\"/>", "");
        w.runner = FakeRunner();
        w.runner.expect({"drbdadm"}, FakeRunner::exited(0, cfg));
        // This node's DRBD configuration: another node's may be right (issue 18 #10), so 5, not 6.
        CHECK(w.run("validate-all") == 5);
        CHECK(w.run("start") == 5);
        CHECK_THAT(w.reason,
                   Catch::Contains("promoted-max=2 (dual-primary) needs in DRBD resource 'r0': net { "
                                   "allow-two-primaries yes; } (not set); net { protocol C; } (is A); fencing "
                                   "resource-and-stonith (is resource-only); handlers { fence-peer \"...\"; } (not "
                                   "set) (in " + w.conf() + " on this node)"));
        // The cluster shows the resource and the first missing setting, not the file's path.
        CHECK_THAT(fit_exit_reason(w.reason),
                   Catch::StartsWith("promoted-max=2 (dual-primary) needs in DRBD resource 'r0': net { "
                                     "allow-two-primaries yes; } (not set); net { protocol C; }"));
        // The same configuration is fine for a single Primary.
        w.env.set("OCF_RESKEY_CRM_meta_promoted_max", "1");
        CHECK(w.run("validate-all") == 0);
    }
    {
        World w;  // DRBD 9: a connection overriding allow-two-primaries
        std::string cfg = World::config_xml("9-dump-xml-dual-primary.xml");
        w.runner = FakeRunner();
        w.runner.expect({"drbdadm"}, FakeRunner::exited(0, cfg));
        CHECK(w.run("validate-all") == 5);
        CHECK_THAT(w.reason, Catch::Contains("allow-two-primaries yes; } (is no)"));
    }
    {
        World w;
        w.env.set("OCF_RESKEY_CRM_meta_notify", "false");
        CHECK(w.run("validate-all") == 6);
        CHECK_THAT(w.reason, Catch::Contains("notify"));
        w.env.set("OCF_RESKEY_ignore_missing_notifications", "true");
        CHECK(w.run("validate-all") == 0);
    }
    {
        World w;
        w.env.unset("OCF_RESKEY_CRM_meta_promotable");
        w.env.unset("OCF_RESKEY_CRM_meta_promoted_max");
        CHECK(w.run("validate-all") == 6);
        CHECK_THAT(w.reason, Catch::Contains("must run as a promotable clone"));
    }
    {
        World w;
        w.env.set("OCF_RESKEY_drbd_resource", "r0;rm -rf /");
        CHECK(w.run("validate-all") == 6);
        CHECK_THAT(w.reason, Catch::Contains("parameter 'drbd_resource'") && Catch::Contains("contains ';'"));
        CHECK(w.calls() == 0);
        CHECK(w.run("stop") == 0);  // nothing could have been started under that name
        CHECK(w.calls() == 0);
    }
    {
        World w;
        w.env.set("OCF_RESKEY_drbdconf", (w.dir / "missing.conf").string());
        CHECK(w.run("validate-all") == 5);
        CHECK_THAT(w.reason, Catch::Contains("does not exist or is not readable"));
    }
    {
        World w;
        w.runner = FakeRunner();
        w.runner.expect({"drbdadm"}, FakeRunner::exited(10, "", "drbd.d/r0.res:12: Parse error: 'protocol' expected"));
        CHECK(w.run("validate-all") == 5);
        CHECK_THAT(w.reason, Catch::Contains("Parse error"));
    }
    {
        World w;  // drbd-reactor or a manual run: no clone meta, no clone checks
        for (const char* m : {"clone_max", "clone_node_max", "promotable", "promoted_max", "promoted_node_max",
                              "notify", "on_node"})
            w.env.unset(std::string("OCF_RESKEY_CRM_meta_") + m);
        CHECK(w.run("validate-all") == 0);
    }
}

TEST_CASE("one bad variable: the code and a reason naming it", "[drbd-agent]")
{
    struct Case {
        const char* variable;
        const char* value;
        const char* action;
        int code;
        std::vector<std::string> reason;  // each must be in the exit reason
    };
    const Case cases[] = {
        {"OCF_RESKEY_drbd_resource", "r7", "validate-all", 5, {"DRBD resource 'r7' is not defined", "defined: r0"}},
        {"OCF_RESKEY_CRM_meta_clone_max", "3", "validate-all", 5,
         {"clone-max=3 but DRBD resource 'r0' has 2 host(s) configured", "on this node"}},
        {"OCF_RESKEY_CRM_meta_promoted_max", "3", "validate-all", 6, {"at most two Primaries"}},
        {"OCF_RESKEY_CRM_meta_clone_node_max", "2", "validate-all", 6, {"clone_node_max=2", "one instance per node"}},
        {"OCF_RESKEY_adjust_master_score", "0 10 5 10000", "start", 6, {"adjust_master_score", "must not decrease"}},
    };
    for (const auto& c : cases) {
        World w;
        w.env.set(c.variable, c.value);
        int code = w.run(c.action);
        INFO(c.variable << "=" << c.value << " " << c.action << ": " << w.reason);
        CHECK(code == c.code);
        for (const auto& part : c.reason) CHECK_THAT(w.reason, Catch::Contains(part));
    }
}

TEST_CASE("drbd_resource is checked as DRBD names are: never an option, a path or 'all'", "[drbd-agent]")
{
    // Issue 18 #17: '-', '/', '..' reached drbdadm's option positions and state-file paths.
    const std::string bad[] = {"-r0", "--force", "r0/0", "../../escape", "..", ".r0", "r0..x", "r0:node2",
                               "all", "r0\nreboot", "r0;reboot", "", std::string(128, 'r')};
    for (const auto& name : bad) {
        for (const char* action : {"start", "monitor", "promote", "demote", "validate-all"}) {
            World w;
            w.steady_84_monitor();
            w.env.set("OCF_RESKEY_drbd_resource", name);
            int code = w.run(action);
            INFO(action << " drbd_resource='" << name << "': " << w.reason);
            CHECK(code == 6);
            CHECK_THAT(w.reason, Catch::StartsWith("parameter 'drbd_resource'"));
            CHECK(w.calls_of("drbdadm") == 0);
            CHECK(w.calls_of("drbdsetup") == 0);
            CHECK(w.calls_of("crm_attribute") == 0);
        }
        World w;  // stop: nothing this agent could have started, nothing run
        w.steady_84_monitor();
        w.env.set("OCF_RESKEY_drbd_resource", name);
        CHECK(w.run("stop") == 0);
        CHECK(w.calls() == 0);
    }
    World ok;
    CHECK(ok.run("validate-all") == 0);
    for (const char* good : {"data.disk-1", "vm_a+b=c@d%e", "R0", "r0-"}) {
        World w;
        w.env.set("OCF_RESKEY_drbd_resource", good);
        int code = w.run("validate-all");
        INFO(good << ": " << w.reason);
        CHECK(code == 5);  // accepted as a name; not defined in the fixture's configuration
        CHECK_THAT(w.reason, Catch::Contains("is not defined"));
    }
}

TEST_CASE("a state file never lands outside the state directory", "[drbd-agent]")
{
    World w;
    w.steady_84_monitor();
    const fs::path planted = w.dir / "escape.score";  // what run/drbd-dual/../../escape.score names
    write_file(planted, "kept\n");
    w.env.set("OCF_RESKEY_drbd_resource", "../../escape");
    CHECK(w.run("monitor") == 6);
    std::ifstream in(planted);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(text == "kept\n");
    CHECK_FALSE(fs::exists(w.dir / "escape.minors"));
    CHECK_FALSE(fs::exists(w.dir / "escape.fencing"));
}

TEST_CASE("'--' stands before the resource name on every drbdadm and drbdsetup command line", "[drbd-agent]")
{
    World w;
    w.proc("84-proc-drbd-primary-primary.txt");
    w.runner.expect({"drbdsetup", "events2"}, FakeRunner::exited(0, fixture("84-events2-now-primary-primary.txt")));
    w.runner.expect({"drbdsetup", "events2"}, FakeRunner::exited(0, fixture("84-events2-now-down.txt")));
    w.runner.expect({"drbdadm", "-c", w.conf(), "secondary"}, FakeRunner::exited(0));
    w.runner.expect({"drbdadm", "-c", w.conf(), "down"}, FakeRunner::exited(0));
    CHECK(w.run("stop") == 0);
    int with_name = 0;
    for (const auto& call : w.runner.calls()) {
        const auto& argv = call.argv;
        if (argv[0] != "drbdadm" && argv[0] != "drbdsetup") continue;
        if (std::find(argv.begin(), argv.end(), "r0") == argv.end()) continue;
        ++with_name;
        INFO(fmt::format("{}", fmt::join(argv, " ")));
        REQUIRE(argv.size() >= 3);
        CHECK(argv.back() == "r0");
        CHECK(argv[argv.size() - 2] == "--");
    }
    CHECK(with_name >= 3);  // events2, secondary, down
}

TEST_CASE("module version requirements", "[drbd-agent]")
{
    World w;
    w.proc("84-proc-drbd-primary-primary.txt");
    w.env.set("OCF_RESKEY_require_drbd_module_version_ge", "9.0.16");
    CHECK(w.run("validate-all") == 5);
    CHECK_THAT(w.reason, Catch::Contains("the loaded DRBD module is 8.4.11, required >= 9.0.16"));
    w.env.set("OCF_RESKEY_require_drbd_module_version_ge", "8.4.0");
    w.env.set("OCF_RESKEY_require_drbd_module_version_lt", "9.0.0");
    CHECK(w.run("validate-all") == 0);
    w.env.set("OCF_RESKEY_require_drbd_module_version_lt", "9.0");
    CHECK(w.run("validate-all") == 6);
}

TEST_CASE("promote refuses unusable data with the precise reason", "[drbd-agent]")
{
    World w;
    w.proc("84-proc-drbd-primary-primary.txt");
    w.runner.expect({"drbdsetup", "events2"}, FakeRunner::exited(0, fixture("84-events2-now-wfconnection-outdated.txt")));
    CHECK(w.run("promote") == 1);
    CHECK_THAT(w.reason, Catch::Contains("refusing to promote r0: local disk is Outdated"));
    CHECK(w.calls_of("drbdadm") == 1);  // dump-xml only: no 'drbdadm primary' tried
    CHECK(w.last_call() == "crm_attribute --promotion -N node1 -D");
}

TEST_CASE("promote: DRBD's own refusal, a stopped resource, idempotence", "[drbd-agent]")
{
    {
        World w;
        w.proc("84-proc-drbd-primary-primary.txt");
        w.runner.expect({"drbdsetup", "events2"},
                        FakeRunner::exited(0, replace_all(fixture("84-events2-now-primary-primary.txt"),
                                                          "resource name:r0 role:Primary",
                                                          "resource name:r0 role:Secondary")));
        w.runner.expect({"drbdadm", "-c", w.conf(), "primary"},
                        FakeRunner::exited(17, "", "r0: State change failed: (-2) Need access to UpToDate data\n"));
        CHECK(w.run("promote") == 1);
        CHECK_THAT(w.reason, Catch::Contains("DRBD refused to promote r0") &&
                                   Catch::Contains("Need access to UpToDate data"));
    }
    {
        World w;
        w.proc("84-proc-drbd-primary-primary.txt");
        w.runner.expect({"drbdsetup", "events2"}, FakeRunner::exited(0, fixture("84-events2-now-down.txt")));
        CHECK(w.run("promote") == 7);
        CHECK(w.run("demote") == 7);
    }
    {
        World w;
        w.proc("84-proc-drbd-primary-primary.txt");
        w.runner.expect({"drbdsetup", "events2"}, FakeRunner::exited(0, fixture("84-events2-now-primary-primary.txt")));
        CHECK(w.run("promote") == 0);
        CHECK(w.calls_of("drbdadm") == 1);  // already Primary: only validation's dump-xml
    }
}

TEST_CASE("demote retries while the device is held open, until the deadline", "[drbd-agent]")
{
    World w;
    w.proc("84-proc-drbd-primary-primary.txt");
    w.env.set("OCF_RESKEY_CRM_meta_timeout", "5000");  // 3 s after the safety margin
    w.runner.expect({"drbdsetup", "events2"}, FakeRunner::exited(0, fixture("84-events2-now-primary-primary.txt")));
    w.runner.expect({"drbdadm", "-c", w.conf(), "secondary"},
                    FakeRunner::exited(11, "", "r0: State change failed: (-12) Device is held open by someone\n"));
    auto t0 = std::chrono::steady_clock::now();
    CHECK(w.run("demote") == 1);
    auto took = std::chrono::steady_clock::now() - t0;
    CHECK(took < std::chrono::milliseconds(4500));
    CHECK(w.calls_of("drbdadm") >= 2);
    CHECK_THAT(w.reason, Catch::Contains("held open"));
}

TEST_CASE("start: load the module, up, wait for the connection; a hung drbdadm loses to the deadline",
          "[drbd-agent]")
{
    {
        World w;
        fs::path proc = w.dir / "proc-drbd";
        w.runner.on({"modprobe"}, [proc](const CommandSpec&) {
            write_file(proc, fixture("84-proc-drbd-primary-primary.txt"));
            return FakeRunner::exited(0);
        });
        w.runner.expect({"drbdsetup", "events2"}, FakeRunner::exited(0, fixture("84-events2-now-down.txt")));
        w.runner.expect({"drbdsetup", "events2"},
                        FakeRunner::exited(0, replace_all(fixture("84-events2-now-primary-primary.txt"), "role:Primary",
                                                          "role:Secondary")));
        w.runner.expect({"drbdadm", "-c", w.conf(), "up", "--", "r0"}, FakeRunner::exited(0));
        CHECK(w.run("start") == 0);
        auto lines = w.runner.call_lines();
        CHECK(std::find(lines.begin(), lines.end(), "modprobe -s drbd") != lines.end());
        CHECK(std::find(lines.begin(), lines.end(), "drbdadm -c " + w.conf() + " up -- r0") != lines.end());
        CHECK(w.last_call() == "crm_attribute --promotion -N node1 -v 10000");
    }
    {
        World w;
        w.proc("84-proc-drbd-primary-primary.txt");
        w.runner.expect({"drbdsetup", "events2"}, FakeRunner::exited(0, fixture("84-events2-now-down.txt")));
        w.runner.expect({"drbdadm", "-c", w.conf(), "up"}, FakeRunner::timed_out());
        CHECK(w.run("start") == 1);
        CHECK_THAT(w.reason, Catch::Contains("'drbdadm up r0' did not finish before the deadline"));
    }
    {
        World w;  // the disk never attaches: precise failure
        w.proc("84-proc-drbd-primary-primary.txt");
        w.env.set("OCF_RESKEY_wfc_timeout", "0");
        w.runner.expect({"drbdsetup", "events2"}, FakeRunner::exited(0, fixture("84-events2-now-down.txt")));
        w.runner.expect({"drbdsetup", "events2"},
                        FakeRunner::exited(0, replace_all(replace_all(fixture("84-events2-now-primary-primary.txt"),
                                                                      "role:Primary", "role:Secondary"),
                                                          "disk:UpToDate\n", "disk:Diskless\n")));
        w.runner.expect({"drbdadm", "-c", w.conf(), "up", "--", "r0"},
                        FakeRunner::exited(10, "", "0: Failure: (114) Lower device is already claimed.\n"));
        CHECK(w.run("start") == 1);
        CHECK_THAT(w.reason, Catch::Contains("Lower device is already claimed"));
    }
}

TEST_CASE("stop: down resource is 0, Primary is demoted first, a resource gone from the config is downed by drbdsetup",
          "[drbd-agent]")
{
    {
        World w;  // no module at all
        CHECK(w.run("stop") == 0);
        CHECK(w.calls_of("drbdsetup") == 0);
        CHECK(w.last_call() == "crm_attribute --promotion -N node1 -D");
    }
    {
        World w;
        w.proc("84-proc-drbd-primary-primary.txt");
        w.runner.expect({"drbdsetup", "events2"}, FakeRunner::exited(0, fixture("84-events2-now-down.txt")));
        CHECK(w.run("stop") == 0);
        CHECK(w.calls_of("drbdadm") == 0);
    }
    {
        World w;
        w.proc("84-proc-drbd-primary-primary.txt");
        w.runner.expect({"drbdsetup", "events2"}, FakeRunner::exited(0, fixture("84-events2-now-primary-primary.txt")));
        w.runner.expect({"drbdsetup", "events2"}, FakeRunner::exited(0, fixture("84-events2-now-down.txt")));
        w.runner.expect({"drbdadm", "-c", w.conf(), "secondary", "--", "r0"}, FakeRunner::exited(0));
        w.runner.expect({"drbdadm", "-c", w.conf(), "down", "--", "r0"},
                        FakeRunner::exited(1, "", "'r0' not defined in your config (for this host).\n"));
        w.runner.expect({"drbdsetup", "down", "--", "r0"}, FakeRunner::exited(0));
        CHECK(w.run("stop") == 0);
        auto lines = w.runner.call_lines();
        CHECK(std::find(lines.begin(), lines.end(), "drbdsetup down -- r0") != lines.end());
    }
}

TEST_CASE("notify: a returning peer makes a StandAlone resource reconnect, never discarding data", "[drbd-agent]")
{
    World w;
    w.proc("84-proc-drbd-primary-primary.txt");
    w.env.set("OCF_RESKEY_CRM_meta_notify_type", "post");
    w.env.set("OCF_RESKEY_CRM_meta_notify_operation", "start");
    w.env.set("OCF_RESKEY_CRM_meta_notify_start_uname", "node2");
    w.runner.expect({"drbdsetup", "events2"}, FakeRunner::exited(0, fixture("84-events2-now-standalone.txt")));
    w.runner.expect({"drbdadm", "-c", w.conf(), "adjust", "--", "r0"}, FakeRunner::exited(0));
    CHECK(w.run("notify") == 0);
    auto lines = w.runner.call_lines();
    CHECK(std::find(lines.begin(), lines.end(), "drbdadm -c " + w.conf() + " adjust -- r0") != lines.end());
    for (const auto& l : lines) CHECK(l.find("discard") == std::string::npos);

    World quiet;  // our own start, or the peer starting while we are connected: nothing to do
    quiet.proc("84-proc-drbd-primary-primary.txt");
    quiet.env.set("OCF_RESKEY_CRM_meta_notify_type", "pre");
    quiet.env.set("OCF_RESKEY_CRM_meta_notify_operation", "start");
    quiet.env.set("OCF_RESKEY_CRM_meta_notify_start_uname", "node2");
    quiet.runner.expect({"drbdsetup", "events2"}, FakeRunner::exited(0, fixture("84-events2-now-primary-primary.txt")));
    CHECK(quiet.run("notify") == 0);
    CHECK(quiet.calls_of("drbdadm") == 0);

    World bare;  // ocf-tester's notify has no notify variables at all
    CHECK(bare.run("notify") == 0);
    CHECK(bare.calls() == 0);
}
