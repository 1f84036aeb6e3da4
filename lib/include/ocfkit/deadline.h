// The time an operation may still use, from Pacemaker's timeout minus a safety margin.
#pragma once

#include <chrono>
#include <optional>

namespace ocfkit {

class Deadline {
public:
    using Clock = std::chrono::steady_clock;

    // budget = op_timeout - max(2 s, 10 %), or the advertised timeout when Pacemaker gave none.
    static Deadline for_operation(std::optional<std::chrono::milliseconds> op_timeout,
                                  std::chrono::milliseconds advertised);
    static Deadline after(std::chrono::milliseconds budget);
    static Deadline at(Clock::time_point when) { return Deadline(when); }

    Clock::time_point when() const { return when_; }
    std::chrono::milliseconds remaining() const;  // never negative
    bool expired() const { return Clock::now() >= when_; }
    // The smaller of the remaining time and cap.
    std::chrono::milliseconds clamp(std::chrono::milliseconds cap) const;

private:
    explicit Deadline(Clock::time_point when) : when_(when) {}
    Clock::time_point when_;
};

std::chrono::milliseconds safety_margin(std::chrono::milliseconds op_timeout);

// Sleeps `step`, or only what is left of the deadline when that is less: a poll loop's pause.
void sleep_within(const Deadline& deadline, std::chrono::milliseconds step);

}  // namespace ocfkit
