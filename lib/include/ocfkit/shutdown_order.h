// Orders Pacemaker's shutdown before what a resource needs from the host: a systemd drop-in for
// resource-agents-deps.target (pacemaker.service and pacemaker_remote.service start after it and
// so stop before it), one file per resource instance under /run/systemd/system.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocfkit/agent.h"
#include "ocfkit/host.h"

namespace ocfkit {

struct ShutdownOrder {
    std::string agent;              // names the file: "gfs2fs" → 50-ocfkit-gfs2fs-<instance>.conf
    std::string why;                // one comment line for the admin who finds the file
    std::vector<std::string> after; // units Pacemaker must stop before (and start after)
    // A unit in `after` is younger than systemd's last reload (a guest's new scope): systemd
    // cannot have the ordering yet, so it is not asked before the reload.
    bool new_unit = false;
};

// The drop-in's directory: <run>/systemd/system/resource-agents-deps.target.d, so OCFKIT_HOST_ROOT
// moves it below a test's root like every other host path.
std::string shutdown_order_dir(const HostPaths& paths);

// Pure: the file name for a resource instance (characters systemd or a shell would trip over
// become '_'), and the file's text.
std::string shutdown_order_file_name(std::string_view agent, std::string_view instance);
std::string shutdown_order_text(const ShutdownOrder& order, std::string_view instance);

// At start (and from a recurring monitor when the file has gone): writes the drop-in when systemd
// runs here (<run>/systemd/system exists, as sd_booted() checks) and the file is missing or
// differs: a new file written beside it (O_EXCL, O_NOFOLLOW, 0644, fsync) renamed over it, then
// `systemctl daemon-reload` once, bounded, unless systemd already orders the target after every
// unit (asked with `systemctl show` when the drop-in directory existed before: a restart within
// one boot, the ordering still in systemd's memory since stop removed the file without a reload;
// a reload takes seconds under load). Nothing without systemd. Failures are warnings: the
// resource runs as well without the ordering; only a reboot without it is worse. Returns whether
// the file was written.
bool ensure_shutdown_order(Context& ctx, const HostPaths& paths, const ShutdownOrder& order);

// Whether the instance's drop-in exists: one stat, for the monitor.
bool shutdown_order_present(const Context& ctx, const HostPaths& paths, std::string_view agent);

// At stop: removes the instance's drop-in, without a daemon-reload: stop runs during a shutdown
// too, when reloading systemd is the last thing to do, and an ordering left in systemd's memory
// until its next reload only orders.
void remove_shutdown_order(Context& ctx, const HostPaths& paths, std::string_view agent);

}  // namespace ocfkit
