// clvm: the lock daemon (lvmlockd, or clvmd with optional cmirrord), the listed VGs' lockspaces
// and their shared activation, all bounded; validate checks the LVM settings that make or break
// clustered LVM on DRBD or a multipath SAN LUN, read through lvmconfig.
#include "clvm_agent.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ocfkit/daemon.h"
#include "ocfkit/host.h"
#include "ocfkit/parse/lvm_report.h"
#include "ocfkit/parse/mountinfo.h"
#include "multipath.h"

namespace ocfkit::clvm {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

ParamCheck vg_list_check()
{
    return [](std::string_view v) -> std::optional<std::string> {
        for (char c : v) {
            bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
                      c == '_' || c == '.' || c == '-' || c == ' ' || c == ',';
            if (!ok) return fmt::format("'{}' is not a valid volume group name character", c);
        }
        std::size_t i = 0;
        while (i < v.size()) {
            while (i < v.size() && (v[i] == ' ' || v[i] == ',')) ++i;
            if (i < v.size() && v[i] == '-') return std::string("a volume group name cannot start with '-'");
            while (i < v.size() && v[i] != ' ' && v[i] != ',') ++i;
        }
        return std::nullopt;
    };
}

const AgentSpec kSpec{
    .name = "clvm",
    .version = "1.0",
    .shortdesc = "Clustered LVM: lvmlockd or clvmd, shared VG lockspaces and activation",
    .longdesc =
        "Runs the LVM lock daemon of this distribution as a clone after the controld (DLM) clone: lvmlockd "
        "with DLM (lvm2 2.03 and later, which removed clvmd) or clvmd (older releases, optionally with "
        "cmirrord). start starts the daemon and waits until it answers, starts the lockspaces of the listed "
        "volume groups (vgchange --lock-start) and activates them in shared mode; stop deactivates them, "
        "stops their lockspaces and the daemon, and never leaves logical volumes active with the daemon "
        "gone. monitor checks the daemon through /proc, the lockspaces and the activation with at most "
        "one program (lvmlockctl -i; none for clvmd).\n"
        "validate-all reads the effective LVM configuration with lvmconfig and reports each classic "
        "pitfall with its own reason: use_lvmlockd=1 and a dlm lock type on the VGs for lvmlockd; "
        "locking_type=3, fallback_to_local_locking=0, use_lvmetad=0 and write_cache_state=0 for clvmd; "
        "and devices/filter plus devices/global_filter that accept the DRBD devices and reject their "
        "backing disks (from drbdadm dump-xml), and accept dm-multipath maps and reject their path devices "
        "(from sysfs), so LVM never sees a PV twice or uses a single path.",
    .params =
        {
            {.name = "lock_manager",
             .type = ParamType::Select,
             .shortdesc = "Which LVM lock daemon",
             .longdesc = "lvmlockd, clvmd, or auto: the one installed here and configured in lvm.conf "
                         "(use_lvmlockd=1 or locking_type=3).",
             .default_value = "auto",
             .choices = {"auto", "lvmlockd", "clvmd"}},
            {.name = "volgrpname",
             .shortdesc = "Volume groups",
             .longdesc = "Shared (lvmlockd) or clustered (clvmd) volume groups to start and activate, "
                         "separated by blanks or commas. Empty: only the daemon.",
             .default_value = "",
             .check = vg_list_check()},
            {.name = "activate_vgs",
             .type = ParamType::Boolean,
             .shortdesc = "Activate the volume groups",
             .longdesc = "Activate the listed volume groups after starting their lockspaces; false leaves "
                         "activation to LVM-activate resources.",
             .default_value = "true"},
            {.name = "activation_mode",
             .type = ParamType::Select,
             .shortdesc = "Activation mode",
             .longdesc = "shared (-asy, every node) or exclusive (-aey, one node at a time).",
             .default_value = "shared",
             .choices = {"shared", "exclusive"}},
            {.name = "with_cmirrord",
             .type = ParamType::Boolean,
             .shortdesc = "Also run cmirrord (clvmd only)",
             .longdesc = "Start the cluster mirror log daemon before clvmd, for clustered mirror LVs.",
             .default_value = "false"},
            {.name = "daemon_options",
             .shortdesc = "Extra daemon options",
             .longdesc = "Options added to lvmlockd or clvmd, separated by blanks (no shell quoting).",
             .default_value = "",
             .check = check::no_shell_meta()},
            {.name = "adopt",
             .type = ParamType::Boolean,
             .shortdesc = "lvmlockd adopts locks of a previous instance",
             .longdesc = "Pass -A 1 so a restarted lvmlockd takes over the locks of active LVs. With it, a "
                         "recurring monitor that finds lvmlockd gone while LVs of the listed VGs are active "
                         "restarts lvmlockd at once, adopting its lockspaces and LV locks, instead of failing "
                         "(a failure would stop everything above the VG on this node, or fence it).",
             .default_value = "true"},
            {.name = "check_device_filter",
             .type = ParamType::Boolean,
             .shortdesc = "Check the device filter against DRBD and multipath",
             .longdesc = "Check that devices/filter and devices/global_filter accept every DRBD device and "
                         "reject its backing disk (drbdadm dump-xml; skipped when drbdadm is not installed), and "
                         "reject every path device of each dm-multipath map (/sys/block/dm-*/slaves), under every "
                         "/dev name it has. A map rejected together with all its paths is hidden from LVM: it is "
                         "named when a listed volume group is not visible.",
             .default_value = "true"},
        },
    .actions =
        {
            {.name = "start", .timeout_s = 90},
            {.name = "stop", .timeout_s = 90},
            {.name = "monitor", .timeout_s = 30, .interval_s = 30, .depth = 0},
            {.name = "validate-all", .timeout_s = 30},
            {.name = "meta-data", .timeout_s = 5},
        },
};

const std::vector<std::string> kConfigKeys{
    "global/use_lvmlockd",       "global/locking_type",    "global/fallback_to_local_locking",
    "global/use_lvmetad",        "devices/write_cache_state", "devices/filter",
    "devices/global_filter",     "devices/use_devicesfile",
};

// volgrpname and daemon_options: blank or comma separated.
constexpr std::string_view kListSeparators = " ,\t";

std::string joined(const std::vector<std::string>& v, std::string_view sep = ", ")
{
    return fmt::format("{}", fmt::join(v, sep));
}

struct Files {
    std::string lvmlockd_pid, clvmd_pid, cmirrord_pid, dlm_pid, state;
};

Files files_of(const Context& ctx, const HostPaths& paths)
{
    std::string instance = ctx.env.resource_instance();
    if (instance.empty()) instance = "clvm";
    for (char& c : instance)
        if (c == '/') c = '_';
    return {paths.run + "/lvmlockd.pid", paths.run + "/clvmd.pid", paths.run + "/cmirrord.pid",
            paths.run + "/dlm_controld/dlm_controld.pid", paths.run + "/resource-agents/clvm-" + instance + ".state"};
}

CommandSpec tool(const Context& ctx, std::vector<std::string> argv, milliseconds timeout)
{
    CommandSpec c = host_command(ctx.env, std::move(argv), timeout);
    // LVM warns about inherited descriptors on stderr; that noise would end up in exit reasons.
    c.env["LVM_SUPPRESS_FD_WARNINGS"] = "1";
    if (auto dir = ctx.env.get("LVM_SYSTEM_DIR")) c.env["LVM_SYSTEM_DIR"] = *dir;
    return c;
}

// ---- lock manager choice -------------------------------------------------------------------

struct Installed {
    bool lvmlockd = false;
    bool clvmd = false;
};

Installed installed(const Context& ctx)
{
    std::string path = tool_path(ctx.env);
    return {find_program("lvmlockd", path).has_value(), find_program("clvmd", path).has_value()};
}

std::optional<Manager> configured_manager(const Context& ctx)
{
    std::string m = ctx.params.opt("lock_manager").value_or("auto");
    if (m == "lvmlockd") return Manager::Lvmlockd;
    if (m == "clvmd") return Manager::Clvmd;
    return std::nullopt;
}

// Without running anything: the parameter, else the daemon that runs, else the only one installed.
std::optional<Manager> cheap_manager(const Context& ctx, const HostPaths& paths, const Files& f)
{
    if (auto m = configured_manager(ctx)) return m;
    if (find_daemon(paths, f.lvmlockd_pid, "lvmlockd")) return Manager::Lvmlockd;
    if (find_daemon(paths, f.clvmd_pid, "clvmd")) return Manager::Clvmd;
    Installed in = installed(ctx);
    if (in.lvmlockd && !in.clvmd) return Manager::Lvmlockd;
    if (in.clvmd && !in.lvmlockd) return Manager::Clvmd;
    return std::nullopt;
}

lvm::LvmConfig read_config(Context& ctx)
{
    std::vector<std::string> argv{"lvmconfig", "--type", "full"};
    argv.insert(argv.end(), kConfigKeys.begin(), kConfigKeys.end());
    CommandSpec c = tool(ctx, argv, 30s);
    CommandResult r = ctx.runner.run(c, ctx.deadline);
    if (r.status == CommandResult::Status::NotStarted)
        throw Failure(exit_code_for_spawn_errno(r.spawn_errno), "lvmconfig is not installed (package lvm2)");
    // Exit code 5 with output: some keys are unknown to this lvm2 version (e.g. use_lvmlockd
    // before 2.02.116, use_devicesfile before 2.03.12); the rest is still printed.
    if (!(r.ok() || (r.exited_with(5) && !r.out.empty())))
        fail(ExitCode::ErrGeneric, "{}", failure_message(c, r));
    try {
        return lvm::parse_lvmconfig(r.out, kConfigKeys);
    } catch (const parse::ParseError& e) {
        fail(ExitCode::ErrGeneric, "cannot read lvmconfig output: {}", e.what());
    }
}

std::optional<long long> number(const lvm::LvmConfig& cfg, std::string_view key)
{
    auto it = cfg.find(key);
    if (it == cfg.end()) return std::nullopt;
    return it->second.number();
}

Manager full_manager(const Context& ctx, const lvm::LvmConfig& cfg)
{
    if (auto m = configured_manager(ctx)) return *m;
    Installed in = installed(ctx);
    bool lockd_configured = number(cfg, "global/use_lvmlockd").value_or(0) == 1;
    bool clvmd_configured = number(cfg, "global/locking_type").value_or(1) == 3;
    if (lockd_configured && in.lvmlockd) return Manager::Lvmlockd;
    if (clvmd_configured && in.clvmd) return Manager::Clvmd;
    if (in.lvmlockd && !in.clvmd) return Manager::Lvmlockd;
    if (in.clvmd && !in.lvmlockd) return Manager::Clvmd;
    if (!in.lvmlockd && !in.clvmd)
        fail(ExitCode::ErrInstalled, "lock_manager=auto: neither lvmlockd (package lvm2-lockd) nor clvmd is installed");
    // This node's lvm.conf and binaries: 5 keeps the clone off this node only.
    fail(ExitCode::ErrInstalled,
         "lock_manager=auto: both lvmlockd and clvmd are installed on this node and its lvm.conf enables neither "
         "(use_lvmlockd=1 or locking_type=3); set lock_manager");
}

// ---- kernel / sysfs views --------------------------------------------------------------------

struct ActiveLv {
    std::string vg, lv, dev;  // dev: "253:0"
};

// Active LVs of the given VGs (all when empty), from device-mapper's sysfs: no program runs.
std::vector<ActiveLv> active_lvs(const HostPaths& paths, const std::vector<std::string>& vgs)
{
    std::vector<ActiveLv> out;
    std::set<std::pair<std::string, std::string>> seen;
    const std::string block = paths.sys + "/block";
    for (const auto& d : list_dir(block)) {
        if (d.rfind("dm-", 0) != 0) continue;
        auto name = read_small_file(block + "/" + d + "/dm/name", 512);
        if (!name) continue;
        while (!name->empty() && name->back() == '\n') name->pop_back();
        if (auto uuid = read_small_file(block + "/" + d + "/dm/uuid", 512); uuid && uuid->rfind("LVM-", 0) != 0)
            continue;  // not an LVM device (crypt, multipath, ...)
        auto split = lvm::split_dm_name(*name);
        if (!split) continue;
        if (!vgs.empty() && std::find(vgs.begin(), vgs.end(), split->first) == vgs.end()) continue;
        if (!seen.insert(*split).second) continue;
        std::string dev = read_small_file(block + "/" + d + "/dev", 64).value_or("");
        while (!dev.empty() && dev.back() == '\n') dev.pop_back();
        out.push_back({split->first, split->second, dev});
    }
    return out;
}

std::string describe_active(const std::vector<ActiveLv>& lvs, const HostPaths& paths)
{
    std::vector<parse::MountEntry> mounts;
    if (auto mi = read_small_file(paths.proc + "/self/mountinfo")) {
        try {
            mounts = parse::parse_mountinfo(*mi);
        } catch (const parse::ParseError&) {
        }
    }
    std::vector<std::string> parts;
    for (const auto& a : lvs) {
        std::string s = a.vg + "/" + a.lv;
        for (const auto& m : mounts)
            if (!a.dev.empty() && fmt::format("{}:{}", m.major, m.minor) == a.dev) s += " (mounted on " + m.mount_point + ")";
        parts.push_back(s);
    }
    return joined(parts);
}

std::map<std::string, int> count_by_vg(const std::vector<ActiveLv>& lvs)
{
    std::map<std::string, int> n;
    for (const auto& a : lvs) ++n[a.vg];
    return n;
}

std::map<std::string, int> read_state(const std::string& path)
{
    std::map<std::string, int> out;
    std::ifstream in(path);
    std::string vg;
    int n = 0;
    while (in >> vg >> n) out[vg] = n;
    return out;
}

void write_state(Context& ctx, const std::string& path, const std::map<std::string, int>& counts)
{
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);
    std::ofstream out(path, std::ios::trunc);
    for (const auto& [vg, n] : counts) out << vg << " " << n << "\n";
    if (!out) ctx.log.warn("cannot write {}: {}", path, std::strerror(errno));
}

