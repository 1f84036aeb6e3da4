// Pure configuration rules of the gfs2fs agent (see fs_config.h).
#include "fs_config.h"

#include "gfs2_parse.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <csignal>
#include <cstring>

#include <fmt/format.h>

namespace ocfkit::gfs2fs {

namespace {

constexpr std::array<std::string_view, 3> kCluster = {"gfs2", "ocfs2", "gfs"};
constexpr std::array<std::string_view, 14> kNetwork = {"nfs",    "nfs4",   "efs",       "cifs",  "smb3",
                                                       "smbfs",  "glusterfs", "ceph",   "cephfs", "lustre",
                                                       "9p",     "virtiofs", "rozofs", "cvfs"};
constexpr std::array<std::string_view, 6> kVirtual = {"none", "tmpfs", "ramfs", "overlay", "overlayfs", "zfs"};
// Types where a boot-time style fsck makes no sense (journals, network, virtual) — Filesystem's
// list plus newer ones; run_fsck=auto checks everything else (ext2, minix, unknown ...).
constexpr std::array<std::string_view, 24> kNoFsck = {
    "ext3",  "ext4",    "ext4dev", "reiserfs", "reiser4", "nss",  "xfs",   "jfs",
    "vfat",  "fat",     "msdos",   "btrfs",    "f2fs",    "exfat", "nilfs2", "bcachefs",
    "erofs", "squashfs", "iso9660", "udf",     "ntfs",    "ntfs3", "hfsplus", "ocfs2"};

template <std::size_t N>
bool in(const std::array<std::string_view, N>& list, std::string_view v)
{
    return std::find(list.begin(), list.end(), v) != list.end();
}

bool is_control(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

std::optional<std::string> bad_char(std::string_view v, const char* forbidden)
{
    for (char c : v) {
        if (is_control(c)) return std::string("contains a control character (newline, tab, ...)");
        if (std::strchr(forbidden, c) != nullptr)
            return fmt::format("contains the character '{}', which is not allowed here", c);
    }
    return std::nullopt;
}

// Characters only a shell would give meaning to; we never use a shell, but such a value is
// a configuration mistake (a pasted command line) far more often than intended.
constexpr const char* kShellMeta = ";&|`$<>\\'!(){}*?[]#~";

}  // namespace

std::string DeviceSpec::tag_name() const
{
    switch (kind) {
    case DeviceKind::Label: return "LABEL";
    case DeviceKind::Uuid: return "UUID";
    case DeviceKind::PartLabel: return "PARTLABEL";
    case DeviceKind::PartUuid: return "PARTUUID";
    default: return "";
    }
}

std::string DeviceSpec::by_dir() const
{
    switch (kind) {
    case DeviceKind::Label: return "/dev/disk/by-label";
    case DeviceKind::Uuid: return "/dev/disk/by-uuid";
    case DeviceKind::PartLabel: return "/dev/disk/by-partlabel";
    case DeviceKind::PartUuid: return "/dev/disk/by-partuuid";
    default: return "";
    }
}

std::string DeviceSpec::display() const { return is_tag() ? tag_name() + "=" + value : value; }

FsClass classify_fstype(std::string_view fstype)
{
    if (in(kCluster, fstype)) return FsClass::Cluster;
    if (in(kNetwork, fstype) || fstype.substr(0, 5) == "fuse." || fstype == "fuse" || fstype == "fuseblk")
        return FsClass::Network;
    if (in(kVirtual, fstype)) return FsClass::Virtual;
    return FsClass::Local;
}

bool needs_block_device(std::string_view fstype)
{
    auto c = classify_fstype(fstype);
    return (c == FsClass::Local || c == FsClass::Cluster) && fstype != "fuseblk";
}

bool clone_safe(std::string_view fstype) { return classify_fstype(fstype) != FsClass::Local; }

std::vector<std::string> split_options(std::string_view options)
{
    std::vector<std::string> out;
    if (options.empty()) return out;
    for (;;) {
        auto comma = options.find(',');
        out.emplace_back(options.substr(0, comma));
        if (comma == std::string_view::npos) break;
        options.remove_prefix(comma + 1);
    }
    return out;
}

bool has_option(std::string_view options, std::string_view name)
{
    for (const auto& o : split_options(options))
        if (o == name) return true;
    return false;
}

std::optional<std::string> option_value(std::string_view options, std::string_view key)
{
    std::optional<std::string> v;
    for (const auto& o : split_options(options))
        if (o.size() > key.size() && o.compare(0, key.size(), key) == 0 && o[key.size()] == '=')
            v = o.substr(key.size() + 1);  // the last one wins, as for mount(8)
    return v;
}

bool is_bind(std::string_view options) { return has_option(options, "bind") || has_option(options, "rbind"); }

bool expects_read_only(std::string_view options)
{
    bool ro = false;
    for (const auto& o : split_options(options)) {
        if (o == "ro") ro = true;
        if (o == "rw") ro = false;
    }
    return ro;
}

DeviceParse parse_device(std::string_view device, std::string_view fstype, std::string_view options)
{
    DeviceParse r;
    if (device.empty()) {
        r.problem = "is empty";
        return r;
    }
    if (device.size() > 4095) {
        r.problem = fmt::format("is {} characters long; at most 4095 are allowed", device.size());
        return r;
    }
    for (char c : device)
        if (is_control(c)) {
            r.problem = "contains a control character (newline, tab, ...)";
            return r;
        }
    struct Tag {
        std::string_view prefix;
        DeviceKind kind;
    };
    static constexpr Tag kTags[] = {
        {"LABEL=", DeviceKind::Label},         {"UUID=", DeviceKind::Uuid},
        {"PARTLABEL=", DeviceKind::PartLabel}, {"PARTUUID=", DeviceKind::PartUuid},
        {"--label=", DeviceKind::Label},       {"--uuid=", DeviceKind::Uuid},
        {"--label ", DeviceKind::Label},       {"--uuid ", DeviceKind::Uuid},
        {"-L", DeviceKind::Label},             {"-U", DeviceKind::Uuid},
    };
    for (const auto& t : kTags) {
        if (device.substr(0, t.prefix.size()) != t.prefix) continue;
        std::string_view v = device.substr(t.prefix.size());
        while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
        if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
        if (v.empty()) {
            r.problem = fmt::format("'{}' names no {}", device, t.kind == DeviceKind::Uuid ? "UUID" : "label");
            return r;
        }
        if (auto e = bad_char(v, kShellMeta)) {
            r.problem = fmt::format("'{}' {}", device, *e);
            return r;
        }
        r.spec = DeviceSpec{t.kind, std::string(v)};
        return r;
    }
    if (device.front() == '-') {
        r.problem = fmt::format("'{}' looks like a command-line option; give a path, LABEL= or UUID=", device);
        return r;
    }
    bool bind = is_bind(options);
    if (bind || needs_block_device(fstype) || device.front() == '/') {
        if (device.front() != '/') {
            r.problem = fmt::format("'{}' is not an absolute path, LABEL= or UUID=", device);
            return r;
        }
        if (auto e = bad_char(device, kShellMeta)) {
            r.problem = fmt::format("'{}' {}", device, *e);
            return r;
        }
        if (device.find(' ') != std::string_view::npos && !bind) {
            r.problem = fmt::format("'{}' contains a space; device paths never do", device);
            return r;
        }
        r.spec = DeviceSpec{DeviceKind::Path, std::string(device)};
        return r;
    }
    // Network and virtual sources: "server:/export", "//server/share", "tmpfs".
    if (auto e = bad_char(device, "`$;&|<>\\'\"!*?")) {
        r.problem = fmt::format("'{}' {}", device, *e);
        return r;
    }
    if (device.find(' ') != std::string_view::npos) {
        r.problem = fmt::format("'{}' contains a space", device);
        return r;
    }
    if ((fstype == "nfs" || fstype == "nfs4") && device.find(":/") == std::string_view::npos) {
        r.problem = fmt::format("'{}' is not an NFS source (server:/path)", device);
        return r;
    }
    if ((fstype == "cifs" || fstype == "smb3" || fstype == "smbfs") && device.substr(0, 2) != "//") {
        r.problem = fmt::format("'{}' is not a CIFS source (//server/share)", device);
        return r;
    }
    r.spec = DeviceSpec{DeviceKind::Remote, std::string(device)};
    return r;
}

std::optional<std::string> fstype_problem(std::string_view fstype)
{
    if (fstype.empty()) return std::string("is empty");
    if (fstype.size() > 64) return fmt::format("is {} characters long; at most 64 are allowed", fstype.size());
    for (char c : fstype)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
              (c >= 'A' && c <= 'Z')))
            return fmt::format("'{}' is not a file system type name (letters, digits, '.', '_', '-')", fstype);
    return std::nullopt;
}

