// Bounded file system access in a forked child (see child_io.h).
#include "child_io.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace ocfkit::gfs2fs {

ChildIoResult run_in_child(const Deadline& deadline, std::size_t cap, const std::function<int(int out_fd)>& work)
{
    ChildIoResult r;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        r.error = errno;
        return r;
    }
    pid_t pid = ::fork();
    if (pid < 0) {
        r.error = errno;
        ::close(fds[0]);
        ::close(fds[1]);
        return r;
    }
    if (pid == 0) {
        ::close(fds[0]);
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        int rc = work(fds[1]);
        ::_exit(std::clamp(rc, 0, 255));
    }
    ::close(fds[1]);
    // Read until the child closes its end (it exits), or the deadline.
    bool eof = false;
    char buf[4096];
    while (!eof) {
        auto left = deadline.remaining();
        if (left.count() <= 0) break;
        pollfd p{fds[0], POLLIN, 0};
        int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
        if (n < 0 && errno != EINTR) break;
        if (n <= 0) continue;
        ssize_t got = ::read(fds[0], buf, sizeof buf);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            eof = true;
            break;
        }
        std::size_t keep = std::min<std::size_t>(static_cast<std::size_t>(got), cap - std::min(cap, r.data.size()));
        r.data.append(buf, keep);
    }
    ::close(fds[0]);
    int status = 0;
    pid_t done = 0;
    // EOF comes at exit; the reap follows at once. Never block: a child in D state is abandoned.
    while (eof && (done = ::waitpid(pid, &status, WNOHANG)) == 0 && !deadline.expired()) ::usleep(1000);
    if (done != pid) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, WNOHANG);
        r.outcome = ChildIoResult::Outcome::TimedOut;
        r.error = ETIMEDOUT;
        return r;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        r.outcome = ChildIoResult::Outcome::Done;
    } else {
        r.outcome = ChildIoResult::Outcome::Failed;
        r.error = WIFEXITED(status) ? WEXITSTATUS(status) : EINTR;
    }
    return r;
}

}  // namespace ocfkit::gfs2fs
