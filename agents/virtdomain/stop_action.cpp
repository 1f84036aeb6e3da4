// virtdomain stop: save to save_dir, or shut down gracefully, then destroy; success only on evidence.
#include "virtdomain_agent.h"

#include <algorithm>

#include <fmt/format.h>

#include "bounded_hypervisor.h"
#include "domain_queries.h"
#include "identity.h"
#include "qemu_process.h"
#include "save_config.h"
#include "save_state.h"
#include "settings.h"
#include "unreachable_evidence.h"

namespace ocfkit::virtdomain {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

struct StopPlan {
    Context& ctx;
    const Settings& s;
    Connection& c;
    DomainRef ref;
};

// True when the guest went away gracefully in time.
bool graceful_shutdown(StopPlan& p, const std::optional<DomainStatus>& st)
{
    if (st && (st->state == DomainState::Paused || st->state == DomainState::Crashed)) {
        p.ctx.log.info("domain {} is {}: it cannot react to a shutdown request; destroying it", p.ref.name, describe(*st));
        return false;
    }
    milliseconds reserve = std::clamp<milliseconds>(p.ctx.deadline.remaining() / 4, 5s, 20s);
    Deadline until = Deadline::at(p.ctx.deadline.when() - reserve);
    if (p.s.shutdown_timeout) until = earliest(until, Deadline::after(*p.s.shutdown_timeout));
    if (until.remaining() <= 0ms) {
        p.ctx.log.info("no time for a graceful shutdown of domain {}; destroying it", p.ref.name);
        return false;
    }
    auto t0 = Deadline::Clock::now();
    try {
        p.c.shutdown(p.ref, p.s.shutdown_modes);
    } catch (const HvError& e) {
        if (e.kind() == HvErrorKind::NoDomain) return true;
        // A request that timed out (a held job lock, a silent guest agent) failed like any
        // other: destroy needs neither. Only a lost connection makes destroy pointless.
        if (e.kind() == HvErrorKind::ConnectFailed || e.kind() == HvErrorKind::ConnectionLost) throw;
        p.ctx.log.warn("graceful shutdown request for domain {} failed: {}; destroying it", p.ref.name, e.what());
        return false;
    }
    auto last = wait_gone(p.c, p.ref, until);
    auto ms = std::chrono::duration_cast<milliseconds>(Deadline::Clock::now() - t0).count();
    if (gone(last)) {
        p.ctx.log.info("domain {} shut down gracefully in {} ms", p.ref.name, ms);
        return true;
    }
    p.ctx.log.warn("domain {} did not shut down within {} ms (still {}); destroying it", p.ref.name, ms, state_text(last));
    return false;
}

void destroy_and_wait(StopPlan& p)
{
    try {
        p.c.destroy(p.ref);
    } catch (const HvError& e) {
        // "domain is not running": it went away by itself meanwhile; the wait below tells.
        if (e.kind() != HvErrorKind::NoDomain && e.kind() != HvErrorKind::InvalidOperation) throw;
    }
    auto last = wait_gone(p.c, p.ref, before_deadline(p.ctx.deadline));
    if (!gone(last)) fail(ExitCode::ErrGeneric, "domain {} is still {} after destroy", p.ref.name, state_text(last));
    p.ctx.log.info("domain {} destroyed", p.ref.name);
}

// True when the guest's RAM is now in save_dir and the domain is gone.
bool save_to_dir(StopPlan& p)
{
    SaveState saves(p.s.save_dir, p.ref.name);
    if (auto e = saves.begin_save()) {
        p.ctx.log.warn("not saving domain {}: {}; shutting it down instead", p.ref.name, *e);
        return false;
    }
    try {
        p.c.save(p.ref, saves.partial());
    } catch (const HvError& e) {
        if (e.unreachable()) throw;
        saves.abandon_save();
        p.ctx.log.warn("saving domain {} to {} failed: {}; shutting it down instead (its RAM state is lost)", p.ref.name,
                       saves.image(), e.what());
        return false;
    }
    if (auto e = saves.commit_save())
        p.ctx.log.error("domain {} was saved, but {}; rename it by hand to resume the guest", p.ref.name, *e);
    auto last = wait_gone(p.c, p.ref, before_deadline(p.ctx.deadline));
    if (!gone(last)) {
        p.ctx.log.warn("domain {} is still {} after saving it; destroying it", p.ref.name, state_text(last));
        return false;
    }
    p.ctx.log.info("domain {} saved to {} (the next start resumes it)", p.ref.name, saves.image());
    return true;
}

}  // namespace

