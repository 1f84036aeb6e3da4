// virtdomain: start/monitor/stop/migrate a libvirt domain with one bounded connection per operation.
#include "virtdomain_agent.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "atomic_file.h"
#include "bounded_hypervisor.h"
#include "domain_xml.h"
#include "libvirt_uri.h"
#include "migration.h"
#include "ocfkit/bounded_io.h"
#include "ocfkit/parse/json.h"
#include "ocfkit/parse/mountinfo.h"
#include "remembered.h"
#include "save_state.h"

namespace ocfkit::virtdomain {

namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::seconds;

const char* const kSharedFsDefault =
    "gfs2 ocfs2 nfs nfs4 cifs smb3 glusterfs fuse.glusterfs ceph fuse.ceph fuse.cephfs lustre gpfs beegfs";

// ---- parameter checks (syntax only) ----

std::optional<unsigned> parse_shutdown_modes(std::string_view text, std::string* error)
{
    unsigned modes = 0;
    std::string word;
    auto flush = [&]() -> bool {
        if (word.empty()) return true;
        if (word == "acpi") modes |= shutdown_mode::Acpi;
        else if (word == "agent") modes |= shutdown_mode::Agent;
        else if (word == "initctl") modes |= shutdown_mode::Initctl;
        else if (word == "signal") modes |= shutdown_mode::Signal;
        else if (word == "paravirt") modes |= shutdown_mode::Paravirt;
        else {
            if (error) *error = fmt::format("unknown shutdown mode '{}' (use acpi, agent, initctl, signal, paravirt, comma separated)", word);
            return false;
        }
        word.clear();
        return true;
    };
    for (char c : text) {
        if (c == ',' || c == ' ') {
            if (!flush()) return std::nullopt;
        } else {
            word += c;
        }
    }
    if (!flush()) return std::nullopt;
    return modes;
}

ParamCheck uri_check()
{
    return [](std::string_view v) -> std::optional<std::string> {
        UriResult r = parse_libvirt_uri(v);
        if (!r.uri) return r.error;
        return std::nullopt;
    };
}

ParamCheck remote_uri_check()
{
    return [](std::string_view v) -> std::optional<std::string> {
        UriResult r = parse_libvirt_uri(substitute_node(v, "node"));
        if (!r.uri) return r.error;
        return std::nullopt;
    };
}

ParamCheck domain_name_check()
{
    return [](std::string_view v) { return domain_name_problem(v); };
}

ParamCheck shutdown_mode_check()
{
    return [](std::string_view v) -> std::optional<std::string> {
        std::string e;
        if (!parse_shutdown_modes(v, &e)) return e;
        return std::nullopt;
    };
}

ParamCheck transport_check()
{
    return [](std::string_view v) -> std::optional<std::string> {
        if (v.empty() || known_transport(v)) return std::nullopt;
        return fmt::format("unknown transport '{}' (use ssh, tcp, tls, libssh2, libssh)", v);
    };
}

ParamCheck user_check()
{
    return [](std::string_view v) -> std::optional<std::string> {
        if (v.empty()) return std::nullopt;
        bool ok = std::islower(static_cast<unsigned char>(v.front())) || v.front() == '_';
        for (char c : v)
            ok = ok && (std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
                        c == '_' || c == '-' || c == '.');
        if (!ok) return fmt::format("'{}' is not a user name", v);
        return std::nullopt;
    };
}

ParamCheck no_space_check()
{
    return [](std::string_view v) -> std::optional<std::string> {
        for (char c : v)
            if (std::isspace(static_cast<unsigned char>(c)) || std::iscntrl(static_cast<unsigned char>(c)))
                return fmt::format("'{}' contains whitespace or control characters", v);
        return std::nullopt;
    };
}

// Space-separated absolute paths (no quoting: like VirtualDomain's lists, a path cannot contain spaces).
ParamCheck path_list_check()
{
    return [](std::string_view v) -> std::optional<std::string> {
        std::istringstream in{std::string(v)};
        for (std::string word; in >> word;) {
            if (word.front() != '/') return fmt::format("'{}' is not an absolute path", word);
            for (char c : word)
                if (std::iscntrl(static_cast<unsigned char>(c)))
                    return fmt::format("'{}' contains control characters", word);
        }
        return std::nullopt;
    };
}

ParamCheck migrate_options_check()
{
    return [](std::string_view v) { return migrate_options_problem(v); };
}

ParamCheck fs_types_check()
{
    return [](std::string_view v) -> std::optional<std::string> {
        for (char c : v)
            if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == ' '))
                return fmt::format("'{}' is not a space-separated list of file system types", v);
        return std::nullopt;
    };
}

