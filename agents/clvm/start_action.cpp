// clvm start: the lock daemon, the listed VGs' lockspaces, their activation verified with lvs.
#include "clvm_detail.h"

#include <sys/stat.h>

#include <algorithm>

#include "ocfkit/parse/lvm_report.h"

namespace ocfkit::clvm {

namespace {

// The LVs start activated, checked with lvs: the counts monitor compares against.
std::map<std::string, int> verify_activation(Context& ctx, const std::vector<std::string>& vgs)
{
    std::vector<std::string> argv{"lvs", "--reportformat", "json", "-o", "vg_name,lv_name,lv_attr"};
    argv.insert(argv.end(), vgs.begin(), vgs.end());
    CommandResult r = run_checked(ctx.runner, tool(ctx, argv, 60s), ctx.deadline);
    parse::LvmReport report;
    try {
        report = parse::parse_lvm_report(r.out);
    } catch (const parse::ParseError& e) {
        fail(ExitCode::ErrGeneric, "cannot read lvs output: {}", e.what());
    }
    std::map<std::string, int> counts;
    for (const auto& vg : vgs) counts[vg] = 0;
    std::vector<std::string> inactive;
    for (const auto& row : report.rows("lv")) {
        auto vg = row.count("vg_name") ? row.at("vg_name") : "";
        auto lv = row.count("lv_name") ? row.at("lv_name") : "";
        auto attr = row.count("lv_attr") ? row.at("lv_attr") : "";
        if (attr.size() >= 10 && attr[9] == 'k') continue;  // activation skip flag: never activated
        if (parse::lv_attr_active(attr)) ++counts[vg];
        else inactive.push_back(vg + "/" + lv);
    }
    if (!inactive.empty())
        fail(ExitCode::ErrGeneric, "activation left logical volumes inactive: {}", joined(inactive));
    return counts;
}

std::vector<std::string> activation_args(const Context& ctx, Manager m, bool activate)
{
    (void)m;
    if (!activate) return {"vgchange", "-an"};
    return {"vgchange", ctx.params.str("activation_mode") == "exclusive" ? "-aey" : "-asy"};
}

}  // namespace

Outcome ClvmAgent::start(Context& ctx)
{
    const HostPaths paths = HostPaths::from_env(ctx.env);
    const Files f = files_of(ctx, paths);
    const std::vector<std::string> vgs = ctx.params.list("volgrpname", kListSeparators);
    const lvm::LvmConfig& cfg = config(ctx);
    const Manager m = full_manager(ctx, cfg);
    std::vector<std::string> options = ctx.params.list("daemon_options", kListSeparators);

    if (m == Manager::Lvmlockd) {
        if (find_daemon(paths, f.clvmd_pid, "clvmd"))
            return {ExitCode::ErrGeneric, "clvmd is running: lvmlockd and clvmd must not run together"};
        LockdAnswer fresh;
        if (!find_daemon(paths, f.lvmlockd_pid, "lvmlockd")) {
            require_dlm(paths, f, "lvmlockd");
            std::vector<std::string> argv{"lvmlockd", "-p", f.lvmlockd_pid, "-g", "dlm", "-A",
                                          ctx.params.boolean("adopt") ? "1" : "0"};
            argv.insert(argv.end(), options.begin(), options.end());
            launch_and_wait(ctx, paths, argv, f.lvmlockd_pid, "lvmlockd", [&](std::string& problem) {
                fresh = ask_lvmlockd(ctx, std::min<milliseconds>(5s, ctx.deadline.remaining()));
                problem = fresh.problem;
                return fresh.answered;
            });
        }
        if (!vgs.empty()) {
            // The daemon just launched has answered already: which lockspaces it has is that answer.
            LockdAnswer a = fresh.answered ? std::move(fresh) : ask_lvmlockd(ctx, 10s);
            if (!a.answered) fail(ExitCode::ErrGeneric, "lvmlockd does not answer: {}", a.problem);
            std::vector<std::string> to_start;
            for (const auto& vg : vgs)
                if (!a.info.vg(vg)) to_start.push_back(vg);
            if (!to_start.empty()) {
                require_dlm(paths, f, "starting VG lockspaces");
                std::vector<std::string> argv{"vgchange", "--lock-start"};
                argv.insert(argv.end(), to_start.begin(), to_start.end());
                run_checked(ctx.runner, tool(ctx, argv, 120s), ctx.deadline);
            }
            // --lock-start waits for the join; confirm with lvmlockd itself.
            milliseconds pause = 100ms;
            for (;;) {
                LockdAnswer b = ask_lvmlockd(ctx, 10s);
                std::vector<std::string> missing;
                for (const auto& vg : vgs)
                    if (!b.answered || !b.info.vg(vg)) missing.push_back(vg);
                if (missing.empty()) break;
                if (ctx.deadline.remaining() <= pause)
                    fail(ExitCode::ErrGeneric, "lockspaces of {} did not start: {}", joined(missing),
                         b.answered ? "not listed by lvmlockctl -i" : b.problem);
                sleep_within(ctx.deadline, pause);
                pause = std::min<milliseconds>(pause * 2, 1s);
            }
        }
    } else {
        if (find_daemon(paths, f.lvmlockd_pid, "lvmlockd"))
            return {ExitCode::ErrGeneric, "lvmlockd is running: clvmd and lvmlockd must not run together"};
        if (ctx.params.boolean("with_cmirrord") && !find_daemon(paths, f.cmirrord_pid, "cmirrord")) {
            launch_and_wait(ctx, paths, {"cmirrord"}, f.cmirrord_pid, "cmirrord", [](std::string&) { return true; });
        }
        if (!find_daemon(paths, f.clvmd_pid, "clvmd")) {
            require_dlm(paths, f, "clvmd");
            // clvmd -T waits itself until the daemon is up (exit 5: not within that time).
            auto launch = clvmd_launch(ctx.deadline.remaining());
            if (!launch)
                fail(ExitCode::ErrGeneric, "only {} left before the deadline: too little to start clvmd",
                     seconds_text(ctx.deadline.remaining()));
            std::vector<std::string> argv{"clvmd", fmt::format("-T{}", launch->wait_s)};
            argv.insert(argv.end(), options.begin(), options.end());
            const std::string ls = paths.sys + "/kernel/dlm/clvmd";
            launch_and_wait(
                ctx, paths, argv, f.clvmd_pid, "clvmd",
                [&](std::string& problem) {
                    struct stat st {};
                    if (::stat(ls.c_str(), &st) == 0) return true;
                    problem = "its DLM lockspace 'clvmd' does not exist yet";
                    return false;
                },
                launch->tool_timeout);
        }
        if (Outcome o = check_vgs(ctx, m, vgs); !o.ok()) return o;
    }

    if (ctx.params.boolean("activate_vgs") && !vgs.empty()) {
        std::vector<std::string> argv = activation_args(ctx, m, true);
        argv.insert(argv.end(), vgs.begin(), vgs.end());
        run_checked(ctx.runner, tool(ctx, argv, 120s), ctx.deadline);
        write_state(ctx, f.state, verify_activation(ctx, vgs));
    }
    return ExitCode::Success;
}

}  // namespace ocfkit::clvm
