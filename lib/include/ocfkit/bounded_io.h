// File access that may block without limit in the kernel (a GFS2 mount waiting for a fence, a
// FIFO, a dead NFS server), bounded by the operation's deadline.
//
// A thread cannot do it: a thread stuck in uninterruptible sleep keeps the whole agent from
// exiting. The work runs in a forked child instead (no exec), which is SIGKILLed at the deadline
// and abandoned if it cannot be reaped at once. The child has fds 0-2 on /dev/null, so an
// abandoned one never holds Pacemaker's pipes; it keeps the caller's other fds (work may use a
// directory fd opened before).
//
// The caller may be multi-threaded: `work` runs between fork and _exit and may only do
// async-signal-safe things: raw syscalls on data prepared before the call, no allocation, no
// locks, no exceptions, no logging.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "ocfkit/deadline.h"

namespace ocfkit {

struct ChildIoResult {
    enum class Outcome { Done, Failed, TimedOut };
    Outcome outcome = Outcome::Failed;
    int error = 0;      // errno the child reported (Failed), or of fork/pipe
    std::string data;   // what the child wrote to its out fd, at most `cap` bytes
};

// Runs work(out_fd) in a forked child; work returns 0 or an errno, writing its result to out_fd.
// A child that ends without reporting (killed, crashed) gives Failed with EIO. An expired
// deadline gives TimedOut without forking.
ChildIoResult run_in_child(const Deadline& deadline, std::size_t cap, const std::function<int(int out_fd)>& work);

// Reads at most cap bytes of path in a child (open O_RDONLY|O_CLOEXEC|O_NOCTTY plus extra_flags,
// e.g. O_NOFOLLOW).
ChildIoResult read_file_in_child(const std::string& path, const Deadline& deadline, std::size_t cap,
                                 int extra_flags = 0);

// stat(2) of path (access_mode < 0), or access(2) with access_mode, in a child: a path on a hung
// NFS or GFS2 mount costs at most the deadline. `mode` is st_mode after a stat that succeeded.
struct PathProbe {
    ChildIoResult::Outcome outcome = ChildIoResult::Outcome::Failed;
    int error = 0;
    unsigned mode = 0;

    bool ok() const { return outcome == ChildIoResult::Outcome::Done; }
    bool timed_out() const { return outcome == ChildIoResult::Outcome::TimedOut; }
};
PathProbe probe_path_in_child(const std::string& path, int access_mode, const Deadline& deadline);

}  // namespace ocfkit