std::optional<std::string> options_problem(std::string_view options, std::string_view fstype, bool clone)
{
    if (options.empty()) {
        if (fstype == "none") return std::string("fstype 'none' needs 'bind' or 'rbind' in options");
        return std::nullopt;
    }
    if (options.size() > 4095)
        return fmt::format("is {} characters long; at most 4095 are allowed", options.size());
    // '"' stays allowed: SELinux context="a,b" options need it.
    if (auto e = bad_char(options, kShellMeta)) return fmt::format("'{}' {}", options, *e);
    if (options.find(' ') != std::string_view::npos)
        return fmt::format("'{}' contains a space; separate mount options with commas", options);
    if (options.front() == '-')
        return fmt::format("'{}' looks like a command-line option; give only the list for mount -o", options);
    bool ro = false, rw = false;
    for (auto o : split_options(options)) {
        if (o.empty()) return fmt::format("'{}' has an empty element (two commas in a row, or a trailing comma)", options);
        if (o == "ro") ro = true;
        if (o == "rw") rw = true;
        if (o == "remount" || o == "move" || o == "rmove")
            return fmt::format("'{}' is an operation, not a mount option; it has no place in a resource", o);
    }
    if (std::count(options.begin(), options.end(), '"') % 2)
        return fmt::format("'{}' has an unbalanced '\"'", options);
    if (ro && rw) return std::string("'ro' and 'rw' conflict");
    bool bind = is_bind(options);
    if (bind && fstype != "none")
        return fmt::format("'bind' needs fstype=none (fstype is '{}'), as ocf:heartbeat:Filesystem expects", fstype);
    if (!bind && fstype == "none") return std::string("fstype 'none' needs 'bind' or 'rbind' in options");
    auto proto = option_value(options, "lockproto");
    auto table = option_value(options, "locktable");
    if ((proto || table || has_option(options, "spectator")) && fstype != "gfs2")
        return fmt::format("lockproto=, locktable= and spectator are GFS2 options; fstype is '{}'", fstype);
    if (proto && *proto != "lock_dlm" && *proto != "lock_nolock")
        return fmt::format("lockproto='{}' is neither lock_dlm nor lock_nolock", *proto);
    if (proto && *proto == "lock_nolock" && clone)
        return std::string(
            "lockproto=lock_nolock on a clone would mount one GFS2 file system on several nodes without "
            "cluster locking and corrupt it");
    if (table)
        if (auto e = lock_table_problem(*table)) return fmt::format("locktable='{}': {}", *table, *e);
    if (has_option(options, "loop") && clone)
        return std::string("'loop' on a clone: a loop device over a shared file cannot be shared safely");
    return std::nullopt;
}

