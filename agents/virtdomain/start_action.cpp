// virtdomain start: restore from save_dir, or define/create and boot; wait until it runs.
#include "virtdomain_agent.h"

#include <thread>

#include <fmt/format.h>

#include "bounded_hypervisor.h"
#include "config_file.h"
#include "domain_queries.h"
#include "identity.h"
#include "monitor_scripts.h"
#include "overlay.h"
#include "save_state.h"
#include "settings.h"
#include "start_resources.h"
#include "unreachable_evidence.h"

namespace ocfkit::virtdomain {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

// Waits until the freshly started domain runs (a restore or boot may pass through paused).
void wait_running(Connection& c, const DomainRef& ref, const Deadline& deadline)
{
    for (;;) {
        auto st = status_of(c, ref);
        if (!st)
            fail(ExitCode::ErrGeneric, "domain {} vanished right after it was started (see /var/log/libvirt/qemu/{}.log)",
                 ref.name, ref.name);
        if (st->state == DomainState::Running || st->state == DomainState::Blocked) return;
        Outcome o = classify_state(*st, ref.name);
        if (!o.ok() || st->state == DomainState::ShutOff)
            fail(ExitCode::ErrGeneric, "domain {} is {} right after it was started (see /var/log/libvirt/qemu/{}.log)",
                 ref.name, describe(*st), ref.name);
        if (deadline.remaining() < 200ms)
            fail(ExitCode::ErrGeneric, "domain {} is still {} at the start deadline", ref.name, describe(*st));
        std::this_thread::sleep_for(100ms);
    }
}

}  // namespace

