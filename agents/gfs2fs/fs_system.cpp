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

std::optional<std::string> read_device_direct(const std::string& device_path, const Deadline& deadline)
{
    constexpr std::size_t kSize = 4096;
    auto buf = aligned_buffer(kSize);  // allocated here: the child may not allocate
    if (!buf) return std::string("cannot allocate an aligned buffer");
    struct Report {
        int direct = 1;
        int stage = 0;  // 0 open, 1 read
        long long bytes = 0;
    };
    auto work = [&](int out) -> int {
        Report rep;
        int fd = ::open(device_path.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC);
        if (fd < 0 && errno == EINVAL) {
            rep.direct = 0;  // a device without O_DIRECT support: still read it
            fd = ::open(device_path.c_str(), O_RDONLY | O_CLOEXEC);
        }
        int err = 0;
        if (fd < 0) {
            err = errno;
        } else {
            rep.stage = 1;
            ssize_t n;
            do {
                n = ::pread(fd, buf.get(), kSize, 0);
            } while (n < 0 && errno == EINTR);
            if (n < 0) err = errno;
            rep.bytes = n;
        }
        if (::write(out, &rep, sizeof rep) != sizeof rep) return EIO;
        return err;
    };
    ChildIoResult r = run_in_child(deadline, sizeof(Report), work);
    if (r.outcome == ChildIoResult::Outcome::TimedOut)
        return fmt::format("reading {} did not finish before the deadline (a hung device?)", device_path);
    Report rep;
    if (r.data.size() != sizeof rep)
        return fmt::format("cannot read {}: the reading child failed ({})", device_path, errno_text(r.error));
    std::memcpy(&rep, r.data.data(), sizeof rep);
    if (rep.stage == 0) return fmt::format("cannot open {}: {}", device_path, errno_text(r.error));
    if (r.error)
        return fmt::format("cannot read {}{}: {}", device_path, rep.direct ? " (O_DIRECT)" : "", errno_text(r.error));
    if (rep.bytes == 0)
        return fmt::format("{} returned no data (size 0: a detached loop device or a vanished disk?)", device_path);
    return std::nullopt;
}

