// drbd-dual: start/stop/promote/demote/monitor/notify for a DRBD resource under Pacemaker.
#include "drbd_dual_agent.h"

#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "drbd_node.h"
#include "health.h"
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

// Sleeps up to `step`, never past `until`; false when `until` has passed.
bool pause_until(Deadline::Clock::time_point until, std::chrono::milliseconds step)
{
    auto now = Deadline::Clock::now();
    if (now >= until) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - now);
    std::this_thread::sleep_for(std::min(step, left));
    return true;
}

// Retry loops stop this long before the deadline, so their last report is a DRBD answer and
// not a status read the deadline cut short.
Deadline::Clock::time_point retry_until(const Context& ctx)
{
    auto reserve = std::min<std::chrono::milliseconds>(1000ms, ctx.deadline.remaining() / 4);
    return ctx.deadline.when() - reserve;
}

bool meta_given(const Env& env, std::string_view name)
{
    auto v = env.meta(name);
    return v && !v->empty();
}

// What drbdadm said, for a reason: stderr, else stdout, as one line.
std::string trimmed_err(const CommandResult& r) { return one_line(r.err.empty() ? r.out : r.err); }

std::string fencing_of(const DrbdConfig& cfg, const std::string& resource)
{
    const ConfigResource* r = cfg.resource(resource);
    if (!r) return {};
    if (auto f = r->option("disk", "fencing")) return *f;  // DRBD 8.4
    if (auto f = r->option("net", "fencing")) return *f;   // DRBD 9
    for (const auto& c : r->connections)
        for (const char* section : {"net", "disk"})
            if (auto s = c.find(section); s != c.end())
                if (auto o = s->second.find("fencing"); o != s->second.end()) return o->second;
    return {};
}

// The configuration checks promoted_max=2 needs; each missing item named exactly.
std::vector<std::string> dual_primary_gaps(const ConfigResource& r)
{
    std::vector<std::string> gaps;
    // DRBD 9 may override net options per connection; every connection must allow it.
    std::vector<Sections> scopes;
    if (r.connections.empty()) {
        scopes.push_back(r.sections);
    } else {
        for (const auto& c : r.connections) {
            Sections merged = r.sections;
            for (const auto& [section, opts] : c)
                for (const auto& [k, v] : opts) merged[section][k] = v;
            scopes.push_back(std::move(merged));
        }
    }
    auto get = [](const Sections& s, const char* section, const char* name) -> std::optional<std::string> {
        auto it = s.find(section);
        if (it == s.end()) return std::nullopt;
        auto o = it->second.find(name);
        if (o == it->second.end()) return std::nullopt;
        return o->second;
    };
    std::set<std::string> seen;
    auto add = [&](std::string g) {
        if (seen.insert(g).second) gaps.push_back(std::move(g));
    };
    for (const auto& s : scopes) {
        auto two = get(s, "net", "allow-two-primaries");
        if (!two || !parse_bool(*two).value_or(false))
            add(fmt::format("net {{ allow-two-primaries yes; }} ({})", two ? "is " + *two : "not set"));
        auto proto = get(s, "net", "protocol");
        if (proto && *proto != "C") add(fmt::format("net {{ protocol C; }} (is {})", *proto));
        auto fencing = get(s, "disk", "fencing");
        if (!fencing) fencing = get(s, "net", "fencing");
        if (!fencing || *fencing != "resource-and-stonith")
            add(fmt::format("fencing resource-and-stonith ({})", fencing ? "is " + *fencing : "not set"));
    }
    auto handler = r.option("handlers", "fence-peer");
    if (!handler || handler->empty()) add("handlers { fence-peer \"...\"; } (not set)");
    return gaps;
}

// Pacemaker passes every clone meta attribute; outside a cluster (drbd-reactor, by hand) none.
bool under_clone(const Env& env)
{
    return meta_given(env, "clone_max") || meta_given(env, "clone") || meta_given(env, "promoted_max") ||
           meta_given(env, "master_max");
}

