// The in-memory hypervisor: libvirt's semantics as far as the agent relies on them.
#include "fake_hypervisor.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "domain_xml.h"

namespace ocfkit::virtdomain::test {

namespace {

constexpr const char* kSaveMagic = "FAKE-LIBVIRT-SAVE\n";

HvError no_domain(const std::string& call, const DomainRef& ref)
{
    return HvError(HvErrorKind::NoDomain, call,
                   fmt::format("{}: Domain not found: no domain with matching name or uuid '{}'", call, ref.display()));
}

class FakeConnection final : public Connection {
public:
    FakeConnection(std::shared_ptr<FakeHypervisor::Impl> impl, FakeHypervisor* target)
        : impl_(std::move(impl)), target_(target)
    {
    }

    unsigned long long lib_version() override { return 9000000; }

    std::optional<DomainInfo> find_by_name(const std::string& name) override
    {
        std::lock_guard lock(impl_->mutex);
        auto it = impl_->domains.find(name);
        if (it == impl_->domains.end()) return std::nullopt;
        return info(it->second);
    }

    std::optional<DomainInfo> find_by_uuid(const std::string& uuid) override
    {
        std::lock_guard lock(impl_->mutex);
        for (auto& [n, d] : impl_->domains)
            if (d.uuid == uuid) return info(d);
        return std::nullopt;
    }

    DomainStatus status(const DomainRef& ref) override
    {
        std::lock_guard lock(impl_->mutex);
        FakeDomain& d = find(ref, "virDomainGetInfo");
        if (d.polls_until_off == 0) {
            d.polls_until_off = -1;
            std::string name = d.name;
            power_off(name, shutoff_reason::Shutdown);
            auto it = impl_->domains.find(name);
            if (it == impl_->domains.end()) throw no_domain("virDomainGetInfo", ref);
            return it->second.status;
        }
        if (d.polls_until_off > 0) --d.polls_until_off;
        return d.status;
    }

    DomainInfo define(const std::string& xml) override
    {
        std::lock_guard lock(impl_->mutex);
        FakeDomain parsed = from_xml(xml, "virDomainDefineXMLFlags");
        auto it = impl_->domains.find(parsed.name);
        if (it != impl_->domains.end()) {
            if (it->second.uuid != parsed.uuid)
                throw HvError(HvErrorKind::InvalidOperation, "virDomainDefineXMLFlags",
                              fmt::format("virDomainDefineXMLFlags: operation failed: domain '{}' already exists with uuid {}",
                                          parsed.name, it->second.uuid));
            it->second.xml = xml;
            it->second.persistent = true;
            return info(it->second);
        }
        parsed.persistent = true;
        auto& d = impl_->domains[parsed.name] = parsed;
        return info(d);
    }

    void undefine(const DomainRef& ref) override
    {
        std::lock_guard lock(impl_->mutex);
        FakeDomain& d = find(ref, "virDomainUndefineFlags");
        if (d.active)
            d.persistent = false;
        else
            impl_->domains.erase(d.name);
    }

    void start(const DomainRef& ref) override
    {
        std::lock_guard lock(impl_->mutex);
        FakeDomain& d = find(ref, "virDomainCreate");
        if (d.active) throw HvError(HvErrorKind::InvalidOperation, "virDomainCreate", "virDomainCreate: domain is already running");
        run(d);
    }

    DomainInfo create(const std::string& xml) override
    {
        std::lock_guard lock(impl_->mutex);
        FakeDomain parsed = from_xml(xml, "virDomainCreateXML");
        auto it = impl_->domains.find(parsed.name);
        if (it != impl_->domains.end()) {
            if (it->second.active)
                throw HvError(HvErrorKind::InvalidOperation, "virDomainCreateXML",
                              fmt::format("virDomainCreateXML: domain '{}' is already active", parsed.name));
            if (it->second.uuid != parsed.uuid)
                throw HvError(HvErrorKind::InvalidOperation, "virDomainCreateXML",
                              fmt::format("virDomainCreateXML: domain '{}' already exists with uuid {}", parsed.name,
                                          it->second.uuid));
            parsed.persistent = it->second.persistent;
            parsed.dies_on_start = it->second.dies_on_start;
            parsed.honours_shutdown = it->second.honours_shutdown;
        }
        auto& d = impl_->domains[parsed.name] = parsed;
        run(d);
        auto found = impl_->domains.find(parsed.name);
        return found == impl_->domains.end() ? DomainInfo{parsed.name, parsed.uuid, false, false} : info(found->second);
    }

    void shutdown(const DomainRef& ref, unsigned modes) override
    {
        std::lock_guard lock(impl_->mutex);
        FakeDomain& d = find(ref, "virDomainShutdownFlags");
        if (!d.active) throw HvError(HvErrorKind::InvalidOperation, "virDomainShutdownFlags", "domain is not running");
        impl_->shutdown_modes.push_back(modes);
        if (d.honours_shutdown) d.polls_until_off = 2;
    }

