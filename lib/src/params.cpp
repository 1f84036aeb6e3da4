// Parsing OCF_RESKEY_* against the table, collecting every problem instead of stopping at one.
#include "ocfkit/params.h"

#include <fmt/format.h>

#include "ocfkit/parse/text.h"

namespace ocfkit {

namespace {

std::optional<std::string> type_problem(const ParamSpec& p, std::string_view value)
{
    switch (p.type) {
    case ParamType::String: return std::nullopt;
    case ParamType::Integer:
        if (!parse_int(value)) return fmt::format("'{}' is not an integer", value);
        return std::nullopt;
    case ParamType::Boolean:
        if (!parse_bool(value)) return fmt::format("'{}' is not a boolean (use true or false)", value);
        return std::nullopt;
    case ParamType::Select:
        for (const auto& c : p.choices)
            if (c == value) return std::nullopt;
        return fmt::format("'{}' is not one of: {}", value, fmt::join(p.choices, ", "));
    }
    return std::nullopt;
}

}  // namespace

Params Params::parse(const AgentSpec& spec, const Env& env)
{
    Params out;
    out.spec_ = &spec;
    for (const auto& p : spec.params) {
        if (auto v = env.reskey(p.name)) {
            if (!p.replaced_by.empty()) {
                out.deprecated_used_.push_back(p.name);
                // The alias counts only when the new name is not given.
                if (!env.reskey(p.replaced_by)) out.given_[p.replaced_by] = *v;
                continue;
            }
            if (!out.given_.count(p.name)) out.given_[p.name] = *v;
        }
    }
    for (const auto& p : spec.params) {
        if (!p.replaced_by.empty()) continue;
        auto it = out.given_.find(p.name);
        // An empty value is how pcs and crm shells express "unset".
        if (it != out.given_.end() && it->second.empty() && p.type != ParamType::String) {
            out.given_.erase(it);
            it = out.given_.end();
        }
        if (it == out.given_.end()) {
            if (p.required)
                out.problems_.push_back({p.name, fmt::format("parameter '{}' is required but not set", p.name),
                                         ExitCode::ErrConfigured});
            continue;
        }
        if (auto e = type_problem(p, it->second)) {
            out.problems_.push_back({p.name, fmt::format("parameter '{}': {}", p.name, *e), ExitCode::ErrConfigured});
            continue;
        }
        if (p.check) {
            if (auto e = p.check(it->second))
                out.problems_.push_back({p.name, fmt::format("parameter '{}': {}", p.name, *e), ExitCode::ErrConfigured});
        }
    }
    return out;
}

void Params::require_valid() const
{
    if (!problems_.empty()) throw Failure(problems_.front().code, problems_.front().message);
}

bool Params::is_set(std::string_view name) const { return given_.find(name) != given_.end(); }

std::optional<std::string> Params::opt(std::string_view name) const
{
    auto it = given_.find(name);
    if (it != given_.end()) return it->second;
    const ParamSpec* p = spec_ ? spec_->param(name) : nullptr;
    if (p && p->default_value) return *p->default_value;
    return std::nullopt;
}

std::vector<std::string> Params::list(std::string_view name, std::string_view separators) const
{
    std::vector<std::string> out;
    const std::string value = opt(name).value_or("");
    for (auto piece : parse::split_any(value, separators)) out.emplace_back(piece);
    return out;
}

std::string Params::str(std::string_view name) const
{
    auto v = opt(name);
    if (v) return *v;
    const ParamSpec* p = spec_ ? spec_->param(name) : nullptr;
    if (p && p->required) fail(ExitCode::ErrConfigured, "parameter '{}' is required but not set", name);
    return {};
}

long long Params::integer(std::string_view name) const
{
    auto v = opt(name);
    if (!v) fail(ExitCode::ErrConfigured, "parameter '{}' is required but not set", name);
    auto n = parse_int(*v);
    if (!n) fail(ExitCode::ErrConfigured, "parameter '{}': '{}' is not an integer", name, *v);
    return *n;
}

bool Params::boolean(std::string_view name) const
{
    auto v = opt(name);
    if (!v) return false;
    auto b = parse_bool(*v);
    if (!b) fail(ExitCode::ErrConfigured, "parameter '{}': '{}' is not a boolean (use true or false)", name, *v);
    return *b;
}

}  // namespace ocfkit
