// ocfkit/host.h and ocfkit/daemon.h, the /proc, pidfile and daemon helpers controld and clvm rely
// on, with real processes.
#include "catch.h"

#include <signal.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "ocfkit/daemon.h"
#include "ocfkit/exit_code.h"
#include "ocfkit/host.h"

using namespace ocfkit;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    std::string path;
    TempDir()
    {
        char t[] = "/tmp/dlmlvm-host-XXXXXX";
        path = ::mkdtemp(t);
    }
    ~TempDir() { fs::remove_all(path); }
};

// A child running a copy of /bin/sleep under another name, so its comm is that name.
pid_t spawn_named(const std::string& dir, const std::string& name, const std::vector<std::string>& env = {})
{
    std::string prog = dir + "/" + name;
    if (!fs::exists(prog)) fs::copy_file("/bin/sleep", prog);
    pid_t pid = ::fork();
    if (pid == 0) {
        std::vector<char*> envp;
        for (auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
        envp.push_back(nullptr);
        ::execle(prog.c_str(), prog.c_str(), "30", static_cast<char*>(nullptr), envp.data());
        ::_exit(127);
    }
    // wait until exec happened
    for (int i = 0; i < 200 && process_comm("/proc", pid) != name.substr(0, 15); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return pid;
}

}  // namespace

TEST_CASE("pidfiles, comm, zombies", "[dlmlvm-host]")
{
    TempDir t;
    std::ofstream(t.path + "/good.pid") << "  1234\n";
    std::ofstream(t.path + "/bad.pid") << "x12\n";
    std::ofstream(t.path + "/neg.pid") << "-5\n";
    CHECK(read_pidfile(t.path + "/good.pid") == 1234);
    CHECK_FALSE(read_pidfile(t.path + "/bad.pid"));
    CHECK_FALSE(read_pidfile(t.path + "/neg.pid"));
    CHECK_FALSE(read_pidfile(t.path + "/missing.pid"));
    CHECK(comm_of_program("/usr/sbin/dlm_controld") == "dlm_controld");
    CHECK(comm_of_program("a_very_long_daemon_name") == "a_very_long_dae");

    pid_t pid = spawn_named(t.path, "fake_daemon_x");
    CHECK(process_state("/proc", pid) == ProcessState::Running);
    CHECK(process_comm("/proc", pid) == "fake_daemon_x");
    std::ofstream(t.path + "/d.pid") << pid << "\n";
    auto found = find_daemon("/proc", t.path + "/d.pid", "fake_daemon_x");
    REQUIRE(found);
    CHECK(found->pid == pid);
    CHECK(found->from_pidfile);
    // a stale pidfile pointing at another process: found by the /proc scan instead
    std::ofstream(t.path + "/stale.pid") << ::getpid() << "\n";
    auto scanned = find_daemon("/proc", t.path + "/stale.pid", "fake_daemon_x");
    REQUIRE(scanned);
    CHECK_FALSE(scanned->from_pidfile);
    CHECK(scanned->pid == pid);

    ::kill(pid, SIGKILL);
    for (int i = 0; i < 200 && process_state("/proc", pid) == ProcessState::Running; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    CHECK(process_state("/proc", pid) == ProcessState::Zombie);  // not reaped yet: not alive
    CHECK_FALSE(find_daemon("/proc", t.path + "/d.pid", "fake_daemon_x"));
    int st = 0;
    ::waitpid(pid, &st, 0);
    CHECK(process_state("/proc", pid) == ProcessState::Absent);
}

TEST_CASE("a host root scopes daemons to its own processes", "[dlmlvm-host]")
{
    TempDir t;
    MapEnv env;
    env.set("OCFKIT_HOST_ROOT", t.path + "/root");
    HostPaths paths = HostPaths::from_env(env);
    CHECK(paths.run == t.path + "/root/run");
    CHECK(paths.sys == t.path + "/root/sys");
    CHECK(paths.proc == "/proc");
    CHECK(HostPaths::from_env(MapEnv{}).run == "/run");

    pid_t mine = spawn_named(t.path, "scoped_daemon", {"OCFKIT_HOST_ROOT=" + t.path + "/root"});
    pid_t other = spawn_named(t.path, "scoped_daemon", {"OCFKIT_HOST_ROOT=/elsewhere"});
    CHECK(paths.owns(mine));
    CHECK_FALSE(paths.owns(other));
    auto d = find_daemon(paths, t.path + "/none.pid", "scoped_daemon");
    REQUIRE(d);
    CHECK(d->pid == mine);
    // without a root, both are candidates (the lower pid first)
    auto any = find_daemon(HostPaths{}, "", "scoped_daemon");
    REQUIRE(any);
    CHECK(any->pid == std::min(mine, other));
    for (pid_t p : {mine, other}) {
        ::kill(p, SIGKILL);
        int st = 0;
        ::waitpid(p, &st, 0);
    }
    CHECK_FALSE(find_daemon(paths, "", "scoped_daemon"));
}

TEST_CASE("open file holders, programs on a PATH, tool PATH", "[dlmlvm-host]")
{
    TempDir t;
    std::string dev = t.path + "/dlm_lvm_x";
    std::ofstream(dev).flush();
    int fd = ::open(dev.c_str(), O_RDONLY);
    REQUIRE(fd >= 0);
    auto holders = processes_with_open("/proc", t.path + "/dlm_");
    REQUIRE(holders.size() == 1);
    CHECK(holders[0].pid == ::getpid());
    CHECK(holders[0].target == dev);
    ::close(fd);
    CHECK(processes_with_open("/proc", t.path + "/dlm_").empty());

    CHECK(find_program("sh", "/nonexistent:/bin:/usr/bin"));
    CHECK_FALSE(find_program("no-such-program-here", "/bin:/usr/bin"));
    CHECK_FALSE(find_program("/bin", "/usr/bin"));  // a directory is not a program
    MapEnv env;
    CHECK(tool_path(env) == "/usr/sbin:/usr/bin:/sbin:/bin");
    env.set("PATH", "/fake");
    CHECK(tool_path(env) == "/fake:/usr/sbin:/usr/bin:/sbin:/bin");
    CHECK(list_dir(t.path + "/missing").empty());
}

TEST_CASE("read_small_file: procfs files, the cap, errno", "[dlmlvm-host]")
{
    TempDir t;
    auto self = read_small_file("/proc/self/status");
    REQUIRE(self);
    CHECK_THAT(*self, Catch::StartsWith("Name:"));  // size 0 in stat(), read until EOF
    std::ofstream(t.path + "/big") << std::string(50000, 'x');
    CHECK(read_small_file(t.path + "/big")->size() == 50000);
    CHECK(read_small_file(t.path + "/big", 20000)->size() == 20000);
    errno = 0;
    CHECK_FALSE(read_small_file(t.path + "/missing"));
    CHECK(errno == ENOENT);
}

TEST_CASE("daemon.h: the host command, one question, ready and gone", "[dlmlvm-host]")
{
    TempDir t;
    MapEnv env;
    env.set("OCFKIT_HOST_ROOT", t.path);
    env.set("PATH", "/fake");
    CommandSpec c = host_command(env, {"dlm_tool", "ls"}, std::chrono::seconds(7));
    CHECK(c.argv == std::vector<std::string>{"dlm_tool", "ls"});
    CHECK(c.timeout == std::chrono::seconds(7));
    CHECK(c.env.at("PATH") == "/fake:/usr/sbin:/usr/bin:/sbin:/bin");
    CHECK(c.env.at("OCFKIT_HOST_ROOT") == t.path);
    CHECK_FALSE(host_command(MapEnv{}, {"x"}, std::chrono::seconds(1)).env.count("OCFKIT_HOST_ROOT"));

    auto refused = [](std::string_view out) { return out.find("cannot connect") != std::string_view::npos; };
    const Deadline d = Deadline::after(std::chrono::seconds(5));
    FakeRunner r;
    r.expect({"ok"}, FakeRunner::exited(0, "status\n"));
    r.expect({"down"}, FakeRunner::exited(1, "", "cannot connect to the socket\n"));
    r.expect({"hangs"}, FakeRunner::timed_out());
    r.expect({"fails"}, FakeRunner::exited(2, "", "bad option\n"));
    r.expect({"missing"}, FakeRunner::not_found());
    auto ok = ask_client(r, {.argv = {"ok"}}, d, "okd", refused);
    CHECK(ok.answered);
    CHECK(ok.out == "status\n");
    auto down = ask_client(r, {.argv = {"down", "-i"}}, d, "downd", refused);
    CHECK_FALSE(down.answered);
    CHECK(down.problem == "'down -i' cannot connect to downd");
    CHECK_THAT(ask_client(r, {.argv = {"hangs"}}, d, "x", refused).problem, Catch::Contains("got no answer within"));
    CHECK_THAT(ask_client(r, {.argv = {"fails"}}, d, "x", refused).problem, Catch::Contains("exit code 2: bad option"));
    try {
        ask_client(r, {.argv = {"missing"}}, d, "x", refused);
        FAIL("no Failure");
    } catch (const Failure& f) {
        CHECK(f.code == ExitCode::ErrInstalled);
    }

    // Ready: the daemon answers on the third question.
    pid_t pid = spawn_named(t.path, "ready_daemon");
    std::ofstream(t.path + "/r.pid") << pid << "\n";
    int asked = 0;
    auto up = wait_until_ready(HostPaths{}, t.path + "/r.pid", "ready_daemon", d, [&](std::string& problem) {
        problem = "not yet";
        return ++asked == 3;
    });
    CHECK(up.pid == pid);
    CHECK(asked == 3);
    CHECK(up.after >= std::chrono::milliseconds(250));  // 100 + 200 ms of pauses
    // Never ready: the deadline ends the wait with the last problem.
    try {
        wait_until_ready(HostPaths{}, t.path + "/r.pid", "ready_daemon", Deadline::after(std::chrono::milliseconds(400)),
                         [](std::string& problem) {
                             problem = "socket refused";
                             return false;
                         });
        FAIL("no Failure");
    } catch (const Failure& f) {
        CHECK(f.code == ExitCode::ErrGeneric);
        CHECK_THAT(f.reason, Catch::Contains("ready_daemon did not become ready within") &&
                                 Catch::Contains("pid " + std::to_string(pid) + " is running; socket refused"));
    }
    // Gone: not within a short bound while it runs, at once after it died.
    auto running = find_running_daemon(HostPaths{}, t.path + "/r.pid", "ready_daemon");
    REQUIRE(running);
    CHECK(running->pid == pid);
    CHECK(running->from_pidfile);
    CHECK_FALSE(running->process.wait_until_gone(d, std::chrono::milliseconds(120)));
    ::kill(pid, SIGKILL);
    CHECK(running->process.wait_until_gone(d, std::chrono::seconds(2)));
    int st = 0;
    ::waitpid(pid, &st, 0);
    // Dies while being waited for: named, with the hint.
    pid_t dying = spawn_named(t.path, "dying_daemon");
    std::ofstream(t.path + "/x.pid") << dying << "\n";
    try {
        wait_until_ready(
            HostPaths{}, t.path + "/x.pid", "dying_daemon", d,
            [&](std::string&) {
                ::kill(dying, SIGKILL);
                ::waitpid(dying, &st, 0);
                return false;
            },
            " (check its configuration)");
        FAIL("no Failure");
    } catch (const Failure& f) {
        CHECK(f.reason == "dying_daemon (pid " + std::to_string(dying) +
                              ") exited during start before it was ready; see its log (check its configuration)");
    }
}
