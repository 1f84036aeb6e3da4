// ocf:custom:controld: dlm_controld as an anonymous clone, lockspace-aware.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "dlm_tool_parse.h"
#include "ocfkit/agent.h"

namespace ocfkit::controld {

// How long DLM may wait for a node to be fenced with no fencing under way before monitor calls
// it stuck (dlm_controld retries failed fencing itself; this covers "nobody will ever fence").
inline constexpr std::chrono::seconds kFencingStallLimit{30};

// The monitor's verdict on a daemon that answered `dlm_tool status -v`.
Outcome assess_status(const dlm::DaemonStatus& status);

class ControldAgent final : public Agent {
public:
    const AgentSpec& spec() const override;
    Outcome validate(Context& ctx, ValidatePurpose purpose) override;
    Outcome start(Context& ctx) override;
    Outcome stop(Context& ctx) override;
    Outcome monitor(Context& ctx) override;
};

}  // namespace ocfkit::controld
