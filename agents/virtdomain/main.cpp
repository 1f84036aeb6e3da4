// The virtdomain agent's entry point: the real libvirt client behind the agent.
#include "libvirt_hypervisor.h"
#include "virtdomain_agent.h"

int main(int argc, char** argv)
{
    ocfkit::virtdomain::LibvirtHypervisor libvirt;
    ocfkit::virtdomain::VirtDomainAgent agent(libvirt);
    return ocfkit::run_agent(agent, argc, argv);
}
