// drbd-dual's declarative description: parameters (with their syntax checks) and actions.
#include "drbd_dual_agent.h"

#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "health.h"
#include "parse/proc_drbd.h"
#include "resource_name.h"
#include "score_keeper.h"

namespace ocfkit::drbd {

namespace {

using namespace std::chrono_literals;

// drbdconf: the characters ocf:linbit:drbd accepts in what it passes to drbdadm.
ParamCheck path_chars()
{
    return [](std::string_view v) -> std::optional<std::string> {
        for (char c : v) {
            bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      std::string_view("-%+./:=@_").find(c) != std::string_view::npos;
            if (!ok)
                return fmt::format("'{}' contains '{}'; only letters, digits and -%+./:=@_ are allowed", v,
                                   c == '\n' ? std::string("\\n") : std::string(1, c));
        }
        return std::nullopt;
    };
}

ParamCheck resource_name()
{
    return [](std::string_view v) { return resource_name_problem(v); };
}

ParamCheck version_or_empty()
{
    return [](std::string_view v) -> std::optional<std::string> {
        if (v.empty()) return std::nullopt;
        auto k = parse_kernel_version(v);
        if (!k || k->text != v) return fmt::format("'{}' is not a version x.y.z", v);
        return std::nullopt;
    };
}

ParamCheck score_table()
{
    return [](std::string_view v) { return score_table_problem(v); };
}

// ocf:linbit:drbd reads this one as an OCF boolean or the word "unexpected"; anything else is
// false there, which here would hide a typo.
ParamCheck bool_or_unexpected()
{
    return [](std::string_view v) -> std::optional<std::string> {
        if (v.empty() || v == "unexpected" || parse_bool(v)) return std::nullopt;
        return fmt::format("'{}' is neither a boolean nor 'unexpected'", v);
    };
}

constexpr const char* kUnfenceArgsDefault = "--quiet --flock-required --flock-timeout 0 --unfence-only-if-owner-match";

const AgentSpec kSpec{
    .name = "drbd-dual",
    .version = "1.0.0",
    .shortdesc = "DRBD resource as a promotable clone, ready for dual-primary",
    .longdesc =
        "Manages one DRBD resource as a promotable clone: start brings it up as Secondary and waits for the "
        "replication link, promote makes it Primary only with UpToDate data, monitor reports degraded states "
        "(peer disconnected or Outdated, resync, suspected split-brain) as 190/191. With promoted-max=2 both "
        "nodes are Primary, as DLM, lvmlockd and GFS2 need; validate-all then checks that the DRBD "
        "configuration allows it safely (allow-two-primaries, protocol C, fencing resource-and-stonith, a "
        "fence-peer handler). Works with DRBD 9 and with the DRBD 8.4 kernel module, detected at run time. "
        "Parameter names follow ocf:linbit:drbd where they overlap. The agent never discards data: a "
        "split-brain is reported, and its recovery is left to the administrator (see the agent's README).",
    .params =
        {
            {.name = "drbd_resource",
             .shortdesc = "DRBD resource name",
             .longdesc = "The name of the resource in the DRBD configuration (drbdadm's name for it): up to 127 "
                         "letters, digits and ._-+=@%, not starting with '-' or '.', without '..', and not 'all'.",
             .required = true,
             .unique_group = "drbd_resource",
             .check = resource_name()},
            {.name = "drbdconf",
             .shortdesc = "DRBD configuration file",
             .longdesc = "Full path of the DRBD configuration file, passed to drbdadm -c.",
             .default_value = "/etc/drbd.conf",
             .check = check::all_of({check::absolute_path(), path_chars()})},
            {.name = "adjust_master_score",
             .shortdesc = "Promotion scores",
             .longdesc =
                 "Four non-decreasing promotion scores, as in ocf:linbit:drbd: local data only Consistent "
                 "(offered only when DRBD fencing is configured, so DRBD fences the peer before it promotes); "
                 "local disk Diskless with a connected UpToDate peer; local data UpToDate but a peer's state "
                 "unknown; local data UpToDate and Primary or every peer known. A score of 0 removes the "
                 "node's promotion score. Inconsistent or Outdated data never gets a score.",
             .default_value = "0 10 1000 10000",
             .reloadable = true,
             .check = score_table()},
            {.name = "start_wait_for",
             .type = ParamType::Select,
             .shortdesc = "What start waits for",
             .longdesc = "After bringing the resource up as Secondary, start waits up to wfc_timeout seconds "
                         "(never past the operation's deadline) for: attached (the local disk), connected (every "
                         "peer connected) or uptodate (the local disk UpToDate, i.e. a resync finished). If the "
                         "state is not reached in time, start still succeeds with the disk attached, and "
                         "monitor reports the resource degraded.",
             .default_value = "connected",
             .reloadable = true,
             .choices = {"attached", "connected", "uptodate"}},
            {.name = "wfc_timeout",
             .type = ParamType::Integer,
             .shortdesc = "Seconds start waits for start_wait_for",
             .longdesc = "How long start waits for the state named by start_wait_for; 0 does not wait.",
             .default_value = "5",
             .reloadable = true,
             .check = check::integer_range(0, 86400)},
            {.name = "ignore_missing_notifications",
             .type = ParamType::Boolean,
             .shortdesc = "Allow notify=false",
             .longdesc = "The agent reconnects a returning peer from its start notification and so needs the "
                         "clone's notify=true meta attribute; set this to run without notifications.",
             .default_value = "false"},
            {.name = "require_drbd_module_version_ge",
             .shortdesc = "Minimum DRBD kernel module version",
             .longdesc = "Fail (not installed) unless the loaded DRBD module is at least this version x.y.z; "
                         "empty skips the check.",
             .default_value = "",
             .check = version_or_empty()},
            {.name = "require_drbd_module_version_lt",
             .shortdesc = "DRBD kernel module version limit",
             .longdesc = "Fail (not installed) unless the loaded DRBD module is older than this version x.y.z; "
                         "empty skips the check.",
             .default_value = "",
             .check = version_or_empty()},
            {.name = "stop_outdates_secondary",
             .type = ParamType::Boolean,
             .shortdesc = "Outdate this copy when stopped beside a Primary",
             .longdesc = "As in ocf:linbit:drbd: when stop takes this node down while another node stays Primary, "
                         "mark this node's data Outdated in DRBD's meta-data (drbdadm outdate), so it cannot be "
                         "promoted later without a resync from the newer copy. The Primary is taken from DRBD's "
                         "own connection just before going down (a connected peer in role Primary), not from "
                         "Pacemaker's notification variables.",
             .default_value = "false",
             .reloadable = true},
            {.name = "remove_master_score_if_peer_primary",
             .shortdesc = "No promotion score while connected to a Primary peer (single-primary)",
             .longdesc = "As in ocf:linbit:drbd, for promoted-max=1 only: true withdraws this node's promotion "
                         "score while it is Secondary and connected to a Primary peer whose disks are all "
                         "UpToDate, so a Pacemaker partition cannot pick it while DRBD still sees the Primary. "
                         "With promoted-max=2 a Primary peer is the normal state, so true (or 'unexpected') is "
                         "refused there; 'unexpected' is refused everywhere (it needs Pacemaker's view of the "
                         "promoted instance, which drbd-dual does not read). false ignores the peer's role.",
             .default_value = "false",
             .check = bool_or_unexpected()},
            {.name = "fail_promote_early_if_peer_primary",
             .type = ParamType::Boolean,
             .shortdesc = "Promote fails at once when a peer stays Primary (single-primary)",
             .longdesc = "As in ocf:linbit:drbd, for promoted-max=1 only: when the first promotion attempt finds a "
                         "connected peer still Primary, promote fails then instead of retrying until the deadline. "
                         "Refused with promoted-max=2, where a Primary peer is the normal state.",
             .default_value = "false"},
            {.name = "unfence_if_all_uptodate",
             .type = ParamType::Boolean,
             .shortdesc = "Remove stale fencing constraints once all data is UpToDate",
             .longdesc = "As in ocf:linbit:drbd: when this node is Primary and its disks and every peer's disks "
                         "are UpToDate and connected, run 'drbdadm unfence-peer' (DRBD's unfence-peer handler, "
                         "e.g. crm-unfence-peer.9.sh) with unfence_extra_args in its environment, in case a "
                         "fencing constraint was left behind. Run when that state is first seen and again every "
                         "five minutes while it lasts, not on every monitor.",
             .default_value = "false",
             .reloadable = true},
            {.name = "unfence_extra_args",
             .shortdesc = "Arguments for the unfence-peer handler",
             .longdesc = "Passed to the unfence-peer handler as OCF_RESKEY_unfence_extra_args (the handler reads "
                         "it from its environment), as ocf:linbit:drbd does; used only with "
                         "unfence_if_all_uptodate=true.",
             .default_value = kUnfenceArgsDefault,
             .reloadable = true,
             .check = check::max_length(1024)},
            {.name = "connect_only_after_promote",
             .type = ParamType::Boolean,
             .shortdesc = "Not supported: keep DRBD disconnected until promoted",
             .longdesc = "Accepted only as false. ocf:linbit:drbd's true starts DRBD disconnected and connects it "
                         "after promotion (for stacked setups without fencing). drbd-dual refuses true: a node "
                         "that never connected cannot know its data is current, and drbd-dual promotes only "
                         "UpToDate data (or Consistent data behind DRBD fencing); with promoted-max=2 both nodes "
                         "would write while apart, a split-brain by design.",
             .default_value = "false"},
        },
    .actions =
        {
            {.name = "start", .timeout_s = 240},
            {.name = "stop", .timeout_s = 100},
            {.name = "promote", .timeout_s = 90},
            {.name = "demote", .timeout_s = 90},
            {.name = "notify", .timeout_s = 90},
            {.name = "monitor", .timeout_s = 20, .interval_s = 20, .role = "Unpromoted"},
            {.name = "monitor", .timeout_s = 20, .interval_s = 10, .role = "Promoted"},
            {.name = "reload-agent", .timeout_s = 30},
            {.name = "validate-all", .timeout_s = 30},
            {.name = "meta-data", .timeout_s = 5},
        },
};

}  // namespace

const AgentSpec& DrbdDualAgent::spec() const { return kSpec; }

}  // namespace ocfkit::drbd
