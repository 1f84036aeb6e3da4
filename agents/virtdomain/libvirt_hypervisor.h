// The real hypervisor: libvirt's C API (no virsh), keepalive on every connection.
#pragma once

#include "hypervisor.h"

namespace ocfkit::virtdomain {

struct KeepAlive {
    // libvirt pings after `interval_s` seconds without traffic and closes the connection when
    // `count` pings in a row go unanswered: a stopped or vanished peer is noticed after about
    // interval_s * (count + 1) seconds, even in the middle of a long call.
    int interval_s = 2;
    unsigned count = 2;
};

// Stateless apart from its settings; connections are independent. Calls block: wrap this in
// BoundedHypervisor.
class LibvirtHypervisor final : public Hypervisor {
public:
    explicit LibvirtHypervisor(KeepAlive keepalive = {});
    std::shared_ptr<Connection> connect(const std::string& uri) override;

private:
    KeepAlive keepalive_;
};

}  // namespace ocfkit::virtdomain
