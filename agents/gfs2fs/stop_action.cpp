// gfs2fs stop: everything at and below the directory unmounted, holders signalled, detached mounts released.
#include "gfs2fs_detail.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "holders.h"
#include "reaper.h"

namespace ocfkit::gfs2fs {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

Outcome Gfs2fsAgent::stop(Context& ctx)
{
    // Run by hand from inside the mount, we would be our own holder (and never signal ourselves).
    if (::chdir("/") != 0) ctx.log.warn("cannot change to /: {}", std::strerror(errno));
    // Stop works from whatever is usable: a directory is enough to find and unmount our mount.
    auto dir_param = ctx.params.opt("directory");
    if (!dir_param || dir_param->empty() || directory_problem(*dir_param))
        return {ExitCode::Success, "parameter 'directory' is unset or invalid: nothing of this resource can be mounted"};
    std::optional<Config> cfg;
    try {
        cfg = load_config(ctx);
    } catch (const Failure& f) {
        ctx.log.warn("stopping with a partly invalid configuration: {}", f.reason);
    }
    Config fallback;
    fallback.directory = normalize_path(*dir_param);
    if (auto fu = parse_force_unmount(ctx.params.opt("force_unmount").value_or("true"))) fallback.force_unmount = *fu;
    fallback.unmount_other_mounts = parse_bool(ctx.params.opt("unmount_other_mounts").value_or("")).value_or(false);
    const Config& c = cfg ? *cfg : fallback;

    Resolved dev;
    if (cfg && c.device.kind != DeviceKind::Remote) dev = hooks_.resolve(c.device);

    milliseconds fast = std::max<milliseconds>(6s, 2 * c.signal_delay + 2s);
    Deadline budget = c.fast_stop && ctx.deadline.remaining() > fast ? Deadline::after(fast) : ctx.deadline;

    for (int round = 0;; ++round) {
        auto table = read_mount_table();
        std::string where;
        const MountEntry* top = find_top(table, c.directory, &where);
        std::string why;
        if (top && round == 0 && cfg && identify(*top, c, dev, &why) != Identity::Mismatch) {
            // The depth-20 status file is ours; removing it may fail on a read-only mount. A hung
            // file system gets a few seconds here: the unmount has to deal with it anyway.
            StatusFile file{where, top->mount_id,
                            status_file_name(c.statusfile_prefix, ctx.env.resource_instance(), ctx.env.meta("clone"),
                                             node_name(ctx))};
            Deadline bound = Deadline::at(std::min(budget.when(), Deadline::Clock::now() + 5s));
            StatusFileResult r = remove_status_file(file, bound);
            if (r.problem) ctx.log.debug("status file left: {}", *r.problem);
        }
        auto targets = stop_targets(table, c.directory, cfg ? &c : nullptr, dev);
        if (targets.empty()) break;
        // Each round takes the mounts nothing else sits on; a few dozen rounds means someone
        // keeps mounting.
        if (round == 32)
            fail(ExitCode::ErrGeneric, "{} is still mounted after {} rounds of unmounting", mount_text(targets.back()),
                 round);
        std::vector<std::string> blocked;
        bool progress = false;
        for (const auto& t : ready_targets(table, targets, blocked)) {
            if (auto why = unmount_one(ctx, c, budget, t))
                blocked.push_back(*why);
            else
                progress = true;
        }
        if (!progress)
            fail(ExitCode::ErrGeneric,
                 "cannot unmount what is mounted at {}: {}; stop never unmounts a mount that is not its target, "
                 "so unmount what covers it first",
                 where, fmt::join(blocked, "; "));
    }

    if (cfg && !c.unmount_other_mounts) {
        auto table = read_mount_table();
        if (auto others = other_mounts(table, c, dev); !others.empty()) {
            // Not this resource's mounts: an admin's, or bind mounts made from it elsewhere.
            ctx.log.warn("{} is unmounted; {} stays mounted at {} (unmount_other_mounts=false leaves those alone; "
                         "the file system is still in use on this node)",
                         c.directory, c.device.display(), mounts_list(others));
            remove_shutdown_order(ctx, HostPaths::from_env(ctx.env), kShutdownOrder.agent);
            return ExitCode::Success;
        }
    }
    if (fs_still_alive(dev)) {
        // No mount is visible but the file system lives on: a detached mount (mount point deleted,
        // lazy unmount) held by processes, or a mount in another namespace.
        ctx.log.warn("{} is unmounted but a file system still holds {}", c.directory, dev.path);
        HolderQuery q;
        q.detached_dev = dev.rdev;
        q.deadline = budget;
        Reaper reaper(ctx, c, budget);
        Deadline settle = Deadline::after(std::min<milliseconds>(2s, budget.remaining()));
        while (fs_still_alive(dev)) {
            auto holders = find_holders(q);
            if (budget.expired() || c.force_unmount == ForceUnmount::False || (holders.empty() && settle.expired())) {
                std::string who = describe_holders(holders);
                if (who.empty()) who = namespaces_mounting(dev.rdev);
                if (who.empty()) who = kernel_busy_hint(c.directory);
                fail(ExitCode::ErrGeneric, "{} is unmounted here but its file system on {} is still active: {}",
                     c.directory, dev.path, who);
            }
            if (!reaper.round(holders, dev.path)) sleep_within(budget, 100ms);
        }
        ctx.log.info("the detached file system on {} is released", dev.path);
    }
    remove_shutdown_order(ctx, HostPaths::from_env(ctx.env), kShutdownOrder.agent);
    return ExitCode::Success;
}

}  // namespace ocfkit::gfs2fs
