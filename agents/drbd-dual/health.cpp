// The rules behind monitor codes, promotion and scores, kept free of I/O so tests cover every state.
#include "health.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

namespace ocfkit::drbd {

namespace {

bool peer_has_up_to_date(const ResourceStatus& st, int volume)
{
    for (const auto& c : st.connections) {
        if (c.state != "Connected") continue;
        for (const auto& pd : c.peer_devices)
            if (pd.volume == volume && pd.peer_disk == "UpToDate") return true;
    }
    return false;
}

const PeerDevice* sync_source_for(const ResourceStatus& st, int volume, const Connection** from)
{
    for (const auto& c : st.connections)
        for (const auto& pd : c.peer_devices)
            if (pd.volume == volume && (pd.replication == "SyncTarget" || pd.replication == "PausedSyncT" ||
                                        pd.replication == "WFBitMapT" || pd.replication == "WFSyncUUID" ||
                                        pd.replication == "StartingSyncT")) {
                *from = &c;
                return &pd;
            }
    return nullptr;
}

std::string percent(const std::optional<double>& done)
{
    return done ? fmt::format(" ({:.1f}% done)", *done) : std::string();
}

std::string peer_label(const Connection& c)
{
    return c.name.empty() || c.name == "peer" ? std::string("the peer") : fmt::format("peer {}", c.name);
}

bool is_intentional_diskless(const Volume& v) { return v.disk == "Diskless" && v.client; }

// Why this node has no quorum, if it has none: a volume without quorum, or I/O frozen for it.
std::optional<std::string> quorum_lost(const ResourceStatus& st)
{
    for (const auto& v : st.volumes)
        if (v.quorum && !*v.quorum)
            return st.volumes.size() > 1 ? fmt::format("volume {} has no quorum", v.volume)
                                         : std::string("local disk has no quorum");
    const auto suspended = suspend_reasons(st.suspended);
    if (std::find(suspended.begin(), suspended.end(), "quorum") != suspended.end())
        return std::string("I/O is suspended for lack of quorum");
    return std::nullopt;
}

}  // namespace

bool fencing_protects(std::string_view fencing)
{
    return fencing == "resource-only" || fencing == "resource-and-stonith";
}

std::optional<std::string> primary_peer(const ResourceStatus& st)
{
    for (const auto& c : st.connections)
        if (c.state == "Connected" && c.peer_role == "Primary") return peer_label(c);
    return std::nullopt;
}

std::optional<std::string> healthy_primary_peer(const ResourceStatus& st)
{
    for (const auto& c : st.connections) {
        if (c.state != "Connected" || c.peer_role != "Primary" || c.peer_devices.empty()) continue;
        bool healthy = true;
        for (const auto& pd : c.peer_devices) healthy = healthy && pd.peer_disk == "UpToDate";
        if (healthy) return peer_label(c);
    }
    return std::nullopt;
}

bool all_up_to_date_primary(const ResourceStatus& st)
{
    if (!st.exists || st.role != "Primary" || st.volumes.empty() || st.connections.empty()) return false;
    for (const auto& v : st.volumes)
        if (v.disk != "UpToDate") return false;
    for (const auto& c : st.connections) {
        if (c.state != "Connected" || c.peer_devices.empty()) return false;
        for (const auto& pd : c.peer_devices)
            if (pd.peer_disk != "UpToDate" && !(pd.peer_disk == "Diskless" && pd.peer_client)) return false;
    }
    return true;
}

std::optional<std::string> score_table_problem(std::string_view text)
{
    std::vector<long long> values;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
        std::size_t s = i;
        while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
        if (i == s) break;
        std::string_view word = text.substr(s, i - s);
        long long v = 0;
        auto [p, ec] = std::from_chars(word.data(), word.data() + word.size(), v);
        if (ec != std::errc() || p != word.data() + word.size() || v < 0 || v > 1000000)
            return fmt::format("'{}' is not a score between 0 and 1000000", word);
        values.push_back(v);
    }
    if (values.size() != 4) return fmt::format("needs exactly four scores, found {}", values.size());
    for (std::size_t k = 1; k < values.size(); ++k)
        if (values[k] < values[k - 1])
            return fmt::format("scores must not decrease ({} after {})", values[k], values[k - 1]);
    return std::nullopt;
}

