// virtdomain's one table: meta-data and parameter parsing both come from it.
#pragma once

#include "ocfkit/agent.h"

namespace ocfkit::virtdomain {

const AgentSpec& agent_spec();

}  // namespace ocfkit::virtdomain
