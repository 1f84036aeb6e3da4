// Every /dev name of the DRBD devices, their backing disks and the multipath maps the filter check needs.
#include "clvm_detail.h"

#include <sys/utsname.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "multipath.h"

namespace ocfkit::clvm {

// The names LVM would see for a /dev path here: the path, its target and every symlink in /dev
// that points to the same node (udev's /dev/disk/by-*, /dev/drbd/by-*).
DeviceNames names_of(const HostPaths& paths, const std::string& configured)
{
    DeviceNames d{configured, {configured}};
    if (configured.rfind("/dev/", 0) != 0) return d;
    std::error_code ec;
    fs::path host = paths.dev + configured.substr(4);
    if (!fs::exists(host, ec)) return d;
    fs::path real = fs::canonical(host, ec);
    if (ec) return d;
    const fs::path dev_root = fs::canonical(paths.dev, ec);
    if (ec) return d;
    auto dev_name = [&](const fs::path& p) -> std::optional<std::string> {
        fs::path rel = p.lexically_relative(dev_root);
        if (rel.empty() || *rel.begin() == "..") return std::nullopt;
        return "/dev/" + rel.string();
    };
    auto add = [&](const std::string& n) {
        if (std::find(d.names.begin(), d.names.end(), n) == d.names.end()) d.names.push_back(n);
    };
    if (auto n = dev_name(real)) add(*n);
    static const std::set<std::string> skip{"pts", "shm", "mqueue", "hugepages", "fd", "char", "cpu", "net"};
    fs::recursive_directory_iterator it(dev_root, fs::directory_options::skip_permission_denied, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
        if (it.depth() == 0 && it->is_directory(ec) && skip.count(it->path().filename().string())) {
            it.disable_recursion_pending();
            continue;
        }
        if (it.depth() > 4) {
            it.disable_recursion_pending();
            continue;
        }
        if (!it->is_symlink(ec)) continue;
        std::error_code ec2;
        fs::path target = fs::canonical(it->path(), ec2);
        if (!ec2 && target == real)
            if (auto n = dev_name(it->path())) add(*n);
    }
    return d;
}

namespace {

std::string uname_node()
{
    struct utsname u {};
    if (::uname(&u) != 0) return {};
    return u.nodename;
}

}  // namespace

// DRBD devices and backing disks of this host from drbdadm dump-xml; nothing to check when
// drbdadm is not installed or has no resources.
std::optional<std::pair<std::vector<DeviceNames>, std::vector<DeviceNames>>> drbd_devices(Context& ctx,
                                                                                          const HostPaths& paths)
{
    if (!find_program("drbdadm", tool_path(ctx.env))) {
        ctx.log.info("drbdadm is not installed: no DRBD device filter to check");
        return std::nullopt;
    }
    CommandSpec c = tool(ctx, {"drbdadm", "dump-xml"}, 30s);
    CommandResult r = ctx.runner.run(c, ctx.deadline);
    if (!r.ok()) {
        ctx.log.warn("cannot read the DRBD configuration, device filter not checked: {}", failure_message(c, r));
        return std::nullopt;
    }
    std::vector<lvm::DrbdVolume> vols;
    try {
        vols = lvm::parse_drbd_dump_xml(r.out);
    } catch (const parse::ParseError& e) {
        fail(ExitCode::ErrGeneric, "cannot read drbdadm dump-xml output: {}", e.what());
    }
    if (vols.empty()) return std::nullopt;
    std::set<std::string> hosts{ctx.cluster.local_node(), uname_node()};
    std::vector<lvm::DrbdVolume> mine;
    for (const auto& v : vols)
        if (hosts.count(v.host) || v.host.empty()) mine.push_back(v);
    if (mine.empty()) {
        ctx.log.warn("no DRBD host section names this node ({}); checking the devices of all hosts",
                     joined(std::vector<std::string>(hosts.begin(), hosts.end())));
        mine = vols;
    }
    std::vector<DeviceNames> devices, disks;
    std::set<std::string> seen_dev, seen_disk;
    for (const auto& v : mine) {
        if (seen_dev.insert(v.device).second) devices.push_back(names_of(paths, v.device));
        if (!v.disk.empty() && seen_disk.insert(v.disk).second) disks.push_back(names_of(paths, v.disk));
    }
    return std::make_pair(devices, disks);
}

// Every dm-multipath map here with its paths, under all their /dev names.
std::vector<MultipathDevices> multipath_devices(const HostPaths& paths)
{
    std::vector<MultipathDevices> out;
    for (const auto& m : multipath_maps(paths.sys)) {
        MultipathDevices d{names_of(paths, "/dev/mapper/" + m.name), {}};
        if (std::find(d.map.names.begin(), d.map.names.end(), "/dev/" + m.dm) == d.map.names.end())
            d.map.names.push_back("/dev/" + m.dm);
        for (const auto& p : m.paths) d.paths.push_back(names_of(paths, "/dev/" + p));
        out.push_back(std::move(d));
    }
    return out;
}

}  // namespace ocfkit::clvm
