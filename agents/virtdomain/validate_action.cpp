// virtdomain validate-all: parameters, the config, the files it names, shared storage, libvirtd.
#include "virtdomain_agent.h"

#include <unistd.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "bounded_hypervisor.h"
#include "config_file.h"
#include "ocfkit/bounded_io.h"
#include "domain_queries.h"
#include "ocfkit/parse/mountinfo.h"
#include "settings.h"

namespace ocfkit::virtdomain {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

// Whether `program` can be executed from the PATH children get.
bool on_path(const std::string& program)
{
    std::istringstream dirs(child_path(CommandSpec{}));
    for (std::string dir; std::getline(dirs, dir, ':');)
        if (!dir.empty() && access((dir + "/" + program).c_str(), X_OK) == 0) return true;
    return false;
}

std::string fs_type_of(const std::string& mountinfo_path, const std::string& path)
{
    std::ifstream in(mountinfo_path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<parse::MountEntry> mounts;
    try {
        mounts = parse::parse_mountinfo(text);
    } catch (const parse::ParseError&) {
        return "unknown";
    }
    std::error_code ec;
    std::string real = std::filesystem::weakly_canonical(path, ec).string();
    if (ec) real = path;
    std::string best_type = "unknown";
    std::size_t best_len = 0;
    bool found = false;
    for (const auto& m : mounts) {
        const std::string& mp = m.mount_point;
        bool prefix = real == mp || mp == "/" ||
                      (real.size() > mp.size() && real.compare(0, mp.size(), mp) == 0 && real[mp.size()] == '/');
        // The last of equally long mount points is the one on top.
        if (prefix && (!found || mp.size() >= best_len)) {
            best_len = mp.size();
            best_type = m.fstype;
            found = true;
        }
    }
    return best_type;
}

// A path probe that did not answer in time: hung storage (NFS, GFS2 waiting for a fence), named.
Outcome hung(const std::string& what, const std::string& path)
{
    return {ExitCode::ErrGeneric,
            fmt::format("{}: {} did not answer before the operation's deadline (hung storage?)", what, path)};
}

}  // namespace

Outcome VirtDomainAgent::validate(Context& ctx, ValidatePurpose purpose)
{
    Settings s = read_settings(ctx);
    if (s.force_stop && s.save_on_stop)
        return {ExitCode::ErrConfigured,
                "force_stop and save_on_stop (or snapshot) exclude each other: a forced stop cannot save the guest's RAM"};
    if (s.save_on_stop && s.save_dir.empty())
        return {ExitCode::ErrConfigured, "parameter 'save_on_stop' needs 'save_dir' (where the RAM state goes)"};
    for (const char* attr : {"cpu", "hv_memory", "host_memory"}) {
        std::string autoset = fmt::format("autoset_utilization_{}", attr), unset = fmt::format("unset_utilization_{}", attr);
        if (ctx.params.is_set(autoset) && bool_param(ctx.params, autoset) && bool_param(ctx.params, unset))
            return {ExitCode::ErrConfigured, fmt::format("parameters '{}' and '{}' are both true: set one of them", autoset, unset)};
    }
    if (s.backingfile.empty() && s.stateless)
        return {ExitCode::ErrConfigured, "parameter 'stateless' needs 'backingfile' (the image each start begins from)"};
    if (s.backingfile.empty() && !s.copyindirs.empty())
        return {ExitCode::ErrConfigured, "parameter 'copyindirs' needs 'backingfile' (it fills a freshly created overlay)"};
    if (purpose == ValidatePurpose::Monitor) return ExitCode::Success;  // cheap: the monitor reads what it needs

    ConfigRead cfg = read_config(s.config, read_until(ctx.deadline));
    if (!cfg.xml) return {cfg.code, cfg.problem};
    const DomainXml& x = *cfg.xml;
    if (!s.domain.empty() && s.domain != x.name)
        return {ExitCode::ErrInstalled,
                fmt::format("parameter 'domain' is '{}' but {} defines the domain '{}'", s.domain, s.config, x.name)};

    // Every look at a path runs in a child bounded by the deadline: disks, boot files and save_dir
    // often sit on shared storage, which can hang.
    const Deadline& until = ctx.deadline;
    if (!x.emulator.empty()) {
        auto p = probe_path_in_child(x.emulator, X_OK, until);
        if (p.timed_out()) return hung(s.config + ": emulator", x.emulator);
        if (!p.ok())
            return {ExitCode::ErrInstalled, fmt::format("{}: emulator {} is missing or not executable here: {}", s.config,
                                                        x.emulator, std::strerror(p.error))};
    }
    for (const auto& f : x.boot_files) {
        auto p = probe_path_in_child(f, R_OK, until);
        if (p.timed_out()) return hung(s.config + ": boot file", f);
        if (!p.ok())
            return {ExitCode::ErrInstalled, fmt::format("{}: boot file {} is missing here: {}", s.config, f, std::strerror(p.error))};
    }

    std::string options = text_param(ctx.params, "migrate_options");
    bool copies_storage = options.find("--copy-storage") != std::string::npos;
    bool migratable = ctx.env.meta_bool("allow-migrate") && !copies_storage;
    const std::string overlay = s.backingfile.empty() ? "" : s.overlay();
    if (!s.backingfile.empty()) {
        auto p = probe_path_in_child(s.backingfile, R_OK, until);
        if (p.timed_out()) return hung("parameter 'backingfile'", s.backingfile);
        if (!p.ok())
            return {ExitCode::ErrInstalled, fmt::format("parameter 'backingfile': {} is missing or unreadable here: {}",
                                                        s.backingfile, std::strerror(p.error))};
        if (overlay == s.backingfile || overlay == s.config)
            return {ExitCode::ErrConfigured,
                    fmt::format("parameter 'backingfile': the overlay {} would replace {}", overlay,
                                overlay == s.config ? "the config (give it an extension other than .qcow2)" : "the backing file")};
        bool used = std::any_of(x.disks.begin(), x.disks.end(),
                                [&](const DomainDisk& d) { return d.type == "file" && d.source == overlay; });
        if (!used)
            return {ExitCode::ErrInstalled,
                    fmt::format("parameter 'backingfile': no file disk of {} uses {}, the overlay start creates from {}",
                                s.config, overlay, s.backingfile)};
        if (!on_path("qemu-img"))
            return {ExitCode::ErrInstalled, "parameter 'backingfile' needs qemu-img (qemu-utils), which is not installed here"};
        for (const auto& dir : s.copyindirs) {
            auto d = probe_path_in_child(dir, -1, until);
            if (d.timed_out()) return hung("parameter 'copyindirs'", dir);
            if (!d.ok() || !S_ISDIR(d.mode))
                return {ExitCode::ErrInstalled, fmt::format("parameter 'copyindirs': {} is not a directory here", dir)};
        }
        if (!s.copyindirs.empty() && !on_path("virt-copy-in"))
            return {ExitCode::ErrInstalled,
                    "parameter 'copyindirs' needs virt-copy-in (libguestfs-tools), which is not installed here"};
    }
    for (const auto& script : s.monitor_scripts) {
        auto p = probe_path_in_child(script, X_OK, until);
        if (p.timed_out()) return hung("parameter 'monitor_scripts'", script);
        if (!p.ok())
            return {ExitCode::ErrInstalled, fmt::format("parameter 'monitor_scripts': {} is missing or not executable here: {}",
                                                        script, std::strerror(p.error))};
    }
    if (s.sync_config && !on_path("csync2"))
        return {ExitCode::ErrInstalled, "parameter 'sync_config_on_stop' needs csync2, which is not installed here"};
    for (const auto& d : x.disks) {
        if (d.source.empty()) continue;  // network disks, empty CD-ROM drives
        std::string target = d.target.empty() ? d.device : d.target;
        {
            // The overlay does not exist before start: its directory must answer then.
            const std::string probed =
                d.source == overlay ? std::filesystem::path(d.source).parent_path().string() : d.source;
            auto p = probe_path_in_child(probed, -1, until);
            if (p.timed_out()) return hung(fmt::format("{}: disk {}", s.config, target), probed);
            if (d.source != overlay && !p.ok())
                return {ExitCode::ErrInstalled, fmt::format("{}: disk {}: {} does not exist here: {}", s.config, target,
                                                            d.source, std::strerror(p.error))};
        }
        if (migratable && d.type != "block") {
            // Canonical path for the mount lookup: the bounded probe above just reached it.
            std::string fs = fs_type_of(options_.mountinfo, d.source);
            // This node's mounts: the shared file system may just not be mounted here.
            if (std::find(s.shared_fs.begin(), s.shared_fs.end(), fs) == s.shared_fs.end())
                return {ExitCode::ErrInstalled,
                        fmt::format("{}: disk {}: {} is on {}, which is not shared storage, but the resource allows "
                                    "migration (shared_fs_types: {})",
                                    s.config, target, d.source, fs, fmt::join(s.shared_fs, " "))};
        }
    }
    if (!s.save_dir.empty()) {
        auto p = probe_path_in_child(s.save_dir, -1, until);
        if (p.timed_out()) return hung("parameter 'save_dir'", s.save_dir);
        if (!p.ok() || !S_ISDIR(p.mode))
            return {ExitCode::ErrInstalled, fmt::format("parameter 'save_dir': {} is not a directory here", s.save_dir)};
    }

    if (purpose == ValidatePurpose::Explicit && ctx.check_level >= 10) {
        BoundedHypervisor hv(hypervisor_, ctx.deadline, limits_for(s, ctx.deadline));
        try {
            auto c = hv.connect(s.hypervisor);
            unsigned long long v = c->lib_version();
            ctx.log.debug("libvirt {}.{}.{} answers at {}", v / 1000000, v / 1000 % 1000, v % 1000, s.hypervisor);
        } catch (const HvError& e) {
            return {ExitCode::ErrGeneric, fmt::format("libvirt at {} is not reachable: {}", s.hypervisor, e.what())};
        }
    }
    return ExitCode::Success;
}

}  // namespace ocfkit::virtdomain