// ---- device names for the filter check ----------------------------------------------------------

// The names LVM would see for a /dev path here: the path, its target and every symlink in /dev
// that points to the same node (udev's /dev/disk/by-*, /dev/drbd/by-*).
DeviceNames names_of(const HostPaths& paths, const std::string& configured)
{
    DeviceNames d{configured, {configured}};
    if (configured.rfind("/dev/", 0) != 0) return d;
    std::error_code ec;
    fs::path host = paths.dev + configured.substr(4);
    if (!fs::exists(host, ec)) return d;
    fs::path real = fs::canonical(host, ec);
    if (ec) return d;
    const fs::path dev_root = fs::canonical(paths.dev, ec);
    if (ec) return d;
    auto dev_name = [&](const fs::path& p) -> std::optional<std::string> {
        fs::path rel = p.lexically_relative(dev_root);
        if (rel.empty() || *rel.begin() == "..") return std::nullopt;
        return "/dev/" + rel.string();
    };
    auto add = [&](const std::string& n) {
        if (std::find(d.names.begin(), d.names.end(), n) == d.names.end()) d.names.push_back(n);
    };
    if (auto n = dev_name(real)) add(*n);
    static const std::set<std::string> skip{"pts", "shm", "mqueue", "hugepages", "fd", "char", "cpu", "net"};
    fs::recursive_directory_iterator it(dev_root, fs::directory_options::skip_permission_denied, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
        if (it.depth() == 0 && it->is_directory(ec) && skip.count(it->path().filename().string())) {
            it.disable_recursion_pending();
            continue;
        }
        if (it.depth() > 4) {
            it.disable_recursion_pending();
            continue;
        }
        if (!it->is_symlink(ec)) continue;
        std::error_code ec2;
        fs::path target = fs::canonical(it->path(), ec2);
        if (!ec2 && target == real)
            if (auto n = dev_name(it->path())) add(*n);
    }
    return d;
}

