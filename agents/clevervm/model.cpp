// Resource rows for the status screen: clone instances with one role become one row.
#include "model.h"

#include <algorithm>

namespace ocfkit::clevervm {

std::vector<ResourceRow> resource_rows(const parse::CrmMon& mon)
{
    std::vector<ResourceRow> rows;
    for (const auto& r : mon.resources) {
        // Instances are "rsc:N" (anonymous clones print plain "rsc"); a cloned group is "grp:N".
        std::string base = r.id.substr(0, r.id.find(':'));
        std::string parent = r.parent.substr(0, r.parent.find(':'));
        bool in_clone = r.parent_kind == "clone" || r.parent_kind == "bundle" || parent != r.parent;
        std::string id = r.parent.empty() ? base : parent;
        std::string member = r.parent.empty() ? "" : base;
        auto same = std::find_if(rows.begin(), rows.end(), [&](const ResourceRow& row) {
            return in_clone && row.id == id && row.member == member && row.role == r.role && row.failed == r.failed;
        });
        if (same != rows.end()) {
            for (const auto& n : r.nodes)
                if (std::find(same->nodes.begin(), same->nodes.end(), n) == same->nodes.end()) same->nodes.push_back(n);
            continue;
        }
        ResourceRow row;
        row.id = id;
        row.member = member;
        row.agent = r.agent;
        row.role = r.role;
        row.target_role = r.target_role;
        row.nodes = r.nodes;
        row.failed = r.failed;
        row.managed = r.managed;
        row.promotable = r.parent_promotable;
        rows.push_back(std::move(row));
    }
    return rows;
}

}  // namespace ocfkit::clevervm
