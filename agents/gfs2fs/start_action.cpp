// gfs2fs start: the mount point created, fsck when wanted, the mount checked and taken back when wrong.
#include "gfs2fs_detail.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

namespace ocfkit::gfs2fs {

using std::chrono::milliseconds;

namespace {

bool mount_present(const std::vector<MountEntry>& table, int mount_id)
{
    for (const auto& e : table)
        if (e.mount_id == mount_id) return true;
    return false;
}

}  // namespace

Outcome Gfs2fsAgent::start(Context& ctx)
{
    Config c = load_config(ctx);
    Resolved dev = c.device.kind == DeviceKind::Remote ? Resolved{} : resolve_device(ctx, c, hooks_, true);
    // Before mounting: a reboot right after start already finds the ordering in place.
    ensure_shutdown_order(ctx, HostPaths::from_env(ctx.env), kShutdownOrder);

    auto table = read_mount_table();
    std::string where;
    if (const MountEntry* top = find_top(table, c.directory, &where)) {
        std::string why;
        if (identify(*top, c, dev, &why) == Identity::Mismatch)
            fail(ExitCode::ErrGeneric, "{} is already a mount point: {}", where, why);
        if (!c.expect_ro && top->read_only())
            fail(ExitCode::ErrGeneric, "{} is already mounted, but read-only although options do not ask for ro; "
                 "stop the resource to remount it", where);
        return {ExitCode::Success, fmt::format("{} is already mounted", where)};
    }
    if (auto below = mounts_below(table, where); !below.empty())
        fail(ExitCode::ErrGeneric, "mounts exist below {} ({}); mounting over them would hide them", where,
             mounts_list(below));

    if (dev.block) {
        if (!c.bind)
            if (auto others = mounts_of_dev(table, dev.rdev); !others.empty())
                fail(ExitCode::ErrGeneric, "{} is already mounted at {}; refusing to mount it a second time at {}",
                     c.device.display(), mounts_list(others), c.directory);
        int err = 0;
        auto size = block_device_size(dev.path, &err);
        if (!size) fail(ExitCode::ErrGeneric, "cannot open {}: {}", dev.path, errno_text(err));
        if (*size == 0)
            fail(ExitCode::ErrGeneric, "{} has size 0 (a loop device without backing file, or a vanished disk)",
                 dev.path);
    }

    // The mount point: create what is missing, remember it to remove again on failure.
    std::vector<std::string> created;
    struct stat st {};
    if (::stat(c.directory.c_str(), &st) != 0) {
        if (errno != ENOENT) fail(ExitCode::ErrGeneric, "cannot use {}: {}", c.directory, errno_text(errno));
        for (std::size_t pos = 1; pos <= c.directory.size(); ++pos) {
            if (pos != c.directory.size() && c.directory[pos] != '/') continue;
            std::string part = c.directory.substr(0, pos);
            if (::mkdir(part.c_str(), 0755) == 0) {
                created.push_back(part);
            } else if (errno != EEXIST) {
                fail(ExitCode::ErrGeneric, "cannot create mount point {}: {}", part, errno_text(errno));
            }
        }
        ctx.log.info("created mount point {}", c.directory);
    } else if (!S_ISDIR(st.st_mode)) {
        fail(ExitCode::ErrArgs, "parameter 'directory': {} exists and is not a directory", c.directory);
    }
    auto remove_created = [&] {
        for (auto it = created.rbegin(); it != created.rend(); ++it) ::rmdir(it->c_str());
    };

    try {
        if (dev.block && fsck_wanted(c.fsck, c.fstype)) {
            CommandSpec fsck;
            fsck.argv = {"fsck", "-t", c.fstype, "-p", dev.path};
            fsck.timeout = std::max(ctx.deadline.remaining(), milliseconds(1));
            CommandResult r = ctx.runner.run(fsck, ctx.deadline);
            require_started(fsck, r);
            // fsck: 0 clean, 1 errors corrected, 2 reboot suggested; 4 and up: not repaired.
            if (r.status != CommandResult::Status::Exited || r.exit_code >= 4)
                fail(ExitCode::ErrGeneric, "file system check of {} failed: {}", dev.path, failure_message(fsck, r));
        }

        CommandSpec mount;
        mount.argv = {"mount"};
        if (!c.bind) mount.argv.insert(mount.argv.end(), {"-t", c.fstype});
        if (!c.options.empty()) mount.argv.insert(mount.argv.end(), {"-o", c.options});
        mount.argv.push_back(dev.path.empty() ? c.device.value : dev.path);
        mount.argv.push_back(c.directory);
        mount.timeout = std::max(ctx.deadline.remaining(), milliseconds(1));
        CommandResult r = ctx.runner.run(mount, ctx.deadline);
        require_started(mount, r);

        auto after = read_mount_table();
        const MountEntry* top = find_top(after, c.directory, &where);
        if (!r.ok()) {
            // A mount that timed out may still have completed in the kernel: take it away again.
            if (top && !mount_present(table, top->mount_id)) take_back(ctx, c, *top);
            fail(ExitCode::ErrGeneric, "cannot mount {} on {}: {}", c.device.display(), c.directory,
                 failure_message(mount, r));
        }
        if (!top) fail(ExitCode::ErrGeneric, "mount reported success but {} is not in /proc/self/mountinfo", c.directory);
        std::string why;
        if (identify(*top, c, dev, &why) == Identity::Mismatch) {
            take_back(ctx, c, *top);
            fail(ExitCode::ErrGeneric, "the mount went wrong: {}", why);
        }
        if (!c.expect_ro && top->read_only()) {
            take_back(ctx, c, *top);
            fail(ExitCode::ErrGeneric, "{} was mounted read-only although options do not ask for ro "
                 "(a write-protected device?)", c.directory);
        }
    } catch (const Failure&) {
        remove_created();
        throw;
    }
    return ExitCode::Success;
}

}  // namespace ocfkit::gfs2fs
