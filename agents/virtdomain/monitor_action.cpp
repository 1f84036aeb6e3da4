// virtdomain monitor: one state query mapped to an OCF code, utilization, monitor_scripts.
#include "virtdomain_agent.h"

#include <map>

#include <fmt/format.h>

#include "bounded_hypervisor.h"
#include "domain_queries.h"
#include "identity.h"
#include "monitor_scripts.h"
#include "qemu_process.h"
#include "settings.h"
#include "unreachable_evidence.h"

namespace ocfkit::virtdomain {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

void sync_utilization(Context& ctx, const Settings& s, const Identity& id, const DomainStatus& st, Resolved& r)
{
    // attribute -> value to write; "" removes the attribute (unset_utilization_*), which is
    // remembered as "" so that it happens once per start.
    std::map<std::string, std::string> want;
    if (s.util_cpu && st.vcpus > 0) want["cpu"] = std::to_string(st.vcpus);
    if (s.util_hv && st.max_memory_kib > 0) want["hv_memory"] = std::to_string(st.max_memory_kib / 1024);
    if (s.util_host && st.max_memory_kib > 0) want["host_memory"] = std::to_string(st.max_memory_kib / 1024);
    if (!s.util_cpu && s.unset_cpu) want["cpu"] = "";
    if (!s.util_hv && s.unset_hv) want["hv_memory"] = "";
    if (!s.util_host && s.unset_host) want["host_memory"] = "";

    bool first = !r.remembered.has_value();
    Remembered m = r.remembered.value_or(Remembered{id.name, id.uuid, s.config, id.hypervisor, {}});
    bool changed = first;
    std::string instance = ctx.env.resource_instance();
    bool can_write = ctx.cluster.pacemaker() && !instance.empty();
    for (const auto& [attr, value] : want) {
        auto it = m.utilization.find(attr);
        if (it != m.utilization.end() && it->second == value) continue;
        if (!can_write) continue;
        CommandSpec cmd;
        if (value.empty())
            cmd.argv = {"crm_resource", "--resource", instance, "--utilization", "--delete-parameter", attr};
        else
            cmd.argv = {"crm_resource", "--resource", instance, "--utilization", "--set-parameter", attr, "--parameter-value", value};
        cmd.timeout = 10s;
        for (const char* v : {"CIB_file", "CIB_shadow"})
            if (auto x = ctx.env.get(v)) cmd.env[v] = *x;
        CommandResult res = ctx.runner.run(cmd, ctx.deadline);
        if (res.ok()) {
            m.utilization[attr] = value;
            changed = true;
            if (value.empty())
                ctx.log.info("utilization {} removed from {}", attr, instance);
            else
                ctx.log.info("utilization {}={} set for {}", attr, value, instance);
        } else {
            ctx.log.warn("could not {} utilization {}: {}", value.empty() ? "remove" : "set", attr, failure_message(cmd, res));
        }
    }
    if (changed)
        if (auto e = store_remembered(r.remembered_path, m)) ctx.log.warn("{}", *e);
}

}  // namespace

Outcome classify_state(const DomainStatus& st, const std::string& domain)
{
    switch (st.state) {
    case DomainState::Running:
    case DomainState::Blocked: return ExitCode::Success;
    case DomainState::ShuttingDown:
        return {ExitCode::Success, fmt::format("domain {} is shutting down but still runs", domain)};
    case DomainState::PmSuspended:
        return {ExitCode::Success, fmt::format("domain {} is suspended by its guest OS (pmsuspended)", domain)};
    case DomainState::Paused:
        switch (st.reason) {
        case paused_reason::IoError:
        case paused_reason::Watchdog:
        case paused_reason::Crashed:
        case paused_reason::PostcopyFailed:
        case paused_reason::ApiError:
            return {ExitCode::ErrGeneric, fmt::format("domain {} is {}: it cannot continue without intervention", domain,
                                                      describe(st))};
        default:
            return {ExitCode::Success, fmt::format("domain {} is {}", domain, describe(st))};
        }
    case DomainState::ShutOff: return {ExitCode::NotRunning, fmt::format("domain {} is {}", domain, describe(st))};
    case DomainState::Crashed:
        return {ExitCode::ErrGeneric, fmt::format("domain {} has crashed (kept for inspection by on_crash=preserve)", domain)};
    case DomainState::NoState: break;
    }
    return {ExitCode::ErrGeneric, fmt::format("domain {} reports no state", domain)};
}


Outcome VirtDomainAgent::monitor(Context& ctx)
{
    Settings s = read_settings(ctx);
    Resolved r = resolve(ctx, s, true, false, read_briefly(s, ctx.deadline));
    if (!r.id) {
        if (ctx.probe && !r.config.unknown)
            return {ExitCode::NotRunning, fmt::format("{}; no domain of this resource can be running here", r.config.problem)};
        if (r.config.unknown)
            fail(ExitCode::ErrGeneric, "{}, and nothing is remembered from a start here; set parameter 'domain' to "
                 "monitor the guest without the file", r.config.problem);
        fail(r.config.code, "{}", r.config.problem);
    }
    const Identity id = *r.id;
    // The full call_timeout even with evidence: a slow but living libvirtd must not fail
    // monitors. What this monitor finds is remembered for the operations that follow.
    ReachabilityRecord reach(ctx, r.remembered_path, id.hypervisor);
    BoundedHypervisor hv(hypervisor_, ctx.deadline, limits_for(s, ctx.deadline));
    hv.watch(id.hypervisor, reach);
    DomainStatus st;
    try {
        auto conn = hv.connect(id.hypervisor);
        auto found = status_of(*conn, id.ref());
        if (!found) return {ExitCode::NotRunning, fmt::format("domain {} is not defined here", id.name)};
        st = *found;
    } catch (const HvError& e) {
        if (!outcome_unknown(e)) hv_fail(e, fmt::format("cannot query domain {}", id.name));
        // libvirtd down or hung: the guest may well run on; its qemu process says so.
        if (!local_system_qemu(id.hypervisor)) fail(ExitCode::ErrGeneric, "cannot query domain {}: {}", id.name, e.what());
        if (auto pid = qemu_pid(options_.qemu_run_dir, id.name))
            // What matters first: Pacemaker keeps only 128 characters of the reason.
            return {ExitCode::Degraded, fmt::format("the qemu process {} of domain {} still runs, but libvirt is unreachable ({})",
                                                    *pid, id.name, e.what())};
        return {ExitCode::NotRunning,
                fmt::format("domain {} has no qemu process here (and libvirt is unreachable: {})", id.name, e.what())};
    }
    Outcome o = classify_state(st, id.name);
    if (!o.ok()) return o;
    // A few small reads: the ordering comes back after an upgrade from a version without it, and
    // follows the guest's scope when libvirt restarted it under a new one.
    if (!ctx.probe) order_shutdown(ctx, id.name, id.hypervisor);
    sync_utilization(ctx, s, id, st, r);
    // Services inside are checked only while the guest runs: a guest paused on purpose is healthy.
    if (st.state == DomainState::Running || st.state == DomainState::Blocked) {
        Outcome scripts = run_monitor_scripts(ctx, s, id.name);
        if (!scripts.ok()) return scripts;
    }
    return o;
}

}  // namespace ocfkit::virtdomain
