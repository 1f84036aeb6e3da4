// The real hypervisor: libvirt's C API (no virsh), keepalive on every connection.
#pragma once

#include "hypervisor.h"

namespace ocfkit::virtdomain {

struct KeepAlive {
    // libvirt pings after `interval_s` seconds without traffic and closes the connection when
    // `count` pings in a row go unanswered: a stopped or vanished peer is noticed after about
    // interval_s * (count + 1) seconds, even in the middle of a long call.
    // 0: no keepalive, no close callback and no event loop thread at all. For operations made
    // of a few quick calls that BoundedHypervisor bounds anyway (the monitor): each of those
    // would cost RPCs and thread wake-ups on every call.
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
