// The Reaper's rounds: term_signal to new holders, kill_signal after signal_delay, then the wait.
#include "reaper.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace ocfkit::gfs2fs {

using namespace std::chrono_literals;

bool Reaper::round(const std::vector<Holder>& holders, std::string_view what)
{
    bool any = false;
    auto now = Deadline::Clock::now();
    for (const auto& h : holders) {
        if (h.spared) {
            ctx_.log.warn("not signalling {} ({}) although it may hold {}: {}", h.pid, h.comm, what, h.what);
            continue;
        }
        any = true;
        auto it = signalled_.find(h.pid);
        if (it != signalled_.end() && it->second.h.start_time != h.start_time) {
            signalled_.erase(it);  // the pid now belongs to another process
            it = signalled_.end();
        }
        if (it == signalled_.end()) {
            send(h, c_.term_signal, what);
            signalled_[h.pid] = {h, now, false};
        } else if (!it->second.killed && now - it->second.term_at >= c_.signal_delay) {
            send(it->second.h, c_.kill_signal, what);  // through the pidfd taken when first identified
            it->second.killed = true;
        }
    }
    if (!any) return false;
    // Wait until every signalled process is gone, or until the next one is due for kill_signal.
    auto escalate = Deadline::Clock::time_point::max();
    for (const auto& [pid, s] : signalled_)
        if (!s.killed && s.h.alive()) escalate = std::min(escalate, s.term_at + c_.signal_delay);
    while (!budget_.expired() && Deadline::Clock::now() < escalate) {
        bool alive = false;
        for (const auto& [pid, s] : signalled_)
            if (s.h.alive()) alive = true;
        if (!alive) break;
        sleep_within(budget_, 50ms);
    }
    return true;
}

void Reaper::send(const Holder& h, int sig, std::string_view what)
{
    if (!h.alive()) return;
    ctx_.log.info("sending {} to {} ({}) holding {}: {}", signal_text(sig), h.pid, h.comm, what, h.what);
    if (int err = h.signal(sig); err != 0 && err != ESRCH)
        ctx_.log.warn("signalling {} with {} failed: {}", h.pid, signal_text(sig), std::strerror(err));
}

}  // namespace ocfkit::gfs2fs