// The ocf:linbit:drbd parameters drbd-dual accepts only where they mean something: a value
// without meaning for this clone is wrong in the CIB, so on every node (6).
std::optional<std::string> meaningless_parameter(const Context& ctx)
{
    const Params& p = ctx.params;
    if (p.boolean("connect_only_after_promote"))
        return std::string(
            "parameter 'connect_only_after_promote'=true is not supported: DRBD would stay disconnected until "
            "promoted, so the node being promoted cannot know whether its data is current, and drbd-dual promotes "
            "only UpToDate data (or Consistent data behind DRBD fencing); with promoted-max=2 both nodes would "
            "write while apart, a split-brain by design. Remove it or set it to false");
    const bool dual = ctx.env.promoted_max() == 2;
    const std::string rm = p.str("remove_master_score_if_peer_primary");
    const bool rm_on = rm == "unexpected" || parse_bool(rm).value_or(false);
    if (dual && rm_on)
        return fmt::format(
            "parameter 'remove_master_score_if_peer_primary'={} has no meaning with promoted-max=2: a Primary peer "
            "is the normal dual-primary state, and withdrawing this node's promotion score for it would keep this "
            "node from ever being promoted beside it. Remove it or set it to false",
            rm);
    if (rm == "unexpected")
        return std::string(
            "parameter 'remove_master_score_if_peer_primary'=unexpected is not supported: it needs Pacemaker's own "
            "view of where the clone is promoted on every monitor, which drbd-dual does not read. Use true (no "
            "score while connected to a healthy Primary peer) or false");
    if (dual && p.boolean("fail_promote_early_if_peer_primary"))
        return std::string(
            "parameter 'fail_promote_early_if_peer_primary'=true has no meaning with promoted-max=2: a Primary peer "
            "is the normal dual-primary state and never makes this promotion fail. Remove it or set it to false");
    return std::nullopt;
}

// The single-primary parameters act only below promoted-max=2 (validate refuses them there).
bool single_primary_option(const Context& ctx, std::string_view name)
{
    if (ctx.env.promoted_max() == 2) return false;
    if (name == "remove_master_score_if_peer_primary")
        return parse_bool(ctx.params.str(name)).value_or(false);
    return ctx.params.boolean(name);
}

std::string local_node_name(const Env& env)
{
    if (auto n = env.meta("on_node"); n && !n->empty()) return *n;
    return DrbdNode::host_name();
}

class Operation {
public:
    explicit Operation(Context& ctx)
        : ctx_(ctx),
          node_(ctx),
          table_(parse_score_table(ctx.params.str("adjust_master_score"))),
          scores_(ctx, node_.score_cache(),
                  corosync_membership(ctx.env.get_or("OCFKIT_COROSYNC_STATE", "/var/lib/corosync")))
    {
    }

    DrbdNode& node() { return node_; }

    // Offers (or withdraws) this node's promotion score for the state seen.
    void update_score(const ResourceStatus& st, bool force, const std::string& fencing = "")
    {
        if (st.role != "Primary" && single_primary_option(ctx_, "remove_master_score_if_peer_primary")) {
            if (auto peer = healthy_primary_peer(st)) {
                remove_score(force, fmt::format("connected to Primary {} (remove_master_score_if_peer_primary)", *peer));
                return;
            }
        }
        scores_.apply(promotion_score(st, table_, fencing.empty() ? fencing_hint() : fencing), force);
    }

    void remove_score(bool force, std::string why = "stopped")
    {
        ScoreDecision d;
        d.action = ScoreAction::Remove;
        d.why = std::move(why);
        scores_.apply(d, force);
    }

    // The next fully UpToDate state runs the unfence-peer handler again at once.
    void forget_unfenced()
    {
        std::error_code ec;
        std::filesystem::remove(node_.state_file(".unfenced"), ec);
    }

