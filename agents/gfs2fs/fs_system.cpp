// In-process reads of the system state for gfs2fs: no programs are run from here.
#include "fs_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

#include <fmt/format.h>

#include "gfs2_parse.h"
#include "ocfkit/bounded_io.h"
#include "ocfkit/exit_code.h"

namespace ocfkit::gfs2fs {

namespace {

struct Fd {
    int fd = -1;
    explicit Fd(int f) : fd(f) {}
    ~Fd()
    {
        if (fd >= 0) ::close(fd);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
};

struct FreeDeleter {
    void operator()(void* p) const { std::free(p); }
};

struct DirCloser {
    void operator()(DIR* d) const { closedir(d); }
};

std::unique_ptr<char, FreeDeleter> aligned_buffer(std::size_t size)
{
    void* p = nullptr;
    if (posix_memalign(&p, 4096, size) != 0) return nullptr;
    std::memset(p, 0, size);
    return std::unique_ptr<char, FreeDeleter>(static_cast<char*>(p));
}

}  // namespace

std::string errno_text(int err) { return std::strerror(err); }

std::vector<MountEntry> read_mount_table()
{
    auto text = read_small_file("/proc/self/mountinfo", 64u << 20);
    if (!text) fail(ExitCode::ErrGeneric, "cannot read /proc/self/mountinfo: {}", errno_text(errno));
    try {
        return parse::parse_mountinfo(*text);
    } catch (const parse::ParseError& e) {
        fail(ExitCode::ErrGeneric, "cannot parse /proc/self/mountinfo: {}", e.what());
    }
}

const MountEntry* mount_at(const std::vector<MountEntry>& table, std::string_view path)
{
    // The kernel lists mounts in the order they were made; a later one on the same path hides
    // the earlier.
    const MountEntry* found = nullptr;
    for (const auto& e : table)
        if (e.mount_point == path) found = &e;
    return found;
}

std::vector<const MountEntry*> mounts_below(const std::vector<MountEntry>& table, std::string_view dir)
{
    std::vector<const MountEntry*> out;
    for (const auto& e : table)
        if (e.mount_point != dir && path_within(e.mount_point, dir)) out.push_back(&e);
    std::stable_sort(out.begin(), out.end(), [](const MountEntry* a, const MountEntry* b) {
        auto depth = [](const std::string& p) { return std::count(p.begin(), p.end(), '/'); };
        if (depth(a->mount_point) != depth(b->mount_point)) return depth(a->mount_point) > depth(b->mount_point);
        return a->mount_id > b->mount_id;  // later mounts first on the same level
    });
    return out;
}

dev_t entry_dev(const MountEntry& e) { return makedev(e.major, e.minor); }

std::vector<const MountEntry*> mounts_of_dev(const std::vector<MountEntry>& table, dev_t dev)
{
    std::vector<const MountEntry*> out;
    for (const auto& e : table)
        if (entry_dev(e) == dev) out.push_back(&e);
    return out;
}

std::optional<std::string> real_path(const std::string& path)
{
    char* r = ::realpath(path.c_str(), nullptr);
    if (!r) return std::nullopt;
    std::string out(r);
    std::free(r);
    return out;
}

Resolved resolve_in_process(const DeviceSpec& spec)
{
    Resolved r;
    std::string path;
    if (spec.kind == DeviceKind::Remote) return r;
    if (spec.is_tag()) {
        path = spec.by_dir() + "/" + udev_escape(spec.value);
        r.how = path;
    } else {
        path = spec.value;
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        r.error = errno;
        return r;
    }
    if (S_ISBLK(st.st_mode)) {
        r.block = true;
        r.rdev = st.st_rdev;
        // Keep the admin's name for messages; by-* links resolve to the real node.
        r.path = spec.is_tag() ? real_path(path).value_or(path) : path;
    } else if (S_ISDIR(st.st_mode)) {
        r.directory = true;
        r.dir_dev = st.st_dev;
        r.path = path;
    } else {
        r.path = path;  // a regular file (loop option) or something else: the caller decides
    }
    return r;
}

std::optional<std::string> fstype_support(std::string_view fstype)
{
    std::string want(fstype);
    if (fstype.substr(0, 5) == "fuse.") want = "fuse";
    if (fstype == "none") return std::string("bind mounts need no file system driver");
    if (auto text = read_small_file("/proc/filesystems")) {
        for (const auto& name : parse_proc_filesystems(*text))
            if (name == want) return std::string("/proc/filesystems");
    }
    for (const char* dir : {"/sbin", "/usr/sbin", "/bin", "/usr/bin"}) {
        std::string helper = fmt::format("{}/mount.{}", dir, fstype);
        if (::access(helper.c_str(), X_OK) == 0) return helper;
    }
    struct utsname u {};
    if (::uname(&u) == 0) {
        std::string base = fmt::format("/lib/modules/{}/", u.release);
        if (auto alias = read_small_file(base + "modules.alias", 16u << 20)) {
            std::string needle = fmt::format("alias fs-{} ", want);
            if (alias->find(needle) != std::string::npos) return base + "modules.alias";
        }
    }
    return std::nullopt;
}

std::vector<std::string> block_holders(dev_t rdev)
{
    std::vector<std::string> out;
    std::string dir = fmt::format("/sys/dev/block/{}:{}/holders", major(rdev), minor(rdev));
    std::unique_ptr<DIR, DirCloser> d(::opendir(dir.c_str()));
    if (!d) return out;
    while (dirent* e = ::readdir(d.get()))
        if (e->d_name[0] != '.') out.emplace_back(e->d_name);
    return out;
}

ExclusiveState exclusive_state(const std::string& device_path, int* err)
{
    Fd f(::open(device_path.c_str(), O_RDONLY | O_EXCL | O_NONBLOCK | O_CLOEXEC));
    if (f.fd >= 0) return ExclusiveState::Free;
    if (err) *err = errno;
    return errno == EBUSY ? ExclusiveState::Busy : ExclusiveState::Unknown;
}

std::optional<unsigned long long> block_device_size(const std::string& device_path, int* err)
{
    Fd f(::open(device_path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    if (f.fd < 0) {
        if (err) *err = errno;
        return std::nullopt;
    }
    unsigned long long size = 0;
    if (::ioctl(f.fd, BLKGETSIZE64, &size) != 0) {
        if (err) *err = errno;
        return std::nullopt;
    }
    return size;
}

std::vector<std::string> loops_backed_under(std::string_view dir)
{
    std::vector<std::string> out;
    std::unique_ptr<DIR, DirCloser> d(::opendir("/sys/block"));
    if (!d) return out;
    while (dirent* e = ::readdir(d.get())) {
        std::string name = e->d_name;
        if (name.rfind("loop", 0) != 0) continue;
        auto backing = read_small_file("/sys/block/" + name + "/loop/backing_file");
        if (!backing) continue;
        while (!backing->empty() && backing->back() == '\n') backing->pop_back();
        if (path_within(*backing, dir)) out.push_back("/dev/" + name + " (" + *backing + ")");
    }
    return out;
}

UnmountResult unmount_exact(const std::string& mount_point, int mount_id, bool force, const Deadline& deadline)
{
    UnmountResult r;
    auto slash = mount_point.rfind('/');
    if (mount_point.empty() || mount_point.front() != '/' || slash + 1 >= mount_point.size()) {
        r.error = EINVAL;
        return r;
    }
    // Prepared here: the child may only make system calls.
    const std::string parent = slash == 0 ? "/" : mount_point.substr(0, slash);
    const std::string name = mount_point.substr(slash + 1);
    const int flags = (force ? MNT_FORCE : 0) | UMOUNT_NOFOLLOW;
    auto work = [&](int out) -> int {
        open_how how{};
        how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
        how.resolve = RESOLVE_NO_SYMLINKS;
        int dir = static_cast<int>(::syscall(SYS_openat2, AT_FDCWD, parent.c_str(), &how, sizeof how));
        if (dir < 0) return errno;
        how.flags = O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
        int target = static_cast<int>(::syscall(SYS_openat2, dir, name.c_str(), &how, sizeof how));
        if (target < 0) return errno;
        struct statx sx {};
        if (::syscall(SYS_statx, target, "", AT_EMPTY_PATH, STATX_MNT_ID, &sx) != 0) return errno;
        ::close(target);  // an open file in the mount would make it busy
        if (!(sx.stx_mask & STATX_MNT_ID)) return ENOSYS;
        if (static_cast<int>(sx.stx_mnt_id) != mount_id) {
            int found = static_cast<int>(sx.stx_mnt_id);
            if (::write(out, &found, sizeof found) != sizeof found) return EIO;
            return EXDEV;
        }
        // From the verified parent, the last component alone: no symlink can be followed, and
        // the mount on that name is the one just checked.
        if (::fchdir(dir) != 0) return errno;
        if (::umount2(name.c_str(), flags) != 0) return errno;
        return 0;
    };
    ChildIoResult c = run_in_child(deadline, sizeof(int), work);
    r.error = c.error;
    switch (c.outcome) {
    case ChildIoResult::Outcome::Done: r.outcome = UnmountResult::Outcome::Unmounted; break;
    case ChildIoResult::Outcome::TimedOut: r.outcome = UnmountResult::Outcome::TimedOut; break;
    case ChildIoResult::Outcome::Failed:
        if (c.error == EBUSY) {
            r.outcome = UnmountResult::Outcome::Busy;
        } else if (c.error == EXDEV && c.data.size() == sizeof(int)) {
            r.outcome = UnmountResult::Outcome::Covered;
            std::memcpy(&r.found_mount_id, c.data.data(), sizeof(int));
        } else if (c.error == ELOOP || c.error == ENOENT || c.error == ENOTDIR || c.error == EXDEV) {
            r.outcome = UnmountResult::Outcome::Unreachable;
        } else {
            r.outcome = UnmountResult::Outcome::Failed;
        }
        break;
    }
    return r;
}

std::optional<std::string> read_device_direct(const std::string& device_path)
{
    constexpr std::size_t kSize = 4096;
    auto buf = aligned_buffer(kSize);
    if (!buf) return std::string("cannot allocate an aligned buffer");
    int fd = ::open(device_path.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC);
    bool direct = true;
    if (fd < 0 && errno == EINVAL) {
        direct = false;  // a device without O_DIRECT support: still read it
        fd = ::open(device_path.c_str(), O_RDONLY | O_CLOEXEC);
    }
    if (fd < 0) return fmt::format("cannot open {}: {}", device_path, errno_text(errno));
    Fd guard(fd);
    ssize_t n;
    do {
        n = ::pread(fd, buf.get(), kSize, 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return fmt::format("cannot read {}{}: {}", device_path, direct ? " (O_DIRECT)" : "", errno_text(errno));
    if (n == 0) return fmt::format("{} returned no data (size 0: a detached loop device or a vanished disk?)", device_path);
    return std::nullopt;
}

std::optional<std::string> write_read_status_file(const std::string& path, std::string_view content)
{
    auto slash = path.rfind('/');
    std::string dir = path.substr(0, slash);
    if (!dir.empty()) {
        // mkdir -p, one level at a time below the mount point.
        for (std::size_t pos = 1; pos <= dir.size(); ++pos) {
            if (pos != dir.size() && dir[pos] != '/') continue;
            std::string part = dir.substr(0, pos);
            if (::mkdir(part.c_str(), 0755) != 0 && errno != EEXIST)
                return fmt::format("cannot create status directory {}: {}", part, errno_text(errno));
        }
    }
    constexpr std::size_t kSize = 4096;
    auto buf = aligned_buffer(kSize);
    if (!buf) return std::string("cannot allocate an aligned buffer");
    std::size_t len = std::min(content.size(), kSize);
    std::memcpy(buf.get(), content.data(), len);

    bool direct = true;
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT | O_SYNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0 && errno == EINVAL) {
        direct = false;  // tmpfs, some network file systems: no O_DIRECT
        fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_SYNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    }
    if (fd < 0) return fmt::format("cannot open status file {} for writing: {}", path, errno_text(errno));
    {
        Fd guard(fd);
        // O_DIRECT wants whole aligned blocks: write the padded block, then cut to size.
        ssize_t n;
        do {
            n = ::pwrite(fd, buf.get(), direct ? kSize : len, 0);
        } while (n < 0 && errno == EINTR);
        if (n < 0) return fmt::format("cannot write status file {}: {}", path, errno_text(errno));
        if (direct && ::ftruncate(fd, static_cast<off_t>(len)) != 0)
            return fmt::format("cannot truncate status file {}: {}", path, errno_text(errno));
        if (::fsync(fd) != 0) return fmt::format("cannot sync status file {}: {}", path, errno_text(errno));
    }
    auto back = aligned_buffer(kSize);
    if (!back) return std::string("cannot allocate an aligned buffer");
    fd = ::open(path.c_str(), O_RDONLY | (direct ? O_DIRECT : 0) | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return fmt::format("cannot open status file {} for reading: {}", path, errno_text(errno));
    Fd guard(fd);
    ssize_t n;
    do {
        n = ::pread(fd, back.get(), kSize, 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return fmt::format("cannot read status file {} back: {}", path, errno_text(errno));
    if (static_cast<std::size_t>(n) != len || std::memcmp(back.get(), content.data(), len) != 0)
        return fmt::format("status file {} reads back {} bytes that differ from the {} written", path, n, len);
    return std::nullopt;
}

}  // namespace ocfkit::gfs2fs
