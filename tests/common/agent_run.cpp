// Runs an agent's action in process and captures its output (see agent_run.h).
#include "agent_run.h"

#include "ocfkit/log.h"

namespace ocfkit::test {

std::string read_and_close(std::FILE* f)
{
    std::rewind(f);
    std::string s;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
    std::fclose(f);
    return s;
}

std::string exit_reason(std::string_view err)
{
    constexpr std::string_view prefix = "ocf-exit-reason:";
    auto pos = err.rfind(prefix);
    while (pos != std::string_view::npos && pos != 0 && err[pos - 1] != '\n') pos = err.rfind(prefix, pos - 1);
    if (pos == std::string_view::npos) return {};
    auto start = pos + prefix.size();
    return std::string(err.substr(start, err.find('\n', start) - start));
}

ActionRun run_action(Agent& agent, std::string_view action, const Env& env, CommandRunner& runner,
                     ClusterAccess* cluster)
{
    ActionRun r;
    Logger log = Logger::to_string(&r.logs);
    std::FILE* out = std::tmpfile();
    std::FILE* err = std::tmpfile();
    r.code = dispatch(agent, action, env, runner, log, cluster, DispatchIo{out, err});
    r.out = read_and_close(out);
    r.err = read_and_close(err);
    r.reason = exit_reason(r.err);
    return r;
}

}  // namespace ocfkit::test