std::string uname_node()
{
    struct utsname u {};
    if (::uname(&u) != 0) return {};
    return u.nodename;
}

// DRBD devices and backing disks of this host from drbdadm dump-xml; nothing to check when
// drbdadm is not installed or has no resources.
std::optional<std::pair<std::vector<DeviceNames>, std::vector<DeviceNames>>> drbd_devices(Context& ctx,
                                                                                          const HostPaths& paths)
{
    if (!find_program("drbdadm", tool_path(ctx.env))) {
        ctx.log.info("drbdadm is not installed: no DRBD device filter to check");
        return std::nullopt;
    }
    CommandSpec c = tool(ctx, {"drbdadm", "dump-xml"}, 30s);
    CommandResult r = ctx.runner.run(c, ctx.deadline);
    if (!r.ok()) {
        ctx.log.warn("cannot read the DRBD configuration, device filter not checked: {}", failure_message(c, r));
        return std::nullopt;
    }
    std::vector<lvm::DrbdVolume> vols;
    try {
        vols = lvm::parse_drbd_dump_xml(r.out);
    } catch (const parse::ParseError& e) {
        fail(ExitCode::ErrGeneric, "cannot read drbdadm dump-xml output: {}", e.what());
    }
    if (vols.empty()) return std::nullopt;
    std::set<std::string> hosts{ctx.cluster.local_node(), uname_node()};
    std::vector<lvm::DrbdVolume> mine;
    for (const auto& v : vols)
        if (hosts.count(v.host) || v.host.empty()) mine.push_back(v);
    if (mine.empty()) {
        ctx.log.warn("no DRBD host section names this node ({}); checking the devices of all hosts",
                     joined(std::vector<std::string>(hosts.begin(), hosts.end())));
        mine = vols;
    }
    std::vector<DeviceNames> devices, disks;
    std::set<std::string> seen_dev, seen_disk;
    for (const auto& v : mine) {
        if (seen_dev.insert(v.device).second) devices.push_back(names_of(paths, v.device));
        if (!v.disk.empty() && seen_disk.insert(v.disk).second) disks.push_back(names_of(paths, v.disk));
    }
    return std::make_pair(devices, disks);
}

// Every dm-multipath map here with its paths, under all their /dev names.
std::vector<MultipathDevices> multipath_devices(const HostPaths& paths)
{
    std::vector<MultipathDevices> out;
    for (const auto& m : multipath_maps(paths.sys)) {
        MultipathDevices d{names_of(paths, "/dev/mapper/" + m.name), {}};
        if (std::find(d.map.names.begin(), d.map.names.end(), "/dev/" + m.dm) == d.map.names.end())
            d.map.names.push_back("/dev/" + m.dm);
        for (const auto& p : m.paths) d.paths.push_back(names_of(paths, "/dev/" + p));
        out.push_back(std::move(d));
    }
    return out;
}

// ---- VG checks ---------------------------------------------------------------------------------

// `hidden`: devices the filter hides from LVM entirely, named when a VG is not visible.
Outcome check_vgs(Context& ctx, Manager m, const std::vector<std::string>& vgs, const std::vector<std::string>& hidden = {})
{
    if (vgs.empty()) return ExitCode::Success;
    std::vector<std::string> argv{"vgs", "--reportformat", "json", "-o"};
    argv.push_back(m == Manager::Lvmlockd ? "vg_name,vg_attr,vg_lock_type,vg_lock_args" : "vg_name,vg_attr");
    argv.insert(argv.end(), vgs.begin(), vgs.end());
    CommandSpec c = tool(ctx, argv, 60s);
    CommandResult r = ctx.runner.run(c, ctx.deadline);
    if (r.status == CommandResult::Status::NotStarted)
        throw Failure(exit_code_for_spawn_errno(r.spawn_errno), failure_message(c, r));
    if (r.status != CommandResult::Status::Exited || r.out.find('{') == std::string::npos)
        fail(ExitCode::ErrGeneric, "{}", failure_message(c, r));
    parse::LvmReport report;
    try {
        report = parse::parse_lvm_report(r.out);
    } catch (const parse::ParseError& e) {
        fail(ExitCode::ErrGeneric, "cannot read vgs output: {}", e.what());
    }
    std::string cluster_name;
    if (auto cn = read_small_file(HostPaths::from_env(ctx.env).sys + "/kernel/config/dlm/cluster/cluster_name", 256)) {
        cluster_name = *cn;
        while (!cluster_name.empty() && cluster_name.back() == '\n') cluster_name.pop_back();
    }
    for (const auto& vg : vgs) {
        const parse::LvmRow* row = nullptr;
        for (const auto& rr : report.rows("vg"))
            if (auto it = rr.find("vg_name"); it != rr.end() && it->second == vg) row = &rr;
        if (!row)
            return {ExitCode::ErrInstalled,
                    fmt::format("parameter 'volgrpname': volume group {} is not visible on this node (DRBD not "
                                "promoted here yet, or a device filter hides its PV){}{}",
                                vg,
                                hidden.empty() ? ""
                                               : fmt::format("; the LVM device filter hides {}", joined(hidden, "; ")),
                                r.err.empty() ? "" : ": " + one_line(r.err, 200))};
        auto field = [&](const char* k) {
            auto it = row->find(k);
            return it == row->end() ? std::string() : it->second;
        };
        std::string attr = field("vg_attr");
        if (m == Manager::Lvmlockd) {
            std::string lt = field("vg_lock_type");
            if (lt.empty() || lt == "none")
                return {ExitCode::ErrConfigured,
                        fmt::format("volume group {} has no lock type: it is a local VG that lvmlockd will not "
                                    "protect; make it shared with 'vgchange --lock-type dlm {}'",
                                    vg, vg)};
            if (lt == "clvm")
                return {ExitCode::ErrConfigured,
                        fmt::format("volume group {} is a clvmd (clustered) VG; convert it for lvmlockd with "
                                    "'vgchange --lock-type none' then '--lock-type dlm'",
                                    vg)};
            if (lt != "dlm")
                return {ExitCode::ErrConfigured,
                        fmt::format("volume group {} uses lock type {}; this agent runs lvmlockd with DLM, so "
                                    "the VG needs lock type dlm",
                                    vg, lt)};
            std::string args = field("vg_lock_args");  // "1.0.0:<cluster>"
            auto colon = args.rfind(':');
            // This node's DLM cluster name is its own configuration: 5, not 6.
            if (!cluster_name.empty() && colon != std::string::npos && args.substr(colon + 1) != cluster_name)
                return {ExitCode::ErrInstalled,
                        fmt::format("volume group {} belongs to DLM cluster '{}' but this node's DLM cluster is "
                                    "'{}'; see lvmlockd(8), changing dlm cluster name",
                                    vg, args.substr(colon + 1), cluster_name)};
        } else if (attr.size() < 6 || attr[5] != 'c') {
            return {ExitCode::ErrConfigured,
                    fmt::format("volume group {} is not clustered (vg_attr {}); clvmd only protects VGs created "
                                "with -cy or changed with 'vgchange -cy {}'",
                                vg, attr, vg)};
        }
    }
    return ExitCode::Success;
}

