// ocf:custom:gfs2fs — mounts a GFS2 (or any kernel-mountable) file system, as a clone on top of
// DLM and shared storage; a drop-in for ocf:heartbeat:Filesystem's parameters.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "fs_config.h"
#include "fs_system.h"
#include "ocfkit/agent.h"

namespace ocfkit::gfs2fs {

// What the agent reads from the system that a FakeRunner cannot stand in for; tests replace
// these, production uses the real /proc, /dev and /sys.
struct SystemHooks {
    std::function<Resolved(const DeviceSpec&)> resolve = resolve_in_process;
    std::function<std::optional<std::string>(std::string_view)> fstype_support = gfs2fs::fstype_support;
    std::function<bool()> dlm_controld_running = [] { return !pids_with_comm("/proc", "dlm_controld").empty(); };
};

class Gfs2fsAgent final : public Agent {
public:
    Gfs2fsAgent() = default;
    explicit Gfs2fsAgent(SystemHooks hooks) : hooks_(std::move(hooks)) {}

    const AgentSpec& spec() const override;
    Outcome validate(Context& ctx, ValidatePurpose purpose) override;
    Outcome start(Context& ctx) override;
    Outcome stop(Context& ctx) override;
    Outcome monitor(Context& ctx) override;
    Outcome reload_agent(Context& ctx) override;

private:
    SystemHooks hooks_;
};

const AgentSpec& gfs2fs_spec();

}  // namespace ocfkit::gfs2fs