std::optional<std::string> directory_problem(std::string_view directory)
{
    if (directory.empty()) return std::string("is empty");
    if (directory.front() != '/') return fmt::format("'{}' is not an absolute path", directory);
    if (directory.size() > 4095)
        return fmt::format("is {} characters long; at most 4095 are allowed", directory.size());
    for (char c : directory)
        if (is_control(c)) return std::string("contains a control character (newline, tab, ...)");
    std::string norm = normalize_path(directory);
    if (norm == "/") return std::string("is '/': the root file system cannot be managed");
    std::string_view rest = norm;
    while (!rest.empty()) {
        rest.remove_prefix(1);
        auto slash = rest.find('/');
        std::string_view comp = rest.substr(0, slash);
        if (comp == "..") return fmt::format("'{}' contains '..'", directory);
        if (comp.size() > 255) return fmt::format("'{}' has a component longer than 255 characters", directory);
        if (slash == std::string_view::npos) break;
        rest.remove_prefix(slash);
    }
    for (std::string_view sys : {"/proc", "/sys", "/dev", "/run", "/boot", "/usr", "/etc", "/bin", "/sbin", "/lib", "/var"})
        if (norm == sys) return fmt::format("is the system directory '{}'", norm);
    return std::nullopt;
}

std::optional<std::string> statusfile_prefix_problem(std::string_view prefix)
{
    if (prefix.empty()) return std::nullopt;  // empty: the file goes straight into the directory
    if (prefix.size() > 200) return fmt::format("is {} characters long; at most 200 are allowed", prefix.size());
    if (prefix.front() == '/') return fmt::format("'{}' must be relative to the mount point", prefix);
    if (auto e = bad_char(prefix, kShellMeta)) return fmt::format("'{}' {}", prefix, *e);
    std::string_view rest = prefix;
    while (!rest.empty()) {
        auto slash = rest.find('/');
        if (rest.substr(0, slash) == "..") return fmt::format("'{}' contains '..'", prefix);
        if (slash == std::string_view::npos) break;
        rest.remove_prefix(slash + 1);
    }
    return std::nullopt;
}

std::string normalize_path(std::string_view path)
{
    std::vector<std::string_view> parts;
    std::string_view rest = path;
    while (!rest.empty()) {
        auto slash = rest.find('/');
        std::string_view comp = rest.substr(0, slash);
        if (!comp.empty() && comp != ".") parts.push_back(comp);
        if (slash == std::string_view::npos) break;
        rest.remove_prefix(slash + 1);
    }
    if (parts.empty()) return "/";
    std::string out;
    for (auto p : parts) {
        out += '/';
        out += p;
    }
    return out;
}

