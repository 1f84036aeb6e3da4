// Parameter values parsed and checked against an agent's table.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocfkit/env.h"
#include "ocfkit/exit_code.h"
#include "ocfkit/spec.h"

namespace ocfkit {

struct ParamProblem {
    std::string name;
    std::string message;  // a full sentence naming the parameter
    ExitCode code = ExitCode::ErrConfigured;
};

class Params {
public:
    // Reads OCF_RESKEY_<name> for every parameter of the table; never throws.
    static Params parse(const AgentSpec& spec, const Env& env);

    // Problems found while parsing (missing required, wrong type, failed check).
    const std::vector<ParamProblem>& problems() const { return problems_; }
    // Throws Failure for the first problem.
    void require_valid() const;

    bool is_set(std::string_view name) const;  // given by the admin (not a default)
    // Value or default; "" when neither. Throws Failure(ErrConfigured) for a required one missing.
    std::string str(std::string_view name) const;
    std::optional<std::string> opt(std::string_view name) const;  // value or default
    // The value (or default) cut at any of `separators`, empty pieces dropped; empty when
    // neither is set. For list parameters ("vg1 vg2", "-s 0 -q 1"); never throws.
    std::vector<std::string> list(std::string_view name, std::string_view separators = " \t\n") const;
    long long integer(std::string_view name) const;
    bool boolean(std::string_view name) const;

    const std::vector<std::string>& deprecated_used() const { return deprecated_used_; }

private:
    const AgentSpec* spec_ = nullptr;
    std::map<std::string, std::string, std::less<>> given_;
    std::vector<ParamProblem> problems_;
    std::vector<std::string> deprecated_used_;
};

}  // namespace ocfkit
