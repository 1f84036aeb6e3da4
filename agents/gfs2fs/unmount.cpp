// Unmounting one mount by its id, signalling the processes that keep it busy.
#include "gfs2fs_detail.h"

#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "holders.h"
#include "reaper.h"

namespace ocfkit::gfs2fs {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

std::string kernel_busy_hint(const std::string& mount_point)
{
    auto loops = loops_backed_under(mount_point);
    if (loops.empty()) return "no process holds it (a mount in another namespace, an NFS export or a swap file?)";
    return fmt::format("no process holds it, but these loop devices are backed by files on it: {}",
                       fmt::join(loops, ", "));
}

std::string mount_text(const MountEntry& e)
{
    return fmt::format("{} ({} from {}, mount {})", e.mount_point, e.fstype, e.source, e.mount_id);
}

namespace {

const MountEntry* mount_by_id(const std::vector<MountEntry>& table, int mount_id)
{
    for (const auto& e : table)
        if (e.mount_id == mount_id) return &e;
    return nullptr;
}

// Mounts that hide `target` from its path: made on it or on a directory above it, and not among
// the mounts it hangs from.
std::vector<std::string> covering_mounts(const std::vector<MountEntry>& table, const MountEntry& target)
{
    std::set<int> chain{target.mount_id};
    for (const MountEntry* e = &target; e;) {
        const MountEntry* parent = mount_by_id(table, e->parent_id);
        if (!parent || !chain.insert(parent->mount_id).second) break;
        e = parent;
    }
    std::vector<std::string> out;
    for (const auto& e : table)
        if (!chain.count(e.mount_id) && path_within(target.mount_point, e.mount_point)) out.push_back(mount_text(e));
    return out;
}

}  // namespace

// Unmounts one mount, by its id, killing its holders as configured. Returns why it cannot be
// reached (a mount on top of it, a symlink on its path) without touching anything else; throws
// when the budget runs out.
std::optional<std::string> unmount_one(Context& ctx, const Config& c, const Deadline& budget, const MountEntry& target)
{
    Reaper reaper(ctx, c, budget);
    const bool network = classify_fstype(target.fstype) == FsClass::Network;  // a dead server must not block us
    HolderQuery q;
    q.mount_ids = {target.mount_id};
    // btrfs subvolumes and overlay files report other device numbers than the mount: no pre-filter.
    const bool own_dev = target.fstype != "btrfs" && target.fstype != "overlay" && target.fstype != "zfs";
    q.mount_dev = own_dev ? entry_dev(target) : 0;
    q.safe = c.force_unmount == ForceUnmount::Safe;
    q.mount_point = target.mount_point;
    q.deadline = budget;
    std::string last_err = "no time left to try", tried;
    for (int attempt = 1;; ++attempt) {
        auto table = read_mount_table();
        const MountEntry* now = mount_by_id(table, target.mount_id);
        if (!now) {
            ctx.log.info("unmounted {}", mount_text(target));
            return std::nullopt;
        }
        // A directory above it may have been renamed since: the table has its current path.
        q.mount_point = now->mount_point;
        if (attempt > 1 && budget.expired()) break;
        const milliseconds left = budget.remaining();
        UnmountResult r = unmount_exact(now->mount_point, target.mount_id, network, budget);
        using O = UnmountResult::Outcome;
        if (r.outcome == O::Unmounted) continue;  // confirmed by the next table
        if (r.outcome == O::Covered) {
            const MountEntry* on_top = mount_by_id(table, r.found_mount_id);
            return fmt::format("{} leads to {} instead", now->mount_point,
                               on_top ? mount_text(*on_top) : fmt::format("mount {}", r.found_mount_id));
        }
        if (r.outcome == O::Unreachable) {
            if (tried == now->mount_point) {
                auto covers = covering_mounts(table, *now);
                if (!covers.empty())
                    return fmt::format("{} is hidden by {}", mount_text(*now), fmt::join(covers, ", "));
                return fmt::format("{} cannot be reached without following a symlink ({})", mount_text(*now),
                                   errno_text(r.error));
            }
            tried = now->mount_point;
            continue;
        }
        if (r.outcome == O::TimedOut && left < 500ms) break;  // the budget ran out, not the kernel
        if (r.outcome == O::TimedOut)
            fail(ExitCode::ErrGeneric, "unmounting {} did not return before the {} deadline (stuck in the kernel: "
                 "a cluster file system waiting for fencing, or an unreachable server?)",
                 mount_text(*now), c.fast_stop ? "fast_stop" : "operation");
        last_err = r.outcome == O::Busy ? "busy" : errno_text(r.error);
        if (budget.expired()) break;
        if (c.force_unmount == ForceUnmount::False) {
            if (attempt == 1) ctx.log.info("{} is busy; force_unmount=false: retrying until the deadline", now->mount_point);
            sleep_within(budget, 1000ms);
            continue;
        }
        if (!reaper.round(find_holders(q), now->mount_point)) sleep_within(budget, 250ms);
    }
    std::string holders = describe_holders(find_holders(q));
    if (holders.empty()) holders = kernel_busy_hint(q.mount_point);
    fail(ExitCode::ErrGeneric, "cannot unmount {} before the {} deadline: {}; holders: {}", q.mount_point,
         c.fast_stop ? "fast_stop" : "operation", last_err, holders);
}

// Start's own mount that went wrong.
void take_back(Context& ctx, const Config& c, const MountEntry& made)
{
    if (auto why = unmount_one(ctx, c, ctx.deadline, made)) ctx.log.warn("cannot take back {}: {}", mount_text(made), *why);
}

}  // namespace ocfkit::gfs2fs
