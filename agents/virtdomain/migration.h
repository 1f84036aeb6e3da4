// From the agent's migration parameters to one libvirt migration request (pure).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "hypervisor.h"
#include "libvirt_uri.h"

namespace ocfkit::virtdomain {

struct MigrationSettings {
    LibvirtUri hypervisor;         // the local URI
    std::string transport;         // migration_transport
    std::string user;              // migration_user
    std::string network_suffix;    // migration_network_suffix
    std::string remoteuri;         // full target URI, %n = target node
    std::string migrateuri;        // data channel URI, %n = target node
    std::optional<int> migrateport;
    long long speed_mib_s = 0;     // migration_speed
    long long downtime_ms = 0;     // migration_downtime
    std::string options;           // migrate_options (virsh-style flags)
    bool persistent = false;       // the agent defines domains persistently
};

struct MigrationPlan {
    MigrateRequest request;
    unsigned long long downtime_ms = 0;  // 0: libvirt's default
    std::string target;                  // the host name the target URI uses
};

struct PlanResult {
    std::optional<MigrationPlan> plan;
    std::string parameter;  // which parameter is wrong
    std::string error;
};

PlanResult plan_migration(const MigrationSettings& settings, std::string_view target_node);

// Syntax of migrate_options alone (for validate): the first problem, or nothing.
std::optional<std::string> migrate_options_problem(std::string_view options);

}  // namespace ocfkit::virtdomain
