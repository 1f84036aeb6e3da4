// What agents ask of the cluster, with a standalone answer when no Pacemaker is present.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ocfkit/command.h"
#include "ocfkit/deadline.h"
#include "ocfkit/env.h"
#include "ocfkit/log.h"
#include "ocfkit/parse/crm_mon.h"

namespace ocfkit {

enum class AttrLifetime { Reboot, Forever };

class ClusterAccess {
public:
    virtual ~ClusterAccess() = default;
    virtual bool pacemaker() const = 0;  // false: standalone (drbd-reactor, manual runs)
    virtual std::string local_node() = 0;

    // This resource's promotion score on the local node; nothing when unset.
    virtual std::optional<long long> promotion_score() = 0;
    // Writes only when the value differs from what the cluster holds.
    virtual void set_promotion_score(long long score) = 0;
    virtual void clear_promotion_score() = 0;

    virtual std::optional<std::string> node_attribute(std::string_view name, AttrLifetime lifetime) = 0;
    // Writes only when the value differs.
    virtual void set_node_attribute(std::string_view name, std::string_view value, AttrLifetime lifetime) = 0;

    // Whether the cluster fences (fencing-enabled, or stonith-enabled before Pacemaker 3.0.2);
    // nothing when that cannot be read.
    virtual std::optional<bool> fencing_enabled() = 0;
    // Whole cluster state from crm_mon --output-as=xml; nothing in standalone mode.
    virtual std::optional<parse::CrmMon> status() = 0;
};

// Pacemaker when its tools are installed and the agent runs under it (or `force_pacemaker`),
// standalone otherwise. The runner, env, log and deadline must outlive the result.
std::unique_ptr<ClusterAccess> make_cluster_access(CommandRunner& runner, const Env& env, Logger& log,
                                                   const Deadline& deadline);
std::unique_ptr<ClusterAccess> make_pacemaker_cluster(CommandRunner& runner, const Env& env, Logger& log,
                                                      const Deadline& deadline);
std::unique_ptr<ClusterAccess> make_standalone_cluster(const Env& env);

}  // namespace ocfkit
