// The process runner against real child processes.
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "catch.h"
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "ocfkit/process_runner.h"

using namespace ocfkit;
using namespace std::chrono;
using Status = CommandResult::Status;

namespace {

CommandResult run(CommandSpec spec, milliseconds budget = seconds(20))
{
    auto runner = make_process_runner();
    return runner->run(spec, Deadline::after(budget));
}

// Processes whose command line contains `marker` (tests give their children unique arguments).
int count_processes_with(const std::string& marker)
{
    int n = 0;
    for (const auto& e : std::filesystem::directory_iterator("/proc")) {
        std::string name = e.path().filename();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream in(e.path() / "cmdline");
        std::string cmd((std::istreambuf_iterator<char>(in)), {});
        // a zombie has an empty cmdline and holds nothing
        if (cmd.find(marker) != std::string::npos) ++n;
    }
    return n;
}

std::string unique_seconds()
{
    // sleep accepts fractional seconds: a unique argument marks our grandchildren
    return fmt::format("30.{}{}", getpid(), std::rand() % 1000);
}

}  // namespace

TEST_CASE("1 MiB on stdout and stderr at once does not deadlock", "[runner-output]")
{
    auto r = run({.argv = {"sh", "-c", "head -c 1048576 /dev/zero; head -c 1048576 /dev/zero >&2; echo done >&2"}});
    CHECK(r.status == Status::Exited);
    CHECK(r.exit_code == 0);
    CHECK(r.out.size() == 1048576);
    CHECK(r.err.size() == 1048576 + 5);
    CHECK_FALSE(r.out_truncated);
}

TEST_CASE("output beyond the cap is read and dropped", "[runner-output]")
{
    auto r = run({.argv = {"sh", "-c", "head -c 300000 /dev/zero"}, .output_cap = 1000});
    CHECK(r.ok());
    CHECK(r.out.size() == 1000);
    CHECK(r.out_truncated);
}

TEST_CASE("stdin: given data, or /dev/null by default", "[runner-output]")
{
    auto fed = run({.argv = {"cat"}, .stdin_data = std::string("hello\n")});
    CHECK(fed.out == "hello\n");
    auto none = run({.argv = {"cat"}}, seconds(5));
    CHECK(none.ok());
    CHECK(none.out.empty());
    CHECK(none.elapsed < seconds(2));
}

TEST_CASE("a child sleeping past its deadline while a grandchild holds the pipe", "[runner-deadline]")
{
    std::string marker = unique_seconds();
    auto start = steady_clock::now();
    auto r = run({.argv = {"sh", "-c", "sleep " + marker + " & sleep " + marker}}, milliseconds(700));
    auto took = steady_clock::now() - start;
    CHECK(r.status == Status::TimedOut);
    CHECK(r.signal == SIGKILL);  // sh ignores nothing, but KILL always follows for the group
    // deadline + grace (500 ms) + drain (100 ms) + slack
    CHECK(took < milliseconds(700 + 500 + 100 + 700));
    CHECK(took >= milliseconds(690));
    std::this_thread::sleep_for(milliseconds(100));
    CHECK(count_processes_with(marker) == 0);
}

TEST_CASE("a child that ignores SIGTERM is killed after the grace", "[runner-deadline]")
{
    std::string marker = unique_seconds();
    auto start = steady_clock::now();
    auto r = run({.argv = {"sh", "-c", "trap '' TERM; sleep " + marker + "; true"}}, milliseconds(300));
    CHECK(r.status == Status::TimedOut);
    CHECK(steady_clock::now() - start < milliseconds(300 + 500 + 100 + 700));
    std::this_thread::sleep_for(milliseconds(100));
    CHECK(count_processes_with(marker) == 0);
}

TEST_CASE("the command's own timeout applies within the deadline", "[runner-deadline]")
{
    auto r = run({.argv = {"sleep", "10"}, .timeout = milliseconds(200)}, seconds(20));
    CHECK(r.status == Status::TimedOut);
    CHECK(r.elapsed < seconds(2));
}

TEST_CASE("an expired deadline kills at once", "[runner-deadline]")
{
    auto r = run({.argv = {"sleep", "10"}}, milliseconds(0));
    CHECK(r.status == Status::TimedOut);
    CHECK(r.elapsed < seconds(2));
}

TEST_CASE("a daemon-like grandchild left behind does not hold the call", "[runner-deadline]")
{
    std::string marker = unique_seconds();
    auto start = steady_clock::now();
    auto r = run({.argv = {"sh", "-c", "sleep " + marker + " & echo started"}}, seconds(10));
    CHECK(r.ok());
    CHECK(r.out == "started\n");
    CHECK(steady_clock::now() - start < seconds(2));
    // Left alone on purpose (a daemon); clean it up here.
    CHECK(count_processes_with(marker) == 1);
    run({.argv = {"pkill", "-f", "sleep " + marker}});
}