    // unfence_if_all_uptodate: DRBD's unfence-peer handler, in case a fencing constraint outlived
    // the outage. Once when the fully UpToDate state is first seen, then every five minutes.
    void maybe_unfence(const ResourceStatus& st)
    {
        if (!ctx_.params.boolean("unfence_if_all_uptodate")) return;
        std::error_code ec;
        const std::filesystem::path marker = node_.state_file(".unfenced");
        if (!all_up_to_date_primary(st)) {
            forget_unfenced();
            return;
        }
        const long long now = std::time(nullptr);
        long long last = 0;
        if (std::ifstream in(marker); in >> last && now - last >= 0 && now - last < 300) return;
        const std::string args = ctx_.params.str("unfence_extra_args");
        auto cap = std::min<std::chrono::milliseconds>(10s, ctx_.deadline.remaining() / 2);
        CommandResult r = node_.run({"drbdadm", "-c", node_.conf(), "unfence-peer", "--", node_.resource()}, cap,
                                    {{"OCF_RESKEY_unfence_extra_args", args}});
        if (r.ok())
            ctx_.log.info("{}: all data UpToDate; ran DRBD's unfence-peer handler (unfence_if_all_uptodate)",
                          node_.resource());
        else
            ctx_.log.warn("'drbdadm unfence-peer {}' {}: {}; trying again in five minutes", node_.resource(),
                          r.describe(), one_line(r.err.empty() ? r.out : r.err));
        // A failing handler too waits five minutes: not a program and a warning every monitor.
        std::filesystem::create_directories(node_.state_dir(), ec);
        std::ofstream(marker, std::ios::trunc) << now << '\n';
    }

    // The fencing policy without running drbdadm: monitors must stay cheap, so only what an
    // earlier start/promote wrote down beside the score cache.
    std::string fencing_hint()
    {
        if (!fencing_.empty()) return fencing_;
        std::ifstream in(node_.state_file(".fencing"));
        in >> fencing_;
        return fencing_;
    }
    void remember_fencing(const std::string& fencing)
    {
        fencing_ = fencing.empty() ? "dont-care" : fencing;
        std::error_code ec;
        std::filesystem::create_directories(node_.state_dir(), ec);
        std::ofstream out(node_.state_file(".fencing"), std::ios::trunc);
        out << fencing_ << '\n';
    }

    // Waits until `pred(status)` holds or `until`; returns the last status seen.
    template <typename Pred>
    ResourceStatus wait_for(Pred pred, Deadline::Clock::time_point until, std::chrono::milliseconds step = 300ms)
    {
        ResourceStatus st = node_.status();
        while (!pred(st)) {
            if (!pause_until(std::min(until, ctx_.deadline.when()), step)) break;
            st = node_.status();
        }
        return st;
    }

private:
    Context& ctx_;
    DrbdNode node_;
    ScoreTable table_;
    ScoreKeeper scores_;
    std::string fencing_;
};

bool attached(const ResourceStatus& st)
{
    if (!st.exists || st.volumes.empty()) return false;
    for (const auto& v : st.volumes)
        if (disk_is_transitional(v.disk) || v.disk == "Unconfigured") return false;
    return true;
}

bool connected(const ResourceStatus& st)
{
    if (!attached(st)) return false;
    for (const auto& c : st.connections)
        if (c.state != "Connected") return false;
    return true;
}

bool up_to_date(const ResourceStatus& st)
{
    if (!connected(st)) return false;
    for (const auto& v : st.volumes)
        if (v.disk != "UpToDate" && !(v.disk == "Diskless" && v.client)) return false;
    return true;
}

std::optional<std::string> failed_local_disk(const ResourceStatus& st)
{
    for (const auto& v : st.volumes)
        if ((v.disk == "Diskless" && !v.client) || v.disk == "Failed" || v.disk == "Unconfigured")
            return fmt::format("volume {} (minor {}) is {}", v.volume, v.minor, v.disk);
    return std::nullopt;
}

bool any_standalone(const ResourceStatus& st)
{
    for (const auto& c : st.connections)
        if (c.state == "StandAlone") return true;
    return st.exists && st.connections.empty();
}

// DRBD's "device is held open" refusals of secondary/down: a user (mount, LVM, qemu) remains.
bool held_open(const CommandResult& r)
{
    return r.err.find("(-12)") != std::string::npos || r.err.find("held open") != std::string::npos ||
           r.out.find("held open") != std::string::npos;
}

