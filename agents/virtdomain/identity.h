// Which domain this resource is: what start remembered, the 'domain' parameter, or the config.
#pragma once

#include <optional>
#include <string>

#include "config_file.h"
#include "hypervisor.h"
#include "ocfkit/agent.h"
#include "remembered.h"
#include "settings.h"

namespace ocfkit::virtdomain {

struct Identity {
    std::string name;
    std::string uuid;
    std::string hypervisor;
    std::string source;  // for messages: where the name came from
    DomainRef ref() const { return {name, uuid}; }
};

struct Resolved {
    std::optional<Identity> id;
    ConfigRead config;
    std::optional<Remembered> remembered;
    std::string remembered_path;
};

// What start remembered wins (it is what actually runs), then the 'domain' parameter, then
// the config file, which is read only when nothing is remembered or `need_config`: stop and
// monitor must not depend on a file system that may hang.
Resolved resolve(const Context& ctx, const Settings& s, bool use_remembered, bool need_config, const Deadline& until);

// Remembers the domain start (or migrate_from) made run here, for stop and monitor.
void remember(Context& ctx, const std::string& path, const Settings& s, const std::string& name, const std::string& uuid,
              const std::string& hypervisor);

}  // namespace ocfkit::virtdomain
