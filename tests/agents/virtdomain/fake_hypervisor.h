// An in-memory hypervisor for the agent's decision tests: domains, their states, a guest that
// honours or ignores ACPI, save files on disk, and a second host to migrate to.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "hypervisor.h"

namespace ocfkit::virtdomain::test {

struct FakeDomain {
    std::string name{};
    std::string uuid{};
    std::string xml{};
    bool persistent = false;
    bool active = false;
    DomainStatus status{DomainState::ShutOff, shutoff_reason::Unknown, 1, 65536};
    bool honours_shutdown = true;
    int polls_until_off = -1;  // >= 0 while a shutdown is in progress: status calls left
    bool dies_on_start = false;
};

class FakeHypervisor final : public Hypervisor {
public:
    std::shared_ptr<Connection> connect(const std::string& uri) override;

    // Test set-up and inspection (all thread-safe).
    void add(FakeDomain d);
    std::optional<FakeDomain> get(const std::string& name) const;
    void set_state(const std::string& name, DomainStatus st);
    void set_down(bool down);  // connect fails like a missing libvirtd socket
    void set_migration_target(FakeHypervisor* target) { target_ = target; }
    std::vector<std::string> uris() const;
    std::vector<unsigned> shutdown_modes() const;
    std::vector<MigrateRequest> migrations() const;
    int aborts() const;
    void define_pool(const std::string& name, bool active);
    void define_network(const std::string& name, bool active);
    std::optional<bool> pool_active(const std::string& name) const;
    std::optional<bool> network_active(const std::string& name) const;
    int pool_refreshes() const;

    // Used by the connection.
    struct Impl;
    std::shared_ptr<Impl> impl() { return impl_; }

private:
    std::shared_ptr<Impl> impl_ = std::make_shared<Impl>();
    FakeHypervisor* target_ = nullptr;
};

struct FakeHypervisor::Impl {
    mutable std::mutex mutex;
    std::map<std::string, FakeDomain> domains;  // by name
    bool down = false;
    int uuid_counter = 0;
    std::vector<std::string> uris;
    std::vector<unsigned> shutdown_modes;
    std::vector<MigrateRequest> migrations;
    int aborts = 0;
    std::map<std::string, bool> pools;     // defined storage pools: active?
    std::map<std::string, bool> networks;  // defined networks: active?
    int pool_refreshes = 0;
};

}  // namespace ocfkit::virtdomain::test
