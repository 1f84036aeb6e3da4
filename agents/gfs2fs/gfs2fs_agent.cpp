// gfs2fs's declarative description (parameters with their checks, actions) and the shutdown
// ordering its mounts need.
#include "gfs2fs_agent.h"

#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "gfs2fs_detail.h"

namespace ocfkit::gfs2fs {

namespace {

ParamCheck check_with(std::optional<std::string> (*f)(std::string_view))
{
    return [f](std::string_view v) { return f(v); };
}

ParamCheck holder_signal_check()
{
    return [](std::string_view v) -> std::optional<std::string> {
        SignalParse s = parse_holder_signal(v);
        if (!s.signal) return s.problem;
        return std::nullopt;
    };
}

ParamCheck force_unmount_check()
{
    return [](std::string_view v) -> std::optional<std::string> {
        if (!parse_force_unmount(v)) return fmt::format("'{}' is not one of true, safe, false", v);
        return std::nullopt;
    };
}

const AgentSpec kSpec{
    .name = "gfs2fs",
    .version = "1.0",
    .shortdesc = "Mounts a GFS2 (or any other) file system, cloned on a DLM cluster",
    .longdesc =
        "Mounts a file system on shared or replicated storage. Built for GFS2 on DLM and clustered LVM "
        "(run it as a clone with interleave=true after the controld and lvmlockd clones), and able to "
        "mount any file system the kernel or a mount helper supports; its parameters are those of "
        "ocf:heartbeat:Filesystem with the same names and meanings.\n\n"
        "Before mounting GFS2 it checks, with a precise reason for each: dlm_controld is running, the "
        "cluster's fencing is not disabled, the cluster part of the lock table in the superblock equals "
        "the corosync cluster name, the file system has at least clone-max journals, and lock_nolock is "
        "never used by a clone.\n\n"
        "Monitor depths (OCF_CHECK_LEVEL): 0 reads /proc/self/mountinfo in process and checks that the "
        "right device is mounted at the directory with the expected read-write state (no program is "
        "run); 10 also reads the first 4 KiB of the device with O_DIRECT; 20 also writes, syncs and reads "
        "back a status file below the mount point (O_DIRECT where supported). Other depths fall back "
        "to the next lower one.\n\n"
        "Stop unmounts the mounts below the directory, then the directory itself (other mounts of the "
        "device only with unmount_other_mounts=true), each by its mount id from a path it reaches "
        "without following symlinks. When a mount is busy, it finds the processes holding exactly that mount by "
        "scanning /proc (working directory, root, executable, open files, memory maps), sends "
        "term_signal, waits signal_delay seconds, then sends kill_signal, and gives up with the list of "
        "holders when the operation's time runs out.",
    .params =
        {
            {.name = "device",
             .shortdesc = "Block device, LABEL=, UUID= or remote source",
             .longdesc = "The device to mount: a path (/dev/vg0/lv0), LABEL=name, UUID=uuid (also -L name / "
                         "-U uuid as Filesystem accepts; resolved through /dev/disk/by-* or blkid), a "
                         "remote source for network file systems (server:/export, //server/share), or the "
                         "source directory of a bind mount.",
             .required = true,
             .check = check::max_length(4095)},
            {.name = "directory",
             .shortdesc = "Mount point",
             .longdesc = "Absolute path of the mount point. Created (with parents) by start when missing.",
             .required = true,
             .unique_group = "directory",
             .check = check_with(directory_problem)},
            {.name = "fstype",
             .shortdesc = "File system type",
             .longdesc = "The file system type given to mount -t: gfs2 by default; any type the kernel knows "
                         "(/proc/filesystems), has a module for, or has a mount.<type> helper for. Use 'none' "
                         "with options=bind for bind mounts.",
             .default_value = "gfs2",
             .check = check_with(fstype_problem)},
            {.name = "options",
             .shortdesc = "Mount options",
             .longdesc = "Options for mount -o, comma separated (e.g. noatime,acl). For GFS2, lockproto= and "
                         "locktable= override the superblock; lockproto=lock_nolock is refused on a clone. "
                         "'ro' mounts read-only and makes monitor expect that.",
             .default_value = "",
             .check = check::max_length(4095)},
            {.name = "statusfile_prefix",
             .shortdesc = "Status file prefix for depth-20 monitors",
             .longdesc = "Path, relative to the mount point, prefixed to the status file name "
                         "(<prefix><resource>[_<clone>]_<node>) that the depth-20 monitor writes and reads. The "
                         "file and its directories are reached without following symlinks and used only when "
                         "owned by root and not writable by others; anything else found under those names (a "
                         "link, a FIFO, a user's directory) is set aside (a directory renamed to "
                         "<name>.untrusted-*, the rest removed) and logged.",
             .default_value = ".Filesystem_status/",
             .reloadable = true,
             .check = check_with(statusfile_prefix_problem)},
            {.name = "run_fsck",
             .type = ParamType::Select,
             .shortdesc = "When to run fsck before mounting",
             .longdesc = "auto: only for local file systems without a journal (ext2, unknown types); force: "
                         "always (refused for cluster file systems and clones); no: never.",
             .default_value = "auto",
             .reloadable = true,
             .choices = {"auto", "force", "no"}},
            {.name = "fast_stop",
             .type = ParamType::Boolean,
             .shortdesc = "Give up a busy unmount early",
             .longdesc = "true: stop tries for about 6 seconds (at least two signal_delay rounds) to unmount "
                         "a busy file system, then fails; false: it keeps trying until the stop operation's "
                         "timeout is nearly used up. Set a generous stop timeout with false.",
             .default_value = "false",
             .reloadable = true},
            {.name = "force_clones",
             .type = ParamType::Boolean,
             .shortdesc = "Allow cloning a local file system",
             .longdesc = "Local file systems (ext4, xfs, ...) mounted on several nodes at once get corrupted, "
                         "so a clone of one is refused (exit 6). Set true only for setups such as one local "
                         "brick per node where each node mounts its own device.",
             .default_value = "false"},
            {.name = "force_unmount",
             .shortdesc = "Kill processes that keep the mount busy",
             .longdesc = "true: find holders by their mount (exact: a sibling or parent mount, or another bind "
                         "mount of the same file system, never matches) and signal them; safe: same, but never "
                         "touch the file system being stopped (open files by mount id, everything else by "
                         "path) so a dead NFS server cannot hang the stop; false: signal nobody, only retry.",
             .default_value = "true",
             .reloadable = true,
             .check = force_unmount_check()},
            {.name = "unmount_other_mounts",
             .type = ParamType::Boolean,
             .shortdesc = "Stop also unmounts the device's mounts elsewhere",
             .longdesc = "false: stop unmounts only what is mounted at directory and below it, as "
                         "ocf:heartbeat:Filesystem does. Other mounts of the same device on this node (an admin's "
                         "maintenance mount, a bind mount of a sub-directory made elsewhere) and their users are "
                         "left alone; stop logs them, and a probe or monitor reports the resource not running "
                         "there. Such a mount keeps a local file system (ext4, xfs) in use on this node: do not "
                         "start the resource on another node while it exists. true: stop also unmounts the "
                         "device's other mounts and everything below them, signalling their holders as for "
                         "directory. Either way stop never unmounts a mount that is not its target, even one "
                         "made on top of a target: it fails and names it.",
             .default_value = "false",
             .reloadable = true},
            {.name = "term_signal",
             .shortdesc = "First signal sent to holders",
             .longdesc = "Signal sent first to processes that keep the mount busy: a name (TERM, SIGTERM) or "
                         "number. Only signals that end a process by default are accepted; STOP, TSTP, TTIN, "
                         "TTOU, CHLD, CONT, URG, WINCH and real-time signals (32-64) are refused.",
             .default_value = "SIGTERM",
             .reloadable = true,
             .check = holder_signal_check()},
            {.name = "kill_signal",
             .shortdesc = "Signal sent to holders that outlive signal_delay",
             .longdesc = "Signal sent to holders still present signal_delay seconds after term_signal: a name "
                         "(KILL, SIGKILL) or number, accepted as for term_signal.",
             .default_value = "SIGKILL",
             .reloadable = true,
             .check = holder_signal_check()},
            {.name = "signal_delay",
             .type = ParamType::Integer,
             .shortdesc = "Seconds between term_signal and kill_signal",
             .longdesc = "How long holders get to exit after term_signal before kill_signal (0 to 600).",
             .default_value = "1",
             .reloadable = true,
             .check = check::integer_range(0, 600)},
        },
    .actions =
        {
            {.name = "start", .timeout_s = 60},
            {.name = "stop", .timeout_s = 60},
            {.name = "monitor", .timeout_s = 40, .interval_s = 20, .depth = 0},
            {.name = "validate-all", .timeout_s = 20},
            {.name = "reload-agent", .timeout_s = 20},
            {.name = "meta-data", .timeout_s = 5},
        },
};

}  // namespace

const AgentSpec& gfs2fs_spec() { return kSpec; }

// What a mount made by Pacemaker needs at shutdown, in the order systemd takes it down: Pacemaker
// (which unmounts, after moving the guests) must stop before all of it. systemd's own unit for a
// gfs2 mount sits before remote-fs.target and would otherwise be unmounted beside Pacemaker's stop,
// under running guests; the network, iSCSI, multipath, DLM, DRBD and LVM services (when the host,
// not Pacemaker, runs them) come after. Ordering after a unit that is not installed does nothing.
const ShutdownOrder kShutdownOrder{
    .agent = "gfs2fs",
    .why = "At shutdown Pacemaker stops (unmounting the file system) before what the mount needs goes down.",
    .after = {"remote-fs.target", "network-online.target", "iscsid.service", "open-iscsi.service", "iscsi.service",
              "multipathd.service", "dlm.service", "lvmlockd.service", "drbd.service", "blk-availability.service"}};

const AgentSpec& Gfs2fsAgent::spec() const { return kSpec; }

}  // namespace ocfkit::gfs2fs
