// clevervm: the cluster's day-to-day LSB service (see service.h).
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "config.h"
#include "bounded_hypervisor.h"
#include "hypervisor.h"
#include "host_view.h"
#include "ocfkit/process_runner.h"
#include "service.h"

using namespace ocfkit::clevervm;

int main(int argc, char** argv)
{
    std::signal(SIGPIPE, SIG_IGN);
    std::vector<std::string> args(argv + 1, argv + argc);
    std::string config_path = kDefaultConfigPath;
    bool config_required = false;
    if (const char* env = std::getenv("CLEVERVM_CONFIG"); env && *env) {
        config_path = env;
        config_required = true;
    }
    while (!args.empty() && (args[0] == "--config" || args[0].starts_with("--config="))) {
        if (args[0] == "--config") {
            if (args.size() < 2) {
                fmt::print(stderr, "clevervm: --config needs a file\n{}", usage_text());
                return static_cast<int>(Lsb::InvalidArgs);
            }
            config_path = args[1];
            args.erase(args.begin(), args.begin() + 2);
        } else {
            config_path = args[0].substr(9);
            args.erase(args.begin());
        }
        config_required = true;
    }
    if (args.empty()) {
        fmt::print(stderr, "{}", usage_text());
        return static_cast<int>(Lsb::InvalidArgs);
    }
    std::string command = args[0];
    args.erase(args.begin());
    bool is_status = command == "status";
    try {
        Config config = load_config(config_path, config_required);
        auto runner = ocfkit::make_process_runner();
        LibvirtLimits limits;
        limits.slow = std::chrono::duration_cast<std::chrono::milliseconds>(config.wait);
        limits.connect = limits.call = std::chrono::duration_cast<std::chrono::milliseconds>(config.call_timeout);
        BoundedHypervisor hypervisor(make_libvirt_hypervisor(config.libvirt_uri), config.libvirt_uri, limits);
        auto host = make_real_host();
        Service service(std::move(config), *runner, hypervisor, *host);
        int rc = service.run(command, args);
        if (hypervisor.abandoned()) {
            // A libvirt call still blocks on a worker thread: end without running destructors
            // (libvirt's included) underneath it.
            std::fflush(nullptr);
            std::_Exit(rc);
        }
        return rc;
    } catch (const ConfigError& e) {
        fmt::print(stderr, "clevervm: bad configuration: {}\n", e.what());
        // LSB: 6 not configured; status has its own codes, where this is 4 (unknown).
        return is_status ? static_cast<int>(LsbStatus::Unknown) : static_cast<int>(Lsb::NotConfigured);
    } catch (const std::exception& e) {
        fmt::print(stderr, "clevervm: {}: {}\n", command, e.what());
        return is_status ? static_cast<int>(LsbStatus::Unknown) : static_cast<int>(Lsb::Generic);
    }
}