Outcome make_secondary(Context& ctx, Operation& op, const std::string& why)
{
    std::string last;
    const auto until = retry_until(ctx);
    bool retried = false;
    while (true) {
        CommandResult r = op.node().drbdadm("secondary");
        if (r.ok()) return ExitCode::Success;
        std::string msg = fmt::format("'drbdadm secondary {}' {}: {}", op.node().resource(), r.describe(), trimmed_err(r));
        if (r.status == CommandResult::Status::NotStarted)
            fail(exit_code_for_spawn_errno(r.spawn_errno), "{}: {}", why, msg);
        if (r.status == CommandResult::Status::TimedOut && !last.empty()) break;  // keep DRBD's answer
        last = msg;
        if (!held_open(r)) break;
        if (!retried) ctx.log.info("{}: the DRBD device is still in use; retrying until the deadline", why);
        retried = true;
        if (!pause_until(until, 1000ms) || Deadline::Clock::now() >= until) break;
    }
    if (retried)
        return {ExitCode::ErrGeneric,
                fmt::format("{}: still Primary at the deadline, the device is held open (mounted or in use): {}", why,
                            last)};
    return {ExitCode::ErrGeneric, fmt::format("{}: {}", why, last)};
}

// DRBD does not say "split-brain" in its state: it drops the connection to StandAlone. Once the
// connection is retried (notify's adjust, an admin) it shows Connecting, which alone would look
// like a plain outage, so the first StandAlone is remembered until the peer is Connected again.
void remember_standalone(DrbdNode& node, const ResourceStatus& st, Verdict& v)
{
    if (!st.exists) return;
    std::filesystem::path marker = node.state_file(".standalone");
    std::error_code ec;
    bool all_connected = !st.connections.empty();
    for (const auto& c : st.connections) all_connected = all_connected && c.state == "Connected";
    if (all_connected) {
        if (std::filesystem::exists(marker, ec)) std::filesystem::remove(marker, ec);
        return;
    }
    if (v.split_brain_suspected) {
        if (!std::filesystem::exists(marker, ec)) {
            std::filesystem::create_directories(node.state_dir(), ec);
            std::ofstream(marker) << std::time(nullptr) << '\n';
        }
        return;
    }
    std::ifstream in(marker);
    long long since = 0;
    if (!(in >> since)) return;
    char when[32] = "";
    std::time_t t = static_cast<std::time_t>(since);
    std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&t));
    v.split_brain_suspected = true;
    v.reason += fmt::format("; DRBD dropped the connection as StandAlone at {} (split-brain suspected) and it has "
                            "not been re-established; see 'Split-brain recovery' in the agent's README",
                            when);
}

// require_drbd_module_version_ge/_lt against the loaded module.
Outcome check_module_version(Context& ctx, const ProcDrbd& p)
{
    for (const char* which : {"require_drbd_module_version_ge", "require_drbd_module_version_lt"}) {
        std::string want = ctx.params.str(which);
        if (want.empty()) continue;
        auto v = parse_kernel_version(want);
        if (!v) continue;  // the table's check refused it already
        bool ge = std::string_view(which).ends_with("_ge");
        bool ok = ge ? p.version.code() >= v->code() : p.version.code() < v->code();
        if (!ok)
            return {ExitCode::ErrInstalled, fmt::format("parameter '{}': the loaded DRBD module is {}, required {} {}",
                                                        which, p.version.text, ge ? ">=" : "<", want)};
    }
    return ExitCode::Success;
}

}  // namespace

const AgentSpec& DrbdDualAgent::spec() const { return kSpec; }

