// validate's lvm.conf checks: the settings each lock manager needs and the device filters.
#include "clvm_detail.h"

namespace ocfkit::clvm {

std::vector<std::string> config_problems(const lvm::LvmConfig& cfg, Manager m)
{
    // What each lock manager needs of lvm.conf: the setting (LVM's default when unset) must be
    // `value`, or, for a conflict, must not be.
    struct Rule {
        Manager manager;
        const char* key;
        long long unset;
        long long value;
        bool conflict;
        const char* why;
    };
    static const Rule kRules[] = {
        {Manager::Lvmlockd, "global/use_lvmlockd", 0, 1, false, " in lvm.conf"},
        {Manager::Lvmlockd, "global/locking_type", 1, 3, true, " (clvmd) conflicts with lvmlockd; remove it"},
        {Manager::Clvmd, "global/locking_type", 1, 3, false, ""},
        {Manager::Clvmd, "global/fallback_to_local_locking", 1, 0, false,
         " (a node that cannot reach clvmd must not fall back to local locking)"},
        {Manager::Clvmd, "global/use_lvmetad", 0, 0, false, " (lvmetad caches metadata that other nodes change)"},
        {Manager::Clvmd, "devices/write_cache_state", 1, 0, false, " (a cached device list goes stale on shared storage)"},
        {Manager::Clvmd, "global/use_lvmlockd", 0, 1, true, " conflicts with clvmd; set it to 0"},
    };
    std::vector<std::string> out;
    for (const Rule& r : kRules) {
        if (r.manager != m) continue;
        const auto set = number(cfg, r.key);
        if ((set.value_or(r.unset) == r.value) != r.conflict) continue;
        if (r.conflict) {
            out.push_back(fmt::format("LVM configuration: {}={}{}", r.key, r.value, r.why));
        } else {
            std::string_view name = r.key;
            name.remove_prefix(name.find('/') + 1);
            out.push_back(fmt::format("LVM configuration: {} is {}, {} needs {}={}{}", r.key,
                                      set ? std::to_string(*set) : "unset", to_string(m), name, r.value, r.why));
        }
    }
    return out;
}

namespace {

struct Filter {
    std::string key;
    std::vector<lvm::FilterRule> rules;
};

// devices/global_filter, then devices/filter: LVM uses a device only when both accept it.
std::vector<Filter> read_filters(const lvm::LvmConfig& cfg)
{
    std::vector<Filter> filters;
    for (const char* key : {"devices/global_filter", "devices/filter"}) {
        Filter f{key, {}};
        if (auto it = cfg.find(key); it != cfg.end()) {
            try {
                f.rules = lvm::parse_filter(it->second.strings());
            } catch (const parse::ParseError& e) {
                fail(ExitCode::ErrInstalled, "LVM configuration: {} pattern {}: {}", key, e.line, e.what());
            }
        }
        filters.push_back(std::move(f));
    }
    return filters;
}

}  // namespace

std::vector<std::string> filter_problems(const lvm::LvmConfig& cfg, const std::vector<DeviceNames>& drbd_devices,
                                         const std::vector<DeviceNames>& backing_disks)
{
    const std::vector<Filter> filters = read_filters(cfg);
    std::vector<std::string> out;
    for (const auto& d : drbd_devices) {
        for (const auto& f : filters) {
            auto v = lvm::filter_device(f.rules, d.names);
            if (!v.accepted)
                out.push_back(fmt::format("LVM configuration: {} rejects the DRBD device {}, but LVM must see "
                                          "its PVs through DRBD ({})",
                                          f.key, d.configured, v.decided_by));
        }
    }
    for (const auto& d : backing_disks) {
        bool rejected = false;
        std::vector<std::string> why;
        for (const auto& f : filters) {
            auto v = lvm::filter_device(f.rules, d.names);
            if (!v.accepted) rejected = true;
            else why.push_back(f.key + (v.decided_by.empty() ? " matches no name" : " accepts: " + v.decided_by));
        }
        if (!rejected)
            out.push_back(fmt::format("LVM filters accept DRBD's backing disk {}, so LVM sees its PV twice: reject "
                                      "it, e.g. \"r|{}|\" (neither devices/global_filter nor devices/filter rejects "
                                      "it; names {}; {})",
                                      d.configured, d.configured, joined(d.names, " "), joined(why, "; ")));
    }
    return out;
}

MultipathFindings multipath_filter_problems(const lvm::LvmConfig& cfg, const std::vector<MultipathDevices>& maps)
{
    const std::vector<Filter> filters = read_filters(cfg);
    MultipathFindings out;
    for (const auto& m : maps) {
        std::string map_rejected;  // which filter hides the map itself, and how
        for (const auto& f : filters) {
            auto v = lvm::filter_device(f.rules, m.map.names);
            if (!v.accepted && map_rejected.empty()) map_rejected = f.key + ": " + v.decided_by;
        }
        std::vector<std::string> seen, why, patterns;
        for (const auto& p : m.paths) {
            bool rejected = false;
            std::vector<std::string> accepted_by;
            for (const auto& f : filters) {
                auto v = lvm::filter_device(f.rules, p.names);
                if (!v.accepted) rejected = true;
                else accepted_by.push_back(f.key + (v.decided_by.empty() ? " matches no name" : " accepts " + v.decided_by));
            }
            if (rejected) continue;
            seen.push_back(p.configured);
            why.push_back(fmt::format("{}: {}", p.configured, joined(accepted_by, ", ")));
            std::string kernel = p.configured.substr(p.configured.rfind('/') + 1);
            patterns.push_back(fmt::format("\"r|^/dev/{}$|\"", kernel));
        }
        if (!seen.empty()) {
            // The map and the fix first: the cluster shows 128 bytes, the lists may not fit.
            out.problems.push_back(fmt::format(
                "LVM filters accept the paths of multipath device {}, so LVM may bypass its failover: reject them "
                "before any accept pattern, e.g. {} (neither devices/global_filter nor devices/filter rejects {}; "
                "LVM may also see the PV more than once; {}{})",
                m.map.configured, joined(patterns, ", "), joined(seen),
                map_rejected.empty() ? "" : fmt::format("the map itself is rejected, {}; ", map_rejected),
                joined(why, "; ")));
        } else if (!map_rejected.empty()) {
            out.hidden.push_back(fmt::format("multipath device {} ({})", m.map.configured, map_rejected));
        }
    }
    return out;
}

}  // namespace ocfkit::clvm
