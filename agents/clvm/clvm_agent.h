// ocf:custom:clvm: clustered LVM through lvmlockd (lvm2 >= 2.03) or clvmd (older), as a clone.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "lvm_text_parse.h"
#include "ocfkit/agent.h"

namespace ocfkit::clvm {

enum class Manager { Lvmlockd, Clvmd };
std::string_view to_string(Manager m);

// The lvmconfig paths validate reads, in one call.
const std::vector<std::string>& config_keys();

// The LVM settings the classic setup guides warn about, one message per problem, for `m`.
std::vector<std::string> config_problems(const lvm::LvmConfig& cfg, Manager m);

// One device LVM may see, under every name it has here.
struct DeviceNames {
    std::string configured;          // as drbdadm names it: "/dev/drbd0", "/dev/vdb"
    std::vector<std::string> names;  // configured first, then aliases (/dev/disk/by-id/...)
};
// Filter problems: a DRBD device that LVM would not see, or a backing disk it would see
// (the same PV twice). Throws Failure(ErrInstalled) for an unreadable filter (lvm.conf is per node).
std::vector<std::string> filter_problems(const lvm::LvmConfig& cfg, const std::vector<DeviceNames>& drbd_devices,
                                         const std::vector<DeviceNames>& backing_disks);

// A dm-multipath map and its path devices, each under every name it has here.
struct MultipathDevices {
    DeviceNames map;                // "/dev/mapper/mpatha", "/dev/dm-0", udev's links
    std::vector<DeviceNames> paths; // "/dev/sdb", "/dev/disk/by-path/...-iscsi-..."
};
struct MultipathFindings {
    std::vector<std::string> problems;  // a path device LVM would use
    std::vector<std::string> hidden;    // maps LVM does not see at all (map and paths rejected)
};
// The filters must reject every path of a map (else LVM may use one path, or the PV twice) and
// accept the map; a map rejected with all its paths is hidden from LVM on purpose or by mistake:
// validate names it when a listed VG is not visible. Throws like filter_problems.
MultipathFindings multipath_filter_problems(const lvm::LvmConfig& cfg, const std::vector<MultipathDevices>& maps);

// Monitor's verdict for lvmlockd from one `lvmlockctl -i`: every listed VG's lockspace started
// and, when activation is ours, at least one of its LVs locked (active). `expected` holds the
// LV counts start activated per VG (absent: unknown, one is enough).
Outcome assess_lockd(const lvm::LockdInfo& info, const std::vector<std::string>& vgs, bool activation,
                     const std::map<std::string, int>& expected);

// clvmd -T<secs> waits itself until its daemon runs. That wait must end before the runner's
// timeout for clvmd (so clvmd's own answer is what start reports), and that timeout before the
// operation's deadline (so start fails by itself, with time left to say why). Nothing when
// `remaining` is too short for a wait of one second.
struct ClvmdLaunch {
    std::chrono::milliseconds tool_timeout;
    long long wait_s = 0;  // clvmd -T
};
std::optional<ClvmdLaunch> clvmd_launch(std::chrono::milliseconds remaining);

class ClvmAgent final : public Agent {
public:
    const AgentSpec& spec() const override;
    Outcome validate(Context& ctx, ValidatePurpose purpose) override;
    Outcome start(Context& ctx) override;
    Outcome stop(Context& ctx) override;
    Outcome monitor(Context& ctx) override;

private:
    // lvmconfig once per process: start's validate and start itself read the same lvm.conf.
    const lvm::LvmConfig& config(Context& ctx);
    std::optional<lvm::LvmConfig> config_;
};

}  // namespace ocfkit::clvm