TEST_CASE("exit codes and deaths by signal are told apart", "[runner-status]")
{
    auto three = run({.argv = {"sh", "-c", "exit 3"}});
    CHECK(three.status == Status::Exited);
    CHECK(three.exit_code == 3);
    CHECK(three.describe() == "exit code 3");
    auto segv = run({.argv = {"sh", "-c", "kill -SEGV $$"}});
    CHECK(segv.status == Status::Signalled);
    CHECK(segv.signal == SIGSEGV);
    auto killed = run({.argv = {"sh", "-c", "kill -KILL $$"}});
    CHECK(killed.status == Status::Signalled);
    CHECK(killed.signal == SIGKILL);
    CHECK(killed.describe() == "killed by signal 9 (KILL)");
    auto high = run({.argv = {"sh", "-c", "exit 255"}});
    CHECK(high.exit_code == 255);
}

TEST_CASE("a missing program and one that cannot be executed are not started", "[runner-status]")
{
    auto missing = run({.argv = {"ocfkit-no-such-program"}});
    CHECK(missing.status == Status::NotStarted);
    CHECK(missing.spawn_errno == ENOENT);
    CHECK(exit_code_for_spawn_errno(missing.spawn_errno) == ExitCode::ErrInstalled);
    auto missing_path = run({.argv = {"/nonexistent/bin/tool"}});
    CHECK(missing_path.spawn_errno == ENOENT);

    char tmpl[] = "/tmp/ocfkit-runner-XXXXXX";
    std::filesystem::path dir = mkdtemp(tmpl);
    std::ofstream(dir / "noexec") << "#!/bin/sh\necho hi\n";
    chmod((dir / "noexec").c_str(), 0644);
    auto noexec = run({.argv = {(dir / "noexec").string()}});
    CHECK(noexec.status == Status::NotStarted);
    CHECK(noexec.spawn_errno == EACCES);
    CHECK(exit_code_for_spawn_errno(noexec.spawn_errno) == ExitCode::ErrPerm);
    auto directory = run({.argv = {dir.string()}});
    CHECK(directory.spawn_errno == EACCES);
    std::filesystem::remove_all(dir);
}

TEST_CASE("the child gets a clean environment plus additions", "[runner-env]")
{
    setenv("OCFKIT_RUNNER_LEAK", "yes", 1);
    std::string saved_path = std::getenv("PATH");
    setenv("PATH", "/opt/ocfkit-test/bin:/usr/bin", 1);
    auto clean = run({.argv = {"env"}, .env = {{"EXTRA", "1"}}});
    setenv("PATH", saved_path.c_str(), 1);
    CHECK_THAT(clean.out, Catch::Contains("PATH=/opt/ocfkit-test/bin:/usr/bin:/sbin:/usr/sbin:/bin\n"));
    CHECK_THAT(clean.out, Catch::Contains("LC_ALL=C\n"));
    CHECK_THAT(clean.out, Catch::Contains("EXTRA=1\n"));
    CHECK_THAT(clean.out, !Catch::Contains("OCFKIT_RUNNER_LEAK"));
    auto inherited = run({.argv = {"env"}, .inherit_env = true});
    CHECK_THAT(inherited.out, Catch::Contains("OCFKIT_RUNNER_LEAK=yes"));
    unsetenv("OCFKIT_RUNNER_LEAK");
}

TEST_CASE("programs are found on the child's PATH, not the parent's", "[runner-env]")
{
    char tmpl[] = "/tmp/ocfkit-runner-XXXXXX";
    std::filesystem::path dir = mkdtemp(tmpl);
    std::ofstream(dir / "ocfkit-fake-tool") << "#!/bin/sh\necho fake \"$@\"\n";
    chmod((dir / "ocfkit-fake-tool").c_str(), 0755);
    auto r = run({.argv = {"ocfkit-fake-tool", "a b"}, .env = {{"PATH", dir.string() + ":/usr/bin:/bin"}}});
    CHECK(r.ok());
    CHECK(r.out == "fake a b\n");
    CHECK(run({.argv = {"ocfkit-fake-tool"}}).status == Status::NotStarted);
    // The agent's own PATH reaches its children: fake tools put first on PATH are used.
    std::string saved_path = std::getenv("PATH");
    setenv("PATH", (dir.string() + ":" + saved_path).c_str(), 1);
    auto via_own_path = run({.argv = {"ocfkit-fake-tool", "x"}});
    setenv("PATH", saved_path.c_str(), 1);
    CHECK(via_own_path.out == "fake x\n");
    std::filesystem::remove_all(dir);
}

TEST_CASE("arguments reach the child verbatim, never through a shell", "[runner-env]")
{
    auto r = run({.argv = {"printf", "%s|", "a b", "$(id)", ";rm -rf /", "`x`"}});
    CHECK(r.out == "a b|$(id)|;rm -rf /|`x`|");
}

