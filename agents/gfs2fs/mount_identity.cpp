// Our device resolved and our mount found: is a mount the one this configuration asks for?
#include "gfs2fs_detail.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>

#include <fmt/format.h>

namespace ocfkit::gfs2fs {

using namespace std::chrono_literals;

// In process first; tags fall back to blkid when /dev/disk/by-* is missing (no udev).
Resolved resolve_device(Context& ctx, const Config& c, const SystemHooks& hooks, bool allow_programs)
{
    Resolved r = hooks.resolve(c.device);
    if (!r.path.empty() || !c.device.is_tag() || !allow_programs) return r;
    CommandSpec blkid;
    blkid.argv = {"blkid", "-l", "-o", "device", "-t", c.device.tag_name() + "=" + c.device.value};
    blkid.timeout = 15s;
    CommandResult res = ctx.runner.run(blkid, ctx.deadline);
    if (res.status == CommandResult::Status::NotStarted)
        fail(exit_code_for_spawn_errno(res.spawn_errno), "cannot resolve {}: {}", c.device.display(),
             failure_message(blkid, res));
    if (res.exited_with(2)) {  // blkid: no device with that tag
        r.error = ENOENT;
        r.how = "blkid";
        return r;
    }
    if (!res.ok()) fail(ExitCode::ErrGeneric, "cannot resolve {}: {}", c.device.display(), failure_message(blkid, res));
    std::string path = res.out.substr(0, res.out.find('\n'));
    Resolved again = hooks.resolve(DeviceSpec{DeviceKind::Path, path});
    again.how = "blkid";
    if (again.path.empty()) again.error = again.error ? again.error : ENOENT;
    return again;
}

namespace {

bool same_fstype(std::string_view want, std::string_view have)
{
    if (want == have) return true;
    auto nfs = [](std::string_view t) { return t == "nfs" || t == "nfs4"; };
    auto smb = [](std::string_view t) { return t == "cifs" || t == "smb3" || t == "smbfs"; };
    return (nfs(want) && nfs(have)) || (smb(want) && smb(have)) || (want == "fuse" && have.substr(0, 5) == "fuse.");
}

std::string strip_trailing_slash(std::string s)
{
    while (s.size() > 1 && s.back() == '/') s.pop_back();
    return s;
}

}  // namespace

// Is `e` the mount this configuration asks for? `why` says what differs.
Identity identify(const MountEntry& e, const Config& c, const Resolved& dev, std::string* why)
{
    if (c.bind) {
        if (!dev.directory) return Identity::Unknown;
        if (entry_dev(e) == dev.dir_dev) return Identity::Match;
        *why = fmt::format("{} is mounted from {} ({}:{}), not bound from {}", e.mount_point, e.source, e.major,
                           e.minor, c.device.value);
        return Identity::Mismatch;
    }
    if (!same_fstype(c.fstype, e.fstype)) {
        *why = fmt::format("{} is mounted as {} from {}, not as {}", e.mount_point, e.fstype, e.source, c.fstype);
        return Identity::Mismatch;
    }
    if (dev.block) {
        if (entry_dev(e) == dev.rdev) return Identity::Match;
        // btrfs and others report an anonymous device number; compare the source node instead.
        struct stat st {};
        if (!e.source.empty() && e.source.front() == '/' && ::stat(e.source.c_str(), &st) == 0 && S_ISBLK(st.st_mode) &&
            st.st_rdev == dev.rdev)
            return Identity::Match;
        *why = fmt::format("{} is mounted from {} ({}:{}), not from {} ({}:{})", e.mount_point, e.source, e.major,
                           e.minor, c.device.display(), major(dev.rdev), minor(dev.rdev));
        return Identity::Mismatch;
    }
    if (c.device.kind == DeviceKind::Remote) {
        if (strip_trailing_slash(e.source) == strip_trailing_slash(c.device.value)) return Identity::Match;
        *why = fmt::format("{} is mounted from {}, not from {}", e.mount_point, e.source, c.device.value);
        return Identity::Mismatch;
    }
    return Identity::Unknown;  // a tag we cannot resolve without programs, or a vanished device
}

// The mount at the directory: by its name, else (a symlinked directory) by its real path.
const MountEntry* find_top(const std::vector<MountEntry>& table, const std::string& dir, std::string* where)
{
    *where = dir;
    if (const MountEntry* e = mount_at(table, dir)) return e;
    if (auto real = real_path(dir); real && *real != dir) {
        *where = *real;
        return mount_at(table, *real);
    }
    return nullptr;
}

std::string mounts_list(const std::vector<const MountEntry*>& mounts)
{
    std::string out;
    for (const auto* m : mounts) {
        if (!out.empty()) out += ", ";
        out += m->mount_point;
    }
    return out;
}

}  // namespace ocfkit::gfs2fs
