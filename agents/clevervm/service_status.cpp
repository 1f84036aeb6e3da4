// `clevervm status`: one snapshot of the cluster, DRBD, mounts and guests, rendered as text or JSON.
#include "service.h"

#include <set>

#include <fmt/format.h>

#include "drbd_view.h"
#include "ocfkit/parse/mountinfo.h"
#include "render.h"
#include "service_detail.h"

namespace ocfkit::clevervm {

using namespace service_detail;

StatusModel Service::gather()
{
    StatusModel m;
    m.node = local_node();
    m.config_source = config_.source;
    const Targets& t = targets();
    m.notes = t.notes;
    m.promotables = t.promotables;

    const MonRead& r = mon();
    if (r.mon) {
        const parse::CrmMon& mon = *r.mon;
        m.cluster.running = true;
        m.cluster.stack = mon.stack;
        m.cluster.dc = mon.dc_name;
        m.cluster.quorum = mon.with_quorum;
        m.cluster.pacemaker_version = mon.pacemaker_version;
        m.cluster.stonith_enabled = mon.fencing_enabled;
        m.cluster.maintenance_mode = mon.maintenance_mode;
        for (const auto& n : mon.nodes)
            m.cluster.nodes.push_back(NodeView{n.name, n.online, n.standby, n.maintenance, n.unclean, n.is_dc});
        m.resources = resource_rows(mon);
        m.failures = mon.failures;
        try {
            parse::CrmMonHistory history = parse::parse_crm_mon_history(r.xml);
            for (const auto* e : history.failed()) m.migration.push_back(*e);
            m.bans = std::move(history.bans);
        } catch (const parse::ParseError& e) {
            m.notes.push_back(fmt::format("migration summary and bans unreadable: {}", e.what()));
        }
        for (const auto& b : m.bans)
            if (b.node == m.node && contains(t.promotables, b.resource)) m.node_banned = true;
    } else {
        m.cluster.error = r.error;
    }

    // DRBD: one events2 snapshot per configured resource, or one of everything.
    std::vector<std::string> names = t.drbd_resources;
    std::string all_text;
    std::string all_error;
    bool all_read = false;
    auto read_events = [&](const std::vector<std::string>& argv_tail, std::string& text, std::string& error) {
        std::vector<std::string> argv{"drbdsetup", "events2", "--now"};
        argv.insert(argv.end(), argv_tail.begin(), argv_tail.end());
        CommandSpec spec;
        spec.argv = argv;
        CommandResult res = run_tool(argv, std::chrono::seconds(15));
        if (res.status == CommandResult::Status::NotStarted) {
            error = "drbdsetup is not installed";
        } else if (!res.ok()) {
            error = failure_message(spec, res);
        } else {
            text = res.out;
        }
    };
    if (names.empty()) {
        read_events({}, all_text, all_error);
        all_read = true;
        if (all_error.empty()) names = events2_resources(all_text);
        else if (!all_error.starts_with("drbdsetup is not installed") || !t.promotables.empty())
            m.notes.push_back(fmt::format("DRBD: {}", all_error));
    }
    for (const auto& name : names) {
        std::string text = all_text;
        std::string error = all_error;
        if (!all_read) read_events({name}, text, error);
        DrbdView v;
        v.resource = name;
        if (!error.empty()) {
            v.error = error;
        } else {
            try {
                v = drbd_view_from_events2(text, name);
            } catch (const parse::ParseError& e) {
                v.error = fmt::format("drbdsetup events2: {}", e.what());
            }
        }
        m.drbd.push_back(std::move(v));
    }

    // File systems: wherever a DRBD minor is mounted, and the configured/discovered mounts.
    std::vector<parse::MountEntry> mounts;
    std::string mount_error;
    if (auto text = host_.mountinfo()) {
        try {
            mounts = parse::parse_mountinfo(*text);
        } catch (const parse::ParseError& e) {
            mount_error = fmt::format("/proc/self/mountinfo: {}", e.what());
        }
    } else {
        mount_error = "cannot read /proc/self/mountinfo";
    }
    if (!mount_error.empty()) m.notes.push_back(mount_error);
    std::set<std::string> shown;
    auto add_fs = [&](const parse::MountEntry* e, const std::string& mount_point, const std::string& drbd) {
        if (!shown.insert(mount_point).second) return;
        FilesystemView fs;
        fs.mount_point = mount_point;
        fs.drbd_resource = drbd;
        if (e) {
            fs.mounted = true;
            fs.device = e->source;
            fs.fstype = e->fstype;
            fs.read_only = e->read_only();
            if (auto u = host_.usage(mount_point)) {
                fs.size = u->size;
                fs.used = u->used;
                fs.free = u->free;
            } else {
                fs.error = "statvfs failed";
            }
        }
        m.filesystems.push_back(std::move(fs));
    };
    for (const auto& d : m.drbd)
        for (const auto& vol : d.volumes)
            for (const auto& e : mounts)
                if (vol.minor >= 0 && e.major == kDrbdMajor && e.minor == static_cast<unsigned>(vol.minor))
                    add_fs(&e, e.mount_point, d.resource);
    for (const auto& mp : t.mounts) {
        const parse::MountEntry* found = nullptr;
        for (const auto& e : mounts)
            if (e.mount_point == mp) found = &e;  // the last one is what is visible there
        std::string drbd;
        if (found && found->major == kDrbdMajor)
            for (const auto& d : m.drbd)
                for (const auto& vol : d.volumes)
                    if (vol.minor == static_cast<int>(found->minor)) drbd = d.resource;
        add_fs(found, mp, drbd);
    }

    // Guests: the first libvirt error ends the queries (every call would fail the same way).
    m.libvirt_error = t.libvirt_error;
    int active = 0;
    for (const auto& g : t.guests) {
        GuestView gv;
        gv.name = g.name;
        gv.resource = g.resource;
        if (m.libvirt_error.empty()) {
            try {
                GuestInfo info = hv_.guest(g.name);
                gv.exists = info.exists;
                gv.state = info.exists ? info.state : "not defined";
                gv.managed_save = info.managed_save;
                if (info.active) ++active;
            } catch (const HypervisorError& e) {
                m.libvirt_error = e.what();
            }
        }
        if (!m.libvirt_error.empty()) gv.error = "libvirt unavailable";
        if (!g.resource.empty() && r.mon) {
            for (const auto* inst : r.mon->instances(g.resource)) {
                if (gv.resource_role.empty() || active_role(inst->role)) gv.resource_role = inst->role;
                for (const auto& n : inst->nodes) gv.resource_nodes.push_back(n);
            }
            if (gv.resource_role.empty()) gv.resource_role = "not in the cluster";
        }
        m.guests.push_back(std::move(gv));
    }
    int total = static_cast<int>(t.guests.size());
    if (!m.libvirt_error.empty()) {
        // LSB: the guests' state cannot be told, so the service's status is unknown (4).
        m.service = LsbStatus::Unknown;
        m.service_summary = fmt::format("unknown: libvirt unavailable: {}", m.libvirt_error);
    } else if (total == 0) {
        m.service = LsbStatus::Stopped;
        m.service_summary = "stopped: no guests configured or discovered";
    } else if (active == total) {
        m.service = LsbStatus::Running;
        m.service_summary = fmt::format("running: {} of {} guests running here", active, total);
    } else if (active == 0) {
        m.service = LsbStatus::Stopped;
        m.service_summary = fmt::format("stopped: none of {} guests running here", total);
    } else {
        m.service = LsbStatus::Unknown;
        m.service_summary = fmt::format("degraded: {} of {} guests running here", active, total);
    }
    return m;
}

LsbStatus Service::status(bool json)
{
    StatusModel m = gather();
    std::string text = json ? render_json(m) : render_text(m);
    std::fputs(text.c_str(), io_.out);
    return m.service;
}

}  // namespace ocfkit::clevervm
