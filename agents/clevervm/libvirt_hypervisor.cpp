// Hypervisor over the libvirt C API: one connection, opened on first use.
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <algorithm>
#include <memory>

#include <fmt/format.h>

#include "hypervisor.h"

namespace ocfkit::clevervm {

namespace {

// libvirt prints every error to stderr by default; we report them ourselves.
void quiet_errors(void*, virErrorPtr) {}

std::string last_error(std::string_view what)
{
    const char* msg = virGetLastErrorMessage();
    return fmt::format("{}: {}", what, msg ? msg : "unknown libvirt error");
}

std::string state_name(int state)
{
    switch (state) {
    case VIR_DOMAIN_RUNNING: return "running";
    case VIR_DOMAIN_BLOCKED: return "blocked";
    case VIR_DOMAIN_PAUSED: return "paused";
    case VIR_DOMAIN_SHUTDOWN: return "shutting down";
    case VIR_DOMAIN_SHUTOFF: return "shut off";
    case VIR_DOMAIN_CRASHED: return "crashed";
    case VIR_DOMAIN_PMSUSPENDED: return "pmsuspended";
    default: return "no state";
    }
}

struct DomainFree {
    void operator()(virDomainPtr d) const { virDomainFree(d); }
};
using Domain = std::unique_ptr<virDomain, DomainFree>;

class LibvirtHypervisor final : public Hypervisor {
public:
    explicit LibvirtHypervisor(std::string uri) : uri_(std::move(uri)) {}
    ~LibvirtHypervisor() override
    {
        if (conn_) virConnectClose(conn_);
    }
    LibvirtHypervisor(const LibvirtHypervisor&) = delete;
    LibvirtHypervisor& operator=(const LibvirtHypervisor&) = delete;

    std::vector<std::string> domains() override
    {
        virDomainPtr* list = nullptr;
        int n = virConnectListAllDomains(conn(), &list, 0);
        if (n < 0) throw HypervisorError(last_error("cannot list domains"));
        std::vector<std::string> names;
        for (int i = 0; i < n; ++i) {
            if (const char* name = virDomainGetName(list[i])) names.emplace_back(name);
            virDomainFree(list[i]);
        }
        free(list);  // NOLINT: allocated by libvirt
        std::sort(names.begin(), names.end());
        return names;
    }

    GuestInfo guest(const std::string& name) override
    {
        GuestInfo info;
        Domain dom = lookup(name, false);
        if (!dom) return info;
        info.exists = true;
        int state = 0;
        int reason = 0;
        if (virDomainGetState(dom.get(), &state, &reason, 0) < 0)
            throw HypervisorError(last_error(fmt::format("cannot read the state of {}", name)));
        info.state = state_name(state);
        int active = virDomainIsActive(dom.get());
        if (active < 0) throw HypervisorError(last_error(fmt::format("cannot read the state of {}", name)));
        info.active = active == 1;
        int saved = virDomainHasManagedSaveImage(dom.get(), 0);
        if (saved < 0) throw HypervisorError(last_error(fmt::format("cannot ask {} for a managed save image", name)));
        info.managed_save = saved == 1;
        int persistent = virDomainIsPersistent(dom.get());
        if (persistent < 0) throw HypervisorError(last_error(fmt::format("cannot read the state of {}", name)));
        info.persistent = persistent == 1;
        return info;
    }

    void start(const std::string& name) override
    {
        Domain dom = lookup(name, true);
        if (virDomainCreate(dom.get()) < 0) throw HypervisorError(last_error(fmt::format("cannot start {}", name)));
    }

    void managed_save(const std::string& name) override
    {
        Domain dom = lookup(name, true);
        if (virDomainManagedSave(dom.get(), 0) < 0)
            throw HypervisorError(last_error(fmt::format("cannot hibernate {} (managed save)", name)));
    }

    void define(const std::string& xml) override
    {
        Domain dom(virDomainDefineXML(conn(), xml.c_str()));
        if (!dom) throw HypervisorError(last_error("cannot define the domain"));
    }

private:
    virConnectPtr conn()
    {
        if (conn_) return conn_;
        virSetErrorFunc(nullptr, quiet_errors);
        conn_ = virConnectOpen(uri_.c_str());
        if (!conn_) throw HypervisorError(last_error(fmt::format("cannot connect to libvirt at {}", uri_)));
        return conn_;
    }

    Domain lookup(const std::string& name, bool required)
    {
        virConnectPtr c = conn();
        Domain dom(virDomainLookupByName(c, name.c_str()));
        if (dom) return dom;
        virErrorPtr err = virGetLastError();
        if (err && err->code == VIR_ERR_NO_DOMAIN && !required) return nullptr;
        if (err && err->code == VIR_ERR_NO_DOMAIN)
            throw HypervisorError(fmt::format("no domain named {} is defined at {}", name, uri_));
        throw HypervisorError(last_error(fmt::format("cannot look up domain {}", name)));
    }

    std::string uri_;
    virConnectPtr conn_ = nullptr;
};

}  // namespace

std::unique_ptr<Hypervisor> make_libvirt_hypervisor(std::string uri)
{
    return std::make_unique<LibvirtHypervisor>(std::move(uri));
}

}  // namespace ocfkit::clevervm
