// Maps drbd-dual's events2 parser result onto the status screen's DRBD rows.
#include "drbd_view.h"

#include <fmt/format.h>

#include "parse/events2.h"

namespace ocfkit::clevervm {

std::vector<std::string> events2_resources(std::string_view text)
{
    std::vector<std::string> names;
    while (!text.empty()) {
        auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        constexpr std::string_view prefix = "exists resource ";
        if (line.substr(0, prefix.size()) != prefix) continue;
        auto pos = line.find(" name:");
        if (pos == std::string_view::npos) continue;
        std::string_view rest = line.substr(pos + 6);
        std::string name(rest.substr(0, rest.find(' ')));
        bool seen = false;
        for (const auto& n : names) seen = seen || n == name;
        if (!name.empty() && !seen) names.push_back(std::move(name));
    }
    return names;
}

DrbdView drbd_view_from_events2(std::string_view text, const std::string& resource)
{
    drbd::ResourceStatus st = drbd::parse_events2(text, resource);
    DrbdView v;
    v.resource = resource;
    v.exists = st.exists;
    v.role = st.role;
    for (const auto& vol : st.volumes) {
        DrbdVolumeView vv;
        vv.volume = vol.volume;
        vv.minor = vol.minor;
        if (vol.minor >= 0) vv.device = fmt::format("/dev/drbd{}", vol.minor);
        vv.disk = vol.disk;
        v.volumes.push_back(std::move(vv));
    }
    for (const auto& c : st.connections) {
        DrbdPeer p;
        p.name = c.name.empty() ? fmt::format("node-id {}", c.peer_node_id) : c.name;
        p.connection = c.state;
        p.role = c.peer_role;
        for (const auto& pd : c.peer_devices) {
            p.disks.push_back(pd.peer_disk);
            p.replication.push_back(pd.replication);
            if (pd.done) p.sync_done = pd.done;
        }
        v.peers.push_back(std::move(p));
    }
    return v;
}

}  // namespace ocfkit::clevervm
