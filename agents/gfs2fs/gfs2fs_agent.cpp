// The gfs2fs agent: table, validation, start (with the GFS2 cluster checks), the in-process
// monitor and the holder-killing stop.
#include "gfs2fs_agent.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "gfs2_parse.h"
#include "holders.h"
#include "ocfkit/host.h"
#include "ocfkit/shutdown_order.h"

namespace ocfkit::gfs2fs {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

// ---------------------------------------------------------------------------------------------
// The table

ParamCheck check_with(std::optional<std::string> (*f)(std::string_view))
{
    return [f](std::string_view v) { return f(v); };
}

ParamCheck holder_signal_check()
{
    return [](std::string_view v) -> std::optional<std::string> {
        SignalParse s = parse_holder_signal(v);
        if (!s.signal) return s.problem;
        return std::nullopt;
    };
}

ParamCheck force_unmount_check()
{
    return [](std::string_view v) -> std::optional<std::string> {
        if (!parse_force_unmount(v)) return fmt::format("'{}' is not one of true, safe, false", v);
        return std::nullopt;
    };
}

const AgentSpec kSpec{
    .name = "gfs2fs",
    .version = "1.0",
    .shortdesc = "Mounts a GFS2 (or any other) file system, cloned on a DLM cluster",
    .longdesc =
        "Mounts a file system on shared or replicated storage. Built for GFS2 on DLM and clustered LVM "
        "(run it as a clone with interleave=true after the controld and lvmlockd clones), and able to "
        "mount any file system the kernel or a mount helper supports; its parameters are those of "
        "ocf:heartbeat:Filesystem with the same names and meanings.\n\n"
        "Before mounting GFS2 it checks, with a precise reason for each: dlm_controld is running, the "
        "cluster's fencing is not disabled, the cluster part of the lock table in the superblock equals "
        "the corosync cluster name, the file system has at least clone-max journals, and lock_nolock is "
        "never used by a clone.\n\n"
        "Monitor depths (OCF_CHECK_LEVEL): 0 reads /proc/self/mountinfo in process and checks that the "
        "right device is mounted at the directory with the expected read-write state (no program is "
        "run); 10 also reads the first 4 KiB of the device with O_DIRECT; 20 also writes, syncs and reads "
        "back a status file below the mount point (O_DIRECT where supported). Other depths fall back "
        "to the next lower one.\n\n"
        "Stop unmounts the mounts below the directory, then the directory itself (other mounts of the "
        "device only with unmount_other_mounts=true), each by its mount id from a path it reaches "
        "without following symlinks. When a mount is busy, it finds the processes holding exactly that mount by "
        "scanning /proc (working directory, root, executable, open files, memory maps), sends "
        "term_signal, waits signal_delay seconds, then sends kill_signal, and gives up with the list of "
        "holders when the operation's time runs out.",
    .params =
        {
            {.name = "device",
             .shortdesc = "Block device, LABEL=, UUID= or remote source",
             .longdesc = "The device to mount: a path (/dev/vg0/lv0), LABEL=name, UUID=uuid (also -L name / "
                         "-U uuid as Filesystem accepts; resolved through /dev/disk/by-* or blkid), a "
                         "remote source for network file systems (server:/export, //server/share), or the "
                         "source directory of a bind mount.",
             .required = true,
             .check = check::max_length(4095)},
            {.name = "directory",
             .shortdesc = "Mount point",
             .longdesc = "Absolute path of the mount point. Created (with parents) by start when missing.",
             .required = true,
             .unique_group = "directory",
             .check = check_with(directory_problem)},
            {.name = "fstype",
             .shortdesc = "File system type",
             .longdesc = "The file system type given to mount -t: gfs2 by default; any type the kernel knows "
                         "(/proc/filesystems), has a module for, or has a mount.<type> helper for. Use 'none' "
                         "with options=bind for bind mounts.",
             .default_value = "gfs2",
             .check = check_with(fstype_problem)},
            {.name = "options",
             .shortdesc = "Mount options",
             .longdesc = "Options for mount -o, comma separated (e.g. noatime,acl). For GFS2, lockproto= and "
                         "locktable= override the superblock; lockproto=lock_nolock is refused on a clone. "
                         "'ro' mounts read-only and makes monitor expect that.",
             .default_value = "",
             .check = check::max_length(4095)},
            {.name = "statusfile_prefix",
             .shortdesc = "Status file prefix for depth-20 monitors",
             .longdesc = "Path, relative to the mount point, prefixed to the status file name "
                         "(<prefix><resource>[_<clone>]_<node>) that the depth-20 monitor writes and reads. The "
                         "file and its directories are reached without following symlinks and used only when "
                         "owned by root and not writable by others; anything else found under those names (a "
                         "link, a FIFO, a user's directory) is set aside (a directory renamed to "
                         "<name>.untrusted-*, the rest removed) and logged.",
             .default_value = ".Filesystem_status/",
             .reloadable = true,
             .check = check_with(statusfile_prefix_problem)},
            {.name = "run_fsck",
             .type = ParamType::Select,
             .shortdesc = "When to run fsck before mounting",
             .longdesc = "auto: only for local file systems without a journal (ext2, unknown types); force: "
                         "always (refused for cluster file systems and clones); no: never.",
             .default_value = "auto",
             .reloadable = true,
             .choices = {"auto", "force", "no"}},
            {.name = "fast_stop",
             .type = ParamType::Boolean,
             .shortdesc = "Give up a busy unmount early",
             .longdesc = "true: stop tries for about 6 seconds (at least two signal_delay rounds) to unmount "
                         "a busy file system, then fails; false: it keeps trying until the stop operation's "
                         "timeout is nearly used up. Set a generous stop timeout with false.",
             .default_value = "false",
             .reloadable = true},
            {.name = "force_clones",
             .type = ParamType::Boolean,
             .shortdesc = "Allow cloning a local file system",
             .longdesc = "Local file systems (ext4, xfs, ...) mounted on several nodes at once get corrupted, "
                         "so a clone of one is refused (exit 6). Set true only for setups such as one local "
                         "brick per node where each node mounts its own device.",
             .default_value = "false"},
            {.name = "force_unmount",
             .shortdesc = "Kill processes that keep the mount busy",
             .longdesc = "true: find holders by their mount (exact: a sibling or parent mount, or another bind "
                         "mount of the same file system, never matches) and signal them; safe: same, but never "
                         "touch the file system being stopped (open files by mount id, everything else by "
                         "path) so a dead NFS server cannot hang the stop; false: signal nobody, only retry.",
             .default_value = "true",
             .reloadable = true,
             .check = force_unmount_check()},
            {.name = "unmount_other_mounts",
             .type = ParamType::Boolean,
             .shortdesc = "Stop also unmounts the device's mounts elsewhere",
             .longdesc = "false: stop unmounts only what is mounted at directory and below it, as "
                         "ocf:heartbeat:Filesystem does. Other mounts of the same device on this node (an admin's "
                         "maintenance mount, a bind mount of a sub-directory made elsewhere) and their users are "
                         "left alone; stop logs them, and a probe or monitor reports the resource not running "
                         "there. Such a mount keeps a local file system (ext4, xfs) in use on this node: do not "
                         "start the resource on another node while it exists. true: stop also unmounts the "
                         "device's other mounts and everything below them, signalling their holders as for "
                         "directory. Either way stop never unmounts a mount that is not its target, even one "
                         "made on top of a target: it fails and names it.",
             .default_value = "false",
             .reloadable = true},
            {.name = "term_signal",
             .shortdesc = "First signal sent to holders",
             .longdesc = "Signal sent first to processes that keep the mount busy: a name (TERM, SIGTERM) or "
                         "number. Only signals that end a process by default are accepted; STOP, TSTP, TTIN, "
                         "TTOU, CHLD, CONT, URG, WINCH and real-time signals (32-64) are refused.",
             .default_value = "SIGTERM",
             .reloadable = true,
             .check = holder_signal_check()},
            {.name = "kill_signal",
             .shortdesc = "Signal sent to holders that outlive signal_delay",
             .longdesc = "Signal sent to holders still present signal_delay seconds after term_signal: a name "
                         "(KILL, SIGKILL) or number, accepted as for term_signal.",
             .default_value = "SIGKILL",
             .reloadable = true,
             .check = holder_signal_check()},
            {.name = "signal_delay",
             .type = ParamType::Integer,
             .shortdesc = "Seconds between term_signal and kill_signal",
             .longdesc = "How long holders get to exit after term_signal before kill_signal (0 to 600).",
             .default_value = "1",
             .reloadable = true,
             .check = check::integer_range(0, 600)},
        },
    .actions =
        {
            {.name = "start", .timeout_s = 60},
            {.name = "stop", .timeout_s = 60},
            {.name = "monitor", .timeout_s = 40, .interval_s = 20, .depth = 0},
            {.name = "validate-all", .timeout_s = 20},
            {.name = "reload-agent", .timeout_s = 20},
            {.name = "meta-data", .timeout_s = 5},
        },
};

// ---------------------------------------------------------------------------------------------
// Configuration

struct Config {
    DeviceSpec device;
    std::string directory;  // normalised
    std::string fstype;
    std::string options;
    bool bind = false;
    bool expect_ro = false;
    FsckMode fsck = FsckMode::Auto;
    ForceUnmount force_unmount = ForceUnmount::True;
    int term_signal = SIGTERM;
    int kill_signal = SIGKILL;
    milliseconds signal_delay{1000};
    bool fast_stop = false;
    bool force_clones = false;
    bool unmount_other_mounts = false;
    std::string statusfile_prefix;
};

// Everything that needs no system access; throws Failure(ErrConfigured) naming the parameter.
Config load_config(const Context& ctx)
{
    const Params& p = ctx.params;
    Config c;
    c.fstype = p.str("fstype");
    c.options = p.str("options");
    c.directory = normalize_path(p.str("directory"));
    c.bind = is_bind(c.options);
    c.expect_ro = expects_read_only(c.options);
    const bool clone = ctx.env.is_clone();

    if (auto e = options_problem(c.options, c.fstype, clone)) fail(ExitCode::ErrConfigured, "parameter 'options': {}", *e);
    DeviceParse d = parse_device(p.str("device"), c.fstype, c.options);
    if (!d.spec) fail(ExitCode::ErrConfigured, "parameter 'device': {}", d.problem);
    c.device = *d.spec;
    if (c.bind && c.device.kind == DeviceKind::Path) {
        std::string src = normalize_path(c.device.value);
        if (path_within(c.directory, src) || path_within(src, c.directory))
            fail(ExitCode::ErrConfigured, "parameter 'device': bind source {} and directory {} overlap", src,
                 c.directory);
    }
    if (c.device.kind == DeviceKind::Path && !c.bind && normalize_path(c.device.value) == c.directory)
        fail(ExitCode::ErrConfigured, "parameters 'device' and 'directory' are the same path {}", c.directory);

    c.fsck = parse_fsck_mode(p.str("run_fsck")).value_or(FsckMode::Auto);
    c.force_unmount = parse_force_unmount(p.str("force_unmount")).value_or(ForceUnmount::True);
    for (auto [name, sig] : {std::pair{"term_signal", &c.term_signal}, std::pair{"kill_signal", &c.kill_signal}}) {
        SignalParse s = parse_holder_signal(p.str(name));
        if (!s.signal) fail(ExitCode::ErrConfigured, "parameter '{}': {}", name, s.problem);
        *sig = *s.signal;
    }
    c.signal_delay = std::chrono::seconds(p.integer("signal_delay"));
    c.fast_stop = p.boolean("fast_stop");
    c.force_clones = p.boolean("force_clones");
    c.unmount_other_mounts = p.boolean("unmount_other_mounts");
    c.statusfile_prefix = p.str("statusfile_prefix");

    if (clone && !clone_safe(c.fstype) && !c.force_clones)
        fail(ExitCode::ErrConfigured,
             "{} is a local file system: mounting it on several nodes as a clone corrupts it; use a cluster file "
             "system (gfs2, ocfs2) or set force_clones=true if every node mounts its own device",
             c.fstype);
    if (c.fsck == FsckMode::Force && (clone || classify_fstype(c.fstype) == FsClass::Cluster))
        fail(ExitCode::ErrConfigured,
             "parameter 'run_fsck': force on a clone or a cluster file system would check a file system other "
             "nodes may have mounted");
    return c;
}

// A mount of this configuration sits on a block device we can name.
bool expects_block_device(const Config& c)
{
    return !c.bind && needs_block_device(c.fstype) && !has_option(c.options, "loop");
}

// The programs an operation will run, looked up as the runner will (the child's PATH).
std::optional<std::string> missing_program(std::initializer_list<const char*> programs)
{
    const std::string path = child_path(CommandSpec{});
    for (const char* p : programs)
        if (!find_program(p, path)) return std::string(p);
    return std::nullopt;
}

std::string node_name(const Context& ctx)
{
    if (auto n = ctx.env.meta("on_node"); n && !n->empty()) return *n;
    struct utsname u {};
    if (::uname(&u) != 0) return "localhost";
    return u.nodename;
}

// ---------------------------------------------------------------------------------------------
// Devices

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

enum class Identity { Match, Mismatch, Unknown };

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

// ---------------------------------------------------------------------------------------------
// Programs

void require_started(const CommandSpec& spec, const CommandResult& r)
{
    if (r.status == CommandResult::Status::NotStarted)
        fail(exit_code_for_spawn_errno(r.spawn_errno), "{}", failure_message(spec, r));
}

// ---------------------------------------------------------------------------------------------
// GFS2 cluster checks

void gfs2_checks(Context& ctx, const Config& c, const Resolved& dev, const SystemHooks& hooks)
{
    const bool clone = ctx.env.is_clone();
    const int clone_max = ctx.env.clone_max();

    CommandSpec tune;
    tune.argv = {"tunegfs2", "-l", dev.path};
    tune.timeout = 20s;
    CommandResult tr = ctx.runner.run(tune, ctx.deadline);
    require_started(tune, tr);
    if (!tr.ok()) {
        bool not_gfs2 = tr.err.find("does not contain a GFS") != std::string::npos ||
                        tr.out.find("does not contain a GFS") != std::string::npos;
        // Seen through this node's device node only (another node's may name the right disk):
        // 5, never 6, which would stop the clone everywhere.
        fail(not_gfs2 ? ExitCode::ErrInstalled : ExitCode::ErrGeneric, "parameter 'device': {} holds no GFS2 file system "
             "readable here: {}", c.device.display(), failure_message(tune, tr));
    }
    Gfs2Superblock sb;
    try {
        sb = parse_tunegfs2_list(tr.out);
    } catch (const parse::ParseError& e) {
        fail(ExitCode::ErrGeneric, "parameter 'device': cannot read the GFS2 superblock of {} ({}): {}",
             c.device.display(), tune.display(), e.what());
    }

    const std::string proto = option_value(c.options, "lockproto").value_or(sb.lock_protocol);
    const std::string table = option_value(c.options, "locktable").value_or(sb.lock_table);
    const char* proto_from = option_value(c.options, "lockproto") ? "options" : "the superblock";
    // What options say is wrong on every node (6); what this node read from the device is this
    // node's finding (5).
    auto code_for = [&](const char* key) {
        return option_value(c.options, key) ? ExitCode::ErrConfigured : ExitCode::ErrInstalled;
    };
    if (proto == "lock_nolock") {
        if (clone)
            fail(code_for("lockproto"),
                 "{} uses lock_nolock (from {}), no cluster locking, so a clone corrupts it: make it lock_dlm "
                 "(tunegfs2 -o lockproto=lock_dlm while unmounted everywhere)",
                 c.device.display(), proto_from);
        ctx.log.info("{} uses lock_nolock (from {}): single-node mount, no DLM checks", c.device.display(), proto_from);
        return;
    }
    if (proto != "lock_dlm")
        fail(code_for("lockproto"), "{} uses lock protocol '{}' (from {}); gfs2fs supports lock_dlm and lock_nolock",
             c.device.display(), proto, proto_from);
    if (auto e = lock_table_problem(table))
        fail(code_for("locktable"), "lock table '{}' of {}: {}", table, c.device.display(), *e);
    const std::string cluster_part = table.substr(0, table.find(':'));

    if (clone && !has_option(c.options, "spectator")) {
        CommandSpec jindex;
        jindex.argv = {"gfs2_edit", "-p", "jindex", dev.path};
        jindex.timeout = 20s;
        CommandResult jr = ctx.runner.run(jindex, ctx.deadline);
        require_started(jindex, jr);
        if (!jr.ok()) fail(ExitCode::ErrGeneric, "cannot count the journals of {}: {}", c.device.display(), failure_message(jindex, jr));
        Gfs2Jindex j;
        try {
            j = parse_gfs2_edit_jindex(jr.out);
        } catch (const parse::ParseError& e) {
            fail(ExitCode::ErrGeneric, "cannot count the journals of {} ({}): {}", c.device.display(), jindex.display(),
                 e.what());
        }
        if (j.journals < clone_max)
            fail(ExitCode::ErrInstalled,  // counted on this node's device
                 "only {} journal(s) for clone-max={}: add {} with gfs2_jadd -j {} where {} is mounted, or lower "
                 "clone-max",
                 j.journals, clone_max, clone_max - j.journals, clone_max - j.journals, c.device.display());
        ctx.log.debug("{}: {} journals for clone-max={}", c.device.display(), j.journals, clone_max);
    }

    std::optional<bool> fencing = ctx.cluster.fencing_enabled();
    if (fencing && !*fencing)
        fail(ExitCode::ErrConfigured,
             "fencing is disabled: GFS2 hangs after a node failure until it is fenced; configure a fence "
             "device and enable stonith (fencing-enabled=false, or stonith-enabled=false before Pacemaker 3.0.2)");
    if (!fencing) {
        if (ctx.cluster.pacemaker())
            fail(ExitCode::ErrGeneric, "cannot tell whether fencing is enabled (reading fencing-enabled/stonith-enabled failed)");
        ctx.log.warn("not running under Pacemaker: cannot check that fencing is enabled");
    }

    CommandSpec cmap;
    cmap.argv = {"corosync-cmapctl", "-g", "totem.cluster_name"};
    cmap.timeout = 10s;
    CommandResult cr = ctx.runner.run(cmap, ctx.deadline);
    require_started(cmap, cr);
    if (!cr.ok())
        fail(ExitCode::ErrGeneric, "cannot read the corosync cluster name (is corosync running?): {}",
             failure_message(cmap, cr));
    std::string cluster_name;
    try {
        cluster_name = parse_cmap_value(cr.out, "totem.cluster_name");
    } catch (const parse::ParseError& e) {
        fail(ExitCode::ErrGeneric, "cannot read the corosync cluster name from {}: {}", cmap.display(), e.what());
    }
    if (cluster_part != cluster_name)
        fail(code_for("locktable"),
             "the lock table '{}' of {} names cluster '{}' but this is corosync cluster '{}': DLM would refuse "
             "the mount; fix it with tunegfs2 -o locktable={}:{} while it is unmounted everywhere, or use "
             "options=locktable=...",
             table, c.device.display(), cluster_part, cluster_name, cluster_name, table.substr(table.find(':') + 1));

    if (!hooks.dlm_controld_running())
        fail(ExitCode::ErrGeneric,
             "dlm_controld is not running on this node: start it first (a controld clone ordered and colocated "
             "before this resource)");
}

// ---------------------------------------------------------------------------------------------
// Unmounting

std::string kernel_busy_hint(const std::string& mount_point)
{
    auto loops = loops_backed_under(mount_point);
    if (loops.empty()) return "no process holds it (a mount in another namespace, an NFS export or a swap file?)";
    return fmt::format("no process holds it, but these loop devices are backed by files on it: {}",
                       fmt::join(loops, ", "));
}

bool mount_present(const std::vector<MountEntry>& table, int mount_id)
{
    for (const auto& e : table)
        if (e.mount_id == mount_id) return true;
    return false;
}

// Sends term_signal to each new holder, kill_signal to those still there signal_delay later,
// and waits for them; everything bounded by the budget.
class Reaper {
public:
    Reaper(Context& ctx, const Config& c, const Deadline& budget) : ctx_(ctx), c_(c), budget_(budget) {}

