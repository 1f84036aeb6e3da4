// Table look-ups and the ready-made parameter checks.
#include "ocfkit/spec.h"

#include <csignal>
#include <cstring>

#include <fmt/format.h>

#include "ocfkit/env.h"

namespace ocfkit {

const ParamSpec* AgentSpec::param(std::string_view n) const
{
    for (const auto& p : params)
        if (p.name == n) return &p;
    return nullptr;
}

const ActionSpec* AgentSpec::action(std::string_view n) const
{
    for (const auto& a : actions)
        if (a.name == n) return &a;
    return nullptr;
}

bool AgentSpec::declares(std::string_view n) const { return action(n) != nullptr; }

bool AgentSpec::has_reloadable() const
{
    for (const auto& p : params)
        if (p.reloadable) return true;
    return false;
}

std::chrono::seconds AgentSpec::advertised_timeout(std::string_view n) const
{
    const ActionSpec* a = action(n);
    return std::chrono::seconds(a ? a->timeout_s : 20);
}

namespace {

struct SignalName {
    const char* name;
    int number;
};

constexpr SignalName kSignals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"KILL", SIGKILL}, {"USR1", SIGUSR1},
    {"USR2", SIGUSR2}, {"TERM", SIGTERM}, {"CONT", SIGCONT}, {"STOP", SIGSTOP}, {"ABRT", SIGABRT},
    {"ALRM", SIGALRM},
};

}  // namespace

std::optional<int> signal_from_name(std::string_view text)
{
    if (text.empty()) return std::nullopt;
    if (auto n = parse_int(text)) {
        if (*n >= 1 && *n <= 64) return static_cast<int>(*n);
        return std::nullopt;
    }
    if (text.substr(0, 3) == "SIG") text.remove_prefix(3);
    for (const auto& s : kSignals)
        if (text == s.name) return s.number;
    return std::nullopt;
}

namespace check {

ParamCheck absolute_path()
{
    return [](std::string_view v) -> std::optional<std::string> {
        if (v.empty() || v.front() != '/') return fmt::format("'{}' is not an absolute path", v);
        if (v.find('\n') != std::string_view::npos || v.find('\0') != std::string_view::npos)
            return std::string("the path contains a newline or NUL byte");
        if (v.size() > 4095) return std::string("the path is longer than PATH_MAX (4095)");
        return std::nullopt;
    };
}

ParamCheck integer_range(long long min, long long max)
{
    return [min, max](std::string_view v) -> std::optional<std::string> {
        auto n = parse_int(v);
        if (!n) return fmt::format("'{}' is not an integer", v);
        if (*n < min || *n > max) return fmt::format("{} is outside {}..{}", *n, min, max);
        return std::nullopt;
    };
}

ParamCheck signal_name()
{
    return [](std::string_view v) -> std::optional<std::string> {
        if (!signal_from_name(v)) return fmt::format("'{}' is not a signal name or number", v);
        return std::nullopt;
    };
}

ParamCheck no_shell_meta()
{
    return [](std::string_view v) -> std::optional<std::string> {
        for (char c : v) {
            if (std::strchr(";&|`$<>\\\"'*?(){}[]!\n\r\t", c) != nullptr || c == '\0')
                return fmt::format("'{}' contains the character '{}', which is not allowed here",
                                   v, c == '\n' ? std::string("\\n") : std::string(1, c));
        }
        return std::nullopt;
    };
}

ParamCheck max_length(std::size_t n)
{
    return [n](std::string_view v) -> std::optional<std::string> {
        if (v.size() > n) return fmt::format("the value is {} characters long; at most {} are allowed", v.size(), n);
        return std::nullopt;
    };
}

ParamCheck all_of(std::vector<ParamCheck> checks)
{
    return [checks = std::move(checks)](std::string_view v) -> std::optional<std::string> {
        for (const auto& c : checks)
            if (c)
                if (auto e = c(v)) return e;
        return std::nullopt;
    };
}

}  // namespace check
}  // namespace ocfkit
