// virtdomain migrate_to / migrate_from: a live migration that leaves the guest running somewhere.
#include "virtdomain_agent.h"

#include <thread>

#include <fmt/format.h>

#include "bounded_hypervisor.h"
#include "domain_queries.h"
#include "identity.h"
#include "libvirt_uri.h"
#include "migration.h"
#include "monitor_scripts.h"
#include "qemu_process.h"
#include "save_config.h"
#include "settings.h"
#include "start_resources.h"
#include "unreachable_evidence.h"

namespace ocfkit::virtdomain {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::seconds;

Outcome VirtDomainAgent::migrate_to(Context& ctx)
{
    Settings s = read_settings(ctx);
    Resolved r = resolve(ctx, s, true, s.start_resources, read_briefly(s, ctx.deadline));
    if (!r.id) fail(r.config.code, "{}", r.config.problem);
    const Identity id = *r.id;
    std::string target = ctx.env.meta("migrate_target").value_or("");
    auto local = parse_libvirt_uri(id.hypervisor).uri;
    if (!local) fail(ExitCode::ErrConfigured, "parameter 'hypervisor': {}", parse_libvirt_uri(id.hypervisor).error);

    MigrationSettings ms;
    ms.hypervisor = *local;
    ms.transport = text_param(ctx.params, "migration_transport");
    ms.user = text_param(ctx.params, "migration_user");
    ms.network_suffix = text_param(ctx.params, "migration_network_suffix");
    ms.remoteuri = text_param(ctx.params, "remoteuri");
    ms.migrateuri = text_param(ctx.params, "migrateuri");
    if (auto port = int_param(ctx.params, "migrateport")) ms.migrateport = static_cast<int>(*port);
    ms.speed_mib_s = int_param(ctx.params, "migration_speed").value_or(0);
    ms.downtime_ms = int_param(ctx.params, "migration_downtime").value_or(0);
    ms.options = text_param(ctx.params, "migrate_options");
    ms.persistent = s.persistent;
    PlanResult planned = plan_migration(ms, target);
    // Options wrong in themselves are wrong everywhere; what depends on the target node is not.
    if (!planned.plan)
        fail(planned.parameter == "CRM_meta_migrate_target" || planned.parameter == "remoteuri" ? ExitCode::ErrGeneric
                                                                                               : ExitCode::ErrConfigured,
             "parameter '{}': {}", planned.parameter, planned.error);
    const MigrationPlan& plan = *planned.plan;

    ReachabilityRecord reach(ctx, r.remembered_path, id.hypervisor);
    BoundedHypervisor hv(hypervisor_, ctx.deadline, limits_for(s, ctx.deadline));
    hv.watch(id.hypervisor, reach, reach.first_connect_bound(s.call_timeout, options_.short_connect));
    try {
        auto conn = hv.connect(id.hypervisor);
        Connection& c = *conn;
        DomainRef ref = id.ref();
        auto st = status_of(c, ref);
        if (!st || !classify_state(*st, id.name).ok())
            fail(ExitCode::ErrGeneric, "cannot migrate domain {} to {}: it is not running here ({})", id.name, target,
                 state_text(st));
        save_config(ctx, s, c, ref);
        if (s.start_resources) {
            if (!r.config.xml) fail(ExitCode::ErrGeneric, "parameter 'start_resources': {}", r.config.problem);
            // On the target, through a connection of its own (bounded like every call).
            try {
                auto there = hv.connect(plan.request.dest_uri);
                activate_resources(ctx, *there, *r.config.xml, fmt::format("on {} ({})", target, plan.request.dest_uri),
                                   ExitCode::ErrGeneric);
            } catch (const HvError& e) {
                fail(ExitCode::ErrGeneric,
                     "cannot migrate domain {} to {}: parameter 'start_resources': {}; the guest keeps running here",
                     id.name, target, e.what());
            }
        }
        if (plan.downtime_ms > 0) {
            try {
                c.set_max_downtime(ref, plan.downtime_ms);
            } catch (const HvError& e) {
                if (e.unreachable()) throw;
                ctx.log.warn("could not set the migration downtime of {} to {} ms: {}", id.name, plan.downtime_ms, e.what());
            }
        }
        ctx.log.info("migrating domain {} live to {} ({}; data channel {})", id.name, target, plan.request.dest_uri,
                     plan.request.migrate_uri.empty() ? "libvirt's default" : plan.request.migrate_uri);
        auto t0 = Deadline::Clock::now();
        try {
            c.migrate(ref, plan.request);
        } catch (const HvError& e) {
            std::string why = e.what();
            if (e.kind() == HvErrorKind::Timeout) {
                try {
                    c.abort_job(ref);
                    why += "; the migration job was aborted";
                } catch (const HvError& a) {
                    why += fmt::format("; aborting the migration job failed too: {}", a.what());
                }
            }
            // The guest must keep running here: wait for libvirt to finish its clean-up, resume if needed.
            std::string here;
            try {
                Deadline settle = earliest(ctx.deadline, Deadline::after(5s));
                std::optional<DomainStatus> now;
                for (;;) {
                    now = status_of(c, ref);
                    bool migrating = now && now->state == DomainState::Paused &&
                                     (now->reason == paused_reason::Migration || now->reason == paused_reason::Postcopy);
                    if (!migrating || settle.remaining() < 300ms) break;
                    std::this_thread::sleep_for(200ms);
                }
                if (now && now->state == DomainState::Paused && now->reason == paused_reason::Migration) {
                    c.resume(ref);
                    now = status_of(c, ref);
                }
                here = now && classify_state(*now, id.name).ok()
                           ? fmt::format("the guest keeps running here ({})", describe(*now))
                           : fmt::format("the guest is {} here", state_text(now));
            } catch (const HvError& e2) {
                here = fmt::format("its state here is unknown: {}", e2.what());
            }
            // What happened to the guest first: the cluster shows only the reason's start.
            fail(ExitCode::ErrGeneric, "live migration of domain {} to {} failed, {}: {} (to {})", id.name, target,
                 here, why, plan.request.dest_uri);
        }
        auto ms_taken = std::chrono::duration_cast<milliseconds>(Deadline::Clock::now() - t0).count();
        if (auto e = forget_remembered(r.remembered_path)) ctx.log.warn("{}", *e);
        remove_shutdown_order(ctx, HostPaths::from_env(ctx.env), guest_shutdown_order().agent);
        return {ExitCode::Success, fmt::format("domain {} migrated live to {} in {} ms", id.name, target, ms_taken)};
    } catch (const HvError& e) {
        // Nothing was migrated: the guest is where it was. Pacemaker stops it here next, and
        // that stop ends its qemu itself.
        if (e.unreachable()) {
            std::string here = "its state here is unknown";
            if (local_system_qemu(id.hypervisor))
                if (auto pid = qemu_pid(options_.qemu_run_dir, id.name))
                    here = fmt::format("its qemu process {} still runs here", *pid);
            fail(ExitCode::ErrGeneric, "libvirt is unreachable here: domain {} cannot migrate to {}, {}: {}", id.name,
                 target, here, e.what());
        }
        hv_fail(e, fmt::format("cannot migrate domain {} to {}", id.name, target));
    }
}

Outcome VirtDomainAgent::migrate_from(Context& ctx)
{
    Settings s = read_settings(ctx);
    Resolved r = resolve(ctx, s, false, true, read_until(ctx.deadline));
    if (!r.id) fail(r.config.code, "{}", r.config.problem);
    const Identity id = *r.id;
    std::string source = ctx.env.meta("migrate_source").value_or("the source node");
    bool paused_ok = text_param(ctx.params, "migrate_options").find("--suspend") != std::string::npos;

    ReachabilityRecord reach(ctx, r.remembered_path, id.hypervisor);
    BoundedHypervisor hv(hypervisor_, ctx.deadline, limits_for(s, ctx.deadline));
    hv.watch(id.hypervisor, reach, reach.first_connect_bound(s.call_timeout, options_.short_connect));
    try {
        auto conn = hv.connect(id.hypervisor);
        Connection& c = *conn;
        DomainRef ref{id.name, id.uuid};
        std::optional<DomainStatus> st;
        for (;;) {
            st = status_of(c, ref);
            bool arrived = st && (st->state == DomainState::Running || st->state == DomainState::Blocked ||
                                  (paused_ok && st->state == DomainState::Paused));
            if (arrived) break;
            if (st && !classify_state(*st, id.name).ok() && st->state != DomainState::ShutOff)
                fail(ExitCode::ErrGeneric, "domain {} arrived from {} but is {}", id.name, source, describe(*st));
            if (ctx.deadline.remaining() < 300ms)
                fail(ExitCode::ErrGeneric, "domain {} did not arrive from {} in time (here it is {})", id.name, source,
                     state_text(st));
            std::this_thread::sleep_for(200ms);
        }
        auto info = c.find_by_name(id.name);
        if (s.persistent && info && !info->persistent && r.config.xml) {
            try {
                c.define(r.config.xml->uuid.empty() ? with_uuid(r.config.text, info->uuid) : r.config.text);
            } catch (const HvError& e) {
                if (e.unreachable()) throw;
                ctx.log.warn("domain {} runs here but could not be defined persistently: {}", id.name, e.what());
            }
        }
        remember(ctx, r.remembered_path, s, id.name, info ? info->uuid : id.uuid, id.hypervisor);
        wait_monitor_scripts(ctx, s, id.name);
        order_shutdown(ctx, id.name, id.hypervisor, true);
        return {ExitCode::Success, fmt::format("domain {} arrived from {} and runs here", id.name, source)};
    } catch (const HvError& e) {
        hv_fail(e, fmt::format("domain {} from {}", id.name, source));
    }
}

}  // namespace ocfkit::virtdomain