// ---- lvmlockd ------------------------------------------------------------------------------------

struct LockdAnswer {
    bool answered = false;
    lvm::LockdInfo info;
    std::string problem;
};

LockdAnswer ask_lvmlockd(Context& ctx, milliseconds timeout)
{
    ClientAnswer r = ask_client(ctx.runner, tool(ctx, {"lvmlockctl", "-i"}, timeout), ctx.deadline, "lvmlockd",
                                lvm::lvmlockd_unreachable);
    LockdAnswer a;
    a.problem = r.problem;
    if (!r.answered) return a;
    try {
        a.info = lvm::parse_lvmlockctl_info(r.out);
        a.answered = true;
    } catch (const parse::ParseError& e) {
        a.problem = fmt::format("cannot read lvmlockctl -i output: {}", e.what());
    }
    return a;
}

void require_dlm(const HostPaths& paths, const Files& f, std::string_view who)
{
    if (!find_daemon(paths, f.dlm_pid, "dlm_controld"))
        fail(ExitCode::ErrGeneric,
             "dlm_controld is not running: {} needs DLM; start the controld clone first (order it before this one)",
             who);
}

// Runs a daemon launcher, then polls `ready` until it holds, the daemon dies, or the deadline.
void launch_and_wait(Context& ctx, const HostPaths& paths, std::vector<std::string> argv, const std::string& pidfile,
                     const std::string& comm, const std::function<bool(std::string& problem)>& ready,
                     milliseconds launcher_timeout = 60s)
{
    run_checked(ctx.runner, tool(ctx, std::move(argv), launcher_timeout), ctx.deadline);
    ReadyDaemon up = wait_until_ready(paths, pidfile, comm, ctx.deadline, ready);
    ctx.log.info("{} (pid {}) ready after {}", comm, up.pid, seconds_text(up.after));
}

// Signals a daemon and waits; the caller decided that killing it is safe.
bool terminate(Context& ctx, const RunningDaemon& d, const std::string& comm, int sig, milliseconds bound)
{
    ctx.log.info("stopping {} (pid {}) with signal {}", comm, d.pid, sig);
    if (int e = d.process.signal(sig); e != 0 && e != ESRCH)
        fail(ExitCode::ErrGeneric, "cannot signal {} (pid {}): {}", comm, d.pid, std::strerror(e));
    return d.process.wait_until_gone(ctx.deadline, bound);
}

// The LVs start activated, checked with lvs: the counts monitor compares against.
std::map<std::string, int> verify_activation(Context& ctx, const std::vector<std::string>& vgs)
{
    std::vector<std::string> argv{"lvs", "--reportformat", "json", "-o", "vg_name,lv_name,lv_attr"};
    argv.insert(argv.end(), vgs.begin(), vgs.end());
    CommandResult r = run_checked(ctx.runner, tool(ctx, argv, 60s), ctx.deadline);
    parse::LvmReport report;
    try {
        report = parse::parse_lvm_report(r.out);
    } catch (const parse::ParseError& e) {
        fail(ExitCode::ErrGeneric, "cannot read lvs output: {}", e.what());
    }
    std::map<std::string, int> counts;
    for (const auto& vg : vgs) counts[vg] = 0;
    std::vector<std::string> inactive;
    for (const auto& row : report.rows("lv")) {
        auto vg = row.count("vg_name") ? row.at("vg_name") : "";
        auto lv = row.count("lv_name") ? row.at("lv_name") : "";
        auto attr = row.count("lv_attr") ? row.at("lv_attr") : "";
        if (attr.size() >= 10 && attr[9] == 'k') continue;  // activation skip flag: never activated
        if (parse::lv_attr_active(attr)) ++counts[vg];
        else inactive.push_back(vg + "/" + lv);
    }
    if (!inactive.empty())
        fail(ExitCode::ErrGeneric, "activation left logical volumes inactive: {}", joined(inactive));
    return counts;
}

std::vector<std::string> activation_args(const Context& ctx, Manager m, bool activate)
{
    (void)m;
    if (!activate) return {"vgchange", "-an"};
    return {"vgchange", ctx.params.str("activation_mode") == "exclusive" ? "-aey" : "-asy"};
}

}  // namespace

std::string_view to_string(Manager m) { return m == Manager::Lvmlockd ? "lvmlockd" : "clvmd"; }

const std::vector<std::string>& config_keys() { return kConfigKeys; }

std::optional<ClvmdLaunch> clvmd_launch(milliseconds remaining)
{
    // Kept back for what start does after clvmd: the lockspace check, vgs, the activation.
    const milliseconds after = std::clamp<milliseconds>(remaining / 5, 2s, 10s);
    // clvmd's parent needs a moment after its wait to exit and be reaped.
    const milliseconds exit_slack = 2s;
    ClvmdLaunch l;
    l.tool_timeout = remaining - after;
    l.wait_s = (l.tool_timeout - exit_slack).count() / 1000;
    if (l.wait_s < 1) return std::nullopt;
    return l;
}

