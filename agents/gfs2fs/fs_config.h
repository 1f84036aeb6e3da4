// Pure rules of the gfs2fs configuration: device forms, mount options, file system classes,
// path normalisation, status file naming. No I/O, so validate-all level 0 can use all of it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ocfkit::gfs2fs {

enum class DeviceKind {
    Path,      // /dev/vg0/lv0, or a directory for bind mounts
    Label,     // LABEL=x, -L x, --label x
    Uuid,      // UUID=x, -U x, --uuid x
    PartLabel, // PARTLABEL=x
    PartUuid,  // PARTUUID=x
    Remote,    // host:/export, //server/share, or any source a network/virtual fs takes
};

struct DeviceSpec {
    DeviceKind kind = DeviceKind::Path;
    std::string value;  // the path, label, uuid or remote spec (without the TAG= part)

    bool is_tag() const { return kind != DeviceKind::Path && kind != DeviceKind::Remote; }
    std::string tag_name() const;        // "LABEL", "UUID", ...
    std::string by_dir() const;          // "/dev/disk/by-label", ...
    std::string display() const;         // as the admin would write it
};

enum class FsClass {
    Local,    // ext4, xfs, btrfs ...: one node at a time; also every unknown type
    Cluster,  // gfs2, ocfs2: shared block device with a cluster lock manager
    Network,  // nfs, cifs, glusterfs, ceph, fuse.*: the source is not a local block device
    Virtual,  // tmpfs, none (bind), overlay: no device at all
};

FsClass classify_fstype(std::string_view fstype);
bool needs_block_device(std::string_view fstype);  // Local or Cluster
// Whether a clone of this file system type is safe without force_clones.
bool clone_safe(std::string_view fstype);

// Splits "rw,noatime,x=y" at commas. An empty list for "".
std::vector<std::string> split_options(std::string_view options);
bool has_option(std::string_view options, std::string_view name);            // exact word
std::optional<std::string> option_value(std::string_view options, std::string_view key);  // key=value
bool is_bind(std::string_view options);       // bind or rbind
bool expects_read_only(std::string_view options);

// Parses the device parameter for this file system type. Returns a problem (a sentence without
// the parameter name) or the spec.
struct DeviceParse {
    std::optional<DeviceSpec> spec;
    std::string problem;
};
DeviceParse parse_device(std::string_view device, std::string_view fstype, std::string_view options);

// Problems of the options string itself and its combination with fstype / cloning.
std::optional<std::string> options_problem(std::string_view options, std::string_view fstype, bool clone);
std::optional<std::string> fstype_problem(std::string_view fstype);
std::optional<std::string> directory_problem(std::string_view directory);
std::optional<std::string> statusfile_prefix_problem(std::string_view prefix);

// "/a//b/./c/" → "/a/b/c"; "/" stays "/". The path must be absolute.
std::string normalize_path(std::string_view path);
// path is `dir` itself or below it.
bool path_within(std::string_view path, std::string_view dir);

// <prefix><instance>[_<clone>]_<node>, relative to the mount point.
std::string status_file_name(std::string_view prefix, std::string_view instance, std::optional<std::string> clone,
                             std::string_view node);
// <directory>/<prefix><instance>[_<clone>]_<node>, as ocf:heartbeat:Filesystem names it.
std::string status_file_path(std::string_view directory, std::string_view prefix, std::string_view instance,
                             std::optional<std::string> clone, std::string_view node);

enum class FsckMode { Auto, Force, No };
std::optional<FsckMode> parse_fsck_mode(std::string_view text);
bool fsck_wanted(FsckMode mode, std::string_view fstype);

// term_signal / kill_signal: a name (TERM, SIGTERM, any case) or number of a signal whose
// default action ends a process. Stopping (STOP, TSTP, TTIN, TTOU), ignored (CHLD, CONT, URG,
// WINCH) and real-time signals are refused: a holder they reach stays and keeps the mount busy.
struct SignalParse {
    std::optional<int> signal;
    std::string problem;  // a sentence without the parameter name
};
SignalParse parse_holder_signal(std::string_view text);
// "SIGTERM"; "signal 40" for numbers without a name (never NULL, unlike sigabbrev_np).
std::string signal_text(int sig);

enum class ForceUnmount { True, Safe, False };
std::optional<ForceUnmount> parse_force_unmount(std::string_view text);

// OCF check levels: 0, 10, 20; anything else falls back to the next lower one.
int effective_check_level(int level);

// udev's escaping of /dev/disk/by-label names ("my disk" → "my\x20disk").
std::string udev_escape(std::string_view name);

}  // namespace ocfkit::gfs2fs
