// Scripted command results for agent tests, with a transcript of every call.
#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

#include "ocfkit/command.h"

namespace ocfkit {

namespace {

bool starts_with(const std::vector<std::string>& argv, const std::vector<std::string>& prefix)
{
    if (prefix.size() > argv.size()) return false;
    return std::equal(prefix.begin(), prefix.end(), argv.begin());
}

}  // namespace

void FakeRunner::expect(std::vector<std::string> prefix, CommandResult result)
{
    for (auto& s : scripts_) {
        if (s.prefix == prefix && !s.responder) {
            s.results.push_back(std::move(result));
            return;
        }
    }
    scripts_.push_back({std::move(prefix), {std::move(result)}, {}});
}

void FakeRunner::on(std::vector<std::string> prefix, Responder responder)
{
    scripts_.push_back({std::move(prefix), {}, std::move(responder)});
}

CommandResult FakeRunner::exited(int code, std::string out, std::string err)
{
    CommandResult r;
    r.status = CommandResult::Status::Exited;
    r.exit_code = code;
    r.out = std::move(out);
    r.err = std::move(err);
    return r;
}

CommandResult FakeRunner::not_found()
{
    CommandResult r;
    r.status = CommandResult::Status::NotStarted;
    r.spawn_errno = ENOENT;
    return r;
}

CommandResult FakeRunner::timed_out()
{
    CommandResult r;
    r.status = CommandResult::Status::TimedOut;
    r.signal = 9;
    return r;
}

CommandResult FakeRunner::run(const CommandSpec& spec, const Deadline& deadline)
{
    calls_.push_back({spec.argv, spec.stdin_data, deadline.clamp(spec.timeout)});
    // The longest matching prefix wins, so specific answers override general ones.
    Script* best = nullptr;
    for (auto& s : scripts_)
        if (starts_with(spec.argv, s.prefix) && (!best || s.prefix.size() > best->prefix.size())) best = &s;
    if (!best) return not_found();
    if (best->responder) return best->responder(spec);
    CommandResult r = best->results.front();
    if (best->results.size() > 1) best->results.pop_front();
    return r;
}

std::vector<std::string> FakeRunner::call_lines() const
{
    std::vector<std::string> out;
    for (const auto& c : calls_) out.push_back(fmt::format("{}", fmt::join(c.argv, " ")));
    return out;
}

std::size_t FakeRunner::count(std::string_view program) const
{
    return static_cast<std::size_t>(std::count_if(calls_.begin(), calls_.end(), [&](const Call& c) {
        return !c.argv.empty() && c.argv.front() == program;
    }));
}

}  // namespace ocfkit
