// virtdomain's settings from its parameters (stop gets them even when some are invalid: a bad
// one falls back to its default).
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libvirt_uri.h"
#include "ocfkit/agent.h"

namespace ocfkit::virtdomain {

// "acpi,agent" -> shutdown_mode bits; nullopt (and *error) for an unknown mode.
std::optional<unsigned> parse_shutdown_modes(std::string_view text, std::string* error);

bool param_ok(const Params& p, std::string_view name);
std::string text_param(const Params& p, std::string_view name);
bool bool_param(const Params& p, std::string_view name);
std::optional<long long> int_param(const Params& p, std::string_view name);

struct Settings {
    std::string config;
    std::string hypervisor;
    std::optional<LibvirtUri> uri;
    std::string domain;
    bool persistent = false;
    bool force_stop = false;
    bool save_on_stop = false;
    std::string save_dir;
    unsigned shutdown_modes = 0;
    std::optional<std::chrono::seconds> shutdown_timeout;
    std::chrono::milliseconds call_timeout{std::chrono::seconds(10)};
    bool util_cpu = true, util_hv = true, util_host = true;
    bool unset_cpu = false, unset_hv = false, unset_host = false;
    std::vector<std::string> shared_fs;
    std::vector<std::string> monitor_scripts;
    bool save_config = false;  // save_config_on_stop, or implied by sync_config_on_stop
    bool sync_config = false;
    std::string backingfile;
    bool stateless = false;
    std::vector<std::string> copyindirs;
    bool start_resources = false;
    // '<config without extension>.qcow2': the overlay of backingfile.
    std::string overlay() const { return std::filesystem::path(config).replace_extension(".qcow2").string(); }
};

std::vector<std::string> words_of(const std::string& text);
Settings read_settings(const Context& ctx);

}  // namespace ocfkit::virtdomain
