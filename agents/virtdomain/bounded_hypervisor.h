// Every hypervisor call bounded in time: a hung libvirtd gives a prompt, precise error.
//
// libvirt's client blocks in its own poll loop until the daemon answers, and nothing in the
// public API can interrupt a call in flight. Keepalive (set by the real connection) makes
// libvirt close a connection whose peer stopped answering, but it is not armed while the
// connection is being opened, nor does it help when libvirtd answers pings while a call waits
// on a stuck qemu job. So each call runs on a worker thread and the caller waits for it only
// until the call's bound; a call that overruns is abandoned (its thread keeps a reference to
// the connection and ends with the process) and reported as HvErrorKind::Timeout. The agent is
// a short-lived process, so an abandoned thread costs nothing after the exit reason is printed.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "hypervisor.h"
#include "ocfkit/deadline.h"

namespace ocfkit::virtdomain {

struct CallLimits {
    // Quick calls (open, lookups, state, shutdown request, define, abort): at most this long.
    std::chrono::milliseconds call_timeout{std::chrono::seconds(10)};
    // Long calls (create, start, destroy, save, restore, migrate) may use the deadline minus
    // this, which stays for clean-up (abort a migration, destroy after a failed save, report).
    std::chrono::milliseconds reserve{std::chrono::seconds(3)};
    // Closing the connection at the end of the operation.
    std::chrono::milliseconds close_timeout{std::chrono::seconds(2)};
};

// Told what the calls to one URI showed about the daemon behind it (unreachable_evidence.h).
class ReachabilityObserver {
public:
    virtual ~ReachabilityObserver() = default;
    // A connect succeeded: the daemon answers.
    virtual void answered() = 0;
    // A connect or a quick call got no answer (HvError::unreachable()), or a long call lost its
    // connection. A long call that overran its bound is not counted: a stuck qemu job does that.
    virtual void unreachable(const HvError& e) = 0;
};

class BoundedHypervisor final : public Hypervisor {
public:
    // inner and deadline must outlive this object and every connection it returns.
    BoundedHypervisor(Hypervisor& inner, const Deadline& deadline, CallLimits limits = {});
    std::shared_ptr<Connection> connect(const std::string& uri) override;

    // Reports the calls to `uri` (not those to a migration target) to `observer`, which must
    // outlive this object and its connections. `first_connect`: the bound of the next connect
    // to `uri` instead of call_timeout.
    void watch(const std::string& uri, ReachabilityObserver& observer,
               std::optional<std::chrono::milliseconds> first_connect = std::nullopt);

private:
    Hypervisor& inner_;
    const Deadline& deadline_;
    CallLimits limits_;
    std::string watched_uri_;
    ReachabilityObserver* observer_ = nullptr;
    std::optional<std::chrono::milliseconds> first_connect_;
};

}  // namespace ocfkit::virtdomain
