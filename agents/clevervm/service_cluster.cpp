// forcestart, forcestop, cleanup, migrate and unmigrate: changes made through Pacemaker, each
// waiting (bounded) until the cluster shows the result.
#include "service.h"

#include <functional>

#include <fmt/format.h>

#include "service_detail.h"

namespace ocfkit::clevervm {

using namespace service_detail;

std::vector<GuestSpec> Service::managed_guests(const std::string& command)
{
    std::vector<GuestSpec> out;
    for (const auto& g : targets().guests) {
        if (g.resource.empty()) warn(fmt::format("{}: guest {} has no Pacemaker resource; skipped", command, g.name));
        else out.push_back(g);
    }
    if (out.empty()) throw CommandError(Lsb::NotConfigured, fmt::format("{}: no guest is managed by a Pacemaker resource", command));
    return out;
}

// Lets the transition that a change started finish first, so that a state crm_mon shows in
// between (e.g. a resource whose history a cleanup removed, shown Stopped until its re-probe)
// is not taken for the result.
void Service::settle(const std::string& what)
{
    std::vector<std::string> argv{"crm_resource", "--wait", "--timeout", fmt::format("{}s", config_.wait.count())};
    CommandSpec spec;
    spec.argv = argv;
    CommandResult r = run_tool(argv, config_.wait + std::chrono::seconds(10));
    if (!r.ok()) warn(fmt::format("{}: the cluster did not settle: {}", what, failure_message(spec, r)));
}

bool Service::wait_until(const std::string& what,
                         const std::function<std::vector<std::string>(const parse::CrmMon&)>& pending)
{
    Deadline deadline = Deadline::after(std::chrono::duration_cast<std::chrono::milliseconds>(config_.wait));
    long long polls = config_.wait.count();  // one a second; also bounds fake clocks in tests
    std::vector<std::string> left;
    for (long long i = 0;; ++i) {
        mon_ = read_mon();
        if (mon_->mon) left = pending(*mon_->mon);
        else left = {fmt::format("cluster unreadable: {}", mon_->error)};
        if (left.empty()) return true;
        if (i >= polls || deadline.expired()) break;
        sleep_(std::chrono::milliseconds(1000));
    }
    warn(fmt::format("{}: still waiting after {}s for: {}", what, config_.wait.count(), join(left, "; ")));
    return false;
}

Lsb Service::forcestart(bool wait)
{
    require_privilege("forcestart");
    require_cluster("forcestart");
    auto guests = managed_guests("forcestart");
    for (const auto& g : guests) {
        run_pacemaker_tool({"crm_resource", "--resource", g.resource, "--meta", "--set-parameter", "target-role",
                            "--parameter-value", "Started"});
        say(fmt::format("{}: target-role=Started (guest {})", g.resource, g.name));
    }
    if (!wait) return Lsb::Ok;
    settle("forcestart");
    bool ok = wait_until("forcestart", [&](const parse::CrmMon& mon) {
        std::vector<std::string> left;
        for (const auto& g : guests) {
            bool up = false;
            for (const auto* inst : mon.instances(g.resource)) up = up || (inst->active && !inst->failed && active_role(inst->role));
            if (!up) left.push_back(fmt::format("{} to start", g.resource));
        }
        return left;
    });
    if (ok) say("all guests started by Pacemaker");
    return ok ? Lsb::Ok : Lsb::Generic;
}

Lsb Service::forcestop(bool wait)
{
    require_privilege("forcestop");
    require_cluster("forcestop");
    auto guests = managed_guests("forcestop");
    for (const auto& g : guests) {
        run_pacemaker_tool({"crm_resource", "--resource", g.resource, "--meta", "--set-parameter", "target-role",
                            "--parameter-value", "Stopped"});
        say(fmt::format("{}: target-role=Stopped (guest {})", g.resource, g.name));
    }
    if (!wait) return Lsb::Ok;
    settle("forcestop");
    bool ok = wait_until("forcestop", [&](const parse::CrmMon& mon) {
        std::vector<std::string> left;
        for (const auto& g : guests) {
            for (const auto* inst : mon.instances(g.resource))
                if (inst->active) left.push_back(fmt::format("{} to stop on {}", g.resource, join(inst->nodes, " ")));
        }
        return left;
    });
    if (ok) say("all guests stopped by Pacemaker");
    return ok ? Lsb::Ok : Lsb::Generic;
}

Lsb Service::cleanup(const std::vector<std::string>& resources, bool wait)
{
    require_privilege("cleanup");
    require_cluster("cleanup");
    if (resources.empty()) {
        run_pacemaker_tool({"crm_resource", "--cleanup"});
        say("failure records of all resources cleared");
    }
    for (const auto& r : resources) {
        run_pacemaker_tool({"crm_resource", "--cleanup", "--resource", r});
        say(fmt::format("{}: failure records cleared", r));
    }
    // The cluster probes the cleaned resources again; their state is known once it settled.
    if (wait) settle("cleanup");
    return Lsb::Ok;
}

Lsb Service::migrate(bool wait)
{
    require_privilege("migrate");
    const parse::CrmMon& mon = require_cluster("migrate");
    const Targets& t = targets();
    if (t.promotables.empty())
        throw CommandError(Lsb::NotConfigured, "migrate: no promotable DRBD resource configured or discovered");
    std::string node = local_node();
    if (!mon.node(node)) throw CommandError(Lsb::Generic, fmt::format("migrate: this node ({}) is not a cluster node", node));
    for (const auto& p : t.promotables) {
        bool known = false;
        for (const auto& r : mon.resources) known = known || r.parent == p || r.id == p;
        if (!known) throw CommandError(Lsb::NotConfigured, fmt::format("migrate: the cluster has no resource {}", p));
        run_pacemaker_tool({"crm_resource", "--ban", "--resource", p, "--node", node, "--promoted"});
        say(fmt::format("{}: banned from the promoted role on {} (this node is marked unfit until unmigrate)", p, node));
    }
    if (!wait) return Lsb::Ok;
    settle("migrate");
    std::vector<GuestSpec> guests;
    for (const auto& g : t.guests)
        if (!g.resource.empty()) guests.push_back(g);
    bool ok = wait_until("migrate", [&](const parse::CrmMon& now) {
        std::vector<std::string> left;
        for (const auto& r : now.resources) {
            if (!contains(t.promotables, r.parent) || r.role != "Promoted" || !contains(r.nodes, node)) continue;
            left.push_back(fmt::format("{} to be demoted here", r.parent));
        }
        for (const auto& g : guests)
            for (const auto* inst : now.instances(g.resource))
                if (inst->active && contains(inst->nodes, node)) left.push_back(fmt::format("{} to leave {}", g.resource, node));
        return left;
    });
    if (ok) say(fmt::format("nothing promoted or dependent runs on {} any more", node));
    return ok ? Lsb::Ok : Lsb::Generic;
}

Lsb Service::unmigrate()
{
    require_privilege("unmigrate");
    require_cluster("unmigrate");
    const Targets& t = targets();
    if (t.promotables.empty())
        throw CommandError(Lsb::NotConfigured, "unmigrate: no promotable DRBD resource configured or discovered");
    std::string node = local_node();
    for (const auto& p : t.promotables) {
        run_pacemaker_tool({"crm_resource", "--clear", "--resource", p, "--node", node});
        say(fmt::format("{}: ban on {} removed; resources stay where they run now (stickiness)", p, node));
    }
    return Lsb::Ok;
}

}  // namespace ocfkit::clevervm
