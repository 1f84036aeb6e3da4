// virtdomain: a libvirt domain with one bounded connection per operation; each action has its own file.
#include "virtdomain_agent.h"

#include "agent_spec.h"

namespace ocfkit::virtdomain {

VirtDomainAgent::VirtDomainAgent(Hypervisor& hypervisor, AgentOptions options)
    : hypervisor_(hypervisor), options_(std::move(options))
{
}

const AgentSpec& VirtDomainAgent::spec() const { return agent_spec(); }

const ShutdownOrder& guest_shutdown_order()
{
    // Pacemaker migrates or stops the guests at shutdown; libvirt must still be there for that,
    // and libvirt-guests must not shut down (or save) them behind its back first.
    static const ShutdownOrder order{
        .agent = "virtdomain",
        .why = "At shutdown Pacemaker moves or stops the guest before libvirt goes down.",
        .after = {"libvirtd.service", "virtqemud.service", "virtlogd.service", "libvirt-guests.service"}};
    return order;
}

}  // namespace ocfkit::virtdomain