    // One round; false when none of the holders may be signalled.
    bool round(const std::vector<Holder>& holders, std::string_view what)
    {
        bool any = false;
        auto now = Deadline::Clock::now();
        for (const auto& h : holders) {
            if (h.spared) {
                ctx_.log.warn("not signalling {} ({}) although it may hold {}: {}", h.pid, h.comm, what, h.what);
                continue;
            }
            any = true;
            auto it = signalled_.find(h.pid);
            if (it != signalled_.end() && it->second.h.start_time != h.start_time) {
                signalled_.erase(it);  // the pid now belongs to another process
                it = signalled_.end();
            }
            if (it == signalled_.end()) {
                send(h, c_.term_signal, what);
                signalled_[h.pid] = {h, now, false};
            } else if (!it->second.killed && now - it->second.term_at >= c_.signal_delay) {
                send(it->second.h, c_.kill_signal, what);  // through the pidfd taken when first identified
                it->second.killed = true;
            }
        }
        if (!any) return false;
        // Wait until every signalled process is gone, or until the next one is due for kill_signal.
        auto escalate = Deadline::Clock::time_point::max();
        for (const auto& [pid, s] : signalled_)
            if (!s.killed && s.h.alive()) escalate = std::min(escalate, s.term_at + c_.signal_delay);
        while (!budget_.expired() && Deadline::Clock::now() < escalate) {
            bool alive = false;
            for (const auto& [pid, s] : signalled_)
                if (s.h.alive()) alive = true;
            if (!alive) break;
            sleep_within(budget_, 50ms);
        }
        return true;
    }

private:
    struct Signalled {
        Holder h;
        Deadline::Clock::time_point term_at;
        bool killed = false;
    };

