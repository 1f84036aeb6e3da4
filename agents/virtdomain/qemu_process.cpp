// Finding a domain's qemu process without libvirtd.
#include "qemu_process.h"

#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "libvirt_uri.h"

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

bool local_system_qemu(const std::string& uri_text)
{
    auto u = parse_libvirt_uri(uri_text).uri;
    return u && u->driver == "qemu" && u->local() && u->path == "/system";
}

}  // namespace ocfkit::virtdomain
