// Starting, asking and stopping local daemons (see ocfkit/daemon.h).
#include "ocfkit/daemon.h"

#include <optional>

#include <fmt/format.h>

#include "ocfkit/exit_code.h"

namespace ocfkit {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

constexpr milliseconds kQuestionTime = 500ms;

}  // namespace

CommandSpec host_command(const Env& env, std::vector<std::string> argv, milliseconds timeout)
{
    CommandSpec c;
    c.argv = std::move(argv);
    c.timeout = timeout;
    c.env["PATH"] = tool_path(env);
    if (auto root = env.get("OCFKIT_HOST_ROOT")) c.env["OCFKIT_HOST_ROOT"] = *root;
    return c;
}

std::string seconds_text(milliseconds duration)
{
    return fmt::format("{:.1f} s", static_cast<double>(duration.count()) / 1000.0);
}

ClientAnswer ask_client(CommandRunner& runner, const CommandSpec& spec, const Deadline& deadline,
                        std::string_view daemon, bool (*unreachable)(std::string_view output))
{
    CommandResult r = runner.run(spec, deadline);
    ClientAnswer a;
    if (r.status == CommandResult::Status::NotStarted)
        throw Failure(exit_code_for_spawn_errno(r.spawn_errno), failure_message(spec, r));
    if (r.status == CommandResult::Status::TimedOut)
        a.problem = fmt::format("'{}' got no answer within {}", spec.display(), seconds_text(r.elapsed));
    else if (unreachable(r.out) || unreachable(r.err))
        a.problem = fmt::format("'{}' cannot connect to {}", spec.display(), daemon);
    else if (!r.ok())
        a.problem = failure_message(spec, r);
    else {
        a.answered = true;
        a.out = std::move(r.out);
    }
    return a;
}

ReadyDaemon wait_until_ready(const HostPaths& paths, const std::string& pidfile, std::string_view comm,
                             const Deadline& deadline, const std::function<bool(std::string& problem)>& ready,
                             std::string_view exit_hint)
{
    const auto started = Deadline::Clock::now();
    auto took = [&] { return std::chrono::duration_cast<milliseconds>(Deadline::Clock::now() - started); };
    milliseconds pause = 100ms;
    std::optional<int> seen;
    std::string last = "no process yet";
    for (;;) {
        if (auto pid = find_daemon(paths, pidfile, comm)) {
            seen = pid->pid;
            std::string problem;
            if (ready(problem)) return {pid->pid, took()};
            last = fmt::format("pid {} is running; {}", pid->pid, problem);
        } else if (seen) {
            fail(ExitCode::ErrGeneric, "{} (pid {}) exited during start before it was ready; see its log{}", comm,
                 *seen, exit_hint);
        }
        // Another pause must leave the next question time to be answered; else the last reason
        // would be that question's own timeout, not what the daemon said.
        if (deadline.remaining() <= pause + kQuestionTime)
            fail(ExitCode::ErrGeneric, "{} did not become ready within {}: {}", comm, seconds_text(took()), last);
        sleep_within(deadline, pause);
        pause = std::min<milliseconds>(pause * 2, 1s);
    }
}

std::optional<RunningDaemon> find_running_daemon(const HostPaths& paths, const std::string& pidfile,
                                                 std::string_view comm)
{
    // The daemon may exit between the lookup and the pin; a pid taken over meanwhile shows
    // another comm or owner, then look again.
    for (int attempt = 0; attempt < 3; ++attempt) {
        auto found = find_daemon(paths, pidfile, comm);
        if (!found) return std::nullopt;
        auto pinned = PinnedProcess::pin(paths.proc, found->pid);
        if (!pinned) continue;
        if (process_comm(paths.proc, found->pid) == comm && paths.owns(found->pid) && pinned->still_same())
            return RunningDaemon{found->pid, found->from_pidfile, std::move(*pinned)};
    }
    return std::nullopt;
}

}  // namespace ocfkit