    void send(const Holder& h, int sig, std::string_view what)
    {
        if (!h.alive()) return;
        ctx_.log.info("sending {} to {} ({}) holding {}: {}", signal_text(sig), h.pid, h.comm, what, h.what);
        if (int err = h.signal(sig); err != 0 && err != ESRCH)
            ctx_.log.warn("signalling {} with {} failed: {}", h.pid, signal_text(sig), std::strerror(err));
    }

    Context& ctx_;
    const Config& c_;
    const Deadline& budget_;
    std::map<pid_t, Signalled> signalled_;
};

const MountEntry* mount_by_id(const std::vector<MountEntry>& table, int mount_id)
{
    for (const auto& e : table)
        if (e.mount_id == mount_id) return &e;
    return nullptr;
}

std::string mount_text(const MountEntry& e)
{
    return fmt::format("{} ({} from {}, mount {})", e.mount_point, e.fstype, e.source, e.mount_id);
}

// Mounts that hide `target` from its path: made on it or on a directory above it, and not among
// the mounts it hangs from.
std::vector<std::string> covering_mounts(const std::vector<MountEntry>& table, const MountEntry& target)
{
    std::set<int> chain{target.mount_id};
    for (const MountEntry* e = &target; e;) {
        const MountEntry* parent = mount_by_id(table, e->parent_id);
        if (!parent || !chain.insert(parent->mount_id).second) break;
        e = parent;
    }
    std::vector<std::string> out;
    for (const auto& e : table)
        if (!chain.count(e.mount_id) && path_within(target.mount_point, e.mount_point)) out.push_back(mount_text(e));
    return out;
}

// Unmounts one mount, by its id, killing its holders as configured. Returns why it cannot be
// reached (a mount on top of it, a symlink on its path) without touching anything else; throws
// when the budget runs out.
std::optional<std::string> unmount_one(Context& ctx, const Config& c, const Deadline& budget, const MountEntry& target)
{
    Reaper reaper(ctx, c, budget);
    const bool network = classify_fstype(target.fstype) == FsClass::Network;  // a dead server must not block us
    HolderQuery q;
    q.mount_ids = {target.mount_id};
    // btrfs subvolumes and overlay files report other device numbers than the mount: no pre-filter.
    const bool own_dev = target.fstype != "btrfs" && target.fstype != "overlay" && target.fstype != "zfs";
    q.mount_dev = own_dev ? entry_dev(target) : 0;
    q.safe = c.force_unmount == ForceUnmount::Safe;
    q.mount_point = target.mount_point;
    q.deadline = budget;
    std::string last_err = "no time left to try", tried;
    for (int attempt = 1;; ++attempt) {
        auto table = read_mount_table();
        const MountEntry* now = mount_by_id(table, target.mount_id);
        if (!now) {
            ctx.log.info("unmounted {}", mount_text(target));
            return std::nullopt;
        }
        // A directory above it may have been renamed since: the table has its current path.
        q.mount_point = now->mount_point;
        if (attempt > 1 && budget.expired()) break;
        const milliseconds left = budget.remaining();
        UnmountResult r = unmount_exact(now->mount_point, target.mount_id, network, budget);
        using O = UnmountResult::Outcome;
        if (r.outcome == O::Unmounted) continue;  // confirmed by the next table
        if (r.outcome == O::Covered) {
            const MountEntry* on_top = mount_by_id(table, r.found_mount_id);
            return fmt::format("{} leads to {} instead", now->mount_point,
                               on_top ? mount_text(*on_top) : fmt::format("mount {}", r.found_mount_id));
        }
        if (r.outcome == O::Unreachable) {
            if (tried == now->mount_point) {
                auto covers = covering_mounts(table, *now);
                if (!covers.empty())
                    return fmt::format("{} is hidden by {}", mount_text(*now), fmt::join(covers, ", "));
                return fmt::format("{} cannot be reached without following a symlink ({})", mount_text(*now),
                                   errno_text(r.error));
            }
            tried = now->mount_point;
            continue;
        }
        if (r.outcome == O::TimedOut && left < 500ms) break;  // the budget ran out, not the kernel
        if (r.outcome == O::TimedOut)
            fail(ExitCode::ErrGeneric, "unmounting {} did not return before the {} deadline (stuck in the kernel: "
                 "a cluster file system waiting for fencing, or an unreachable server?)",
                 mount_text(*now), c.fast_stop ? "fast_stop" : "operation");
        last_err = r.outcome == O::Busy ? "busy" : errno_text(r.error);
        if (budget.expired()) break;
        if (c.force_unmount == ForceUnmount::False) {
            if (attempt == 1) ctx.log.info("{} is busy; force_unmount=false: retrying until the deadline", now->mount_point);
            sleep_within(budget, 1000ms);
            continue;
        }
        if (!reaper.round(find_holders(q), now->mount_point)) sleep_within(budget, 250ms);
    }
    std::string holders = describe_holders(find_holders(q));
    if (holders.empty()) holders = kernel_busy_hint(q.mount_point);
    fail(ExitCode::ErrGeneric, "cannot unmount {} before the {} deadline: {}; holders: {}", q.mount_point,
         c.fast_stop ? "fast_stop" : "operation", last_err, holders);
}

// Start's own mount that went wrong.
void take_back(Context& ctx, const Config& c, const MountEntry& made)
{
    if (auto why = unmount_one(ctx, c, ctx.deadline, made)) ctx.log.warn("cannot take back {}: {}", mount_text(made), *why);
}

// The mounts stop removes: the stack at the directory and everything below it; with
// unmount_other_mounts also the device's other mounts and what is below them, but never a mount
// stacked on top of one of those (that one is not ours: stop fails and names it).
std::vector<MountEntry> stop_targets(const std::vector<MountEntry>& table, const std::string& dir, const Config* c,
                                     const Resolved& dev)
{
    std::vector<MountEntry> out;
    auto add = [&](const MountEntry& e) {
        if (std::none_of(out.begin(), out.end(), [&](const MountEntry& o) { return o.mount_id == e.mount_id; }))
            out.push_back(e);
    };
    std::string where;
    if (find_top(table, dir, &where))
        for (const auto& e : table)
            if (path_within(e.mount_point, where)) add(e);
    if (c && c->unmount_other_mounts && !c->bind && dev.block)
        for (const auto* m : mounts_of_dev(table, dev.rdev)) {
            add(*m);
            for (const auto* below : mounts_below(table, m->mount_point)) add(*below);
        }
    return out;
}

// The targets nothing is mounted on (below them or stacked on top): the ones umount can take
// now; their parents follow in the next round. A target with a child that is not a target is
// covered by someone else's mount: `blocked` says which.
std::vector<MountEntry> ready_targets(const std::vector<MountEntry>& table, const std::vector<MountEntry>& targets,
                                      std::vector<std::string>& blocked)
{
    std::vector<MountEntry> out;
    for (const auto& t : targets) {
        bool has_child = false;
        for (const auto& e : table) {
            if (e.parent_id != t.mount_id || e.mount_id == t.mount_id) continue;
            has_child = true;
            if (std::none_of(targets.begin(), targets.end(), [&](const MountEntry& o) { return o.mount_id == e.mount_id; }))
                blocked.push_back(fmt::format("{} is covered by {}", mount_text(t), mount_text(e)));
        }
        if (!has_child) out.push_back(t);
    }
    return out;
}

// Mounts of the device that stop leaves alone (unmount_other_mounts=false).
std::vector<const MountEntry*> other_mounts(const std::vector<MountEntry>& table, const Config& c, const Resolved& dev)
{
    if (c.bind || !dev.block) return {};
    return mounts_of_dev(table, dev.rdev);
}

// After the mounts are gone, a block device still claimed by a file system means a detached
// mount (mount point deleted, lazy unmount) or a mount in another namespace.
bool fs_still_alive(const Resolved& dev)
{
    if (!dev.block || !block_holders(dev.rdev).empty()) return false;
    return exclusive_state(dev.path) == ExclusiveState::Busy;
}

std::string namespaces_mounting(dev_t rdev)
{
    std::string out;
    std::set<std::string> seen;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", std::filesystem::directory_options::skip_permission_denied)) {
        std::string pid = entry.path().filename();
        if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
        char buf[128];
        ssize_t n = ::readlink(("/proc/" + pid + "/ns/mnt").c_str(), buf, sizeof buf - 1);
        if (n <= 0) continue;
        std::string ns(buf, static_cast<std::size_t>(n));
        if (!seen.insert(ns).second) continue;
        auto text = read_small_file("/proc/" + pid + "/mountinfo", 64u << 20);
        if (!text) continue;
        try {
            for (const auto& e : parse::parse_mountinfo(*text))
                if (entry_dev(e) == rdev) {
                    if (!out.empty()) out += ", ";
                    out += fmt::format("{} in the mount namespace of pid {}", e.mount_point, pid);
                    break;
                }
        } catch (const parse::ParseError&) {
        }
    }
    return out;
}

}  // namespace