Outcome VirtDomainAgent::start(Context& ctx)
{
    Settings s = read_settings(ctx);
    ConfigRead cfg = read_config(s.config, read_until(ctx.deadline));
    if (!cfg.xml) fail(cfg.code, "{}", cfg.problem);
    const DomainXml& x = *cfg.xml;
    std::string rpath = remembered_path(ctx.env, s.config);

    // A start waiting call_timeout for a daemon known to be hung only delays the start elsewhere.
    ReachabilityRecord reach(ctx, rpath, s.hypervisor);
    BoundedHypervisor hv(hypervisor_, ctx.deadline, limits_for(s, ctx.deadline));
    hv.watch(s.hypervisor, reach, reach.first_connect_bound(s.call_timeout, options_.short_connect));
    std::string doing = fmt::format("cannot start domain {}", x.name);
    try {
        auto conn = hv.connect(s.hypervisor);
        Connection& c = *conn;
        auto by_name = c.find_by_name(x.name);
        std::optional<DomainInfo> by_uuid;
        if (!x.uuid.empty()) by_uuid = c.find_by_uuid(x.uuid);
        // What this host's libvirt holds is local: 1, the resource may run elsewhere.
        if (by_name && !x.uuid.empty() && by_name->uuid != x.uuid)
            fail(ExitCode::ErrGeneric,
                 "another domain named '{}' is defined on this host (UUID {}): undefine it or fix the config, "
                 "which gives UUID {} ({})",
                 x.name, by_name->uuid, x.uuid, s.config);
        if (by_uuid && by_uuid->name != x.name)
            fail(ExitCode::ErrGeneric,
                 "UUID {} already belongs to domain '{}' on this host, not to '{}': undefine '{}' or fix the config "
                 "({})",
                 x.uuid, by_uuid->name, x.name, by_uuid->name, s.config);
        std::optional<DomainInfo> existing = by_name ? by_name : by_uuid;

        if (existing && existing->active) {
            DomainRef ref{existing->name, existing->uuid};
            auto st = status_of(c, ref);
            Outcome o = st ? classify_state(*st, x.name) : Outcome(ExitCode::NotRunning);
            if (o.ok()) {
                remember(ctx, rpath, s, existing->name, existing->uuid, s.hypervisor);
                order_shutdown(ctx, x.name, s.hypervisor);
                return {ExitCode::Success, fmt::format("domain {} is already running ({})", x.name, state_text(st))};
            }
            if (o.code != ExitCode::NotRunning)
                fail(ExitCode::ErrGeneric, "domain {} already exists here in state {}; stop it before starting it",
                     x.name, state_text(st));
        }
        SaveState saves(s.save_dir, x.name);
        if (saves.restore_unresolved()) fail(ExitCode::ErrGeneric, "not starting domain {}: {}", x.name, saves.unresolved_reason());
        if (s.start_resources) activate_resources(ctx, c, x, "here", ExitCode::ErrInstalled);
        if (existing && existing->persistent && !s.persistent) {
            // A transient create needs the name free; the reference agent undefines too.
            ctx.log.warn("domain {} is defined (inactive) on this host but the resource is transient (persistent=false); "
                         "removing that definition",
                         x.name);
            c.undefine({existing->name, existing->uuid});
        }

        // libvirt gives a definition without <uuid> a fresh random UUID, which then clashes with
        // the domain this resource defined before: redefine that one, under its own UUID.
        std::string definition = cfg.text;
        if (x.uuid.empty() && existing && s.persistent) definition = with_uuid(cfg.text, existing->uuid);

        DomainRef ref{x.name, x.uuid};
        if (saves.has_image()) {
            std::string image_xml = c.saved_image_xml(saves.image());
            DomainXmlResult image = parse_domain_xml(image_xml);
            if (!image.ok() || image.xml->name != x.name || (!x.uuid.empty() && image.xml->uuid != x.uuid))
                fail(ExitCode::ErrGeneric, "saved state of another domain ('{}', not '{}'): move {} away (config {})",
                     image.ok() ? image.xml->name : "?", x.name, saves.image(), s.config);
            if (auto e = saves.begin_restore()) fail(ExitCode::ErrGeneric, "before restoring domain {}: {}", x.name, *e);
            if (s.persistent) c.define(x.uuid.empty() ? with_uuid(cfg.text, image.xml->uuid) : definition);
            try {
                c.restore(saves.restoring());
            } catch (const HvError& e) {
                if (outcome_unknown(e))
                    fail(ExitCode::ErrGeneric, "restoring domain {}: {} ({}; {} keeps that name, as libvirtd may "
                         "still finish the restore)",
                         x.name, saves.unresolved_reason(), e.what(), saves.restoring());
                auto kept = saves.restore_refused();
                fail(ExitCode::ErrGeneric, "restoring domain {} failed: {}; {}", x.name, e.what(),
                     kept ? *kept : fmt::format("the file is kept as {}: remove it to boot the guest afresh", saves.image()));
            }
            ref.uuid = image.xml->uuid;
            remember(ctx, rpath, s, x.name, ref.uuid, s.hypervisor);
            if (auto e = saves.finish_restore()) ctx.log.warn("restored domain {}, but {}", x.name, *e);
            ctx.log.info("restored domain {} from {} (RAM state resumed)", x.name, saves.image());
        } else if (s.persistent) {
            if (!s.backingfile.empty()) prepare_overlay(ctx, s);
            if (existing) ctx.log.info("redefining domain {} (UUID {}) from {}", x.name, existing->uuid, s.config);
            DomainInfo d = c.define(definition);
            ref = {d.name, d.uuid};
            remember(ctx, rpath, s, d.name, d.uuid, s.hypervisor);
            c.start(ref);
        } else {
            if (!s.backingfile.empty()) prepare_overlay(ctx, s);
            DomainInfo d = c.create(cfg.text);
            ref = {d.name, d.uuid};
            remember(ctx, rpath, s, d.name, d.uuid, s.hypervisor);
        }
        wait_running(c, ref, ctx.deadline);
        // Now with the guest's scope, which exists only once qemu runs.
        order_shutdown(ctx, x.name, s.hypervisor, true);
        wait_monitor_scripts(ctx, s, x.name);
        return ExitCode::Success;
    } catch (const HvError& e) {
        hv_fail(e, doing);
    }
}

}  // namespace ocfkit::virtdomain
