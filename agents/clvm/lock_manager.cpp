// Which lock manager runs here: lock_manager, else the running daemon, what is installed, lvm.conf.
#include "clvm_detail.h"

namespace ocfkit::clvm {

std::string_view to_string(Manager m) { return m == Manager::Lvmlockd ? "lvmlockd" : "clvmd"; }

Installed installed(const Context& ctx)
{
    std::string path = tool_path(ctx.env);
    return {find_program("lvmlockd", path).has_value(), find_program("clvmd", path).has_value()};
}

std::optional<Manager> configured_manager(const Context& ctx)
{
    std::string m = ctx.params.opt("lock_manager").value_or("auto");
    if (m == "lvmlockd") return Manager::Lvmlockd;
    if (m == "clvmd") return Manager::Clvmd;
    return std::nullopt;
}

// Without running anything: the parameter, else the daemon that runs, else the only one installed.
std::optional<Manager> cheap_manager(const Context& ctx, const HostPaths& paths, const Files& f)
{
    if (auto m = configured_manager(ctx)) return m;
    if (find_daemon(paths, f.lvmlockd_pid, "lvmlockd")) return Manager::Lvmlockd;
    if (find_daemon(paths, f.clvmd_pid, "clvmd")) return Manager::Clvmd;
    Installed in = installed(ctx);
    if (in.lvmlockd && !in.clvmd) return Manager::Lvmlockd;
    if (in.clvmd && !in.lvmlockd) return Manager::Clvmd;
    return std::nullopt;
}

Manager full_manager(const Context& ctx, const lvm::LvmConfig& cfg)
{
    if (auto m = configured_manager(ctx)) return *m;
    Installed in = installed(ctx);
    bool lockd_configured = number(cfg, "global/use_lvmlockd").value_or(0) == 1;
    bool clvmd_configured = number(cfg, "global/locking_type").value_or(1) == 3;
    if (lockd_configured && in.lvmlockd) return Manager::Lvmlockd;
    if (clvmd_configured && in.clvmd) return Manager::Clvmd;
    if (in.lvmlockd && !in.clvmd) return Manager::Lvmlockd;
    if (in.clvmd && !in.lvmlockd) return Manager::Clvmd;
    if (!in.lvmlockd && !in.clvmd)
        fail(ExitCode::ErrInstalled, "lock_manager=auto: neither lvmlockd (package lvm2-lockd) nor clvmd is installed");
    // This node's lvm.conf and binaries: 5 keeps the clone off this node only.
    fail(ExitCode::ErrInstalled,
         "lock_manager=auto: both lvmlockd and clvmd are installed on this node and its lvm.conf enables neither "
         "(use_lvmlockd=1 or locking_type=3); set lock_manager");
}

}  // namespace ocfkit::clvm
