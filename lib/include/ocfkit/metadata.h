// Meta-data XML generated from an agent's table.
#pragma once

#include <string>

#include "ocfkit/spec.h"

namespace ocfkit {

enum class MetadataDialect {
    // Valid against resource-agents' ra-api-1.dtd (with DOCTYPE) and metadata.rng: what
    // ocf-tester and older tools read. 1.1-only features are folded into descriptions.
    Ocf10,
    // OCF 1.1 as Pacemaker's executor asks for it: reload-agent, reloadable, select,
    // deprecated/replaced-with, unique-group.
    Ocf11,
};

std::string render_metadata(const AgentSpec& spec, MetadataDialect dialect);

}  // namespace ocfkit