    void destroy(const DomainRef& ref) override
    {
        std::lock_guard lock(impl_->mutex);
        FakeDomain& d = find(ref, "virDomainDestroyFlags");
        if (!d.active)
            throw HvError(HvErrorKind::InvalidOperation, "virDomainDestroyFlags",
                          "virDomainDestroyFlags: Requested operation is not valid: domain is not running");
        power_off(d.name, shutoff_reason::Destroyed);
    }

    void save(const DomainRef& ref, const std::string& path) override
    {
        std::lock_guard lock(impl_->mutex);
        FakeDomain& d = find(ref, "virDomainSaveFlags");
        if (!d.active) throw HvError(HvErrorKind::InvalidOperation, "virDomainSaveFlags", "domain is not running");
        std::ofstream out(path, std::ios::trunc);
        out << kSaveMagic << with_uuid(d.xml, d.uuid);  // a saved image's XML always has the UUID
        if (!out) throw HvError(HvErrorKind::Other, "virDomainSaveFlags", fmt::format("cannot write {}", path));
        power_off(d.name, shutoff_reason::Saved);
    }

    std::string saved_image_xml(const std::string& path) override
    {
        std::ifstream in(path);
        std::stringstream ss;
        ss << in.rdbuf();
        std::string text = ss.str();
        if (text.rfind(kSaveMagic, 0) != 0)
            throw HvError(HvErrorKind::Other, "virDomainSaveImageGetXMLDesc",
                          fmt::format("virDomainSaveImageGetXMLDesc: {} is not a saved image", path));
        return text.substr(std::string(kSaveMagic).size());
    }

    void restore(const std::string& path) override
    {
        std::string xml = saved_image_xml(path);
        std::lock_guard lock(impl_->mutex);
        FakeDomain parsed = from_xml(xml, "virDomainRestoreFlags");
        auto it = impl_->domains.find(parsed.name);
        if (it != impl_->domains.end() && it->second.active)
            throw HvError(HvErrorKind::InvalidOperation, "virDomainRestoreFlags", "domain is already active");
        if (it != impl_->domains.end()) parsed.persistent = it->second.persistent;
        auto& d = impl_->domains[parsed.name] = parsed;
        run(d);
    }

    void set_max_downtime(const DomainRef& ref, unsigned long long) override
    {
        std::lock_guard lock(impl_->mutex);
        find(ref, "virDomainMigrateSetMaxDowntime");
    }

    void migrate(const DomainRef& ref, const MigrateRequest& request) override
    {
        FakeDomain moved;
        {
            std::lock_guard lock(impl_->mutex);
            FakeDomain& d = find(ref, "virDomainMigrate3");
            impl_->migrations.push_back(request);
            if (!target_)
                throw HvError(HvErrorKind::ConnectFailed, "virConnectOpenAuth",
                              fmt::format("migration target: cannot connect to {}", request.dest_uri));
            moved = d;
            if (d.persistent && !request.undefine_source)
                power_off(d.name, shutoff_reason::Migrated);
            else
                impl_->domains.erase(d.name);
        }
        auto t = target_->impl();
        std::lock_guard lock(t->mutex);
        moved.persistent = request.persist_dest;
        t->domains[moved.name] = moved;
    }

    void abort_job(const DomainRef& ref) override
    {
        std::lock_guard lock(impl_->mutex);
        find(ref, "virDomainAbortJob");
        ++impl_->aborts;
    }

    void resume(const DomainRef& ref) override
    {
        std::lock_guard lock(impl_->mutex);
        FakeDomain& d = find(ref, "virDomainResume");
        d.status.state = DomainState::Running;
    }

    std::string definition_xml(const DomainRef& ref) override
    {
        std::lock_guard lock(impl_->mutex);
        FakeDomain& d = find(ref, "virDomainGetXMLDesc");
        return with_uuid(d.xml, d.uuid);
    }

    Activation activate_pool(const std::string& name) override
    {
        std::lock_guard lock(impl_->mutex);
        auto it = impl_->pools.find(name);
        if (it == impl_->pools.end())
            throw HvError(HvErrorKind::NoObject, "virStoragePoolLookupByName",
                          fmt::format("virStoragePoolLookupByName: Storage pool not found: no storage pool with "
                                      "matching name '{}' (storage pool {})", name, name));
        if (it->second) {
            ++impl_->pool_refreshes;
            return Activation::WasActive;
        }
        it->second = true;
        return Activation::Started;
    }

    Activation activate_network(const std::string& name) override
    {
        std::lock_guard lock(impl_->mutex);
        auto it = impl_->networks.find(name);
        if (it == impl_->networks.end())
            throw HvError(HvErrorKind::NoObject, "virNetworkLookupByName",
                          fmt::format("virNetworkLookupByName: Network not found: no network with matching name '{}' "
                                      "(network {})", name, name));
        if (it->second) return Activation::WasActive;
        it->second = true;
        return Activation::Started;
    }

private:
    static DomainInfo info(const FakeDomain& d) { return {d.name, d.uuid, d.persistent, d.active}; }

