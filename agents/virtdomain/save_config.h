// save_config_on_stop / sync_config_on_stop: the domain's definition back into 'config'.
#pragma once

#include "hypervisor.h"
#include "ocfkit/agent.h"
#include "settings.h"

namespace ocfkit::virtdomain {

// The domain's definition back into `config` (when it changed), then csync2 if asked for.
// Never fails the operation: the guest's fate does not depend on it.
void save_config(Context& ctx, const Settings& s, Connection& c, const DomainRef& ref);

}  // namespace ocfkit::virtdomain
