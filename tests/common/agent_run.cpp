// Runs an agent's action in process and captures its output (see agent_run.h).
#include "agent_run.h"

#include <cstdlib>

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

std::string full_exit_reason(std::string_view err)
{
    std::string line = exit_reason(err);
    if (!line.ends_with(kExitReasonShortened)) return line;
    std::string_view kept = std::string_view(line).substr(0, line.size() - kExitReasonShortened.size());
    // The latest log line that holds the kept start and ends in the code's name.
    std::size_t end = err.size();
    while (end > 0) {
        std::size_t begin = err.rfind('\n', end - 1);
        begin = begin == std::string_view::npos ? 0 : begin + 1;
        std::string_view l = err.substr(begin, end - begin);
        if (!l.empty() && l.back() == '\n') l.remove_suffix(1);
        end = begin == 0 ? 0 : begin - 1;
        auto at = l.find(kept);
        auto code = l.rfind(" (OCF_");
        if (l.starts_with("ocf-exit-reason:") || at == std::string_view::npos || code == std::string_view::npos ||
            code < at + kept.size() || l.back() != ')')
            continue;
        return std::string(l.substr(at, code - at));
    }
    return line;
}

void record_reason(std::string_view reason)
{
    const char* path = std::getenv("OCFKIT_TEST_REASONS");
    if (!path || !*path || reason.empty()) return;
    if (std::FILE* f = std::fopen(path, "ae")) {
        std::string line = std::to_string(reason.size()) + "\t" + std::string(reason) + "\n";
        std::fwrite(line.data(), 1, line.size(), f);
        std::fclose(f);
    }
}

ActionRun run_action(Agent& agent, std::string_view action, const Env& env, CommandRunner& runner,
                     ClusterAccess* cluster)
{
    ActionRun r;
    Logger log = Logger::to_string(&r.logs);
    std::FILE* out = std::tmpfile();
    std::FILE* err = std::tmpfile();
    r.code = dispatch(agent, action, env, runner, log, cluster, DispatchIo{out, err, &r.reason});
    r.out = read_and_close(out);
    r.err = read_and_close(err);
    r.reason_line = exit_reason(r.err);
    record_reason(r.reason);
    return r;
}

}  // namespace ocfkit::test
