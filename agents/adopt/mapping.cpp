// The stock-to-ocfkit parameter tables. Each entry says what happens to one stock parameter;
// the tests fail when a stock agent's meta-data names a parameter no entry covers, or when an
// entry names a parameter our agent does not have.
#include "mapping.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace ocfkit::adopt {

namespace {

constexpr std::array kFalseOnly{AcceptedValue{"false"}};

// ------------------------------------------------------------- ocf:heartbeat:Filesystem → gfs2fs
constexpr std::array kRunFsck{AcceptedValue{"auto"}, AcceptedValue{"force"}, AcceptedValue{"no"}};
constexpr std::array kForceUnmount{AcceptedValue{"true"}, AcceptedValue{"safe"}, AcceptedValue{"false"},
                                   AcceptedValue{"yes"}, AcceptedValue{"no"}, AcceptedValue{"1"},
                                   AcceptedValue{"0"}};
constexpr std::array kFilesystem{
    ParamRule{.stock = "device", .kind = RuleKind::Same, .target = "device"},
    ParamRule{.stock = "directory", .kind = RuleKind::Same, .target = "directory"},
    // Required by the stock agent, so always written: our default (gfs2) never applies.
    ParamRule{.stock = "fstype", .kind = RuleKind::Same, .target = "fstype"},
    ParamRule{.stock = "options", .kind = RuleKind::Same, .target = "options"},
    ParamRule{.stock = "statusfile_prefix", .kind = RuleKind::Same, .target = "statusfile_prefix"},
    ParamRule{.stock = "run_fsck", .kind = RuleKind::Same, .target = "run_fsck",
              .why = "gfs2fs knows run_fsck auto, force and no only", .accepted = kRunFsck},
    ParamRule{.stock = "fast_stop", .kind = RuleKind::Same, .target = "fast_stop", .type = ValueType::OcfBool},
    ParamRule{.stock = "force_clones", .kind = RuleKind::Same, .target = "force_clones", .type = ValueType::OcfBool},
    // 4.17 added "move" (move the mount away instead of killing holders): gfs2fs has no such mode.
    ParamRule{.stock = "force_unmount", .kind = RuleKind::Same, .target = "force_unmount",
              .why = "gfs2fs's force_unmount is true, safe or false", .accepted = kForceUnmount},
    // 4.13+: lists of signals; gfs2fs sends one term and one kill signal.
    ParamRule{.stock = "term_signals", .kind = RuleKind::Rename, .target = "term_signal",
              .why = "gfs2fs sends one term signal, not a list", .type = ValueType::Word},
    ParamRule{.stock = "kill_signals", .kind = RuleKind::Rename, .target = "kill_signal",
              .why = "gfs2fs sends one kill signal, not a list", .type = ValueType::Word},
    ParamRule{.stock = "signal_delay", .kind = RuleKind::Same, .target = "signal_delay",
              .why = "gfs2fs's signal_delay is whole seconds", .type = ValueType::Integer},
};

// ------------------------------------------------------- ocf:heartbeat:VirtualDomain → virtdomain
// virtdomain keeps every VirtualDomain name (snapshot too, as a deprecated alias of save_dir).
constexpr std::array kMigrationTransport{AcceptedValue{""}, AcceptedValue{"ssh"}, AcceptedValue{"tcp"},
                                         AcceptedValue{"tls"}, AcceptedValue{"libssh2"}, AcceptedValue{"libssh"}};
constexpr std::array kVirtualDomain{
    ParamRule{.stock = "config", .kind = RuleKind::Same, .target = "config"},
    ParamRule{.stock = "hypervisor", .kind = RuleKind::Same, .target = "hypervisor"},
    ParamRule{.stock = "force_stop", .kind = RuleKind::Same, .target = "force_stop", .type = ValueType::OcfBool},
    ParamRule{.stock = "migration_transport", .kind = RuleKind::Same, .target = "migration_transport",
              .why = "virtdomain knows the transports ssh, tcp, tls, libssh2 and libssh", .accepted = kMigrationTransport},
    ParamRule{.stock = "migration_user", .kind = RuleKind::Same, .target = "migration_user"},
    ParamRule{.stock = "migration_downtime", .kind = RuleKind::Same, .target = "migration_downtime",
              .why = "virtdomain's migration_downtime is an integer (ms)", .type = ValueType::Integer},
    ParamRule{.stock = "migration_speed", .kind = RuleKind::Same, .target = "migration_speed",
              .why = "virtdomain's migration_speed is an integer (MiB/s)", .type = ValueType::Integer},
    ParamRule{.stock = "migration_network_suffix", .kind = RuleKind::Same, .target = "migration_network_suffix"},
    ParamRule{.stock = "migrateuri", .kind = RuleKind::Same, .target = "migrateuri"},
    ParamRule{.stock = "migrate_options", .kind = RuleKind::Same, .target = "migrate_options"},
    ParamRule{.stock = "monitor_scripts", .kind = RuleKind::Same, .target = "monitor_scripts"},
    ParamRule{.stock = "autoset_utilization_cpu", .kind = RuleKind::Same, .target = "autoset_utilization_cpu",
              .type = ValueType::OcfBool},
    ParamRule{.stock = "autoset_utilization_host_memory", .kind = RuleKind::Same,
              .target = "autoset_utilization_host_memory", .type = ValueType::OcfBool},
    ParamRule{.stock = "autoset_utilization_hv_memory", .kind = RuleKind::Same,
              .target = "autoset_utilization_hv_memory", .type = ValueType::OcfBool},
    ParamRule{.stock = "unset_utilization_cpu", .kind = RuleKind::Same, .target = "unset_utilization_cpu",
              .type = ValueType::OcfBool},
    ParamRule{.stock = "unset_utilization_host_memory", .kind = RuleKind::Same,
              .target = "unset_utilization_host_memory", .type = ValueType::OcfBool},
    ParamRule{.stock = "unset_utilization_hv_memory", .kind = RuleKind::Same,
              .target = "unset_utilization_hv_memory", .type = ValueType::OcfBool},
    ParamRule{.stock = "migrateport", .kind = RuleKind::Same, .target = "migrateport",
              .why = "virtdomain's migrateport is an integer", .type = ValueType::Integer},
    ParamRule{.stock = "remoteuri", .kind = RuleKind::Same, .target = "remoteuri"},
    ParamRule{.stock = "save_config_on_stop", .kind = RuleKind::Same, .target = "save_config_on_stop",
              .type = ValueType::OcfBool},
    ParamRule{.stock = "sync_config_on_stop", .kind = RuleKind::Same, .target = "sync_config_on_stop",
              .type = ValueType::OcfBool},
    ParamRule{.stock = "snapshot", .kind = RuleKind::Same, .target = "snapshot"},
    ParamRule{.stock = "backingfile", .kind = RuleKind::Same, .target = "backingfile"},
    ParamRule{.stock = "stateless", .kind = RuleKind::Same, .target = "stateless", .type = ValueType::OcfBool},
    ParamRule{.stock = "copyindirs", .kind = RuleKind::Same, .target = "copyindirs"},
    ParamRule{.stock = "shutdown_mode", .kind = RuleKind::Same, .target = "shutdown_mode"},
    ParamRule{.stock = "start_resources", .kind = RuleKind::Same, .target = "start_resources",
              .type = ValueType::OcfBool},
};

// ---------------------------------------------------------------- ocf:linbit:drbd → drbd-dual
constexpr std::array kDrbd{
    ParamRule{.stock = "drbd_resource", .kind = RuleKind::Same, .target = "drbd_resource"},
    ParamRule{.stock = "drbdconf", .kind = RuleKind::Same, .target = "drbdconf"},
    ParamRule{.stock = "adjust_master_score", .kind = RuleKind::Same, .target = "adjust_master_score"},
    ParamRule{.stock = "ignore_missing_notifications", .kind = RuleKind::Same,
              .target = "ignore_missing_notifications", .type = ValueType::OcfBool},
    ParamRule{.stock = "wfc_timeout", .kind = RuleKind::Same, .target = "wfc_timeout",
              .why = "drbd-dual's wfc_timeout is whole seconds", .type = ValueType::Integer},
    ParamRule{.stock = "require_drbd_module_version_ge", .kind = RuleKind::Same,
              .target = "require_drbd_module_version_ge"},
    ParamRule{.stock = "require_drbd_module_version_lt", .kind = RuleKind::Same,
              .target = "require_drbd_module_version_lt"},
    ParamRule{.stock = "stop_outdates_secondary", .kind = RuleKind::Same, .target = "stop_outdates_secondary",
              .type = ValueType::OcfBool},
    ParamRule{.stock = "unfence_if_all_uptodate", .kind = RuleKind::Same, .target = "unfence_if_all_uptodate",
              .type = ValueType::OcfBool},
    ParamRule{.stock = "unfence_extra_args", .kind = RuleKind::Same, .target = "unfence_extra_args"},
    // drbd-dual acts on these two only with promoted-max=1 and refuses true with promoted-max=2,
    // where the stock agent ignores fail_promote_early and remove_master_score blocks the second
    // Primary; the tables do not see promoted-max, so only false converts.
    ParamRule{.stock = "remove_master_score_if_peer_primary", .kind = RuleKind::Drop,
              .why = "with promoted-max=2 a Primary peer is the normal state; drbd-dual refuses it there",
              .type = ValueType::OcfBool, .accepted = kFalseOnly},
    ParamRule{.stock = "fail_promote_early_if_peer_primary", .kind = RuleKind::Drop,
              .why = "with promoted-max=2 a Primary peer is the normal state; drbd-dual refuses it there",
              .type = ValueType::OcfBool, .accepted = kFalseOnly},
    ParamRule{.stock = "connect_only_after_promote", .kind = RuleKind::Drop,
              .why = "drbd-dual refuses it: a node that never connected cannot know its data is current, and two "
                     "Primaries would write apart",
              .type = ValueType::OcfBool, .accepted = kFalseOnly},
};

// ------------------------------------------------------------ ocf:pacemaker:controld → controld
constexpr std::array kControld{
    ParamRule{.stock = "args", .kind = RuleKind::Same, .target = "args"},
    ParamRule{.stock = "daemon", .kind = RuleKind::Same, .target = "daemon"},
    // Our agent keeps the old name only as a deprecated alias.
    ParamRule{.stock = "allow_stonith_disabled", .kind = RuleKind::Rename, .target = "allow_fencing_disabled",
              .type = ValueType::OcfBool},
    // Pacemaker 3.0.2's name.
    ParamRule{.stock = "allow_fencing_disabled", .kind = RuleKind::Same, .target = "allow_fencing_disabled",
              .type = ValueType::OcfBool},
};

// ---------------------------------------------------------------- ocf:heartbeat:lvmlockd → clvm
constexpr std::array kAdopt{AcceptedValue{"1", "true"}, AcceptedValue{"0", "false"}};
constexpr std::array kLvmlockdPid{AcceptedValue{"/run/lvmlockd.pid"}};
constexpr std::array kLvmlockdSocket{AcceptedValue{"/run/lvm/lvmlockd.socket"}};
constexpr std::array kSyslogWarning{AcceptedValue{"warning"}};
constexpr std::array kLvmlockd{
    ParamRule{.stock = "pidfile", .kind = RuleKind::Drop,
              .why = "clvm runs lvmlockd with its pid file at /run/lvmlockd.pid", .accepted = kLvmlockdPid},
    ParamRule{.stock = "socket_path", .kind = RuleKind::Drop,
              .why = "clvm uses lvmlockd's socket at /run/lvm/lvmlockd.socket", .accepted = kLvmlockdSocket},
    ParamRule{.stock = "syslog_priority", .kind = RuleKind::Drop,
              .why = "lvmlockd logs at warning unless told otherwise; give another priority as "
                     "daemon_options=\"-S PRIORITY\" after adoption",
              .accepted = kSyslogWarning},
    ParamRule{.stock = "adopt", .kind = RuleKind::Same, .target = "adopt",
              .why = "lvmlockd's -A takes 0 or 1", .accepted = kAdopt},
};
constexpr std::array kLvmlockdFixed{
    FixedParam{"lock_manager", "lvmlockd", "ocf:heartbeat:lvmlockd runs lvmlockd; clvm's auto would choose from lvm.conf"},
};

// -------------------------------------------------------------------- ocf:heartbeat:clvm → clvm
constexpr std::array kClvm{
    ParamRule{.stock = "with_cmirrord", .kind = RuleKind::Same, .target = "with_cmirrord", .type = ValueType::OcfBool},
    ParamRule{.stock = "daemon_options", .kind = RuleKind::Same, .target = "daemon_options"},
    // The stock agent activates every clustered VG it finds; clvm activates the VGs named in
    // volgrpname, which the CIB does not tell.
    ParamRule{.stock = "activate_vgs", .kind = RuleKind::Drop,
              .why = "with activate_vgs=true the stock agent activates every clustered VG; clvm activates "
                     "only those named in volgrpname, which the configuration does not name",
              .type = ValueType::OcfBool, .accepted = kFalseOnly},
    ParamRule{.stock = "exclusive", .kind = RuleKind::Drop,
              .why = "clvm monitors every listed VG, exclusive or not", .type = ValueType::OcfBool,
              .accepted = kFalseOnly},
};
constexpr std::array kClvmFixed{
    FixedParam{"lock_manager", "clvmd", "ocf:heartbeat:clvm runs clvmd; clvm's auto would choose from lvm.conf"},
};
// Unset, the stock agent activates every clustered VG: that does not convert either.
constexpr std::array kClvmDefaults{StockDefault{"activate_vgs", "true"}};

// ------------------------------------------------------------ ocf:heartbeat:LVM-activate → clvm
constexpr std::array kVgAccess{AcceptedValue{"lvmlockd"}, AcceptedValue{"clvmd"}};
constexpr std::array kEmptyOnly{AcceptedValue{""}};
constexpr std::array kLvmActivate{
    ParamRule{.stock = "vgname", .kind = RuleKind::Rename, .target = "volgrpname"},
    ParamRule{.stock = "lvname", .kind = RuleKind::Drop, .why = "clvm activates whole volume groups, not one LV",
              .accepted = kEmptyOnly},
    ParamRule{.stock = "vg_access_mode", .kind = RuleKind::Rename, .target = "lock_manager",
              .why = "clvm protects VGs with lvmlockd or clvmd only (not system_id or tagging)",
              .accepted = kVgAccess},
    ParamRule{.stock = "activation_mode", .kind = RuleKind::Same, .target = "activation_mode"},
    ParamRule{.stock = "tag", .kind = RuleKind::Drop, .why = "used only with vg_access_mode=tagging, which does not convert"},
    ParamRule{.stock = "partial_activation", .kind = RuleKind::Drop, .why = "clvm never activates a VG partially",
              .type = ValueType::OcfBool, .accepted = kFalseOnly},
    ParamRule{.stock = "degraded_activation", .kind = RuleKind::Drop,
              .why = "clvm never activates RAID LVs degraded", .type = ValueType::OcfBool, .accepted = kFalseOnly},
    ParamRule{.stock = "majority_pvs", .kind = RuleKind::Drop,
              .why = "used with system_id only, which does not convert", .type = ValueType::OcfBool,
              .accepted = kFalseOnly},
};

constexpr std::array kMappings{
    AgentMapping{.stock = "ocf:heartbeat:Filesystem", .target = "gfs2fs", .rules = kFilesystem},
    // VirtualDomain bounds no virsh call: each may take the whole operation's timeout. virtdomain
    // fails a quick libvirt call after call_timeout (default 10 s), so a libvirtd that answers
    // the monitor in 15 s, which the stock agent accepted, would fail it and restart the guest.
    AgentMapping{.stock = "ocf:heartbeat:VirtualDomain", .target = "virtdomain", .rules = kVirtualDomain,
                 .from_monitor_timeout = "call_timeout", .monitor_timeout_min = 10, .monitor_timeout_max = 600,
                 .monitor_timeout_why = "VirtualDomain waits for libvirt as long as the monitor's timeout allows; "
                                        "virtdomain's default (10 s) would fail monitors the stock agent passed"},
    AgentMapping{.stock = "ocf:linbit:drbd", .target = "drbd-dual", .rules = kDrbd},
    AgentMapping{.stock = "ocf:pacemaker:controld", .target = "controld", .rules = kControld},
    AgentMapping{.stock = "ocf:heartbeat:lvmlockd", .target = "clvm", .rules = kLvmlockd, .fixed = kLvmlockdFixed},
    AgentMapping{.stock = "ocf:heartbeat:clvm", .target = "clvm", .rules = kClvm, .fixed = kClvmFixed,
                 .defaults = kClvmDefaults},
    // clvm runs the lock daemon and the activation in one resource: an LVM-activate resource
    // could only be merged into the lvmlockd resource it depends on. Its rules say how.
    AgentMapping{.stock = "ocf:heartbeat:LVM-activate", .target = "clvm", .rules = kLvmActivate,
                 .blocker = "ocf:custom:clvm activates VGs in the same resource that runs the lock daemon; "
                            "a separate LVM-activate resource would have to be merged into it, which adopt "
                            "does not do: it stays (the lvmlockd resource converts without it)"},
};

std::string lower(std::string_view s)
{
    std::string out;
    for (char c : s) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string trim(std::string_view s)
{
    auto b = s.find_first_not_of(" \t\n");
    if (b == std::string_view::npos) return {};
    auto e = s.find_last_not_of(" \t\n");
    return std::string(s.substr(b, e - b + 1));
}

bool is_integer(std::string_view s)
{
    if (!s.empty() && (s.front() == '-' || s.front() == '+')) s.remove_prefix(1);
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Values our boolean parameters read the same way (lib's parse_bool).
bool ours_reads_bool(std::string_view v)
{
    std::string l = lower(v);
    for (auto* ok : {"1", "yes", "true", "on", "y", "0", "no", "false", "off", "n"})
        if (l == ok) return true;
    return false;
}

}  // namespace

std::span<const AgentMapping> agent_mappings() { return kMappings; }

const AgentMapping* find_mapping(std::string_view stock_agent)
{
    for (const auto& m : kMappings)
        if (m.stock == stock_agent) return &m;
    return nullptr;
}

const ParamRule* find_rule(const AgentMapping& mapping, std::string_view stock_param)
{
    for (const auto& r : mapping.rules)
        if (r.stock == stock_param) return &r;
    return nullptr;
}

std::optional<long long> duration_ms(std::string_view text)
{
    std::string t = lower(trim(text));
    std::size_t digits = 0;
    while (digits < t.size() && t[digits] >= '0' && t[digits] <= '9') ++digits;
    if (digits == 0 || digits > 12) return std::nullopt;
    long long n = std::stoll(t.substr(0, digits));
    std::string unit = trim(t.substr(digits));
    if (unit.empty() || unit == "s" || unit == "sec") return n * 1000;
    if (unit == "ms" || unit == "msec") return n;
    if (unit == "us" || unit == "usec") return n / 1000;
    if (unit == "m" || unit == "min") return n * 60'000;
    if (unit == "h" || unit == "hr") return n * 3'600'000;
    return std::nullopt;
}

bool ocf_is_true(std::string_view value)
{
    std::string l = lower(value);
    return l == "y" || l == "yes" || l == "t" || l == "true" || l == "on" || l == "1";
}

ValueVerdict judge_value(const ParamRule& rule, std::string_view value)
{
    ValueVerdict v;
    std::string carried(value);
    std::string compared = lower(trim(value));
    switch (rule.type) {
    case ValueType::Text:
        break;
    case ValueType::OcfBool: {
        bool b = ocf_is_true(trim(value));
        compared = b ? "true" : "false";
        // Spellings our parser reads alike stay as written; others (t, garbage) as the stock agent read them.
        if (!ours_reads_bool(trim(value))) carried = compared;
        break;
    }
    case ValueType::Integer:
        if (!is_integer(trim(value))) {
            v.reason = rule.why.empty() ? "not an integer" : std::string(rule.why);
            return v;
        }
        carried = trim(value);
        break;
    case ValueType::Word:
        if (trim(value).find_first_of(" \t\n") != std::string::npos) {
            v.reason = std::string(rule.why);
            return v;
        }
        carried = trim(value);
        break;
    }
    if (!rule.accepted.empty()) {
        auto it = std::find_if(rule.accepted.begin(), rule.accepted.end(),
                               [&](const AcceptedValue& a) { return lower(a.stock) == compared; });
        if (it == rule.accepted.end()) {
            v.reason = std::string(rule.why);
            return v;
        }
        if (!it->ours.empty()) carried = it->ours;
    }
    v.ok = true;
    v.value = carried;
    return v;
}

std::string_view to_string(RuleKind kind)
{
    switch (kind) {
    case RuleKind::Same: return "same";
    case RuleKind::Rename: return "renamed";
    case RuleKind::Drop: return "dropped";
    case RuleKind::Unsupported: return "unsupported";
    }
    return "?";
}

}  // namespace ocfkit::adopt