std::vector<std::string> config_problems(const lvm::LvmConfig& cfg, Manager m)
{
    // What each lock manager needs of lvm.conf: the setting (LVM's default when unset) must be
    // `value`, or, for a conflict, must not be.
    struct Rule {
        Manager manager;
        const char* key;
        long long unset;
        long long value;
        bool conflict;
        const char* why;
    };
    static const Rule kRules[] = {
        {Manager::Lvmlockd, "global/use_lvmlockd", 0, 1, false, " in lvm.conf"},
        {Manager::Lvmlockd, "global/locking_type", 1, 3, true, " (clvmd) conflicts with lvmlockd; remove it"},
        {Manager::Clvmd, "global/locking_type", 1, 3, false, ""},
        {Manager::Clvmd, "global/fallback_to_local_locking", 1, 0, false,
         " (a node that cannot reach clvmd must not fall back to local locking)"},
        {Manager::Clvmd, "global/use_lvmetad", 0, 0, false, " (lvmetad caches metadata that other nodes change)"},
        {Manager::Clvmd, "devices/write_cache_state", 1, 0, false, " (a cached device list goes stale on shared storage)"},
        {Manager::Clvmd, "global/use_lvmlockd", 0, 1, true, " conflicts with clvmd; set it to 0"},
    };
    std::vector<std::string> out;
    for (const Rule& r : kRules) {
        if (r.manager != m) continue;
        const auto set = number(cfg, r.key);
        if ((set.value_or(r.unset) == r.value) != r.conflict) continue;
        if (r.conflict) {
            out.push_back(fmt::format("LVM configuration: {}={}{}", r.key, r.value, r.why));
        } else {
            std::string_view name = r.key;
            name.remove_prefix(name.find('/') + 1);
            out.push_back(fmt::format("LVM configuration: {} is {}, {} needs {}={}{}", r.key,
                                      set ? std::to_string(*set) : "unset", to_string(m), name, r.value, r.why));
        }
    }
    return out;
}

namespace {

struct Filter {
    std::string key;
    std::vector<lvm::FilterRule> rules;
};

// devices/global_filter, then devices/filter: LVM uses a device only when both accept it.
std::vector<Filter> read_filters(const lvm::LvmConfig& cfg)
{
    std::vector<Filter> filters;
    for (const char* key : {"devices/global_filter", "devices/filter"}) {
        Filter f{key, {}};
        if (auto it = cfg.find(key); it != cfg.end()) {
            try {
                f.rules = lvm::parse_filter(it->second.strings());
            } catch (const parse::ParseError& e) {
                fail(ExitCode::ErrInstalled, "LVM configuration: {} pattern {}: {}", key, e.line, e.what());
            }
        }
        filters.push_back(std::move(f));
    }
    return filters;
}

}  // namespace

std::vector<std::string> filter_problems(const lvm::LvmConfig& cfg, const std::vector<DeviceNames>& drbd_devices,
                                         const std::vector<DeviceNames>& backing_disks)
{
    const std::vector<Filter> filters = read_filters(cfg);
    std::vector<std::string> out;
    for (const auto& d : drbd_devices) {
        for (const auto& f : filters) {
            auto v = lvm::filter_device(f.rules, d.names);
            if (!v.accepted)
                out.push_back(fmt::format("LVM configuration: {} rejects the DRBD device {}, but LVM must see "
                                          "its PVs through DRBD ({})",
                                          f.key, d.configured, v.decided_by));
        }
    }
    for (const auto& d : backing_disks) {
        bool rejected = false;
        std::vector<std::string> why;
        for (const auto& f : filters) {
            auto v = lvm::filter_device(f.rules, d.names);
            if (!v.accepted) rejected = true;
            else why.push_back(f.key + (v.decided_by.empty() ? " matches no name" : " accepts: " + v.decided_by));
        }
        if (!rejected)
            out.push_back(fmt::format("LVM configuration: neither devices/global_filter nor devices/filter rejects "
                                      "DRBD's backing disk {}, so LVM sees the same PV twice; add a reject pattern "
                                      "such as \"r|{}|\" (names {}; {})",
                                      d.configured, d.configured, joined(d.names, " "), joined(why, "; ")));
    }
    return out;
}

MultipathFindings multipath_filter_problems(const lvm::LvmConfig& cfg, const std::vector<MultipathDevices>& maps)
{
    const std::vector<Filter> filters = read_filters(cfg);
    MultipathFindings out;
    for (const auto& m : maps) {
        std::string map_rejected;  // which filter hides the map itself, and how
        for (const auto& f : filters) {
            auto v = lvm::filter_device(f.rules, m.map.names);
            if (!v.accepted && map_rejected.empty()) map_rejected = f.key + ": " + v.decided_by;
        }
        std::vector<std::string> seen, why, patterns;
        for (const auto& p : m.paths) {
            bool rejected = false;
            std::vector<std::string> accepted_by;
            for (const auto& f : filters) {
                auto v = lvm::filter_device(f.rules, p.names);
                if (!v.accepted) rejected = true;
                else accepted_by.push_back(f.key + (v.decided_by.empty() ? " matches no name" : " accepts " + v.decided_by));
            }
            if (rejected) continue;
            seen.push_back(p.configured);
            why.push_back(fmt::format("{}: {}", p.configured, joined(accepted_by, ", ")));
            std::string kernel = p.configured.substr(p.configured.rfind('/') + 1);
            patterns.push_back(fmt::format("\"r|^/dev/{}$|\"", kernel));
        }
        if (!seen.empty()) {
            out.problems.push_back(fmt::format(
                "LVM configuration: neither devices/global_filter nor devices/filter rejects {}, path device(s) of "
                "multipath device {}; LVM may open the PV through one path, without failover, or see it more than "
                "once; add reject patterns before any that accepts them, such as {} ({}{})",
                joined(seen), m.map.configured, joined(patterns, ", "),
                map_rejected.empty() ? "" : fmt::format("the map itself is rejected, {}; ", map_rejected),
                joined(why, "; ")));
        } else if (!map_rejected.empty()) {
            out.hidden.push_back(fmt::format("multipath device {} ({})", m.map.configured, map_rejected));
        }
    }
    return out;
}

Outcome assess_lockd(const lvm::LockdInfo& info, const std::vector<std::string>& vgs, bool activation,
                     const std::map<std::string, int>& expected)
{
    for (const auto& vg : vgs) {
        const lvm::LockspaceInfo* ls = info.vg(vg);
        if (!ls)
            return {ExitCode::ErrGeneric,
                    fmt::format("the lockspace of volume group {} is not started in lvmlockd (no lvm_{})", vg, vg)};
        if (!activation) continue;
        int held = ls->lv_locks_held();
        auto want = expected.find(vg);
        if (want != expected.end() && want->second == 0) continue;  // nothing to activate there
        if (held == 0)
            return {ExitCode::ErrGeneric,
                    fmt::format("volume group {} has no active logical volume (no LV lock held in lvmlockd){}", vg,
                                want == expected.end() ? "" : fmt::format("; start activated {}", want->second))};
    }
    return ExitCode::Success;
}

