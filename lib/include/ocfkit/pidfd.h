// pidfd system calls (glibc 2.36 has no wrappers for every one): a process handle that a
// recycled PID can never redirect to another process.
#pragma once

#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>

namespace ocfkit::pidfd {

// A pidfd for pid, or -1 with errno (ENOSYS on kernels before 5.3).
inline int open(pid_t pid)
{
#ifdef SYS_pidfd_open
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

// 0, or the errno of the signal sent through the pidfd (ESRCH once the process has ended).
inline int send_signal(int fd, int sig)
{
#ifdef SYS_pidfd_send_signal
    return ::syscall(SYS_pidfd_send_signal, fd, sig, nullptr, 0) == 0 ? 0 : errno;
#else
    (void)fd;
    (void)sig;
    return ENOSYS;
#endif
}

}  // namespace ocfkit::pidfd
