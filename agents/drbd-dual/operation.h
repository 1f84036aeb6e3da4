// One operation's view of the resource: its DRBD node, promotion score, fencing memory, waits.
#pragma once

#include <algorithm>
#include <chrono>
#include <string>

#include "drbd_node.h"
#include "health.h"
#include "ocfkit/agent.h"
#include "score_keeper.h"

namespace ocfkit::drbd {

using namespace std::chrono_literals;

// Sleeps up to `step`, never past `until`; false when `until` has passed.
bool pause_until(Deadline::Clock::time_point until, std::chrono::milliseconds step);

class Operation {
public:
    explicit Operation(Context& ctx);

    DrbdNode& node() { return node_; }

    // Offers (or withdraws) this node's promotion score for the state seen.
    void update_score(const ResourceStatus& st, bool force, const std::string& fencing = "");

    void remove_score(bool force, std::string why = "stopped");

    // The next fully UpToDate state runs the unfence-peer handler again at once.
    void forget_unfenced();

    // unfence_if_all_uptodate: DRBD's unfence-peer handler, in case a fencing constraint outlived
    // the outage. Once when the fully UpToDate state is first seen, then every five minutes.
    void maybe_unfence(const ResourceStatus& st);

    // The fencing policy without running drbdadm: monitors must stay cheap, so only what an
    // earlier start/promote wrote down beside the score cache.
    std::string fencing_hint();
    void remember_fencing(const std::string& fencing);

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

}  // namespace ocfkit::drbd