namespace {

// lvmlockd's default adopt file (lvm2's DEFAULT_RUN_DIR): it writes it while running with -A 1.
std::string adopt_file_of(const HostPaths& paths) { return paths.run + "/lvm/lvmlockd.adopt"; }

// lvmlockd died (killed, crashed) while LVs it locked stay active: their DLM locks are orphaned
// but still held, so the other nodes stay safe and the LVs keep working. A new lvmlockd with -A 1
// adopts those locks from its adopt file; a stop and start instead would first tear down
// everything above the VG on this node (file systems, guests), and on-fail=fence would fence it.
Outcome readopt_lockd(Context& ctx, const HostPaths& paths, const Files& f, const std::vector<std::string>& vgs,
                      bool activation, const std::vector<ActiveLv>& active, const std::string& lost)
{
    const std::string adopt_file = adopt_file_of(paths);
    if (std::error_code ec; !fs::exists(adopt_file, ec))
        return {ExitCode::ErrGeneric,
                fmt::format("{}; not restarting lvmlockd: no {} to adopt its locks from", lost, adopt_file)};
    if (!find_daemon(paths, f.dlm_pid, "dlm_controld"))
        return {ExitCode::ErrGeneric, fmt::format("{}; not restarting lvmlockd: dlm_controld is not running", lost)};
    ctx.log.warn("{}; restarting lvmlockd to adopt its lockspaces and locks from {}", lost, adopt_file);
    std::vector<std::string> argv{"lvmlockd", "-p", f.lvmlockd_pid, "-g", "dlm", "-A", "1"};
    auto options = ctx.params.list("daemon_options", kListSeparators);
    argv.insert(argv.end(), options.begin(), options.end());
    try {
        launch_and_wait(ctx, paths, argv, f.lvmlockd_pid, "lvmlockd", [&](std::string& problem) {
            LockdAnswer a = ask_lvmlockd(ctx, std::min<milliseconds>(5s, ctx.deadline.remaining()));
            problem = a.problem;
            return a.answered;
        });
    } catch (const Failure& e) {
        return {ExitCode::ErrGeneric, fmt::format("{}; restarting lvmlockd failed: {}", lost, e.reason)};
    }
    LockdAnswer a = ask_lvmlockd(ctx, std::min<milliseconds>(10s, ctx.deadline.remaining()));
    if (!a.answered)
        return {ExitCode::ErrGeneric, fmt::format("{}; the restarted lvmlockd does not answer: {}", lost, a.problem)};
    // Every VG with active LVs must be back with its LV locks, else nothing was adopted.
    std::vector<std::string> adopted;
    for (const auto& [vg, n] : count_by_vg(active)) {
        const lvm::LockspaceInfo* ls = a.info.vg(vg);
        if (!ls || ls->lv_locks_held() < n)
            return {ExitCode::ErrGeneric,
                    fmt::format("{}; lvmlockd restarted with -A 1 but did not adopt {}: {}", lost, vg,
                                ls ? fmt::format("{} of {} LV locks held", ls->lv_locks_held(), n)
                                   : fmt::format("lockspace lvm_{} not started", vg))};
        adopted.push_back(fmt::format("{} ({} LV locks)", vg, ls->lv_locks_held()));
    }
    if (Outcome o = assess_lockd(a.info, vgs, activation, read_state(f.state)); !o.ok()) return o;
    ctx.log.warn("lvmlockd restarted; adopted {}", joined(adopted));
    return {ExitCode::Success, fmt::format("lvmlockd was gone and is restarted; adopted {}", joined(adopted))};
}

}  // namespace

const AgentSpec& ClvmAgent::spec() const { return kSpec; }

const lvm::LvmConfig& ClvmAgent::config(Context& ctx)
{
    if (!config_) config_ = read_config(ctx);
    return *config_;
}

Outcome ClvmAgent::validate(Context& ctx, ValidatePurpose purpose)
{
    const HostPaths paths = HostPaths::from_env(ctx.env);
    const Files f = files_of(ctx, paths);
    const std::string path = tool_path(ctx.env);
    auto need = [&](std::initializer_list<const char*> programs, std::string_view package) -> Outcome {
        for (const char* p : programs)
            if (!find_program(p, path))
                return {ExitCode::ErrInstalled, fmt::format("{} is not installed (package {})", p, package)};
        return ExitCode::Success;
    };
    if (ctx.env.meta_bool("globally_unique"))
        return {ExitCode::ErrConfigured, "clvm must be an anonymous clone: set globally-unique=false"};

    if (purpose == ValidatePurpose::Monitor) {
        auto m = cheap_manager(ctx, paths, f);
        if (!m) {
            Installed in = installed(ctx);
            if (!in.lvmlockd && !in.clvmd)
                return {ExitCode::ErrInstalled, "neither lvmlockd (package lvm2-lockd) nor clvmd is installed"};
            return ExitCode::Success;
        }
        if (*m == Manager::Lvmlockd) return need({"lvmlockd", "lvmlockctl"}, "lvm2-lockd");
        return need({"clvmd"}, "clvm");
    }

    const lvm::LvmConfig& cfg = config(ctx);
    Manager m = full_manager(ctx, cfg);
    ctx.log.debug("lock manager: {}", to_string(m));
    if (m == Manager::Lvmlockd) {
        if (Outcome o = need({"lvmlockd", "lvmlockctl"}, "lvm2-lockd"); !o.ok()) return o;
        // Wrong everywhere only when lock_manager names lvmlockd; auto chose it from this node.
        if (ctx.params.boolean("with_cmirrord"))
            return {configured_manager(ctx) ? ExitCode::ErrConfigured : ExitCode::ErrInstalled,
                    "parameter 'with_cmirrord': cmirrord belongs to clvmd, not lvmlockd (use raid1 LVs with "
                    "lvmlockd)"};
    } else {
        if (Outcome o = need({"clvmd"}, "clvm"); !o.ok()) return o;
        if (ctx.params.boolean("with_cmirrord"))
            if (Outcome o = need({"cmirrord"}, "cmirror"); !o.ok()) return o;
    }
    if (Outcome o = need({"vgchange", "vgs", "lvs"}, "lvm2"); !o.ok()) return o;

    auto problems = config_problems(cfg, m);
    std::vector<std::string> hidden;
    if (ctx.params.boolean("check_device_filter")) {
        if (auto drbd = drbd_devices(ctx, paths)) {
            auto fp = filter_problems(cfg, drbd->first, drbd->second);
            problems.insert(problems.end(), fp.begin(), fp.end());
        }
        auto mp = multipath_filter_problems(cfg, multipath_devices(paths));
        problems.insert(problems.end(), mp.problems.begin(), mp.problems.end());
        hidden = std::move(mp.hidden);
    }
    if (auto it = cfg.find("devices/use_devicesfile"); it != cfg.end() && it->second.number().value_or(0) == 1)
        ctx.log.warn("devices/use_devicesfile=1: the LVM devices file also decides which devices LVM uses; make "
                     "sure it lists the DRBD and multipath devices, not their backing disks or paths");
    for (std::size_t i = 1; i < problems.size(); ++i) ctx.log.error("{}", problems[i]);
    // lvm.conf and the DRBD devices as this node has them: another node may be right (5, not 6).
    if (!problems.empty()) return {ExitCode::ErrInstalled, problems.front()};

    // clvmd-era LVM cannot read clustered VGs without clvmd: check them once it runs (start).
    if (m == Manager::Lvmlockd || find_daemon(paths, f.clvmd_pid, "clvmd"))
        return check_vgs(ctx, m, ctx.params.list("volgrpname", kListSeparators), hidden);
    return ExitCode::Success;
}

