// The qemu process of a domain: the evidence left when libvirtd itself does not answer.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace ocfkit::virtdomain {

// From libvirt's pid file in `run_dir`, checked against /proc/<pid>/cmdline (guest=<name>).
std::optional<pid_t> qemu_pid(const std::string& run_dir, const std::string& name);

// Only the local qemu:///system driver leaves such a pid file where we look.
bool local_system_qemu(const std::string& uri_text);

}  // namespace ocfkit::virtdomain
