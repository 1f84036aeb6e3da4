// gfs2fs monitor: the mount from /proc/self/mountinfo in process; depth 10 reads, depth 20 writes.
#include "gfs2fs_detail.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>

#include <fmt/format.h>

namespace ocfkit::gfs2fs {

Outcome Gfs2fsAgent::monitor(Context& ctx)
{
    Config c = load_config(ctx);
    const int level = effective_check_level(ctx.check_level);
    auto table = read_mount_table();
    Resolved dev = c.device.kind == DeviceKind::Remote ? Resolved{} : hooks_.resolve(c.device);
    std::string where;
    const MountEntry* top = find_top(table, c.directory, &where);
    if (!top) {
        if (dev.block && !c.bind) {
            // Someone else's mount (an admin's maintenance mount): not this resource, and no
            // reason to stop it here.
            if (auto others = mounts_of_dev(table, dev.rdev); !others.empty())
                return {ExitCode::NotRunning, fmt::format("{} is not mounted at {}; {} is mounted at {}, which is "
                                                          "not this resource's mount",
                                                          c.directory, c.device.display(), c.device.display(),
                                                          mounts_list(others))};
            if (fs_still_alive(dev))
                return {ExitCode::ErrGeneric,
                        fmt::format("{} is not mounted, but a file system still holds {} (its mount point was "
                                    "deleted or lazily unmounted while in use, or it is mounted in another mount "
                                    "namespace)",
                                    c.directory, dev.path)};
        }
        return {ExitCode::NotRunning, fmt::format("{} is not mounted", c.directory)};
    }
    std::string why;
    if (identify(*top, c, dev, &why) == Identity::Mismatch) return {ExitCode::ErrGeneric, why};
    if (expects_block_device(c) && c.device.kind == DeviceKind::Path && dev.path.empty())
        return {ExitCode::ErrGeneric, fmt::format("{} vanished while {} is mounted from it ({}): {}", c.device.value,
                                                  where, top->source, errno_text(dev.error ? dev.error : ENOENT))};
    if (!c.expect_ro && top->read_only())
        return {ExitCode::ErrGeneric,
                fmt::format("{} is mounted read-only but should be read-write (remounted ro after I/O errors?)", where)};
    // One stat: the ordering comes back after an upgrade from a version without it, or a cleanup.
    if (!ctx.probe) {
        HostPaths paths = HostPaths::from_env(ctx.env);
        if (!shutdown_order_present(ctx, paths, kShutdownOrder.agent)) ensure_shutdown_order(ctx, paths, kShutdownOrder);
    }

    if (level >= 10) {
        if (!dev.block && c.device.is_tag()) dev = resolve_device(ctx, c, hooks_, true);
        if (dev.block) {
            if (auto e = read_device_direct(dev.path, ctx.deadline)) return {ExitCode::ErrGeneric, *e};
        } else if (expects_block_device(c)) {
            return {ExitCode::ErrGeneric, fmt::format("{} cannot be found for the depth-10 read: {}", c.device.display(),
                                                      errno_text(dev.error ? dev.error : ENOENT))};
        } else {
            ctx.log.debug("{} is not a block device: the depth-10 read is skipped", c.device.display());
        }
    }
    if (level >= 20) {
        std::optional<std::string> clone = ctx.env.meta("clone");
        std::string node = node_name(ctx);
        StatusFile file{where, top->mount_id,
                        status_file_name(c.statusfile_prefix, ctx.env.resource_instance(), clone, node)};
        std::string content = fmt::format("{} {} {} {}\n", ctx.env.resource_instance(), node, ::getpid(),
                                          std::chrono::system_clock::now().time_since_epoch().count());
        StatusFileResult r = write_read_status_file(file, content, ctx.deadline);
        for (const auto& p : r.set_aside)
            ctx.log.warn("{} was not a root-owned status file or directory (a planted link or name?): set aside", p);
        if (r.problem) return {ExitCode::ErrGeneric, *r.problem};
    }
    return ExitCode::Success;
}

}  // namespace ocfkit::gfs2fs
