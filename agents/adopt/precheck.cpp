// Our agents' validate-all at plan time (see precheck.h).
#include "precheck.h"

#include <fmt/format.h>

#include "ocfkit/deadline.h"

namespace ocfkit::adopt {

namespace {

using namespace std::chrono_literals;

constexpr auto kValidateTimeout = 30s;

std::string meta_env_name(std::string_view name)
{
    std::string out = "OCF_RESKEY_CRM_meta_";
    for (char c : name) out += c == '-' ? '_' : c;
    return out;
}

std::string rc_text(int rc)
{
    switch (rc) {
    case 1: return "generic error";
    case 2: return "invalid argument";
    case 3: return "unimplemented";
    case 4: return "insufficient privileges";
    case 5: return "not installed";
    case 6: return "not configured";
    case 7: return "not running";
    }
    return "unexpected";
}

}  // namespace

CommandSpec validate_spec(const ResourcePlan& rp, std::string_view ocf_root)
{
    auto colon = rp.new_agent.rfind(':');
    auto first = rp.new_agent.find(':');
    std::string type = rp.new_agent.substr(colon + 1);
    std::string provider = rp.new_agent.substr(first + 1, colon - first - 1);
    CommandSpec spec{.argv = {fmt::format("{}/resource.d/{}/{}", ocf_root, provider, type), "validate-all"},
                     .timeout = kValidateTimeout};
    spec.env = {{"OCF_ROOT", std::string(ocf_root)},
                {"OCF_RA_VERSION_MAJOR", "1"},
                {"OCF_RA_VERSION_MINOR", "1"},
                {"OCF_RESOURCE_INSTANCE", rp.id},
                {"OCF_RESOURCE_TYPE", type},
                {"OCF_RESOURCE_PROVIDER", provider},
                {"OCF_CHECK_LEVEL", "0"},
                {"OCF_RESKEY_CRM_meta_timeout", std::to_string(std::chrono::milliseconds(kValidateTimeout).count())}};
    // As Pacemaker passes them: rsc_defaults, the clone's meta attributes, then the primitive's own.
    for (const auto& [k, v] : rp.inherited_meta) spec.env[meta_env_name(k)] = v;
    for (const auto& [k, v] : rp.meta) spec.env[meta_env_name(k)] = v;
    // The first value of a parameter wins: rule-less sets come first in the usual CIB.
    for (const auto& p : rp.params) {
        if (p.new_name.empty() || p.action == ParamAction::Dropped || p.action == ParamAction::Unsupported) continue;
        spec.env.emplace("OCF_RESKEY_" + p.new_name, p.new_value);
    }
    return spec;
}

std::string exit_reason_of(std::string_view text)
{
    constexpr std::string_view kTag = "ocf-exit-reason:";
    std::string found;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        if (auto at = line.find(kTag); at != std::string_view::npos) found = std::string(line.substr(at + kTag.size()));
        pos = end + 1;
    }
    return one_line(found, 400);
}

ValidateVerdict judge_validate(const ResourcePlan& rp, const CommandResult& r)
{
    std::string reason = exit_reason_of(r.err);
    if (reason.empty()) reason = exit_reason_of(r.out);
    auto tail = reason.empty() ? std::string() : ": " + reason;
    if (r.status == CommandResult::Status::NotStarted)
        return {false, fmt::format("{} is not installed on this node ({}): not validated here; its probe decides",
                                   rp.new_agent, r.describe())};
    if (r.status != CommandResult::Status::Exited)
        return {false, fmt::format("{} validate-all on this node did not finish: {}; its probe decides", rp.new_agent,
                                   r.describe())};
    if (r.exit_code == 0) return {false, fmt::format("{} validate-all accepts these parameters (on this node)", rp.new_agent)};
    if (r.exit_code == 6)
        return {true, fmt::format("{} refuses these parameters (validate-all: not configured){}", rp.new_agent, tail)};
    return {false, fmt::format("{} validate-all on this node: rc {} ({}){}; that may be this node's alone: the probes decide",
                               rp.new_agent, r.exit_code, rc_text(r.exit_code), tail)};
}

void validate_plan(Plan& plan, CommandRunner& runner, std::string_view ocf_root)
{
    for (auto& rp : plan.resources) {
        if (!rp.converts) continue;
        CommandSpec spec = validate_spec(rp, ocf_root);
        CommandResult r = runner.run(spec, Deadline::after(kValidateTimeout + 5s));
        ValidateVerdict v = judge_validate(rp, r);
        if (v.refuses) {
            rp.reasons.push_back(v.text);
            rp.converts = false;
        } else {
            rp.notes.push_back(v.text);
        }
    }
}

}  // namespace ocfkit::adopt
