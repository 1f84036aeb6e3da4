// `drbdadm dump-xml`: the parsed DRBD configuration (drbd-utils 8.4 and 9 layouts).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocfkit/parse/error.h"

namespace ocfkit::drbd {

struct ConfigVolume {
    int vnr = 0;
    int minor = -1;
    std::string device;  // "/dev/drbd0"
    std::string disk;    // backing device, "none" for diskless
};

struct ConfigHost {
    std::string name;    // one <host name="..."> may list several names separated by spaces
    std::vector<ConfigVolume> volumes;
    std::string address;
    bool names(std::string_view host) const;  // host is one of the names
};

// Options by section ("net", "disk", "handlers", "options", "startup") and name. A flag option
// (<option name="x"/>) has the value "yes".
using Sections = std::map<std::string, std::map<std::string, std::string>, std::less<>>;

struct ConfigResource {
    std::string name;
    std::vector<ConfigHost> hosts;
    Sections sections;                    // common, then the resource's own on top
    std::vector<Sections> connections;    // DRBD 9 <connection> sections (own options only)

    const ConfigHost* host(std::string_view name) const;
    // Resource-level value (common overlaid by resource); nothing when not set.
    std::optional<std::string> option(std::string_view section, std::string_view name) const;
};

struct DrbdConfig {
    std::string file;
    std::vector<ConfigResource> resources;
    const ConfigResource* resource(std::string_view name) const;
};

// Throws parse::ParseError for input that is not dump-xml output.
DrbdConfig parse_dump_xml(std::string_view text);

}  // namespace ocfkit::drbd
