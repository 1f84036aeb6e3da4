// What clevervm manages: its configuration completed from the CIB (or the CIB saved on disk at
// boot), else from crm_mon and libvirt.
#include "service.h"

#include <filesystem>

#include <fmt/format.h>

#include "service_detail.h"

namespace ocfkit::clevervm {

using namespace service_detail;

// Where Pacemaker keeps the CIB it last wrote (readable by root while Pacemaker is down).
constexpr const char* kSavedCib = "/var/lib/pacemaker/cib/cib.xml";

const Service::Targets& Service::targets()
{
    if (targets_) return *targets_;
    Targets t;
    bool need_cib = !config_.promotable || !config_.drbd_resource || !config_.guests || !config_.mounts;
    std::optional<std::vector<CibPrimitive>> cib;
    if (need_cib) {
        std::string err;
        cib = read_cib(err);
        if (!cib) {
            // Pacemaker not (yet) running here, as at boot: its last CIB on disk still tells which
            // guests are the cluster's.
            std::string disk_error;
            if (auto text = host_.read_file(kSavedCib)) {
                try {
                    cib = parse_cib_primitives(*text);
                    t.notes.push_back(fmt::format("discovery from the CIB saved in {} ({})", kSavedCib, err));
                } catch (const parse::ParseError& e) {
                    disk_error = fmt::format("; {}: {}", kSavedCib, e.what());
                }
            }
            if (!cib) t.notes.push_back(fmt::format("discovery without the CIB ({}{})", err, disk_error));
        }
    }

    // DRBD: the promotable clone(s) of a DRBD agent and their drbd_resource parameter.
    if (config_.promotable) {
        t.promotables.push_back(*config_.promotable);
    } else if (cib) {
        for (const auto& p : *cib)
            if (is_drbd_agent(p) && p.promotable && !p.parent.empty() && !contains(t.promotables, p.parent))
                t.promotables.push_back(p.parent);
    } else if (const auto& m = mon(); m.mon) {
        for (const auto& r : m.mon->resources)
            if (is_drbd_agent_name(r.agent) && r.parent_promotable && !r.parent.empty() && !contains(t.promotables, r.parent))
                t.promotables.push_back(r.parent);
    }
    if (config_.drbd_resource) {
        t.drbd_resources.push_back(*config_.drbd_resource);
    } else if (cib) {
        for (const auto& p : *cib) {
            if (!is_drbd_agent(p) || !contains(t.promotables, p.parent)) continue;
            if (auto it = p.params.find("drbd_resource"); it != p.params.end() && !contains(t.drbd_resources, it->second))
                t.drbd_resources.push_back(it->second);
        }
    }
    if (!config_.promotable && !t.promotables.empty())
        t.notes.push_back(fmt::format("promotable DRBD discovered: {}", join(t.promotables)));

    // Guests: configured, else the domains of the cluster's virtdomain resources, else every
    // domain libvirt knows here.
    std::map<std::string, std::string> resource_of;  // domain -> Pacemaker resource
    if (cib) {
        for (const auto& p : *cib) {
            if (!is_guest_agent(p)) continue;
            auto it = p.params.find("config");
            if (it == p.params.end()) {
                t.notes.push_back(fmt::format("resource {} has no config parameter; its guest is unknown", p.id));
                continue;
            }
            // virtdomain's `domain` names the guest; else the <name> in its domain XML.
            std::optional<std::string> name;
            if (auto d = p.params.find("domain"); d != p.params.end() && !d->second.empty()) name = d->second;
            if (!name) {
                auto xml = host_.read_file(it->second);
                name = xml ? domain_name(*xml) : std::nullopt;
                if (!name) {
                    // Unreadable here (e.g. the shared file system is not mounted on this node): the
                    // guest is still the cluster's, shown under its file's name.
                    std::string stem = std::filesystem::path(it->second).stem().string();
                    if (stem.empty()) {
                        t.notes.push_back(fmt::format("resource {}: cannot read a domain name from {}", p.id, it->second));
                        continue;
                    }
                    t.notes.push_back(fmt::format("resource {}: {} {} here; its guest is taken to be '{}' after the file's name",
                                                  p.id, it->second, xml ? "names no domain" : "is unreadable", stem));
                    name = stem;
                }
            }
            resource_of[*name] = p.id;
            t.guest_configs[*name] = it->second;
        }
    }
    if (config_.guests) {
        t.guests = *config_.guests;
        for (auto& g : t.guests)
            if (g.resource.empty())
                if (auto it = resource_of.find(g.name); it != resource_of.end()) g.resource = it->second;
    } else if (!resource_of.empty()) {
        for (const auto& [name, rsc] : resource_of) t.guests.push_back(GuestSpec{name, rsc});
        t.notes.push_back("guests discovered from the cluster's virtdomain resources");
    } else {
        t.guests_from_libvirt = true;
        try {
            for (const auto& name : hv_.domains()) t.guests.push_back(GuestSpec{name, ""});
            t.notes.push_back("guests: every domain libvirt defines here (none configured or in the cluster)");
        } catch (const HypervisorError& e) {
            t.libvirt_error = e.what();
            t.notes.push_back("guests unknown: libvirt defines them, and libvirt is unavailable");
        }
    }

    // Mount points to report besides the DRBD devices' own mounts.
    if (config_.mounts) {
        t.mounts = *config_.mounts;
    } else if (cib) {
        for (const auto& p : *cib)
            if (is_fs_agent(p))
                if (auto it = p.params.find("directory"); it != p.params.end() && !contains(t.mounts, it->second))
                    t.mounts.push_back(it->second);
    }
    targets_ = std::move(t);
    return *targets_;
}

}  // namespace ocfkit::clevervm