Outcome DrbdDualAgent::validate(Context& ctx, ValidatePurpose purpose)
{
    if (purpose == ValidatePurpose::Monitor) return ExitCode::Success;  // the table checked the syntax

    const Env& env = ctx.env;
    if (auto why = meaningless_parameter(ctx)) return {ExitCode::ErrConfigured, *why};
    // Clone meta attributes: checked for start/promote/validate-all, never for monitor or stop.
    if (under_clone(env)) {
        auto promotable = env.meta("promotable");
        bool is_promotable = (promotable && parse_bool(*promotable).value_or(false)) ||
                             meta_given(env, "promoted_max") || meta_given(env, "master_max");
        if (!is_promotable)
            return {ExitCode::ErrConfigured,
                    "drbd-dual must run as a promotable clone (pcs resource create ... promotable "
                    "promoted-max=2 notify=true): meta attribute 'promotable' is not set"};
        int promoted_max = env.promoted_max();
        if (promoted_max > 2)
            return {ExitCode::ErrConfigured,
                    fmt::format("meta attribute promoted-max={}: DRBD allows at most two Primaries", promoted_max)};
        for (const char* m : {"clone_node_max", "promoted_node_max"}) {
            auto v = env.meta_int(m);
            if (!v && std::string_view(m) == "promoted_node_max") v = env.meta_int("master_node_max");
            if (v && *v != 1)
                return {ExitCode::ErrConfigured,
                        fmt::format("meta attribute {}={}: DRBD runs one instance per node, set it to 1", m, *v)};
        }
        if (!env.meta_bool("notify") && !ctx.params.boolean("ignore_missing_notifications"))
            return {ExitCode::ErrConfigured,
                    "meta attribute notify is not true: set notify=true (or ignore_missing_notifications=true); the "
                    "agent reconnects a returning peer on its start notification"};
    }

    DrbdNode node(ctx);
    if (::access(node.conf().c_str(), R_OK) != 0)
        return {ExitCode::ErrInstalled,
                fmt::format("parameter 'drbdconf': {} does not exist or is not readable", node.conf())};

    if (const auto& p = node.proc()) {
        Outcome o = check_module_version(ctx, *p);
        if (!o.ok()) return o;
    }

    DrbdConfig cfg = node.config();
    const ConfigResource* res = cfg.resource(node.resource());
    if (!res) {
        std::vector<std::string> names;
        for (const auto& r : cfg.resources) names.push_back(r.name);
        return {ExitCode::ErrInstalled,
                fmt::format("parameter 'drbd_resource': DRBD resource '{}' is not defined in {} on this node "
                            "(defined: {})",
                            node.resource(), node.conf(), names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", ")))};
    }
    std::string me = DrbdNode::host_name();
    if (!res->host(me)) {
        std::vector<std::string> hosts;
        for (const auto& h : res->hosts) hosts.push_back(h.name);
        return {ExitCode::ErrInstalled,
                fmt::format("this node ('{}') is not a host of DRBD resource '{}' (hosts: {})", me, node.resource(),
                            fmt::join(hosts, ", "))};
    }
    // What follows is read from this node's DRBD configuration, which another node may have
    // right: 5 keeps the resource off this node only, where 6 would stop it everywhere.
    if (under_clone(env)) {
        int clone_max = env.clone_max();
        if (env.meta_int("clone_max") && clone_max > static_cast<int>(res->hosts.size()))
            return {ExitCode::ErrInstalled,
                    fmt::format("meta attribute clone-max={} but DRBD resource '{}' has {} host(s) configured "
                                "in {} on this node",
                                clone_max, node.resource(), res->hosts.size(), node.conf())};
        if (env.promoted_max() == 2) {
            auto gaps = dual_primary_gaps(*res);
            if (!gaps.empty())
                return {ExitCode::ErrInstalled,
                        fmt::format("promoted-max=2 (dual-primary) needs in DRBD resource '{}' ({} on this node): "
                                    "{}",
                                    node.resource(), node.conf(), fmt::join(gaps, "; "))};
        }
    }
    if (ctx.params.boolean("unfence_if_all_uptodate")) {
        auto handler = res->option("handlers", "unfence-peer");
        if (!handler || handler->empty())
            ctx.log.warn("unfence_if_all_uptodate=true, but DRBD resource '{}' has no unfence-peer handler in {} on "
                         "this node: 'drbdadm unfence-peer' will do nothing",
                         node.resource(), node.conf());
    }
    Operation op(ctx);
    op.remember_fencing(fencing_of(cfg, node.resource()));
    return ExitCode::Success;
}

