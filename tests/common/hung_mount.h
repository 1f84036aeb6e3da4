// A FUSE mount that nobody serves: a stat, access or open of any path below it blocks (killably)
// until the mount goes, as on a dead NFS server or a GFS2 mount waiting for a fence. Needs root.
#pragma once

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

namespace ocfkit::test {

class HungMount {
public:
    HungMount()
    {
        char tmpl[] = "/tmp/ocfkit-hung-XXXXXX";
        if (!::mkdtemp(tmpl)) {
            why_ = std::string("mkdtemp: ") + std::strerror(errno);
            return;
        }
        dir_ = tmpl;
        fd_ = ::open("/dev/fuse", O_RDWR | O_CLOEXEC);
        if (fd_ < 0) {
            why_ = std::string("/dev/fuse: ") + std::strerror(errno);
            return;
        }
        // The kernel sends FUSE_INIT and holds every request until an answer that never comes.
        std::string opts = "fd=" + std::to_string(fd_) + ",rootmode=40000,user_id=0,group_id=0";
        if (::mount("ocfkit-hung", dir_.c_str(), "fuse", MS_NOSUID | MS_NODEV, opts.c_str()) != 0) {
            why_ = std::string("mount fuse: ") + std::strerror(errno);
            return;
        }
        mounted_ = true;
    }
    ~HungMount()
    {
        // Detach first (no lookup through it), then closing the device aborts the waiting requests.
        if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
        if (fd_ >= 0) ::close(fd_);
        if (!dir_.empty()) ::rmdir(dir_.c_str());
    }
    HungMount(const HungMount&) = delete;
    HungMount& operator=(const HungMount&) = delete;

    bool ok() const { return mounted_; }
    const std::string& why() const { return why_; }  // when not ok
    std::string path(const std::string& rel) const { return dir_ + "/" + rel; }

private:
    std::string dir_;
    std::string why_;
    int fd_ = -1;
    bool mounted_ = false;
};

}  // namespace ocfkit::test
