// A small agent built only for the tests: exercises the dispatcher through a real process.
#pragma once

#include "ocfkit/agent.h"

namespace ocfkit::testagent {

class TestAgent final : public Agent {
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

}  // namespace ocfkit::testagent
