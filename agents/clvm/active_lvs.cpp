// Active LVs of the listed VGs from device-mapper's sysfs, and the state file of activation counts.
#include "clvm_detail.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "ocfkit/parse/mountinfo.h"

namespace ocfkit::clvm {

// Active LVs of the given VGs (all when empty), from device-mapper's sysfs: no program runs.
std::vector<ActiveLv> active_lvs(const HostPaths& paths, const std::vector<std::string>& vgs)
{
    std::vector<ActiveLv> out;
    std::set<std::pair<std::string, std::string>> seen;
    const std::string block = paths.sys + "/block";
    for (const auto& d : list_dir(block)) {
        if (d.rfind("dm-", 0) != 0) continue;
        auto name = read_small_file(block + "/" + d + "/dm/name", 512);
        if (!name) continue;
        while (!name->empty() && name->back() == '\n') name->pop_back();
        if (auto uuid = read_small_file(block + "/" + d + "/dm/uuid", 512); uuid && uuid->rfind("LVM-", 0) != 0)
            continue;  // not an LVM device (crypt, multipath, ...)
        auto split = lvm::split_dm_name(*name);
        if (!split) continue;
        if (!vgs.empty() && std::find(vgs.begin(), vgs.end(), split->first) == vgs.end()) continue;
        if (!seen.insert(*split).second) continue;
        std::string dev = read_small_file(block + "/" + d + "/dev", 64).value_or("");
        while (!dev.empty() && dev.back() == '\n') dev.pop_back();
        out.push_back({split->first, split->second, dev});
    }
    return out;
}

std::string describe_active(const std::vector<ActiveLv>& lvs, const HostPaths& paths)
{
    std::vector<parse::MountEntry> mounts;
    if (auto mi = read_small_file(paths.proc + "/self/mountinfo")) {
        try {
            mounts = parse::parse_mountinfo(*mi);
        } catch (const parse::ParseError&) {
        }
    }
    std::vector<std::string> parts;
    for (const auto& a : lvs) {
        std::string s = a.vg + "/" + a.lv;
        for (const auto& m : mounts)
            if (!a.dev.empty() && fmt::format("{}:{}", m.major, m.minor) == a.dev) s += " (mounted on " + m.mount_point + ")";
        parts.push_back(s);
    }
    return joined(parts);
}

std::map<std::string, int> count_by_vg(const std::vector<ActiveLv>& lvs)
{
    std::map<std::string, int> n;
    for (const auto& a : lvs) ++n[a.vg];
    return n;
}

std::map<std::string, int> read_state(const std::string& path)
{
    std::map<std::string, int> out;
    std::ifstream in(path);
    std::string vg;
    int n = 0;
    while (in >> vg >> n) out[vg] = n;
    return out;
}

void write_state(Context& ctx, const std::string& path, const std::map<std::string, int>& counts)
{
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);
    std::ofstream out(path, std::ios::trunc);
    for (const auto& [vg, n] : counts) out << vg << " " << n << "\n";
    if (!out) ctx.log.warn("cannot write {}: {}", path, std::strerror(errno));
}

}  // namespace ocfkit::clvm
