// The Boost.Process runner: both pipes read concurrently, the child in its own process group,
// TERM then KILL to the whole group at the deadline, exit status decoded from waitpid itself,
// never a blocking wait: a child that cannot be reaped soon after KILL is left behind and named.
#include "ocfkit/process_runner.h"

#include "ocfkit/pidfd.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <functional>
#include <sstream>
#include <thread>

#include <boost/asio.hpp>
#include <boost/process.hpp>
#include <boost/process/extend.hpp>

#include "ocfkit/host.h"

namespace ocfkit {

namespace bp = boost::process;
namespace asio = boost::asio;
using namespace std::chrono;
using Clock = steady_clock;

namespace {

// Finds the program on the child's PATH (not ours), so fake tools on PATH work. Returns the
// path or the errno an exec would have failed with.
std::pair<std::string, int> resolve(const std::string& program, const std::string& path)
{
    auto check = [](const std::string& p) -> int {
        struct stat st {};
        if (::stat(p.c_str(), &st) != 0) return errno;
        if (S_ISDIR(st.st_mode)) return EACCES;
        if (::access(p.c_str(), X_OK) != 0) return errno;
        return 0;
    };
    if (program.empty()) return {"", ENOENT};
    if (program.find('/') != std::string::npos) return {program, check(program)};
    int first_error = ENOENT;
    std::stringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        if (dir.empty()) dir = ".";
        std::string candidate = dir + "/" + program;
        int e = check(candidate);
        if (e == 0) return {candidate, 0};
        if (e == EACCES && first_error == ENOENT) first_error = EACCES;
    }
    return {"", first_error};
}

void append_capped(std::string& to, const char* data, std::size_t n, std::size_t cap, bool& truncated)
{
    if (to.size() < cap) {
        std::size_t take = std::min(n, cap - to.size());
        to.append(data, take);
        if (take < n) truncated = true;
    } else if (n > 0) {
        truncated = true;
    }
}

// Reaps pid if it ends before `until`, polling with pauses; never blocks past `until`.
bool reap_until(pid_t pid, Clock::time_point until, int& wstatus)
{
    for (;;) {
        pid_t r = ::waitpid(pid, &wstatus, WNOHANG);
        if (r == pid) return true;
        if (r < 0 && errno != EINTR) return false;
        auto now = Clock::now();
        if (now >= until) return false;
        std::this_thread::sleep_for(std::min<Clock::duration>(until - now, milliseconds(5)));
    }
}

// In the forked child, before exec: own process group, die with the parent. In the parent,
// notes the pid of a child whose exec failed: Boost then hands back no child, but one was
// forked and must be reaped.
struct ChildSetup : bp::extend::handler {
    pid_t* failed_child = nullptr;
    pid_t parent = ::getpid();  // taken in the parent, before the fork

    template <typename Executor>
    void on_exec_setup(Executor&) const
    {
        ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        // A parent that died before prctl took effect sends no signal: end here instead.
        if (::getppid() != parent) ::_exit(127);
        // Signals ignored by the parent must not stay ignored in the child.
        ::signal(SIGPIPE, SIG_DFL);
    }
    template <typename Executor>
    void on_error(Executor& e, const std::error_code&) const
    {
        if (e.pid > 0 && failed_child) *failed_child = e.pid;
    }
};

class ProcessRunner final : public CommandRunner {
public:
    explicit ProcessRunner(ProcessRunnerOptions options) : options_(options) {}

