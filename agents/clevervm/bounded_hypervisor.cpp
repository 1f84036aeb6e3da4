// Every libvirt call bounded (ocfkit/bounded_call.h); a quick call that hangs marks libvirt unavailable.
#include "bounded_hypervisor.h"

#include <type_traits>

#include <fmt/format.h>

#include "ocfkit/bounded_call.h"

namespace ocfkit::clevervm {

namespace {

using std::chrono::milliseconds;

std::string duration_text(milliseconds d)
{
    if (d.count() % 1000 == 0) return fmt::format("{} s", d.count() / 1000);
    return fmt::format("{} ms", d.count());
}

}  // namespace

BoundedHypervisor::BoundedHypervisor(std::shared_ptr<Hypervisor> inner, std::string uri, LibvirtLimits limits)
    : inner_(std::move(inner)), uri_(std::move(uri)), limits_(limits)
{
}

BoundedHypervisor::~BoundedHypervisor()
{
    // Closing the connection is an RPC too: the last reference goes on a worker thread (or stays
    // with an abandoned call, which closes it if it ever returns).
    try {
        run_bounded(limits_.close, [inner = std::move(inner_)]() mutable { inner.reset(); });
    } catch (...) {
        // Nothing to report at exit.
    }
}

template <typename F>
auto BoundedHypervisor::bounded(const std::string& call, milliseconds bound, bool quick, F fn)
{
    if (unavailable_) throw *unavailable_;
    try {
        auto result = run_bounded(bound, [inner = inner_, fn = std::move(fn)]() mutable { return fn(*inner); });
        if (!result) {
            abandoned_ = true;
            if (quick) {
                // A quick call that hangs means libvirtd does: nothing else will answer either.
                unavailable_.emplace(fmt::format("libvirt at {} did not answer {} within {} (libvirtd stopped, hung or "
                                                 "overloaded?)", uri_, call, duration_text(bound)),
                                     true);
                throw *unavailable_;
            }
            throw HypervisorError(fmt::format("{} did not finish within {} (clevervm.conf: wait); libvirtd may still "
                                              "be working on it", call, duration_text(bound)));
        }
        if constexpr (std::is_same_v<std::decay_t<decltype(*result)>, NoValue>)
            return;
        else
            return std::move(*result);
    } catch (const HypervisorError& e) {
        if (e.unavailable && !unavailable_) unavailable_ = e;
        throw;
    }
}

void BoundedHypervisor::connect()
{
    if (connected_) return;
    bounded("virConnectOpen", limits_.connect, true, [](Hypervisor& h) { h.connect(); });
    connected_ = true;
}

std::vector<std::string> BoundedHypervisor::domains()
{
    connect();
    return bounded("virConnectListAllDomains", limits_.call, true, [](Hypervisor& h) { return h.domains(); });
}

GuestInfo BoundedHypervisor::guest(const std::string& name)
{
    connect();
    return bounded(fmt::format("virDomainGetState for {}", name), limits_.call, true, [name](Hypervisor& h) { return h.guest(name); });
}

void BoundedHypervisor::start(const std::string& name)
{
    connect();
    bounded(fmt::format("virDomainCreate of {}", name), limits_.slow, false, [name](Hypervisor& h) { h.start(name); });
}

void BoundedHypervisor::managed_save(const std::string& name)
{
    connect();
    bounded(fmt::format("virDomainManagedSave of {}", name), limits_.slow, false, [name](Hypervisor& h) { h.managed_save(name); });
}

void BoundedHypervisor::define(const std::string& xml)
{
    connect();
    bounded("virDomainDefineXML", limits_.call, true, [xml](Hypervisor& h) { h.define(xml); });
}

}  // namespace ocfkit::clevervm
