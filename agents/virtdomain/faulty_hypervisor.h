// Fault injection over any Hypervisor: scripted errors, delays and hangs per libvirt call, for
// what real guests cannot show cheaply (timeouts, API errors, a connection lost mid-stop).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "hypervisor.h"

namespace ocfkit::virtdomain {

struct Fault {
    enum class Action { Fail, Delay, Hang };
    std::string call{};        // "connect", "status", "shutdown", "migrate", ... (Connection method names)
    Action action = Action::Fail;
    HvErrorKind kind = HvErrorKind::Other;  // Fail
    std::string message = "injected fault";  // Fail
    std::chrono::milliseconds delay{0};     // Delay: then the call goes through
    int skip = 0;    // let this many matching calls through first
    int times = -1;  // affect this many calls; -1: all further ones
};

class FaultyHypervisor final : public Hypervisor {
public:
    explicit FaultyHypervisor(Hypervisor& inner) : state_(std::make_shared<State>(inner)) {}
    ~FaultyHypervisor() override { release_hangs(); }

    void inject(Fault fault);
    void clear();
    // Every call seen, in order ("connect", "status", ...), faulted or not.
    std::vector<std::string> calls() const;
    std::size_t count(const std::string& call) const;
    // Ends every Hang (abandoned calls then fail with ConnectionLost).
    void release_hangs();

    std::shared_ptr<Connection> connect(const std::string& uri) override;

    struct State {
        explicit State(Hypervisor& h) : inner(h) {}
        Hypervisor& inner;
        mutable std::mutex mutex;
        std::condition_variable released_cv;
        bool released = false;
        std::vector<Fault> faults;
        std::vector<std::string> calls;
        // Applies the first matching fault; returns normally when the call should go through.
        void before(const std::string& call);
    };

private:
    std::shared_ptr<State> state_;
};

}  // namespace ocfkit::virtdomain
