// Sends holders of a busy mount term_signal, then kill_signal, bounded by the stop's budget.
#pragma once

#include <sys/types.h>

#include <map>
#include <string_view>
#include <vector>

#include "gfs2fs_detail.h"
#include "holders.h"
#include "ocfkit/deadline.h"

namespace ocfkit::gfs2fs {

// Sends term_signal to each new holder, kill_signal to those still there signal_delay later,
// and waits for them; everything bounded by the budget.
class Reaper {
public:
    Reaper(Context& ctx, const Config& c, const Deadline& budget) : ctx_(ctx), c_(c), budget_(budget) {}

    // One round; false when none of the holders may be signalled.
    bool round(const std::vector<Holder>& holders, std::string_view what);

private:
    struct Signalled {
        Holder h;
        Deadline::Clock::time_point term_at;
        bool killed = false;
    };

    void send(const Holder& h, int sig, std::string_view what);

    Context& ctx_;
    const Config& c_;
    const Deadline& budget_;
    std::map<pid_t, Signalled> signalled_;
};

}  // namespace ocfkit::gfs2fs
