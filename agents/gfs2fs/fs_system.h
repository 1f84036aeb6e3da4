// What gfs2fs reads from the running system, all in process (no programs): mount table,
// devices, /proc, /sys, and the depth-10/20 I/O checks.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fs_config.h"
#include "ocfkit/deadline.h"
#include "ocfkit/host.h"  // read_small_file, pids_with_comm
#include "ocfkit/parse/mountinfo.h"

namespace ocfkit::gfs2fs {

using parse::MountEntry;

// /proc/self/mountinfo, parsed. Throws Failure(ErrGeneric) when unreadable or malformed.
std::vector<MountEntry> read_mount_table();

// The visible (topmost) mount at exactly `path`, nothing when none.
const MountEntry* mount_at(const std::vector<MountEntry>& table, std::string_view path);
// Mounts strictly below `dir` ("dir/..."), deepest first.
std::vector<const MountEntry*> mounts_below(const std::vector<MountEntry>& table, std::string_view dir);
// Mounts whose superblock sits on this device number.
std::vector<const MountEntry*> mounts_of_dev(const std::vector<MountEntry>& table, dev_t dev);
dev_t entry_dev(const MountEntry& e);

// A device parameter resolved to a node in /dev.
struct Resolved {
    std::string path;          // "" when it could not be resolved
    bool block = false;        // path is a block device
    dev_t rdev = 0;            // for block devices
    bool directory = false;    // a bind-mount source directory
    dev_t dir_dev = 0;         // st_dev of that directory
    std::string how;           // "/dev/disk/by-label/x", "blkid", ...
    int error = 0;             // errno of the last lookup (ENOENT: not present)
};

// Resolves without programs: paths by stat, tags through /dev/disk/by-*.
Resolved resolve_in_process(const DeviceSpec& spec);

// Whether the kernel can mount `fstype` here: /proc/filesystems, a mount.<type> helper, or a
// module alias fs-<type> for the running kernel. Returns how it is known, nothing when not.
std::optional<std::string> fstype_support(std::string_view fstype);

// Block devices stacked on this one (/sys/dev/block/M:m/holders): dm, md, drbd ...
std::vector<std::string> block_holders(dev_t rdev);

enum class ExclusiveState { Free, Busy, Unknown };
// Opens the block device O_EXCL (read-only, non-blocking) and closes it at once: Busy means a
// mounted (possibly detached, or in another mount namespace) file system or a stacked device
// holds it.
ExclusiveState exclusive_state(const std::string& device_path, int* err = nullptr);

// Size in bytes of a block device; nothing when it cannot be opened.
std::optional<unsigned long long> block_device_size(const std::string& device_path, int* err = nullptr);

// Loop devices whose backing file lies on `dir` (they keep a mount busy without any process).
std::vector<std::string> loops_backed_under(std::string_view dir);

// Depth 10: reads the first 4 KiB of the device with O_DIRECT (bypassing the page cache), in a
// child abandoned at the deadline (a hung device must not hang the monitor). Returns a problem
// description, nothing when fine.
std::optional<std::string> read_device_direct(const std::string& device_path, const Deadline& deadline);

// The depth-20 status file of the mount `mount_id` at `mount_point`, at `relative` below it
// ("<prefix><name>", '/' between directories). Users may write below the mount point, so the
// file and its directories are reached from the mount's directory fd without following symlinks
// or entering other mounts (openat2 RESOLVE_NO_SYMLINKS|RESOLVE_BENEATH|RESOLVE_NO_XDEV), and
// trusted only when owned by root and not writable by others (the file: a regular file with
// one link). All in a child abandoned at the deadline.
struct StatusFile {
    std::string mount_point;
    int mount_id = 0;
    std::string relative;
};
struct StatusFileResult {
    std::optional<std::string> problem;  // nothing when fine
    std::vector<std::string> set_aside;  // untrusted entries removed (links, files) or renamed (directories)
};
// Writes `content` (O_DIRECT|O_SYNC where supported, else O_SYNC + fsync), reads it back and
// compares. Creates missing directories; untrusted entries in its way are set aside first, so
// a planted name cannot fail every monitor.
StatusFileResult write_read_status_file(const StatusFile& file, std::string_view content, const Deadline& deadline);
// Removes the status file when it and its directories are trusted; leaves anything else alone.
StatusFileResult remove_status_file(const StatusFile& file, const Deadline& deadline);

// Unmounting exactly one mount, identified by its mount id.
struct UnmountResult {
    enum class Outcome {
        Unmounted,
        Busy,         // EBUSY: holders, or mounts on top of or below it
        Unreachable,  // its path does not lead to it without a symlink (ELOOP, ENOENT, ...)
        Covered,      // its path leads to another mount (found_mount_id): an overmount
        Failed,
        TimedOut,     // the kernel did not return before the deadline (the child is abandoned)
    };
    Outcome outcome = Outcome::Failed;
    int error = 0;
    int found_mount_id = 0;  // Covered
};
// Reaches `mount_point` from / without following any symlink (openat2 RESOLVE_NO_SYMLINKS),
// checks that the mount there has `mount_id`, and unmounts its last component from the parent
// directory with UMOUNT_NOFOLLOW (MNT_FORCE when `force`). A renamed directory swapped for a
// symlink, or a mount made on top in the meantime, is never unmounted in its place. Runs in a
// child abandoned at the deadline.
UnmountResult unmount_exact(const std::string& mount_point, int mount_id, bool force, const Deadline& deadline);

// realpath(3) of an existing path; nothing when it does not exist or cannot be resolved.
std::optional<std::string> real_path(const std::string& path);

std::string errno_text(int err);

}  // namespace ocfkit::gfs2fs
