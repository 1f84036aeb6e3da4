// What stop takes down and in which order, and a file system that outlives its mounts.
#include "gfs2fs_detail.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "holders.h"

namespace ocfkit::gfs2fs {

// The mounts stop removes: the stack at the directory and everything below it; with
// unmount_other_mounts also the device's other mounts and what is below them, but never a mount
// stacked on top of one of those (that one is not ours: stop fails and names it).
std::vector<MountEntry> stop_targets(const std::vector<MountEntry>& table, const std::string& dir, const Config* c,
                                     const Resolved& dev)
{
    std::vector<MountEntry> out;
    auto add = [&](const MountEntry& e) {
        if (std::none_of(out.begin(), out.end(), [&](const MountEntry& o) { return o.mount_id == e.mount_id; }))
            out.push_back(e);
    };
    std::string where;
    if (find_top(table, dir, &where))
        for (const auto& e : table)
            if (path_within(e.mount_point, where)) add(e);
    if (c && c->unmount_other_mounts && !c->bind && dev.block)
        for (const auto* m : mounts_of_dev(table, dev.rdev)) {
            add(*m);
            for (const auto* below : mounts_below(table, m->mount_point)) add(*below);
        }
    return out;
}

// The targets nothing is mounted on (below them or stacked on top): the ones umount can take
// now; their parents follow in the next round. A target with a child that is not a target is
// covered by someone else's mount: `blocked` says which.
std::vector<MountEntry> ready_targets(const std::vector<MountEntry>& table, const std::vector<MountEntry>& targets,
                                      std::vector<std::string>& blocked)
{
    std::vector<MountEntry> out;
    for (const auto& t : targets) {
        bool has_child = false;
        for (const auto& e : table) {
            if (e.parent_id != t.mount_id || e.mount_id == t.mount_id) continue;
            has_child = true;
            if (std::none_of(targets.begin(), targets.end(), [&](const MountEntry& o) { return o.mount_id == e.mount_id; }))
                blocked.push_back(fmt::format("{} is covered by {}", mount_text(t), mount_text(e)));
        }
        if (!has_child) out.push_back(t);
    }
    return out;
}

// Mounts of the device that stop leaves alone (unmount_other_mounts=false).
std::vector<const MountEntry*> other_mounts(const std::vector<MountEntry>& table, const Config& c, const Resolved& dev)
{
    if (c.bind || !dev.block) return {};
    return mounts_of_dev(table, dev.rdev);
}

// After the mounts are gone, a block device still claimed by a file system means a detached
// mount (mount point deleted, lazy unmount) or a mount in another namespace.
bool fs_still_alive(const Resolved& dev)
{
    if (!dev.block || !block_holders(dev.rdev).empty()) return false;
    return exclusive_state(dev.path) == ExclusiveState::Busy;
}

std::string namespaces_mounting(dev_t rdev)
{
    std::string out;
    std::set<std::string> seen;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", std::filesystem::directory_options::skip_permission_denied)) {
        std::string pid = entry.path().filename();
        if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
        char buf[128];
        ssize_t n = ::readlink(("/proc/" + pid + "/ns/mnt").c_str(), buf, sizeof buf - 1);
        if (n <= 0) continue;
        std::string ns(buf, static_cast<std::size_t>(n));
        if (!seen.insert(ns).second) continue;
        auto text = read_small_file("/proc/" + pid + "/mountinfo", 64u << 20);
        if (!text) continue;
        try {
            for (const auto& e : parse::parse_mountinfo(*text))
                if (entry_dev(e) == rdev) {
                    if (!out.empty()) out += ", ";
                    out += fmt::format("{} in the mount namespace of pid {}", e.mount_point, pid);
                    break;
                }
        } catch (const parse::ParseError&) {
        }
    }
    return out;
}

}  // namespace ocfkit::gfs2fs
