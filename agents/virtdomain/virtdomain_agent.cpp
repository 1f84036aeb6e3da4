// virtdomain: a libvirt domain with one bounded connection per operation; each action has its own file.
#include "virtdomain_agent.h"

#include "agent_spec.h"
#include "qemu_process.h"

namespace ocfkit::virtdomain {

VirtDomainAgent::VirtDomainAgent(Hypervisor& hypervisor, AgentOptions options)
    : hypervisor_(hypervisor), options_(std::move(options))
{
}

const AgentSpec& VirtDomainAgent::spec() const { return agent_spec(); }

ShutdownOrder guest_shutdown_order(const std::optional<std::string>& scope)
{
    // Pacemaker migrates or stops the guests at shutdown; libvirt must still be there for that,
    // and libvirt-guests must not shut down (or save) them behind its back first. Nor may
    // systemd end the guest's own scope (libvirt's machine-qemu-*.scope) while Pacemaker
    // still migrates it away: a scope stops with everything else at shutdown unless ordered.
    ShutdownOrder order{
        .agent = "virtdomain",
        .why = "At shutdown Pacemaker moves or stops the guest before libvirt and the guest's scope go down.",
        .after = {"libvirtd.service", "virtqemud.service", "virtlogd.service", "libvirt-guests.service"}};
    if (scope) order.after.push_back(*scope);
    return order;
}

void VirtDomainAgent::order_shutdown(Context& ctx, const std::string& name, const std::string& hypervisor_uri,
                                     bool fresh_qemu)
{
    HostPaths paths = HostPaths::from_env(ctx.env);
    std::optional<std::string> scope;
    if (local_system_qemu(hypervisor_uri)) scope = qemu_scope(options_.qemu_run_dir, options_.proc_root, name);
    ShutdownOrder order = guest_shutdown_order(scope);
    order.new_unit = fresh_qemu && scope.has_value();
    ensure_shutdown_order(ctx, paths, order);
}

}  // namespace ocfkit::virtdomain
