// Pinned processes against real pid reuse: clone3 with set_tid gives a new process the pid of
// one that just exited, as pid wrap-around does on a busy host between a lookup and a signal.
#include <linux/sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "catch.h"

#include "ocfkit/daemon.h"
#include "ocfkit/host.h"
#include "ocfkit/pinned_process.h"

using namespace ocfkit;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    std::string path;
    TempDir()
    {
        std::string t = (fs::temp_directory_path() / "ocfkit-pin-XXXXXX").string();
        path = ::mkdtemp(t.data());
    }
    ~TempDir()
    {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

// Execs a copy of /bin/sleep named `name` (its comm) in the child; waits until it runs.
void exec_named(const std::string& prog)
{
    ::execl(prog.c_str(), prog.c_str(), "30", static_cast<char*>(nullptr));
    ::_exit(127);
}
void wait_for_comm(pid_t pid, const std::string& comm)
{
    for (int i = 0; i < 400 && process_comm("/proc", pid) != comm; ++i) std::this_thread::sleep_for(5ms);
}

pid_t spawn(const std::string& prog, const std::string& comm)
{
    pid_t pid = ::fork();
    if (pid == 0) exec_named(prog);
    wait_for_comm(pid, comm);
    return pid;
}

// A new child with exactly `pid` (free again), running the same program: the same comm.
pid_t spawn_with_pid(pid_t pid, const std::string& prog, const std::string& comm)
{
    pid_t tid = pid;
    clone_args args{};
    args.exit_signal = SIGCHLD;
    args.set_tid = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(&tid));
    args.set_tid_size = 1;
    long got = ::syscall(SYS_clone3, &args, sizeof args);
    if (got == 0) exec_named(prog);
    if (got > 0) wait_for_comm(static_cast<pid_t>(got), comm);
    return static_cast<pid_t>(got);
}

bool alive(pid_t child)
{
    int st = 0;
    return ::waitpid(child, &st, WNOHANG) == 0;
}

void end(pid_t child)
{
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
}

}  // namespace

TEST_CASE("a pinned process is signalled and waited for while it lives", "[pinned-process]")
{
    TempDir t;
    const std::string prog = t.path + "/pinned_dmn";
    fs::copy_file("/bin/sleep", prog);
    for (bool use_pidfd : {true, false}) {
        CAPTURE(use_pidfd);
        pid_t a = spawn(prog, "pinned_dmn");
        auto p = PinnedProcess::pin("/proc", a, use_pidfd);
        REQUIRE(p);
        CHECK(p->pid() == a);
        CHECK_FALSE(p->gone());
        CHECK_FALSE(p->wait_until_gone(Deadline::after(5s), 100ms));
        CHECK(p->signal(SIGTERM) == 0);
        CHECK(p->wait_until_gone(Deadline::after(5s), 2s));
        CHECK(p->gone());  // a zombie until reaped
        int st = 0;
        REQUIRE(::waitpid(a, &st, 0) == a);
        CHECK((WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM));
        CHECK(p->gone());
        CHECK(p->signal(SIGTERM) == ESRCH);
    }
    CHECK_FALSE(PinnedProcess::pin("/proc", 0));
    CHECK_FALSE(PinnedProcess::pin("/proc", 4194304 + 1));  // above pid_max
}

TEST_CASE("a daemon's pid taken over after it exited is never signalled", "[pinned-process]")
{
    TempDir t;
    const std::string prog = t.path + "/reused_dmn";
    fs::copy_file("/bin/sleep", prog);
    for (bool use_pidfd : {true, false}) {
        CAPTURE(use_pidfd);
        // Identified as stop identifies it: pidfile, comm, pinned.
        pid_t a = spawn(prog, "reused_dmn");
        std::ofstream(t.path + "/d.pid") << a << "\n";
        std::optional<PinnedProcess> p;
        if (use_pidfd) {
            auto d = find_running_daemon(HostPaths{}, t.path + "/d.pid", "reused_dmn");
            REQUIRE(d);
            CHECK(d->pid == a);
            CHECK(d->from_pidfile);
            p = std::move(d->process);
        } else {
            p = PinnedProcess::pin("/proc", a, false);
        }
        REQUIRE(p);
        // It exits; a new process gets its pid, with the same comm, a tick later (start times
        // count in 10 ms ticks).
        end(a);
        std::this_thread::sleep_for(30ms);
        pid_t b = spawn_with_pid(a, prog, "reused_dmn");
        REQUIRE(b == a);
        REQUIRE(process_comm("/proc", b) == "reused_dmn");

        CHECK_FALSE(p->still_same());
        CHECK(p->gone());
        CHECK(p->wait_until_gone(Deadline::after(5s), 2s));
        CHECK(p->signal(SIGTERM) == ESRCH);
        CHECK(p->signal(SIGKILL) == ESRCH);
        std::this_thread::sleep_for(50ms);
        CHECK(alive(b));  // kill(pid) would have ended it
        end(b);
    }
}
