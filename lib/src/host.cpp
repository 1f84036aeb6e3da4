// Process, pidfile and sysfs lookups shared by agents that manage local daemons.
#include "ocfkit/host.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <fstream>
#include <sstream>

namespace ocfkit {

namespace {

bool all_digits(std::string_view s)
{
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<int> to_pid(std::string_view s)
{
    int v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v <= 0) return std::nullopt;
    return v;
}

}  // namespace

HostPaths HostPaths::from_env(const Env& env)
{
    HostPaths p;
    if (auto root = env.get("OCFKIT_HOST_ROOT"); root && !root->empty()) {
        std::string r = *root;
        while (r.size() > 1 && r.back() == '/') r.pop_back();
        p.run = r + "/run";
        p.sys = r + "/sys";
        p.dev = r + "/dev";
        p.process_marker = "OCFKIT_HOST_ROOT=" + *root;
    }
    return p;
}

bool HostPaths::owns(int pid) const
{
    if (process_marker.empty()) return true;
    auto environ = read_small_file(proc + "/" + std::to_string(pid) + "/environ", 1 << 20);
    if (!environ) return false;
    std::string_view e = *environ;
    std::size_t pos = 0;
    while (pos < e.size()) {
        std::size_t end = e.find('\0', pos);
        if (end == std::string_view::npos) end = e.size();
        if (e.substr(pos, end - pos) == process_marker) return true;
        pos = end + 1;
    }
    return false;
}

std::optional<int> read_pidfile(const std::string& path)
{
    auto text = read_small_file(path, 4096);
    if (!text) return std::nullopt;
    std::string_view t = *text;
    std::size_t b = t.find_first_not_of(" \t\r\n");
    if (b == std::string_view::npos) return std::nullopt;
    std::size_t e = t.find_first_of(" \t\r\n", b);
    return to_pid(t.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b));
}

ProcessState process_state(const std::string& proc_root, int pid)
{
    auto stat = read_small_file(proc_root + "/" + std::to_string(pid) + "/stat", 4096);
    if (!stat) return ProcessState::Absent;
    // "pid (comm) S ...": comm may contain spaces and parentheses, the state follows the last ')'.
    std::size_t close = stat->rfind(')');
    if (close == std::string::npos || close + 2 >= stat->size()) return ProcessState::Running;
    char state = (*stat)[close + 2];
    if (state == 'Z' || state == 'X' || state == 'x') return ProcessState::Zombie;
    return ProcessState::Running;
}

std::string process_state_text(const std::string& proc_root, int pid)
{
    auto status = read_small_file(proc_root + "/" + std::to_string(pid) + "/status", 4096);
    if (!status) return {};
    std::string_view s = *status;
    auto at = s.find("\nState:");
    if (at == std::string_view::npos) return {};
    s.remove_prefix(at + 7);
    s = s.substr(0, s.find('\n'));
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    return std::string(s);
}

std::string process_comm(const std::string& proc_root, int pid)
{
    auto comm = read_small_file(proc_root + "/" + std::to_string(pid) + "/comm", 256);
    if (!comm) return {};
    while (!comm->empty() && comm->back() == '\n') comm->pop_back();
    return *comm;
}

std::string comm_of_program(std::string_view program)
{
    std::size_t slash = program.rfind('/');
    std::string_view base = slash == std::string_view::npos ? program : program.substr(slash + 1);
    return std::string(base.substr(0, 15));
}

std::vector<int> pids_with_comm(const std::string& proc_root, std::string_view comm)
{
    std::vector<int> out;
    for (const auto& name : list_dir(proc_root)) {
        if (!all_digits(name)) continue;
        auto pid = to_pid(name);
        if (!pid) continue;
        if (process_comm(proc_root, *pid) != comm) continue;
        if (process_state(proc_root, *pid) != ProcessState::Running) continue;
        out.push_back(*pid);
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::optional<DaemonPid> find_daemon(const std::string& proc_root, const std::string& pidfile, std::string_view comm)
{
    if (!pidfile.empty()) {
        if (auto pid = read_pidfile(pidfile)) {
            if (process_state(proc_root, *pid) == ProcessState::Running && process_comm(proc_root, *pid) == comm)
                return DaemonPid{*pid, true};
        }
    }
    auto pids = pids_with_comm(proc_root, comm);
    if (pids.empty()) return std::nullopt;
    return DaemonPid{pids.front(), false};
}

std::optional<DaemonPid> find_daemon(const HostPaths& paths, const std::string& pidfile, std::string_view comm)
{
    if (paths.process_marker.empty()) return find_daemon(paths.proc, pidfile, comm);
    if (auto pid = read_pidfile(pidfile)) {
        if (process_state(paths.proc, *pid) == ProcessState::Running && process_comm(paths.proc, *pid) == comm &&
            paths.owns(*pid))
            return DaemonPid{*pid, true};
    }
    for (int pid : pids_with_comm(paths.proc, comm))
        if (paths.owns(pid)) return DaemonPid{pid, false};
    return std::nullopt;
}

std::vector<std::string> list_dir(const std::string& dir)
{
    std::vector<std::string> out;
    DIR* d = ::opendir(dir.c_str());
    if (!d) return out;
    while (struct dirent* e = ::readdir(d)) {
        std::string_view n = e->d_name;
        if (n == "." || n == "..") continue;
        out.emplace_back(n);
    }
    ::closedir(d);
    std::sort(out.begin(), out.end());
    return out;
}

std::optional<std::string> read_small_file(const std::string& path, std::size_t max_bytes)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return std::nullopt;
    std::string out;
    char buf[16384];
    // /proc and /sys files report size 0: read until EOF.
    while (out.size() < max_bytes) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const int err = errno;
            ::close(fd);
            errno = err;
            return std::nullopt;
        }
        if (n == 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    if (out.size() > max_bytes) out.resize(max_bytes);
    return out;
}

std::vector<OpenFileHolder> processes_with_open(const std::string& proc_root, std::string_view prefix)
{
    std::vector<OpenFileHolder> out;
    for (const auto& name : list_dir(proc_root)) {
        if (!all_digits(name)) continue;
        auto pid = to_pid(name);
        if (!pid) continue;
        std::string fd_dir = proc_root + "/" + name + "/fd";
        for (const auto& fd : list_dir(fd_dir)) {
            char target[PATH_MAX];
            ssize_t n = ::readlink((fd_dir + "/" + fd).c_str(), target, sizeof target - 1);
            if (n <= 0) continue;
            std::string_view t(target, static_cast<std::size_t>(n));
            if (t.substr(0, prefix.size()) != prefix) continue;
            out.push_back({*pid, process_comm(proc_root, *pid), std::string(t)});
        }
    }
    return out;
}

std::optional<std::string> find_program(std::string_view program, std::string_view path)
{
    auto usable = [](const std::string& p) {
        struct stat st {};
        return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
    };
    if (program.empty()) return std::nullopt;
    if (program.find('/') != std::string_view::npos) {
        std::string p(program);
        if (usable(p)) return p;
        return std::nullopt;
    }
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t end = path.find(':', start);
        if (end == std::string_view::npos) end = path.size();
        std::string dir(path.substr(start, end - start));
        if (dir.empty()) dir = ".";
        std::string candidate = dir + "/" + std::string(program);
        if (usable(candidate)) return candidate;
        start = end + 1;
    }
    return std::nullopt;
}

std::string tool_path(const Env& env)
{
    const std::string system = "/usr/sbin:/usr/bin:/sbin:/bin";
    auto own = env.get("PATH");
    if (!own || own->empty()) return system;
    return *own + ":" + system;
}

}  // namespace ocfkit
