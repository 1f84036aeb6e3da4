// The parts of Pacemaker's XML that clevervm needs beyond ocfkit's crm_mon parser: primitives with
// their parameters from the CIB, and a domain XML's name.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocfkit/parse/error.h"

namespace ocfkit::clevervm {

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