ScoreTable parse_score_table(std::string_view text)
{
    long long v[4] = {0, 10, 1000, 10000};
    int n = 0;
    std::size_t i = 0;
    while (i < text.size() && n < 4) {
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
        std::size_t s = i;
        while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
        if (i == s) break;
        std::from_chars(text.data() + s, text.data() + i, v[n++]);
    }
    return {v[0], v[1], v[2], v[3]};
}

Verdict assess(const ResourceStatus& st)
{
    Verdict out;
    if (!st.exists) {
        out.code = ExitCode::NotRunning;
        out.reason = fmt::format("DRBD resource {} is not configured in the kernel", st.name);
        return out;
    }
    const bool primary = st.role == "Primary";
    std::vector<std::string> failures;  // this node cannot serve its role
    std::vector<std::string> degraded;
    bool data_reachable = true;

    if (st.volumes.empty()) {
        failures.push_back("no volume is configured");
        data_reachable = false;
    }
    for (const auto& v : st.volumes) {
        const std::string vol = st.volumes.size() > 1 ? fmt::format("volume {} ", v.volume) : std::string();
        if (v.quorum && !*v.quorum) degraded.push_back(fmt::format("{}no quorum", vol));
        if (v.disk == "UpToDate") continue;
        const Connection* from = nullptr;
        if (v.disk == "Inconsistent") {
            if (const PeerDevice* pd = sync_source_for(st, v.volume, &from)) {
                degraded.push_back(fmt::format("{}resync from {} in progress{}, local data Inconsistent", vol,
                                               peer_label(*from), percent(pd->done)));
            } else {
                degraded.push_back(fmt::format("{}local data Inconsistent and no resync source connected", vol));
                if (!peer_has_up_to_date(st, v.volume)) data_reachable = false;
            }
        } else if (v.disk == "Outdated") {
            degraded.push_back(fmt::format("{}local data Outdated (the peer has newer data)", vol));
            if (!peer_has_up_to_date(st, v.volume)) data_reachable = primary ? false : data_reachable;
        } else if (v.disk == "Consistent") {
            degraded.push_back(fmt::format("{}local data Consistent, not known to be UpToDate", vol));
        } else if (disk_is_transitional(v.disk)) {
            degraded.push_back(fmt::format("{}local disk {}", vol, v.disk));
        } else if (is_intentional_diskless(v)) {
            if (!peer_has_up_to_date(st, v.volume)) {
                failures.push_back(fmt::format("{}diskless client without a connected UpToDate peer", vol));
                data_reachable = false;
            }
        } else {  // Diskless after detach/I/O error, Failed, Unconfigured
            std::string what = v.disk == "Unconfigured"
                                   ? fmt::format("{}minor {} is not configured", vol, v.minor)
                                   : fmt::format("{}local disk {} (detached or I/O error)", vol, v.disk);
            if (peer_has_up_to_date(st, v.volume) && primary) {
                degraded.push_back(what + ", serving data from the peer");
            } else {
                failures.push_back(what);
                if (!peer_has_up_to_date(st, v.volume)) data_reachable = false;
            }
        }
    }
    // I/O frozen for lack of data or quorum fails whatever other reason holds too; user or
    // fencing alone only pause it.
    const auto suspended = suspend_reasons(st.suspended);
    if (!suspended.empty()) {
        bool no_access = std::find(suspended.begin(), suspended.end(), "no-data") != suspended.end() ||
                         std::find(suspended.begin(), suspended.end(), "quorum") != suspended.end();
        std::string what = fmt::format("I/O suspended ({})", fmt::join(suspended, ", "));
        if (no_access) {
            failures.push_back(std::move(what));
            data_reachable = false;
        } else {
            degraded.push_back(std::move(what));
        }
    }

    if (st.connections.empty()) degraded.push_back("no peer connection configured");
    for (const auto& c : st.connections) {
        if (c.state == "StandAlone") {
            out.split_brain_suspected = true;
            degraded.push_back(fmt::format(
                "replication link to {} is StandAlone: DRBD dropped or refused it (split-brain detected, or "
                "disconnected by hand); see 'Split-brain recovery' in the agent's README",
                peer_label(c)));
            continue;
        }
        if (c.state != "Connected") {
            // Fencing may have marked the unreachable peer Outdated: worth saying.
            bool outdated = false;
            for (const auto& pd : c.peer_devices) outdated = outdated || pd.peer_disk == "Outdated";
            degraded.push_back(fmt::format("{} disconnected ({}){}", peer_label(c), c.state,
                                           outdated ? ", its data marked Outdated" : ""));
            continue;
        }
        for (const auto& pd : c.peer_devices) {
            const std::string vol = c.peer_devices.size() > 1 ? fmt::format("volume {}: ", pd.volume) : std::string();
            if (pd.replication == "SyncSource" || pd.replication == "PausedSyncS" || pd.replication == "WFBitMapS" ||
                pd.replication == "StartingSyncS") {
                std::string paused = pd.resync_suspended.empty() || pd.resync_suspended == "no"
                                         ? std::string()
                                         : fmt::format(", paused ({})", pd.resync_suspended);
                degraded.push_back(fmt::format("{}resync to {} in progress{}{}", vol, peer_label(c), percent(pd.done),
                                               paused));
                continue;
            }
            if (replication_is_syncing(pd.replication)) continue;  // SyncTarget: reported with the local disk
            if (pd.peer_disk == "UpToDate") continue;
            if (pd.peer_disk == "Diskless" && pd.peer_client) continue;
            if (pd.peer_disk == "Outdated")
                degraded.push_back(fmt::format("{}{} has Outdated data", vol, peer_label(c)));
            else
                degraded.push_back(fmt::format("{}{} disk {}", vol, peer_label(c), pd.peer_disk));
        }
    }

    if (primary) {
        if (!data_reachable) {
            out.code = ExitCode::FailedPromoted;
            out.problems = failures;
            out.problems.insert(out.problems.end(), degraded.begin(), degraded.end());
        } else if (!failures.empty() || !degraded.empty()) {
            out.code = ExitCode::DegradedPromoted;
            out.problems = failures;
            out.problems.insert(out.problems.end(), degraded.begin(), degraded.end());
        } else {
            out.code = ExitCode::RunningPromoted;
        }
    } else if (!failures.empty()) {
        out.code = ExitCode::ErrGeneric;
        out.problems = failures;
        out.problems.insert(out.problems.end(), degraded.begin(), degraded.end());
    } else if (!degraded.empty()) {
        out.code = ExitCode::Degraded;
        out.problems = degraded;
    } else {
        out.code = ExitCode::Success;
    }
    for (const auto& p : out.problems) {
        if (!out.reason.empty()) out.reason += "; ";
        out.reason += p;
    }
    return out;
}

