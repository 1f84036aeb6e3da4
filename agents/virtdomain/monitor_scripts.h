// monitor_scripts: programs that check the services inside the guest.
#pragma once

#include <string>

#include "ocfkit/agent.h"
#include "settings.h"

namespace ocfkit::virtdomain {

// Runs the scripts in order; the first failure as an Outcome (1, or 5/4 when it cannot be run).
Outcome run_monitor_scripts(Context& ctx, const Settings& s, const std::string& domain);

// start and migrate_from: the guest runs; wait until its services answer too (or the deadline).
void wait_monitor_scripts(Context& ctx, const Settings& s, const std::string& domain);

}  // namespace ocfkit::virtdomain
