// /proc/drbd as the kernel module writes it: the version lines of every DRBD, and the per-minor
// status lines of DRBD 8.4 (drbd_proc.c). DRBD 9 prints only the version there.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drbd_status.h"
#include "ocfkit/parse/error.h"

namespace ocfkit::drbd {

struct KernelVersion {
    int major = 0;
    int minor = 0;
    int patch = 0;
    std::string text;  // "8.4.11"
    int code() const { return (major << 16) | (minor << 8) | patch; }
};

struct ProcMinor {
    int minor = -1;
    bool unconfigured = false;   // " 3: cs:Unconfigured"
    std::string cs;              // "Connected", "SyncTarget", "WFConnection", "StandAlone", ...
    std::string role, peer_role; // "Primary", "Secondary", "Unknown"
    std::string disk, peer_disk; // "UpToDate", "DUnknown", ...
    char protocol = ' ';         // 'A', 'B', 'C'; ' ' without a network configuration
    bool suspended = false;      // first flag 's'
    std::optional<double> synced; // "sync'ed: 33.4%" while resyncing
    std::optional<unsigned long long> oos;  // out of sync, KiB
};

struct ProcDrbd {
    KernelVersion version;
    std::vector<ProcMinor> minors;  // empty on DRBD 9

    const ProcMinor* find(int minor) const;
};

// Throws parse::ParseError naming the line for input that is not /proc/drbd.
ProcDrbd parse_proc_drbd(std::string_view text);

// "8.4.11", "9.2.2-rc.1" → {8,4,11}; nothing for anything else.
std::optional<KernelVersion> parse_kernel_version(std::string_view text);

// The 8.4 status of a resource whose volumes use `minors` (volume i ↔ minors[i]), in the same
// model the DRBD 9 tools give. No configured minor at all: exists == false.
ResourceStatus status_from_proc(const ProcDrbd& proc, std::string_view resource, const std::vector<int>& minors);

}  // namespace ocfkit::drbd
