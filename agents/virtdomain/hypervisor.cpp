// Names for the hypervisor interface's states, reasons and error kinds.
#include "hypervisor.h"

#include <fmt/format.h>

namespace ocfkit::virtdomain {

std::string_view to_string(DomainState state)
{
    switch (state) {
    case DomainState::NoState: return "no state";
    case DomainState::Running: return "running";
    case DomainState::Blocked: return "blocked";
    case DomainState::Paused: return "paused";
    case DomainState::ShuttingDown: return "in shutdown";
    case DomainState::ShutOff: return "shut off";
    case DomainState::Crashed: return "crashed";
    case DomainState::PmSuspended: return "pmsuspended";
    }
    return "unknown";
}

namespace {

std::string_view paused_reason_name(int reason)
{
    switch (reason) {
    case paused_reason::User: return "paused by a user";
    case paused_reason::Migration: return "migrating";
    case paused_reason::Save: return "being saved";
    case paused_reason::Dump: return "being dumped";
    case paused_reason::IoError: return "I/O error";
    case paused_reason::Watchdog: return "watchdog fired";
    case paused_reason::FromSnapshot: return "restored from a snapshot";
    case paused_reason::ShuttingDown: return "shutting down";
    case paused_reason::Snapshot: return "taking a snapshot";
    case paused_reason::Crashed: return "guest crashed";
    case paused_reason::StartingUp: return "starting up";
    case paused_reason::Postcopy: return "post-copy migration";
    case paused_reason::PostcopyFailed: return "post-copy migration failed";
    case paused_reason::ApiError: return "QEMU API error";
    default: return "unknown reason";
    }
}

std::string_view shutoff_reason_name(int reason)
{
    switch (reason) {
    case shutoff_reason::Shutdown: return "shut down";
    case shutoff_reason::Destroyed: return "destroyed";
    case shutoff_reason::Crashed: return "crashed";
    case shutoff_reason::Migrated: return "migrated away";
    case shutoff_reason::Saved: return "saved";
    case shutoff_reason::Failed: return "failed to start";
    case shutoff_reason::FromSnapshot: return "restored from a snapshot";
    case shutoff_reason::Daemon: return "daemon-initiated";
    default: return "unknown reason";
    }
}

}  // namespace

std::string describe(const DomainStatus& status)
{
    if (status.state == DomainState::Paused)
        return fmt::format("paused ({})", paused_reason_name(status.reason));
    if (status.state == DomainState::ShutOff)
        return fmt::format("shut off ({})", shutoff_reason_name(status.reason));
    return std::string(to_string(status.state));
}

std::string DomainRef::display() const
{
    if (uuid.empty()) return name;
    if (name.empty()) return fmt::format("uuid {}", uuid);
    return fmt::format("{} (uuid {})", name, uuid);
}

std::string_view to_string(HvErrorKind kind)
{
    switch (kind) {
    case HvErrorKind::NoDomain: return "no such domain";
    case HvErrorKind::NoObject: return "no such pool or network";
    case HvErrorKind::ConnectFailed: return "cannot connect";
    case HvErrorKind::ConnectionLost: return "connection lost";
    case HvErrorKind::Timeout: return "timed out";
    case HvErrorKind::Busy: return "busy";
    case HvErrorKind::InvalidOperation: return "invalid operation";
    case HvErrorKind::InvalidConfig: return "invalid configuration";
    case HvErrorKind::Unsupported: return "unsupported";
    case HvErrorKind::Other: return "error";
    }
    return "error";
}

}  // namespace ocfkit::virtdomain
