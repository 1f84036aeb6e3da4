// libvirt's C API behind the Hypervisor interface; errors become typed HvErrors.
#include "libvirt_hypervisor.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>

namespace ocfkit::virtdomain {

namespace {

// libvirt's default error handler prints every error to stderr, which would bury the exit
// reason; errors are read from virGetLastError instead.
void quiet_errors(void*, virErrorPtr) {}

// Keepalive and the close callback need an event loop; one thread runs libvirt's default one
// for the life of the process.
void init_libvirt_once(bool event_loop)
{
    static std::once_flag once;
    std::call_once(once, [event_loop] {
        virInitialize();
        virSetErrorFunc(nullptr, quiet_errors);
        if (event_loop && virEventRegisterDefaultImpl() == 0) {
            std::thread([] {
                for (;;)
                    if (virEventRunDefaultImpl() < 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }).detach();
        }
    });
}

// Why libvirt closed the connection, written by the close callback from the event thread.
struct CloseState {
    std::atomic<int> reason{-1};
};

void on_close(virConnectPtr, int reason, void* opaque)
{
    static_cast<CloseState*>(opaque)->reason.store(reason);
}

std::string_view close_reason_text(int reason)
{
    switch (reason) {
    case VIR_CONNECT_CLOSE_REASON_ERROR: return "I/O error";
    case VIR_CONNECT_CLOSE_REASON_EOF: return "libvirtd closed it (EOF: daemon stopped or crashed?)";
    case VIR_CONNECT_CLOSE_REASON_KEEPALIVE: return "keepalive timeout (libvirtd stopped answering)";
    case VIR_CONNECT_CLOSE_REASON_CLIENT: return "closed by the client";
    default: return "unknown reason";
    }
}

HvErrorKind kind_of(const virError* e)
{
    if (!e) return HvErrorKind::Other;
    switch (e->code) {
    case VIR_ERR_NO_DOMAIN: return HvErrorKind::NoDomain;
    case VIR_ERR_NO_STORAGE_POOL:
    case VIR_ERR_NO_NETWORK: return HvErrorKind::NoObject;
    case VIR_ERR_OPERATION_INVALID: return HvErrorKind::InvalidOperation;
    case VIR_ERR_XML_ERROR:
    case VIR_ERR_XML_DETAIL:
    case VIR_ERR_XML_INVALID_SCHEMA: return HvErrorKind::InvalidConfig;
    // Not "invalid configuration" (6 stops the resource everywhere): libvirt also says this for
    // what depends on the host, e.g. "storage pool ... is not active" or a missing accelerator.
    case VIR_ERR_CONFIG_UNSUPPORTED:
    case VIR_ERR_NO_SUPPORT:
    case VIR_ERR_ARGUMENT_UNSUPPORTED:
    case VIR_ERR_OPERATION_UNSUPPORTED:
    case VIR_ERR_AGENT_UNRESPONSIVE: return HvErrorKind::Unsupported;
    // libvirtd itself answered: it could not get the domain's job lock or the guest agent in time.
    case VIR_ERR_OPERATION_TIMEOUT: return HvErrorKind::Busy;
    case VIR_ERR_RPC: return HvErrorKind::ConnectionLost;
    default: break;
    }
    if (e->domain == VIR_FROM_RPC) return HvErrorKind::ConnectionLost;
    return HvErrorKind::Other;
}

// The error of the libvirt call that just failed on this thread.
HvError last_error(const char* call, virConnectPtr conn, const CloseState* closed)
{
    const virError* e = virGetLastError();
    std::string message = e && e->message ? e->message : fmt::format("{} failed without a libvirt error", call);
    HvErrorKind kind = kind_of(e);
    int reason = closed ? closed->reason.load() : -1;
    bool dead = conn && virConnectIsAlive(conn) == 0;
    if (kind != HvErrorKind::NoDomain && (reason >= 0 || dead)) {
        kind = HvErrorKind::ConnectionLost;
        if (reason >= 0) message = fmt::format("{} (connection closed: {})", message, close_reason_text(reason));
    }
    virResetLastError();
    return HvError(kind, call, fmt::format("{}: {}", call, message));
}

// Never prompt: an agent has no terminal. Credentials must come from the URI or files.
int refuse_credentials(virConnectCredentialPtr, unsigned int, void*) { return -1; }

virConnectPtr open_connection(const std::string& uri, const KeepAlive& keepalive, CloseState* closed)
{
    virConnectAuth auth{nullptr, 0, refuse_credentials, nullptr};
    virConnectPtr conn = virConnectOpenAuth(uri.empty() ? nullptr : uri.c_str(), &auth, 0);
    if (!conn) {
        HvError e = last_error("virConnectOpenAuth", nullptr, nullptr);
        throw HvError(HvErrorKind::ConnectFailed, e.call(),
                      fmt::format("cannot connect to {}: {}", uri.empty() ? "the default URI" : uri, e.what()));
    }
    if (keepalive.interval_s <= 0) return conn;
    // 1 = the peer does not support keepalive (e.g. a local driver); nothing to arm then.
    if (virConnectSetKeepAlive(conn, keepalive.interval_s, keepalive.count) < 0) virResetLastError();
    // No free callback: libvirt resets (and would free) the registration as soon as the callback
    // has fired, while errors still read the reason. The connection object owns the state and
    // unregisters before closing.
    if (closed && virConnectRegisterCloseCallback(conn, on_close, closed, nullptr) < 0) virResetLastError();
    return conn;
}

// One call's own reference to a domain object: the connection's cache may drop its reference
// (a NoDomain error on another thread) while an abandoned call still uses the object.
class DomainHandle {
public:
    explicit DomainHandle(virDomainPtr dom) : dom_(dom) {}
    DomainHandle(const DomainHandle&) = delete;
    DomainHandle& operator=(const DomainHandle&) = delete;
    ~DomainHandle() { virDomainFree(dom_); }
    operator virDomainPtr() const { return dom_; }  // NOLINT: passed straight to libvirt calls

private:
    virDomainPtr dom_;
};

class LibvirtConnection final : public Connection {
public:
    LibvirtConnection(const std::string& uri, KeepAlive keepalive) : keepalive_(keepalive)
    {
        conn_ = open_connection(uri, keepalive, &closed_);
    }

    ~LibvirtConnection() override
    {
        for (auto& [key, dom] : domains_) virDomainFree(dom);
        if (keepalive_.interval_s > 0 && virConnectUnregisterCloseCallback(conn_, on_close) < 0)
            virResetLastError();  // fired already
        virConnectClose(conn_);
    }

    unsigned long long lib_version() override
    {
        unsigned long v = 0;
        if (virConnectGetLibVersion(conn_, &v) < 0) throw error("virConnectGetLibVersion");
        return v;
    }

    std::optional<DomainInfo> find_by_name(const std::string& name) override
    {
        virDomainPtr dom = virDomainLookupByName(conn_, name.c_str());
        return info_or_none(dom, "virDomainLookupByName");
    }

    std::optional<DomainInfo> find_by_uuid(const std::string& uuid) override
    {
        virDomainPtr dom = virDomainLookupByUUIDString(conn_, uuid.c_str());
        return info_or_none(dom, "virDomainLookupByUUIDString");
    }

    DomainStatus status(const DomainRef& ref) override
    {
        DomainHandle dom = handle(ref);
        virDomainInfo info{};
        if (virDomainGetInfo(dom, &info) < 0) throw error("virDomainGetInfo", ref);
        DomainStatus s;
        s.state = static_cast<DomainState>(info.state);
        s.vcpus = info.nrVirtCpu;
        s.max_memory_kib = info.maxMem;
        // The reason matters only where it changes the monitor's answer: one more call then.
        if (s.state == DomainState::Paused || s.state == DomainState::ShutOff || s.state == DomainState::Crashed) {
            int state = 0, reason = 0;
            if (virDomainGetState(dom, &state, &reason, 0) < 0) throw error("virDomainGetState", ref);
            s.state = static_cast<DomainState>(state);
            s.reason = reason;
        }
        return s;
    }

    DomainInfo define(const std::string& xml) override
    {
        virDomainPtr dom = virDomainDefineXMLFlags(conn_, xml.c_str(), VIR_DOMAIN_DEFINE_VALIDATE);
        if (!dom) throw error("virDomainDefineXMLFlags");
        return adopt(dom, "virDomainDefineXMLFlags");
    }

    void undefine(const DomainRef& ref) override
    {
        unsigned flags = VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA |
                         VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA | VIR_DOMAIN_UNDEFINE_KEEP_NVRAM;
        DomainHandle dom = handle(ref);
        if (virDomainUndefineFlags(dom, flags) < 0) throw error("virDomainUndefineFlags", ref);
    }

    void start(const DomainRef& ref) override
    {
        DomainHandle dom = handle(ref);
        if (virDomainCreate(dom) < 0) throw error("virDomainCreate", ref);
    }

    DomainInfo create(const std::string& xml) override
    {
        virDomainPtr dom = virDomainCreateXML(conn_, xml.c_str(), VIR_DOMAIN_START_VALIDATE);
        if (!dom) throw error("virDomainCreateXML");
        return adopt(dom, "virDomainCreateXML");
    }

    void shutdown(const DomainRef& ref, unsigned modes) override
    {
        DomainHandle dom = handle(ref);
        if (virDomainShutdownFlags(dom, modes) < 0) throw error("virDomainShutdownFlags", ref);
    }

    void destroy(const DomainRef& ref) override
    {
        DomainHandle dom = handle(ref);
        if (virDomainDestroyFlags(dom, 0) < 0) throw error("virDomainDestroyFlags", ref);
    }

    void save(const DomainRef& ref, const std::string& path) override
    {
        DomainHandle dom = handle(ref);
        if (virDomainSaveFlags(dom, path.c_str(), nullptr, VIR_DOMAIN_SAVE_RUNNING) < 0)
            throw error("virDomainSaveFlags", ref);
    }

    std::string saved_image_xml(const std::string& path) override
    {
        char* xml = virDomainSaveImageGetXMLDesc(conn_, path.c_str(), 0);
        if (!xml) throw error("virDomainSaveImageGetXMLDesc");
        std::string out(xml);
        free(xml);  // NOLINT: libvirt allocates with malloc
        return out;
    }

    void restore(const std::string& path) override
    {
        if (virDomainRestoreFlags(conn_, path.c_str(), nullptr, VIR_DOMAIN_SAVE_RUNNING) < 0)
            throw error("virDomainRestoreFlags");
    }

    void set_max_downtime(const DomainRef& ref, unsigned long long ms) override
    {
        DomainHandle dom = handle(ref);
        if (virDomainMigrateSetMaxDowntime(dom, ms, 0) < 0) throw error("virDomainMigrateSetMaxDowntime", ref);
    }

    void migrate(const DomainRef& ref, const MigrateRequest& r) override
    {
        DomainHandle dom = handle(ref);
        Params params;
        if (!r.migrate_uri.empty()) params.add_string(VIR_MIGRATE_PARAM_URI, r.migrate_uri);
        if (!r.listen_address.empty()) params.add_string(VIR_MIGRATE_PARAM_LISTEN_ADDRESS, r.listen_address);
        if (r.bandwidth_mib_s > 0) params.add_ullong(VIR_MIGRATE_PARAM_BANDWIDTH, r.bandwidth_mib_s);
        if (r.parallel_connections > 0) params.add_int(VIR_MIGRATE_PARAM_PARALLEL_CONNECTIONS, r.parallel_connections);
        unsigned flags = VIR_MIGRATE_LIVE;
        if (r.peer2peer) flags |= VIR_MIGRATE_PEER2PEER;
        if (r.tunnelled) flags |= VIR_MIGRATE_TUNNELLED;
        if (r.persist_dest) flags |= VIR_MIGRATE_PERSIST_DEST;
        if (r.undefine_source) flags |= VIR_MIGRATE_UNDEFINE_SOURCE;
        if (r.paused_on_dest) flags |= VIR_MIGRATE_PAUSED;
        if (r.copy_storage_all) flags |= VIR_MIGRATE_NON_SHARED_DISK;
        if (r.copy_storage_inc) flags |= VIR_MIGRATE_NON_SHARED_INC;
        if (r.change_protection) flags |= VIR_MIGRATE_CHANGE_PROTECTION;
        if (r.unsafe) flags |= VIR_MIGRATE_UNSAFE;
        if (r.compressed) flags |= VIR_MIGRATE_COMPRESSED;
        if (r.auto_converge) flags |= VIR_MIGRATE_AUTO_CONVERGE;
        if (r.rdma_pin_all) flags |= VIR_MIGRATE_RDMA_PIN_ALL;
        if (r.abort_on_error) flags |= VIR_MIGRATE_ABORT_ON_ERROR;
        if (r.tls) flags |= VIR_MIGRATE_TLS;
        if (r.parallel || r.parallel_connections > 0) flags |= VIR_MIGRATE_PARALLEL;

        if (r.peer2peer) {
            // The source libvirtd connects to the target itself.
            if (virDomainMigrateToURI3(dom, r.dest_uri.c_str(), params.list, params.count, flags) < 0)
                throw error("virDomainMigrateToURI3", ref);
            return;
        }
        // Client-driven, as `virsh migrate` without --p2p: this process opens the target too.
        CloseState dest_closed;
        virConnectPtr dconn = nullptr;
        try {
            dconn = open_connection(r.dest_uri, keepalive_, &dest_closed);
        } catch (const HvError& e) {
            throw HvError(HvErrorKind::ConnectFailed, e.call(), fmt::format("migration target: {}", e.what()));
        }
        virDomainPtr ddom = virDomainMigrate3(dom, dconn, params.list, params.count, flags);
        if (!ddom) {
            HvError e = error("virDomainMigrate3", ref);
            close_dest(dconn);
            throw e;
        }
        virDomainFree(ddom);
        close_dest(dconn);
    }

    void abort_job(const DomainRef& ref) override
    {
        DomainHandle dom = handle(ref);
        if (virDomainAbortJob(dom) < 0) throw error("virDomainAbortJob", ref);
    }

    void resume(const DomainRef& ref) override
    {
        DomainHandle dom = handle(ref);
        if (virDomainResume(dom) < 0) throw error("virDomainResume", ref);
    }

    std::string definition_xml(const DomainRef& ref) override
    {
        DomainHandle dom = handle(ref);
        char* xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
        if (!xml) throw error("virDomainGetXMLDesc", ref);
        std::string out(xml);
        free(xml);  // NOLINT: libvirt allocates with malloc
        return out;
    }

    Activation activate_pool(const std::string& name) override
    {
        virStoragePoolPtr pool = virStoragePoolLookupByName(conn_, name.c_str());
        if (!pool) throw named_error("virStoragePoolLookupByName", "storage pool", name);
        int active = virStoragePoolIsActive(pool);
        int rc = active == 1 ? virStoragePoolRefresh(pool, 0) : active == 0 ? virStoragePoolCreate(pool, 0) : -1;
        if (rc < 0) {
            HvError e = named_error(active == 1 ? "virStoragePoolRefresh" : active == 0 ? "virStoragePoolCreate"
                                                                                       : "virStoragePoolIsActive",
                                    "storage pool", name);
            virStoragePoolFree(pool);
            throw e;
        }
        virStoragePoolFree(pool);
        return active == 1 ? Activation::WasActive : Activation::Started;
    }

    Activation activate_network(const std::string& name) override
    {
        virNetworkPtr net = virNetworkLookupByName(conn_, name.c_str());
        if (!net) throw named_error("virNetworkLookupByName", "network", name);
        int active = virNetworkIsActive(net);
        int rc = active == 1 ? 0 : active == 0 ? virNetworkCreate(net) : -1;
        if (rc < 0) {
            HvError e = named_error(active == 0 ? "virNetworkCreate" : "virNetworkIsActive", "network", name);
            virNetworkFree(net);
            throw e;
        }
        virNetworkFree(net);
        return active == 1 ? Activation::WasActive : Activation::Started;
    }

private:
    struct Params {
        virTypedParameterPtr list = nullptr;
        int count = 0;
        int capacity = 0;
        ~Params() { virTypedParamsFree(list, count); }
        void add_string(const char* name, const std::string& v)
        {
            if (virTypedParamsAddString(&list, &count, &capacity, name, v.c_str()) < 0) bad(name);
        }
        void add_ullong(const char* name, unsigned long long v)
        {
            if (virTypedParamsAddULLong(&list, &count, &capacity, name, v) < 0) bad(name);
        }
        void add_int(const char* name, int v)
        {
            if (virTypedParamsAddInt(&list, &count, &capacity, name, v) < 0) bad(name);
        }
        [[noreturn]] static void bad(const char* name)
        {
            throw HvError(HvErrorKind::Other, "virTypedParamsAdd", fmt::format("cannot add migration parameter {}", name));
        }
    };

    static void close_dest(virConnectPtr dconn)
    {
        if (virConnectUnregisterCloseCallback(dconn, on_close) < 0) virResetLastError();
        virConnectClose(dconn);
    }

    HvError error(const char* call) { return last_error(call, conn_, &closed_); }
    HvError named_error(const char* call, const char* what, const std::string& name)
    {
        HvError e = last_error(call, conn_, &closed_);
        return HvError(e.kind(), e.call(), fmt::format("{} ({} {})", e.what(), what, name));
    }
    HvError error(const char* call, const DomainRef& ref)
    {
        HvError e = last_error(call, conn_, &closed_);
        if (e.kind() == HvErrorKind::NoDomain) forget(ref);
        return HvError(e.kind(), e.call(), fmt::format("{} (domain {})", e.what(), ref.display()));
    }

    static std::string key_of(const DomainRef& ref) { return ref.uuid.empty() ? "name:" + ref.name : "uuid:" + ref.uuid; }

    // One lookup per domain and connection; the handle only names the domain, so it stays
    // valid while the domain is stopped and started again. Each call gets its own reference.
    DomainHandle handle(const DomainRef& ref)
    {
        std::lock_guard lock(mutex_);
        std::string key = key_of(ref);
        auto it = domains_.find(key);
        if (it == domains_.end()) {
            virDomainPtr dom = ref.uuid.empty() ? virDomainLookupByName(conn_, ref.name.c_str())
                                                : virDomainLookupByUUIDString(conn_, ref.uuid.c_str());
            if (!dom) {
                HvError e = last_error(ref.uuid.empty() ? "virDomainLookupByName" : "virDomainLookupByUUIDString", conn_,
                                       &closed_);
                throw HvError(e.kind(), e.call(), fmt::format("{} (domain {})", e.what(), ref.display()));
            }
            it = domains_.emplace(key, dom).first;
        }
        if (virDomainRef(it->second) < 0) throw last_error("virDomainRef", conn_, &closed_);
        return DomainHandle(it->second);
    }

    void forget(const DomainRef& ref)
    {
        std::lock_guard lock(mutex_);
        if (auto it = domains_.find(key_of(ref)); it != domains_.end()) {
            virDomainFree(it->second);
            domains_.erase(it);
        }
    }

    std::optional<DomainInfo> info_or_none(virDomainPtr dom, const char* call)
    {
        if (!dom) {
            HvError e = error(call);
            if (e.kind() == HvErrorKind::NoDomain) return std::nullopt;
            throw e;
        }
        return adopt(dom, call);
    }

    // Reads name, UUID, persistence and activity, then keeps the handle for later calls.
    DomainInfo adopt(virDomainPtr dom, const char* call)
    {
        DomainInfo info;
        const char* name = virDomainGetName(dom);
        info.name = name ? name : "";
        char uuid[VIR_UUID_STRING_BUFLEN] = {};
        if (virDomainGetUUIDString(dom, uuid) == 0) info.uuid = uuid;
        int persistent = virDomainIsPersistent(dom);
        int active = virDomainIsActive(dom);
        if (persistent < 0 || active < 0) {
            HvError e = error(call);
            virDomainFree(dom);
            throw e;
        }
        info.persistent = persistent == 1;
        info.active = active == 1;
        std::lock_guard lock(mutex_);
        auto [it, inserted] = domains_.emplace("uuid:" + info.uuid, dom);
        if (!inserted) virDomainFree(dom);
        return info;
    }

    KeepAlive keepalive_;
    CloseState closed_;  // declared before conn_: it must outlive the registration
    virConnectPtr conn_ = nullptr;
    std::mutex mutex_;
    std::map<std::string, virDomainPtr> domains_;
};

}  // namespace

LibvirtHypervisor::LibvirtHypervisor(KeepAlive keepalive) : keepalive_(keepalive) {}

std::shared_ptr<Connection> LibvirtHypervisor::connect(const std::string& uri)
{
    init_libvirt_once(keepalive_.interval_s > 0);  // here, not in the constructor: meta-data must not start threads
    return std::make_shared<LibvirtConnection>(uri, keepalive_);
}

}  // namespace ocfkit::virtdomain
