// The guests' side of clevervm: a narrow view of libvirt so the logic is testable without it.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace ocfkit::clevervm {

struct GuestInfo {
    bool exists = false;
    std::string state;         // "running", "paused", "shut off", "crashed", ...
    bool active = false;       // has a running (or paused) process
    bool managed_save = false; // a hibernation image will be restored on the next start
    bool persistent = true;    // transient domains cannot be hibernated with a managed save
};

// libvirt could not be reached or refused an operation; the message is libvirt's (or says which
// call did not return in time). `unavailable`: libvirt itself is unusable (not running, hung, the
// connection lost), as opposed to one operation refused.
struct HypervisorError : std::runtime_error {
    explicit HypervisorError(const std::string& message, bool unavailable_ = false)
        : std::runtime_error(message), unavailable(unavailable_)
    {
    }
    bool unavailable = false;
};

class Hypervisor {
public:
    virtual ~Hypervisor() = default;
    // Opens the connection if it is not open yet (every call below does so on first use).
    virtual void connect() {}
    // Names of all defined (persistent) and running domains, sorted.
    virtual std::vector<std::string> domains() = 0;
    virtual GuestInfo guest(const std::string& name) = 0;
    // Boots the domain, or resumes it from its managed save image when it has one.
    virtual void start(const std::string& name) = 0;
    // Hibernates: saves memory to the managed save image and stops the domain.
    virtual void managed_save(const std::string& name) = 0;
    // Makes a domain persistent from its XML (a managed save needs a persistent domain).
    virtual void define(const std::string& xml) = 0;
};

// The real one (libvirt C API), connecting lazily to `uri` on first use, with keepalive so a
// libvirtd that stops answering ends a call in progress. Its calls block as long as libvirt
// does: clevervm uses it only through BoundedHypervisor (shared, since an abandoned call keeps it).
std::shared_ptr<Hypervisor> make_libvirt_hypervisor(std::string uri);

}  // namespace ocfkit::clevervm