    CommandResult run(const CommandSpec& spec, const Deadline& deadline) override
    {
        CommandResult result;
        const auto started = Clock::now();
        if (spec.argv.empty()) {
            result.status = CommandResult::Status::NotStarted;
            result.spawn_errno = EINVAL;
            return result;
        }
        auto [program, err] = resolve(spec.argv[0], child_path(spec));
        if (err != 0) {
            result.status = CommandResult::Status::NotStarted;
            result.spawn_errno = err;
            return result;
        }

        bp::environment env;
        if (spec.inherit_env) {
            for (const auto& e : boost::this_process::environment()) env[e.get_name()] = e.to_string();
        } else {
            for (const auto& [k, v] : clean_base_env()) env[k] = v;
        }
        for (const auto& [k, v] : spec.env) env[k] = v;

        const auto limit = Clock::now() + deadline.clamp(spec.timeout);
        asio::io_context ioc;
        bp::async_pipe out_pipe(ioc), err_pipe(ioc);
        std::optional<bp::async_pipe> in_pipe;
        if (spec.stdin_data) in_pipe.emplace(ioc);

        std::vector<std::string> args(spec.argv.begin() + 1, spec.argv.end());
        std::error_code ec;
        bp::child child;
        pid_t failed_child = 0;
        ChildSetup setup;
        setup.failed_child = &failed_child;
        if (in_pipe) {
            child = bp::child(bp::exe = program, bp::args = args, bp::std_out > out_pipe, bp::std_err > err_pipe,
                              bp::std_in < *in_pipe, env, setup, ec);
        } else {
            child = bp::child(bp::exe = program, bp::args = args, bp::std_out > out_pipe, bp::std_err > err_pipe,
                              bp::std_in < bp::null, env, setup, ec);
        }
        const pid_t pid = child.id();
        if (ec) {
            // Its error report is in, so it is at _exit: a short wait reaps it.
            int st = 0;
            if (failed_child > 0) reap_until(failed_child, Clock::now() + options_.reap_grace, st);
            child.detach();
            result.status = CommandResult::Status::NotStarted;
            result.spawn_errno = ec.value() ? ec.value() : EIO;
            return result;
        }
        child.detach();  // we reap it ourselves, with waitpid
        ::setpgid(pid, pid);  // also from the parent, so a kill right after spawn reaches the group

        std::array<char, 65536> out_buf{}, err_buf{};
        bool out_done = false, err_done = false, in_done = !in_pipe;
        std::function<void(const boost::system::error_code&, std::size_t)> on_out, on_err;
        on_out = [&](const boost::system::error_code& e, std::size_t n) {
            append_capped(result.out, out_buf.data(), n, spec.output_cap, result.out_truncated);
            if (e) {
                out_done = true;
                if (err_done) ioc.stop();
            } else out_pipe.async_read_some(asio::buffer(out_buf), on_out);
        };
        on_err = [&](const boost::system::error_code& e, std::size_t n) {
            append_capped(result.err, err_buf.data(), n, spec.output_cap, result.err_truncated);
            if (e) {
                err_done = true;
                if (out_done) ioc.stop();
            } else err_pipe.async_read_some(asio::buffer(err_buf), on_err);
        };
        out_pipe.async_read_some(asio::buffer(out_buf), on_out);
        err_pipe.async_read_some(asio::buffer(err_buf), on_err);
        if (in_pipe) {
            asio::async_write(*in_pipe, asio::buffer(*spec.stdin_data),
                              [&](const boost::system::error_code&, std::size_t) {
                                  in_pipe->close();
                                  in_done = true;
                              });
        }

        // Wake up when the child exits without polling, where the kernel has pidfds.
        bool exited = false;
        int wstatus = 0;
        std::optional<asio::posix::stream_descriptor> pidfd;
        bool pidfd_armed = false;
        if (int fd = options_.use_pidfd ? pidfd::open(pid) : -1; fd >= 0) {
            pidfd.emplace(ioc, fd);
            pidfd_armed = true;
            // Fires once: a zombie only a tracer may reap stays readable, so it is not re-armed.
            pidfd->async_wait(asio::posix::stream_descriptor::wait_read, [&](const boost::system::error_code& e) {
                pidfd_armed = false;
                if (!e) ioc.stop();
            });
        }
        auto try_reap = [&] {
            if (exited) return;
            pid_t r = ::waitpid(pid, &wstatus, WNOHANG);
            if (r == pid) exited = true;
        };
        // Waits up to `d` for pipe data or the child's exit; with nothing left to wait on (pipes
        // closed, no pidfd) it sleeps, else run_for would return at once and the loop would spin.
        auto pump = [&](Clock::duration d) {
            if (d < Clock::duration::zero()) d = Clock::duration::zero();
            if (pidfd_armed || !out_done || !err_done || !in_done) {
                ioc.restart();
                ioc.run_for(d);
            } else {
                std::this_thread::sleep_for(d);
            }
        };

        Clock::time_point exited_at{};
        bool timed_out = false;
        int last_signal = 0;
        for (;;) {
            auto now = Clock::now();
            try_reap();
            if (exited && exited_at == Clock::time_point{}) exited_at = now;
            if (exited && out_done && err_done) break;
            // A descendant kept the pipes open after the child exited (a daemon that did not
            // close them): take what came and let it be.
            if (exited && now - exited_at > milliseconds(200)) break;
            if (!exited && now >= limit) {
                timed_out = true;
                last_signal = SIGTERM;
                ::killpg(pid, SIGTERM);
                auto grace_end = Clock::now() + options_.kill_grace;
                while (!exited && Clock::now() < grace_end) {
                    pump(milliseconds(10));
                    try_reap();
                }
                // KILL the group regardless: descendants may still hold the pipes.
                last_signal = SIGKILL;
                ::killpg(pid, SIGKILL);
                // Never a blocking waitpid: a child in uninterruptible sleep (umount while DLM
                // waits for a fence) dies only when it wakes. Wait a short grace, then leave
                // it and say so; the group's output is drained meanwhile.
                const auto killed_at = Clock::now();
                const auto reap_end = killed_at + options_.reap_grace;
                const auto drain_end = killed_at + milliseconds(100);
                for (;;) {
                    try_reap();
                    auto t = Clock::now();
                    bool drained = (out_done && err_done) || t >= drain_end;
                    if ((exited && drained) || t >= reap_end) break;
                    pump(milliseconds(5));
                }
                if (!exited) {
                    result.abandoned_pid = pid;
                    result.abandoned_state = process_state_text("/proc", pid);
                    if (result.abandoned_state.empty()) result.abandoned_state = "unknown";
                }
                break;
            }
            auto wait = pidfd_armed ? std::min<Clock::duration>(limit - now, milliseconds(250))
                                    : std::min<Clock::duration>(limit - now, milliseconds(5));
            if (exited) wait = milliseconds(5);
            pump(duration_cast<milliseconds>(wait) + milliseconds(1));
        }
        boost::system::error_code ignore;
        out_pipe.close(ignore);
        err_pipe.close(ignore);
        if (in_pipe) in_pipe->close(ignore);
        if (pidfd) pidfd->close(ignore);

        result.elapsed = duration_cast<milliseconds>(Clock::now() - started);
        if (timed_out) {
            result.status = CommandResult::Status::TimedOut;
            result.signal = last_signal;
        } else if (WIFEXITED(wstatus)) {
            result.status = CommandResult::Status::Exited;
            result.exit_code = WEXITSTATUS(wstatus);
        } else if (WIFSIGNALED(wstatus)) {
            result.status = CommandResult::Status::Signalled;
            result.signal = WTERMSIG(wstatus);
        }
        return result;
    }

private:
    ProcessRunnerOptions options_;
};

}  // namespace

std::unique_ptr<CommandRunner> make_process_runner(ProcessRunnerOptions options)
{
    return std::make_unique<ProcessRunner>(options);
}

}  // namespace ocfkit
