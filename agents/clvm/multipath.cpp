// Reads /sys/block/dm-*/dm/{uuid,name} and /sys/block/dm-*/slaves; no program runs.
#include "multipath.h"

#include <algorithm>
#include <optional>

#include "ocfkit/host.h"

namespace ocfkit::clvm {

namespace {

std::optional<std::string> first_line(const std::string& path)
{
    auto text = read_small_file(path, 512);
    if (!text) return std::nullopt;
    if (auto nl = text->find('\n'); nl != std::string::npos) text->resize(nl);
    return text;
}

}  // namespace

std::vector<MultipathMap> multipath_maps(const std::string& sys_root)
{
    const std::string block = sys_root + "/block";
    std::vector<MultipathMap> out;
    for (const auto& d : list_dir(block)) {
        if (d.rfind("dm-", 0) != 0) continue;
        auto uuid = first_line(block + "/" + d + "/dm/uuid");
        if (!uuid || uuid->rfind("mpath-", 0) != 0) continue;
        MultipathMap m{d, first_line(block + "/" + d + "/dm/name").value_or(d), *uuid, {}};
        for (const auto& path : list_dir(block + "/" + d + "/slaves")) {
            m.paths.push_back(path);
            // A partition table on the LUN shows up on every path as well (sdb1, sdc1).
            for (const auto& part : list_dir(block + "/" + path))
                if (part.rfind(path, 0) == 0 && part.size() > path.size() &&
                    read_small_file(block + "/" + path + "/" + part + "/partition", 32))
                    m.paths.push_back(part);
        }
        std::sort(m.paths.begin(), m.paths.end());
        out.push_back(std::move(m));
    }
    std::sort(out.begin(), out.end(), [](const MultipathMap& a, const MultipathMap& b) { return a.name < b.name; });
    return out;
}

}  // namespace ocfkit::clvm
