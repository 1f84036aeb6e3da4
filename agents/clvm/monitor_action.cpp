// clvm monitor: the daemon from /proc, its lockspaces and the activation; lvmlockd readopted when gone.
#include "clvm_detail.h"

#include <algorithm>
#include <filesystem>

namespace ocfkit::clvm {

Outcome ClvmAgent::monitor(Context& ctx)
{
    const HostPaths paths = HostPaths::from_env(ctx.env);
    const Files f = files_of(ctx, paths);
    const std::vector<std::string> vgs = ctx.params.list("volgrpname", kListSeparators);
    const bool activation = ctx.params.boolean("activate_vgs");
    auto m = cheap_manager(ctx, paths, f);
    const std::string daemon = m ? std::string(to_string(*m)) : "lvmlockd/clvmd";
    std::optional<DaemonPid> pid;
    if (m) pid = find_daemon(paths, *m == Manager::Lvmlockd ? f.lvmlockd_pid : f.clvmd_pid, std::string(to_string(*m)));
    if (!pid) {
        if (!vgs.empty()) {
            auto active = active_lvs(paths, vgs);
            if (!active.empty()) {
                // Only lvmlockd leaves an adopt file: it tells the manager when both are installed.
                std::error_code ec;
                bool lockd = m == Manager::Lvmlockd || (!m && fs::exists(adopt_file_of(paths), ec));
                std::string lost = fmt::format("{} is not running but logical volumes are active without its locks: {}",
                                               lockd ? "lvmlockd" : daemon, describe_active(active, paths));
                // A probe only reports; a recurring monitor repairs what it can (see readopt_lockd).
                if (lockd && !ctx.probe && ctx.params.boolean("adopt"))
                    return readopt_lockd(ctx, paths, f, vgs, activation, active, lost);
                return {ExitCode::ErrGeneric, lost};
            }
        }
        return ExitCode::NotRunning;
    }
    const auto expected = read_state(f.state);
    if (*m == Manager::Lvmlockd) {
        LockdAnswer a = ask_lvmlockd(ctx, std::min<milliseconds>(10s, ctx.deadline.remaining()));
        if (!a.answered)
            return {ExitCode::ErrGeneric, fmt::format("lvmlockd (pid {}) runs but does not answer: {}", pid->pid, a.problem)};
        return assess_lockd(a.info, vgs, activation, expected);
    }
    // clvmd: everything from /proc and sysfs.
    if (ctx.params.boolean("with_cmirrord") && !find_daemon(paths, f.cmirrord_pid, "cmirrord"))
        return {ExitCode::ErrGeneric, "cmirrord is not running (with_cmirrord=true)"};
    if (std::error_code ec; !fs::exists(paths.sys + "/kernel/dlm/clvmd", ec))
        return {ExitCode::ErrGeneric, fmt::format("clvmd (pid {}) runs but its DLM lockspace 'clvmd' is gone", pid->pid)};
    if (activation && !vgs.empty()) {
        auto counts = count_by_vg(active_lvs(paths, vgs));
        for (const auto& vg : vgs) {
            auto want = expected.find(vg);
            if (want != expected.end() && want->second == 0) continue;
            if (counts[vg] == 0)
                return {ExitCode::ErrGeneric, fmt::format("volume group {} has no active logical volume", vg)};
        }
    }
    return ExitCode::Success;
}

}  // namespace ocfkit::clvm
