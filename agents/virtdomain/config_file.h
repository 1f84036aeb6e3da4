// Reading the domain XML named by 'config', bounded by a deadline.
#pragma once

#include <optional>
#include <string>

#include "domain_xml.h"
#include "ocfkit/deadline.h"
#include "ocfkit/exit_code.h"
#include "settings.h"

namespace ocfkit::virtdomain {

struct ConfigRead {
    std::optional<DomainXml> xml;
    std::string text;
    ExitCode code = ExitCode::Success;
    std::string problem;
    // Not read at all (no answer in time, an I/O error): nothing is known about the file, not
    // even that it is missing.
    bool unknown = false;
};

// The config usually lives on the cluster file system, which blocks while DLM waits for a
// fence: it is read in a forked child, abandoned at `until` (a thread stuck there would keep
// the agent from exiting).
ConfigRead read_config(const std::string& path, const Deadline& until);

// Reading the config when the action needs it: all the time but a second kept for the report.
Deadline read_until(const Deadline& deadline);
// When the action can do without it (stop, monitor): a share that leaves time for the guest.
Deadline read_briefly(const Settings& s, const Deadline& deadline);

}  // namespace ocfkit::virtdomain