namespace {

// Whether this node's data may serve a Primary, whatever its role now: the rule behind both
// may_promote and promotion_score, so they cannot disagree.
PromoteCheck data_usable(const ResourceStatus& st, std::string_view fencing)
{
    PromoteCheck out;
    if (!st.exists) {
        out.reason = fmt::format("DRBD resource {} is not started", st.name);
        return out;
    }
    // Quorum first, for UpToDate data too: a partition without quorum must not write.
    if (auto lost = quorum_lost(st)) {
        out.reason = *lost;
        return out;
    }
    for (const auto& v : st.volumes) {
        const std::string vol = st.volumes.size() > 1 ? fmt::format("volume {} ", v.volume) : std::string("local disk ");
        if (v.disk == "UpToDate") continue;
        if (disk_is_transitional(v.disk)) {
            out.retryable = true;
            out.reason = fmt::format("{}is {}; waiting for it to settle", vol, v.disk);
            return out;
        }
        if (v.disk == "Consistent") {
            if (fencing_protects(fencing)) continue;  // DRBD fences the peer before it promotes
            out.reason = fmt::format(
                "{}is Consistent: not known to be UpToDate, and DRBD fencing is '{}', so nothing stops stale data "
                "from being promoted (configure fencing resource-and-stonith)",
                vol, fencing.empty() ? "dont-care" : fencing);
            return out;
        }
        if (v.disk == "Inconsistent") {
            const Connection* from = nullptr;
            if (const PeerDevice* pd = sync_source_for(st, v.volume, &from))
                out.reason = fmt::format("{}is Inconsistent: resync from {} not finished{}; refusing to promote "
                                         "without UpToDate local data",
                                         vol, peer_label(*from), percent(pd->done));
            else
                out.reason = fmt::format("{}is Inconsistent and no resync source is connected; refusing to promote "
                                         "without UpToDate local data",
                                         vol);
            return out;
        }
        if (v.disk == "Outdated") {
            out.reason = fmt::format("{}is Outdated: the peer has newer data (fencing marked this copy outdated); "
                                     "refusing to promote",
                                     vol);
            return out;
        }
        if (v.disk == "Diskless") {
            if (peer_has_up_to_date(st, v.volume)) continue;  // DRBD reads and writes through the peer
            out.reason = fmt::format("{}is Diskless and no connected peer has UpToDate data; refusing to promote",
                                     vol);
            return out;
        }
        out.reason = fmt::format("{}is {}; refusing to promote", vol, v.disk);
        return out;
    }
    if (st.volumes.empty()) {
        out.reason = "no volume is configured";
        return out;
    }
    out.allowed = true;
    return out;
}

}  // namespace

