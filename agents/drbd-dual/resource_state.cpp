// The resource's state as start and notify need it: attached, connected, UpToDate, StandAlone.
#include "drbd_dual_detail.h"

#include <ctime>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

namespace ocfkit::drbd {

bool attached(const ResourceStatus& st)
{
    if (!st.exists || st.volumes.empty()) return false;
    for (const auto& v : st.volumes)
        if (disk_is_transitional(v.disk) || v.disk == "Unconfigured") return false;
    return true;
}

bool connected(const ResourceStatus& st)
{
    if (!attached(st)) return false;
    for (const auto& c : st.connections)
        if (c.state != "Connected") return false;
    return true;
}

bool up_to_date(const ResourceStatus& st)
{
    if (!connected(st)) return false;
    for (const auto& v : st.volumes)
        if (v.disk != "UpToDate" && !(v.disk == "Diskless" && v.client)) return false;
    return true;
}

std::optional<std::string> failed_local_disk(const ResourceStatus& st)
{
    for (const auto& v : st.volumes)
        if ((v.disk == "Diskless" && !v.client) || v.disk == "Failed" || v.disk == "Unconfigured")
            return fmt::format("volume {} (minor {}) is {}", v.volume, v.minor, v.disk);
    return std::nullopt;
}

bool any_standalone(const ResourceStatus& st)
{
    for (const auto& c : st.connections)
        if (c.state == "StandAlone") return true;
    return st.exists && st.connections.empty();
}

// DRBD does not say "split-brain" in its state: it drops the connection to StandAlone. Once the
// connection is retried (notify's adjust, an admin) it shows Connecting, which alone would look
// like a plain outage, so the first StandAlone is remembered until the peer is Connected again.
void remember_standalone(DrbdNode& node, const ResourceStatus& st, Verdict& v)
{
    if (!st.exists) return;
    std::filesystem::path marker = node.state_file(".standalone");
    std::error_code ec;
    bool all_connected = !st.connections.empty();
    for (const auto& c : st.connections) all_connected = all_connected && c.state == "Connected";
    if (all_connected) {
        if (std::filesystem::exists(marker, ec)) std::filesystem::remove(marker, ec);
        return;
    }
    if (v.split_brain_suspected) {
        if (!std::filesystem::exists(marker, ec)) {
            std::filesystem::create_directories(node.state_dir(), ec);
            std::ofstream(marker) << std::time(nullptr) << '\n';
        }
        return;
    }
    std::ifstream in(marker);
    long long since = 0;
    if (!(in >> since)) return;
    char when[32] = "";
    std::time_t t = static_cast<std::time_t>(since);
    std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&t));
    v.split_brain_suspected = true;
    v.reason += fmt::format("; DRBD dropped the connection as StandAlone at {} (split-brain suspected) and it has "
                            "not been re-established; see 'Split-brain recovery' in the agent's README",
                            when);
}


}  // namespace ocfkit::drbd
