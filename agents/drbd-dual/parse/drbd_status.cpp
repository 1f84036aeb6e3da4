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

std::vector<std::string> suspend_reasons(std::string_view suspended)
{
    std::vector<std::string> out;
    if (suspended == "no") return out;
    while (!suspended.empty()) {
        auto comma = suspended.find(',');
        std::string_view one = suspended.substr(0, comma);
        if (!one.empty()) out.emplace_back(one);
        if (comma == std::string_view::npos) break;
        suspended.remove_prefix(comma + 1);
    }
    return out;
}

}  // namespace ocfkit::drbd
