// drbd-dual: DRBD as a promotable clone for dual-primary stacks (DLM, lvmlockd, GFS2).
#pragma once

#include "ocfkit/agent.h"

namespace ocfkit::drbd {

class DrbdDualAgent final : public Agent {
public:
    const AgentSpec& spec() const override;
    Outcome validate(Context& ctx, ValidatePurpose purpose) override;
    Outcome start(Context& ctx) override;
    Outcome stop(Context& ctx) override;
    Outcome monitor(Context& ctx) override;
    Outcome promote(Context& ctx) override;
    Outcome demote(Context& ctx) override;
    Outcome notify(Context& ctx) override;
    Outcome reload_agent(Context& ctx) override;
};

}  // namespace ocfkit::drbd