Outcome VirtDomainAgent::stop(Context& ctx)
{
    Outcome o = stop_domain(ctx);
    if (o.ok()) remove_shutdown_order(ctx, HostPaths::from_env(ctx.env), guest_shutdown_order().agent);
    return o;
}

Outcome VirtDomainAgent::stop_domain(Context& ctx)
{
    Settings s = read_settings(ctx);
    Resolved r = resolve(ctx, s, true, false, read_briefly(s, ctx.deadline));
    if (!r.id && r.config.unknown)
        fail(ExitCode::ErrGeneric,
             "cannot tell if this resource's domain runs here (set parameter 'domain' to stop it without the "
             "file): {}; nothing is remembered from a start here",
             r.config.problem);
    if (!r.id)
        return {ExitCode::Success,
                fmt::format("nothing to stop: {}, and no domain is remembered as started by this resource here",
                            r.config.problem)};
    const Identity id = *r.id;
    auto forget = [&] {
        if (auto e = forget_remembered(r.remembered_path)) ctx.log.warn("{}", *e);
    };
    // Without libvirtd the guest's own qemu process is the evidence, and the handle: a stop that
    // fails here gets the node fenced, while ending qemu is what destroy would have done.
    auto unreachable = [&](const HvError& e) -> Outcome {
        if (!local_system_qemu(id.hypervisor)) fail(ExitCode::ErrGeneric, "cannot stop domain {}: {}", id.name, e.what());
        auto pid = qemu_pid(options_.qemu_run_dir, id.name);
        if (!pid) {
            forget();
            return {ExitCode::Success,
                    fmt::format("libvirt is unreachable ({}), but domain {} has no qemu process here: it is stopped",
                                e.what(), id.name)};
        }
        ctx.log.warn("libvirt is unreachable ({}); ending the qemu process {} of domain {} itself", e.what(), *pid,
                     id.name);
        const milliseconds grace = std::clamp<milliseconds>(ctx.deadline.remaining() / 3, 1s, 10s);
        QemuEnd end = end_qemu(options_.qemu_run_dir, id.name, ctx.deadline, grace);
        if (!end.ended)
            fail(ExitCode::ErrGeneric, "cannot stop domain {}: its qemu process {} still runs after {}; libvirt is "
                 "unreachable: {}", id.name, end.pid, end.signal.empty() ? "no signal could be sent" : end.signal,
                 e.what());
        forget();
        return {ExitCode::Success,
                fmt::format("libvirt is unreachable ({}); domain {} stopped: its qemu process {} ended after {} in {} ms",
                            e.what(), id.name, end.pid, end.signal.empty() ? "no signal" : end.signal,
                            end.took.count())};
    };

    ReachabilityRecord reach(ctx, r.remembered_path, id.hypervisor);
    BoundedHypervisor hv(hypervisor_, ctx.deadline, limits_for(s, ctx.deadline));
    hv.watch(id.hypervisor, reach, reach.first_connect_bound(s.call_timeout, options_.short_connect));
    try {
        auto conn = hv.connect(id.hypervisor);
        StopPlan p{ctx, s, *conn, id.ref()};
        auto st = status_of(p.c, p.ref);
        if (gone(st)) {
            forget();
            return {ExitCode::Success, fmt::format("domain {} is not running ({})", id.name, state_text(st))};
        }
        ctx.log.info("stopping domain {} ({}; known from {})", id.name, describe(*st), id.source);
        save_config(ctx, s, p.c, p.ref);
        bool done = false;
        if (!s.force_stop) {
            bool can_save = st->state == DomainState::Running || st->state == DomainState::Blocked ||
                            st->state == DomainState::Paused;
            if (s.save_on_stop && !s.save_dir.empty() && can_save) done = save_to_dir(p);
            bool graceful_allowed = !s.shutdown_timeout || s.shutdown_timeout->count() > 0;
            if (!done && graceful_allowed) done = graceful_shutdown(p, status_of(p.c, p.ref));
        }
        if (!done) destroy_and_wait(p);
        forget();
        return ExitCode::Success;
    } catch (const HvError& e) {
        if (outcome_unknown(e)) return unreachable(e);
        hv_fail(e, fmt::format("cannot stop domain {}", id.name));
    }
}

}  // namespace ocfkit::virtdomain
