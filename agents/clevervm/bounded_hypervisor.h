// Every libvirt call of clevervm bounded in time, so a hung or stopped libvirtd gives a prompt
// status ("libvirt unavailable") instead of hanging the service or Pacemaker's lsb: monitor.
//
// libvirt's client blocks until the daemon answers and nothing in its API interrupts a call in
// flight; keepalive is not armed while a connection is opened and does not help when libvirtd
// answers pings while a call waits. So, as in virtdomain, each call runs on a worker thread and
// is waited for only until its bound; a call that overruns is abandoned (its thread keeps the
// inner hypervisor alive and ends with the process) and reported as HypervisorError. After a
// failed connect or a quick call that overran, libvirt is taken as unavailable: every later call
// fails at once with the same message instead of waiting out its own bound again.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "hypervisor.h"

namespace ocfkit::clevervm {

struct LibvirtLimits {
    // Opening the connection.
    std::chrono::milliseconds connect{std::chrono::seconds(5)};
    // Listing domains, reading a guest's state, defining a domain.
    std::chrono::milliseconds call{std::chrono::seconds(5)};
    // Booting or resuming a guest and hibernating it (managed save): they move its memory.
    std::chrono::milliseconds slow{std::chrono::seconds(120)};
    // Closing the connection at exit.
    std::chrono::milliseconds close{std::chrono::seconds(2)};
};

class BoundedHypervisor final : public Hypervisor {
public:
    // `uri` only names libvirt in messages.
    BoundedHypervisor(std::shared_ptr<Hypervisor> inner, std::string uri, LibvirtLimits limits = {});
    ~BoundedHypervisor() override;
    BoundedHypervisor(const BoundedHypervisor&) = delete;
    BoundedHypervisor& operator=(const BoundedHypervisor&) = delete;

    void connect() override;
    std::vector<std::string> domains() override;
    GuestInfo guest(const std::string& name) override;
    void start(const std::string& name) override;
    void managed_save(const std::string& name) override;
    void define(const std::string& xml) override;

    // A call overran and its thread may still be inside libvirt: the process should end with
    // _exit rather than run destructors under it.
    bool abandoned() const { return abandoned_; }

private:
    template <typename F>
    auto bounded(const std::string& call, std::chrono::milliseconds bound, bool quick, F fn);

    std::shared_ptr<Hypervisor> inner_;
    std::string uri_;
    LibvirtLimits limits_;
    bool connected_ = false;
    std::optional<HypervisorError> unavailable_;  // set: every call throws it
    bool abandoned_ = false;
};

}  // namespace ocfkit::clevervm
