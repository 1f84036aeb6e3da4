// Helpers shared by the files of the clvm agent (not part of its interface): tools, lock manager
// choice, active LVs and the state file, device names, VG checks, lvmlockd and daemon control.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "clvm_agent.h"
#include "lvm_text_parse.h"
#include "ocfkit/agent.h"
#include "ocfkit/daemon.h"
#include "ocfkit/host.h"

namespace ocfkit::clvm {

// Shorthands the agent's files share.
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

// volgrpname and daemon_options: blank or comma separated.
inline constexpr std::string_view kListSeparators = " ,\t";

inline std::string joined(const std::vector<std::string>& v, std::string_view sep = ", ")
{
    return fmt::format("{}", fmt::join(v, sep));
}

// ---- LVM's tools and files (lvm_tools.cpp) ----------------------------------------------------

struct Files {
    std::string lvmlockd_pid, clvmd_pid, cmirrord_pid, dlm_pid, state;
};

Files files_of(const Context& ctx, const HostPaths& paths);
CommandSpec tool(const Context& ctx, std::vector<std::string> argv, std::chrono::milliseconds timeout);
lvm::LvmConfig read_config(Context& ctx);
std::optional<long long> number(const lvm::LvmConfig& cfg, std::string_view key);

// ---- lock manager choice (lock_manager.cpp) ---------------------------------------------------

struct Installed {
    bool lvmlockd = false;
    bool clvmd = false;
};

Installed installed(const Context& ctx);
std::optional<Manager> configured_manager(const Context& ctx);
// Without running anything: the parameter, else the daemon that runs, else the only one installed.
std::optional<Manager> cheap_manager(const Context& ctx, const HostPaths& paths, const Files& f);
Manager full_manager(const Context& ctx, const lvm::LvmConfig& cfg);

// ---- kernel / sysfs views and the state file (active_lvs.cpp) ---------------------------------

struct ActiveLv {
    std::string vg, lv, dev;  // dev: "253:0"
};

// Active LVs of the given VGs (all when empty), from device-mapper's sysfs: no program runs.
std::vector<ActiveLv> active_lvs(const HostPaths& paths, const std::vector<std::string>& vgs);
std::string describe_active(const std::vector<ActiveLv>& lvs, const HostPaths& paths);
std::map<std::string, int> count_by_vg(const std::vector<ActiveLv>& lvs);
std::map<std::string, int> read_state(const std::string& path);
void write_state(Context& ctx, const std::string& path, const std::map<std::string, int>& counts);

// ---- device names for the filter check (device_names.cpp) -------------------------------------

DeviceNames names_of(const HostPaths& paths, const std::string& configured);
// DRBD devices and backing disks of this host from drbdadm dump-xml; nothing to check when
// drbdadm is not installed or has no resources.
std::optional<std::pair<std::vector<DeviceNames>, std::vector<DeviceNames>>> drbd_devices(Context& ctx,
                                                                                          const HostPaths& paths);
// Every dm-multipath map here with its paths, under all their /dev names.
std::vector<MultipathDevices> multipath_devices(const HostPaths& paths);

// ---- VG checks (vg_checks.cpp) ----------------------------------------------------------------

// `hidden`: devices the filter hides from LVM entirely, named when a VG is not visible.
Outcome check_vgs(Context& ctx, Manager m, const std::vector<std::string>& vgs, const std::vector<std::string>& hidden = {});

// ---- lvmlockd (lockd.cpp) ---------------------------------------------------------------------

struct LockdAnswer {
    bool answered = false;
    lvm::LockdInfo info;
    std::string problem;
};

LockdAnswer ask_lvmlockd(Context& ctx, std::chrono::milliseconds timeout);
// lvmlockd's default adopt file (lvm2's DEFAULT_RUN_DIR): it writes it while running with -A 1.
std::string adopt_file_of(const HostPaths& paths);
Outcome readopt_lockd(Context& ctx, const HostPaths& paths, const Files& f, const std::vector<std::string>& vgs,
                      bool activation, const std::vector<ActiveLv>& active, const std::string& lost);

// ---- daemons (daemons.cpp) --------------------------------------------------------------------

void require_dlm(const HostPaths& paths, const Files& f, std::string_view who);
// Runs a daemon launcher, then polls `ready` until it holds, the daemon dies, or the deadline.
void launch_and_wait(Context& ctx, const HostPaths& paths, std::vector<std::string> argv, const std::string& pidfile,
                     const std::string& comm, const std::function<bool(std::string& problem)>& ready,
                     std::chrono::milliseconds launcher_timeout = std::chrono::seconds(60));
// Signals a daemon and waits; the caller decided that killing it is safe.
bool terminate(Context& ctx, const RunningDaemon& d, const std::string& comm, int sig, std::chrono::milliseconds bound);

}  // namespace ocfkit::clvm
