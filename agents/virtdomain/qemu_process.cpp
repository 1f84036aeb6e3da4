// Finding a domain's qemu process without libvirtd.
#include "qemu_process.h"

#include <signal.h>

#include <cctype>
#include <cerrno>

#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "libvirt_uri.h"
#include "ocfkit/pinned_process.h"

namespace ocfkit::virtdomain {

std::optional<pid_t> qemu_pid(const std::string& run_dir, const std::string& name)
{
    std::ifstream pidfile(run_dir + "/" + name + ".pid");
    long pid = 0;
    if (!(pidfile >> pid) || pid <= 1) return std::nullopt;
    std::ifstream cmdline(fmt::format("/proc/{}/cmdline", pid), std::ios::binary);
    std::string args((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
    // libvirt starts qemu with "-name guest=<name>,debug-threads=on".
    std::string want = "guest=" + name;
    for (std::size_t pos = 0; (pos = args.find(want, pos)) != std::string::npos; pos += want.size()) {
        std::size_t end = pos + want.size();
        if (end == args.size() || args[end] == ',' || args[end] == '\0') return static_cast<pid_t>(pid);
    }
    return std::nullopt;
}

QemuEnd end_qemu(const std::string& run_dir, const std::string& name, const Deadline& deadline,
                 std::chrono::milliseconds grace)
{
    using std::chrono::duration_cast;
    using std::chrono::milliseconds;
    const auto t0 = Deadline::Clock::now();
    QemuEnd out;
    auto finish = [&](bool ended) {
        out.ended = ended;
        out.took = duration_cast<milliseconds>(Deadline::Clock::now() - t0);
        return out;
    };
    auto pid = qemu_pid(run_dir, name);
    if (!pid) return finish(true);
    out.pid = *pid;
    auto proc = PinnedProcess::pin("/proc", *pid);
    // Pinned after the check: it must still be the guest's qemu (not a pid reused meanwhile).
    if (!proc || qemu_pid(run_dir, name) != pid) return finish(!qemu_pid(run_dir, name));
    for (int sig : {SIGTERM, SIGKILL}) {
        out.signal = sig == SIGTERM ? "SIGTERM" : "SIGKILL";
        if (int err = proc->signal(sig); err != 0 && err != ESRCH) return finish(false);
        milliseconds bound = sig == SIGTERM ? grace : deadline.remaining();
        if (proc->wait_until_gone(deadline, bound)) return finish(true);
    }
    return finish(false);
}

std::optional<std::string> scope_from_cgroup(std::string_view cgroup)
{
    // The unified hierarchy's path first, then systemd's named v1 hierarchy (hybrid or legacy).
    std::optional<std::string_view> unified, named;
    while (!cgroup.empty()) {
        std::size_t eol = cgroup.find('\n');
        std::string_view line = cgroup.substr(0, eol);
        cgroup = eol == std::string_view::npos ? std::string_view{} : cgroup.substr(eol + 1);
        std::size_t c1 = line.find(':');
        std::size_t c2 = c1 == std::string_view::npos ? c1 : line.find(':', c1 + 1);
        if (c2 == std::string_view::npos) continue;
        std::string_view hierarchy = line.substr(0, c1), controllers = line.substr(c1 + 1, c2 - c1 - 1);
        if (hierarchy == "0" && controllers.empty()) unified = line.substr(c2 + 1);
        if (controllers == "name=systemd") named = line.substr(c2 + 1);
    }
    for (const auto& path : {unified, named}) {
        if (!path) continue;
        for (std::string_view rest = *path; !rest.empty();) {
            std::size_t slash = rest.find('/');
            std::string_view part = rest.substr(0, slash);
            rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
            if (part.size() <= 6 || part.substr(part.size() - 6) != ".scope") continue;
            for (char ch : part)
                if (!std::isalnum(static_cast<unsigned char>(ch)) &&
                    std::string_view(":-_.\\@").find(ch) == std::string_view::npos)
                    return std::nullopt;
            return std::string(part);
        }
    }
    return std::nullopt;
}

std::optional<std::string> qemu_scope(const std::string& run_dir, const std::string& proc_root, const std::string& name)
{
    auto pid = qemu_pid(run_dir, name);
    if (!pid) return std::nullopt;
    std::ifstream in(fmt::format("{}/{}/cgroup", proc_root, *pid));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return scope_from_cgroup(text);
}

bool local_system_qemu(const std::string& uri_text)
{
    auto u = parse_libvirt_uri(uri_text).uri;
    return u && u->driver == "qemu" && u->local() && u->path == "/system";
}

}  // namespace ocfkit::virtdomain
