// Signals and waits that reach only the process identified (see ocfkit/pinned_process.h).
#include "ocfkit/pinned_process.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <utility>

#include "ocfkit/host.h"
#include "ocfkit/pidfd.h"

namespace ocfkit {

using namespace std::chrono;

std::optional<PinnedProcess> PinnedProcess::pin(const std::string& proc_root, int pid, bool use_pidfd)
{
    if (pid <= 0) return std::nullopt;
    auto before = process_start_time(proc_root, pid);
    if (!before) return std::nullopt;
    int fd = -1;
    if (use_pidfd) {
        fd = pidfd::open(pid);
        if (fd < 0 && errno == ESRCH) return std::nullopt;
    }
    // The same start time after opening: the pidfd holds the process that was looked at.
    PinnedProcess p(proc_root, pid, *before, fd);
    if (!p.still_same()) return std::nullopt;
    return p;
}

PinnedProcess::PinnedProcess(PinnedProcess&& other) noexcept
    : proc_root_(std::move(other.proc_root_)),
      pid_(other.pid_),
      start_time_(other.start_time_),
      pidfd_(std::exchange(other.pidfd_, -1))
{
}

PinnedProcess& PinnedProcess::operator=(PinnedProcess&& other) noexcept
{
    if (this != &other) {
        if (pidfd_ >= 0) ::close(pidfd_);
        proc_root_ = std::move(other.proc_root_);
        pid_ = other.pid_;
        start_time_ = other.start_time_;
        pidfd_ = std::exchange(other.pidfd_, -1);
    }
    return *this;
}

PinnedProcess::~PinnedProcess()
{
    if (pidfd_ >= 0) ::close(pidfd_);
}

bool PinnedProcess::still_same() const
{
    auto now = process_start_time(proc_root_, pid_);
    return now && *now == start_time_;
}

int PinnedProcess::signal(int sig) const
{
    if (pidfd_ >= 0) return pidfd::send_signal(pidfd_, sig);
    // A pid can change hands between this check and kill(2); without a pidfd nothing closes that.
    if (!still_same()) return ESRCH;
    return ::kill(pid_, sig) == 0 ? 0 : errno;
}

bool PinnedProcess::gone() const
{
    if (pidfd_ >= 0) {
        pollfd p{pidfd_, POLLIN, 0};
        return ::poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
    }
    return !still_same() || process_state(proc_root_, pid_) != ProcessState::Running;
}

bool PinnedProcess::wait_until_gone(const Deadline& deadline, milliseconds bound) const
{
    const auto until = Deadline::Clock::now() + deadline.clamp(bound);
    for (;;) {
        if (gone()) return true;
        auto left = duration_cast<milliseconds>(until - Deadline::Clock::now());
        if (left <= milliseconds(0)) return false;
        if (pidfd_ >= 0) {
            // The pidfd turns readable when the process exits.
            pollfd p{pidfd_, POLLIN, 0};
            ::poll(&p, 1, static_cast<int>(std::min<milliseconds::rep>(left.count() + 1, INT_MAX)));
        } else {
            sleep_within(deadline, std::min(left, milliseconds(50)));
        }
    }
}

}  // namespace ocfkit
