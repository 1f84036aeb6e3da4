// Running external programs: argv only, never a shell, always bounded.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocfkit/deadline.h"
#include "ocfkit/exit_code.h"

namespace ocfkit {

struct CommandSpec {
    std::vector<std::string> argv;  // argv[0] is the program: a name looked up on PATH, or a path
    std::map<std::string, std::string> env{};  // added over the clean base environment
    bool inherit_env = false;   // pass this process's environment instead of the clean base
    std::optional<std::string> stdin_data{};  // nothing: stdin is /dev/null
    std::chrono::milliseconds timeout{std::chrono::seconds(30)};  // clamped to the deadline
    std::size_t output_cap = 4 * 1024 * 1024;  // per stream; the rest is read and dropped

    std::string display() const;  // the command line for messages, quoted where needed
};

// The base environment children get unless inherit_env is set: LC_ALL=C and a PATH made of
// this process's PATH followed by the system directories.
std::map<std::string, std::string> clean_base_env();
// The PATH children see: CommandSpec's PATH, else the base one, else this process's.
std::string child_path(const CommandSpec& spec);

struct CommandResult {
    enum class Status { Exited, Signalled, TimedOut, NotStarted };
    Status status = Status::Exited;
    int exit_code = 0;      // Exited
    int signal = 0;         // Signalled (also the last signal sent on TimedOut)
    int spawn_errno = 0;    // NotStarted: ENOENT, EACCES, ...
    std::string out;
    std::string err;
    bool out_truncated = false;
    bool err_truncated = false;
    std::chrono::milliseconds elapsed{0};
    // TimedOut only: the child did not end within a short grace after SIGKILL (uninterruptible
    // sleep) and was left behind: its pid and its state from /proc ("D (disk sleep)").
    int abandoned_pid = 0;
    std::string abandoned_state;

    bool ok() const { return status == Status::Exited && exit_code == 0; }
    bool exited_with(int code) const { return status == Status::Exited && exit_code == code; }
    std::string describe() const;  // "exit code 3", "killed by signal 9 (KILL)", ...
};

class CommandRunner {
public:
    virtual ~CommandRunner() = default;
    virtual CommandResult run(const CommandSpec& spec, const Deadline& deadline) = 0;
};

// Runs and turns anything but exit 0 into a Failure naming the command, outcome and stderr:
// not startable ENOENT → ErrInstalled, EACCES → ErrPerm; timeout and other failures → `code`.
CommandResult run_checked(CommandRunner& runner, const CommandSpec& spec, const Deadline& deadline,
                          ExitCode code = ExitCode::ErrGeneric);
// The message run_checked would use for this result.
std::string failure_message(const CommandSpec& spec, const CommandResult& result);
// A program's output as one line for a message: outer blanks dropped, line breaks as spaces,
// cut after `max` characters ("...").
std::string one_line(std::string_view text, std::size_t max = 300);
ExitCode exit_code_for_spawn_errno(int err);

// Scripted results and a transcript of what was asked, for agent tests.
class FakeRunner final : public CommandRunner {
public:
    struct Call {
        std::vector<std::string> argv;
        std::optional<std::string> stdin_data;
        std::chrono::milliseconds timeout;
    };
    using Responder = std::function<CommandResult(const CommandSpec&)>;

    // Answers for commands whose argv starts with `prefix`, used once each in order; the last
    // one stays for further calls.
    void expect(std::vector<std::string> prefix, CommandResult result);
    void on(std::vector<std::string> prefix, Responder responder);
    static CommandResult exited(int code, std::string out = {}, std::string err = {});
    static CommandResult not_found();
    static CommandResult timed_out();

    CommandResult run(const CommandSpec& spec, const Deadline& deadline) override;

    const std::vector<Call>& calls() const { return calls_; }
    std::vector<std::string> call_lines() const;  // each call's argv joined by spaces
    std::size_t count(std::string_view program) const;

private:
    struct Script {
        std::vector<std::string> prefix;
        std::deque<CommandResult> results;
        Responder responder;
    };
    std::vector<Script> scripts_;
    std::vector<Call> calls_;
};

}  // namespace ocfkit
