// lvmlockd: asking it (lvmlockctl -i), assessing its lockspaces for monitor, readopting its locks.
#include "clvm_detail.h"

#include <algorithm>
#include <filesystem>

namespace ocfkit::clvm {

LockdAnswer ask_lvmlockd(Context& ctx, milliseconds timeout)
{
    ClientAnswer r = ask_client(ctx.runner, tool(ctx, {"lvmlockctl", "-i"}, timeout), ctx.deadline, "lvmlockd",
                                lvm::lvmlockd_unreachable);
    LockdAnswer a;
    a.problem = r.problem;
    if (!r.answered) return a;
    try {
        a.info = lvm::parse_lvmlockctl_info(r.out);
        a.answered = true;
    } catch (const parse::ParseError& e) {
        a.problem = fmt::format("cannot read lvmlockctl -i output: {}", e.what());
    }
    return a;
}

Outcome assess_lockd(const lvm::LockdInfo& info, const std::vector<std::string>& vgs, bool activation,
                     const std::map<std::string, int>& expected)
{
    for (const auto& vg : vgs) {
        const lvm::LockspaceInfo* ls = info.vg(vg);
        if (!ls)
            return {ExitCode::ErrGeneric,
                    fmt::format("the lockspace of volume group {} is not started in lvmlockd (no lvm_{})", vg, vg)};
        if (!activation) continue;
        int held = ls->lv_locks_held();
        auto want = expected.find(vg);
        if (want != expected.end() && want->second == 0) continue;  // nothing to activate there
        if (held == 0)
            return {ExitCode::ErrGeneric,
                    fmt::format("volume group {} has no active logical volume (no LV lock held in lvmlockd){}", vg,
                                want == expected.end() ? "" : fmt::format("; start activated {}", want->second))};
    }
    return ExitCode::Success;
}


// lvmlockd's default adopt file (lvm2's DEFAULT_RUN_DIR): it writes it while running with -A 1.
std::string adopt_file_of(const HostPaths& paths) { return paths.run + "/lvm/lvmlockd.adopt"; }

// lvmlockd died (killed, crashed) while LVs it locked stay active: their DLM locks are orphaned
// but still held, so the other nodes stay safe and the LVs keep working. A new lvmlockd with -A 1
// adopts those locks from its adopt file; a stop and start instead would first tear down
// everything above the VG on this node (file systems, guests), and on-fail=fence would fence it.
Outcome readopt_lockd(Context& ctx, const HostPaths& paths, const Files& f, const std::vector<std::string>& vgs,
                      bool activation, const std::vector<ActiveLv>& active, const std::string& lost)
{
    const std::string adopt_file = adopt_file_of(paths);
    if (std::error_code ec; !fs::exists(adopt_file, ec))
        return {ExitCode::ErrGeneric,
                fmt::format("{}; not restarting lvmlockd: no {} to adopt its locks from", lost, adopt_file)};
    if (!find_daemon(paths, f.dlm_pid, "dlm_controld"))
        return {ExitCode::ErrGeneric, fmt::format("{}; not restarting lvmlockd: dlm_controld is not running", lost)};
    ctx.log.warn("{}; restarting lvmlockd to adopt its lockspaces and locks from {}", lost, adopt_file);
    std::vector<std::string> argv{"lvmlockd", "-p", f.lvmlockd_pid, "-g", "dlm", "-A", "1"};
    auto options = ctx.params.list("daemon_options", kListSeparators);
    argv.insert(argv.end(), options.begin(), options.end());
    try {
        launch_and_wait(ctx, paths, argv, f.lvmlockd_pid, "lvmlockd", [&](std::string& problem) {
            LockdAnswer a = ask_lvmlockd(ctx, std::min<milliseconds>(5s, ctx.deadline.remaining()));
            problem = a.problem;
            return a.answered;
        });
    } catch (const Failure& e) {
        return {ExitCode::ErrGeneric, fmt::format("{}; restarting lvmlockd failed: {}", lost, e.reason)};
    }
    LockdAnswer a = ask_lvmlockd(ctx, std::min<milliseconds>(10s, ctx.deadline.remaining()));
    if (!a.answered)
        return {ExitCode::ErrGeneric, fmt::format("{}; the restarted lvmlockd does not answer: {}", lost, a.problem)};
    // Every VG with active LVs must be back with its LV locks, else nothing was adopted.
    std::vector<std::string> adopted;
    for (const auto& [vg, n] : count_by_vg(active)) {
        const lvm::LockspaceInfo* ls = a.info.vg(vg);
        if (!ls || ls->lv_locks_held() < n)
            return {ExitCode::ErrGeneric,
                    fmt::format("{}; lvmlockd restarted with -A 1 but did not adopt {}: {}", lost, vg,
                                ls ? fmt::format("{} of {} LV locks held", ls->lv_locks_held(), n)
                                   : fmt::format("lockspace lvm_{} not started", vg))};
        adopted.push_back(fmt::format("{} ({} LV locks)", vg, ls->lv_locks_held()));
    }
    if (Outcome o = assess_lockd(a.info, vgs, activation, read_state(f.state)); !o.ok()) return o;
    ctx.log.warn("lvmlockd restarted; adopted {}", joined(adopted));
    return {ExitCode::Success, fmt::format("lvmlockd was gone and is restarted; adopted {}", joined(adopted))};
}

}  // namespace ocfkit::clvm
