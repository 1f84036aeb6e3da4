// Finding and signalling the processes that keep one mount busy, by scanning /proc/<pid>/
// (cwd, root, exe, open files, memory maps) — never fuser, never by path alone.
#pragma once

#include <sys/types.h>

#include <cerrno>

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ocfkit/deadline.h"
#include "ocfkit/pinned_process.h"

namespace ocfkit::gfs2fs {

struct HolderQuery {
    // Precise (force_unmount=true): match the mount id of each file, which is exactly what makes
    // umount(2) fail with EBUSY — a sibling mount, a parent mount or another bind mount of the
    // same file system never matches.
    std::set<int> mount_ids;
    dev_t mount_dev = 0;          // major:minor of those mounts, to pre-filter /proc/<pid>/maps
    // Detached mounts (mount point deleted, lazy unmount): no mount id is visible any more, so
    // match files by the file system's device number instead.
    std::optional<dev_t> detached_dev;
    // force_unmount=safe: never touch the file system being stopped (a dead NFS server would
    // hang us): open files by the mount id in /proc/<pid>/fdinfo, everything else by path.
    bool safe = false;
    std::string mount_point;      // for safe mode's path comparison
    // Bounds each read of /proc/<pid>/maps, which waits for the process's memory map lock (held
    // by a process stuck on a hung file system); nothing: unbounded.
    std::optional<Deadline> deadline;
};

struct Holder {
    pid_t pid = 0;
    unsigned long long start_time = 0;  // /proc/<pid>/stat field 22: tells a reused pid apart
    std::string comm;
    std::string what;  // "cwd /vm/sub", "fd 3 -> /vm/img", "mmap /vm/lib.so", ...
    bool spared = false;  // listed, never signalled: our own ancestor, or a process we cannot read
    // Pinned when identified (none for spared ones), so a signal sent later never reaches a
    // process that got the pid since; shared, as the stop loop keeps copies of its holders.
    std::shared_ptr<const PinnedProcess> process;

    bool alive() const { return process && !process->gone(); }  // a zombie holds no files
    int signal(int sig) const { return process ? process->signal(sig) : ESRCH; }  // 0 or an errno
};

// Never lists this process, PID 1 or kernel threads; our own ancestors come back spared.
std::vector<Holder> find_holders(const HolderQuery& q);

// Still the same process (pid not reused)?
bool process_alive(pid_t pid, unsigned long long start_time);

// "1234 (sleep: cwd /x), 99 (qemu: fd 12 -> /x/img)", at most `max` listed.
std::string describe_holders(const std::vector<Holder>& holders, std::size_t max = 8);

}  // namespace ocfkit::gfs2fs
