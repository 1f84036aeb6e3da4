// Small helpers over one connection: a domain's state, waiting for it to go, call limits, errors.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "bounded_hypervisor.h"
#include "hypervisor.h"
#include "ocfkit/deadline.h"
#include "settings.h"

namespace ocfkit::virtdomain {

// The call may still be carried out, and libvirt cannot tell us the domain's state: libvirtd did
// not answer in time or at all, or it gave up waiting for the domain's job lock itself.
bool outcome_unknown(const HvError& e);

// Even libvirt rejecting the XML is this node's verdict (its libvirt version, its drivers): 1,
// never 6, which would stop the resource on every node.
[[noreturn]] void hv_fail(const HvError& e, std::string_view doing);

// nullopt: the domain does not exist (any more).
std::optional<DomainStatus> status_of(Connection& c, const DomainRef& ref);
bool gone(const std::optional<DomainStatus>& s);
std::string state_text(const std::optional<DomainStatus>& s);

// Polls until the domain is gone or `until` passes; returns the last state seen. The last
// query happens at `until`, so `until` must leave time for it before the operation's deadline.
std::optional<DomainStatus> wait_gone(Connection& c, const DomainRef& ref, const Deadline& until,
                                      std::chrono::milliseconds every = std::chrono::milliseconds(250));

// The operation's deadline less the time one last state query may need.
Deadline before_deadline(const Deadline& deadline);
Deadline earliest(const Deadline& a, const Deadline& b);
CallLimits limits_for(const Settings& s, const Deadline& deadline);

}  // namespace ocfkit::virtdomain