Outcome ClvmAgent::start(Context& ctx)
{
    const HostPaths paths = HostPaths::from_env(ctx.env);
    const Files f = files_of(ctx, paths);
    const std::vector<std::string> vgs = ctx.params.list("volgrpname", kListSeparators);
    const lvm::LvmConfig& cfg = config(ctx);
    const Manager m = full_manager(ctx, cfg);
    std::vector<std::string> options = ctx.params.list("daemon_options", kListSeparators);

    if (m == Manager::Lvmlockd) {
        if (find_daemon(paths, f.clvmd_pid, "clvmd"))
            return {ExitCode::ErrGeneric, "clvmd is running: lvmlockd and clvmd must not run together"};
        LockdAnswer fresh;
        if (!find_daemon(paths, f.lvmlockd_pid, "lvmlockd")) {
            require_dlm(paths, f, "lvmlockd");
            std::vector<std::string> argv{"lvmlockd", "-p", f.lvmlockd_pid, "-g", "dlm", "-A",
                                          ctx.params.boolean("adopt") ? "1" : "0"};
            argv.insert(argv.end(), options.begin(), options.end());
            launch_and_wait(ctx, paths, argv, f.lvmlockd_pid, "lvmlockd", [&](std::string& problem) {
                fresh = ask_lvmlockd(ctx, std::min<milliseconds>(5s, ctx.deadline.remaining()));
                problem = fresh.problem;
                return fresh.answered;
            });
        }
        if (!vgs.empty()) {
            // The daemon just launched has answered already: which lockspaces it has is that answer.
            LockdAnswer a = fresh.answered ? std::move(fresh) : ask_lvmlockd(ctx, 10s);
            if (!a.answered) fail(ExitCode::ErrGeneric, "lvmlockd does not answer: {}", a.problem);
            std::vector<std::string> to_start;
            for (const auto& vg : vgs)
                if (!a.info.vg(vg)) to_start.push_back(vg);
            if (!to_start.empty()) {
                require_dlm(paths, f, "starting VG lockspaces");
                std::vector<std::string> argv{"vgchange", "--lock-start"};
                argv.insert(argv.end(), to_start.begin(), to_start.end());
                run_checked(ctx.runner, tool(ctx, argv, 120s), ctx.deadline);
            }
            // --lock-start waits for the join; confirm with lvmlockd itself.
            milliseconds pause = 100ms;
            for (;;) {
                LockdAnswer b = ask_lvmlockd(ctx, 10s);
                std::vector<std::string> missing;
                for (const auto& vg : vgs)
                    if (!b.answered || !b.info.vg(vg)) missing.push_back(vg);
                if (missing.empty()) break;
                if (ctx.deadline.remaining() <= pause)
                    fail(ExitCode::ErrGeneric, "lockspaces of {} did not start: {}", joined(missing),
                         b.answered ? "not listed by lvmlockctl -i" : b.problem);
                sleep_within(ctx.deadline, pause);
                pause = std::min<milliseconds>(pause * 2, 1s);
            }
        }
    } else {
        if (find_daemon(paths, f.lvmlockd_pid, "lvmlockd"))
            return {ExitCode::ErrGeneric, "lvmlockd is running: clvmd and lvmlockd must not run together"};
        if (ctx.params.boolean("with_cmirrord") && !find_daemon(paths, f.cmirrord_pid, "cmirrord")) {
            launch_and_wait(ctx, paths, {"cmirrord"}, f.cmirrord_pid, "cmirrord", [](std::string&) { return true; });
        }
        if (!find_daemon(paths, f.clvmd_pid, "clvmd")) {
            require_dlm(paths, f, "clvmd");
            // clvmd -T waits itself until the daemon is up (exit 5: not within that time).
            auto launch = clvmd_launch(ctx.deadline.remaining());
            if (!launch)
                fail(ExitCode::ErrGeneric, "only {} left before the deadline: too little to start clvmd",
                     seconds_text(ctx.deadline.remaining()));
            std::vector<std::string> argv{"clvmd", fmt::format("-T{}", launch->wait_s)};
            argv.insert(argv.end(), options.begin(), options.end());
            const std::string ls = paths.sys + "/kernel/dlm/clvmd";
            launch_and_wait(
                ctx, paths, argv, f.clvmd_pid, "clvmd",
                [&](std::string& problem) {
                    struct stat st {};
                    if (::stat(ls.c_str(), &st) == 0) return true;
                    problem = "its DLM lockspace 'clvmd' does not exist yet";
                    return false;
                },
                launch->tool_timeout);
        }
        if (Outcome o = check_vgs(ctx, m, vgs); !o.ok()) return o;
    }

    if (ctx.params.boolean("activate_vgs") && !vgs.empty()) {
        std::vector<std::string> argv = activation_args(ctx, m, true);
        argv.insert(argv.end(), vgs.begin(), vgs.end());
        run_checked(ctx.runner, tool(ctx, argv, 120s), ctx.deadline);
        write_state(ctx, f.state, verify_activation(ctx, vgs));
    }
    return ExitCode::Success;
}

Outcome ClvmAgent::monitor(Context& ctx)
{
    const HostPaths paths = HostPaths::from_env(ctx.env);
    const Files f = files_of(ctx, paths);
    const std::vector<std::string> vgs = ctx.params.list("volgrpname", kListSeparators);
    const bool activation = ctx.params.boolean("activate_vgs");
    auto m = cheap_manager(ctx, paths, f);
    const std::string daemon = m ? std::string(to_string(*m)) : "lvmlockd/clvmd";
    std::optional<DaemonPid> pid;
    if (m) pid = find_daemon(paths, *m == Manager::Lvmlockd ? f.lvmlockd_pid : f.clvmd_pid, std::string(to_string(*m)));
    if (!pid) {
        if (!vgs.empty()) {
            auto active = active_lvs(paths, vgs);
            if (!active.empty()) {
                // Only lvmlockd leaves an adopt file: it tells the manager when both are installed.
                std::error_code ec;
                bool lockd = m == Manager::Lvmlockd || (!m && fs::exists(adopt_file_of(paths), ec));
                std::string lost = fmt::format("{} is not running but logical volumes are active without its locks: {}",
                                               lockd ? "lvmlockd" : daemon, describe_active(active, paths));
                // A probe only reports; a recurring monitor repairs what it can (see readopt_lockd).
                if (lockd && !ctx.probe && ctx.params.boolean("adopt"))
                    return readopt_lockd(ctx, paths, f, vgs, activation, active, lost);
                return {ExitCode::ErrGeneric, lost};
            }
        }
        return ExitCode::NotRunning;
    }
    const auto expected = read_state(f.state);
    if (*m == Manager::Lvmlockd) {
        LockdAnswer a = ask_lvmlockd(ctx, std::min<milliseconds>(10s, ctx.deadline.remaining()));
        if (!a.answered)
            return {ExitCode::ErrGeneric, fmt::format("lvmlockd (pid {}) runs but does not answer: {}", pid->pid, a.problem)};
        return assess_lockd(a.info, vgs, activation, expected);
    }
    // clvmd: everything from /proc and sysfs.
    if (ctx.params.boolean("with_cmirrord") && !find_daemon(paths, f.cmirrord_pid, "cmirrord"))
        return {ExitCode::ErrGeneric, "cmirrord is not running (with_cmirrord=true)"};
    if (std::error_code ec; !fs::exists(paths.sys + "/kernel/dlm/clvmd", ec))
        return {ExitCode::ErrGeneric, fmt::format("clvmd (pid {}) runs but its DLM lockspace 'clvmd' is gone", pid->pid)};
    if (activation && !vgs.empty()) {
        auto counts = count_by_vg(active_lvs(paths, vgs));
        for (const auto& vg : vgs) {
            auto want = expected.find(vg);
            if (want != expected.end() && want->second == 0) continue;
            if (counts[vg] == 0)
                return {ExitCode::ErrGeneric, fmt::format("volume group {} has no active logical volume", vg)};
        }
    }
    return ExitCode::Success;
}