namespace {

// Where the status file work stopped; `index` is the path component.
enum class StatusStage : int { Mount, NotThatMount, Dir, File, Write, Sync, Read, Compare, Unlink, Done };

struct StatusReport {
    StatusStage stage = StatusStage::Mount;
    int index = 0;
    int error = 0;
    int direct = 0;
    long long bytes = 0;
    unsigned set_aside = 0;  // bit i: component i (of the first 32) was set aside
};

// Everything the child needs, prepared before the fork.
struct StatusPlan {
    std::vector<std::string> parts;  // directories, then the file name
    std::vector<std::string> aside;  // the name each part gets when set aside
};

StatusPlan plan_for(const StatusFile& file)
{
    StatusPlan plan;
    std::string_view rest = file.relative;
    while (!rest.empty()) {
        auto slash = rest.find('/');
        std::string_view part = rest.substr(0, slash);
        if (!part.empty() && part != ".") plan.parts.emplace_back(part);
        if (slash == std::string_view::npos) break;
        rest.remove_prefix(slash + 1);
    }
    const auto stamp = std::chrono::system_clock::now().time_since_epoch().count();
    for (const auto& p : plan.parts) plan.aside.push_back(fmt::format("{}.untrusted-{}-{}", p, ::getpid(), stamp));
    return plan;
}

int open_beneath(int dirfd, const char* name, int flags, mode_t mode = 0)
{
    open_how how{};
    how.flags = static_cast<unsigned long long>(flags | O_NOFOLLOW | O_CLOEXEC);
    how.mode = (flags & O_CREAT) ? mode : 0;
    how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH | RESOLVE_NO_XDEV;
    return static_cast<int>(::syscall(SYS_openat2, dirfd, name, &how, sizeof how));
}

bool not_others_writable(const struct stat& st) { return !(st.st_mode & 022) || (st.st_mode & S_ISVTX); }
bool trusted_dir(const struct stat& st) { return S_ISDIR(st.st_mode) && st.st_uid == 0 && not_others_writable(st); }
bool trusted_file(const struct stat& st)
{
    return S_ISREG(st.st_mode) && st.st_uid == 0 && st.st_nlink == 1 && !(st.st_mode & 022);
}

// In the child: the mount's root directory, checked to be mount `mount_id`.
int open_mount_root(const StatusFile& file, StatusReport& rep)
{
    open_how how{};
    how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
    how.resolve = RESOLVE_NO_SYMLINKS;
    int fd = static_cast<int>(::syscall(SYS_openat2, AT_FDCWD, file.mount_point.c_str(), &how, sizeof how));
    if (fd < 0) return -errno;
    struct statx sx {};
    if (::syscall(SYS_statx, fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &sx) != 0) return -errno;
    if (!(sx.stx_mask & STATX_MNT_ID) || static_cast<int>(sx.stx_mnt_id) != file.mount_id) {
        rep.stage = StatusStage::NotThatMount;
        return -EXDEV;
    }
    return fd;
}

// In the child: walks to the status file's directory; with `repair`, creates what is missing
// and sets aside what is not trusted. Returns the directory fd or -errno (rep says where).
int walk_dirs(int dir, const StatusPlan& plan, bool repair, StatusReport& rep)
{
    rep.stage = StatusStage::Dir;
    for (std::size_t i = 0; i + 1 < plan.parts.size(); ++i) {
        rep.index = static_cast<int>(i);
        const char* name = plan.parts[i].c_str();
        int next = -1;
        for (int attempt = 0; attempt < 2 && next < 0; ++attempt) {
            if (repair && ::mkdirat(dir, name, 0755) != 0 && errno != EEXIST) return -errno;
            int fd = open_beneath(dir, name, O_PATH | O_DIRECTORY);
            struct stat st {};
            if (fd >= 0 && ::fstat(fd, &st) == 0 && trusted_dir(st)) {
                next = fd;
                break;
            }
            int err = fd < 0 ? errno : EPERM;
            if (fd >= 0) ::close(fd);
            if (!repair || attempt == 1) return -err;
            if (err == ELOOP || err == ENOTDIR) {
                if (::unlinkat(dir, name, 0) != 0) return -errno;  // a symlink or file in our name
            } else if (err == EPERM) {
                if (::renameat(dir, name, dir, plan.aside[i].c_str()) != 0) return -errno;  // keep its contents
            } else {
                return -err;  // EXDEV: a mount sits there; ENOENT: removed meanwhile
            }
            if (i < 32) rep.set_aside |= 1u << i;
        }
        dir = next;
    }
    return dir;
}

// In the child: records where the work stopped for the parent, then passes the errno on.
int report(int out, StatusReport& rep, StatusStage stage, int err)
{
    rep.stage = stage;
    return ::write(out, &rep, sizeof rep) == sizeof rep ? err : EIO;
}

// In the child: the status file's directory, from the mount's verified root (walk_dirs, with
// `repair`), rep.index on the file; or -errno with rep.stage saying where it stopped.
int open_status_dir(const StatusFile& file, const StatusPlan& plan, bool repair, StatusReport& rep)
{
    int root = open_mount_root(file, rep);
    if (root < 0) return root;
    int dir = walk_dirs(root, plan, repair, rep);
    if (dir < 0) return dir;
    rep.index = static_cast<int>(plan.parts.size() - 1);
    return dir;
}

std::string status_where(const StatusFile& file, const StatusPlan& plan, int upto)
{
    std::string path = file.mount_point;
    for (int i = 0; i <= upto && i < static_cast<int>(plan.parts.size()); ++i) path += "/" + plan.parts[i];
    return path;
}

StatusFileResult finish(const StatusFile& file, const StatusPlan& plan, const ChildIoResult& r, const char* doing)
{
    StatusFileResult out;
    const std::string full = status_where(file, plan, static_cast<int>(plan.parts.size()));
    if (r.outcome == ChildIoResult::Outcome::TimedOut) {
        out.problem = fmt::format("{} status file {} did not finish before the deadline (a hung file system?)", doing, full);
        return out;
    }
    StatusReport rep;
    if (r.data.size() != sizeof rep) {
        out.problem = fmt::format("{} status file {}: the child doing it failed ({})", doing, full, errno_text(r.error));
        return out;
    }
    std::memcpy(&rep, r.data.data(), sizeof rep);
    for (std::size_t i = 0; i < plan.parts.size(); ++i)
        if (i < 32 && (rep.set_aside & (1u << i))) out.set_aside.push_back(status_where(file, plan, static_cast<int>(i)));
    if (r.error == 0) return out;
    const std::string at = status_where(file, plan, rep.index);
    switch (rep.stage) {
    case StatusStage::Mount:
        out.problem = fmt::format("cannot open {} without following a symlink: {}", file.mount_point, errno_text(r.error));
        break;
    case StatusStage::NotThatMount:
        out.problem = fmt::format("{} no longer leads to mount {} (covered by another mount?)", file.mount_point,
                                  file.mount_id);
        break;
    case StatusStage::Dir:
        out.problem = r.error == EPERM
                          ? fmt::format("status directory {} is not owned by root or is writable by others", at)
                          : fmt::format("cannot use status directory {}: {}", at, errno_text(r.error));
        break;
    case StatusStage::File:
        out.problem = fmt::format("cannot open status file {}: {}", full, errno_text(r.error));
        break;
    case StatusStage::Write: out.problem = fmt::format("cannot write status file {}: {}", full, errno_text(r.error)); break;
    case StatusStage::Sync: out.problem = fmt::format("cannot sync status file {}: {}", full, errno_text(r.error)); break;
    case StatusStage::Read:
        out.problem = fmt::format("cannot read status file {} back: {}", full, errno_text(r.error));
        break;
    case StatusStage::Compare:
        out.problem = fmt::format("status file {} reads back {} bytes that differ from what was written", full, rep.bytes);
        break;
    case StatusStage::Unlink:
        out.problem = fmt::format("cannot remove status file {}: {}", full, errno_text(r.error));
        break;
    case StatusStage::Done: break;
    }
    return out;
}

}  // namespace

