// The one declarative table per agent: meta-data and parameter validation both come from it.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocfkit/exit_code.h"

namespace ocfkit {

enum class ParamType { String, Integer, Boolean, Select };

// Returns an error message when the value is unacceptable, nothing when it is fine.
using ParamCheck = std::function<std::optional<std::string>(std::string_view value)>;

struct ParamSpec {
    std::string name;
    ParamType type = ParamType::String;
    std::string shortdesc;
    std::string longdesc;
    std::optional<std::string> default_value{};
    bool required = false;
    std::string unique_group{};      // OCF 1.1; in the 1.0 dialect a group implies unique="1"
    bool reloadable = false;
    std::string replaced_by{};       // set: this name is a deprecated alias of that parameter
    std::vector<std::string> choices{};  // for Select
    ParamCheck check{};              // syntax only: must not touch the system
};

struct ActionSpec {
    std::string name;
    int timeout_s = 20;
    int interval_s = 0;   // 0: not a recurring action
    std::optional<int> depth{};
    std::string role{};   // "Promoted" / "Unpromoted"
};

struct AgentSpec {
    std::string name;
    std::string version;
    std::string shortdesc;
    std::string longdesc;
    std::vector<ParamSpec> params;
    std::vector<ActionSpec> actions;

    const ParamSpec* param(std::string_view name) const;
    const ActionSpec* action(std::string_view name) const;  // first declaration of that name
    bool declares(std::string_view action_name) const;
    bool has_reloadable() const;
    // The advertised timeout for an action, 20 s when it is not declared.
    std::chrono::seconds advertised_timeout(std::string_view action_name) const;
};

// Ready-made syntax checks for the table.
namespace check {
ParamCheck absolute_path();
ParamCheck integer_range(long long min, long long max);
ParamCheck signal_name();     // "TERM", "SIGKILL", "15"
ParamCheck no_shell_meta();   // refuses characters that only make sense to a shell
ParamCheck max_length(std::size_t n);
ParamCheck all_of(std::vector<ParamCheck> checks);
}  // namespace check

// Signal number for "TERM", "SIGTERM", "15"; nothing when unknown.
std::optional<int> signal_from_name(std::string_view text);

}  // namespace ocfkit
