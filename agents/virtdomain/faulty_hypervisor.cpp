// The fault-injection decorator: every Connection method passes through State::before.
#include "faulty_hypervisor.h"

#include <algorithm>
#include <thread>

#include <fmt/format.h>

namespace ocfkit::virtdomain {

void FaultyHypervisor::State::before(const std::string& call)
{
    std::unique_lock lock(mutex);
    calls.push_back(call);
    for (auto& f : faults) {
        if (f.call != call || f.times == 0) continue;
        if (f.skip > 0) {
            --f.skip;
            continue;
        }
        if (f.times > 0) --f.times;
        Fault hit = f;
        switch (hit.action) {
        case Fault::Action::Fail:
            throw HvError(hit.kind, call, fmt::format("{}: {}", call, hit.message));
        case Fault::Action::Delay:
            lock.unlock();
            std::this_thread::sleep_for(hit.delay);
            return;
        case Fault::Action::Hang:
            released_cv.wait(lock, [&] { return released; });
            throw HvError(HvErrorKind::ConnectionLost, call, fmt::format("{}: hang released", call));
        }
    }
}

void FaultyHypervisor::inject(Fault fault)
{
    std::lock_guard lock(state_->mutex);
    state_->faults.push_back(std::move(fault));
}

void FaultyHypervisor::clear()
{
    std::lock_guard lock(state_->mutex);
    state_->faults.clear();
}

std::vector<std::string> FaultyHypervisor::calls() const
{
    std::lock_guard lock(state_->mutex);
    return state_->calls;
}

std::size_t FaultyHypervisor::count(const std::string& call) const
{
    std::lock_guard lock(state_->mutex);
    return static_cast<std::size_t>(std::count(state_->calls.begin(), state_->calls.end(), call));
}

void FaultyHypervisor::release_hangs()
{
    std::lock_guard lock(state_->mutex);
    state_->released = true;
    state_->released_cv.notify_all();
}

namespace {

class FaultyConnection final : public Connection {
    template <typename F>
    auto gate(const char* call, F fn)
    {
        state_->before(call);
        return fn();
    }

    std::shared_ptr<FaultyHypervisor::State> state_;
    std::shared_ptr<Connection> inner_;

public:
    FaultyConnection(std::shared_ptr<FaultyHypervisor::State> state, std::shared_ptr<Connection> inner)
        : state_(std::move(state)), inner_(std::move(inner))
    {
    }

    unsigned long long lib_version() override { return gate("lib_version", [&] { return inner_->lib_version(); }); }
    std::optional<DomainInfo> find_by_name(const std::string& name) override
    {
        return gate("find_by_name", [&] { return inner_->find_by_name(name); });
    }
    std::optional<DomainInfo> find_by_uuid(const std::string& uuid) override
    {
        return gate("find_by_uuid", [&] { return inner_->find_by_uuid(uuid); });
    }
    DomainStatus status(const DomainRef& ref) override { return gate("status", [&] { return inner_->status(ref); }); }
    DomainInfo define(const std::string& xml) override { return gate("define", [&] { return inner_->define(xml); }); }
    void undefine(const DomainRef& ref) override { gate("undefine", [&] { inner_->undefine(ref); }); }
    void start(const DomainRef& ref) override { gate("start", [&] { inner_->start(ref); }); }
    DomainInfo create(const std::string& xml) override { return gate("create", [&] { return inner_->create(xml); }); }
    void shutdown(const DomainRef& ref, unsigned modes) override
    {
        gate("shutdown", [&] { inner_->shutdown(ref, modes); });
    }
    void destroy(const DomainRef& ref) override { gate("destroy", [&] { inner_->destroy(ref); }); }
    void save(const DomainRef& ref, const std::string& path) override { gate("save", [&] { inner_->save(ref, path); }); }
    std::string saved_image_xml(const std::string& path) override
    {
        return gate("saved_image_xml", [&] { return inner_->saved_image_xml(path); });
    }
    void restore(const std::string& path) override { gate("restore", [&] { inner_->restore(path); }); }
    void set_max_downtime(const DomainRef& ref, unsigned long long ms) override
    {
        gate("set_max_downtime", [&] { inner_->set_max_downtime(ref, ms); });
    }
    void migrate(const DomainRef& ref, const MigrateRequest& request) override
    {
        gate("migrate", [&] { inner_->migrate(ref, request); });
    }
    void abort_job(const DomainRef& ref) override { gate("abort_job", [&] { inner_->abort_job(ref); }); }
    void resume(const DomainRef& ref) override { gate("resume", [&] { inner_->resume(ref); }); }
    std::string definition_xml(const DomainRef& ref) override
    {
        return gate("definition_xml", [&] { return inner_->definition_xml(ref); });
    }
    Activation activate_pool(const std::string& name) override
    {
        return gate("activate_pool", [&] { return inner_->activate_pool(name); });
    }
    Activation activate_network(const std::string& name) override
    {
        return gate("activate_network", [&] { return inner_->activate_network(name); });
    }

};

}  // namespace

std::shared_ptr<Connection> FaultyHypervisor::connect(const std::string& uri)
{
    state_->before("connect");
    return std::make_shared<FaultyConnection>(state_, state_->inner.connect(uri));
}

}  // namespace ocfkit::virtdomain