StatusFileResult write_read_status_file(const StatusFile& file, std::string_view content, const Deadline& deadline)
{
    const StatusPlan plan = plan_for(file);
    if (plan.parts.empty()) return {std::string("the status file has no name"), {}};
    constexpr std::size_t kSize = 4096;
    auto buf = aligned_buffer(kSize);
    auto back = aligned_buffer(kSize);
    if (!buf || !back) return {std::string("cannot allocate an aligned buffer"), {}};
    const std::size_t len = std::min(content.size(), kSize);
    std::memcpy(buf.get(), content.data(), len);
    const std::size_t last = plan.parts.size() - 1;

    auto work = [&](int out) -> int {
        StatusReport rep;
        int dir = open_status_dir(file, plan, true, rep);
        if (dir < 0) return report(out, rep, rep.stage, -dir);
        const char* name = plan.parts[last].c_str();
        int fd = -1;
        rep.direct = 1;
        for (int attempt = 0; attempt < 2 && fd < 0; ++attempt) {
            // Never O_TRUNC before the file is known to be ours: it could be a hard link.
            fd = open_beneath(dir, name, O_RDWR | O_CREAT | O_SYNC | (rep.direct ? O_DIRECT : 0), 0644);
            if (fd < 0 && errno == EINVAL && rep.direct) {
                rep.direct = 0;  // tmpfs, some network file systems: no O_DIRECT
                fd = open_beneath(dir, name, O_RDWR | O_CREAT | O_SYNC, 0644);
            }
            struct stat st {};
            if (fd >= 0 && ::fstat(fd, &st) == 0 && trusted_file(st)) break;
            int err = fd < 0 ? errno : EPERM;
            if (fd >= 0) ::close(fd);
            fd = -1;
            if (attempt == 1) return report(out, rep, StatusStage::File, err);
            if (err == EISDIR) {
                if (::renameat(dir, name, dir, plan.aside[last].c_str()) != 0) return report(out, rep, StatusStage::File, errno);
            } else if (err == ELOOP || err == EPERM || err == EACCES || err == ENXIO || err == ETXTBSY) {
                // EACCES: fs.protected_regular/protected_fifos refuse O_CREAT on another user's
                // file or FIFO in a sticky directory.
                if (::unlinkat(dir, name, 0) != 0) return report(out, rep, StatusStage::File, errno);
            } else {
                return report(out, rep, StatusStage::File, err);
            }
            if (last < 32) rep.set_aside |= 1u << last;
        }
        // O_DIRECT wants whole aligned blocks: write the padded block, then cut to size.
        ssize_t n;
        do {
            n = ::pwrite(fd, buf.get(), rep.direct ? kSize : len, 0);
        } while (n < 0 && errno == EINTR);
        if (n < 0) return report(out, rep, StatusStage::Write, errno);
        if (::ftruncate(fd, static_cast<off_t>(len)) != 0) return report(out, rep, StatusStage::Write, errno);
        if (::fsync(fd) != 0) return report(out, rep, StatusStage::Sync, errno);
        do {
            n = ::pread(fd, back.get(), kSize, 0);
        } while (n < 0 && errno == EINTR);
        if (n < 0) return report(out, rep, StatusStage::Read, errno);
        rep.bytes = n;
        if (static_cast<std::size_t>(n) != len || std::memcmp(back.get(), buf.get(), len) != 0)
            return report(out, rep, StatusStage::Compare, EBADMSG);
        return report(out, rep, StatusStage::Done, 0);
    };
    return finish(file, plan, run_in_child(deadline, sizeof(StatusReport), work), "writing");
}

StatusFileResult remove_status_file(const StatusFile& file, const Deadline& deadline)
{
    const StatusPlan plan = plan_for(file);
    if (plan.parts.empty()) return {};
    const std::size_t last = plan.parts.size() - 1;
    auto work = [&](int out) -> int {
        StatusReport rep;
        int dir = open_status_dir(file, plan, false, rep);
        if (dir < 0) return report(out, rep, rep.stage, -dir);
        int fd = open_beneath(dir, plan.parts[last].c_str(), O_PATH);
        if (fd < 0) return report(out, rep, StatusStage::File, errno);
        struct stat st {};
        if (::fstat(fd, &st) != 0) return report(out, rep, StatusStage::File, errno);
        if (!trusted_file(st)) return report(out, rep, StatusStage::File, EPERM);
        if (::unlinkat(dir, plan.parts[last].c_str(), 0) != 0) return report(out, rep, StatusStage::Unlink, errno);
        return report(out, rep, StatusStage::Done, 0);
    };
    return finish(file, plan, run_in_child(deadline, sizeof(StatusReport), work), "removing");
}

}  // namespace ocfkit::gfs2fs
