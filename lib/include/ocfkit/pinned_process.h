// A process pinned when it is identified, so that a signal sent or a wait done later (stop may
// come minutes after the lookup) reaches that process only, never one that got its pid since.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "ocfkit/deadline.h"

namespace ocfkit {

class PinnedProcess {
public:
    // Pins process `pid` as /proc shows it now: a pidfd (Linux 5.3), and its start time from
    // /proc/<pid>/stat for kernels without pidfds. Nothing when the process is gone, or when its
    // pid changed hands while pinning. use_pidfd=false tests the start-time fallback.
    static std::optional<PinnedProcess> pin(const std::string& proc_root, int pid, bool use_pidfd = true);

    PinnedProcess(PinnedProcess&& other) noexcept;
    PinnedProcess& operator=(PinnedProcess&& other) noexcept;
    PinnedProcess(const PinnedProcess&) = delete;
    PinnedProcess& operator=(const PinnedProcess&) = delete;
    ~PinnedProcess();

    int pid() const { return pid_; }
    // Whether /proc/<pid> still shows the pinned process (a zombie counts).
    bool still_same() const;
    // Sends sig to the pinned process: 0, or the errno (ESRCH once it is gone). Without a pidfd
    // the start time is checked just before kill(2).
    int signal(int sig) const;
    // Whether it has exited (a zombie counts: only its parent can reap it).
    bool gone() const;
    // Waits until gone(): at most `bound`, never past the deadline.
    bool wait_until_gone(const Deadline& deadline, std::chrono::milliseconds bound) const;

private:
    PinnedProcess(std::string proc_root, int pid, unsigned long long start_time, int pidfd)
        : proc_root_(std::move(proc_root)), pid_(pid), start_time_(start_time), pidfd_(pidfd)
    {
    }
    std::string proc_root_;
    int pid_ = 0;
    unsigned long long start_time_ = 0;
    int pidfd_ = -1;
};

}  // namespace ocfkit
