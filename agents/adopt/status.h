// What adopt reads of the running cluster, as pure functions: each resource's role per node
// (crm_mon --output-as=xml), probe progress (the CIB's status section), preconditions.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ocfkit/parse/crm_mon.h"

namespace ocfkit::adopt {

// Resource id (clone instance suffix dropped) → node → role ("Started", "Promoted", ...;
// "FAILED <role>" when crm_mon marks it failed). A resource active nowhere has no entry.
using Roles = std::map<std::string, std::map<std::string, std::string>>;
Roles roles_of(const parse::CrmMon& mon, const std::vector<std::string>& ids);

// "id on node: was X, now Y" for each difference.
std::vector<std::string> role_differences(const Roles& before, const Roles& after, const std::vector<std::string>& ids);

// Why the cluster is not fit for adopt to touch these resources (empty: fit).
std::vector<std::string> refusals(const parse::CrmMon& mon, const std::vector<std::string>& ids);

// Nodes crm_mon shows as still joining (pending="true"): their probes may not run yet.
std::vector<std::string> joining_nodes(std::string_view crm_mon_xml);

// The nodes that take part (online cluster and remote nodes).
std::vector<std::string> probing_nodes(const parse::CrmMon& mon);

struct ProbeState {
    std::string id{};
    std::string node{};
    bool done = false;       // a completed probe by the expected agent is recorded
    std::string agent{};       // agent of the history entry ("" when none)
    int rc = -1;             // the probe's rc-code when done
    std::string exit_reason{};
};
// Status section (cibadmin --query --scope status, or a whole CIB).
std::vector<ProbeState> probe_states(std::string_view status_xml, const std::vector<std::string>& nodes,
                                     const std::map<std::string, std::string>& expected_agent);

// Operations other than monitors (probes included) in the history of these resources: after a
// refresh, proof that nothing was started, stopped, promoted, demoted or migrated since.
// "id on node: start (rc 0)" for each.
std::vector<std::string> actions_in_history(std::string_view status_xml, const std::vector<std::string>& ids);

// The value of crm_config's maintenance-mode in a CIB; "" when not set.
std::string maintenance_mode_value(std::string_view cib_xml);

}  // namespace ocfkit::adopt
