// Stand-ins for libvirt and the host, and fixture loading, for the clevervm tests.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "hypervisor.h"
#include "host_view.h"

namespace ocfkit::clevervm::testing {

inline std::string fixture(const std::string& relative)
{
    const char* root = std::getenv("OCFKIT_TEST_DATA");
    std::string path = std::string(root ? root : "tests/data") + "/" + relative;
    std::ifstream in(path);
    if (!in) throw std::runtime_error("missing fixture " + path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// In-memory libvirt with fault injection: errors, and hangs (a call blocks until release(), as
// on a SIGSTOPped libvirtd) for the bounded layer. Operations are named "connect", "domains",
// "guest", "start:NAME", "managed_save:NAME", "define".
class FakeHypervisor final : public Hypervisor {
public:
    std::map<std::string, GuestInfo> guests;
    std::vector<std::string> calls;
    std::string unreachable;          // set: every call throws this (libvirt unavailable)
    std::map<std::string, std::string> fail;  // operation "start:web" -> message
    std::set<std::string> hang;       // operations that block until release()

    ~FakeHypervisor() override { release(); }

    // Ends every hang (the abandoned calls then go through).
    void release()
    {
        std::lock_guard lock(hang_mutex_);
        released_ = true;
        hang_cv_.notify_all();
    }
    // How many calls are blocked in a hang right now.
    int hanging() const { return hanging_.load(); }

    void connect() override
    {
        ++connects;
        check("connect");
    }
    std::atomic<int> connects{0};

    std::vector<std::string> domains() override
    {
        check("domains");
        std::vector<std::string> out;
        for (const auto& [name, info] : guests) out.push_back(name);
        return out;
    }
    GuestInfo guest(const std::string& name) override
    {
        check("guest");
        check("guest:" + name);
        auto it = guests.find(name);
        return it == guests.end() ? GuestInfo{} : it->second;
    }
    void start(const std::string& name) override
    {
        calls.push_back("start " + name);
        check("start:" + name);
        auto& g = guests.at(name);
        g.active = true;
        g.state = "running";
        g.managed_save = false;
    }
    void managed_save(const std::string& name) override
    {
        calls.push_back("managed_save " + name);
        check("managed_save:" + name);
        auto& g = guests.at(name);
        g.active = false;
        g.state = "shut off";
        g.managed_save = true;
    }
    void define(const std::string& xml) override
    {
        calls.push_back("define");
        check("define");
        auto start = xml.find("<name>") + 6;
        std::string name = xml.substr(start, xml.find("</name>") - start);
        guests[name] = GuestInfo{true, "shut off", false, false, true};
    }

    static GuestInfo running(bool persistent = true) { return GuestInfo{true, "running", true, false, persistent}; }
    static GuestInfo shut_off(bool saved = false) { return GuestInfo{true, "shut off", false, saved, true}; }

private:
    void check(const std::string& op)
    {
        if (hang.count(op)) {
            ++hanging_;
            std::unique_lock lock(hang_mutex_);
            hang_cv_.wait(lock, [this] { return released_; });
            --hanging_;
        }
        if (!unreachable.empty()) throw HypervisorError(unreachable, true);
        if (auto it = fail.find(op); it != fail.end()) throw HypervisorError(it->second);
    }

    std::mutex hang_mutex_;
    std::condition_variable hang_cv_;
    bool released_ = false;
    std::atomic<int> hanging_{0};
};

class FakeHost final : public HostView {
public:
    std::optional<std::string> mountinfo_text;
    std::map<std::string, FsUsage> usages;
    std::map<std::string, std::string> files;
    std::string name = "node1";
    bool root = true;

    std::optional<std::string> mountinfo() override { return mountinfo_text; }
    std::optional<FsUsage> usage(const std::string& mp) override
    {
        auto it = usages.find(mp);
        if (it == usages.end()) return std::nullopt;
        return it->second;
    }
    std::optional<std::string> read_file(const std::string& path) override
    {
        auto it = files.find(path);
        if (it == files.end()) return std::nullopt;
        return it->second;
    }
    std::string hostname() override { return name; }
    bool privileged() override { return root; }
};

}  // namespace ocfkit::clevervm::testing
