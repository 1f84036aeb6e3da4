// Small helpers shared by the files of clevervm's Service (not part of its interface).
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "cluster_xml.h"

namespace ocfkit::clevervm::service_detail {

inline bool contains(const std::vector<std::string>& v, const std::string& x)
{
    return std::find(v.begin(), v.end(), x) != v.end();
}

inline std::string join(const std::vector<std::string>& v, std::string_view sep = ", ")
{
    std::string out;
    for (const auto& x : v) {
        if (!out.empty()) out += sep;
        out += x;
    }
    return out;
}

inline bool is_drbd_agent(const CibPrimitive& p)
{
    return p.standard == "ocf" && (p.type == "drbd-dual" || (p.provider == "linbit" && p.type == "drbd"));
}

inline bool is_guest_agent(const CibPrimitive& p)
{
    return p.standard == "ocf" && (p.type == "virtdomain" || p.type == "VirtualDomain");
}

inline bool is_fs_agent(const CibPrimitive& p)
{
    return p.standard == "ocf" && (p.type == "gfs2fs" || p.type == "Filesystem");
}

inline bool is_drbd_agent_name(std::string_view agent)
{
    return agent.ends_with(":drbd-dual") || agent == "ocf:linbit:drbd";
}

inline bool active_role(const std::string& role) { return role == "Started" || role == "Promoted" || role == "Unpromoted"; }

}  // namespace ocfkit::clevervm::service_detail