PromoteCheck may_promote(const ResourceStatus& st, std::string_view fencing)
{
    // Already Primary: nothing to promote, unless quorum is gone (then no promote either).
    if (st.exists && st.role == "Primary" && !quorum_lost(st)) {
        PromoteCheck out;
        out.allowed = true;
        return out;
    }
    return data_usable(st, fencing);
}

ScoreDecision promotion_score(const ResourceStatus& st, const ScoreTable& table, std::string_view fencing)
{
    ScoreDecision d;
    // A score only where promote would go ahead; kept while a disk state settles.
    PromoteCheck chk = data_usable(st, fencing);
    if (!chk.allowed) {
        d.action = chk.retryable ? ScoreAction::Keep : ScoreAction::Remove;
        d.why = chk.reason;
        return d;
    }
    bool all_up_to_date = !st.volumes.empty();
    bool some_consistent = false, some_remote = false;
    for (const auto& v : st.volumes) {
        if (v.disk == "UpToDate") continue;
        all_up_to_date = false;
        if (v.disk == "Consistent") some_consistent = true;  // with DRBD fencing: data_usable checked
        else some_remote = true;                             // Diskless reading through an UpToDate peer
    }
    long long value = 0;
    if (all_up_to_date) {
        bool peer_unknown = st.connections.empty();
        for (const auto& c : st.connections) {
            if (c.state != "Connected") peer_unknown = true;
            for (const auto& pd : c.peer_devices)
                if (pd.peer_disk == "DUnknown") peer_unknown = true;
        }
        if (st.role == "Primary" || !peer_unknown) {
            value = table.best;
            d.why = "UpToDate";
        } else {
            value = table.local_ok;
            d.why = "UpToDate, peer unknown";
        }
    } else if (some_consistent) {
        value = table.only_consistent;
        d.why = "Consistent, DRBD fencing decides";
    } else if (some_remote) {
        value = table.only_remote;
        d.why = "Diskless, UpToDate peer";
    }
    if (value <= 0) {
        d.action = ScoreAction::Remove;
        return d;
    }
    d.action = ScoreAction::Set;
    d.value = value;
    return d;
}

}  // namespace ocfkit::drbd
