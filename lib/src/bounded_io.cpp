// Work that may block in the kernel, done in a forked child the deadline can abandon.
#include "ocfkit/bounded_io.h"

#include "ocfkit/pidfd.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <thread>

namespace ocfkit {

using namespace std::chrono;
using Clock = Deadline::Clock;

namespace {

// The child ends its stream with this: the work's errno, then a magic so that a stream cut
// short (child killed) is not taken for a report.
struct Trailer {
    std::int32_t error;
    std::uint32_t magic;
};
constexpr std::uint32_t kMagic = 0x6f63666bU;
constexpr std::size_t kTrailerSize = sizeof(Trailer);
// How long a killed child may take to become reapable before it is abandoned.
constexpr milliseconds kReapGrace{100};

class Fd {
public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd()
    {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }

private:
    int fd_;
};

// A pidfd cannot reach another process once ours is reaped by someone else.
void kill_child(pid_t pid, int fd)
{
    if (fd >= 0) {
        pidfd::send_signal(fd, SIGKILL);
        return;
    }
    ::kill(pid, SIGKILL);
}

// Async-signal-safe from here: write all of buf, retrying short writes and EINTR.
bool write_all(int fd, const void* buf, std::size_t n)
{
    const char* p = static_cast<const char*>(buf);
    while (n > 0) {
        ssize_t w = ::write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        p += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

[[noreturn]] void child_main(int read_fd, int write_fd, pid_t parent, const std::function<int(int)>& work)
{
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);
    ::close(read_fd);
    // The caller may have had 0-2 closed, so the pipe may sit where /dev/null goes.
    if (write_fd < 3) {
        write_fd = ::fcntl(write_fd, F_DUPFD, 3);
        if (write_fd < 0) ::_exit(126);
    }
    int null_fd = ::open("/dev/null", O_RDWR | O_NOCTTY);
    if (null_fd < 0) ::_exit(126);
    for (int fd = 0; fd < 3; ++fd)
        if (null_fd != fd) ::dup2(null_fd, fd);
    if (null_fd > 2) ::close(null_fd);

    int error = EIO;
    try {
        error = work(write_fd);
    } catch (...) {
        // Never unwind into the parent's frames in this copy of it.
        ::_exit(125);
    }
    Trailer t{static_cast<std::int32_t>(error), kMagic};
    ::_exit(write_all(write_fd, &t, sizeof t) ? 0 : 124);
}

// The first cap bytes of the stream and its last kTrailerSize bytes, whatever its length.
class Stream {
public:
    explicit Stream(std::size_t cap) : cap_(cap) {}
    void add(const char* p, std::size_t n)
    {
        total_ += n;
        const std::size_t keep = cap_ + kTrailerSize;
        if (head_.size() < keep) head_.append(p, std::min(n, keep - head_.size()));
        tail_.append(p, n);
        if (tail_.size() > kTrailerSize) tail_.erase(0, tail_.size() - kTrailerSize);
    }
    bool has_trailer(Trailer& t) const
    {
        if (total_ < kTrailerSize) return false;
        std::memcpy(&t, tail_.data(), sizeof t);
        return t.magic == kMagic;
    }
    std::string data() const
    {
        std::size_t body = total_ >= kTrailerSize ? total_ - kTrailerSize : total_;
        return head_.substr(0, std::min(body, cap_));
    }

private:
    std::size_t cap_;
    std::size_t total_ = 0;
    std::string head_, tail_;
};

// Reads what is in the pipe now; false at EOF or on an error.
bool drain(int fd, Stream& stream)
{
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n > 0) {
            stream.add(buf, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
}

int poll_ms(Clock::time_point until, milliseconds at_most)
{
    auto left = duration_cast<milliseconds>(until - Clock::now()) + milliseconds(1);
    return static_cast<int>(std::clamp<milliseconds::rep>(std::min(left, at_most).count(), 0, INT_MAX));
}

// Reaps pid if it has ended or ends before `until`; never blocks past it.
bool reap_until(pid_t pid, int pidfd, Clock::time_point until, int& status)
{
    for (;;) {
        pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) return true;
        if (r < 0 && errno != EINTR) return false;  // not ours any more (ECHILD)
        if (Clock::now() >= until) return false;
        if (pidfd >= 0) {
            pollfd p{pidfd, POLLIN, 0};
            ::poll(&p, 1, poll_ms(until, milliseconds(INT_MAX)));
        } else {
            std::this_thread::sleep_for(std::min<Clock::duration>(until - Clock::now(), milliseconds(2)));
        }
    }
}

}  // namespace

ChildIoResult run_in_child(const Deadline& deadline, std::size_t cap, const std::function<int(int out_fd)>& work)
{
    ChildIoResult result;
    if (deadline.expired()) {
        result.outcome = ChildIoResult::Outcome::TimedOut;
        return result;
    }
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        result.error = errno;
        return result;
    }
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0) child_main(fds[0], fds[1], parent, work);
    ::close(fds[1]);
    Fd read_end(fds[0]);
    if (pid < 0) {
        result.error = errno;
        return result;
    }
    ::fcntl(read_end.get(), F_SETFL, ::fcntl(read_end.get(), F_GETFL) | O_NONBLOCK);
    // Exit, not EOF, ends the wait: another child forked meanwhile may hold the write end.
    Fd pidfd(pidfd::open(pid));

