// virtdomain: a libvirt domain with one bounded connection per operation; each action has its own file.
#include "virtdomain_agent.h"

#include "agent_spec.h"

namespace ocfkit::virtdomain {

VirtDomainAgent::VirtDomainAgent(Hypervisor& hypervisor, AgentOptions options)
    : hypervisor_(hypervisor), options_(std::move(options))
{
}

const AgentSpec& VirtDomainAgent::spec() const { return agent_spec(); }

}  // namespace ocfkit::virtdomain