Outcome DrbdDualAgent::start(Context& ctx)
{
    Operation op(ctx);
    DrbdNode& node = op.node();
    const std::string& res = node.resource();

    if (node.kernel() == Kernel::NotLoaded) {
        CommandResult r = node.run({"modprobe", "-s", "drbd"}, 30s);
        if (!r.ok() && r.status == CommandResult::Status::NotStarted)
            fail(ExitCode::ErrInstalled, "cannot load the DRBD kernel module: modprobe {}", r.describe());
        // The module's /proc entry appears once it is loaded.
        auto until = std::min(ctx.deadline.when(), Deadline::Clock::now() + 10s);
        while (node.kernel(true) == Kernel::NotLoaded) {
            if (!pause_until(until, 200ms))
                fail(ExitCode::ErrInstalled, "cannot load the DRBD kernel module: 'modprobe -s drbd' {}{}",
                     r.describe(), r.ok() ? " but /proc/drbd did not appear" : ": " + trimmed_err(r));
        }
        Outcome o = check_module_version(ctx, *node.proc());
        if (!o.ok()) return o;
    }

    ResourceStatus st = node.status();
    if (!st.exists) {
        CommandResult r = node.drbdadm("up", ctx.deadline.remaining());
        if (!r.ok()) {
            if (r.status == CommandResult::Status::NotStarted)
                fail(exit_code_for_spawn_errno(r.spawn_errno), "cannot start DRBD resource {}: drbdadm {}", res,
                     r.describe());
            if (r.status == CommandResult::Status::TimedOut)
                fail(ExitCode::ErrGeneric, "'drbdadm up {}' did not finish before the deadline ({})", res,
                     r.describe());
            ctx.log.warn("'drbdadm up {}' {}: {}", res, r.describe(), trimmed_err(r));
            st = node.status();
            if (!st.exists || failed_local_disk(st))
                fail(ExitCode::ErrGeneric, "'drbdadm up {}' {}: {}", res, r.describe(), trimmed_err(r));
        } else {
            st = node.status();
        }
    } else if (st.role == "Primary") {
        ctx.log.warn("DRBD resource {} is already Primary; start leaves it Secondary", res);
        Outcome o = make_secondary(ctx, op, "start");
        if (!o.ok()) return o;
        st = node.status();
    } else if (any_standalone(st)) {
        CommandResult r = node.drbdadm("adjust");
        if (!r.ok()) ctx.log.warn("'drbdadm adjust {}' {}: {}", res, r.describe(), trimmed_err(r));
        st = node.status();
    }

    const std::string want = ctx.params.str("start_wait_for");
    auto until = Deadline::Clock::now() + std::chrono::seconds(ctx.params.integer("wfc_timeout"));
    auto satisfied = [&](const ResourceStatus& s) {
        if (want == "attached") return attached(s);
        if (want == "uptodate") return up_to_date(s);
        return connected(s);
    };
    st = op.wait_for(satisfied, until);
    // The local disk must at least attach, however long that takes within the deadline.
    if (!attached(st)) st = op.wait_for(attached, ctx.deadline.when());
    if (!st.exists) fail(ExitCode::ErrGeneric, "DRBD resource {} disappeared while starting", res);
    if (auto bad = failed_local_disk(st))
        fail(ExitCode::ErrGeneric, "DRBD resource {} is up but its local disk did not attach: {}", res, *bad);
    if (!attached(st))
        fail(ExitCode::ErrGeneric, "DRBD resource {}: local disk still {} at the deadline", res,
             st.volumes.empty() ? std::string("missing") : st.volumes.front().disk);
    if (!satisfied(st)) {
        Verdict v = assess(st);
        ctx.log.warn("started {} as Secondary without reaching '{}' within {} s: {}", res, want,
                     ctx.params.integer("wfc_timeout"), v.reason.empty() ? "state not reached" : v.reason);
    }
    op.update_score(st, true);
    return ExitCode::Success;
}

