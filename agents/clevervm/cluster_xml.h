// The parts of Pacemaker's XML that clevervm needs beyond ocfkit's crm_mon parser: the migration
// summary (node_history), location bans, and primitives with their parameters from the CIB.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocfkit/parse/error.h"

namespace ocfkit::clevervm {

// crm_mon's "Migration Summary": resources with a fail count on a node.
struct MigrationEntry {
    std::string node;
    std::string resource;
    long long fail_count = 0;           // INFINITY is 1000000
    long long migration_threshold = 0;  // 0 when not reported
    std::string last_failure;           // as crm_mon writes it; "" when none
};

// A location constraint crm_mon lists as a ban (e.g. crm_resource --ban's cli-ban-*).
struct Ban {
    std::string id;
    std::string resource;
    std::string node;
    long long weight = 0;
    bool promoted_only = false;
};

struct CrmMonExtras {
    std::vector<MigrationEntry> migration;
    std::vector<Ban> bans;
};

// From crm_mon --output-as=xml (already known to be valid crm_mon output).
// Throws parse::ParseError on malformed entries.
CrmMonExtras parse_crm_mon_extras(std::string_view xml);

// A primitive from the CIB's <resources> section (cibadmin --query --scope resources).
struct CibPrimitive {
    std::string id;
    std::string standard;   // "ocf", "lsb", "stonith", ...
    std::string provider;   // "custom", "heartbeat", ...
    std::string type;       // "virtdomain", "drbd-dual", ...
    std::string parent;     // enclosing clone/group id ("" at top level)
    bool promotable = false;  // inside a promotable clone (or old <master>)
    std::map<std::string, std::string, std::less<>> params;  // instance_attributes

    std::string agent() const;  // "ocf:custom:virtdomain"
};

// Throws parse::ParseError when the text is not a CIB or its resources section.
std::vector<CibPrimitive> parse_cib_primitives(std::string_view xml);

// The <name> of a libvirt domain XML document; nothing when it has none or is not XML.
std::optional<std::string> domain_name(std::string_view xml);

}  // namespace ocfkit::clevervm
