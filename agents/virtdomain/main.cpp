// The virtdomain agent's entry point: the real libvirt client behind the agent.
#include <string_view>

#include "libvirt_hypervisor.h"
#include "virtdomain_agent.h"

int main(int argc, char** argv)
{
    // A monitor is a few quick calls, each bounded by BoundedHypervisor: keepalive, the close
    // callback and libvirt's event loop thread would only add RPCs and thread wake-ups to it.
    bool quick = argc > 1 && std::string_view(argv[1]) == "monitor";
    ocfkit::virtdomain::LibvirtHypervisor libvirt(quick ? ocfkit::virtdomain::KeepAlive{.interval_s = 0, .count = 0}
                                                        : ocfkit::virtdomain::KeepAlive{});
    ocfkit::virtdomain::VirtDomainAgent agent(libvirt);
    return ocfkit::run_agent(agent, argc, argv);
}