    FakeDomain& find(const DomainRef& ref, const std::string& call)
    {
        for (auto& [n, d] : impl_->domains)
            if ((!ref.uuid.empty() && d.uuid == ref.uuid) || (ref.uuid.empty() && n == ref.name)) return d;
        throw no_domain(call, ref);
    }

    FakeDomain from_xml(const std::string& xml, const std::string& call)
    {
        DomainXmlResult r = parse_domain_xml(xml);
        if (!r.ok()) throw HvError(HvErrorKind::InvalidConfig, call, fmt::format("{}: XML error: {}", call, r.error.message));
        FakeDomain d;
        d.name = r.xml->name;
        d.uuid = r.xml->uuid;
        // As libvirt: no <uuid> means a new random one, even when the name is defined already.
        if (d.uuid.empty()) d.uuid = fmt::format("00000000-0000-4000-8000-{:012d}", ++impl_->uuid_counter);
        d.xml = xml;
        return d;
    }

    void run(FakeDomain& d)
    {
        if (d.dies_on_start) {
            power_off(d.name, shutoff_reason::Failed);
            return;
        }
        d.active = true;
        d.status.state = DomainState::Running;
        d.status.reason = 1;
    }

    // Transient domains disappear when they stop; persistent ones stay, shut off.
    void power_off(const std::string& name, int reason)
    {
        auto it = impl_->domains.find(name);
        if (it == impl_->domains.end()) return;
        if (!it->second.persistent) {
            impl_->domains.erase(it);
            return;
        }
        it->second.active = false;
        it->second.status.state = DomainState::ShutOff;
        it->second.status.reason = reason;
    }

    std::shared_ptr<FakeHypervisor::Impl> impl_;
    FakeHypervisor* target_;
};

}  // namespace

std::shared_ptr<Connection> FakeHypervisor::connect(const std::string& uri)
{
    {
        std::lock_guard lock(impl_->mutex);
        impl_->uris.push_back(uri);
        if (impl_->down)
            throw HvError(HvErrorKind::ConnectFailed, "virConnectOpenAuth",
                          fmt::format("cannot connect to {}: virConnectOpenAuth: Failed to connect socket to "
                                      "'/run/libvirt/libvirt-sock': No such file or directory",
                                      uri));
    }
    return std::make_shared<FakeConnection>(impl_, target_);
}

void FakeHypervisor::add(FakeDomain d)
{
    std::lock_guard lock(impl_->mutex);
    impl_->domains[d.name] = std::move(d);
}

std::optional<FakeDomain> FakeHypervisor::get(const std::string& name) const
{
    std::lock_guard lock(impl_->mutex);
    auto it = impl_->domains.find(name);
    if (it == impl_->domains.end()) return std::nullopt;
    return it->second;
}

void FakeHypervisor::set_state(const std::string& name, DomainStatus st)
{
    std::lock_guard lock(impl_->mutex);
    auto& d = impl_->domains.at(name);
    d.status = st;
    d.active = st.state != DomainState::ShutOff;
}

void FakeHypervisor::set_down(bool down)
{
    std::lock_guard lock(impl_->mutex);
    impl_->down = down;
}

std::vector<std::string> FakeHypervisor::uris() const
{
    std::lock_guard lock(impl_->mutex);
    return impl_->uris;
}

std::vector<unsigned> FakeHypervisor::shutdown_modes() const
{
    std::lock_guard lock(impl_->mutex);
    return impl_->shutdown_modes;
}

std::vector<MigrateRequest> FakeHypervisor::migrations() const
{
    std::lock_guard lock(impl_->mutex);
    return impl_->migrations;
}

void FakeHypervisor::define_pool(const std::string& name, bool active)
{
    std::lock_guard lock(impl_->mutex);
    impl_->pools[name] = active;
}

void FakeHypervisor::define_network(const std::string& name, bool active)
{
    std::lock_guard lock(impl_->mutex);
    impl_->networks[name] = active;
}

std::optional<bool> FakeHypervisor::pool_active(const std::string& name) const
{
    std::lock_guard lock(impl_->mutex);
    auto it = impl_->pools.find(name);
    if (it == impl_->pools.end()) return std::nullopt;
    return it->second;
}

std::optional<bool> FakeHypervisor::network_active(const std::string& name) const
{
    std::lock_guard lock(impl_->mutex);
    auto it = impl_->networks.find(name);
    if (it == impl_->networks.end()) return std::nullopt;
    return it->second;
}

int FakeHypervisor::pool_refreshes() const
{
    std::lock_guard lock(impl_->mutex);
    return impl_->pool_refreshes;
}

int FakeHypervisor::aborts() const
{
    std::lock_guard lock(impl_->mutex);
    return impl_->aborts;
}

}  // namespace ocfkit::virtdomain::test
