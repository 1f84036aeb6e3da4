// The real libvirt client (LibvirtHypervisor) against libvirt's in-process test driver, with a
// few libvirt functions interposed by this executable to count domain references and to hold a
// call "in flight": a domain object must stay alive while any call still uses it.
#include "catch.h"

#include <dlfcn.h>
#include <libvirt/libvirt.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "libvirt_hypervisor.h"

using namespace ocfkit::virtdomain;

namespace {

std::mutex g_mutex;
std::condition_variable g_cv;
std::map<virDomainPtr, int> g_refs;  // references libvirt handed out minus those given back
std::set<virDomainPtr> g_freed;      // objects whose last reference was given back
bool g_in_call = false, g_release = false;
int g_used_after_free = 0;

template <typename F>
F real(const char* name)
{
    return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

virDomainPtr born(virDomainPtr dom)
{
    std::lock_guard lock(g_mutex);
    if (dom) {
        g_refs[dom] = 1;
        g_freed.erase(dom);
    }
    return dom;
}

}  // namespace

// This executable's definitions win over libvirt.so's for every caller in it.
extern "C" {

virDomainPtr virDomainCreateXML(virConnectPtr conn, const char* xml, unsigned int flags)
{
    return born(real<decltype(&virDomainCreateXML)>("virDomainCreateXML")(conn, xml, flags));
}

virDomainPtr virDomainLookupByName(virConnectPtr conn, const char* name)
{
    return born(real<decltype(&virDomainLookupByName)>("virDomainLookupByName")(conn, name));
}

virDomainPtr virDomainLookupByUUIDString(virConnectPtr conn, const char* uuid)
{
    return born(real<decltype(&virDomainLookupByUUIDString)>("virDomainLookupByUUIDString")(conn, uuid));
}

int virDomainRef(virDomainPtr dom)
{
    {
        std::lock_guard lock(g_mutex);
        ++g_refs[dom];
    }
    return real<decltype(&virDomainRef)>("virDomainRef")(dom);
}

int virDomainFree(virDomainPtr dom)
{
    {
        std::lock_guard lock(g_mutex);
        if (--g_refs[dom] <= 0) {
            g_refs.erase(dom);
            g_freed.insert(dom);
        }
    }
    return real<decltype(&virDomainFree)>("virDomainFree")(dom);
}

// A migration that takes as long as the test wants (the test driver cannot migrate).
int virDomainMigrateToURI3(virDomainPtr dom, const char*, virTypedParameterPtr, unsigned int, unsigned int)
{
    std::unique_lock lock(g_mutex);
    g_in_call = true;
    g_cv.notify_all();
    g_cv.wait(lock, [] { return g_release; });
    // The migration would go on using the object now.
    if (g_freed.count(dom)) ++g_used_after_free;
    return 0;
}

}  // extern "C"

TEST_CASE("a call in flight keeps its domain object alive when another call finds the domain gone", "[vd-handles]")
{
    LibvirtHypervisor hv(KeepAlive{0, 0});
    auto conn = hv.connect("test:///default");
    DomainInfo made = conn->create("<domain type='test'><name>ocfkit-handle</name><memory>65536</memory>"
                                   "<os><type>hvm</type></os></domain>");
    DomainRef ref{made.name, made.uuid};
    REQUIRE(conn->status(ref).state == DomainState::Running);

    // An abandoned migrate_to call, still inside virDomainMigrateToURI3.
    MigrateRequest request;
    request.dest_uri = "test:///default";
    request.peer2peer = true;
    std::thread migration([&] { conn->migrate(ref, request); });
    {
        std::unique_lock lock(g_mutex);
        g_cv.wait(lock, [] { return g_in_call; });
    }
    // Meanwhile the transient domain goes away and the next query says so (NoDomain).
    conn->destroy(ref);
    try {
        conn->status(ref);
        FAIL("the destroyed transient domain still answers");
    } catch (const HvError& e) {
        CHECK(e.kind() == HvErrorKind::NoDomain);
    }
    {
        std::lock_guard lock(g_mutex);
        g_release = true;
    }
    g_cv.notify_all();
    migration.join();
    CHECK(g_used_after_free == 0);
}
