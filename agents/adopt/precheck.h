// Our agents' own validate-all, asked on this node before anything changes: a value our agent
// refuses (OCF_ERR_CONFIGURED) keeps its resource on the stock agent at plan time, with our
// agent's exit reason, instead of failing the new agent's probe during apply.
#pragma once

#include <string>
#include <string_view>

#include "ocfkit/command.h"
#include "plan.h"

namespace ocfkit::adopt {

// The validate-all call of our agent for `rp`, with the parameters and meta attributes it would
// get after conversion (argv only; the agent at OCF_ROOT/resource.d/PROVIDER/TYPE).
CommandSpec validate_spec(const ResourcePlan& rp, std::string_view ocf_root);

// What our agent's answer means. Only OCF_ERR_CONFIGURED (6) says "wrong on every node"; not
// installed (5), invalid argument (2), generic errors (1) and timeouts may be this node's own,
// so they are noted and the probes on every node decide.
struct ValidateVerdict {
    bool refuses = false;
    std::string text;  // the reason (refuses) or the note
};
ValidateVerdict judge_validate(const ResourcePlan& rp, const CommandResult& result);

// The ocf-exit-reason an agent printed on stderr ("" when none).
std::string exit_reason_of(std::string_view stderr_text);

// Runs validate-all for every converting resource of `plan`; refused ones stay, with the reason.
void validate_plan(Plan& plan, CommandRunner& runner, std::string_view ocf_root);

}  // namespace ocfkit::adopt
