// Helpers shared by the files of the gfs2fs agent (not part of its interface): the loaded
// configuration, finding our mount, the GFS2 cluster checks, unmounting and what stop takes down.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "fs_config.h"
#include "fs_system.h"
#include "gfs2fs_agent.h"
#include "ocfkit/agent.h"
#include "ocfkit/shutdown_order.h"

namespace ocfkit::gfs2fs {

// The shutdown ordering start writes and stop removes (gfs2fs_agent.cpp).
extern const ShutdownOrder kShutdownOrder;

// ---- configuration and programs (agent_config.cpp) ---------------------------------------------

struct Config {
    DeviceSpec device;
    std::string directory;  // normalised
    std::string fstype;
    std::string options;
    bool bind = false;
    bool expect_ro = false;
    FsckMode fsck = FsckMode::Auto;
    ForceUnmount force_unmount = ForceUnmount::True;
    int term_signal = SIGTERM;
    int kill_signal = SIGKILL;
    std::chrono::milliseconds signal_delay{1000};
    bool fast_stop = false;
    bool force_clones = false;
    bool unmount_other_mounts = false;
    std::string statusfile_prefix;
};

// Everything that needs no system access; throws Failure(ErrConfigured) naming the parameter.
Config load_config(const Context& ctx);
// A mount of this configuration sits on a block device we can name.
bool expects_block_device(const Config& c);
// The programs an operation will run, looked up as the runner will (the child's PATH).
std::optional<std::string> missing_program(std::initializer_list<const char*> programs);
std::string node_name(const Context& ctx);
void require_started(const CommandSpec& spec, const CommandResult& r);

// ---- our device and mount (mount_identity.cpp) -------------------------------------------------

// In process first; tags fall back to blkid when /dev/disk/by-* is missing (no udev).
Resolved resolve_device(Context& ctx, const Config& c, const SystemHooks& hooks, bool allow_programs);

enum class Identity { Match, Mismatch, Unknown };

// Is `e` the mount this configuration asks for? `why` says what differs.
Identity identify(const MountEntry& e, const Config& c, const Resolved& dev, std::string* why);
// The mount at the directory: by its name, else (a symlinked directory) by its real path.
const MountEntry* find_top(const std::vector<MountEntry>& table, const std::string& dir, std::string* where);
std::string mounts_list(const std::vector<const MountEntry*>& mounts);

// ---- GFS2 cluster checks (gfs2_checks.cpp) -----------------------------------------------------

void gfs2_checks(Context& ctx, const Config& c, const Resolved& dev, const SystemHooks& hooks);

// ---- unmounting (unmount.cpp) ------------------------------------------------------------------

std::string kernel_busy_hint(const std::string& mount_point);
std::string mount_text(const MountEntry& e);
// Unmounts one mount, by its id, killing its holders as configured. Returns why it cannot be
// reached without touching anything else; throws when the budget runs out.
std::optional<std::string> unmount_one(Context& ctx, const Config& c, const Deadline& budget, const MountEntry& target);
// Start's own mount that went wrong.
void take_back(Context& ctx, const Config& c, const MountEntry& made);

// ---- what stop takes down (stop_targets.cpp) ---------------------------------------------------

std::vector<MountEntry> stop_targets(const std::vector<MountEntry>& table, const std::string& dir, const Config* c,
                                     const Resolved& dev);
std::vector<MountEntry> ready_targets(const std::vector<MountEntry>& table, const std::vector<MountEntry>& targets,
                                      std::vector<std::string>& blocked);
// Mounts of the device that stop leaves alone (unmount_other_mounts=false).
std::vector<const MountEntry*> other_mounts(const std::vector<MountEntry>& table, const Config& c, const Resolved& dev);
bool fs_still_alive(const Resolved& dev);
std::string namespaces_mounting(dev_t rdev);

}  // namespace ocfkit::gfs2fs
