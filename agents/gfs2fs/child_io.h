// File system accesses that may hang in the kernel (a GFS2 waiting for fencing, a dead NFS
// server) run in a forked child that is abandoned at the deadline: a thread stuck in D state
// would keep the agent itself from exiting. Stand-in for lib's ocfkit/bounded_io.h (same
// interface) until that lands.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "ocfkit/deadline.h"

namespace ocfkit::gfs2fs {

struct ChildIoResult {
    enum class Outcome { Done, Failed, TimedOut };
    Outcome outcome = Outcome::Failed;
    int error = 0;     // Failed: what `work` returned, or why the child could not run
    std::string data;  // what `work` wrote to out_fd, at most `cap` bytes
};

// `work` runs in a forked child: raw syscalls only (async-signal-safe, no allocation); it
// returns 0 or an errno value and may write results to out_fd.
ChildIoResult run_in_child(const Deadline& deadline, std::size_t cap, const std::function<int(int out_fd)>& work);

}  // namespace ocfkit::gfs2fs
