// Plan rendering. The JSON is written by hand: a flat, stable shape, no library needed.
#include "render.h"

#include <fmt/format.h>

#include "ocfkit/parse/json.h"

namespace ocfkit::adopt {

namespace {

std::string op_text(const OpDef& op)
{
    std::string s = op.name;
    for (const auto& [k, v] : op.attrs) s += fmt::format(" {}={}", k, v);
    return s;
}

std::string where(const ResourcePlan& r)
{
    return r.parent.empty() ? std::string() : fmt::format(" in {} {}", r.parent_kind, r.parent);
}

}  // namespace

std::string json_string(std::string_view s) { return parse::json_quote(s); }

std::string render_plan_text(const Plan& plan)
{
    std::string out;
    for (const auto& r : plan.resources) {
        out += fmt::format("{}{}: {} -> {}: {}\n", r.id, where(r), r.stock_agent, r.new_agent,
                           r.converts ? "converts" : "STAYS on its stock agent");
        for (const auto& why : r.reasons) out += fmt::format("  why it stays: {}\n", why);
        for (const auto& note : r.notes) out += fmt::format("  checked: {}\n", note);
        for (const auto& p : r.params) {
            std::string lhs = p.action == ParamAction::Added ? p.new_name
                              : p.from_default ? fmt::format("{} (not set, stock default {})", p.name, p.value)
                                               : fmt::format("{}={}", p.name, p.value);
            std::string rhs;
            switch (p.action) {
            case ParamAction::Same:
                rhs = p.new_value == p.value ? "same" : fmt::format("same name, value {}", p.new_value);
                break;
            case ParamAction::Renamed: rhs = fmt::format("renamed: {}={}", p.new_name, p.new_value); break;
            case ParamAction::Dropped: rhs = fmt::format("dropped: {}", p.why); break;
            case ParamAction::Unsupported: rhs = fmt::format("UNSUPPORTED: {}", p.why); break;
            case ParamAction::Added: rhs = fmt::format("added as {} ({})", p.new_value, p.why); break;
            }
            out += fmt::format("  param {}: {}\n", lhs, rhs);
        }
        for (const auto& op : r.ops) out += fmt::format("  op kept: {}\n", op_text(op));
        for (const auto& [k, v] : r.meta) out += fmt::format("  meta kept: {}={}\n", k, v);
    }
    if (plan.resources.empty()) out += "no resource uses a stock agent that ocfkit replaces\n";
    out += fmt::format("{} convert, {} stay", plan.converting(), plan.staying());
    if (!plan.other_agents.empty()) out += fmt::format(", {} other resources untouched", plan.other_agents.size());
    out += "\n";
    return out;
}

std::string render_plan_json(const Plan& plan)
{
    std::string out = "{\n  \"resources\": [";
    bool first = true;
    for (const auto& r : plan.resources) {
        out += first ? "\n" : ",\n";
        first = false;
        out += fmt::format("    {{\"id\": {}, \"parent\": {}, \"parent_kind\": {}, \"top\": {}, \"agent\": {}, "
                           "\"new_agent\": {}, \"converts\": {},\n",
                           json_string(r.id), r.parent.empty() ? "null" : json_string(r.parent),
                           r.parent_kind.empty() ? "null" : json_string(r.parent_kind), json_string(r.top),
                           json_string(r.stock_agent), json_string(r.new_agent), r.converts ? "true" : "false");
        out += "     \"reasons\": [";
        for (std::size_t i = 0; i < r.reasons.size(); ++i) out += (i ? ", " : "") + json_string(r.reasons[i]);
        out += "],\n     \"notes\": [";
        for (std::size_t i = 0; i < r.notes.size(); ++i) out += (i ? ", " : "") + json_string(r.notes[i]);
        out += "],\n     \"params\": [";
        for (std::size_t i = 0; i < r.params.size(); ++i) {
            const auto& p = r.params[i];
            out += fmt::format("{}\n       {{\"action\": {}, \"set\": {}, \"name\": {}, \"value\": {}, \"new_name\": {}, "
                               "\"new_value\": {}, \"why\": {}, \"stock_default\": {}}}",
                               i ? "," : "", json_string(to_string(p.action)),
                               p.set_id.empty() ? "null" : json_string(p.set_id),
                               p.name.empty() ? "null" : json_string(p.name),
                               p.action == ParamAction::Added ? "null" : json_string(p.value),
                               p.new_name.empty() ? "null" : json_string(p.new_name),
                               p.new_name.empty() ? "null" : json_string(p.new_value),
                               p.why.empty() ? "null" : json_string(p.why), p.from_default ? "true" : "false");
        }
        out += "],\n     \"ops\": [";
        for (std::size_t i = 0; i < r.ops.size(); ++i) {
            out += fmt::format("{}{{\"name\": {}", i ? ", " : "", json_string(r.ops[i].name));
            for (const auto& [k, v] : r.ops[i].attrs) out += fmt::format(", {}: {}", json_string(k), json_string(v));
            out += "}";
        }
        out += "],\n     \"meta\": {";
        for (std::size_t i = 0; i < r.meta.size(); ++i)
            out += fmt::format("{}{}: {}", i ? ", " : "", json_string(r.meta[i].first), json_string(r.meta[i].second));
        out += "}}";
    }
    out += first ? "],\n" : "\n  ],\n";
    out += fmt::format("  \"convert\": {},\n  \"stay\": {},\n  \"untouched\": [", plan.converting(), plan.staying());
    for (std::size_t i = 0; i < plan.other_agents.size(); ++i) out += (i ? ", " : "") + json_string(plan.other_agents[i]);
    out += "]\n}\n";
    return out;
}

}  // namespace ocfkit::adopt
