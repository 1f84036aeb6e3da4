// What each stock agent's parameters become under ocfkit's agent: one table per stock agent, as
// data, checked against the stock agents' own meta-data by tests/agents/adopt.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ocfkit::adopt {

enum class RuleKind {
    Same,         // carried over under the same name
    Rename,       // carried over as `target`
    Drop,         // removed: our agent always behaves as the stock agent does with this value
    Unsupported,  // a resource that sets it stays on its stock agent
};

// How a stock value is read before it is compared with a rule's accepted values.
enum class ValueType {
    Text,     // compared as written (case-insensitively)
    OcfBool,  // as the shell agents' ocf_is_true reads it: y, yes, t, true, on, 1 are true, anything else false
    Integer,  // must be a decimal integer; carried as written
    Word,     // one word (no blanks): the stock agent takes a list where ours takes one item
};

// A stock value a rule accepts, and what our agent gets for it (empty: the value unchanged).
struct AcceptedValue {
    std::string_view stock;
    std::string_view ours = {};
};

struct ParamRule {
    std::string_view stock;
    RuleKind kind;
    std::string_view target = {};  // Same: equals `stock`; Rename: our name; else empty
    std::string_view why = {};     // Drop and Unsupported: why; for others, why values are limited
    ValueType type = ValueType::Text;
    // Empty: every value. Otherwise only these (a value outside them makes the resource stay,
    // with `why`); for OcfBool the entries are "true"/"false".
    std::span<const AcceptedValue> accepted = {};
};

// A parameter our agent must be given because its default differs from what the stock agent does.
struct FixedParam {
    std::string_view name;
    std::string_view value;
    std::string_view why;
};

// A stock default that matters when the CIB does not set the parameter: judged as if written.
struct StockDefault {
    std::string_view name;
    std::string_view value;
};

struct AgentMapping {
    std::string_view stock;    // "ocf:heartbeat:Filesystem"
    std::string_view target;   // our agent's name: "gfs2fs"
    std::span<const ParamRule> rules;
    std::span<const FixedParam> fixed = {};
    std::span<const StockDefault> defaults = {};
    // Set when no resource of this agent can convert on its own, whatever its parameters.
    std::string_view blocker = {};
    // Our parameter that gets the stock resource's monitor timeout (whole seconds, within
    // [min, max]), and why; empty: none.
    std::string_view from_monitor_timeout = {};
    long long monitor_timeout_min = 0, monitor_timeout_max = 0;
    std::string_view monitor_timeout_why = {};
};

std::span<const AgentMapping> agent_mappings();
// The table for "class:provider:type"; nothing for agents ocfkit does not replace.
const AgentMapping* find_mapping(std::string_view stock_agent);
const ParamRule* find_rule(const AgentMapping& mapping, std::string_view stock_param);

// A Pacemaker duration ("30s", "2min", "500ms", "20": seconds) in milliseconds; nothing when
// Pacemaker would not read it either.
std::optional<long long> duration_ms(std::string_view text);

// ocf_is_true of the shell agents.
bool ocf_is_true(std::string_view value);

struct ValueVerdict {
    bool ok = false;
    std::string value;   // what our agent gets (ok)
    std::string reason;  // why not (not ok)
};
// Whether `rule` carries this value, and as what.
ValueVerdict judge_value(const ParamRule& rule, std::string_view value);

std::string_view to_string(RuleKind kind);

}  // namespace ocfkit::adopt