bool path_within(std::string_view path, std::string_view dir)
{
    if (dir == "/") return !path.empty() && path.front() == '/';
    if (path.size() < dir.size() || path.compare(0, dir.size(), dir) != 0) return false;
    return path.size() == dir.size() || path[dir.size()] == '/';
}

std::string status_file_name(std::string_view prefix, std::string_view instance, std::optional<std::string> clone,
                             std::string_view node)
{
    std::string name(instance.empty() ? "gfs2fs" : instance);
    // Anonymous clone instances come as "name:N"; ':' is fine in a file name but awkward.
    std::replace(name.begin(), name.end(), '/', '_');
    if (clone && !clone->empty()) name += "_" + *clone;
    name += "_";
    name += node;
    return std::string(prefix) + name;
}

std::string status_file_path(std::string_view directory, std::string_view prefix, std::string_view instance,
                             std::optional<std::string> clone, std::string_view node)
{
    std::string dir = normalize_path(directory);
    if (dir != "/") dir += '/';
    return dir + status_file_name(prefix, instance, std::move(clone), node);
}

std::optional<FsckMode> parse_fsck_mode(std::string_view text)
{
    if (text == "auto" || text.empty()) return FsckMode::Auto;
    if (text == "force") return FsckMode::Force;
    if (text == "no") return FsckMode::No;
    return std::nullopt;
}

bool fsck_wanted(FsckMode mode, std::string_view fstype)
{
    switch (mode) {
    case FsckMode::Force: return true;
    case FsckMode::No: return false;
    case FsckMode::Auto:
        if (!needs_block_device(fstype)) return false;
        if (classify_fstype(fstype) == FsClass::Cluster) return false;
        return !in(kNoFsck, fstype);
    }
    return false;
}

std::string signal_text(int sig)
{
    const char* name = sig > 0 && sig < SIGRTMIN ? sigabbrev_np(sig) : nullptr;
    return name ? fmt::format("SIG{}", name) : fmt::format("signal {}", sig);
}

SignalParse parse_holder_signal(std::string_view text)
{
    SignalParse r;
    int sig = 0;
    if (!text.empty() && text.front() >= '0' && text.front() <= '9') {
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), sig);
        if (ec != std::errc() || end != text.data() + text.size() || sig < 1 || sig > 64) {
            r.problem = fmt::format("'{}' is not a signal number (1 to 64)", text);
            return r;
        }
    } else {
        std::string name;
        for (char c : text) name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (name.rfind("SIG", 0) == 0) name.erase(0, 3);
        if (name == "IOT") name = "ABRT";
        if (name == "POLL") name = "IO";
        if (name == "CLD") name = "CHLD";
        for (int s = 1; s < 32 && !sig; ++s)
            if (const char* n = sigabbrev_np(s); n && name == n) sig = s;
        if (!sig) {
            r.problem = fmt::format("'{}' is not a signal name or number", text);
            return r;
        }
    }
    constexpr const char* kUse = "use one that ends a process (TERM, INT, HUP, QUIT, USR1, KILL, ...)";
    switch (sig) {
    case SIGSTOP:
    case SIGTSTP:
    case SIGTTIN:
    case SIGTTOU:
        r.problem = fmt::format("{} stops a process instead of ending it; {}", signal_text(sig), kUse);
        return r;
    case SIGCHLD:
    case SIGCONT:
    case SIGURG:
    case SIGWINCH:
        r.problem = fmt::format("{} is ignored by default and ends no process; {}", signal_text(sig), kUse);
        return r;
    default: break;
    }
    if (sig >= 32) {
        // 32 and 33 belong to glibc's threads; the others have no fixed meaning and are handled by
        // whoever uses them.
        r.problem = fmt::format("{} is a real-time signal, not one meant to end a process; {}", sig, kUse);
        return r;
    }
    r.signal = sig;
    return r;
}

std::optional<ForceUnmount> parse_force_unmount(std::string_view text)
{
    std::string t;
    for (char c : text) t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (t == "true" || t == "yes" || t == "1" || t == "on" || t.empty()) return ForceUnmount::True;
    if (t == "safe") return ForceUnmount::Safe;
    if (t == "false" || t == "no" || t == "0" || t == "off") return ForceUnmount::False;
    return std::nullopt;
}

int effective_check_level(int level)
{
    if (level >= 20) return 20;
    if (level >= 10) return 10;
    return 0;
}

std::string udev_escape(std::string_view name)
{
    std::string out;
    for (unsigned char c : name) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            (c != 0 && std::strchr("#+-.:=@_", c) != nullptr) || c >= 0x80)
            out += static_cast<char>(c);
        else
            out += fmt::format("\\x{:02x}", c);
    }
    return out;
}

}  // namespace ocfkit::gfs2fs
