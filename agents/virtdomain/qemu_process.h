// The qemu process of a domain: the evidence left when libvirtd itself does not answer.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "ocfkit/deadline.h"

namespace ocfkit::virtdomain {

// From libvirt's pid file in `run_dir`, checked against /proc/<pid>/cmdline (guest=<name>).
std::optional<pid_t> qemu_pid(const std::string& run_dir, const std::string& name);

// How ending a qemu process without libvirtd went.
struct QemuEnd {
    bool ended = false;      // no qemu process of the domain is left
    pid_t pid = 0;           // the process found (0: there was none)
    std::string signal;      // the last signal it needed ("SIGTERM", "SIGKILL"), empty when none
    std::chrono::milliseconds took{0};
};

// Ends the domain's qemu process itself, as virDomainDestroy would: SIGTERM (qemu quits at once,
// like a power cut), SIGKILL after `grace`, then waits until the deadline. The process is pinned
// (pidfd) and checked to be that guest's qemu before the first signal, so a recycled pid is
// never signalled. For stop when libvirtd does not answer: the guest must be gone to move.
QemuEnd end_qemu(const std::string& run_dir, const std::string& name, const Deadline& deadline,
                 std::chrono::milliseconds grace);

// The systemd scope a process runs in, from its /proc/<pid>/cgroup text (the unified "0::" line,
// else the v1 "name=systemd" one): "machine-qemu\x2d1\x2dvm1.scope" for a guest libvirt
// registered with machined. Nothing outside a scope, or for a name a unit file could not hold.
std::optional<std::string> scope_from_cgroup(std::string_view cgroup);

// The scope of the domain's running qemu (qemu_pid), read under `proc_root`.
std::optional<std::string> qemu_scope(const std::string& run_dir, const std::string& proc_root, const std::string& name);

// Only the local qemu:///system driver leaves such a pid file where we look.
bool local_system_qemu(const std::string& uri_text);

}  // namespace ocfkit::virtdomain
