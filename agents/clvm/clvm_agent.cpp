// clvm's declarative description: parameters (with their syntax checks) and actions.
#include "clvm_agent.h"

#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace ocfkit::clvm {

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

}  // namespace

const AgentSpec& ClvmAgent::spec() const { return kSpec; }

}  // namespace ocfkit::clvm
