// The libvirt operations virtdomain needs, behind an interface: the real libvirt client, the
// deadline-bounded wrapper, the fault-injection layer and the test fake all implement it.
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ocfkit::virtdomain {

// libvirt's virDomainState, in the same order (the real implementation casts).
enum class DomainState { NoState, Running, Blocked, Paused, ShuttingDown, ShutOff, Crashed, PmSuspended };

std::string_view to_string(DomainState state);

// What one state query returns. reason is libvirt's per-state reason code (virDomainPausedReason,
// virDomainShutoffReason, ...); vcpus and max_memory_kib come with it for the utilization.
struct DomainStatus {
    DomainState state = DomainState::NoState;
    int reason = 0;
    unsigned vcpus = 0;
    unsigned long long max_memory_kib = 0;
};

// "paused (I/O error)", "shut off (crashed)", ...
std::string describe(const DomainStatus& status);

// libvirt's paused reasons that matter for the monitor's decisions.
namespace paused_reason {
constexpr int Unknown = 0, User = 1, Migration = 2, Save = 3, Dump = 4, IoError = 5, Watchdog = 6,
              FromSnapshot = 7, ShuttingDown = 8, Snapshot = 9, Crashed = 10, StartingUp = 11,
              Postcopy = 12, PostcopyFailed = 13, ApiError = 14;
}
namespace shutoff_reason {
constexpr int Unknown = 0, Shutdown = 1, Destroyed = 2, Crashed = 3, Migrated = 4, Saved = 5,
              Failed = 6, FromSnapshot = 7, Daemon = 8;
}

struct DomainInfo {
    std::string name;
    std::string uuid;
    bool persistent = false;
    bool active = false;
};

// How a call names its domain: by UUID when known (names can be reused), else by name.
struct DomainRef {
    std::string name;
    std::string uuid;
    std::string display() const;  // "vm1" or "vm1 (uuid ...)"
};

enum class HvErrorKind {
    NoDomain,          // no such domain
    NoObject,          // no such storage pool or network
    ConnectFailed,     // could not open the connection (libvirtd down, socket missing, auth)
    ConnectionLost,    // the connection closed under us (libvirtd died, keepalive timeout)
    Timeout,           // a call did not return within its bound (libvirtd hung or busy)
    Busy,              // libvirtd answered that it timed out itself (domain job lock held, guest agent silent)
    InvalidOperation,  // not possible in the domain's state (e.g. not running)
    InvalidConfig,     // the domain XML was rejected
    Unsupported,       // the driver or guest lacks the feature (e.g. no guest agent)
    Other,
};

std::string_view to_string(HvErrorKind kind);

class HvError : public std::runtime_error {
public:
    HvError(HvErrorKind kind, std::string call, const std::string& message)
        : std::runtime_error(message), kind_(kind), call_(std::move(call))
    {
    }
    HvErrorKind kind() const { return kind_; }
    const std::string& call() const { return call_; }  // the libvirt call, e.g. "virDomainShutdownFlags"
    // Nothing answers on the other end: libvirtd down, hung or gone mid-call.
    bool unreachable() const
    {
        return kind_ == HvErrorKind::ConnectFailed || kind_ == HvErrorKind::ConnectionLost ||
               kind_ == HvErrorKind::Timeout;
    }

private:
    HvErrorKind kind_;
    std::string call_;
};

// virDomainShutdownFlagValues; 0 lets the hypervisor choose.
namespace shutdown_mode {
constexpr unsigned Default = 0, Acpi = 1, Agent = 2, Initctl = 4, Signal = 8, Paravirt = 16;
}

// What activating a storage pool or network found.
enum class Activation { WasActive, Started };

struct MigrateRequest {
    std::string dest_uri;     // the target's libvirt URI (qemu+ssh://node2/system)
    std::string migrate_uri;  // the data channel (tcp:node2-mig:49152); empty: libvirt's choice
    std::string listen_address;
    unsigned long long bandwidth_mib_s = 0;  // 0: unlimited
    int parallel_connections = 0;            // > 0: parallel migration with that many
    bool peer2peer = false;
    bool tunnelled = false;
    bool persist_dest = false;
    bool undefine_source = false;
    bool paused_on_dest = false;
    bool copy_storage_all = false;
    bool copy_storage_inc = false;
    bool change_protection = false;
    bool unsafe = false;
    bool compressed = false;
    bool auto_converge = false;
    bool rdma_pin_all = false;
    bool abort_on_error = false;
    bool tls = false;
    bool parallel = false;
};

// One connection to one hypervisor. Every call may throw HvError.
class Connection {
public:
    virtual ~Connection() = default;

    virtual unsigned long long lib_version() = 0;
    virtual std::optional<DomainInfo> find_by_name(const std::string& name) = 0;
    virtual std::optional<DomainInfo> find_by_uuid(const std::string& uuid) = 0;
    // The state, its reason and the sizes, in as few calls as the backend allows.
    virtual DomainStatus status(const DomainRef& ref) = 0;
    virtual DomainInfo define(const std::string& xml) = 0;
    virtual void undefine(const DomainRef& ref) = 0;
    virtual void start(const DomainRef& ref) = 0;          // a defined, inactive domain
    virtual DomainInfo create(const std::string& xml) = 0;  // transient, running
    virtual void shutdown(const DomainRef& ref, unsigned modes) = 0;
    virtual void destroy(const DomainRef& ref) = 0;
    virtual void save(const DomainRef& ref, const std::string& path) = 0;
    virtual std::string saved_image_xml(const std::string& path) = 0;
    virtual void restore(const std::string& path) = 0;  // the restored domain runs
    virtual void set_max_downtime(const DomainRef& ref, unsigned long long ms) = 0;
    virtual void migrate(const DomainRef& ref, const MigrateRequest& request) = 0;
    virtual void abort_job(const DomainRef& ref) = 0;
    virtual void resume(const DomainRef& ref) = 0;
    // The definition the domain would boot with next (inactive, with secrets), as
    // `virsh dumpxml --inactive --security-info` prints it.
    virtual std::string definition_xml(const DomainRef& ref) = 0;
    // Starts an inactive storage pool / virtual network; an active pool is refreshed (new
    // volumes become visible). NoObject when it is not defined here.
    virtual Activation activate_pool(const std::string& name) = 0;
    virtual Activation activate_network(const std::string& name) = 0;
};

class Hypervisor {
public:
    virtual ~Hypervisor() = default;
    // Shared: a call abandoned on a timeout keeps its connection alive until it returns.
    virtual std::shared_ptr<Connection> connect(const std::string& uri) = 0;
};

}  // namespace ocfkit::virtdomain