Outcome ClvmAgent::stop(Context& ctx)
{
    const HostPaths paths = HostPaths::from_env(ctx.env);
    const Files f = files_of(ctx, paths);
    // Stop must work with broken parameters: take what can be read.
    const std::vector<std::string> vgs = ctx.params.list("volgrpname", kListSeparators);
    std::optional<Manager> m = cheap_manager(ctx, paths, f);
    if (!m) {
        try {
            m = full_manager(ctx, config(ctx));
        } catch (const Failure& e) {
            ctx.log.warn("cannot tell the lock manager ({}); assuming lvmlockd", e.reason);
            m = Manager::Lvmlockd;
        }
    }
    const std::string comm(to_string(*m));
    auto pid = find_running_daemon(paths, *m == Manager::Lvmlockd ? f.lvmlockd_pid : f.clvmd_pid, comm);

    // 1. No LV of ours stays active, with or without the daemon.
    if (!vgs.empty()) {
        auto active = active_lvs(paths, vgs);
        if (!active.empty()) {
            std::vector<std::string> argv;
            if (pid) {
                argv = {"vgchange", *m == Manager::Clvmd ? "-aln" : "-an"};
            } else if (*m == Manager::Lvmlockd) {
                ctx.log.warn("lvmlockd is gone with LVs active; deactivating without locks");
                argv = {"vgchange", "-an", "--nolocking"};
            } else {
                ctx.log.warn("clvmd is gone with LVs active; deactivating without cluster locking");
                argv = {"vgchange", "-an", "--config", "global { locking_type = 0 }"};
            }
            std::vector<std::string> ours;
            for (const auto& vg : vgs)
                for (const auto& a : active)
                    if (a.vg == vg && std::find(ours.begin(), ours.end(), vg) == ours.end()) ours.push_back(vg);
            argv.insert(argv.end(), ours.begin(), ours.end());
            CommandSpec c = tool(ctx, argv, 120s);
            CommandResult r = ctx.runner.run(c, ctx.deadline);
            auto still = active_lvs(paths, vgs);
            if (!still.empty())
                return {ExitCode::ErrGeneric,
                        fmt::format("cannot deactivate {}: {}", describe_active(still, paths),
                                    r.ok() ? "still active after vgchange" : failure_message(c, r))};
            if (!r.ok()) ctx.log.warn("{} (the LVs are inactive now)", failure_message(c, r));
        }
    }

    if (*m == Manager::Lvmlockd && pid) {
        // 2. Lockspaces: ours first, then whatever idle ones remain; never with LVs still locked.
        LockdAnswer a = ask_lvmlockd(ctx, std::min<milliseconds>(10s, ctx.deadline.remaining()));
        if (a.answered) {
            std::vector<std::string> ours;
            for (const auto& vg : vgs)
                if (a.info.vg(vg)) ours.push_back(vg);
            if (!ours.empty()) {
                std::vector<std::string> argv{"vgchange", "--lock-stop"};
                argv.insert(argv.end(), ours.begin(), ours.end());
                run_checked(ctx.runner, tool(ctx, argv, 60s), ctx.deadline);
            }
            a = ask_lvmlockd(ctx, std::min<milliseconds>(10s, ctx.deadline.remaining()));
        }
        if (!a.answered)
            return {ExitCode::ErrGeneric,
                    fmt::format("lvmlockd (pid {}) does not answer ({}); not stopping it blind: LVs it protects may "
                                "be active",
                                pid->pid, a.problem)};
        std::vector<std::string> locked;
        for (const auto& ls : a.info.lockspaces)
            if (ls.lv_locks_held() > 0) locked.push_back(fmt::format("{} ({} LV locks)", ls.vg_name, ls.lv_locks_held()));
        if (!locked.empty())
            return {ExitCode::ErrGeneric,
                    fmt::format("not stopping lvmlockd: logical volumes are still active in {}; deactivate them "
                                "(their resources) first",
                                joined(locked))};
        if (!a.info.lockspaces.empty()) {
            run_checked(ctx.runner, tool(ctx, {"lvmlockctl", "--stop-lockspaces"}, 60s), ctx.deadline);
            LockdAnswer b = ask_lvmlockd(ctx, std::min<milliseconds>(10s, ctx.deadline.remaining()));
            if (b.answered && !b.info.lockspaces.empty()) {
                std::vector<std::string> names;
                for (const auto& ls : b.info.lockspaces) names.push_back(ls.ls_name);
                return {ExitCode::ErrGeneric,
                        fmt::format("lockspaces still started after lvmlockctl --stop-lockspaces: {}", joined(names))};
            }
        }
        // 3. The daemon: nothing depends on it any more.
        const milliseconds reserve = std::min<milliseconds>(3s, ctx.deadline.remaining() / 4);
        if (!terminate(ctx, *pid, comm, SIGTERM, ctx.deadline.remaining() - reserve)) {
            ctx.log.warn("lvmlockd (pid {}) ignored SIGTERM without lockspaces; sending SIGKILL", pid->pid);
            if (!terminate(ctx, *pid, comm, SIGKILL, 2s))
                return {ExitCode::ErrGeneric, fmt::format("lvmlockd (pid {}) survives SIGKILL", pid->pid)};
        }
    } else if (*m == Manager::Clvmd && pid) {
        const milliseconds reserve = std::min<milliseconds>(3s, ctx.deadline.remaining() / 4);
        if (!terminate(ctx, *pid, comm, SIGTERM, ctx.deadline.remaining() - reserve)) {
            if (auto active = active_lvs(paths, vgs); !active.empty())
                return {ExitCode::ErrGeneric,
                        fmt::format("clvmd (pid {}) did not exit and LVs are active: {}", pid->pid,
                                    describe_active(active, paths))};
            if (!terminate(ctx, *pid, comm, SIGKILL, 2s))
                return {ExitCode::ErrGeneric, fmt::format("clvmd (pid {}) survives SIGKILL", pid->pid)};
        }
    }
    if (auto cm = find_running_daemon(paths, f.cmirrord_pid, "cmirrord"); cm && *m == Manager::Clvmd) {
        if (!terminate(ctx, *cm, "cmirrord", SIGINT, std::min<milliseconds>(10s, ctx.deadline.remaining())))
            terminate(ctx, *cm, "cmirrord", SIGKILL, 2s);
    }
    std::error_code ec;
    fs::remove(f.state, ec);
    return ExitCode::Success;
}

}  // namespace ocfkit::clvm
