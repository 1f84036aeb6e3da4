// The process runner against real child processes.
#include <signal.h>
#include <sys/stat.h>
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