const AgentSpec kSpec{
    .name = "virtdomain",
    .version = "1.0",
    .shortdesc = "A libvirt domain (KVM/QEMU guest), with live migration and hibernation to shared storage",
    .longdesc =
        "Manages one virtual machine through the libvirt C API: no virsh processes, one connection per operation "
        "with keepalive, and every libvirt call bounded in time, so a stopped or hung libvirtd gives a prompt "
        "error naming the call instead of a wait until the cluster's timeout. start defines the domain from "
        "'config' (transient unless 'persistent'), restores it from '<save_dir>/<name>.state' when such a saved "
        "state exists (the RAM is resumed: open sessions survive), else boots it, and waits until it runs. stop "
        "shuts the guest down gracefully (shutdown_mode, shutdown_timeout), or hibernates it into save_dir "
        "(save_on_stop), then destroys it if needed, and reports success only once the guest is gone; it finds "
        "the guest even when the config file has become unreadable (the name and UUID are remembered from start, "
        "or given as 'domain'). migrate_to/migrate_from move the guest live to OCF_RESKEY_CRM_meta_migrate_target; "
        "a failed migration leaves it running on the source. monitor is one state query and runs no programs.",
    .params =
        {
            {.name = "config",
             .shortdesc = "Domain XML file",
             .longdesc = "Absolute path of the libvirt domain XML, normally on shared storage so every node reads the "
                         "same definition.",
             .required = true,
             .unique_group = "config",
             .check = check::absolute_path()},
            {.name = "hypervisor",
             .shortdesc = "Hypervisor URI",
             .longdesc = "libvirt connection URI of the local hypervisor.",
             .default_value = "qemu:///system",
             .check = uri_check()},
            {.name = "domain",
             .shortdesc = "Domain name",
             .longdesc = "The domain's name. Optional: by default the name comes from the config file. When given it must "
                         "match the file, and stop and monitor use it when the file cannot be read.",
             .check = domain_name_check()},
            {.name = "persistent",
             .type = ParamType::Boolean,
             .shortdesc = "Define the domain persistently",
             .longdesc = "true: start defines the domain (virDomainDefineXML) and then starts it, and the definition stays "
                         "after stop. false: the domain is created transient (virDomainCreateXML) and an inactive "
                         "definition with the same name and UUID is removed first.",
             .default_value = "false"},
            {.name = "backingfile",
             .shortdesc = "Backing file of a copy-on-write guest",
             .longdesc = "Absolute path of a disk image used read-only as the backing file of the guest's disk. start "
                         "creates '<config without its extension>.qcow2' (e.g. /vm/vm1.xml gives /vm/vm1.qcow2) as a "
                         "qcow2 overlay of it when that file is missing or empty, or on every start with 'stateless'; the "
                         "config must use that overlay as a file disk. The backing file itself is never written.",
             .check = check::absolute_path()},
            {.name = "stateless",
             .type = ParamType::Boolean,
             .shortdesc = "Fresh overlay on every start",
             .longdesc = "With backingfile: every start (except a resume from save_dir) replaces the overlay with a new, "
                         "empty one, so the guest boots from the unchanged backing file each time.",
             .default_value = "false"},
            {.name = "copyindirs",
             .shortdesc = "Directories copied into a fresh overlay",
             .longdesc = "Space-separated absolute paths of directories that start copies into the root of the guest's "
                         "file system (virt-copy-in from libguestfs) whenever it has just created the overlay. Needs "
                         "backingfile.",
             .check = path_list_check()},
            {.name = "start_resources",
             .type = ParamType::Boolean,
             .shortdesc = "Start the guest's storage pools and networks",
             .longdesc = "Before start (and before a live migration, on the target) start the libvirt storage pools of "
                         "the guest's volume disks and the virtual networks of its interfaces when they are inactive; "
                         "active pools are refreshed. A pool or network not defined on the host fails the operation.",
             .default_value = "false"},
            {.name = "force_stop",
             .type = ParamType::Boolean,
             .shortdesc = "Always destroy on stop",
             .longdesc = "Skip the graceful shutdown and destroy the domain right away.",
             .default_value = "false"},
            {.name = "shutdown_mode",
             .shortdesc = "Graceful shutdown method",
             .longdesc = "Comma-separated methods for the graceful shutdown request: acpi, agent, initctl, signal, "
                         "paravirt. Empty: the hypervisor's choice.",
             .default_value = "",
             .check = shutdown_mode_check()},
            {.name = "shutdown_timeout",
             .type = ParamType::Integer,
             .shortdesc = "Seconds to wait for a graceful shutdown",
             .longdesc = "How long stop waits for the guest to power off after the shutdown request before it destroys "
                         "the domain. 0 destroys right away. Default: the stop timeout minus the time kept back for the "
                         "destroy (a quarter, 5 to 20 s).",
             .check = check::integer_range(0, 86400)},
            {.name = "save_dir",
             .shortdesc = "Directory for saved RAM state",
             .longdesc = "Directory, on shared storage, for '<name>.state' files. When start finds one for this domain "
                         "it restores the guest from it (and removes it) instead of booting.",
             .check = check::absolute_path()},
            {.name = "snapshot",
             .shortdesc = "Saved-state directory (VirtualDomain's name)",
             .longdesc = "Deprecated name of save_dir, as ocf:heartbeat:VirtualDomain calls it; like there, it also "
                         "turns on save_on_stop unless that is set.",
             .replaced_by = "save_dir"},
            {.name = "save_on_stop",
             .type = ParamType::Boolean,
             .shortdesc = "Hibernate on stop",
             .longdesc = "Save the guest's RAM into save_dir on stop instead of shutting it down; the next start (on any "
                         "node) resumes it. Falls back to a graceful shutdown when saving fails.",
             .default_value = "false"},
            {.name = "save_config_on_stop",
             .type = ParamType::Boolean,
             .shortdesc = "Write the domain's definition back to config",
             .longdesc = "On stop (before the guest goes down) and before a live migration, write the definition the "
                         "domain would boot with next (libvirt's inactive XML, with secrets) back to 'config', so "
                         "changes made to it with libvirt survive. Only when it differs; atomically (temporary file + "
                         "rename, same owner and mode). A failure is logged and does not fail the operation.",
             .default_value = "false"},
            {.name = "sync_config_on_stop",
             .type = ParamType::Boolean,
             .shortdesc = "Also push the written config with csync2",
             .longdesc = "Implies save_config_on_stop; after writing a changed config, run 'csync2 -x <config>' so nodes "
                         "without shared storage get it too (csync2 must be set up).",
             .default_value = "false"},
            {.name = "migration_transport",
             .shortdesc = "Transport to the target hypervisor",
             .longdesc = "libvirt transport for the migration target URI: ssh, tcp, tls, libssh2, libssh. Empty: the "
                         "hypervisor URI's own transport, else libvirt's default (tls).",
             .default_value = "",
             .check = transport_check()},
            {.name = "migration_user",
             .shortdesc = "User on the target",
             .longdesc = "User name in the migration target URI (ssh). Ignored when remoteuri is set.",
             .check = user_check()},
            {.name = "migration_network_suffix",
             .shortdesc = "Migration network host name suffix",
             .longdesc = "Appended to the target node name (before the first dot of an FQDN) to use a dedicated "
                         "migration network, for the target URI and, with qemu, the data channel.",
             .check = check::all_of({check::no_shell_meta(), no_space_check()})},
            {.name = "migrateuri",
             .shortdesc = "Migration data channel URI",
             .longdesc = "URI of the migration data stream, e.g. tcp://%n-mig:49152 (%n: the target node). Overrides "
                         "migration_network_suffix and --migrateuri in migrate_options.",
             .check = no_space_check()},
            {.name = "migrateport",
             .type = ParamType::Integer,
             .shortdesc = "Port of the migration data channel",
             .longdesc = "Port used with migration_network_suffix. Default: libvirt's choice.",
             .check = check::integer_range(1, 65535)},
            {.name = "remoteuri",
             .shortdesc = "Target hypervisor URI",
             .longdesc = "The target's libvirt URI, %n standing for the target node, e.g. qemu+ssh://%n/system. "
                         "Overrides migration_transport, migration_user and migration_network_suffix.",
             .check = remote_uri_check()},
            {.name = "migration_speed",
             .type = ParamType::Integer,
             .shortdesc = "Migration bandwidth limit (MiB/s)",
             .longdesc = "0: unlimited.",
             .default_value = "0",
             .check = check::integer_range(0, 1000000)},
            {.name = "migration_downtime",
             .type = ParamType::Integer,
             .shortdesc = "Maximum migration downtime (ms)",
             .longdesc = "0: libvirt's default.",
             .default_value = "0",
             .check = check::integer_range(0, 3600000)},
            {.name = "migrate_options",
             .shortdesc = "Extra migration options",
             .longdesc = "virsh-style migration flags: --p2p --tunnelled --persistent --undefinesource --suspend "
                         "--copy-storage-all --copy-storage-inc --change-protection --unsafe --compressed --auto-converge "
                         "--rdma-pin-all --abort-on-error --tls --parallel --parallel-connections=N --migrateuri=URI "
                         "--listen-address=ADDR --bandwidth=MiB/s. Unknown flags are refused.",
             .default_value = "",
             .check = migrate_options_check()},
            {.name = "autoset_utilization_cpu",
             .type = ParamType::Boolean,
             .shortdesc = "Set the cpu utilization",
             .longdesc = "Write the domain's vCPU count as the resource's 'cpu' utilization; only when it changed.",
             .default_value = "true"},
            {.name = "autoset_utilization_hv_memory",
             .type = ParamType::Boolean,
             .shortdesc = "Set the hv_memory utilization",
             .longdesc = "Write the domain's maximum memory (MiB) as 'hv_memory' utilization; only when it changed.",
             .default_value = "true"},
            {.name = "autoset_utilization_host_memory",
             .type = ParamType::Boolean,
             .shortdesc = "Set the host_memory utilization",
             .longdesc = "Write the domain's maximum memory (MiB) as 'host_memory' utilization; only when it changed.",
             .default_value = "true"},
            {.name = "unset_utilization_cpu",
             .type = ParamType::Boolean,
             .shortdesc = "Remove the cpu utilization",
             .longdesc = "Remove the resource's 'cpu' utilization attribute (once after each start) instead of setting "
                         "it; turns autoset_utilization_cpu off unless that is set too, which is a conflict.",
             .default_value = "false"},
            {.name = "unset_utilization_hv_memory",
             .type = ParamType::Boolean,
             .shortdesc = "Remove the hv_memory utilization",
             .longdesc = "As unset_utilization_cpu, for 'hv_memory'.",
             .default_value = "false"},
            {.name = "unset_utilization_host_memory",
             .type = ParamType::Boolean,
             .shortdesc = "Remove the host_memory utilization",
             .longdesc = "As unset_utilization_cpu, for 'host_memory'.",
             .default_value = "false"},
            {.name = "monitor_scripts",
             .shortdesc = "Programs that check services inside the guest",
             .longdesc = "Space-separated absolute paths of programs the monitor runs, one after the other, while the "
                         "guest runs (state running or blocked): no arguments, no shell, the agent's environment plus "
                         "DOMAIN_NAME, bounded by the monitor's timeout. A non-zero exit (or a timeout) fails the monitor "
                         "with the program and its output in the reason. start and migrate_from wait, until their "
                         "timeout, for all of them to succeed. Empty: the monitor runs no programs.",
             .default_value = "",
             .check = path_list_check()},
            {.name = "call_timeout",
             .type = ParamType::Integer,
             .shortdesc = "Bound of one libvirt call (s)",
             .longdesc = "The longest any single quick libvirt call (connect, lookup, state, shutdown request) may take "
                         "before the operation fails with a precise error. Long calls (create, save, restore, destroy, "
                         "migrate) are bounded by the operation's timeout.",
             .default_value = "10",
             .check = check::integer_range(1, 600)},
            {.name = "shared_fs_types",
             .shortdesc = "File system types that count as shared storage",
             .longdesc = "When the resource allows migration, every disk image must be on one of these.",
             .default_value = kSharedFsDefault,
             .check = fs_types_check()},
        },
    .actions =
        {
            {.name = "start", .timeout_s = 90},
            {.name = "stop", .timeout_s = 90},
            {.name = "monitor", .timeout_s = 30, .interval_s = 10, .depth = 0},
            {.name = "migrate_to", .timeout_s = 120},
            {.name = "migrate_from", .timeout_s = 60},
            {.name = "validate-all", .timeout_s = 10},
            {.name = "meta-data", .timeout_s = 5},
        },
};

// ---- settings from parameters ----

bool param_ok(const Params& p, std::string_view name)
{
    return std::none_of(p.problems().begin(), p.problems().end(), [&](const ParamProblem& pr) { return pr.name == name; });
}

// Stop gets the parameters even when some are invalid: a bad one falls back to its default.
std::string text_param(const Params& p, std::string_view name)
{
    if (param_ok(p, name)) return p.opt(name).value_or("");
    const ParamSpec* ps = kSpec.param(name);
    return ps && ps->default_value ? *ps->default_value : "";
}

bool bool_param(const Params& p, std::string_view name)
{
    return parse_bool(text_param(p, name)).value_or(false);
}

std::optional<long long> int_param(const Params& p, std::string_view name)
{
    std::string t = text_param(p, name);
    if (t.empty()) return std::nullopt;
    return parse_int(t);
}

struct Settings {
    std::string config;
    std::string hypervisor;
    std::optional<LibvirtUri> uri;
    std::string domain;
    bool persistent = false;
    bool force_stop = false;
    bool save_on_stop = false;
    std::string save_dir;
    unsigned shutdown_modes = 0;
    std::optional<seconds> shutdown_timeout;
    milliseconds call_timeout{10s};
    bool util_cpu = true, util_hv = true, util_host = true;
    bool unset_cpu = false, unset_hv = false, unset_host = false;
    std::vector<std::string> shared_fs;
    std::vector<std::string> monitor_scripts;
    bool save_config = false;  // save_config_on_stop, or implied by sync_config_on_stop
    bool sync_config = false;
    std::string backingfile;
    bool stateless = false;
    std::vector<std::string> copyindirs;
    bool start_resources = false;
    // '<config without extension>.qcow2': the overlay of backingfile.
    std::string overlay() const { return std::filesystem::path(config).replace_extension(".qcow2").string(); }
};