    Stream stream(cap);
    bool pipe_open = true;
    bool reaped = false;
    bool status_known = true;
    int status = 0;
    while (!reaped) {
        if (deadline.expired()) break;
        pollfd p[2] = {{pipe_open ? read_end.get() : -1, POLLIN, 0}, {pidfd.get(), POLLIN, 0}};
        // Without a pidfd only polling tells that the child is gone.
        int n = ::poll(p, 2, poll_ms(deadline.when(), pidfd.get() >= 0 ? milliseconds(INT_MAX) : milliseconds(10)));
        if (n < 0 && errno != EINTR) break;
        if (pipe_open && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) pipe_open = drain(read_end.get(), stream);
        if (pidfd.get() < 0 || (p[1].revents & POLLIN)) {
            pid_t r = ::waitpid(pid, &status, WNOHANG);
            if (r == pid) {
                reaped = true;
            } else if (r < 0 && errno == ECHILD) {
                // Reaped by someone else (SIGCHLD ignored by the caller): only the trailer tells.
                reaped = true;
                status_known = false;
            } else if (r < 0 && errno != EINTR) {
                break;
            }
        }
    }
    if (!reaped) {
        kill_child(pid, pidfd.get());
        // A child in uninterruptible sleep dies only when it wakes: leave it then.
        reap_until(pid, pidfd.get(), Clock::now() + kReapGrace, status);
        result.outcome = ChildIoResult::Outcome::TimedOut;
        return result;
    }
    // The exited child's writes all sit in the pipe now.
    if (pipe_open) drain(read_end.get(), stream);
    Trailer t{};
    const bool exited_cleanly = !status_known || (WIFEXITED(status) && WEXITSTATUS(status) == 0);
    if (exited_cleanly && stream.has_trailer(t)) {
        result.error = t.error;
        result.outcome = t.error == 0 ? ChildIoResult::Outcome::Done : ChildIoResult::Outcome::Failed;
    } else {
        result.error = EIO;
    }
    result.data = stream.data();
    return result;
}

ChildIoResult read_file_in_child(const std::string& path, const Deadline& deadline, std::size_t cap, int extra_flags)
{
    const char* p = path.c_str();
    const int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | extra_flags;
    return run_in_child(deadline, cap, [p, flags, cap](int out) -> int {
        int fd = ::open(p, flags);
        if (fd < 0) return errno;
        char buf[16384];
        std::size_t left = cap;
        while (left > 0) {
            ssize_t n = ::read(fd, buf, std::min(left, sizeof buf));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return errno;
            if (n == 0) break;
            if (!write_all(out, buf, static_cast<std::size_t>(n))) return EPIPE;
            left -= static_cast<std::size_t>(n);
        }
        return 0;
    });
}

PathProbe probe_path_in_child(const std::string& path, int access_mode, const Deadline& deadline)
{
    const char* p = path.c_str();
    ChildIoResult r = run_in_child(deadline, sizeof(unsigned), [p, access_mode](int out) -> int {
        if (access_mode >= 0) return ::access(p, access_mode) == 0 ? 0 : errno;
        struct stat st {};
        if (::stat(p, &st) != 0) return errno;
        const unsigned mode = st.st_mode;
        return write_all(out, &mode, sizeof mode) ? 0 : EPIPE;
    });
    PathProbe probe;
    probe.outcome = r.outcome;
    probe.error = r.error;
    if (r.outcome == ChildIoResult::Outcome::Done && access_mode < 0) {
        if (r.data.size() != sizeof probe.mode) {
            probe.outcome = ChildIoResult::Outcome::Failed;
            probe.error = EIO;
        } else {
            std::memcpy(&probe.mode, r.data.data(), sizeof probe.mode);
        }
    }
    return probe;
}

}  // namespace ocfkit
