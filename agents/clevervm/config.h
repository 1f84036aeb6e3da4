// /etc/ocfkit/clevervm.conf: which DRBD resource, promotable clone and guests clevervm manages.
#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ocfkit::clevervm {

inline constexpr const char* kDefaultConfigPath = "/etc/ocfkit/clevervm.conf";

// One guest: its libvirt domain name and, when Pacemaker manages it, that resource's id.
struct GuestSpec {
    std::string name;
    std::string resource;  // "" when not managed by Pacemaker
};

// Every key is optional; what is unset is discovered (see discovery.h).
struct Config {
    std::string source;                         // file the values came from ("" = none)
    std::optional<std::string> drbd_resource;   // DRBD resource name (drbdsetup)
    std::optional<std::string> promotable;      // Pacemaker promotable clone id of that DRBD
    std::optional<std::vector<GuestSpec>> guests;
    std::optional<std::vector<std::string>> mounts;  // extra mount points to report
    std::string libvirt_uri = "qemu:///system";
    std::chrono::seconds wait{120};             // bound for forcestart/forcestop/migrate waits
    std::chrono::seconds call_timeout{5};       // bound for libvirt's connect and quick calls
};

// A config that cannot be used; the message names the file, line and key.
struct ConfigError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// `key = value` lines; '#' starts a comment; blank lines are ignored. Unknown keys, repeated
// keys, empty values and malformed values are errors (a typo must not silently fall back to
// discovery). `source` names the file in messages.
Config parse_config(std::string_view text, std::string_view source);

// The file at `path`: a missing file gives the defaults (all discovered) unless `required`;
// an unreadable one is an error.
Config load_config(const std::string& path, bool required);

}  // namespace ocfkit::clevervm