std::vector<std::string> words_of(const std::string& text)
{
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

Settings read_settings(const Context& ctx)
{
    const Params& p = ctx.params;
    Settings s;
    s.config = text_param(p, "config");
    s.hypervisor = text_param(p, "hypervisor");
    if (s.hypervisor.empty()) s.hypervisor = "qemu:///system";
    s.uri = parse_libvirt_uri(s.hypervisor).uri;
    s.domain = text_param(p, "domain");
    s.persistent = bool_param(p, "persistent");
    s.force_stop = bool_param(p, "force_stop");
    s.save_dir = text_param(p, "save_dir");
    while (s.save_dir.size() > 1 && s.save_dir.back() == '/') s.save_dir.pop_back();
    // VirtualDomain's `snapshot` both names the directory and turns saving on.
    const auto& dep = p.deprecated_used();
    bool snapshot_used = std::find(dep.begin(), dep.end(), "snapshot") != dep.end();
    s.save_on_stop = p.is_set("save_on_stop") && param_ok(p, "save_on_stop") ? bool_param(p, "save_on_stop") : snapshot_used;
    s.shutdown_modes = parse_shutdown_modes(text_param(p, "shutdown_mode"), nullptr).value_or(0);
    if (auto t = int_param(p, "shutdown_timeout"); t && *t >= 0) s.shutdown_timeout = seconds(*t);
    s.call_timeout = seconds(std::clamp<long long>(int_param(p, "call_timeout").value_or(10), 1, 600));
    s.unset_cpu = bool_param(p, "unset_utilization_cpu");
    s.unset_hv = bool_param(p, "unset_utilization_hv_memory");
    s.unset_host = bool_param(p, "unset_utilization_host_memory");
    // autoset_* default to true: an unset_* alone means "remove it", not "ignored" as in VirtualDomain.
    auto autoset = [&](std::string_view name, bool unset) { return bool_param(p, name) && !(unset && !p.is_set(name)); };
    s.util_cpu = autoset("autoset_utilization_cpu", s.unset_cpu);
    s.util_hv = autoset("autoset_utilization_hv_memory", s.unset_hv);
    s.util_host = autoset("autoset_utilization_host_memory", s.unset_host);
    s.shared_fs = words_of(text_param(p, "shared_fs_types"));
    s.monitor_scripts = words_of(text_param(p, "monitor_scripts"));
    s.sync_config = bool_param(p, "sync_config_on_stop");
    s.save_config = bool_param(p, "save_config_on_stop") || s.sync_config;
    s.backingfile = text_param(p, "backingfile");
    s.stateless = bool_param(p, "stateless");
    s.copyindirs = words_of(text_param(p, "copyindirs"));
    s.start_resources = bool_param(p, "start_resources");
    return s;
}

// ---- the config file ----

struct ConfigRead {
    std::optional<DomainXml> xml;
    std::string text;
    ExitCode code = ExitCode::Success;
    std::string problem;
    // Not read at all (no answer in time, an I/O error): nothing is known about the file, not
    // even that it is missing.
    bool unknown = false;
};

constexpr std::size_t kMaxConfigSize = 4 * 1024 * 1024;

// The config usually lives on the cluster file system, which blocks while DLM waits for a
// fence: it is read in a forked child, abandoned at `until` (a thread stuck there would keep
// the agent from exiting).
ConfigRead read_config(const std::string& path, const Deadline& until)
{
    ConfigRead r;
    auto bad = [&](ExitCode code, std::string problem) {
        r.code = code;
        r.problem = std::move(problem);
        return r;
    };
    // Only the parameter itself is wrong everywhere (6). What this node finds at the path, and in
    // the file, may differ on other nodes (a file system not mounted here, csync2 copies): 5.
    if (path.empty()) return bad(ExitCode::ErrConfigured, "parameter 'config' is required but not set");
    milliseconds budget = until.remaining();
    ChildIoResult io = read_file_in_child(path, until, kMaxConfigSize + 1);
    if (io.outcome == ChildIoResult::Outcome::TimedOut) {
        r.unknown = true;
        return bad(ExitCode::ErrGeneric,
                   fmt::format("parameter 'config': {} could not be read within {} ms (a cluster file system waiting "
                               "for fencing, a hung NFS server, or not a regular file?)",
                               path, budget.count()));
    }
    if (io.outcome == ChildIoResult::Outcome::Failed) {
        int err = io.error;
        if (err == ENOENT || err == ENOTDIR)
            return bad(ExitCode::ErrInstalled, fmt::format("parameter 'config': {} does not exist", path));
        if (err == EACCES || err == EPERM)
            return bad(ExitCode::ErrPerm, fmt::format("parameter 'config': cannot read {}: {}", path, std::strerror(err)));
        if (err == EISDIR)
            return bad(ExitCode::ErrInstalled, fmt::format("parameter 'config': {} is not a regular file here", path));
        r.unknown = true;
        return bad(ExitCode::ErrGeneric, fmt::format("parameter 'config': reading {} failed: {}", path, std::strerror(err)));
    }
    r.text = std::move(io.data);
    if (r.text.size() > kMaxConfigSize)
        return bad(ExitCode::ErrInstalled, fmt::format("parameter 'config': {} is larger than 4 MiB here", path));
    DomainXmlResult parsed = parse_domain_xml(r.text);
    if (!parsed.ok())
        return bad(ExitCode::ErrInstalled, fmt::format("parameter 'config': {}: {}", path, parsed.error.message));
    if (auto problem = domain_name_problem(parsed.xml->name))
        return bad(ExitCode::ErrInstalled, fmt::format("parameter 'config': {}: {}", path, *problem));
    r.xml = std::move(parsed.xml);
    return r;
}

// Reading the config when the action needs it: all the time but a second kept for the report.
Deadline read_until(const Deadline& deadline) { return Deadline::at(deadline.when() - 1s); }

// When the action can do without it (stop, monitor): a share that leaves time for the guest.
Deadline read_briefly(const Settings& s, const Deadline& deadline)
{
    return Deadline::after(std::min<milliseconds>(s.call_timeout, deadline.remaining() / 4));
}

// ---- which domain this resource is ----

struct Identity {
    std::string name;
    std::string uuid;
    std::string hypervisor;
    std::string source;  // for messages: where the name came from
    DomainRef ref() const { return {name, uuid}; }
};

struct Resolved {
    std::optional<Identity> id;
    ConfigRead config;
    std::optional<Remembered> remembered;
    std::string remembered_path;
};

// What start remembered wins (it is what actually runs), then the 'domain' parameter, then
// the config file, which is read only when nothing is remembered or `need_config`: stop and
// monitor must not depend on a file system that may hang.
Resolved resolve(const Context& ctx, const Settings& s, bool use_remembered, bool need_config, const Deadline& until)
{
    Resolved r;
    r.remembered_path = remembered_path(ctx.env, s.config);
    std::string distrusted;
    r.remembered = load_remembered(r.remembered_path, &distrusted);
    if (!distrusted.empty()) ctx.log.warn("{}", distrusted);
    bool remembered = use_remembered && r.remembered;
    if (!remembered || need_config) r.config = read_config(s.config, until);
    const DomainXml* xml = r.config.xml ? &*r.config.xml : nullptr;
    if (remembered) {
        const Remembered& m = *r.remembered;
        r.id = Identity{m.name, m.uuid, m.hypervisor.empty() ? s.hypervisor : m.hypervisor, "what start remembered"};
        if (xml && xml->name != m.name)
            ctx.log.warn("{} now names domain '{}', but '{}' is the one started here; acting on '{}'", s.config, xml->name,
                         m.name, m.name);
        return r;
    }
    if (!s.domain.empty()) {
        r.id = Identity{s.domain, xml && xml->name == s.domain ? xml->uuid : "", s.hypervisor, "parameter 'domain'"};
        if (r.config.unknown)
            ctx.log.warn("{}; acting on domain '{}' from parameter 'domain'", r.config.problem, s.domain);
        return r;
    }
    if (xml) r.id = Identity{xml->name, xml->uuid, s.hypervisor, s.config};
    return r;
}

void remember(Context& ctx, const std::string& path, const Settings& s, const std::string& name, const std::string& uuid,
              const std::string& hypervisor)
{
    Remembered m{name, uuid, s.config, hypervisor, {}};
    if (auto e = store_remembered(path, m))
        ctx.log.warn("cannot remember domain {} for stop: {}; stop will need a readable config", name, *e);
}

// ---- helpers over a connection ----

// The call may still be carried out, and libvirt cannot tell us the domain's state: libvirtd did
// not answer in time or at all, or it gave up waiting for the domain's job lock itself.
bool outcome_unknown(const HvError& e) { return e.unreachable() || e.kind() == HvErrorKind::Busy; }

// Even libvirt rejecting the XML is this node's verdict (its libvirt version, its drivers): 1,
// never 6, which would stop the resource on every node.
[[noreturn]] void hv_fail(const HvError& e, std::string_view doing)
{
    fail(ExitCode::ErrGeneric, "{}: {}", doing, e.what());
}

// nullopt: the domain does not exist (any more).
std::optional<DomainStatus> status_of(Connection& c, const DomainRef& ref)
{
    try {
        return c.status(ref);
    } catch (const HvError& e) {
        if (e.kind() == HvErrorKind::NoDomain) return std::nullopt;
        throw;
    }
}

bool gone(const std::optional<DomainStatus>& s) { return !s || s->state == DomainState::ShutOff; }

std::string state_text(const std::optional<DomainStatus>& s) { return s ? describe(*s) : "undefined"; }

// Polls until the domain is gone or `until` passes; returns the last state seen. The last
// query happens at `until`, so `until` must leave time for it before the operation's deadline.
std::optional<DomainStatus> wait_gone(Connection& c, const DomainRef& ref, const Deadline& until, milliseconds every = 250ms)
{
    for (;;) {
        auto st = status_of(c, ref);
        milliseconds left = until.remaining();
        if (gone(st) || left <= 0ms) return st;
        std::this_thread::sleep_for(std::min(every, left));
    }
}

// The operation's deadline less the time one last state query may need.
Deadline before_deadline(const Deadline& deadline) { return Deadline::at(deadline.when() - 500ms); }

Deadline earliest(const Deadline& a, const Deadline& b) { return a.when() < b.when() ? a : b; }

CallLimits limits_for(const Settings& s, const Deadline& deadline)
{
    CallLimits l;
    l.call_timeout = s.call_timeout;
    l.reserve = std::clamp<milliseconds>(deadline.remaining() / 10, 2s, 10s);
    return l;
}

// The qemu process of a domain of the local system driver, from libvirt's pid file: the
// evidence left when libvirtd itself does not answer.
std::optional<pid_t> qemu_pid(const std::string& run_dir, const std::string& name)
{
    std::ifstream pidfile(run_dir + "/" + name + ".pid");
    long pid = 0;
    if (!(pidfile >> pid) || pid <= 1) return std::nullopt;
    std::ifstream cmdline(fmt::format("/proc/{}/cmdline", pid), std::ios::binary);
    std::string args((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
    // libvirt starts qemu with "-name guest=<name>,debug-threads=on".
    std::string want = "guest=" + name;
    for (std::size_t pos = 0; (pos = args.find(want, pos)) != std::string::npos; pos += want.size()) {
        std::size_t end = pos + want.size();
        if (end == args.size() || args[end] == ',' || args[end] == '\0') return static_cast<pid_t>(pid);
    }
    return std::nullopt;
}

bool local_system_qemu(const std::string& uri_text)
{
    auto u = parse_libvirt_uri(uri_text).uri;
    return u && u->driver == "qemu" && u->local() && u->path == "/system";
}

// Whether `program` can be executed from the PATH children get.
bool on_path(const std::string& program)
{
    std::istringstream dirs(child_path(CommandSpec{}));
    for (std::string dir; std::getline(dirs, dir, ':');)
        if (!dir.empty() && access((dir + "/" + program).c_str(), X_OK) == 0) return true;
    return false;
}

// The last non-empty lines of a program's output, short enough for an exit reason.
std::string output_tail(const CommandResult& r)
{
    std::string text = r.err.empty() ? r.out : r.out.empty() ? r.err : r.out + "\n" + r.err;
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
    std::replace(text.begin(), text.end(), '\n', ' ');
    if (text.size() > 300) text = "..." + text.substr(text.size() - 300);
    return text.empty() ? "no output" : text;
}

// ---- monitor_scripts ----

// Runs the scripts in order; the first failure as an Outcome (1, or 5/4 when it cannot be run).
Outcome run_monitor_scripts(Context& ctx, const Settings& s, const std::string& domain)
{
    for (const auto& script : s.monitor_scripts) {
        CommandSpec cmd;
        cmd.argv = {script};
        cmd.inherit_env = true;  // what VirtualDomain's scripts see: the agent's environment
        cmd.env["DOMAIN_NAME"] = domain;
        cmd.timeout = ctx.deadline.remaining();
        cmd.output_cap = 64 * 1024;
        CommandResult r = ctx.runner.run(cmd, ctx.deadline);
        if (r.status == CommandResult::Status::NotStarted)
            return {exit_code_for_spawn_errno(r.spawn_errno),
                    fmt::format("monitor script {} for domain {} cannot be run: {}", script, domain, std::strerror(r.spawn_errno))};
        if (!r.ok())
            return {ExitCode::ErrGeneric,
                    fmt::format("monitor script {} for domain {} failed ({}): {}", script, domain, r.describe(), output_tail(r))};
        ctx.log.debug("monitor script {} for domain {}: ok", script, domain);
    }
    return ExitCode::Success;
}

// start and migrate_from: the guest runs; wait until its services answer too.
void wait_monitor_scripts(Context& ctx, const Settings& s, const std::string& domain)
{
    if (s.monitor_scripts.empty()) return;
    for (;;) {
        Outcome o = run_monitor_scripts(ctx, s, domain);
        if (o.ok()) return;
        if (o.code != ExitCode::ErrGeneric || ctx.deadline.remaining() < 1500ms)
            fail(o.code, "domain {} runs, but {}", domain, o.reason);
        std::this_thread::sleep_for(1s);
    }
}

// ---- save_config_on_stop / sync_config_on_stop ----

// The domain's definition back into `config` (when it changed), then csync2 if asked for.
// Never fails the operation: the guest's fate does not depend on it.
void save_config(Context& ctx, const Settings& s, Connection& c, const DomainRef& ref)
{
    if (!s.save_config) return;
    std::string xml;
    try {
        xml = c.definition_xml(ref);
    } catch (const HvError& e) {
        if (e.unreachable()) throw;
        ctx.log.warn("cannot save the definition of domain {} to {}: {}", ref.name, s.config, e.what());
        return;
    }
    DomainXmlResult parsed = parse_domain_xml(xml);
    if (!parsed.ok() || parsed.xml->name != ref.name) {
        ctx.log.warn("not saving the definition of domain {} to {}: libvirt returned {}", ref.name, s.config,
                     parsed.ok() ? "the domain " + parsed.xml->name : parsed.error.message);
        return;
    }
    // Bounded like every access to the config; a directory that does not answer is not written.
    ConfigRead current = read_config(s.config, read_briefly(s, ctx.deadline));
    if (current.unknown) {
        ctx.log.warn("not saving the definition of domain {}: {}", ref.name, current.problem);
        return;
    }
    if (current.text == xml) {
        ctx.log.debug("{} already holds the definition of domain {}", s.config, ref.name);
        return;
    }
    struct stat old {};
    std::optional<FileOwnership> keep;
    if (::stat(s.config.c_str(), &old) == 0) keep = FileOwnership{old.st_uid, old.st_gid, old.st_mode};
    if (auto problem = replace_file(s.config, xml, keep)) {
        ctx.log.warn("cannot save the definition of domain {} to {}: {}", ref.name, s.config, *problem);
        return;
    }
    ctx.log.info("saved the definition of domain {} to {}", ref.name, s.config);
    if (!s.sync_config) return;
    CommandSpec cmd;
    cmd.argv = {"csync2", "-x", s.config};
    cmd.timeout = std::min<milliseconds>(30s, std::max<milliseconds>(ctx.deadline.remaining() / 4, 1s));
    CommandResult r = ctx.runner.run(cmd, ctx.deadline);
    if (r.ok())
        ctx.log.info("synced {} with csync2", s.config);
    else
        ctx.log.warn("syncing {} failed: {}", s.config, failure_message(cmd, r));
}

// ---- start_resources ----

// `missing`: the code when a pool or network is not defined there (5 on start: not on this node).
void activate_resources(Context& ctx, Connection& c, const DomainXml& x, const std::string& where, ExitCode missing)
{
    auto each = [&](const std::vector<std::string>& names, const char* what, auto activate) {
        for (const auto& name : names) {
            try {
                Activation a = activate(name);
                if (a == Activation::Started) ctx.log.info("started {} {} {}", what, name, where);
            } catch (const HvError& e) {
                if (e.unreachable()) throw;
                fail(e.kind() == HvErrorKind::NoObject ? missing : ExitCode::ErrGeneric,
                     "parameter 'start_resources': cannot start {} {} needed by domain {} {}: {}", what, name, x.name,
                     where, e.what());
            }
        }
    };
    each(x.pools, "storage pool", [&](const std::string& n) { return c.activate_pool(n); });
    each(x.networks, "network", [&](const std::string& n) { return c.activate_network(n); });
}

// ---- backingfile / stateless ----

// The backing file's format as qemu-img sees it (qcow2, raw, ...): an overlay must name it.
std::string backing_format(Context& ctx, const std::string& backingfile)
{
    CommandSpec cmd;
    cmd.argv = {"qemu-img", "info", "--force-share", "--output=json", backingfile};
    cmd.timeout = 30s;
    CommandResult r = run_checked(ctx.runner, cmd, ctx.deadline);
    try {
        parse::Json info = parse::parse_json(r.out);
        const parse::Json* format = info.is_object() ? info.find("format") : nullptr;
        if (format && format->is_string() && !format->as_string().empty()) return format->as_string();
    } catch (const parse::ParseError& e) {
        fail(ExitCode::ErrGeneric, "{}: unreadable output: {}", cmd.display(), e.what());
    }
    fail(ExitCode::ErrGeneric, "{}: no \"format\" in its output", cmd.display());
}

// Creates the overlay when stateless or when it is missing or empty; returns whether it did.
bool prepare_overlay(Context& ctx, const Settings& s)
{
    std::string overlay = s.overlay();
    std::error_code ec;
    bool usable = std::filesystem::exists(overlay, ec) && std::filesystem::file_size(overlay, ec) > 0 && !ec;
    if (usable && !s.stateless) {
        ctx.log.info("using the existing overlay {} (backing file {})", overlay, s.backingfile);
        return false;
    }
    std::string format = backing_format(ctx, s.backingfile);
    // Built aside and renamed: a failed create never leaves a half overlay under the real name.
    std::string fresh = overlay + ".ocfkit-new";
    std::filesystem::remove(fresh, ec);
    CommandSpec cmd;
    cmd.argv = {"qemu-img", "create", "-q", "-f", "qcow2", "-F", format, "-b", s.backingfile, fresh};
    cmd.timeout = 60s;
    CommandResult r = ctx.runner.run(cmd, ctx.deadline);
    if (!r.ok()) {
        std::filesystem::remove(fresh, ec);
        fail(r.status == CommandResult::Status::NotStarted ? exit_code_for_spawn_errno(r.spawn_errno) : ExitCode::ErrGeneric,
             "parameter 'backingfile': cannot create the overlay {}: {}", overlay, failure_message(cmd, r));
    }
    std::filesystem::rename(fresh, overlay, ec);
    if (ec) fail(ExitCode::ErrGeneric, "cannot rename {} to {}: {}", fresh, overlay, ec.message());
    ctx.log.info("created {} as a fresh qcow2 overlay of {} ({})", overlay, s.backingfile, format);
    if (!s.copyindirs.empty()) {
        CommandSpec copy;
        copy.argv = {"virt-copy-in", "-a", overlay, "--format=qcow2"};
        copy.argv.insert(copy.argv.end(), s.copyindirs.begin(), s.copyindirs.end());
        copy.argv.push_back("/");
        copy.timeout = ctx.deadline.remaining();
        CommandResult cr = ctx.runner.run(copy, ctx.deadline);
        if (!cr.ok())
            fail(cr.status == CommandResult::Status::NotStarted ? exit_code_for_spawn_errno(cr.spawn_errno)
                                                                : ExitCode::ErrGeneric,
                 "parameter 'copyindirs': {}", failure_message(copy, cr));
        ctx.log.info("copied {} into {}", fmt::join(s.copyindirs, " "), overlay);
    }
    return true;
}

// ---- storage checks ----

std::string fs_type_of(const std::string& mountinfo_path, const std::string& path)
{
    std::ifstream in(mountinfo_path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<parse::MountEntry> mounts;
    try {
        mounts = parse::parse_mountinfo(text);
    } catch (const parse::ParseError&) {
        return "unknown";
    }
    std::error_code ec;
    std::string real = std::filesystem::weakly_canonical(path, ec).string();
    if (ec) real = path;
    std::string best_type = "unknown";
    std::size_t best_len = 0;
    bool found = false;
    for (const auto& m : mounts) {
        const std::string& mp = m.mount_point;
        bool prefix = real == mp || mp == "/" ||
                      (real.size() > mp.size() && real.compare(0, mp.size(), mp) == 0 && real[mp.size()] == '/');
        // The last of equally long mount points is the one on top.
        if (prefix && (!found || mp.size() >= best_len)) {
            best_len = mp.size();
            best_type = m.fstype;
            found = true;
        }
    }
    return best_type;
}

}  // namespace

Outcome classify_state(const DomainStatus& st, const std::string& domain)
{
    switch (st.state) {
    case DomainState::Running:
    case DomainState::Blocked: return ExitCode::Success;
    case DomainState::ShuttingDown:
        return {ExitCode::Success, fmt::format("domain {} is shutting down but still runs", domain)};
    case DomainState::PmSuspended:
        return {ExitCode::Success, fmt::format("domain {} is suspended by its guest OS (pmsuspended)", domain)};
    case DomainState::Paused:
        switch (st.reason) {
        case paused_reason::IoError:
        case paused_reason::Watchdog:
        case paused_reason::Crashed:
        case paused_reason::PostcopyFailed:
        case paused_reason::ApiError:
            return {ExitCode::ErrGeneric, fmt::format("domain {} is {}: it cannot continue without intervention", domain,
                                                      describe(st))};
        default:
            return {ExitCode::Success, fmt::format("domain {} is {}", domain, describe(st))};
        }
    case DomainState::ShutOff: return {ExitCode::NotRunning, fmt::format("domain {} is {}", domain, describe(st))};
    case DomainState::Crashed:
        return {ExitCode::ErrGeneric, fmt::format("domain {} has crashed (kept for inspection by on_crash=preserve)", domain)};
    case DomainState::NoState: break;
    }
    return {ExitCode::ErrGeneric, fmt::format("domain {} reports no state", domain)};
}

VirtDomainAgent::VirtDomainAgent(Hypervisor& hypervisor, AgentOptions options)
    : hypervisor_(hypervisor), options_(std::move(options))
{
}

const AgentSpec& VirtDomainAgent::spec() const { return kSpec; }

// ---- validate ----

Outcome VirtDomainAgent::validate(Context& ctx, ValidatePurpose purpose)
{
    Settings s = read_settings(ctx);
    if (s.force_stop && s.save_on_stop)
        return {ExitCode::ErrConfigured,
                "force_stop and save_on_stop (or snapshot) exclude each other: a forced stop cannot save the guest's RAM"};
    if (s.save_on_stop && s.save_dir.empty())
        return {ExitCode::ErrConfigured, "parameter 'save_on_stop' needs 'save_dir' (where the RAM state goes)"};
    for (const char* attr : {"cpu", "hv_memory", "host_memory"}) {
        std::string autoset = fmt::format("autoset_utilization_{}", attr), unset = fmt::format("unset_utilization_{}", attr);
        if (ctx.params.is_set(autoset) && bool_param(ctx.params, autoset) && bool_param(ctx.params, unset))
            return {ExitCode::ErrConfigured, fmt::format("parameters '{}' and '{}' are both true: set one of them", autoset, unset)};
    }
    if (s.backingfile.empty() && s.stateless)
        return {ExitCode::ErrConfigured, "parameter 'stateless' needs 'backingfile' (the image each start begins from)"};
    if (s.backingfile.empty() && !s.copyindirs.empty())
        return {ExitCode::ErrConfigured, "parameter 'copyindirs' needs 'backingfile' (it fills a freshly created overlay)"};
    if (purpose == ValidatePurpose::Monitor) return ExitCode::Success;  // cheap: the monitor reads what it needs

    ConfigRead cfg = read_config(s.config, read_until(ctx.deadline));
    if (!cfg.xml) return {cfg.code, cfg.problem};
    const DomainXml& x = *cfg.xml;
    if (!s.domain.empty() && s.domain != x.name)
        return {ExitCode::ErrInstalled,
                fmt::format("parameter 'domain' is '{}' but {} defines the domain '{}'", s.domain, s.config, x.name)};

    if (!x.emulator.empty() && access(x.emulator.c_str(), X_OK) != 0)
        return {ExitCode::ErrInstalled,
                fmt::format("{}: emulator {} is missing or not executable here: {}", s.config, x.emulator, std::strerror(errno))};
    for (const auto& f : x.boot_files)
        if (access(f.c_str(), R_OK) != 0)
            return {ExitCode::ErrInstalled, fmt::format("{}: boot file {} is missing here: {}", s.config, f, std::strerror(errno))};

    std::string options = text_param(ctx.params, "migrate_options");
    bool copies_storage = options.find("--copy-storage") != std::string::npos;
    bool migratable = ctx.env.meta_bool("allow-migrate") && !copies_storage;
    const std::string overlay = s.backingfile.empty() ? "" : s.overlay();
    if (!s.backingfile.empty()) {
        if (access(s.backingfile.c_str(), R_OK) != 0)
            return {ExitCode::ErrInstalled,
                    fmt::format("parameter 'backingfile': {} is missing or unreadable here: {}", s.backingfile, std::strerror(errno))};
        if (overlay == s.backingfile || overlay == s.config)
            return {ExitCode::ErrConfigured,
                    fmt::format("parameter 'backingfile': the overlay {} would replace {}", overlay,
                                overlay == s.config ? "the config (give it an extension other than .qcow2)" : "the backing file")};
        bool used = std::any_of(x.disks.begin(), x.disks.end(),
                                [&](const DomainDisk& d) { return d.type == "file" && d.source == overlay; });
        if (!used)
            return {ExitCode::ErrInstalled,
                    fmt::format("parameter 'backingfile': no file disk of {} uses {}, the overlay start creates from {}",
                                s.config, overlay, s.backingfile)};
        if (!on_path("qemu-img"))
            return {ExitCode::ErrInstalled, "parameter 'backingfile' needs qemu-img (qemu-utils), which is not installed here"};
        for (const auto& dir : s.copyindirs)
            if (!std::filesystem::is_directory(dir))
                return {ExitCode::ErrInstalled, fmt::format("parameter 'copyindirs': {} is not a directory here", dir)};
        if (!s.copyindirs.empty() && !on_path("virt-copy-in"))
            return {ExitCode::ErrInstalled,
                    "parameter 'copyindirs' needs virt-copy-in (libguestfs-tools), which is not installed here"};
    }
    for (const auto& script : s.monitor_scripts)
        if (access(script.c_str(), X_OK) != 0)
            return {ExitCode::ErrInstalled, fmt::format("parameter 'monitor_scripts': {} is missing or not executable here: {}",
                                                        script, std::strerror(errno))};
    if (s.sync_config && !on_path("csync2"))
        return {ExitCode::ErrInstalled, "parameter 'sync_config_on_stop' needs csync2, which is not installed here"};
    for (const auto& d : x.disks) {
        if (d.source.empty()) continue;  // network disks, empty CD-ROM drives
        std::string target = d.target.empty() ? d.device : d.target;
        struct stat st {};
        if (d.source == overlay) {
            // start creates it
        } else if (stat(d.source.c_str(), &st) != 0)
            return {ExitCode::ErrInstalled,
                    fmt::format("{}: disk {}: {} does not exist here: {}", s.config, target, d.source, std::strerror(errno))};
        if (migratable && d.type != "block") {
            std::string fs = fs_type_of(options_.mountinfo, d.source);
            // This node's mounts: the shared file system may just not be mounted here.
            if (std::find(s.shared_fs.begin(), s.shared_fs.end(), fs) == s.shared_fs.end())
                return {ExitCode::ErrInstalled,
                        fmt::format("{}: disk {}: {} is on {}, which is not shared storage, but the resource allows "
                                    "migration (shared_fs_types: {})",
                                    s.config, target, d.source, fs, fmt::join(s.shared_fs, " "))};
        }
    }
    if (!s.save_dir.empty() && !std::filesystem::is_directory(s.save_dir))
        return {ExitCode::ErrInstalled, fmt::format("parameter 'save_dir': {} is not a directory here", s.save_dir)};

    if (purpose == ValidatePurpose::Explicit && ctx.check_level >= 10) {
        BoundedHypervisor hv(hypervisor_, ctx.deadline, limits_for(s, ctx.deadline));
        try {
            auto c = hv.connect(s.hypervisor);
            unsigned long long v = c->lib_version();
            ctx.log.debug("libvirt {}.{}.{} answers at {}", v / 1000000, v / 1000 % 1000, v % 1000, s.hypervisor);
        } catch (const HvError& e) {
            return {ExitCode::ErrGeneric, fmt::format("libvirt at {} is not reachable: {}", s.hypervisor, e.what())};
        }
    }
    return ExitCode::Success;
}

// ---- start ----

namespace {

// Waits until the freshly started domain runs (a restore or boot may pass through paused).
void wait_running(Connection& c, const DomainRef& ref, const Deadline& deadline)
{
    for (;;) {
        auto st = status_of(c, ref);
        if (!st)
            fail(ExitCode::ErrGeneric, "domain {} vanished right after it was started (see /var/log/libvirt/qemu/{}.log)",
                 ref.name, ref.name);
        if (st->state == DomainState::Running || st->state == DomainState::Blocked) return;
        Outcome o = classify_state(*st, ref.name);
        if (!o.ok() || st->state == DomainState::ShutOff)
            fail(ExitCode::ErrGeneric, "domain {} is {} right after it was started (see /var/log/libvirt/qemu/{}.log)",
                 ref.name, describe(*st), ref.name);
        if (deadline.remaining() < 200ms)
            fail(ExitCode::ErrGeneric, "domain {} is still {} at the start deadline", ref.name, describe(*st));
        std::this_thread::sleep_for(100ms);
    }
}

}  // namespace

Outcome VirtDomainAgent::start(Context& ctx)
{
    Settings s = read_settings(ctx);
    ConfigRead cfg = read_config(s.config, read_until(ctx.deadline));
    if (!cfg.xml) fail(cfg.code, "{}", cfg.problem);
    const DomainXml& x = *cfg.xml;
    std::string rpath = remembered_path(ctx.env, s.config);

    BoundedHypervisor hv(hypervisor_, ctx.deadline, limits_for(s, ctx.deadline));
    std::string doing = fmt::format("cannot start domain {}", x.name);
    try {
        auto conn = hv.connect(s.hypervisor);
        Connection& c = *conn;
        auto by_name = c.find_by_name(x.name);
        std::optional<DomainInfo> by_uuid;
        if (!x.uuid.empty()) by_uuid = c.find_by_uuid(x.uuid);
        // What this host's libvirt holds is local: 1, the resource may run elsewhere.
        if (by_name && !x.uuid.empty() && by_name->uuid != x.uuid)
            fail(ExitCode::ErrGeneric,
                 "a different domain '{}' (UUID {}) is already defined on this host, but {} gives UUID {}; undefine the "
                 "other one or fix the config",
                 x.name, by_name->uuid, s.config, x.uuid);
        if (by_uuid && by_uuid->name != x.name)
            fail(ExitCode::ErrGeneric,
                 "UUID {} from {} already belongs to domain '{}' on this host, not to '{}'; undefine the other one or fix "
                 "the config",
                 x.uuid, s.config, by_uuid->name, x.name);
        std::optional<DomainInfo> existing = by_name ? by_name : by_uuid;

        if (existing && existing->active) {
            DomainRef ref{existing->name, existing->uuid};
            auto st = status_of(c, ref);
            Outcome o = st ? classify_state(*st, x.name) : Outcome(ExitCode::NotRunning);
            if (o.ok()) {
                remember(ctx, rpath, s, existing->name, existing->uuid, s.hypervisor);
                return {ExitCode::Success, fmt::format("domain {} is already running ({})", x.name, state_text(st))};
            }
            if (o.code != ExitCode::NotRunning)
                fail(ExitCode::ErrGeneric, "domain {} already exists here in state {}; stop it before starting it",
                     x.name, state_text(st));
        }
        SaveState saves(s.save_dir, x.name);
        if (saves.restore_unresolved()) fail(ExitCode::ErrGeneric, "not starting domain {}: {}", x.name, saves.unresolved_reason());
        if (s.start_resources) activate_resources(ctx, c, x, "here", ExitCode::ErrInstalled);
        if (existing && existing->persistent && !s.persistent) {
            // A transient create needs the name free; the reference agent undefines too.
            ctx.log.warn("domain {} is defined (inactive) on this host but the resource is transient (persistent=false); "
                         "removing that definition",
                         x.name);
            c.undefine({existing->name, existing->uuid});
        }

        // libvirt gives a definition without <uuid> a fresh random UUID, which then clashes with
        // the domain this resource defined before: redefine that one, under its own UUID.
        std::string definition = cfg.text;
        if (x.uuid.empty() && existing && s.persistent) definition = with_uuid(cfg.text, existing->uuid);

        DomainRef ref{x.name, x.uuid};
        if (saves.has_image()) {
            std::string image_xml = c.saved_image_xml(saves.image());
            DomainXmlResult image = parse_domain_xml(image_xml);
            if (!image.ok() || image.xml->name != x.name || (!x.uuid.empty() && image.xml->uuid != x.uuid))
                fail(ExitCode::ErrGeneric, "saved state {} belongs to domain '{}', not to '{}' ({}); move it away",
                     saves.image(), image.ok() ? image.xml->name : "?", x.name, s.config);
            if (auto e = saves.begin_restore()) fail(ExitCode::ErrGeneric, "before restoring domain {}: {}", x.name, *e);
            if (s.persistent) c.define(x.uuid.empty() ? with_uuid(cfg.text, image.xml->uuid) : definition);
            try {
                c.restore(saves.restoring());
            } catch (const HvError& e) {
                if (outcome_unknown(e))
                    fail(ExitCode::ErrGeneric, "restoring domain {} from {}: {}; the file keeps that name, as libvirtd may "
                         "still finish the restore. {}",
                         x.name, saves.restoring(), e.what(), saves.unresolved_reason());
                auto kept = saves.restore_refused();
                fail(ExitCode::ErrGeneric, "restoring domain {} from {} failed: {}; {}", x.name, saves.image(), e.what(),
                     kept ? *kept : fmt::format("the file is kept as {}: remove it to boot the guest afresh", saves.image()));
            }
            ref.uuid = image.xml->uuid;
            remember(ctx, rpath, s, x.name, ref.uuid, s.hypervisor);
            if (auto e = saves.finish_restore()) ctx.log.warn("restored domain {}, but {}", x.name, *e);
            ctx.log.info("restored domain {} from {} (RAM state resumed)", x.name, saves.image());
        } else if (s.persistent) {
            if (!s.backingfile.empty()) prepare_overlay(ctx, s);
            if (existing) ctx.log.info("redefining domain {} (UUID {}) from {}", x.name, existing->uuid, s.config);
            DomainInfo d = c.define(definition);
            ref = {d.name, d.uuid};
            remember(ctx, rpath, s, d.name, d.uuid, s.hypervisor);
            c.start(ref);
        } else {
            if (!s.backingfile.empty()) prepare_overlay(ctx, s);
            DomainInfo d = c.create(cfg.text);
            ref = {d.name, d.uuid};
            remember(ctx, rpath, s, d.name, d.uuid, s.hypervisor);
        }
        wait_running(c, ref, ctx.deadline);
        wait_monitor_scripts(ctx, s, x.name);
        return ExitCode::Success;
    } catch (const HvError& e) {
        hv_fail(e, doing);
    }
}

// ---- stop ----

namespace {

struct StopPlan {
    Context& ctx;
    const Settings& s;
    Connection& c;
    DomainRef ref;
};

// True when the guest went away gracefully in time.
bool graceful_shutdown(StopPlan& p, const std::optional<DomainStatus>& st)
{
    if (st && (st->state == DomainState::Paused || st->state == DomainState::Crashed)) {
        p.ctx.log.info("domain {} is {}: it cannot react to a shutdown request; destroying it", p.ref.name, describe(*st));
        return false;
    }
    milliseconds reserve = std::clamp<milliseconds>(p.ctx.deadline.remaining() / 4, 5s, 20s);
    Deadline until = Deadline::at(p.ctx.deadline.when() - reserve);
    if (p.s.shutdown_timeout) until = earliest(until, Deadline::after(*p.s.shutdown_timeout));
    if (until.remaining() <= 0ms) {
        p.ctx.log.info("no time for a graceful shutdown of domain {}; destroying it", p.ref.name);
        return false;
    }
    auto t0 = Deadline::Clock::now();
    try {
        p.c.shutdown(p.ref, p.s.shutdown_modes);
    } catch (const HvError& e) {
        if (e.kind() == HvErrorKind::NoDomain) return true;
        // A request that timed out (a held job lock, a silent guest agent) failed like any
        // other: destroy needs neither. Only a lost connection makes destroy pointless.
        if (e.kind() == HvErrorKind::ConnectFailed || e.kind() == HvErrorKind::ConnectionLost) throw;
        p.ctx.log.warn("graceful shutdown request for domain {} failed: {}; destroying it", p.ref.name, e.what());
        return false;
    }
    auto last = wait_gone(p.c, p.ref, until);
    auto ms = std::chrono::duration_cast<milliseconds>(Deadline::Clock::now() - t0).count();
    if (gone(last)) {
        p.ctx.log.info("domain {} shut down gracefully in {} ms", p.ref.name, ms);
        return true;
    }
    p.ctx.log.warn("domain {} did not shut down within {} ms (still {}); destroying it", p.ref.name, ms, state_text(last));
    return false;
}

void destroy_and_wait(StopPlan& p)
{
    try {
        p.c.destroy(p.ref);
    } catch (const HvError& e) {
        // "domain is not running": it went away by itself meanwhile; the wait below tells.
        if (e.kind() != HvErrorKind::NoDomain && e.kind() != HvErrorKind::InvalidOperation) throw;
    }
    auto last = wait_gone(p.c, p.ref, before_deadline(p.ctx.deadline));
    if (!gone(last)) fail(ExitCode::ErrGeneric, "domain {} is still {} after destroy", p.ref.name, state_text(last));
    p.ctx.log.info("domain {} destroyed", p.ref.name);
}

// True when the guest's RAM is now in save_dir and the domain is gone.
bool save_to_dir(StopPlan& p)
{
    SaveState saves(p.s.save_dir, p.ref.name);
    if (auto e = saves.begin_save()) {
        p.ctx.log.warn("not saving domain {}: {}; shutting it down instead", p.ref.name, *e);
        return false;
    }
    try {
        p.c.save(p.ref, saves.partial());
    } catch (const HvError& e) {
        if (e.unreachable()) throw;
        saves.abandon_save();
        p.ctx.log.warn("saving domain {} to {} failed: {}; shutting it down instead (its RAM state is lost)", p.ref.name,
                       saves.image(), e.what());
        return false;
    }
    if (auto e = saves.commit_save())
        p.ctx.log.error("domain {} was saved, but {}; rename it by hand to resume the guest", p.ref.name, *e);
    auto last = wait_gone(p.c, p.ref, before_deadline(p.ctx.deadline));
    if (!gone(last)) {
        p.ctx.log.warn("domain {} is still {} after saving it; destroying it", p.ref.name, state_text(last));
        return false;
    }
    p.ctx.log.info("domain {} saved to {} (the next start resumes it)", p.ref.name, saves.image());
    return true;
}

}  // namespace

Outcome VirtDomainAgent::stop(Context& ctx)
{
    Settings s = read_settings(ctx);
    Resolved r = resolve(ctx, s, true, false, read_briefly(s, ctx.deadline));
    if (!r.id && r.config.unknown)
        fail(ExitCode::ErrGeneric,
             "cannot tell whether a domain of this resource runs here: {}, and nothing is remembered from a start "
             "here; set parameter 'domain' to stop it without the file",
             r.config.problem);
    if (!r.id)
        return {ExitCode::Success,
                fmt::format("nothing to stop: {}, and no domain is remembered as started by this resource here",
                            r.config.problem)};
    const Identity id = *r.id;
    auto forget = [&] {
        if (auto e = forget_remembered(r.remembered_path)) ctx.log.warn("{}", *e);
    };
    // Without libvirtd, the qemu process tells whether the guest is really gone.
    auto unreachable = [&](const HvError& e) -> Outcome {
        if (local_system_qemu(id.hypervisor)) {
            auto pid = qemu_pid(options_.qemu_run_dir, id.name);
            if (!pid) {
                forget();
                return {ExitCode::Success,
                        fmt::format("libvirt is unreachable ({}), but domain {} has no qemu process here: it is stopped",
                                    e.what(), id.name)};
            }
            fail(ExitCode::ErrGeneric, "cannot stop domain {}: {}; its qemu process {} still runs", id.name, e.what(), *pid);
        }
        fail(ExitCode::ErrGeneric, "cannot stop domain {}: {}", id.name, e.what());
    };

    BoundedHypervisor hv(hypervisor_, ctx.deadline, limits_for(s, ctx.deadline));
    try {
        auto conn = hv.connect(id.hypervisor);
        StopPlan p{ctx, s, *conn, id.ref()};
        auto st = status_of(p.c, p.ref);
        if (gone(st)) {
            forget();
            return {ExitCode::Success, fmt::format("domain {} is not running ({})", id.name, state_text(st))};
        }
        ctx.log.info("stopping domain {} ({}; known from {})", id.name, describe(*st), id.source);
        save_config(ctx, s, p.c, p.ref);
        bool done = false;
        if (!s.force_stop) {
            bool can_save = st->state == DomainState::Running || st->state == DomainState::Blocked ||
                            st->state == DomainState::Paused;
            if (s.save_on_stop && !s.save_dir.empty() && can_save) done = save_to_dir(p);
            bool graceful_allowed = !s.shutdown_timeout || s.shutdown_timeout->count() > 0;
            if (!done && graceful_allowed) done = graceful_shutdown(p, status_of(p.c, p.ref));
        }
        if (!done) destroy_and_wait(p);
        forget();
        return ExitCode::Success;
    } catch (const HvError& e) {
        if (outcome_unknown(e)) return unreachable(e);
        hv_fail(e, fmt::format("cannot stop domain {}", id.name));
    }
}

// ---- monitor ----

namespace {

void sync_utilization(Context& ctx, const Settings& s, const Identity& id, const DomainStatus& st, Resolved& r)
{
    // attribute -> value to write; "" removes the attribute (unset_utilization_*), which is
    // remembered as "" so that it happens once per start.
    std::map<std::string, std::string> want;
    if (s.util_cpu && st.vcpus > 0) want["cpu"] = std::to_string(st.vcpus);
    if (s.util_hv && st.max_memory_kib > 0) want["hv_memory"] = std::to_string(st.max_memory_kib / 1024);
    if (s.util_host && st.max_memory_kib > 0) want["host_memory"] = std::to_string(st.max_memory_kib / 1024);
    if (!s.util_cpu && s.unset_cpu) want["cpu"] = "";
    if (!s.util_hv && s.unset_hv) want["hv_memory"] = "";
    if (!s.util_host && s.unset_host) want["host_memory"] = "";

    bool first = !r.remembered.has_value();
    Remembered m = r.remembered.value_or(Remembered{id.name, id.uuid, s.config, id.hypervisor, {}});
    bool changed = first;
    std::string instance = ctx.env.resource_instance();
    bool can_write = ctx.cluster.pacemaker() && !instance.empty();
    for (const auto& [attr, value] : want) {
        auto it = m.utilization.find(attr);
        if (it != m.utilization.end() && it->second == value) continue;
        if (!can_write) continue;
        CommandSpec cmd;
        if (value.empty())
            cmd.argv = {"crm_resource", "--resource", instance, "--utilization", "--delete-parameter", attr};
        else
            cmd.argv = {"crm_resource", "--resource", instance, "--utilization", "--set-parameter", attr, "--parameter-value", value};
        cmd.timeout = 10s;
        for (const char* v : {"CIB_file", "CIB_shadow"})
            if (auto x = ctx.env.get(v)) cmd.env[v] = *x;
        CommandResult res = ctx.runner.run(cmd, ctx.deadline);
        if (res.ok()) {
            m.utilization[attr] = value;
            changed = true;
            if (value.empty())
                ctx.log.info("utilization {} removed from {}", attr, instance);
            else
                ctx.log.info("utilization {}={} set for {}", attr, value, instance);
        } else {
            ctx.log.warn("could not {} utilization {}: {}", value.empty() ? "remove" : "set", attr, failure_message(cmd, res));
        }
    }
    if (changed)
        if (auto e = store_remembered(r.remembered_path, m)) ctx.log.warn("{}", *e);
}

}  // namespace

Outcome VirtDomainAgent::monitor(Context& ctx)
{
    Settings s = read_settings(ctx);
    Resolved r = resolve(ctx, s, true, false, read_briefly(s, ctx.deadline));
    if (!r.id) {
        if (ctx.probe && !r.config.unknown)
            return {ExitCode::NotRunning, fmt::format("{}; no domain of this resource can be running here", r.config.problem)};
        if (r.config.unknown)
            fail(ExitCode::ErrGeneric, "{}, and nothing is remembered from a start here; set parameter 'domain' to "
                 "monitor the guest without the file", r.config.problem);
        fail(r.config.code, "{}", r.config.problem);
    }
    const Identity id = *r.id;
    BoundedHypervisor hv(hypervisor_, ctx.deadline, limits_for(s, ctx.deadline));
    DomainStatus st;
    try {
        auto conn = hv.connect(id.hypervisor);
        auto found = status_of(*conn, id.ref());
        if (!found) return {ExitCode::NotRunning, fmt::format("domain {} is not defined here", id.name)};
        st = *found;
    } catch (const HvError& e) {
        if (!outcome_unknown(e)) hv_fail(e, fmt::format("cannot query domain {}", id.name));
        // libvirtd down or hung: the guest may well run on; its qemu process says so.
        if (!local_system_qemu(id.hypervisor)) fail(ExitCode::ErrGeneric, "cannot query domain {}: {}", id.name, e.what());
        if (auto pid = qemu_pid(options_.qemu_run_dir, id.name))
            return {ExitCode::Degraded, fmt::format("libvirt is unreachable ({}); the qemu process {} of domain {} still runs",
                                                    e.what(), *pid, id.name)};
        return {ExitCode::NotRunning,
                fmt::format("domain {} has no qemu process here (and libvirt is unreachable: {})", id.name, e.what())};
    }
    Outcome o = classify_state(st, id.name);
    if (!o.ok()) return o;
    sync_utilization(ctx, s, id, st, r);
    // Services inside are checked only while the guest runs: a guest paused on purpose is healthy.
    if (st.state == DomainState::Running || st.state == DomainState::Blocked) {
        Outcome scripts = run_monitor_scripts(ctx, s, id.name);
        if (!scripts.ok()) return scripts;
    }
    return o;
}

// ---- migration ----

Outcome VirtDomainAgent::migrate_to(Context& ctx)
{
    Settings s = read_settings(ctx);
    Resolved r = resolve(ctx, s, true, s.start_resources, read_briefly(s, ctx.deadline));
    if (!r.id) fail(r.config.code, "{}", r.config.problem);
    const Identity id = *r.id;
    std::string target = ctx.env.meta("migrate_target").value_or("");
    auto local = parse_libvirt_uri(id.hypervisor).uri;
    if (!local) fail(ExitCode::ErrConfigured, "parameter 'hypervisor': {}", parse_libvirt_uri(id.hypervisor).error);

    MigrationSettings ms;
    ms.hypervisor = *local;
    ms.transport = text_param(ctx.params, "migration_transport");
    ms.user = text_param(ctx.params, "migration_user");
    ms.network_suffix = text_param(ctx.params, "migration_network_suffix");
    ms.remoteuri = text_param(ctx.params, "remoteuri");
    ms.migrateuri = text_param(ctx.params, "migrateuri");
    if (auto port = int_param(ctx.params, "migrateport")) ms.migrateport = static_cast<int>(*port);
    ms.speed_mib_s = int_param(ctx.params, "migration_speed").value_or(0);
    ms.downtime_ms = int_param(ctx.params, "migration_downtime").value_or(0);
    ms.options = text_param(ctx.params, "migrate_options");
    ms.persistent = s.persistent;
    PlanResult planned = plan_migration(ms, target);
    // Options wrong in themselves are wrong everywhere; what depends on the target node is not.
    if (!planned.plan)
        fail(planned.parameter == "CRM_meta_migrate_target" || planned.parameter == "remoteuri" ? ExitCode::ErrGeneric
                                                                                               : ExitCode::ErrConfigured,
             "parameter '{}': {}", planned.parameter, planned.error);
    const MigrationPlan& plan = *planned.plan;

    BoundedHypervisor hv(hypervisor_, ctx.deadline, limits_for(s, ctx.deadline));
    try {
        auto conn = hv.connect(id.hypervisor);
        Connection& c = *conn;
        DomainRef ref = id.ref();
        auto st = status_of(c, ref);
        if (!st || !classify_state(*st, id.name).ok())
            fail(ExitCode::ErrGeneric, "cannot migrate domain {} to {}: it is not running here ({})", id.name, target,
                 state_text(st));
        save_config(ctx, s, c, ref);
        if (s.start_resources) {
            if (!r.config.xml) fail(ExitCode::ErrGeneric, "parameter 'start_resources': {}", r.config.problem);
            // On the target, through a connection of its own (bounded like every call).
            try {
                auto there = hv.connect(plan.request.dest_uri);
                activate_resources(ctx, *there, *r.config.xml, fmt::format("on {} ({})", target, plan.request.dest_uri),
                                   ExitCode::ErrGeneric);
            } catch (const HvError& e) {
                fail(ExitCode::ErrGeneric,
                     "cannot migrate domain {} to {}: parameter 'start_resources': {}; the guest keeps running here",
                     id.name, target, e.what());
            }
        }
        if (plan.downtime_ms > 0) {
            try {
                c.set_max_downtime(ref, plan.downtime_ms);
            } catch (const HvError& e) {
                if (e.unreachable()) throw;
                ctx.log.warn("could not set the migration downtime of {} to {} ms: {}", id.name, plan.downtime_ms, e.what());
            }
        }
        ctx.log.info("migrating domain {} live to {} ({}; data channel {})", id.name, target, plan.request.dest_uri,
                     plan.request.migrate_uri.empty() ? "libvirt's default" : plan.request.migrate_uri);
        auto t0 = Deadline::Clock::now();
        try {
            c.migrate(ref, plan.request);
        } catch (const HvError& e) {
            std::string why = e.what();
            if (e.kind() == HvErrorKind::Timeout) {
                try {
                    c.abort_job(ref);
                    why += "; the migration job was aborted";
                } catch (const HvError& a) {
                    why += fmt::format("; aborting the migration job failed too: {}", a.what());
                }
            }
            // The guest must keep running here: wait for libvirt to finish its clean-up, resume if needed.
            std::string here;
            try {
                Deadline settle = earliest(ctx.deadline, Deadline::after(5s));
                std::optional<DomainStatus> now;
                for (;;) {
                    now = status_of(c, ref);
                    bool migrating = now && now->state == DomainState::Paused &&
                                     (now->reason == paused_reason::Migration || now->reason == paused_reason::Postcopy);
                    if (!migrating || settle.remaining() < 300ms) break;
                    std::this_thread::sleep_for(200ms);
                }
                if (now && now->state == DomainState::Paused && now->reason == paused_reason::Migration) {
                    c.resume(ref);
                    now = status_of(c, ref);
                }
                here = now && classify_state(*now, id.name).ok()
                           ? fmt::format("the guest keeps running here ({})", describe(*now))
                           : fmt::format("the guest is {} here", state_text(now));
            } catch (const HvError& e2) {
                here = fmt::format("its state here is unknown: {}", e2.what());
            }
            fail(ExitCode::ErrGeneric, "live migration of domain {} to {} ({}) failed: {}; {}", id.name, target,
                 plan.request.dest_uri, why, here);
        }
        auto ms_taken = std::chrono::duration_cast<milliseconds>(Deadline::Clock::now() - t0).count();
        if (auto e = forget_remembered(r.remembered_path)) ctx.log.warn("{}", *e);
        return {ExitCode::Success, fmt::format("domain {} migrated live to {} in {} ms", id.name, target, ms_taken)};
    } catch (const HvError& e) {
        hv_fail(e, fmt::format("cannot migrate domain {} to {}", id.name, target));
    }
}

Outcome VirtDomainAgent::migrate_from(Context& ctx)
{
    Settings s = read_settings(ctx);
    Resolved r = resolve(ctx, s, false, true, read_until(ctx.deadline));
    if (!r.id) fail(r.config.code, "{}", r.config.problem);
    const Identity id = *r.id;
    std::string source = ctx.env.meta("migrate_source").value_or("the source node");
    bool paused_ok = text_param(ctx.params, "migrate_options").find("--suspend") != std::string::npos;

    BoundedHypervisor hv(hypervisor_, ctx.deadline, limits_for(s, ctx.deadline));
    try {
        auto conn = hv.connect(id.hypervisor);
        Connection& c = *conn;
        DomainRef ref{id.name, id.uuid};
        std::optional<DomainStatus> st;
        for (;;) {
            st = status_of(c, ref);
            bool arrived = st && (st->state == DomainState::Running || st->state == DomainState::Blocked ||
                                  (paused_ok && st->state == DomainState::Paused));
            if (arrived) break;
            if (st && !classify_state(*st, id.name).ok() && st->state != DomainState::ShutOff)
                fail(ExitCode::ErrGeneric, "domain {} arrived from {} but is {}", id.name, source, describe(*st));
            if (ctx.deadline.remaining() < 300ms)
                fail(ExitCode::ErrGeneric, "domain {} did not arrive from {} in time (here it is {})", id.name, source,
                     state_text(st));
            std::this_thread::sleep_for(200ms);
        }
        auto info = c.find_by_name(id.name);
        if (s.persistent && info && !info->persistent && r.config.xml) {
            try {
                c.define(r.config.xml->uuid.empty() ? with_uuid(r.config.text, info->uuid) : r.config.text);
            } catch (const HvError& e) {
                if (e.unreachable()) throw;
                ctx.log.warn("domain {} runs here but could not be defined persistently: {}", id.name, e.what());
            }
        }
        remember(ctx, r.remembered_path, s, id.name, info ? info->uuid : id.uuid, id.hypervisor);
        wait_monitor_scripts(ctx, s, id.name);
        return {ExitCode::Success, fmt::format("domain {} arrived from {} and runs here", id.name, source)};
    } catch (const HvError& e) {
        hv_fail(e, fmt::format("domain {} from {}", id.name, source));
    }
}

}  // namespace ocfkit::virtdomain
