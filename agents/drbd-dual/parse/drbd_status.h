// One typed view of a DRBD resource's runtime state, whichever tool or kernel reported it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ocfkit::drbd {

// State names are kept as DRBD prints them ("UpToDate", "SyncTarget", ...): the tools of
// 8.4 and 9 share them, and an unknown future name must not make a parser fail.
struct Volume {
    int volume = 0;
    int minor = -1;
    std::string disk;             // "UpToDate", "Inconsistent", "Diskless", ...
    bool client = false;          // intentionally diskless (DRBD 9)
    std::optional<bool> quorum;   // DRBD 9 only
};

struct PeerDevice {
    int volume = 0;
    std::string replication;      // "Established", "SyncSource", "SyncTarget", "Off", ...
    std::string peer_disk;        // "UpToDate", "DUnknown", ...
    bool peer_client = false;
    std::optional<double> done;   // resync progress in percent, when syncing
    std::string resync_suspended; // "no", "user", "peer", "dependency", ...
};

struct Connection {
    int peer_node_id = -1;
    std::string name;             // the peer's host name (DRBD 9) or "peer" (8.4)
    std::string state;            // "Connected", "Connecting", "StandAlone", ...
    std::string peer_role;        // "Primary", "Secondary", "Unknown"
    std::vector<PeerDevice> peer_devices;
};

struct ResourceStatus {
    std::string name;
    bool exists = false;          // configured in the kernel
    std::string role;             // "Primary", "Secondary", "Unknown"
    // Why I/O is suspended, as events2 prints it: "no", or the reasons joined in DRBD's order
    // "user,no-data,fencing,quorum" (any subset); "yes" from /proc/drbd; "" when not reported.
    std::string suspended;
    std::vector<Volume> volumes;
    std::vector<Connection> connections;
};

// Disk states grouped by what they mean for promotion and health.
bool disk_is_up_to_date(const std::string& disk);
bool disk_is_transitional(const std::string& disk);   // Attaching, Negotiating, Detaching
bool replication_is_syncing(const std::string& repl);  // SyncSource/Target, PausedSync*, WFBitMap*, ...
// The reasons in `suspended` ("user,quorum" → {"user", "quorum"}); none for "no" or "".
std::vector<std::string> suspend_reasons(std::string_view suspended);

}  // namespace ocfkit::drbd
