// virtdomain's declarative description: parameters (with their syntax checks) and actions.
#include "agent_spec.h"

#include <cctype>
#include <sstream>

#include <fmt/format.h>

#include "domain_xml.h"
#include "libvirt_uri.h"
#include "migration.h"
#include "settings.h"

namespace ocfkit::virtdomain {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

const char* const kSharedFsDefault =
    "gfs2 ocfs2 nfs nfs4 cifs smb3 glusterfs fuse.glusterfs ceph fuse.ceph fuse.cephfs lustre gpfs beegfs";

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
                         "migrate) are bounded by the operation's timeout. Once an operation found libvirt unreachable "
                         "here, stop, start and migration connect with at most 10 s while the same libvirt daemon process "
                         "runs; the monitor always waits the full bound.",
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

}  // namespace

const AgentSpec& agent_spec() { return kSpec; }

}  // namespace ocfkit::virtdomain
