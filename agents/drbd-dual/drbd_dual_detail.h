// Helpers shared by the files of the drbd-dual agent (not part of its interface): parameter and
// configuration checks, reading the resource's state, making it Secondary.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drbd_dual_agent.h"
#include "drbd_node.h"
#include "health.h"
#include "ocfkit/agent.h"
#include "operation.h"

namespace ocfkit::drbd {

// ---- waits (operation.cpp) ----------------------------------------------------------------------

// Retry loops stop this long before the deadline, so their last report is a DRBD answer and
// not a status read the deadline cut short.
Deadline::Clock::time_point retry_until(const Context& ctx);

// ---- parameter and configuration checks (config_checks.cpp) ------------------------------------

bool meta_given(const Env& env, std::string_view name);
std::string fencing_of(const DrbdConfig& cfg, const std::string& resource);
// The configuration checks promoted_max=2 needs; each missing item named exactly.
std::vector<std::string> dual_primary_gaps(const ConfigResource& r);
// Pacemaker passes every clone meta attribute; outside a cluster (drbd-reactor, by hand) none.
bool under_clone(const Env& env);
// The ocf:linbit:drbd parameters drbd-dual accepts only where they mean something.
std::optional<std::string> meaningless_parameter(const Context& ctx);
// The single-primary parameters act only below promoted-max=2 (validate refuses them there).
bool single_primary_option(const Context& ctx, std::string_view name);
// require_drbd_module_version_ge/_lt against the loaded module.
Outcome check_module_version(Context& ctx, const ProcDrbd& p);

// ---- the resource's state (resource_state.cpp) -------------------------------------------------

bool attached(const ResourceStatus& st);
bool connected(const ResourceStatus& st);
bool up_to_date(const ResourceStatus& st);
std::optional<std::string> failed_local_disk(const ResourceStatus& st);
bool any_standalone(const ResourceStatus& st);
// A StandAlone connection remembered until the peer is Connected again (split-brain suspected).
void remember_standalone(DrbdNode& node, const ResourceStatus& st, Verdict& v);

// ---- making it Secondary (make_secondary.cpp) --------------------------------------------------

// What drbdadm said, for a reason: stderr, else stdout, as one line.
std::string trimmed_err(const CommandResult& r);
Outcome make_secondary(Context& ctx, Operation& op, const std::string& why);

}  // namespace ocfkit::drbd