const AgentSpec& gfs2fs_spec() { return kSpec; }
namespace {

// What a mount made by Pacemaker needs at shutdown, in the order systemd takes it down: Pacemaker
// (which unmounts, after moving the guests) must stop before all of it. systemd's own unit for a
// gfs2 mount sits before remote-fs.target and would otherwise be unmounted beside Pacemaker's stop,
// under running guests; the network, iSCSI, multipath, DLM, DRBD and LVM services (when the host,
// not Pacemaker, runs them) come after. Ordering after a unit that is not installed does nothing.
const ShutdownOrder kShutdownOrder{
    .agent = "gfs2fs",
    .why = "At shutdown Pacemaker stops (unmounting the file system) before what the mount needs goes down.",
    .after = {"remote-fs.target", "network-online.target", "iscsid.service", "open-iscsi.service", "iscsi.service",
              "multipathd.service", "dlm.service", "lvmlockd.service", "drbd.service", "blk-availability.service"}};

}  // namespace

const AgentSpec& Gfs2fsAgent::spec() const { return kSpec; }

// ---------------------------------------------------------------------------------------------

Outcome Gfs2fsAgent::validate(Context& ctx, ValidatePurpose purpose)
{
    Config c = load_config(ctx);
    if (purpose == ValidatePurpose::Monitor) return ExitCode::Success;
    const int level = purpose == ValidatePurpose::Start ? 10 : effective_check_level(ctx.check_level);

    if (level >= 10) {
        // The environment: the device is here, the mount point can be one, the programs exist.
        if (c.device.kind != DeviceKind::Remote) {
            Resolved dev = resolve_device(ctx, c, hooks_, true);
            if (dev.path.empty())
                return {ExitCode::ErrInstalled,
                        fmt::format("parameter 'device': {} is not present on this node{}", c.device.display(),
                                    dev.error && dev.error != ENOENT ? ": " + errno_text(dev.error) : "")};
            if (c.bind && !dev.directory)
                return {ExitCode::ErrArgs, fmt::format("parameter 'device': bind source {} is not a directory", dev.path)};
            if (!c.bind && needs_block_device(c.fstype) && !dev.block && !has_option(c.options, "loop"))
                return {ExitCode::ErrArgs,
                        fmt::format("parameter 'device': {} is not a block device (add options=loop for an image file)",
                                    dev.path)};
            if (c.fstype == "gfs2") gfs2_checks(ctx, c, dev, hooks_);
        }
        struct stat st {};
        if (::stat(c.directory.c_str(), &st) == 0 && !S_ISDIR(st.st_mode))
            return {ExitCode::ErrArgs,
                    fmt::format("parameter 'directory': {} exists and is not a directory", c.directory)};
        if (auto p = missing_program({"mount"}))
            return {ExitCode::ErrInstalled, fmt::format("{} is not installed (util-linux)", *p)};
        if (fsck_wanted(c.fsck, c.fstype))
            if (auto p = missing_program({"fsck"}))
                return {ExitCode::ErrInstalled, fmt::format("run_fsck={} needs fsck, which is not installed",
                                                            ctx.params.str("run_fsck"))};
    }
    if (!hooks_.fstype_support(c.fstype))
        return {ExitCode::ErrInstalled,
                fmt::format("parameter 'fstype': this kernel does not support {} (not in /proc/filesystems, no "
                            "module alias fs-{}, no mount.{} helper)",
                            c.fstype, c.fstype, c.fstype)};
    return ExitCode::Success;
}

