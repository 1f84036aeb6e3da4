// The test agent keeps its state in a file: "started" or "promoted", plus the reloaded message.
#include "test_agent.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace ocfkit::testagent {

namespace {

const AgentSpec kSpec{
    .name = "ocfkit-test",
    .version = "0.1.0",
    .shortdesc = "Test agent of the ocfkit suite",
    .longdesc = "Keeps its state in a file. Built only for ocfkit's tests; never installed.",
    .params =
        {
            {.name = "state",
             .shortdesc = "State file",
             .longdesc = "Absolute path of the file that records the state.",
             .required = true,
             .unique_group = "state",
             .check = check::absolute_path()},
            {.name = "mode",
             .type = ParamType::Select,
             .shortdesc = "Mode",
             .longdesc = "plain: a primitive; promotable: supports promote and demote.",
             .default_value = "plain",
             .choices = {"plain", "promotable"}},
            {.name = "helper",
             .shortdesc = "Program run by start and by deep monitors",
             .longdesc = "A program name looked up on PATH; its absence makes the resource not installable here.",
             .default_value = "true",
             .check = check::no_shell_meta()},
            {.name = "start_delay_ms",
             .type = ParamType::Integer,
             .shortdesc = "Delay in start",
             .longdesc = "Milliseconds start waits, bounded by the operation's deadline.",
             .default_value = "0",
             .check = check::integer_range(0, 3600000)},
            {.name = "message",
             .shortdesc = "A reloadable message",
             .longdesc = "Written to the state file; changing it needs no restart.",
             .default_value = "hello",
             .reloadable = true},
            {.name = "old_message",
             .shortdesc = "Deprecated name of message",
             .longdesc = "Use message.",
             .replaced_by = "message"},
        },
    .actions =
        {
            {.name = "start", .timeout_s = 20},
            {.name = "stop", .timeout_s = 20},
            {.name = "monitor", .timeout_s = 20, .interval_s = 10, .depth = 0},
            {.name = "monitor", .timeout_s = 20, .interval_s = 11, .depth = 0, .role = "Promoted"},
            {.name = "monitor", .timeout_s = 20, .interval_s = 12, .depth = 0, .role = "Unpromoted"},
            {.name = "promote", .timeout_s = 20},
            {.name = "demote", .timeout_s = 20},
            {.name = "notify", .timeout_s = 20},
            {.name = "reload-agent", .timeout_s = 20},
            {.name = "validate-all", .timeout_s = 20},
            {.name = "meta-data", .timeout_s = 5},
        },
};

std::string read_state(const std::string& path)
{
    std::ifstream in(path);
    std::string word;
    in >> word;
    return word;
}

void write_state(Context& ctx, const std::string& word)
{
    std::string path = ctx.params.str("state");
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    std::ofstream out(path, std::ios::trunc);
    out << word << "\n" << ctx.params.str("message") << "\n";
    if (!out) fail(ExitCode::ErrGeneric, "cannot write state file {}: {}", path, std::strerror(errno));
}

bool promotable(Context& ctx) { return ctx.params.str("mode") == "promotable"; }

}  // namespace

const AgentSpec& TestAgent::spec() const { return kSpec; }

Outcome TestAgent::validate(Context& ctx, ValidatePurpose purpose)
{
    std::string dir = std::filesystem::path(ctx.params.str("state")).parent_path();
    if (purpose == ValidatePurpose::Start || ctx.check_level >= 10) {
        CommandSpec c;
        c.argv = {ctx.params.str("helper")};
        c.timeout = std::chrono::seconds(5);
        run_checked(ctx.runner, c, ctx.deadline);
    }
    if (purpose == ValidatePurpose::Explicit && !dir.empty() && !std::filesystem::exists(dir) &&
        ctx.check_level >= 10)
        return {ExitCode::ErrInstalled, fmt::format("parameter 'state': directory {} does not exist", dir)};
    return ExitCode::Success;
}

Outcome TestAgent::start(Context& ctx)
{
    if (!read_state(ctx.params.str("state")).empty()) return ExitCode::Success;
    auto delay = std::chrono::milliseconds(ctx.params.integer("start_delay_ms"));
    if (delay > ctx.deadline.remaining())
        fail(ExitCode::ErrGeneric, "start needs {} ms but only {} ms remain before the deadline", delay.count(),
             ctx.deadline.remaining().count());
    std::this_thread::sleep_for(delay);
    write_state(ctx, "started");
    return ExitCode::Success;
}

Outcome TestAgent::stop(Context& ctx)
{
    // Stop never needs a valid configuration: without a state file nothing can be running.
    auto path = ctx.params.opt("state");
    if (!path || path->empty() || path->front() != '/') return ExitCode::Success;
    std::error_code ec;
    std::filesystem::remove(*path, ec);
    if (ec && ec != std::errc::no_such_file_or_directory)
        fail(ExitCode::ErrGeneric, "cannot remove state file {}: {}", *path, ec.message());
    return ExitCode::Success;
}

Outcome TestAgent::monitor(Context& ctx)
{
    std::string state = read_state(ctx.params.str("state"));
    if (state.empty()) return ExitCode::NotRunning;
    if (ctx.check_level >= 10) {
        CommandSpec c;
        c.argv = {ctx.params.str("helper")};
        run_checked(ctx.runner, c, ctx.deadline);
    }
    if (state == "promoted") return ExitCode::RunningPromoted;
    return ExitCode::Success;
}

Outcome TestAgent::promote(Context& ctx)
{
    if (!promotable(ctx)) fail(ExitCode::ErrConfigured, "parameter 'mode': promote needs mode=promotable");
    std::string state = read_state(ctx.params.str("state"));
    if (state.empty()) return {ExitCode::NotRunning, "cannot promote: not started"};
    write_state(ctx, "promoted");
    return ExitCode::Success;
}

Outcome TestAgent::demote(Context& ctx)
{
    if (!promotable(ctx)) fail(ExitCode::ErrConfigured, "parameter 'mode': demote needs mode=promotable");
    std::string state = read_state(ctx.params.str("state"));
    if (state.empty()) return {ExitCode::NotRunning, "cannot demote: not started"};
    write_state(ctx, "started");
    return ExitCode::Success;
}

Outcome TestAgent::notify(Context& ctx)
{
    ctx.log.info("notify {}-{}", ctx.env.meta("notify_type").value_or("?"),
                 ctx.env.meta("notify_operation").value_or("?"));
    return ExitCode::Success;
}

Outcome TestAgent::reload_agent(Context& ctx)
{
    std::string state = read_state(ctx.params.str("state"));
    if (!state.empty()) write_state(ctx, state);
    return ExitCode::Success;
}

}  // namespace ocfkit::testagent