Outcome DrbdDualAgent::stop(Context& ctx)
{
    // Stop runs without validation: a resource name the table refuses was never started by us.
    if (!ctx.params.problems().empty()) {
        for (const auto& p : ctx.params.problems())
            if (p.name == "drbd_resource" || p.name == "drbdconf") {
                ctx.log.warn("stop: {}; nothing this agent could have started", p.message);
                return ExitCode::Success;
            }
    }
    Operation op(ctx);
    DrbdNode& node = op.node();
    const std::string& res = node.resource();
    if (node.kernel() == Kernel::NotLoaded) {
        op.remove_score(true);
        node.forget_minors();
        op.forget_unfenced();
        return ExitCode::Success;
    }
    ResourceStatus st = node.status();
    if (st.exists && st.role == "Primary") {
        Outcome o = make_secondary(ctx, op, fmt::format("stop of {}", res));
        if (!o.ok()) return o;
    }
    // stop_outdates_secondary: who stays Primary, as DRBD sees it just before going down.
    std::optional<std::string> primary_left = st.exists ? primary_peer(st) : std::nullopt;
    if (st.exists) {
        CommandResult r = node.drbdadm("down");
        if (!r.ok()) {
            if (r.status == CommandResult::Status::TimedOut)
                return {ExitCode::ErrGeneric,
                        fmt::format("'drbdadm down {}' did not finish before the deadline", res)};
            // A resource removed from the configuration while up: drbdsetup still knows it.
            ctx.log.warn("'drbdadm down {}' {}: {}; trying drbdsetup down", res, r.describe(), trimmed_err(r));
            CommandResult r2 = node.drbdsetup("down");
            if (!r2.ok())
                return {r2.status == CommandResult::Status::NotStarted ? exit_code_for_spawn_errno(r2.spawn_errno)
                                                                         : ExitCode::ErrGeneric,
                        fmt::format("cannot take DRBD resource {} down: drbdadm {}: {}; drbdsetup {}: {}", res,
                                    r.describe(), trimmed_err(r), r2.describe(), trimmed_err(r2))};
        }
        st = op.wait_for([](const ResourceStatus& s) { return !s.exists; }, ctx.deadline.when());
        if (st.exists)
            return {ExitCode::ErrGeneric, fmt::format("DRBD resource {} is still configured at the deadline", res)};
        if (primary_left && ctx.params.boolean("stop_outdates_secondary")) {
            // DRBD's meta-data then says this copy is older than the Primary's: no promotion
            // here without a resync first. A failure leaves it as DRBD had it, so stop goes on.
            CommandResult r = node.drbdadm("outdate", 30s);
            if (r.ok())
                ctx.log.info("stop of {}: {} is still Primary, marked this node's data Outdated "
                             "(stop_outdates_secondary)",
                             res, *primary_left);
            else
                ctx.log.warn("stop of {}: {} is still Primary, but 'drbdadm outdate {}' {}: {}", res, *primary_left,
                             res, r.describe(), trimmed_err(r));
        }
    }
    node.forget_minors();
    op.forget_unfenced();
    op.remove_score(true);
    return ExitCode::Success;
}

Outcome DrbdDualAgent::monitor(Context& ctx)
{
    Operation op(ctx);
    DrbdNode& node = op.node();
    ResourceStatus st = node.status(/*cheap=*/true);
    Verdict v = assess(st);
    if (v.code == ExitCode::NotRunning) {
        // A probe of a stopped resource must not touch scores (Pacemaker may be starting up).
        if (!ctx.probe) op.remove_score(false);
        return {ExitCode::NotRunning, ""};
    }
    op.update_score(st, /*force=*/ctx.probe);
    op.maybe_unfence(st);
    remember_standalone(node, st, v);
    if (v.split_brain_suspected) ctx.log.error("DRBD resource {}: {}", node.resource(), v.reason);
    return {v.code, v.reason};
}

Outcome DrbdDualAgent::promote(Context& ctx)
{
    Operation op(ctx);
    DrbdNode& node = op.node();
    const std::string& res = node.resource();
    std::string fencing = op.fencing_hint();
    ResourceStatus st = node.status();
    if (!st.exists) return {ExitCode::NotRunning, fmt::format("cannot promote {}: it is not started", res)};
    std::string last;
    const auto until = retry_until(ctx);
    const bool fail_early = single_primary_option(ctx, "fail_promote_early_if_peer_primary");
    bool tried = false;
    while (true) {
        if (st.role == "Primary") {
            op.update_score(st, true, fencing);
            return ExitCode::Success;
        }
        // The first attempt made DRBD check that the peer is alive; it still is, and Primary.
        if (tried && fail_early) {
            if (auto peer = primary_peer(st)) {
                op.remove_score(true, "peer still Primary (fail_promote_early_if_peer_primary)");
                return {ExitCode::ErrGeneric,
                        fmt::format("cannot promote {}: {} is already or still Primary, and "
                                    "fail_promote_early_if_peer_primary=true stops after the first attempt{}",
                                    res, *peer, last.empty() ? "" : " (" + last + ")")};
            }
        }
        PromoteCheck chk = may_promote(st, fencing);
        if (!chk.allowed && !chk.retryable) {
            op.update_score(st, true, fencing);
            return {ExitCode::ErrGeneric, fmt::format("refusing to promote {}: {}", res, chk.reason)};
        }
        if (chk.allowed) {
            tried = true;
            CommandResult r = node.drbdadm("primary");
            if (r.status == CommandResult::Status::NotStarted)
                fail(exit_code_for_spawn_errno(r.spawn_errno), "cannot promote {}: drbdadm {}", res, r.describe());
            if (!r.ok()) {
                last = fmt::format("'drbdadm primary {}' {}: {}", res, r.describe(), trimmed_err(r));
                // 17: DRBD itself refuses for lack of UpToDate data (or fencing the peer failed).
                if (r.exited_with(17) || r.err.find("UpToDate") != std::string::npos)
                    return {ExitCode::ErrGeneric, fmt::format("DRBD refused to promote {}: {}", res, last)};
            }
        } else {
            last = chk.reason;
        }
        if (!pause_until(until, 1000ms) || Deadline::Clock::now() >= until) break;
        st = node.status();
        if (!st.exists) return {ExitCode::ErrGeneric, fmt::format("DRBD resource {} went down during promote", res)};
    }
    return {ExitCode::ErrGeneric, fmt::format("{} not Primary at the deadline: {}", res, last)};
}

