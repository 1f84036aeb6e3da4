// Command descriptions, outcomes and the checked-run helper shared by all runners.
#include "ocfkit/command.h"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

namespace ocfkit {

namespace {

std::string quote(const std::string& arg)
{
    if (!arg.empty() && arg.find_first_of(" \t\n'\"\\$`;&|<>*?()[]{}!#~") == std::string::npos) return arg;
    std::string out = "'";
    for (char c : arg) {
        if (c == '\'') out += "'\\''";
        else out += c;
    }
    return out + "'";
}

}  // namespace

std::string one_line(std::string_view text, std::size_t max)
{
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r')) text.remove_suffix(1);
    while (!text.empty() && (text.front() == '\n' || text.front() == ' ')) text.remove_prefix(1);
    std::string out;
    for (char c : text) out += (c == '\n') ? ' ' : c;  // the exit reason must stay one line
    if (out.size() > max) out = out.substr(0, max) + "...";
    return out;
}

std::string CommandSpec::display() const
{
    std::string out;
    for (const auto& a : argv) {
        if (!out.empty()) out += ' ';
        out += quote(a);
    }
    return out;
}

std::map<std::string, std::string> clean_base_env()
{
    // The agent's own PATH comes first (Pacemaker's, or fake tools in tests), then the system
    // directories so sbin tools are found even from a minimal PATH.
    static const char* const kSystem[] = {"/sbin", "/usr/sbin", "/bin", "/usr/bin"};
    std::string path;
    auto add = [&](std::string_view dir) {
        if (dir.empty()) return;
        std::string padded = ":" + path + ":";
        if (padded.find(fmt::format(":{}:", dir)) != std::string::npos) return;
        if (!path.empty()) path += ':';
        path += dir;
    };
    if (const char* own = std::getenv("PATH")) {
        std::string_view rest(own);
        while (!rest.empty()) {
            auto colon = rest.find(':');
            add(rest.substr(0, colon));
            if (colon == std::string_view::npos) break;
            rest.remove_prefix(colon + 1);
        }
    }
    for (const char* d : kSystem) add(d);
    return {{"PATH", path}, {"LC_ALL", "C"}};
}

std::string child_path(const CommandSpec& spec)
{
    if (auto it = spec.env.find("PATH"); it != spec.env.end()) return it->second;
    if (spec.inherit_env) {
        if (const char* p = std::getenv("PATH")) return p;
    }
    return clean_base_env().at("PATH");
}

std::string CommandResult::describe() const
{
    switch (status) {
    case Status::Exited: return fmt::format("exit code {}", exit_code);
    case Status::Signalled: {
        const char* name = sigabbrev_np(signal);
        return name ? fmt::format("killed by signal {} ({})", signal, name) : fmt::format("killed by signal {}", signal);
    }
    case Status::TimedOut:
        if (abandoned_pid > 0)
            return fmt::format("timed out after {} ms and was killed, but pid {} did not end (state {}) and was left "
                               "behind",
                               elapsed.count(), abandoned_pid, abandoned_state);
        return fmt::format("timed out after {} ms and was killed", elapsed.count());
    case Status::NotStarted:
        return fmt::format("could not be started: {}", std::strerror(spawn_errno));
    }
    return "unknown outcome";
}

ExitCode exit_code_for_spawn_errno(int err)
{
    switch (err) {
    case ENOENT:
    case ENOTDIR: return ExitCode::ErrInstalled;
    case EACCES:
    case EPERM: return ExitCode::ErrPerm;
    default: return ExitCode::ErrGeneric;
    }
}

std::string failure_message(const CommandSpec& spec, const CommandResult& result)
{
    std::string msg = fmt::format("'{}' {}", spec.display(), result.describe());
    std::string err = one_line(result.err, 300);
    if (err.empty() && result.status == CommandResult::Status::Exited) err = one_line(result.out, 200);
    if (!err.empty()) msg += ": " + err;
    return msg;
}

CommandResult run_checked(CommandRunner& runner, const CommandSpec& spec, const Deadline& deadline, ExitCode code)
{
    CommandResult r = runner.run(spec, deadline);
    if (r.ok()) return r;
    ExitCode c = r.status == CommandResult::Status::NotStarted ? exit_code_for_spawn_errno(r.spawn_errno) : code;
    throw Failure(c, failure_message(spec, r));
}

}  // namespace ocfkit
