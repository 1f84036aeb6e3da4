// A domain's state over one connection, waits bounded by deadlines, and how libvirt errors fail an action.
#include "domain_queries.h"

#include <algorithm>
#include <thread>

namespace ocfkit::virtdomain {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::seconds;

bool outcome_unknown(const HvError& e) { return e.unreachable() || e.kind() == HvErrorKind::Busy; }

[[noreturn]] void hv_fail(const HvError& e, std::string_view doing)
{
    fail(ExitCode::ErrGeneric, "{}: {}", doing, e.what());
}

std::optional<DomainStatus> status_of(Connection& c, const DomainRef& ref)
{
    try {
        return c.status(ref);
    } catch (const HvError& e) {
        if (e.kind() == HvErrorKind::NoDomain) return std::nullopt;
        throw;
    }
}

bool gone(const std::optional<DomainStatus>& s) { return !s || s->state == DomainState::ShutOff; }

std::string state_text(const std::optional<DomainStatus>& s) { return s ? describe(*s) : "undefined"; }

std::optional<DomainStatus> wait_gone(Connection& c, const DomainRef& ref, const Deadline& until, milliseconds every)
{
    for (;;) {
        auto st = status_of(c, ref);
        milliseconds left = until.remaining();
        if (gone(st) || left <= 0ms) return st;
        std::this_thread::sleep_for(std::min(every, left));
    }
}

Deadline before_deadline(const Deadline& deadline) { return Deadline::at(deadline.when() - 500ms); }

Deadline earliest(const Deadline& a, const Deadline& b) { return a.when() < b.when() ? a : b; }

CallLimits limits_for(const Settings& s, const Deadline& deadline)
{
    CallLimits l;
    l.call_timeout = s.call_timeout;
    l.reserve = std::clamp<milliseconds>(deadline.remaining() / 10, 2s, 10s);
    return l;
}

}  // namespace ocfkit::virtdomain
