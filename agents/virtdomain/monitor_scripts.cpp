// Running monitor_scripts without a shell, bounded by the operation's deadline.
#include "monitor_scripts.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <thread>

#include <fmt/format.h>

namespace ocfkit::virtdomain {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

// The last non-empty lines of a program's output, short enough for an exit reason.
std::string output_tail(const CommandResult& r)
{
    std::string text = r.err.empty() ? r.out : r.out.empty() ? r.err : r.out + "\n" + r.err;
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
    std::replace(text.begin(), text.end(), '\n', ' ');
    if (text.size() > 300) text = "..." + text.substr(text.size() - 300);
    return text.empty() ? "no output" : text;
}

}  // namespace

Outcome run_monitor_scripts(Context& ctx, const Settings& s, const std::string& domain)
{
    for (const auto& script : s.monitor_scripts) {
        CommandSpec cmd;
        cmd.argv = {script};
        cmd.inherit_env = true;  // what VirtualDomain's scripts see: the agent's environment
        cmd.env["DOMAIN_NAME"] = domain;
        cmd.timeout = ctx.deadline.remaining();
        cmd.output_cap = 64 * 1024;
        CommandResult r = ctx.runner.run(cmd, ctx.deadline);
        if (r.status == CommandResult::Status::NotStarted)
            return {exit_code_for_spawn_errno(r.spawn_errno),
                    fmt::format("monitor script {} for domain {} cannot be run: {}", script, domain, std::strerror(r.spawn_errno))};
        if (!r.ok())
            return {ExitCode::ErrGeneric,
                    fmt::format("monitor script {} for domain {} failed ({}): {}", script, domain, r.describe(), output_tail(r))};
        ctx.log.debug("monitor script {} for domain {}: ok", script, domain);
    }
    return ExitCode::Success;
}

void wait_monitor_scripts(Context& ctx, const Settings& s, const std::string& domain)
{
    if (s.monitor_scripts.empty()) return;
    for (;;) {
        Outcome o = run_monitor_scripts(ctx, s, domain);
        if (o.ok()) return;
        if (o.code != ExitCode::ErrGeneric || ctx.deadline.remaining() < 1500ms)
            fail(o.code, "domain {} runs, but {}", domain, o.reason);
        std::this_thread::sleep_for(1s);
    }
}

}  // namespace ocfkit::virtdomain
