// What an earlier operation here learnt about libvirt: it did not answer, at that time, with this
// daemon process. While the same process is still there, stop, migrate and start connect with a
// short bound instead of waiting call_timeout again for a daemon already known to be hung.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "bounded_hypervisor.h"
#include "ocfkit/agent.h"
#include "ocfkit/host.h"

namespace ocfkit::virtdomain {

// One daemon process: pid and start time (/proc/<pid>/stat) name it across pid reuse.
struct DaemonIdentity {
    std::string comm;  // "virtqemud" or "libvirtd"
    int pid = 0;
    unsigned long long start_ticks = 0;
    bool operator==(const DaemonIdentity&) const = default;
};

// The daemon serving local qemu URIs: virtqemud (modular daemons) before libvirtd, each from its
// pid file under paths.run, else the first such process.
std::optional<DaemonIdentity> libvirt_daemon(const HostPaths& paths);

struct UnreachableEvidence {
    std::chrono::system_clock::time_point when;
    std::string operation;  // the action that found it: "monitor", "stop", ...
    std::string uri;
    DaemonIdentity daemon;
};

// key=value lines; parse gives nothing for a text without the fields it needs (pure).
std::string format_evidence(const UnreachableEvidence& e);
std::optional<UnreachableEvidence> parse_evidence(std::string_view text);

// Beside the remembered-domain file: ...-<instance>.unreachable.
std::string evidence_path(const std::string& remembered_path);

// A healthy libvirtd opens a connection in milliseconds. 10 s is the agent's own default
// call_timeout, which a slow-but-alive daemon met before adoption raised the bound to the stock
// agent's monitor timeout; a daemon known to be hung gets no more than that.
constexpr std::chrono::milliseconds kShortConnect{std::chrono::seconds(10)};

// The evidence for one operation on one resource: read before the first connect, written when a
// call to the resource's own URI gets no answer, removed when a connect succeeds.
class ReachabilityRecord final : public ReachabilityObserver {
public:
    ReachabilityRecord(Context& ctx, std::string remembered_path, std::string uri);

    // The first connect's bound: min(call_timeout, short_bound) while evidence holds for the
    // same URI and the same daemon process (logged with why); nothing otherwise. Evidence
    // about another daemon (restarted, gone) is removed.
    std::optional<std::chrono::milliseconds> first_connect_bound(std::chrono::milliseconds call_timeout,
                                                                 std::chrono::milliseconds short_bound = kShortConnect);

    void answered() override;
    void unreachable(const HvError& e) override;

private:
    Context& ctx_;
    std::string path_;
    std::string uri_;
    HostPaths paths_;
    bool recorded_ = false;
};

}  // namespace ocfkit::virtdomain