Outcome Gfs2fsAgent::start(Context& ctx)
{
    Config c = load_config(ctx);
    Resolved dev = c.device.kind == DeviceKind::Remote ? Resolved{} : resolve_device(ctx, c, hooks_, true);
    // Before mounting: a reboot right after start already finds the ordering in place.
    ensure_shutdown_order(ctx, HostPaths::from_env(ctx.env), kShutdownOrder);

    auto table = read_mount_table();
    std::string where;
    if (const MountEntry* top = find_top(table, c.directory, &where)) {
        std::string why;
        if (identify(*top, c, dev, &why) == Identity::Mismatch)
            fail(ExitCode::ErrGeneric, "{} is already a mount point: {}", where, why);
        if (!c.expect_ro && top->read_only())
            fail(ExitCode::ErrGeneric, "{} is already mounted, but read-only although options do not ask for ro; "
                 "stop the resource to remount it", where);
        return {ExitCode::Success, fmt::format("{} is already mounted", where)};
    }
    if (auto below = mounts_below(table, where); !below.empty())
        fail(ExitCode::ErrGeneric, "mounts exist below {} ({}); mounting over them would hide them", where,
             mounts_list(below));

    if (dev.block) {
        if (!c.bind)
            if (auto others = mounts_of_dev(table, dev.rdev); !others.empty())
                fail(ExitCode::ErrGeneric, "{} is already mounted at {}; refusing to mount it a second time at {}",
                     c.device.display(), mounts_list(others), c.directory);
        int err = 0;
        auto size = block_device_size(dev.path, &err);
        if (!size) fail(ExitCode::ErrGeneric, "cannot open {}: {}", dev.path, errno_text(err));
        if (*size == 0)
            fail(ExitCode::ErrGeneric, "{} has size 0 (a loop device without backing file, or a vanished disk)",
                 dev.path);
    }

    // The mount point: create what is missing, remember it to remove again on failure.
    std::vector<std::string> created;
    struct stat st {};
    if (::stat(c.directory.c_str(), &st) != 0) {
        if (errno != ENOENT) fail(ExitCode::ErrGeneric, "cannot use {}: {}", c.directory, errno_text(errno));
        for (std::size_t pos = 1; pos <= c.directory.size(); ++pos) {
            if (pos != c.directory.size() && c.directory[pos] != '/') continue;
            std::string part = c.directory.substr(0, pos);
            if (::mkdir(part.c_str(), 0755) == 0) {
                created.push_back(part);
            } else if (errno != EEXIST) {
                fail(ExitCode::ErrGeneric, "cannot create mount point {}: {}", part, errno_text(errno));
            }
        }
        ctx.log.info("created mount point {}", c.directory);
    } else if (!S_ISDIR(st.st_mode)) {
        fail(ExitCode::ErrArgs, "parameter 'directory': {} exists and is not a directory", c.directory);
    }
    auto remove_created = [&] {
        for (auto it = created.rbegin(); it != created.rend(); ++it) ::rmdir(it->c_str());
    };

    try {
        if (dev.block && fsck_wanted(c.fsck, c.fstype)) {
            CommandSpec fsck;
            fsck.argv = {"fsck", "-t", c.fstype, "-p", dev.path};
            fsck.timeout = std::max(ctx.deadline.remaining(), milliseconds(1));
            CommandResult r = ctx.runner.run(fsck, ctx.deadline);
            require_started(fsck, r);
            // fsck: 0 clean, 1 errors corrected, 2 reboot suggested; 4 and up: not repaired.
            if (r.status != CommandResult::Status::Exited || r.exit_code >= 4)
                fail(ExitCode::ErrGeneric, "file system check of {} failed: {}", dev.path, failure_message(fsck, r));
        }

        CommandSpec mount;
        mount.argv = {"mount"};
        if (!c.bind) mount.argv.insert(mount.argv.end(), {"-t", c.fstype});
        if (!c.options.empty()) mount.argv.insert(mount.argv.end(), {"-o", c.options});
        mount.argv.push_back(dev.path.empty() ? c.device.value : dev.path);
        mount.argv.push_back(c.directory);
        mount.timeout = std::max(ctx.deadline.remaining(), milliseconds(1));
        CommandResult r = ctx.runner.run(mount, ctx.deadline);
        require_started(mount, r);

        auto after = read_mount_table();
        const MountEntry* top = find_top(after, c.directory, &where);
        if (!r.ok()) {
            // A mount that timed out may still have completed in the kernel: take it away again.
            if (top && !mount_present(table, top->mount_id)) take_back(ctx, c, *top);
            fail(ExitCode::ErrGeneric, "cannot mount {} on {}: {}", c.device.display(), c.directory,
                 failure_message(mount, r));
        }
        if (!top) fail(ExitCode::ErrGeneric, "mount reported success but {} is not in /proc/self/mountinfo", c.directory);
        std::string why;
        if (identify(*top, c, dev, &why) == Identity::Mismatch) {
            take_back(ctx, c, *top);
            fail(ExitCode::ErrGeneric, "the mount went wrong: {}", why);
        }
        if (!c.expect_ro && top->read_only()) {
            take_back(ctx, c, *top);
            fail(ExitCode::ErrGeneric, "{} was mounted read-only although options do not ask for ro "
                 "(a write-protected device?)", c.directory);
        }
    } catch (const Failure&) {
        remove_created();
        throw;
    }
    return ExitCode::Success;
}

