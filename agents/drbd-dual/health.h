// Pure decisions over a DRBD resource's state: monitor verdict, promotion eligibility, score.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocfkit/exit_code.h"
#include "parse/drbd_status.h"

namespace ocfkit::drbd {

// adjust_master_score: four non-decreasing scores, as ocf:linbit:drbd defines them.
struct ScoreTable {
    long long only_consistent = 0;  // local data Consistent, peer unknown (DRBD fencing decides)
    long long only_remote = 10;     // local disk Diskless, a connected peer UpToDate
    long long local_ok = 1000;      // local UpToDate, Secondary, some peer disk unknown
    long long best = 10000;         // local UpToDate and Primary, or every peer known
};
// Error message when the text is not four non-decreasing integers >= 0.
std::optional<std::string> score_table_problem(std::string_view text);
ScoreTable parse_score_table(std::string_view text);  // call after score_table_problem said nothing

struct Verdict {
    ExitCode code = ExitCode::Success;
    std::string reason;                // one line: why degraded / failed
    std::vector<std::string> problems; // each degradation or failure, most important first
    bool split_brain_suspected = false;
};

// monitor: 7 not configured, 8/0 healthy, 191/190 degraded, 9 Primary without data, 1 Secondary
// with a failed local disk.
Verdict assess(const ResourceStatus& st);

struct PromoteCheck {
    bool allowed = false;
    bool retryable = false;  // a transitional state: try again until the deadline
    std::string reason;
};
// Whether DRBD may become Primary here without risking stale data. `fencing` is DRBD's
// fencing policy from the configuration ("dont-care", "resource-only", "resource-and-stonith").
PromoteCheck may_promote(const ResourceStatus& st, std::string_view fencing);

enum class ScoreAction { Set, Remove, Keep };
struct ScoreDecision {
    ScoreAction action = ScoreAction::Remove;
    long long value = 0;
    std::string why;
};
// Scores are offered only where may_promote would allow promotion, so Pacemaker never picks a
// node the agent then refuses.
ScoreDecision promotion_score(const ResourceStatus& st, const ScoreTable& table, std::string_view fencing);

bool fencing_protects(std::string_view fencing);  // resource-only or resource-and-stonith

// A connected peer in role Primary, by name ("the peer" on 8.4); nothing when there is none.
std::optional<std::string> primary_peer(const ResourceStatus& st);
// The same, only when every disk that peer has is UpToDate (remove_master_score_if_peer_primary).
std::optional<std::string> healthy_primary_peer(const ResourceStatus& st);
// This node Primary, its disks UpToDate, every peer connected with UpToDate disks (or a
// diskless client): no fencing constraint has a reason to remain.
bool all_up_to_date_primary(const ResourceStatus& st);

}  // namespace ocfkit::drbd
