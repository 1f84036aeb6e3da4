// The clevervm service: every command, over injected runner, hypervisor and host for testing.
#pragma once

#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "config.h"
#include "hypervisor.h"
#include "host_view.h"
#include "model.h"
#include "ocfkit/command.h"
#include "ocfkit/parse/crm_mon.h"

namespace ocfkit::clevervm {

// Aborts a command with an LSB exit code and a message for the operator.
struct CommandError : std::runtime_error {
    Lsb code;
    CommandError(Lsb c, const std::string& message) : std::runtime_error(message), code(c) {}
};

struct Io {
    std::FILE* out = stdout;
    std::FILE* err = stderr;
};

class Service {
public:
    using Sleep = std::function<void(std::chrono::milliseconds)>;

    Service(Config config, CommandRunner& runner, Hypervisor& hypervisor, HostView& host, Io io = {},
            Sleep sleep = {});

    // One command line: `command` plus its arguments. Returns the process exit code.
    int run(const std::string& command, const std::vector<std::string>& args);

    // The status snapshot (no output).
    StatusModel gather();

    // Who asks for start/stop: an operator, or the init system while the machine boots or shuts
    // down (then the guests of Pacemaker resources are Pacemaker's to place, start and move).
    enum class Caller { Operator, Boot, Shutdown };

    LsbStatus status(bool json);
    Lsb start(Caller caller = Caller::Operator);
    Lsb stop(Caller caller = Caller::Operator);
    Lsb restart();
    Lsb forcestart(bool wait);
    Lsb forcestop(bool wait);
    Lsb cleanup(const std::vector<std::string>& resources, bool wait = true);
    Lsb migrate(bool wait);
    Lsb unmigrate();

    // What the service manages once config and discovery are combined.
    struct Targets {
        std::vector<std::string> promotables;
        std::vector<std::string> drbd_resources;
        std::vector<GuestSpec> guests;
        std::vector<std::string> mounts;
        std::map<std::string, std::string> guest_configs;  // guest -> domain XML file (from the CIB)
        std::vector<std::string> notes;
        bool guests_from_libvirt = false;
        std::string libvirt_error;  // libvirt could not list its domains for discovery
    };
    const Targets& targets();

private:
    struct MonRead {
        std::optional<parse::CrmMon> mon;
        std::string xml;
        std::string error;
        bool not_installed = false;
    };
    MonRead read_mon();
    const MonRead& mon();  // read once per command, refreshed by wait loops
    std::optional<std::vector<CibPrimitive>> read_cib(std::string& error);
    std::string local_node();
    Caller caller_of(const std::string& command, bool from_init);
    std::optional<std::string> not_startable_here(const GuestSpec& g);
    CommandResult run_tool(std::vector<std::string> argv, std::chrono::seconds timeout = std::chrono::seconds(60));
    CommandResult run_pacemaker_tool(std::vector<std::string> argv);
    void require_privilege(const std::string& command);
    const parse::CrmMon& require_cluster(const std::string& command);
    std::vector<GuestSpec> managed_guests(const std::string& command);
    void settle(const std::string& what);
    bool wait_until(const std::string& what, const std::function<std::vector<std::string>(const parse::CrmMon&)>& pending);
    Lsb each_guest(const std::string& command, Caller caller, const std::function<bool(const GuestSpec&)>& act);
    Lsb libvirt_result(const std::string& command, int failed, std::size_t total);
    void say(const std::string& line);
    void warn(const std::string& line);

    Config config_;
    CommandRunner& runner_;
    Hypervisor& hv_;
    HostView& host_;
    Io io_;
    Sleep sleep_;
    std::optional<MonRead> mon_;
    std::optional<Targets> targets_;
    std::string node_;
};

// The usage text (also printed for an unknown command).
std::string usage_text();

}  // namespace ocfkit::clevervm
