// Cheap looks at local daemons and kernel state through /proc, /sys and /run: no programs run.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocfkit/env.h"

namespace ocfkit {

// Where an agent looks for pidfiles, sysfs and device nodes. OCFKIT_HOST_ROOT=<dir> moves run,
// sys and dev below <dir> so tests can drive agents against fake daemons and a fake sysfs;
// /proc always stays the real one (the fake daemons are real processes).
struct HostPaths {
    std::string run = "/run";
    std::string sys = "/sys";
    std::string dev = "/dev";
    std::string proc = "/proc";
    // With a host root: only processes whose environment holds OCFKIT_HOST_ROOT=<root> belong
    // to this host, so tests running side by side never see each other's fake daemons.
    std::string process_marker;

    static HostPaths from_env(const Env& env);
    bool owns(int pid) const;  // always true without a host root
};

// A pid from a pidfile: the first token must be a positive integer.
std::optional<int> read_pidfile(const std::string& path);

enum class ProcessState { Absent, Zombie, Running };
ProcessState process_state(const std::string& proc_root, int pid);
// The kernel's state line for a process, "D (disk sleep)" (/proc/<pid>/status); "" when gone.
std::string process_state_text(const std::string& proc_root, int pid);
// /proc/<pid>/comm without the newline; "" when the process is gone.
std::string process_comm(const std::string& proc_root, int pid);
// The kernel's comm for a program: the basename cut to 15 characters.
std::string comm_of_program(std::string_view program);
// Live (non-zombie) processes whose comm is `comm`, in pid order.
std::vector<int> pids_with_comm(const std::string& proc_root, std::string_view comm);

// A daemon's pid: the pidfile's when that process lives and has the expected comm (a stale
// pidfile with a reused pid is ignored), else the first live process with that comm.
struct DaemonPid {
    int pid = 0;
    bool from_pidfile = false;
};
std::optional<DaemonPid> find_daemon(const std::string& proc_root, const std::string& pidfile, std::string_view comm);
// The same among the processes that belong to `paths`' host.
std::optional<DaemonPid> find_daemon(const HostPaths& paths, const std::string& pidfile, std::string_view comm);

// Entry names of a directory, sorted, without "." and ".."; empty when it does not exist.
std::vector<std::string> list_dir(const std::string& dir);
// Whole small file, at most max_bytes (procfs and sysfs files are read until EOF, whatever size
// they report); nothing when it cannot be read, errno saying why.
std::optional<std::string> read_small_file(const std::string& path, std::size_t max_bytes = 1 << 20);

// Processes that hold an open file descriptor whose target starts with `prefix`.
struct OpenFileHolder {
    int pid = 0;
    std::string comm;
    std::string target;
};
std::vector<OpenFileHolder> processes_with_open(const std::string& proc_root, std::string_view prefix);

// The program as exec would find it on `path` (colon separated), without running anything.
std::optional<std::string> find_program(std::string_view program, std::string_view path);

// PATH for the tools an agent runs: its own PATH first (what Pacemaker gave it, or a test's fake
// tools), then the system directories so a short PATH still finds /usr/sbin tools.
std::string tool_path(const Env& env);

}  // namespace ocfkit
