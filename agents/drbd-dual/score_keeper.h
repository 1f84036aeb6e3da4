// Writes the promotion score only when it changes, remembering the last write under /run.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "health.h"
#include "ocfkit/agent.h"

namespace ocfkit::drbd {

// crm_attribute --promotion costs a program per call; a monitor must stay at one. The last value
// written is kept in a small file together with the corosync membership it was written under:
// Pacemaker drops transient attributes when a node leaves or rejoins, and that changes the ring
// id corosync stores in /var/lib/corosync/ringid_*, so the next monitor writes again. Entries
// also expire after `max_age`, and start/promote/demote/probe force a write.
class ScoreKeeper {
public:
    ScoreKeeper(Context& ctx, std::filesystem::path cache_file, std::string membership);

    // Applies the decision; returns true when it ran crm_attribute.
    bool apply(const ScoreDecision& d, bool force);

    static constexpr std::chrono::seconds max_age{300};

private:
    struct Cached {
        std::optional<long long> value;  // nothing: removed
        std::string membership;
        long long written_at = 0;        // seconds since the epoch
    };
    std::optional<Cached> load() const;
    void store(std::optional<long long> value) const;
    void forget() const;
    bool write(std::optional<long long> value);

    Context& ctx_;
    std::filesystem::path file_;
    std::string membership_;
};

// Corosync's ring ids (file names and contents) as one string; "" when corosync keeps none.
std::string corosync_membership(const std::filesystem::path& state_dir);

}  // namespace ocfkit::drbd
