// controld: starts dlm_controld, asks it (not the clock) when it is ready, reports stuck fencing
// and stateful merges, and refuses to stop while lockspaces are in use instead of hanging.
#include "controld_agent.h"

#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "fence_helper.h"
#include "ocfkit/daemon.h"
#include "ocfkit/host.h"
#include "ocfkit/parse/mountinfo.h"

namespace ocfkit::controld {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

const AgentSpec kSpec{
    .name = "controld",
    .version = "1.0",
    .shortdesc = "DLM control daemon (dlm_controld) for cluster filesystems and clustered LVM",
    .longdesc =
        "Runs dlm_controld, which the kernel DLM needs for GFS2, OCFS2 and lvmlockd/clvmd. Run it as an "
        "anonymous clone (interleave=true ordered=true) with on-fail=fence on the monitor.\n"
        "start refuses to run while cluster fencing is disabled (DLM then waits forever after a node "
        "failure) unless allow_fencing_disabled is set, and waits until the daemon answers "
        "'dlm_tool status'. monitor checks the process through /proc and asks the daemon once: it fails "
        "when DLM is in a stateful merge or waits for a fencing that nobody performs (30 s without "
        "fencing under way), naming the state. stop refuses, with the lockspaces and their users, "
        "while lockspaces exist (dlm_controld would ignore the signal). Lockspaces left in the kernel "
        "with no daemon (e.g. after a stop in maintenance mode) are reported, never answered by "
        "fencing the node from the agent.",
    .params =
        {
            {.name = "daemon",
             .shortdesc = "The DLM daemon",
             .longdesc = "dlm_controld, as a name looked up on PATH or an absolute path.",
             .default_value = "dlm_controld",
             .check = check::no_shell_meta()},
            {.name = "args",
             .shortdesc = "Daemon options",
             .longdesc = "Options for dlm_controld, separated by blanks (no shell quoting). The default "
                         "-s 0 disables startup fencing, as ocf:pacemaker:controld does.",
             .default_value = "-s 0",
             .check = check::no_shell_meta()},
            {.name = "allow_fencing_disabled",
             .type = ParamType::Boolean,
             .shortdesc = "Start even with cluster fencing disabled",
             .longdesc = "Let DLM start while fencing is disabled (fencing-enabled=false, or stonith-enabled=false "
                         "before Pacemaker 3.0.2). After a node failure DLM, and every "
                         "GFS2 or shared LVM user, then blocks until the node is fenced by hand. Test "
                         "clusters only.",
             .default_value = "false"},
            {.name = "allow_stonith_disabled",
             .type = ParamType::Boolean,
             .shortdesc = "Deprecated name of allow_fencing_disabled",
             .longdesc = "Use allow_fencing_disabled.",
             .replaced_by = "allow_fencing_disabled"},
        },
    .actions =
        {
            {.name = "start", .timeout_s = 90},
            {.name = "stop", .timeout_s = 100},
            {.name = "monitor", .timeout_s = 20, .interval_s = 10, .depth = 0},
            {.name = "validate-all", .timeout_s = 30},
            {.name = "meta-data", .timeout_s = 5},
        },
};

struct Daemon {
    std::string program;  // as configured
    std::string comm;
    std::string pidfile;  // dlm_controld writes <run>/dlm_controld/dlm_controld.pid
};

// Never throws: stop must work with a broken configuration (an empty daemon is the default one).
Daemon daemon_of(const Context& ctx, const HostPaths& paths)
{
    Daemon d;
    d.program = ctx.params.opt("daemon").value_or("");
    if (d.program.empty()) d.program = "dlm_controld";
    d.comm = comm_of_program(d.program);
    d.pidfile = paths.run + "/" + d.comm + "/" + d.comm + ".pid";
    return d;
}

CommandSpec tool(const Context& ctx, std::vector<std::string> argv, milliseconds timeout)
{
    return host_command(ctx.env, std::move(argv), timeout);
}

std::vector<std::string> kernel_lockspaces(const HostPaths& paths) { return list_dir(paths.sys + "/kernel/dlm"); }

bool exists(const std::string& path)
{
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

// Who uses each lockspace, from what the kernel and /proc show: userspace lockspaces are open
// device files (/dev/misc/dlm_<name>), GFS2 lockspaces are named after the filesystem's lock table.
std::vector<std::string> describe_users(Context& ctx, const HostPaths& paths, const std::vector<std::string>& names,
                                        int daemon_pid)
{
    std::vector<std::string> out;
    // libdlm opens /dev/misc/dlm_<name>; where udev made that a symlink the fd shows /dev/dlm_<name>.
    auto holders = processes_with_open(paths.proc, paths.dev + "/misc/dlm_");
    for (auto& h : processes_with_open(paths.proc, paths.dev + "/dlm_")) holders.push_back(std::move(h));
    std::vector<parse::MountEntry> mounts;
    if (auto mi = read_small_file(paths.proc + "/self/mountinfo")) {
        try {
            mounts = parse::parse_mountinfo(*mi);
        } catch (const parse::ParseError& e) {
            ctx.log.warn("cannot read mountinfo: {}", e.what());
        }
    }
    // Members per lockspace, best effort: one dlm_tool call.
    std::map<std::string, std::vector<int>> members;
    CommandResult r = ctx.runner.run(tool(ctx, {"dlm_tool", "ls"}, 5s), ctx.deadline);
    if (r.ok()) {
        try {
            for (auto& ls : dlm::parse_ls(r.out)) members[ls.name] = ls.members;
        } catch (const parse::ParseError& e) {
            ctx.log.warn("cannot read dlm_tool ls output: {}", e.what());
        }
    }
    auto gfs2_tables = list_dir(paths.sys + "/fs/gfs2");
    for (const auto& name : names) {
        std::vector<std::string> users;
        for (const auto& h : holders) {
            if (h.pid == daemon_pid) continue;
            std::string_view dev = h.target;
            dev.remove_prefix(dev.rfind("/dlm_") + 5);
            if (dev == name) users.push_back(fmt::format("held open by {}[{}]", h.comm, h.pid));
        }
        std::sort(users.begin(), users.end());
        users.erase(std::unique(users.begin(), users.end()), users.end());
        for (const auto& table : gfs2_tables) {
            auto colon = table.find(':');
            if (colon == std::string::npos || table.substr(colon + 1) != name) continue;
            // gfs2's sysfs "id" is the filesystem's device as "major:minor".
            std::vector<std::string> points;
            if (auto id = read_small_file(paths.sys + "/fs/gfs2/" + table + "/id", 64)) {
                std::string dev = *id;
                while (!dev.empty() && (dev.back() == '\n' || dev.back() == ' ')) dev.pop_back();
                for (const auto& m : mounts)
                    if (fmt::format("{}:{}", m.major, m.minor) == dev) points.push_back(m.mount_point);
            }
            users.push_back(points.empty() ? fmt::format("GFS2 {}", table)
                                           : fmt::format("GFS2 {} mounted on {}", table, fmt::join(points, " ")));
        }
        if (users.empty()) {
            if (name == "lvm_global") users.push_back("lvmlockd global lock");
            else if (name.rfind("lvm_", 0) == 0) users.push_back(fmt::format("lvmlockd VG {}", name.substr(4)));
            else if (name == "clvmd") users.push_back("clvmd");
            else users.push_back("user not identified");
        }
        std::string text = fmt::format("{} ({}", name, fmt::join(users, ", "));
        if (auto it = members.find(name); it != members.end() && !it->second.empty())
            text += fmt::format("; members: nodes {}", fmt::join(it->second, " "));
        out.push_back(text + ")");
    }
    return out;
}

// Loads the dlm module (and with it configfs) the way dlm.service does before starting the daemon.
void ensure_kernel_dlm(Context& ctx, const HostPaths& paths)
{
    const std::string configfs = paths.sys + "/kernel/config";
    if (exists(configfs + "/dlm")) return;
    ctx.log.info("{}/dlm is missing: loading the dlm module", configfs);
    run_checked(ctx.runner, tool(ctx, {"modprobe", "dlm"}, 30s), ctx.deadline, ExitCode::ErrInstalled);
    if (exists(configfs + "/dlm")) return;
    if (exists(configfs) && list_dir(configfs).empty()) {
        ctx.log.info("mounting configfs on {}", configfs);
        run_checked(ctx.runner, tool(ctx, {"mount", "-t", "configfs", "configfs", configfs}, 30s), ctx.deadline,
                    ExitCode::ErrInstalled);
    }
    if (!exists(configfs + "/dlm"))
        fail(ExitCode::ErrInstalled, "{}/dlm does not exist after loading the dlm module: is configfs mounted on {}?",
             configfs, configfs);
}

struct Asked {
    bool answered = false;
    dlm::DaemonStatus status;
    std::string problem;  // when not answered
};

// One `dlm_tool status -v`: the daemon's own view.
Asked ask_daemon(Context& ctx, milliseconds timeout)
{
    CommandSpec c = tool(ctx, {"dlm_tool", "status", "-v"}, timeout);
    ClientAnswer r = ask_client(ctx.runner, c, ctx.deadline, "dlm_controld", dlm::dlm_controld_unreachable);
    Asked a;
    a.problem = r.problem;
    if (!r.answered) return a;
    try {
        a.status = dlm::parse_status_verbose(r.out);
        a.answered = true;
    } catch (const parse::ParseError& e) {
        a.problem = fmt::format("cannot read '{}' output: {}", c.display(), e.what());
    }
    return a;
}

// Polls until the daemon answers, bounded by the deadline.
void wait_until_answers(Context& ctx, const HostPaths& paths, const Daemon& d)
{
    Asked a;
    ReadyDaemon up = wait_until_ready(
        paths, d.pidfile, d.comm, ctx.deadline,
        [&](std::string& problem) {
            a = ask_daemon(ctx, std::min<milliseconds>(10s, ctx.deadline.remaining()));
            problem = a.problem;
            return a.answered;
        },
        " (corosync running? cluster name and node id configured?)");
    ctx.log.info("{} (pid {}) answers after {}: node id {}, {}quorate", d.comm, up.pid, seconds_text(up.after),
                 a.status.our_nodeid, a.status.quorate ? "" : "not ");
}

std::string join_names(const std::vector<std::string>& v) { return fmt::format("{}", fmt::join(v, ", ")); }

}  // namespace

Outcome assess_status(const dlm::DaemonStatus& st)
{
    if (st.stateful_merge_wait)
        return {ExitCode::ErrGeneric,
                "DLM is in a stateful merge wait: fence or restart the node that rejoined with its lockspaces after "
                "a partition; DLM goes on only then"};
    std::vector<std::string> waiting_ok;
    for (const dlm::DaemonNode* n : st.awaiting_fencing()) {
        long long age = st.monotime - n->fail_monotime;
        const int actor = st.fenced_elsewhere_by(*n);
        bool in_progress = n->fencing_in_progress() || st.fence_pid != 0 || actor != 0;
        std::string what = fmt::format("node {} (left: {}, failed {} s ago{})", n->nodeid,
                                       n->left_reason.empty() ? "unknown" : n->left_reason, age,
                                       actor ? fmt::format(", fenced by node {}", actor) : "");
        if (!in_progress && age >= kFencingStallLimit.count())
            return {ExitCode::ErrGeneric,
                    fmt::format("DLM is stuck in wait fencing for {} and no fencing is under way{}; lockspace "
                                "recovery is blocked until it is fenced",
                                what, st.quorate ? "" : " (cluster not quorate)")};
        waiting_ok.push_back(what);
    }
    if (!waiting_ok.empty())
        return {ExitCode::Success, fmt::format("DLM waits for fencing of {}", fmt::join(waiting_ok, ", "))};
    return ExitCode::Success;
}

const AgentSpec& ControldAgent::spec() const { return kSpec; }

Outcome ControldAgent::validate(Context& ctx, ValidatePurpose purpose)
{
    if (ctx.env.meta_bool("globally_unique"))
        return {ExitCode::ErrConfigured, "controld must be an anonymous clone: set globally-unique=false"};
    const std::string path = tool_path(ctx.env);
    const std::string program = ctx.params.str("daemon");
    if (!find_program(program, path))
        return {ExitCode::ErrInstalled, fmt::format("parameter 'daemon': {} is not installed (not found on PATH {})",
                                                    program, path)};
    if (!find_program("dlm_tool", path))
        return {ExitCode::ErrInstalled, "dlm_tool is not installed (package dlm-controld)"};
    if (purpose != ValidatePurpose::Monitor && ctx.params.list("args").size() > 64)
        return {ExitCode::ErrConfigured, "parameter 'args': more than 64 options"};
    // Reads a few files, runs nothing; too slow to repeat on every monitor.
    if (purpose != ValidatePurpose::Monitor)
        if (auto problem = fence_agent_problem(ctx.env, ctx.params.list("args")))
            return {ExitCode::ErrInstalled, *problem};
    return ExitCode::Success;
}

Outcome ControldAgent::start(Context& ctx)
{
    const HostPaths paths = HostPaths::from_env(ctx.env);
    const Daemon d = daemon_of(ctx, paths);
    if (auto pid = find_daemon(paths, d.pidfile, d.comm)) {
        ctx.log.info("{} already runs (pid {})", d.comm, pid->pid);
        wait_until_answers(ctx, paths, d);
        return ExitCode::Success;
    }

    const bool allow = ctx.params.boolean("allow_fencing_disabled");
    if (ctx.cluster.pacemaker()) {
        std::optional<bool> fencing = ctx.cluster.fencing_enabled();
        if (!fencing && !allow)
            return {ExitCode::ErrGeneric,
                    "cannot read the cluster property fencing-enabled (stonith-enabled before Pacemaker 3.0.2); "
                    "DLM must not start without knowing that fencing works"};
        if (fencing && !*fencing) {
            if (!allow)
                return {ExitCode::ErrConfigured,
                        "fencing is disabled: DLM hangs after a node failure; enable fencing (or "
                        "allow_fencing_disabled=true on a test cluster) (fencing-enabled=false, or stonith-enabled=false "
                        "before Pacemaker 3.0.2)"};
            ctx.log.warn("starting DLM with fencing disabled (allow_fencing_disabled=true): a node failure "
                         "blocks DLM users until the node is fenced by hand");
        }
    }

    if (auto left = kernel_lockspaces(paths); !left.empty())
        return {ExitCode::ErrGeneric,
                fmt::format("the kernel holds DLM lockspaces {} of an earlier {}: stop their users (GFS2, "
                            "lvmlockd) or reboot this node; a new daemon would remove this node from the "
                            "cluster",
                            join_names(left), d.comm)};

    ensure_kernel_dlm(ctx, paths);

    std::vector<std::string> argv{d.program};
    for (auto& a : ctx.params.list("args")) argv.push_back(std::move(a));
    // dlm_controld forks into the background; the parent's exit only says the options were taken.
    run_checked(ctx.runner, tool(ctx, argv, 30s), ctx.deadline);
    wait_until_answers(ctx, paths, d);
    return ExitCode::Success;
}

Outcome ControldAgent::monitor(Context& ctx)
{
    const HostPaths paths = HostPaths::from_env(ctx.env);
    const Daemon d = daemon_of(ctx, paths);
    auto pid = find_daemon(paths, d.pidfile, d.comm);
    if (!pid) {
        auto left = kernel_lockspaces(paths);
        if (left.empty()) return ExitCode::NotRunning;
        // Reported, never answered by fencing ourselves: the cluster's on-fail policy decides.
        std::string what = fmt::format(
            "{} is not running but the kernel still holds DLM lockspaces {}: stop their users or reboot this "
            "node (left by a daemon that exited or was stopped outside the cluster, e.g. in maintenance mode)",
            d.comm, join_names(left));
        if (ctx.probe) return {ExitCode::NotRunning, what};
        return {ExitCode::ErrGeneric, what};
    }
    Asked a = ask_daemon(ctx, std::min<milliseconds>(10s, ctx.deadline.remaining()));
    if (!a.answered)
        return {ExitCode::ErrGeneric,
                fmt::format("{} (pid {}) runs but does not answer: {}", d.comm, pid->pid, a.problem)};
    Outcome o = assess_status(a.status);
    if (o.ok() && !o.reason.empty()) ctx.log.warn("{}", o.reason);
    if (o.ok()) return ExitCode::Success;
    return o;
}

Outcome ControldAgent::stop(Context& ctx)
{
    const HostPaths paths = HostPaths::from_env(ctx.env);
    const Daemon d = daemon_of(ctx, paths);

    auto pid = find_running_daemon(paths, d.pidfile, d.comm);
    if (!pid) {
        if (auto left = kernel_lockspaces(paths); !left.empty())
            ctx.log.warn("{} is not running but the kernel still holds lockspaces {}; they stay until their users "
                         "stop or the node reboots",
                         d.comm, join_names(left));
        return ExitCode::Success;
    }

    // Dependent resources stop first; give their lockspaces a moment to be released.
    auto left = kernel_lockspaces(paths);
    const auto wait_until = Deadline::Clock::now() + std::min<milliseconds>(15s, ctx.deadline.remaining() / 2);
    while (!left.empty() && Deadline::Clock::now() < wait_until) {
        std::this_thread::sleep_for(250ms);
        left = kernel_lockspaces(paths);
    }
    if (!left.empty())
        return {ExitCode::ErrGeneric,
                fmt::format("not stopping {} (pid {}): lockspaces are still in use and it would ignore the "
                            "signal: {}; stop those users first",
                            d.comm, pid->pid, fmt::join(describe_users(ctx, paths, left, pid->pid), "; "))};

    ctx.log.info("stopping {} (pid {})", d.comm, pid->pid);
    if (int e = pid->process.signal(SIGTERM); e != 0 && e != ESRCH)
        fail(ExitCode::ErrGeneric, "cannot signal {} (pid {}): {}", d.comm, pid->pid, std::strerror(e));
    const milliseconds reserve = std::min<milliseconds>(3s, ctx.deadline.remaining() / 4);
    if (pid->process.wait_until_gone(ctx.deadline, ctx.deadline.remaining() - reserve)) return ExitCode::Success;

    if (auto now_left = kernel_lockspaces(paths); !now_left.empty())
        return {ExitCode::ErrGeneric,
                fmt::format("{} (pid {}) did not exit: lockspaces appeared while stopping: {}", d.comm, pid->pid,
                            fmt::join(describe_users(ctx, paths, now_left, pid->pid), "; "))};
    // No lockspaces: nothing depends on the daemon, so killing it is safe.
    ctx.log.warn("{} (pid {}) ignored SIGTERM; sending SIGKILL", d.comm, pid->pid);
    pid->process.signal(SIGKILL);
    if (pid->process.wait_until_gone(ctx.deadline, 2s)) return ExitCode::Success;
    return {ExitCode::ErrGeneric, fmt::format("{} (pid {}) is still running after SIGTERM and SIGKILL", d.comm, pid->pid)};
}

}  // namespace ocfkit::controld
