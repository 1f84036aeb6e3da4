// What start remembers about the domain it started, for monitor and stop to use when the
// config file has become unreadable, and the last utilization written to the CIB.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "ocfkit/env.h"

namespace ocfkit::virtdomain {

struct Remembered {
    std::string name;
    std::string uuid;
    std::string config;
    std::string hypervisor;
    std::map<std::string, std::string> utilization;  // attribute -> value last written
};

// ${HA_RSCTMP:-/run/resource-agents}/ocfkit-virtdomain-<instance>.state; the instance is
// OCF_RESOURCE_INSTANCE, or the config path for manual runs. /run is emptied at boot, which
// is right: nothing started before a reboot is still running.
std::string remembered_path(const Env& env, const std::string& config);

// Nothing when the file is absent or unusable. Only a regular file owned by this user and
// writable by no one else is believed (never through a symlink); `problem` says why one was not.
std::optional<Remembered> load_remembered(const std::string& path, std::string* problem = nullptr);
// Atomic (temporary file + rename); returns an error message on failure.
std::optional<std::string> store_remembered(const std::string& path, const Remembered& r);
// Returns an error message when the file exists and cannot be removed.
std::optional<std::string> forget_remembered(const std::string& path);

}  // namespace ocfkit::virtdomain
