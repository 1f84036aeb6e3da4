// Every hypervisor call bounded (ocfkit/bounded_call.h) by the operation's deadline.
#include "bounded_hypervisor.h"

#include <optional>
#include <type_traits>

#include <fmt/format.h>

#include "ocfkit/bounded_call.h"

namespace ocfkit::virtdomain {

namespace {

using std::chrono::milliseconds;

// fn's result, rethrows its exception, or throws Timeout after `bound`.
template <typename F>
auto bounded_call(const char* call, milliseconds bound, const char* remedy, F fn)
{
    if (bound <= milliseconds(0))
        throw HvError(HvErrorKind::Timeout, call,
                      fmt::format("{}: no time left before the operation's deadline", call));
    auto result = run_bounded(bound, std::move(fn));
    if (!result)
        throw HvError(HvErrorKind::Timeout, call,
                      fmt::format("{} did not return within {} ms ({})", call, bound.count(), remedy));
    if constexpr (std::is_void_v<std::invoke_result_t<F&>>)
        return;
    else
        return std::move(*result);
}

constexpr const char* kHung = "libvirtd hung or overloaded?";

class BoundedConnection final : public Connection {
    template <typename F>
    auto quick(const char* call, F fn)
    {
        try {
            return bounded_call(call, deadline_.clamp(limits_.call_timeout), kHung, std::move(fn));
        } catch (const HvError& e) {
            if (observer_ && e.unreachable()) observer_->unreachable(e);
            throw;
        }
    }
    template <typename F>
    auto slow(const char* call, F fn)
    {
        try {
            return bounded_call(call, deadline_.remaining() - limits_.reserve,
                                "the operation's deadline came first", std::move(fn));
        } catch (const HvError& e) {
            if (observer_ && e.unreachable() && e.kind() != HvErrorKind::Timeout) observer_->unreachable(e);
            throw;
        }
    }

    std::shared_ptr<Connection> inner_;
    const Deadline& deadline_;
    CallLimits limits_;
    ReachabilityObserver* observer_;

public:
    BoundedConnection(std::shared_ptr<Connection> inner, const Deadline& deadline, CallLimits limits,
                      ReachabilityObserver* observer)
        : inner_(std::move(inner)), deadline_(deadline), limits_(limits), observer_(observer)
    {
    }

    ~BoundedConnection() override
    {
        // The last reference may close the connection, which is itself an RPC.
        auto inner = std::move(inner_);
        try {
            bounded_call("virConnectClose", std::min(limits_.close_timeout, std::max(deadline_.remaining(), milliseconds(200))),
                         kHung, [inner = std::move(inner)]() mutable { inner.reset(); });
        } catch (...) {
            // Nothing to report: the operation's result is already decided.
        }
    }

    unsigned long long lib_version() override
    {
        return quick("virConnectGetLibVersion", [c = inner_] { return c->lib_version(); });
    }
    std::optional<DomainInfo> find_by_name(const std::string& name) override
    {
        return quick("virDomainLookupByName", [c = inner_, name] { return c->find_by_name(name); });
    }
    std::optional<DomainInfo> find_by_uuid(const std::string& uuid) override
    {
        return quick("virDomainLookupByUUIDString", [c = inner_, uuid] { return c->find_by_uuid(uuid); });
    }
    DomainStatus status(const DomainRef& ref) override
    {
        return quick("virDomainGetInfo", [c = inner_, ref] { return c->status(ref); });
    }
    DomainInfo define(const std::string& xml) override
    {
        return quick("virDomainDefineXML", [c = inner_, xml] { return c->define(xml); });
    }
    void undefine(const DomainRef& ref) override
    {
        quick("virDomainUndefineFlags", [c = inner_, ref] { c->undefine(ref); });
    }
    void start(const DomainRef& ref) override
    {
        slow("virDomainCreate", [c = inner_, ref] { c->start(ref); });
    }
    DomainInfo create(const std::string& xml) override
    {
        return slow("virDomainCreateXML", [c = inner_, xml] { return c->create(xml); });
    }
    void shutdown(const DomainRef& ref, unsigned modes) override
    {
        quick("virDomainShutdownFlags", [c = inner_, ref, modes] { c->shutdown(ref, modes); });
    }
    void destroy(const DomainRef& ref) override
    {
        slow("virDomainDestroy", [c = inner_, ref] { c->destroy(ref); });
    }
    void save(const DomainRef& ref, const std::string& path) override
    {
        slow("virDomainSave", [c = inner_, ref, path] { c->save(ref, path); });
    }
    std::string saved_image_xml(const std::string& path) override
    {
        return quick("virDomainSaveImageGetXMLDesc", [c = inner_, path] { return c->saved_image_xml(path); });
    }
    void restore(const std::string& path) override
    {
        slow("virDomainRestoreFlags", [c = inner_, path] { c->restore(path); });
    }
    void set_max_downtime(const DomainRef& ref, unsigned long long ms) override
    {
        quick("virDomainMigrateSetMaxDowntime", [c = inner_, ref, ms] { c->set_max_downtime(ref, ms); });
    }
    void migrate(const DomainRef& ref, const MigrateRequest& request) override
    {
        slow("virDomainMigrate3", [c = inner_, ref, request] { c->migrate(ref, request); });
    }
    void abort_job(const DomainRef& ref) override
    {
        // Used in the reserve, after a long call overran: the reserve is what is left.
        quick("virDomainAbortJob", [c = inner_, ref] { c->abort_job(ref); });
    }
    void resume(const DomainRef& ref) override
    {
        quick("virDomainResume", [c = inner_, ref] { c->resume(ref); });
    }
    std::string definition_xml(const DomainRef& ref) override
    {
        return quick("virDomainGetXMLDesc", [c = inner_, ref] { return c->definition_xml(ref); });
    }
    // Starting a pool may mount NFS or log in to iSCSI; a network starts dnsmasq: long calls.
    Activation activate_pool(const std::string& name) override
    {
        return slow("virStoragePoolCreate", [c = inner_, name] { return c->activate_pool(name); });
    }
    Activation activate_network(const std::string& name) override
    {
        return slow("virNetworkCreate", [c = inner_, name] { return c->activate_network(name); });
    }

};

}  // namespace

BoundedHypervisor::BoundedHypervisor(Hypervisor& inner, const Deadline& deadline, CallLimits limits)
    : inner_(inner), deadline_(deadline), limits_(limits)
{
}

void BoundedHypervisor::watch(const std::string& uri, ReachabilityObserver& observer,
                              std::optional<milliseconds> first_connect)
{
    watched_uri_ = uri;
    observer_ = &observer;
    first_connect_ = first_connect;
}

std::shared_ptr<Connection> BoundedHypervisor::connect(const std::string& uri)
{
    Hypervisor* inner = &inner_;
    ReachabilityObserver* observer = observer_ && uri == watched_uri_ ? observer_ : nullptr;
    milliseconds bound = limits_.call_timeout;
    const char* remedy = "libvirtd hung, or a remote transport waiting?";
    if (observer && first_connect_) {
        bound = *first_connect_;
        remedy = "still hung: it did not answer an earlier operation here either";
        first_connect_.reset();
    }
    std::shared_ptr<Connection> conn;
    try {
        conn = bounded_call("virConnectOpenAuth", deadline_.clamp(bound), remedy,
                            [inner, uri] { return inner->connect(uri); });
    } catch (const HvError& e) {
        if (observer && e.unreachable()) observer->unreachable(e);
        throw;
    }
    if (observer) observer->answered();
    return std::make_shared<BoundedConnection>(std::move(conn), deadline_, limits_, observer);
}

}  // namespace ocfkit::virtdomain