Outcome Gfs2fsAgent::monitor(Context& ctx)
{
    Config c = load_config(ctx);
    const int level = effective_check_level(ctx.check_level);
    auto table = read_mount_table();
    Resolved dev = c.device.kind == DeviceKind::Remote ? Resolved{} : hooks_.resolve(c.device);
    std::string where;
    const MountEntry* top = find_top(table, c.directory, &where);
    if (!top) {
        if (dev.block && !c.bind) {
            // Someone else's mount (an admin's maintenance mount): not this resource, and no
            // reason to stop it here.
            if (auto others = mounts_of_dev(table, dev.rdev); !others.empty())
                return {ExitCode::NotRunning, fmt::format("{} is not mounted at {}; {} is mounted at {}, which is "
                                                          "not this resource's mount",
                                                          c.directory, c.device.display(), c.device.display(),
                                                          mounts_list(others))};
            if (fs_still_alive(dev))
                return {ExitCode::ErrGeneric,
                        fmt::format("{} is not mounted, but a file system still holds {} (its mount point was "
                                    "deleted or lazily unmounted while in use, or it is mounted in another mount "
                                    "namespace)",
                                    c.directory, dev.path)};
        }
        return {ExitCode::NotRunning, fmt::format("{} is not mounted", c.directory)};
    }
    std::string why;
    if (identify(*top, c, dev, &why) == Identity::Mismatch) return {ExitCode::ErrGeneric, why};
    if (expects_block_device(c) && c.device.kind == DeviceKind::Path && dev.path.empty())
        return {ExitCode::ErrGeneric, fmt::format("{} vanished while {} is mounted from it ({}): {}", c.device.value,
                                                  where, top->source, errno_text(dev.error ? dev.error : ENOENT))};
    if (!c.expect_ro && top->read_only())
        return {ExitCode::ErrGeneric,
                fmt::format("{} is mounted read-only but should be read-write (remounted ro after I/O errors?)", where)};
    // One stat: the ordering comes back after an upgrade from a version without it, or a cleanup.
    if (!ctx.probe) {
        HostPaths paths = HostPaths::from_env(ctx.env);
        if (!shutdown_order_present(ctx, paths, kShutdownOrder.agent)) ensure_shutdown_order(ctx, paths, kShutdownOrder);
    }

    if (level >= 10) {
        if (!dev.block && c.device.is_tag()) dev = resolve_device(ctx, c, hooks_, true);
        if (dev.block) {
            if (auto e = read_device_direct(dev.path, ctx.deadline)) return {ExitCode::ErrGeneric, *e};
        } else if (expects_block_device(c)) {
            return {ExitCode::ErrGeneric, fmt::format("{} cannot be found for the depth-10 read: {}", c.device.display(),
                                                      errno_text(dev.error ? dev.error : ENOENT))};
        } else {
            ctx.log.debug("{} is not a block device: the depth-10 read is skipped", c.device.display());
        }
    }
    if (level >= 20) {
        std::optional<std::string> clone = ctx.env.meta("clone");
        std::string node = node_name(ctx);
        StatusFile file{where, top->mount_id,
                        status_file_name(c.statusfile_prefix, ctx.env.resource_instance(), clone, node)};
        std::string content = fmt::format("{} {} {} {}\n", ctx.env.resource_instance(), node, ::getpid(),
                                          std::chrono::system_clock::now().time_since_epoch().count());
        StatusFileResult r = write_read_status_file(file, content, ctx.deadline);
        for (const auto& p : r.set_aside)
            ctx.log.warn("{} was not a root-owned status file or directory (a planted link or name?): set aside", p);
        if (r.problem) return {ExitCode::ErrGeneric, *r.problem};
    }
    return ExitCode::Success;
}

