// Classification of DRBD state names shared by every parser and the agent.
#include "drbd_status.h"

#include <array>
#include <string_view>

namespace ocfkit::drbd {

bool disk_is_up_to_date(const std::string& disk) { return disk == "UpToDate"; }

bool disk_is_transitional(const std::string& disk)
{
    return disk == "Attaching" || disk == "Negotiating" || disk == "Detaching";
}

bool replication_is_syncing(const std::string& repl)
{
    static constexpr std::array<std::string_view, 10> kSyncing = {
        "StartingSyncS", "StartingSyncT", "WFBitMapS",   "WFBitMapT",   "WFSyncUUID",
        "SyncSource",    "SyncTarget",    "PausedSyncS", "PausedSyncT", "Behind"};
    for (auto s : kSyncing)
        if (repl == s) return true;
    return false;
}

}  // namespace ocfkit::drbd
