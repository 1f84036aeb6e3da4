// clvm validate-all: the programs, the lock manager, lvm.conf and its filters, the listed VGs.
#include "clvm_detail.h"

#include <initializer_list>

namespace ocfkit::clvm {

Outcome ClvmAgent::validate(Context& ctx, ValidatePurpose purpose)
{
    const HostPaths paths = HostPaths::from_env(ctx.env);
    const Files f = files_of(ctx, paths);
    const std::string path = tool_path(ctx.env);
    auto need = [&](std::initializer_list<const char*> programs, std::string_view package) -> Outcome {
        for (const char* p : programs)
            if (!find_program(p, path))
                return {ExitCode::ErrInstalled, fmt::format("{} is not installed (package {})", p, package)};
        return ExitCode::Success;
    };
    if (ctx.env.meta_bool("globally_unique"))
        return {ExitCode::ErrConfigured, "clvm must be an anonymous clone: set globally-unique=false"};

    if (purpose == ValidatePurpose::Monitor) {
        auto m = cheap_manager(ctx, paths, f);
        if (!m) {
            Installed in = installed(ctx);
            if (!in.lvmlockd && !in.clvmd)
                return {ExitCode::ErrInstalled, "neither lvmlockd (package lvm2-lockd) nor clvmd is installed"};
            return ExitCode::Success;
        }
        if (*m == Manager::Lvmlockd) return need({"lvmlockd", "lvmlockctl"}, "lvm2-lockd");
        return need({"clvmd"}, "clvm");
    }

    const lvm::LvmConfig& cfg = config(ctx);
    Manager m = full_manager(ctx, cfg);
    ctx.log.debug("lock manager: {}", to_string(m));
    if (m == Manager::Lvmlockd) {
        if (Outcome o = need({"lvmlockd", "lvmlockctl"}, "lvm2-lockd"); !o.ok()) return o;
        // Wrong everywhere only when lock_manager names lvmlockd; auto chose it from this node.
        if (ctx.params.boolean("with_cmirrord"))
            return {configured_manager(ctx) ? ExitCode::ErrConfigured : ExitCode::ErrInstalled,
                    "parameter 'with_cmirrord': cmirrord belongs to clvmd, not lvmlockd (use raid1 LVs with "
                    "lvmlockd)"};
    } else {
        if (Outcome o = need({"clvmd"}, "clvm"); !o.ok()) return o;
        if (ctx.params.boolean("with_cmirrord"))
            if (Outcome o = need({"cmirrord"}, "cmirror"); !o.ok()) return o;
    }
    if (Outcome o = need({"vgchange", "vgs", "lvs"}, "lvm2"); !o.ok()) return o;

    auto problems = config_problems(cfg, m);
    std::vector<std::string> hidden;
    if (ctx.params.boolean("check_device_filter")) {
        if (auto drbd = drbd_devices(ctx, paths)) {
            auto fp = filter_problems(cfg, drbd->first, drbd->second);
            problems.insert(problems.end(), fp.begin(), fp.end());
        }
        auto mp = multipath_filter_problems(cfg, multipath_devices(paths));
        problems.insert(problems.end(), mp.problems.begin(), mp.problems.end());
        hidden = std::move(mp.hidden);
    }
    if (auto it = cfg.find("devices/use_devicesfile"); it != cfg.end() && it->second.number().value_or(0) == 1)
        ctx.log.warn("devices/use_devicesfile=1: the LVM devices file also decides which devices LVM uses; make "
                     "sure it lists the DRBD and multipath devices, not their backing disks or paths");
    for (std::size_t i = 1; i < problems.size(); ++i) ctx.log.error("{}", problems[i]);
    // lvm.conf and the DRBD devices as this node has them: another node may be right (5, not 6).
    if (!problems.empty()) return {ExitCode::ErrInstalled, problems.front()};

    // clvmd-era LVM cannot read clustered VGs without clvmd: check them once it runs (start).
    if (m == Manager::Lvmlockd || find_daemon(paths, f.clvmd_pid, "clvmd"))
        return check_vgs(ctx, m, ctx.params.list("volgrpname", kListSeparators), hidden);
    return ExitCode::Success;
}

}  // namespace ocfkit::clvm
