// Operation deadlines: always end before Pacemaker's own timeout would kill us.
#include "ocfkit/deadline.h"

#include <algorithm>
#include <thread>

namespace ocfkit {

using namespace std::chrono;

milliseconds safety_margin(milliseconds op_timeout)
{
    milliseconds margin = std::max<milliseconds>(seconds(2), op_timeout / 10);
    // Very short timeouts still leave the operation half of its time.
    return std::min(margin, op_timeout / 2);
}

Deadline Deadline::for_operation(std::optional<milliseconds> op_timeout, milliseconds advertised)
{
    milliseconds total = op_timeout.value_or(advertised);
    return after(total - safety_margin(total));
}

Deadline Deadline::after(milliseconds budget)
{
    return Deadline(Clock::now() + std::max(budget, milliseconds(0)));
}

milliseconds Deadline::remaining() const
{
    auto left = duration_cast<milliseconds>(when_ - Clock::now());
    return std::max(left, milliseconds(0));
}

milliseconds Deadline::clamp(milliseconds cap) const { return std::min(remaining(), cap); }

void sleep_within(const Deadline& deadline, milliseconds step) { std::this_thread::sleep_for(deadline.clamp(step)); }

}  // namespace ocfkit
