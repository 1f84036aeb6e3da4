// gfs2fs validate-all (the device, mount point, programs, GFS2 checks) and reload-agent.
#include "gfs2fs_detail.h"

#include <sys/stat.h>

#include <cerrno>

#include <fmt/format.h>

namespace ocfkit::gfs2fs {

Outcome Gfs2fsAgent::validate(Context& ctx, ValidatePurpose purpose)
{
    Config c = load_config(ctx);
    if (purpose == ValidatePurpose::Monitor) return ExitCode::Success;
    const int level = purpose == ValidatePurpose::Start ? 10 : effective_check_level(ctx.check_level);

    if (level >= 10) {
        // The environment: the device is here, the mount point can be one, the programs exist.
        if (c.device.kind != DeviceKind::Remote) {
            Resolved dev = resolve_device(ctx, c, hooks_, true);
            if (dev.path.empty())
                return {ExitCode::ErrInstalled,
                        fmt::format("parameter 'device': {} is not present on this node{}", c.device.display(),
                                    dev.error && dev.error != ENOENT ? ": " + errno_text(dev.error) : "")};
            if (c.bind && !dev.directory)
                return {ExitCode::ErrArgs, fmt::format("parameter 'device': bind source {} is not a directory", dev.path)};
            if (!c.bind && needs_block_device(c.fstype) && !dev.block && !has_option(c.options, "loop"))
                return {ExitCode::ErrArgs,
                        fmt::format("parameter 'device': {} is not a block device (add options=loop for an image file)",
                                    dev.path)};
            if (c.fstype == "gfs2") gfs2_checks(ctx, c, dev, hooks_);
        }
        struct stat st {};
        if (::stat(c.directory.c_str(), &st) == 0 && !S_ISDIR(st.st_mode))
            return {ExitCode::ErrArgs,
                    fmt::format("parameter 'directory': {} exists and is not a directory", c.directory)};
        if (auto p = missing_program({"mount"}))
            return {ExitCode::ErrInstalled, fmt::format("{} is not installed (util-linux)", *p)};
        if (fsck_wanted(c.fsck, c.fstype))
            if (auto p = missing_program({"fsck"}))
                return {ExitCode::ErrInstalled, fmt::format("run_fsck={} needs fsck, which is not installed",
                                                            ctx.params.str("run_fsck"))};
    }
    if (!hooks_.fstype_support(c.fstype))
        return {ExitCode::ErrInstalled,
                fmt::format("parameter 'fstype': this kernel does not support {} (not in /proc/filesystems, no "
                            "module alias fs-{}, no mount.{} helper)",
                            c.fstype, c.fstype, c.fstype)};
    return ExitCode::Success;
}

Outcome Gfs2fsAgent::reload_agent(Context& ctx)
{
    // The reloadable parameters (stop behaviour, status file, fsck) are read by each operation;
    // the mount itself stays untouched, so the VMs on it keep running.
    load_config(ctx);
    return ExitCode::Success;
}

}  // namespace ocfkit::gfs2fs
