// start_resources: the storage pools and networks a guest needs, started through libvirt.
#pragma once

#include <string>

#include "domain_xml.h"
#include "hypervisor.h"
#include "ocfkit/agent.h"

namespace ocfkit::virtdomain {

// `missing`: the code when a pool or network is not defined there (5 on start: not on this node).
void activate_resources(Context& ctx, Connection& c, const DomainXml& x, const std::string& where, ExitCode missing);

}  // namespace ocfkit::virtdomain
