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

// libvirt could not be reached or refused an operation; the message is libvirt's.
struct HypervisorError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class Hypervisor {
public:
    virtual ~Hypervisor() = default;
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

// The real one (libvirt C API), connecting lazily to `uri` on first use.
std::unique_ptr<Hypervisor> make_libvirt_hypervisor(std::string uri);

}  // namespace ocfkit::clevervm