Outcome DrbdDualAgent::demote(Context& ctx)
{
    Operation op(ctx);
    DrbdNode& node = op.node();
    const std::string& res = node.resource();
    ResourceStatus st = node.status();
    if (!st.exists) return {ExitCode::NotRunning, fmt::format("cannot demote {}: it is not started", res)};
    if (st.role == "Primary") {
        Outcome o = make_secondary(ctx, op, fmt::format("demote of {}", res));
        if (!o.ok()) return o;
        st = node.status();
        if (st.role == "Primary")
            return {ExitCode::ErrGeneric, fmt::format("{} is still Primary after drbdadm secondary", res)};
    }
    op.update_score(st, true);
    return ExitCode::Success;
}

Outcome DrbdDualAgent::notify(Context& ctx)
{
    const std::string type = ctx.env.meta("notify_type").value_or("");
    const std::string operation = ctx.env.meta("notify_operation").value_or("");
    if (type.empty() || operation.empty()) {
        ctx.log.info("notify without notify_type/notify_operation: nothing to do");
        return ExitCode::Success;
    }
    Operation op(ctx);
    DrbdNode& node = op.node();
    const std::string& res = node.resource();
    if (node.kernel() == Kernel::NotLoaded) return ExitCode::Success;
    ResourceStatus st;
    try {
        st = node.status();
    } catch (const Failure& f) {
        ctx.log.warn("notify {}-{}: {}", type, operation, f.reason);  // notify must not fail
        return ExitCode::Success;
    }
    if (!st.exists) return ExitCode::Success;  // our own pre-start, or stopped here

    const std::string me = local_node_name(ctx.env);
    std::vector<std::string> peers_starting;
    for (const auto& n : ctx.env.meta_list("notify_start_uname"))
        if (n != me) peers_starting.push_back(n);

    if (operation == "start" && !peers_starting.empty() && any_standalone(st)) {
        Verdict before = assess(st);
        remember_standalone(node, st, before);
        // A peer comes back: give DRBD its network configuration again so it connects. DRBD's
        // after-split-brain policies decide what happens to diverged data, never this agent.
        ctx.log.info("notify {}-start of {}: {} is StandAlone, reconnecting (drbdadm adjust)", type,
                     fmt::join(peers_starting, " "), res);
        CommandResult r = node.drbdadm("adjust", 30s);
        if (!r.ok()) ctx.log.warn("'drbdadm adjust {}' {}: {}", res, r.describe(), trimmed_err(r));
        st = node.status();
    }
    if (type == "post") {
        Verdict v = assess(st);
        remember_standalone(node, st, v);
        if (v.split_brain_suspected)
            ctx.log.error("DRBD resource {}: {}", res, v.reason);
        op.update_score(st, false);
        op.maybe_unfence(st);
    }
    return ExitCode::Success;
}

Outcome DrbdDualAgent::reload_agent(Context& ctx)
{
    Operation op(ctx);
    ResourceStatus st = op.node().status();
    if (st.exists) {
        op.update_score(st, true);  // adjust_master_score may have changed
        op.maybe_unfence(st);       // so may unfence_if_all_uptodate
    }
    return ExitCode::Success;
}

}  // namespace ocfkit::drbd
