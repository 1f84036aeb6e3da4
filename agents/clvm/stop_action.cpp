// clvm stop: no LV of ours left active, lockspaces stopped, then the daemon; safe with the daemon gone.
#include "clvm_detail.h"

#include <signal.h>

#include <algorithm>
#include <filesystem>

namespace ocfkit::clvm {

Outcome ClvmAgent::stop(Context& ctx)
{
    const HostPaths paths = HostPaths::from_env(ctx.env);
    const Files f = files_of(ctx, paths);
    // Stop must work with broken parameters: take what can be read.
    const std::vector<std::string> vgs = ctx.params.list("volgrpname", kListSeparators);
    std::optional<Manager> m = cheap_manager(ctx, paths, f);
    if (!m) {
        try {
            m = full_manager(ctx, config(ctx));
        } catch (const Failure& e) {
            ctx.log.warn("cannot tell the lock manager ({}); assuming lvmlockd", e.reason);
            m = Manager::Lvmlockd;
        }
    }
    const std::string comm(to_string(*m));
    auto pid = find_running_daemon(paths, *m == Manager::Lvmlockd ? f.lvmlockd_pid : f.clvmd_pid, comm);

    // 1. No LV of ours stays active, with or without the daemon.
    if (!vgs.empty()) {
        auto active = active_lvs(paths, vgs);
        if (!active.empty()) {
            std::vector<std::string> argv;
            if (pid) {
                argv = {"vgchange", *m == Manager::Clvmd ? "-aln" : "-an"};
            } else if (*m == Manager::Lvmlockd) {
                ctx.log.warn("lvmlockd is gone with LVs active; deactivating without locks");
                argv = {"vgchange", "-an", "--nolocking"};
            } else {
                ctx.log.warn("clvmd is gone with LVs active; deactivating without cluster locking");
                argv = {"vgchange", "-an", "--config", "global { locking_type = 0 }"};
            }
            std::vector<std::string> ours;
            for (const auto& vg : vgs)
                for (const auto& a : active)
                    if (a.vg == vg && std::find(ours.begin(), ours.end(), vg) == ours.end()) ours.push_back(vg);
            argv.insert(argv.end(), ours.begin(), ours.end());
            CommandSpec c = tool(ctx, argv, 120s);
            CommandResult r = ctx.runner.run(c, ctx.deadline);
            auto still = active_lvs(paths, vgs);
            if (!still.empty())
                return {ExitCode::ErrGeneric,
                        fmt::format("cannot deactivate {}: {}", describe_active(still, paths),
                                    r.ok() ? "still active after vgchange" : failure_message(c, r))};
            if (!r.ok()) ctx.log.warn("{} (the LVs are inactive now)", failure_message(c, r));
        }
    }

    if (*m == Manager::Lvmlockd && pid) {
        // 2. Lockspaces: ours first, then whatever idle ones remain; never with LVs still locked.
        LockdAnswer a = ask_lvmlockd(ctx, std::min<milliseconds>(10s, ctx.deadline.remaining()));
        if (a.answered) {
            std::vector<std::string> ours;
            for (const auto& vg : vgs)
                if (a.info.vg(vg)) ours.push_back(vg);
            if (!ours.empty()) {
                std::vector<std::string> argv{"vgchange", "--lock-stop"};
                argv.insert(argv.end(), ours.begin(), ours.end());
                run_checked(ctx.runner, tool(ctx, argv, 60s), ctx.deadline);
            }
            a = ask_lvmlockd(ctx, std::min<milliseconds>(10s, ctx.deadline.remaining()));
        }
        if (!a.answered)
            return {ExitCode::ErrGeneric,
                    fmt::format("lvmlockd (pid {}) does not answer ({}); not stopping it blind: LVs it protects may "
                                "be active",
                                pid->pid, a.problem)};
        std::vector<std::string> locked;
        for (const auto& ls : a.info.lockspaces)
            if (ls.lv_locks_held() > 0) locked.push_back(fmt::format("{} ({} LV locks)", ls.vg_name, ls.lv_locks_held()));
        if (!locked.empty())
            return {ExitCode::ErrGeneric,
                    fmt::format("not stopping lvmlockd: logical volumes are still active in {}; deactivate them "
                                "(their resources) first",
                                joined(locked))};
        if (!a.info.lockspaces.empty()) {
            run_checked(ctx.runner, tool(ctx, {"lvmlockctl", "--stop-lockspaces"}, 60s), ctx.deadline);
            LockdAnswer b = ask_lvmlockd(ctx, std::min<milliseconds>(10s, ctx.deadline.remaining()));
            if (b.answered && !b.info.lockspaces.empty()) {
                std::vector<std::string> names;
                for (const auto& ls : b.info.lockspaces) names.push_back(ls.ls_name);
                return {ExitCode::ErrGeneric,
                        fmt::format("lockspaces still started after lvmlockctl --stop-lockspaces: {}", joined(names))};
            }
        }
        // 3. The daemon: nothing depends on it any more.
        const milliseconds reserve = std::min<milliseconds>(3s, ctx.deadline.remaining() / 4);
        if (!terminate(ctx, *pid, comm, SIGTERM, ctx.deadline.remaining() - reserve)) {
            ctx.log.warn("lvmlockd (pid {}) ignored SIGTERM without lockspaces; sending SIGKILL", pid->pid);
            if (!terminate(ctx, *pid, comm, SIGKILL, 2s))
                return {ExitCode::ErrGeneric, fmt::format("lvmlockd (pid {}) survives SIGKILL", pid->pid)};
        }
    } else if (*m == Manager::Clvmd && pid) {
        const milliseconds reserve = std::min<milliseconds>(3s, ctx.deadline.remaining() / 4);
        if (!terminate(ctx, *pid, comm, SIGTERM, ctx.deadline.remaining() - reserve)) {
            if (auto active = active_lvs(paths, vgs); !active.empty())
                return {ExitCode::ErrGeneric,
                        fmt::format("clvmd (pid {}) did not exit and LVs are active: {}", pid->pid,
                                    describe_active(active, paths))};
            if (!terminate(ctx, *pid, comm, SIGKILL, 2s))
                return {ExitCode::ErrGeneric, fmt::format("clvmd (pid {}) survives SIGKILL", pid->pid)};
        }
    }
    if (auto cm = find_running_daemon(paths, f.cmirrord_pid, "cmirrord"); cm && *m == Manager::Clvmd) {
        if (!terminate(ctx, *cm, "cmirrord", SIGINT, std::min<milliseconds>(10s, ctx.deadline.remaining())))
            terminate(ctx, *cm, "cmirrord", SIGKILL, 2s);
    }
    std::error_code ec;
    fs::remove(f.state, ec);
    return ExitCode::Success;
}

}  // namespace ocfkit::clvm