Outcome Gfs2fsAgent::reload_agent(Context& ctx)
{
    // The reloadable parameters (stop behaviour, status file, fsck) are read by each operation;
    // the mount itself stays untouched, so the VMs on it keep running.
    load_config(ctx);
    return ExitCode::Success;
}

Outcome Gfs2fsAgent::stop(Context& ctx)
{
    // Run by hand from inside the mount, we would be our own holder (and never signal ourselves).
    if (::chdir("/") != 0) ctx.log.warn("cannot change to /: {}", std::strerror(errno));
    // Stop works from whatever is usable: a directory is enough to find and unmount our mount.
    auto dir_param = ctx.params.opt("directory");
    if (!dir_param || dir_param->empty() || directory_problem(*dir_param))
        return {ExitCode::Success, "parameter 'directory' is unset or invalid: nothing of this resource can be mounted"};
    std::optional<Config> cfg;
    try {
        cfg = load_config(ctx);
    } catch (const Failure& f) {
        ctx.log.warn("stopping with a partly invalid configuration: {}", f.reason);
    }
    Config fallback;
    fallback.directory = normalize_path(*dir_param);
    if (auto fu = parse_force_unmount(ctx.params.opt("force_unmount").value_or("true"))) fallback.force_unmount = *fu;
    fallback.unmount_other_mounts = parse_bool(ctx.params.opt("unmount_other_mounts").value_or("")).value_or(false);
    const Config& c = cfg ? *cfg : fallback;

    Resolved dev;
    if (cfg && c.device.kind != DeviceKind::Remote) dev = hooks_.resolve(c.device);

    milliseconds fast = std::max<milliseconds>(6s, 2 * c.signal_delay + 2s);
    Deadline budget = c.fast_stop && ctx.deadline.remaining() > fast ? Deadline::after(fast) : ctx.deadline;

    for (int round = 0;; ++round) {
        auto table = read_mount_table();
        std::string where;
        const MountEntry* top = find_top(table, c.directory, &where);
        std::string why;
        if (top && round == 0 && cfg && identify(*top, c, dev, &why) != Identity::Mismatch) {
            // The depth-20 status file is ours; removing it may fail on a read-only mount. A hung
            // file system gets a few seconds here: the unmount has to deal with it anyway.
            StatusFile file{where, top->mount_id,
                            status_file_name(c.statusfile_prefix, ctx.env.resource_instance(), ctx.env.meta("clone"),
                                             node_name(ctx))};
            Deadline bound = Deadline::at(std::min(budget.when(), Deadline::Clock::now() + 5s));
            StatusFileResult r = remove_status_file(file, bound);
            if (r.problem) ctx.log.debug("status file left: {}", *r.problem);
        }
        auto targets = stop_targets(table, c.directory, cfg ? &c : nullptr, dev);
        if (targets.empty()) break;
        // Each round takes the mounts nothing else sits on; a few dozen rounds means someone
        // keeps mounting.
        if (round == 32)
            fail(ExitCode::ErrGeneric, "{} is still mounted after {} rounds of unmounting", mount_text(targets.back()),
                 round);
        std::vector<std::string> blocked;
        bool progress = false;
        for (const auto& t : ready_targets(table, targets, blocked)) {
            if (auto why = unmount_one(ctx, c, budget, t))
                blocked.push_back(*why);
            else
                progress = true;
        }
        if (!progress)
            fail(ExitCode::ErrGeneric,
                 "cannot unmount what is mounted at {}: {}; stop never unmounts a mount that is not its target, "
                 "so unmount what covers it first",
                 where, fmt::join(blocked, "; "));
    }

    if (cfg && !c.unmount_other_mounts) {
        auto table = read_mount_table();
        if (auto others = other_mounts(table, c, dev); !others.empty()) {
            // Not this resource's mounts: an admin's, or bind mounts made from it elsewhere.
            ctx.log.warn("{} is unmounted; {} stays mounted at {} (unmount_other_mounts=false leaves those alone; "
                         "the file system is still in use on this node)",
                         c.directory, c.device.display(), mounts_list(others));
            remove_shutdown_order(ctx, HostPaths::from_env(ctx.env), kShutdownOrder.agent);
            return ExitCode::Success;
        }
    }
    if (fs_still_alive(dev)) {
        // No mount is visible but the file system lives on: a detached mount (mount point deleted,
        // lazy unmount) held by processes, or a mount in another namespace.
        ctx.log.warn("{} is unmounted but a file system still holds {}", c.directory, dev.path);
        HolderQuery q;
        q.detached_dev = dev.rdev;
        q.deadline = budget;
        Reaper reaper(ctx, c, budget);
        Deadline settle = Deadline::after(std::min<milliseconds>(2s, budget.remaining()));
        while (fs_still_alive(dev)) {
            auto holders = find_holders(q);
            if (budget.expired() || c.force_unmount == ForceUnmount::False || (holders.empty() && settle.expired())) {
                std::string who = describe_holders(holders);
                if (who.empty()) who = namespaces_mounting(dev.rdev);
                if (who.empty()) who = kernel_busy_hint(c.directory);
                fail(ExitCode::ErrGeneric, "{} is unmounted here but its file system on {} is still active: {}",
                     c.directory, dev.path, who);
            }
            if (!reaper.round(holders, dev.path)) sleep_within(budget, 100ms);
        }
        ctx.log.info("the detached file system on {} is released", dev.path);
    }
    remove_shutdown_order(ctx, HostPaths::from_env(ctx.env), kShutdownOrder.agent);
    return ExitCode::Success;
}

}  // namespace ocfkit::gfs2fs
