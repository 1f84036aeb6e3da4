// apply and revert against a simulated cluster (FakeRunner): the order of every change, the
// version-checked update, the way back after a disagreement, and the refusals. The real thing
// runs in tests/sandbox/adopt.sh.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <pugixml.hpp>

#include "adopt.h"
#include "catch.h"
#include "fixture.h"
#include "ocfkit/command.h"
#include "plan.h"

using namespace ocfkit;
using namespace ocfkit::adopt;
namespace fs = std::filesystem;

namespace {

std::string read(const std::string& path)
{
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// One node ("vm") running adopt-fs and adopt-vm; its CIB, maintenance-mode, and the agent and
// result of each resource's last probe.
struct SimCluster {
    FakeRunner runner;
    std::string cib;
    std::string maintenance;
    std::map<std::string, std::string> history;          // id → agent of its recorded history
    std::map<std::string, int> probe_rc;                  // agent → rc its probe returns (default 0)
    std::set<std::string> refreshed;                      // probed since the start (before: all running)
    std::map<std::string, std::string> probe_reason;      // agent → exit reason
    std::string pending_transition;                       // crm_resource --wait answers 124 with this
    int bump_epoch_before_patch = 0;                      // another admin changes the configuration
    int drift_before_patch = 0;                           // a status update moves num_updates only
    int refresh_failures = 0;                             // crm_resource --refresh fails this often
    int attribute_failures = 0;                           // crm_attribute fails this often
    bool constraint_with_maintenance = false;             // an admin adds a constraint meanwhile
    bool interrupt_while_probing = false;                 // SIGINT before the new agents' probes are recorded
    bool restart_on_resume = false;                       // Pacemaker restarts adopt-vm once managing again
    std::set<std::string> never_recorded;                 // agents whose probes never reach the CIB status
    std::vector<std::string> out, err;

    SimCluster() : cib(test::read_fixture("adopt/cib/sandbox-stock.xml"))
    {
        history = {{"adopt-fs", "ocf:heartbeat:Filesystem"}, {"adopt-vm", "ocf:heartbeat:VirtualDomain"}};
        runner.on({"cibadmin", "--query"}, [this](const CommandSpec& s) {
            if (s.argv.size() > 2 && interrupt_while_probing && maintenance == "true" && primitive_agent(cib, "adopt-vm") == "ocf:custom:virtdomain") {
                // The interrupt comes while the new agents' probes are still pending.
                request_interrupt();
                return FakeRunner::exited(0, "<status/>");
            }
            if (s.argv.size() > 2) return FakeRunner::exited(0, status());
            num_updates_read = cib_version(cib).num_updates;
            return FakeRunner::exited(0, cib);
        });
        runner.on({"crm_mon"}, [this](const CommandSpec&) { return FakeRunner::exited(0, mon()); });
        runner.on({"crm_resource", "--wait"}, [this](const CommandSpec&) {
            return pending_transition.empty() ? FakeRunner::exited(0) : FakeRunner::exited(124, pending_transition);
        });
        runner.on({"crm_resource", "--refresh"}, [this](const CommandSpec& s) {
            if (refresh_failures > 0) {
                --refresh_failures;
                return FakeRunner::exited(1, "", "crm_resource: Error performing operation: Not connected");
            }
            if (!never_recorded.count(primitive_agent(cib, s.argv.at(3)))) history[s.argv.at(3)] = primitive_agent(cib, s.argv.at(3));
            refreshed.insert(s.argv.at(3));
            return FakeRunner::exited(0);
        });
        runner.on({"crm_attribute"}, [this](const CommandSpec& s) {
            if (attribute_failures > 0) {
                --attribute_failures;
                return FakeRunner::exited(102, "", "Could not connect to the CIB: Transport endpoint is not connected");
            }
            REQUIRE(s.argv.at(4) == "maintenance-mode");
            maintenance = s.argv.at(5) == "--delete" ? "" : s.argv.at(6);
            set_version(1, 0);
            if (constraint_with_maintenance && maintenance == "true") {
                auto at = cib.find("<constraints");
                REQUIRE(at != std::string::npos);
                cib.replace(at, cib.find("/>", at) + 2 - at, "<constraints><rsc_order id=\"o\" first=\"adopt-fs-clone\" then=\"adopt-group\"/></constraints>");
                set_version(1, 0);
            }
            return FakeRunner::exited(0);
        });
        // The "patch" is the new CIB itself: applied only when its source version is the current one.
        runner.on({"crm_diff"}, [](const CommandSpec& s) { return FakeRunner::exited(1, read(s.argv.at(4))); });
        runner.on({"cibadmin", "--patch"}, [this](const CommandSpec& s) {
            if (bump_epoch_before_patch > 0) {
                --bump_epoch_before_patch;
                set_version(1, 0);
            } else if (drift_before_patch > 0) {
                --drift_before_patch;
                set_version(0, 1);
            }
            std::string next = read(s.argv.at(3));
            CibVersion now = cib_version(cib), to = cib_version(next);
            if (to.epoch != now.epoch + 1 || num_updates_read != now.num_updates)
                return FakeRunner::exited(103, "", "Call failed: Update was older than existing configuration");
            cib = next;
            return FakeRunner::exited(0);
        });
    }

    long long num_updates_read = 0;  // of the last whole-CIB query: the patch's source version

    void set_version(int epoch_step, int updates_step)
    {
        pugi::xml_document d;
        d.load_string(cib.c_str());
        auto r = d.document_element();
        r.attribute("epoch").set_value(r.attribute("epoch").as_llong() + epoch_step);
        r.attribute("num_updates").set_value(epoch_step ? 0 : r.attribute("num_updates").as_llong() + updates_step);
        std::ostringstream o;
        d.save(o);
        cib = o.str();
    }

    int rc_of(const std::string& id) const
    {
        if (!refreshed.count(id)) return 0;
        auto it = probe_rc.find(history.at(id));
        return it == probe_rc.end() ? 0 : it->second;
    }

    std::string status() const
    {
        std::string s = "<status><node_state id=\"1\" uname=\"vm\"><lrm id=\"1\"><lrm_resources>";
        for (const auto& [id, agent] : history) {
            auto p1 = agent.find(':'), p2 = agent.rfind(':');
            std::string reason = probe_reason.count(agent) ? probe_reason.at(agent) : "";
            s += fmt::format("<lrm_resource id=\"{}\" class=\"{}\" provider=\"{}\" type=\"{}\"><lrm_rsc_op id=\"{}_last_0\" "
                             "operation=\"monitor\" interval=\"0\" op-status=\"0\" call-id=\"7\" rc-code=\"{}\" exit-reason=\"{}\"/>{}"
                             "</lrm_resource>",
                             id, agent.substr(0, p1), agent.substr(p1 + 1, p2 - p1 - 1), agent.substr(p2 + 1), id, rc_of(id), reason,
                             restart_on_resume && maintenance.empty() && id == "adopt-vm" && refreshed.count(id)
                                 ? "<lrm_rsc_op id=\"adopt-vm_start_0\" operation=\"start\" interval=\"0\" op-status=\"0\" "
                                   "call-id=\"9\" rc-code=\"0\"/>"
                                 : "");
        }
        return s + "</lrm_resources></lrm></node_state></status>";
    }

    std::string mon()
    {
        std::string r;
        for (const auto& [id, agent] : history) {
            int rc = rc_of(id);
            bool active = rc == 0 || rc == 5;  // "not installed" leaves it running, but failed
            r += fmt::format("<resource id=\"{}\" resource_agent=\"{}\" role=\"{}\" active=\"{}\" orphaned=\"false\" blocked=\"false\" "
                             "managed=\"true\" failed=\"{}\" failure_ignored=\"false\" nodes_running_on=\"{}\">{}</resource>",
                             id, agent, active ? "Started" : "Stopped", active, rc == 5, active ? 1 : 0,
                             active ? "<node name=\"vm\" id=\"1\" cached=\"true\"/>" : "");
        }
        return fmt::format(
            "<pacemaker-result api-version=\"2.25\" request=\"crm_mon\"><summary><stack type=\"corosync\"/>"
            "<current_dc present=\"true\" version=\"2.1.5\" name=\"vm\" id=\"1\" with_quorum=\"true\"/>"
            "<nodes_configured number=\"1\"/><resources_configured number=\"2\" disabled=\"0\" blocked=\"0\"/>"
            "<cluster_options stonith-enabled=\"false\" maintenance-mode=\"{}\"/></summary><nodes>"
            "<node name=\"vm\" id=\"1\" online=\"true\" standby=\"false\" maintenance=\"false\" pending=\"false\" unclean=\"false\" "
            "is_dc=\"true\" type=\"member\"/></nodes><resources>{}</resources><status code=\"0\" message=\"OK\"/></pacemaker-result>",
            maintenance == "true" ? "true" : "false", r);
    }

    Options options(const std::string& dir)
    {
        Options o;
        o.save_dir = dir;
        o.timeout = std::chrono::seconds(20);
        return o;
    }

    Output out_fn() { return [this](const std::string& s) { out.push_back(s); }; }
    Output err_fn() { return [this](const std::string& s) { err.push_back(s); }; }

    std::string all_err() const
    {
        std::string s;
        for (const auto& e : err) s += e + "\n";
        return s;
    }

    // Index of the first call whose command line starts with `prefix` (calls().size() if none).
    std::size_t first(const std::string& prefix) const
    {
        auto lines = runner.call_lines();
        for (std::size_t i = 0; i < lines.size(); ++i)
            if (lines[i].rfind(prefix, 0) == 0) return i;
        return lines.size();
    }
    std::size_t last(const std::string& prefix) const
    {
        auto lines = runner.call_lines();
        for (std::size_t i = lines.size(); i-- > 0;)
            if (lines[i].rfind(prefix, 0) == 0) return i;
        return lines.size();
    }
    std::size_t count(const std::string& prefix) const
    {
        auto lines = runner.call_lines();
        return static_cast<std::size_t>(std::count_if(lines.begin(), lines.end(), [&](auto& l) { return l.rfind(prefix, 0) == 0; }));
    }
};

struct TempDir {
    fs::path path;
    TempDir() : path(fs::temp_directory_path() / fmt::format("ocfkit-adopt-test-{}", ::getpid()))
    {
        fs::remove_all(path);
    }
    ~TempDir() { fs::remove_all(path); }
    std::vector<fs::path> saved() const
    {
        std::vector<fs::path> out;
        if (fs::exists(path))
            for (auto& e : fs::directory_iterator(path)) out.push_back(e.path());
        std::sort(out.begin(), out.end());
        return out;
    }
};

// Only Pacemaker's tools, and nothing that starts, stops, moves or cleans up anything.
void only_safe_calls(const SimCluster& c)
{
    for (const auto& l : c.runner.call_lines()) {
        INFO(l);
        bool ok = l.rfind("cibadmin --query", 0) == 0 || l.rfind("cibadmin --patch", 0) == 0 || l.rfind("crm_diff ", 0) == 0 ||
                  l.rfind("crm_mon --one-shot --output-as=xml", 0) == 0 || l.rfind("crm_resource --wait", 0) == 0 ||
                  l.rfind("crm_resource --refresh --resource ", 0) == 0 ||
                  l.rfind("crm_attribute --type crm_config --name maintenance-mode ", 0) == 0 ||
                  // our agents' validate-all reads and checks only
                  (l.rfind("/usr/lib/ocf/resource.d/custom/", 0) == 0 && l.ends_with(" validate-all"));
        CHECK(ok);
    }
}

}  // namespace

TEST_CASE("apply: save, maintenance, one checked update, re-probe, compare, resume", "[adopt-apply]")
{
    SimCluster c;
    TempDir dir;
    std::string before = c.cib;
    int rc = run_apply(c.runner, c.options(dir.path), c.out_fn(), c.err_fn());
    INFO(c.all_err());
    CHECK(rc == 0);
    CHECK(primitive_agent(c.cib, "adopt-fs") == "ocf:custom:gfs2fs");
    CHECK(primitive_agent(c.cib, "adopt-vm") == "ocf:custom:virtdomain");
    CHECK(c.maintenance.empty());
    auto saved = dir.saved();
    REQUIRE(saved.size() == 1);
    CHECK(read(saved[0]) == before);
    CHECK((fs::status(saved[0]).permissions() & fs::perms::all) == (fs::perms::owner_read | fs::perms::owner_write));
    // The order: the transition check, maintenance on, the update, the probes, maintenance off.
    CHECK(c.first("crm_resource --wait") < c.first("crm_attribute --type crm_config --name maintenance-mode --update true"));
    CHECK(c.first("crm_attribute --type crm_config --name maintenance-mode --update true") < c.first("cibadmin --patch"));
    CHECK(c.first("cibadmin --patch") < c.first("crm_resource --refresh --resource adopt-fs"));
    CHECK(c.last("crm_resource --refresh") < c.first("crm_attribute --type crm_config --name maintenance-mode --delete"));
    CHECK(c.count("cibadmin --patch") == 1);
    CHECK(c.count("crm_resource --refresh") == 2);
    only_safe_calls(c);
    CHECK(std::find(c.out.begin(), c.out.end(), "  probes done: 2/2 (0 s)") != c.out.end());

    // And back, from the saved file.
    SimCluster& d = c;
    d.err.clear();
    rc = run_revert(d.runner, d.options(dir.path), saved[0].string(), d.out_fn(), d.err_fn());
    INFO(d.all_err());
    CHECK(rc == 0);
    CHECK(differing_primitives(d.cib, before, {"adopt-fs", "adopt-vm"}).empty());
    CHECK(d.maintenance.empty());
    CHECK(dir.saved().size() == 2);  // revert saves the CIB it changes too
    only_safe_calls(d);
}

TEST_CASE("apply: the configuration changed underneath aborts with nothing changed", "[adopt-apply]")
{
    SimCluster c;
    TempDir dir;
    c.bump_epoch_before_patch = 1;
    int rc = run_apply(c.runner, c.options(dir.path), c.out_fn(), c.err_fn());
    CHECK(rc == 3);
    CHECK(c.all_err().find("the CIB changed underneath") != std::string::npos);
    CHECK(primitive_agent(c.cib, "adopt-fs") == "ocf:heartbeat:Filesystem");
    CHECK(c.count("crm_resource --refresh") == 0);
    CHECK(c.maintenance.empty());
}

TEST_CASE("apply: a status update meanwhile (num_updates only) is retried", "[adopt-apply]")
{
    SimCluster c;
    TempDir dir;
    c.drift_before_patch = 1;
    CHECK(run_apply(c.runner, c.options(dir.path), c.out_fn(), c.err_fn()) == 0);
    CHECK(c.count("cibadmin --patch") == 2);
    CHECK(primitive_agent(c.cib, "adopt-vm") == "ocf:custom:virtdomain");
}

TEST_CASE("apply: a probe that disagrees puts everything back and names it", "[adopt-apply]")
{
    SimCluster c;
    TempDir dir;
    std::string before = c.cib;
    c.probe_rc["ocf:custom:virtdomain"] = 5;
    c.probe_reason["ocf:custom:virtdomain"] = "virtdomain: No such file or directory";
    int rc = run_apply(c.runner, c.options(dir.path), c.out_fn(), c.err_fn());
    CHECK(rc == 4);
    std::string err = c.all_err();
    CHECK(err.find("adopt-vm on vm: the probe by ocf:custom:virtdomain failed: rc 5 (not installed): "
                   "virtdomain: No such file or directory") != std::string::npos);
    // Both are back (never half converted), re-probed by the stock agents, and managed again.
    CHECK(differing_primitives(c.cib, before, {"adopt-fs", "adopt-vm"}).empty());
    CHECK(c.history["adopt-fs"] == "ocf:heartbeat:Filesystem");
    CHECK(c.history["adopt-vm"] == "ocf:heartbeat:VirtualDomain");
    CHECK(c.count("crm_resource --refresh --resource adopt-vm") == 2);
    CHECK(c.maintenance.empty());
    only_safe_calls(c);
}

TEST_CASE("apply: when the stock agents disagree too, the cluster stays in maintenance mode", "[adopt-apply]")
{
    SimCluster c;
    TempDir dir;
    c.probe_rc["ocf:custom:gfs2fs"] = 7;
    c.probe_rc["ocf:heartbeat:Filesystem"] = 7;
    int rc = run_apply(c.runner, c.options(dir.path), c.out_fn(), c.err_fn());
    CHECK(rc == 5);
    CHECK(c.maintenance == "true");
    CHECK(c.all_err().find("adopt-fs on vm: was Started, now Stopped") != std::string::npos);
    CHECK(c.count("crm_attribute --type crm_config --name maintenance-mode --delete") == 0);
}

TEST_CASE("revert: a probe by the stock agent that disagrees puts ocfkit's agents back and names it", "[adopt-apply]")
{
    SimCluster c;
    TempDir dir;
    REQUIRE(run_apply(c.runner, c.options(dir.path), c.out_fn(), c.err_fn()) == 0);
    auto saved = dir.saved().at(0);
    std::string adopted = c.cib;
    c.probe_rc["ocf:heartbeat:VirtualDomain"] = 5;
    c.probe_reason["ocf:heartbeat:VirtualDomain"] = "Setup problem: couldn't find command: virsh";
    c.err.clear();
    CHECK(run_revert(c.runner, c.options(dir.path), saved.string(), c.out_fn(), c.err_fn()) == 4);
    INFO(c.all_err());
    CHECK(c.all_err().find("adopt-vm on vm: the probe by ocf:heartbeat:VirtualDomain failed: rc 5 (not installed): "
                           "Setup problem: couldn't find command: virsh") != std::string::npos);
    CHECK(c.all_err().find("revert undone") != std::string::npos);
    CHECK(differing_primitives(c.cib, adopted, {"adopt-fs", "adopt-vm"}).empty());
    CHECK(c.history["adopt-vm"] == "ocf:custom:virtdomain");
    CHECK(c.maintenance.empty());
    only_safe_calls(c);
}

TEST_CASE("apply: probes not recorded before the deadline put everything back", "[adopt-apply]")
{
    SimCluster c;
    TempDir dir;
    std::string before = c.cib;
    c.never_recorded = {"ocf:custom:virtdomain"};
    Options o = c.options(dir.path);
    o.timeout = std::chrono::seconds(2);
    CHECK(run_apply(c.runner, o, c.out_fn(), c.err_fn()) == 4);
    INFO(c.all_err());
    CHECK(c.all_err().find("adopt-vm on vm: no probe by the new agent recorded before the deadline") != std::string::npos);
    CHECK(std::find(c.out.begin(), c.out.end(), "  probes done: 1/2 (0 s)") != c.out.end());
    CHECK(differing_primitives(c.cib, before, {"adopt-fs", "adopt-vm"}).empty());
    CHECK(c.history["adopt-vm"] == "ocf:heartbeat:VirtualDomain");
    CHECK(c.maintenance.empty());
}

TEST_CASE("apply refuses before changing anything", "[adopt-apply]")
{
    SECTION("a transition in progress")
    {
        SimCluster c;
        TempDir dir;
        c.pending_transition = "Pending actions: Action 12: adopt-vm_start_0 on vm";
        CHECK(run_apply(c.runner, c.options(dir.path), c.out_fn(), c.err_fn()) == 3);
        CHECK(c.all_err().find("refused: a transition is in progress: Pending actions") != std::string::npos);
        CHECK(c.count("crm_attribute") == 0);
        CHECK(c.count("cibadmin --patch") == 0);
        CHECK(dir.saved().empty());
    }
    SECTION("an unknown resource named")
    {
        SimCluster c;
        TempDir dir;
        Options o = c.options(dir.path);
        o.only = {"nope"};
        CHECK(run_apply(c.runner, o, c.out_fn(), c.err_fn()) == 2);
        CHECK(c.count("crm_attribute") == 0);
    }
}

TEST_CASE("revert refuses a resource changed since apply unless forced", "[adopt-apply]")
{
    SimCluster c;
    TempDir dir;
    REQUIRE(run_apply(c.runner, c.options(dir.path), c.out_fn(), c.err_fn()) == 0);
    auto saved = dir.saved().at(0);
    const std::string hv = "name=\"hypervisor\" value=\"qemu:///system\"";
    auto at = c.cib.find(hv);
    REQUIRE(at != std::string::npos);
    c.cib.replace(at, hv.size(), "name=\"hypervisor\" value=\"qemu:///session\"");
    c.err.clear();
    CHECK(run_revert(c.runner, c.options(dir.path), saved.string(), c.out_fn(), c.err_fn()) == 3);
    CHECK(c.all_err().find("refused: adopt-vm was changed since apply") != std::string::npos);
    CHECK(primitive_agent(c.cib, "adopt-vm") == "ocf:custom:virtdomain");
    Options o = c.options(dir.path);
    o.force = true;
    CHECK(run_revert(c.runner, o, saved.string(), c.out_fn(), c.err_fn()) == 0);
    CHECK(primitive_agent(c.cib, "adopt-vm") == "ocf:heartbeat:VirtualDomain");
}

TEST_CASE("apply: a tool failing half-way is a disagreement; before any change, nothing is left behind", "[adopt-apply]")
{
    SECTION("the refresh fails after the update: put back")
    {
        SimCluster c;
        TempDir dir;
        std::string before = c.cib;
        c.refresh_failures = 1;
        CHECK(run_apply(c.runner, c.options(dir.path), c.out_fn(), c.err_fn()) == 4);
        CHECK(c.all_err().find("disagreement: error: 'crm_resource --refresh --resource adopt-fs' exit code 1: crm_resource: Error performing operation: Not connected") != std::string::npos);
        CHECK(differing_primitives(c.cib, before, {"adopt-fs", "adopt-vm"}).empty());
        CHECK(c.maintenance.empty());
    }
    SECTION("putting back fails too: the cluster stays in maintenance mode, with what to do")
    {
        SimCluster c;
        TempDir dir;
        c.refresh_failures = 2;
        CHECK(run_apply(c.runner, c.options(dir.path), c.out_fn(), c.err_fn()) == 5);
        CHECK(c.maintenance == "true");
        CHECK(c.all_err().find("crm_attribute --type crm_config --name maintenance-mode --delete") != std::string::npos);
    }
    SECTION("maintenance-mode cannot be set: nothing changed")
    {
        SimCluster c;
        TempDir dir;
        c.attribute_failures = 1;
        CHECK(run_apply(c.runner, c.options(dir.path), c.out_fn(), c.err_fn()) == 3);
        CHECK(c.count("cibadmin --patch") == 0);
        CHECK(c.maintenance.empty());
        CHECK(primitive_agent(c.cib, "adopt-fs") == "ocf:heartbeat:Filesystem");
    }
}

TEST_CASE("apply: a start recorded after resuming is reported, not hidden", "[adopt-apply]")
{
    SimCluster c;
    TempDir dir;
    c.restart_on_resume = true;
    CHECK(run_apply(c.runner, c.options(dir.path), c.out_fn(), c.err_fn()) == 5);
    CHECK(c.all_err().find("after resuming, Pacemaker ran: adopt-vm on vm: start (rc 0)") != std::string::npos);
}

TEST_CASE("apply of named resources converts only those", "[adopt-apply]")
{
    SimCluster c;
    TempDir dir;
    Options o = c.options(dir.path);
    o.only = {"adopt-vm"};
    CHECK(run_apply(c.runner, o, c.out_fn(), c.err_fn()) == 0);
    CHECK(primitive_agent(c.cib, "adopt-vm") == "ocf:custom:virtdomain");
    CHECK(primitive_agent(c.cib, "adopt-fs") == "ocf:heartbeat:Filesystem");
    CHECK(c.count("crm_resource --refresh --resource adopt-fs") == 0);
    CHECK(c.history["adopt-fs"] == "ocf:heartbeat:Filesystem");
}

TEST_CASE("apply: a configuration change before the update (resources, constraints) aborts it", "[adopt-apply]")
{
    SimCluster c;
    TempDir dir;
    c.constraint_with_maintenance = true;
    CHECK(run_apply(c.runner, c.options(dir.path), c.out_fn(), c.err_fn()) == 3);
    CHECK(c.all_err().find("the configuration changed since adopt read it (constraints)") != std::string::npos);
    CHECK(c.count("cibadmin --patch") == 0);
    CHECK(c.maintenance.empty());
}

TEST_CASE("apply: an interrupt while waiting for the probes puts everything back", "[adopt-apply]")
{
    SimCluster c;
    TempDir dir;
    std::string before = c.cib;
    c.interrupt_while_probing = true;
    int rc = run_apply(c.runner, c.options(dir.path), c.out_fn(), c.err_fn());
    clear_interrupt();
    CHECK(rc == 4);
    CHECK(c.all_err().find("disagreement: interrupted") != std::string::npos);
    CHECK(differing_primitives(c.cib, before, {"adopt-fs", "adopt-vm"}).empty());
    CHECK(c.maintenance.empty());
}

TEST_CASE("apply: an interrupt before the update changes nothing", "[adopt-apply]")
{
    SimCluster c;
    TempDir dir;
    request_interrupt();  // as SIGINT while the plan's validate-all runs
    int rc = run_apply(c.runner, c.options(dir.path), c.out_fn(), c.err_fn());
    clear_interrupt();
    CHECK(rc == 3);
    CHECK(c.all_err().find("interrupted: nothing changed") != std::string::npos);
    CHECK(c.count("crm_attribute") == 0);
    CHECK(c.count("cibadmin --patch") == 0);
    CHECK(c.count("crm_resource --refresh") == 0);
    CHECK(primitive_agent(c.cib, "adopt-vm") == "ocf:heartbeat:VirtualDomain");
}

TEST_CASE("apply: a value our agent's validate-all refuses keeps that resource on its stock agent before any change",
          "[adopt-apply]")
{
    SimCluster c;
    TempDir dir;
    c.runner.expect({"/usr/lib/ocf/resource.d/custom/virtdomain", "validate-all"},
                    FakeRunner::exited(6, "", "ocf-exit-reason:parameter 'migrate_options': --bogus is not a flag virtdomain knows\n"));
    int rc = run_apply(c.runner, c.options(dir.path), c.out_fn(), c.err_fn());
    INFO(c.all_err());
    CHECK(rc == 1);  // some stay, the others converted and verified
    CHECK(primitive_agent(c.cib, "adopt-fs") == "ocf:custom:gfs2fs");
    CHECK(primitive_agent(c.cib, "adopt-vm") == "ocf:heartbeat:VirtualDomain");
    CHECK(c.count("crm_resource --refresh --resource adopt-vm") == 0);
    // Asked before the cluster was touched.
    CHECK(c.first("/usr/lib/ocf/resource.d/custom/virtdomain validate-all") < c.first("crm_attribute"));
    std::string out;
    for (const auto& l : c.out) out += l + "\n";
    CHECK(out.find("why it stays: ocf:custom:virtdomain refuses these parameters (validate-all: not configured): "
                   "parameter 'migrate_options': --bogus is not a flag virtdomain knows") != std::string::npos);
    CHECK(c.maintenance.empty());
    only_safe_calls(c);
}

TEST_CASE("apply --no-validate runs no agent", "[adopt-apply]")
{
    SimCluster c;
    TempDir dir;
    Options o = c.options(dir.path);
    o.validate = false;
    CHECK(run_apply(c.runner, o, c.out_fn(), c.err_fn()) == 0);
    CHECK(c.count("/usr/lib/ocf/") == 0);
}
