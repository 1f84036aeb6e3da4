// virtdomain: a libvirt domain managed through libvirt's C API (start, monitor, stop with
// hibernate-to-shared-storage, live migration), bounded in time against a hung libvirtd.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "hypervisor.h"
#include "unreachable_evidence.h"
#include "ocfkit/agent.h"
#include "ocfkit/shutdown_order.h"

namespace ocfkit::virtdomain {

struct AgentOptions {
    // Where libvirt's system qemu driver keeps <name>.pid: the fallback evidence when libvirtd
    // does not answer.
    std::string qemu_run_dir = "/run/libvirt/qemu";
    // Where the qemu process's cgroup file is read (<proc_root>/<pid>/cgroup): its systemd scope.
    std::string proc_root = "/proc";
    // /proc/self/mountinfo, for the shared-storage check.
    std::string mountinfo = "/proc/self/mountinfo";
    // The first connect's bound while libvirt is known to be hung here (unreachable_evidence.h).
    std::chrono::milliseconds short_connect = kShortConnect;
};

// The monitor's state table (see README.md in this directory): 0 while the guest exists and can
// run, 7 when it is shut off or undefined, 1 when it is stuck (crashed, paused on an error).
Outcome classify_state(const DomainStatus& status, const std::string& domain);

// The systemd ordering a running guest needs at shutdown (ocfkit/shutdown_order.h); `scope` is
// the systemd scope its qemu runs in, when known.
ShutdownOrder guest_shutdown_order(const std::optional<std::string>& scope = std::nullopt);

class VirtDomainAgent final : public Agent {
public:
    // `hypervisor` is the raw (unbounded) backend; the agent bounds every call itself.
    explicit VirtDomainAgent(Hypervisor& hypervisor, AgentOptions options = {});

    const AgentSpec& spec() const override;
    Outcome validate(Context& ctx, ValidatePurpose purpose) override;
    Outcome start(Context& ctx) override;
    Outcome stop(Context& ctx) override;
    Outcome monitor(Context& ctx) override;
    Outcome migrate_to(Context& ctx) override;
    Outcome migrate_from(Context& ctx) override;

private:
    Outcome stop_domain(Context& ctx);
    // The guest's shutdown ordering, with its qemu's scope when it runs from the local system
    // driver; fresh_qemu: this operation started that qemu (a new scope, no use asking systemd).
    void order_shutdown(Context& ctx, const std::string& name, const std::string& hypervisor_uri,
                        bool fresh_qemu = false);

    Hypervisor& hypervisor_;
    AgentOptions options_;
};

}  // namespace ocfkit::virtdomain
