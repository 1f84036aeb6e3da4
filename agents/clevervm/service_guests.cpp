// start, stop and restart: the guests on this node directly through libvirt, leaving Pacemaker's
// guests to Pacemaker at boot and shutdown.
#include "service.h"

#include <functional>

#include <fmt/format.h>

#include "ocfkit/parse/text.h"

namespace ocfkit::clevervm {

// systemd tells whether the machine is booting or shutting down; without systemd (sysvinit) the
// init script passes --from-init only from rc at boot and shutdown.
Service::Caller Service::caller_of(const std::string& command, bool from_init)
{
    if (!from_init) return Caller::Operator;
    CommandResult r = run_tool({"systemctl", "is-system-running"}, std::chrono::seconds(10));
    std::string_view state = parse::trim(r.out);
    bool settled = state == "running" || state == "degraded" || state == "maintenance";
    if (settled) return Caller::Operator;
    return command == "start" ? Caller::Boot : Caller::Shutdown;
}

// Why the guest of a Pacemaker resource must not be started here outside Pacemaker, if so.
std::optional<std::string> Service::not_startable_here(const GuestSpec& g)
{
    const MonRead& r = mon();
    if (!r.mon)
        return fmt::format("the cluster's state is unknown here ({}), so resource {} may run on another node; "
                           "start it through Pacemaker (forcestart) once the cluster runs",
                           r.error, g.resource);
    std::string node = local_node();
    for (const auto* inst : r.mon->instances(g.resource))
        if (inst->active)
            for (const auto& n : inst->nodes)
                if (n != node)
                    return fmt::format("Pacemaker runs resource {} on {}; starting it here as well would run the guest "
                                       "twice on the same disks",
                                       g.resource, n);
    return std::nullopt;
}

// Acts on every guest here with `act` (false: not done). At boot and shutdown the guests of
// Pacemaker resources are left to Pacemaker. libvirt unavailable ends the loop: the remaining
// guests would fail the same way.
Lsb Service::each_guest(const std::string& command, Caller caller, const std::function<bool(const GuestSpec&)>& act)
{
    require_privilege(command);
    const Targets& t = targets();
    if (t.guests.empty()) {
        if (caller != Caller::Operator) {
            say(fmt::format("no guests configured or discovered: nothing to {}", command));
            return Lsb::Ok;
        }
        throw CommandError(Lsb::NotConfigured, fmt::format("{}: no guests configured or discovered", command));
    }
    int failed = 0;
    for (std::size_t i = 0; i < t.guests.size(); ++i) {
        const GuestSpec& g = t.guests[i];
        if (caller == Caller::Boot && !g.resource.empty()) {
            say(fmt::format("{}: left to Pacemaker at boot (resource {})", g.name, g.resource));
            continue;
        }
        if (caller == Caller::Shutdown && !g.resource.empty()) {
            // A managed save here would later resume over disks the guest has written since on
            // the node Pacemaker moves it to.
            say(fmt::format("{}: left to Pacemaker at shutdown (it moves or stops resource {})", g.name, g.resource));
            continue;
        }
        try {
            if (!act(g)) ++failed;
        } catch (const HypervisorError& e) {
            warn(e.what());
            ++failed;
            if (e.unavailable) {
                failed += static_cast<int>(t.guests.size() - i - 1);
                break;
            }
        }
    }
    return libvirt_result(command, failed, t.guests.size());
}

Lsb Service::start(Caller caller)
{
    return each_guest("start", caller, [this](const GuestSpec& g) {
        GuestInfo info = hv_.guest(g.name);
        if (!info.active && !g.resource.empty()) {
            if (auto why = not_startable_here(g)) {
                warn(fmt::format("{}: not started: {}", g.name, *why));
                return false;
            }
        }
        if (!info.exists) {
            const auto& configs = targets().guest_configs;
            auto cfg = configs.find(g.name);
            auto xml = cfg != configs.end() ? host_.read_file(cfg->second) : std::nullopt;
            if (!xml) {
                warn(fmt::format("{}: not defined in libvirt here and no domain XML known", g.name));
                return false;
            }
            hv_.define(*xml);
            say(fmt::format("{}: defined from {}", g.name, cfg->second));
            info = hv_.guest(g.name);
        }
        if (info.active) {
            say(fmt::format("{}: already {}", g.name, info.state));
        } else {
            hv_.start(g.name);
            say(fmt::format("{}: started{}", g.name, info.managed_save ? " (resumed from managed save)" : ""));
        }
        if (!g.resource.empty())
            warn(fmt::format("warning: {} is managed by Pacemaker resource {}; the cluster may stop or move it "
                             "again (forcestart starts it through Pacemaker)", g.name, g.resource));
        return true;
    });
}

Lsb Service::stop(Caller caller)
{
    return each_guest("stop", caller, [this](const GuestSpec& g) {
        GuestInfo info = hv_.guest(g.name);
        bool done = true;
        if (!info.exists) {
            say(fmt::format("{}: not defined here", g.name));
        } else if (!info.active) {
            say(fmt::format("{}: already {}{}", g.name, info.state, info.managed_save ? " (managed save)" : ""));
        } else if (!info.persistent) {
            warn(fmt::format("{}: cannot hibernate a transient domain (a managed save needs a persistent "
                             "definition, e.g. virtdomain persistent=true); it keeps running", g.name));
            done = false;
        } else {
            hv_.managed_save(g.name);
            say(fmt::format("{}: hibernated (managed save)", g.name));
        }
        if (!g.resource.empty() && info.active)
            warn(fmt::format("warning: {0} is managed by Pacemaker resource {1}; the cluster may start it again "
                             "(forcestop stops it through Pacemaker); should it run on another node meanwhile, "
                             "discard this managed save (virsh managedsave-remove {0}) before {0} starts here "
                             "again: resuming it would put stale memory over the disks",
                             g.name, g.resource));
        return done;
    });
}

Lsb Service::libvirt_result(const std::string& command, int failed, std::size_t total)
{
    if (!failed) return Lsb::Ok;
    warn(fmt::format("{}: {} of {} guests not done", command, failed, total));
    return Lsb::Generic;
}

Lsb Service::restart()
{
    Lsb s = stop();
    if (s != Lsb::Ok) return s;
    return start();
}

}  // namespace ocfkit::clevervm