namespace {

// This process's zombie children, from /proc/<pid>/stat ("pid (comm) Z ppid ...").
int zombie_children()
{
    int n = 0;
    const std::string me = std::to_string(getpid());
    for (const auto& e : std::filesystem::directory_iterator("/proc")) {
        std::string name = e.path().filename();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream in(e.path() / "stat");
        std::string stat((std::istreambuf_iterator<char>(in)), {});
        auto close = stat.rfind(')');
        if (close == std::string::npos || close + 4 >= stat.size()) continue;
        std::string rest = stat.substr(close + 2);
        if (rest[0] == 'Z' && rest.substr(2, rest.find(' ', 2) - 2) == me) ++n;
    }
    return n;
}

milliseconds cpu_time_of_this_process()
{
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    auto ms = [](const timeval& t) { return milliseconds(t.tv_sec * 1000 + t.tv_usec / 1000); };
    return ms(u.ru_utime) + ms(u.ru_stime);
}

int find_process_with(const std::string& marker)
{
    for (const auto& e : std::filesystem::directory_iterator("/proc")) {
        std::string name = e.path().filename();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream in(e.path() / "cmdline");
        std::string cmd((std::istreambuf_iterator<char>(in)), {});
        if (cmd.find(marker) != std::string::npos) return std::stoi(name);
    }
    return 0;
}

// A process that ptrace-seizes the one whose command line holds `marker` and then ignores it.
// A traced child that dies is a zombie only its tracer can see: its parent cannot reap it until
// the tracer goes. That is the "killed but not reapable" a D-state child shows, made real here.
struct Tracer {
    pid_t pid = -1;
    int report = -1;  // one byte: 1 attached, 0 not

    explicit Tracer(const std::string& marker)
    {
        int p[2];
        REQUIRE(pipe(p) == 0);
        pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            close(p[0]);
            char ok = 0;
            for (int i = 0; i < 500 && !ok; ++i) {
                if (int target = find_process_with(marker); target > 0)
                    ok = ptrace(PTRACE_SEIZE, target, nullptr, nullptr) == 0;
                else
                    usleep(10000);
            }
            if (write(p[1], &ok, 1) != 1) _exit(1);
            sleep(30);  // holds the tracee's death back from its parent
            _exit(0);
        }
        close(p[1]);
        report = p[0];
    }
    bool attached() const
    {
        char ok = 0;
        return read(report, &ok, 1) == 1 && ok == 1;
    }
    ~Tracer()
    {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        close(report);
    }
};

}  // namespace

TEST_CASE("a child killed but not reapable is left behind at the deadline and named", "[runner-reap]")
{
    std::string marker = unique_seconds();
    Tracer tracer(marker);
    auto runner = make_process_runner();
    CommandSpec spec{.argv = {"sleep", marker}};
    auto start = steady_clock::now();
    auto r = runner->run(spec, Deadline::after(milliseconds(1000)));
    auto took = steady_clock::now() - start;
    REQUIRE(tracer.attached());
    CHECK(r.status == Status::TimedOut);
    // deadline + TERM grace (500 ms) + reap grace (200 ms) + slack; a blocking waitpid would
    // wait for the tracer (30 s).
    CHECK(took < milliseconds(1000 + 500 + 200 + 700));
    CHECK(r.abandoned_pid > 0);
    CHECK(r.abandoned_state == "Z (zombie)");  // traced; a child stuck in the kernel shows D
    std::string message = failure_message(spec, r);
    CHECK(message.find("'sleep " + marker + "' timed out") == 0);
    CHECK(message.find("left behind") != std::string::npos);
    CHECK(message.find("Z (zombie)") != std::string::npos);
    // Once the tracer is gone the dead child reaches its parent.
    if (r.abandoned_pid > 0) {
        kill(tracer.pid, SIGKILL);
        CHECK(waitpid(r.abandoned_pid, nullptr, 0) == r.abandoned_pid);
    }
}

TEST_CASE("no busy loop while a child that closed its pipes lives on", "[runner-reap]")
{
    for (bool use_pidfd : {true, false}) {
        CAPTURE(use_pidfd);
        auto runner = make_process_runner({.use_pidfd = use_pidfd});
        auto cpu_before = cpu_time_of_this_process();
        auto start = steady_clock::now();
        auto r = runner->run({.argv = {"sh", "-c", "exec >&- 2>&-; sleep 2"}}, Deadline::after(seconds(20)));
        auto took = steady_clock::now() - start;
        auto cpu = cpu_time_of_this_process() - cpu_before;
        CHECK(r.ok());
        CHECK(took >= milliseconds(1900));
        CHECK(took < milliseconds(3000));
        // Sleeping between tries costs a few ms over 2 s; spinning costs the whole 2 s.
        CHECK(cpu < milliseconds(200));
    }
}

TEST_CASE("a failed exec leaves no zombie", "[runner-reap]")
{
    char tmpl[] = "/tmp/ocfkit-runner-XXXXXX";
    std::filesystem::path dir = mkdtemp(tmpl);
    // Executable, so the runner forks, but its interpreter is missing: execve fails ENOENT.
    std::ofstream(dir / "orphan-script") << "#!/nonexistent/ocfkit-interpreter\n";
    chmod((dir / "orphan-script").c_str(), 0755);
    REQUIRE(zombie_children() == 0);
    auto r = run({.argv = {(dir / "orphan-script").string()}});
    CHECK(r.status == Status::NotStarted);
    CHECK(r.spawn_errno == ENOENT);
    CHECK(zombie_children() == 0);
    std::filesystem::remove_all(dir);
}
