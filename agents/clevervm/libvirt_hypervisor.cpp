// Hypervisor over the libvirt C API: one connection with keepalive, opened on first use.
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "hypervisor.h"

namespace ocfkit::clevervm {

namespace {

// libvirt prints every error to stderr by default; we report them ourselves.
void quiet_errors(void*, virErrorPtr) {}

// Keepalive and the close callback need an event loop: one thread runs libvirt's default one
// for the life of the process (it must be registered before the first connection).
void init_libvirt_once()
{
    static std::once_flag once;
    std::call_once(once, [] {
        virInitialize();
        virSetErrorFunc(nullptr, quiet_errors);
        if (virEventRegisterDefaultImpl() == 0) {
            std::thread([] {
                for (;;)
                    if (virEventRunDefaultImpl() < 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }).detach();
        }
    });
}

// libvirt pings after 2 s without traffic and closes the connection after 2 unanswered pings:
// a libvirtd that stops answering ends a call in progress within about 6 s.
constexpr int kKeepAliveInterval = 2;
constexpr unsigned kKeepAliveCount = 2;

// Why libvirt closed the connection, written by the close callback on the event thread.
struct CloseState {
    std::atomic<int> reason{-1};
};

void on_close(virConnectPtr, int reason, void* opaque) { static_cast<CloseState*>(opaque)->reason.store(reason); }

std::string_view close_reason_text(int reason)
{
    switch (reason) {
    case VIR_CONNECT_CLOSE_REASON_ERROR: return "I/O error";
    case VIR_CONNECT_CLOSE_REASON_EOF: return "libvirtd closed it: stopped or crashed?";
    case VIR_CONNECT_CLOSE_REASON_KEEPALIVE: return "keepalive timeout: libvirtd stopped answering";
    case VIR_CONNECT_CLOSE_REASON_CLIENT: return "closed by the client";
    default: return "unknown reason";
    }
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
    explicit LibvirtHypervisor(std::string uri) : uri_(std::move(uri)) { init_libvirt_once(); }
    ~LibvirtHypervisor() override
    {
        if (!conn_) return;
        if (virConnectUnregisterCloseCallback(conn_, on_close) < 0) virResetLastError();  // fired already
        virConnectClose(conn_);
    }
    LibvirtHypervisor(const LibvirtHypervisor&) = delete;
    LibvirtHypervisor& operator=(const LibvirtHypervisor&) = delete;

    void connect() override { conn(); }

    std::vector<std::string> domains() override
    {
        virDomainPtr* list = nullptr;
        int n = virConnectListAllDomains(conn(), &list, 0);
        if (n < 0) throw error("cannot list domains");
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
            throw error(fmt::format("cannot read the state of {}", name));
        info.state = state_name(state);
        int active = virDomainIsActive(dom.get());
        if (active < 0) throw error(fmt::format("cannot read the state of {}", name));
        info.active = active == 1;
        int saved = virDomainHasManagedSaveImage(dom.get(), 0);
        if (saved < 0) throw error(fmt::format("cannot ask {} for a managed save image", name));
        info.managed_save = saved == 1;
        int persistent = virDomainIsPersistent(dom.get());
        if (persistent < 0) throw error(fmt::format("cannot read the state of {}", name));
        info.persistent = persistent == 1;
        return info;
    }

    void start(const std::string& name) override
    {
        Domain dom = lookup(name, true);
        if (virDomainCreate(dom.get()) < 0) throw error(fmt::format("cannot start {}", name));
    }

    void managed_save(const std::string& name) override
    {
        Domain dom = lookup(name, true);
        if (virDomainManagedSave(dom.get(), 0) < 0) throw error(fmt::format("cannot hibernate {} (managed save)", name));
    }

    void define(const std::string& xml) override
    {
        Domain dom(virDomainDefineXML(conn(), xml.c_str()));
        if (!dom) throw error("cannot define the domain");
    }

private:
    virConnectPtr conn()
    {
        if (conn_) return conn_;
        virConnectPtr c = virConnectOpen(uri_.c_str());
        if (!c) throw error(fmt::format("cannot connect to libvirt at {}", uri_), true);
        // 1 = the peer does not support keepalive (a local driver): nothing to arm then.
        if (virConnectSetKeepAlive(c, kKeepAliveInterval, kKeepAliveCount) < 0) virResetLastError();
        // No free callback: the state is ours and unregistered before the connection closes.
        if (virConnectRegisterCloseCallback(c, on_close, &closed_, nullptr) < 0) virResetLastError();
        conn_ = c;
        return conn_;
    }

    // The error of the libvirt call that just failed on this thread; unavailable when the
    // connection is gone (libvirtd stopped, crashed or stopped answering) or never came up.
    HypervisorError error(std::string_view what, bool connecting = false)
    {
        const virError* e = virGetLastError();
        std::string message = fmt::format("{}: {}", what, e && e->message ? e->message : "unknown libvirt error");
        int reason = closed_.reason.load();
        bool lost = conn_ && (reason >= 0 || virConnectIsAlive(conn_) == 0);
        if (reason >= 0) message += fmt::format(" (connection closed: {})", close_reason_text(reason));
        virResetLastError();
        return HypervisorError(message, connecting || lost);
    }

    Domain lookup(const std::string& name, bool required)
    {
        virConnectPtr c = conn();
        Domain dom(virDomainLookupByName(c, name.c_str()));
        if (dom) return dom;
        virErrorPtr err = virGetLastError();
        if (err && err->code == VIR_ERR_NO_DOMAIN) {
            virResetLastError();
            if (!required) return nullptr;
            throw HypervisorError(fmt::format("no domain named {} is defined at {}", name, uri_));
        }
        throw error(fmt::format("cannot look up domain {}", name));
    }

    std::string uri_;
    virConnectPtr conn_ = nullptr;
    CloseState closed_;
};

}  // namespace

std::shared_ptr<Hypervisor> make_libvirt_hypervisor(std::string uri)
{
    return std::make_shared<LibvirtHypervisor>(std::move(uri));
}

}  // namespace ocfkit::clevervm
