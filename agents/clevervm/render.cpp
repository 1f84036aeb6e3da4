// Text tables and JSON for the status screen.
#include "render.h"

#include <algorithm>

#include <fmt/format.h>

#include "ocfkit/parse/json.h"

namespace ocfkit::clevervm {

namespace {

using Row = std::vector<std::string>;

// Columns two spaces apart, no trailing blanks, indented by two.
std::string table(const Row& header, const std::vector<Row>& rows)
{
    std::vector<std::size_t> width(header.size(), 0);
    auto measure = [&](const Row& r) {
        for (std::size_t i = 0; i < r.size() && i < width.size(); ++i) width[i] = std::max(width[i], r[i].size());
    };
    measure(header);
    for (const auto& r : rows) measure(r);
    auto line = [&](const Row& r) {
        std::string out = "  ";
        for (std::size_t i = 0; i < r.size(); ++i) {
            out += r[i];
            if (i + 1 < r.size()) out += std::string(width[i] - r[i].size() + 2, ' ');
        }
        while (!out.empty() && out.back() == ' ') out.pop_back();
        return out + "\n";
    };
    std::string out = line(header);
    for (const auto& r : rows) out += line(r);
    return out;
}

std::string join(const std::vector<std::string>& v, std::string_view sep = " ")
{
    std::string out;
    for (const auto& x : v) {
        if (!out.empty()) out += sep;
        out += x;
    }
    return out;
}

std::string dash(const std::string& s) { return s.empty() ? "-" : s; }

std::string score_text(long long v)
{
    if (v >= 1000000) return "INFINITY";
    if (v <= -1000000) return "-INFINITY";
    return std::to_string(v);
}

std::string size_or_dash(const std::optional<std::uint64_t>& v) { return v ? human_size(*v) : "-"; }

// --- JSON -------------------------------------------------------------------------------------

std::string q(std::string_view s) { return parse::json_quote(s); }

std::string b(bool v) { return v ? "true" : "false"; }

std::string strings(const std::vector<std::string>& v)
{
    std::string out = "[";
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + q(v[i]);
    return out + "]";
}

// An object from already-encoded values, one member per line at the given indent.
class Obj {
public:
    Obj& add(std::string_view key, std::string encoded)
    {
        members_.emplace_back(std::string(key), std::move(encoded));
        return *this;
    }
    Obj& str(std::string_view key, std::string_view v) { return add(key, q(v)); }
    Obj& opt_num(std::string_view key, const std::optional<std::uint64_t>& v)
    {
        return add(key, v ? std::to_string(*v) : "null");
    }
    std::string flat() const
    {
        std::string out = "{";
        for (std::size_t i = 0; i < members_.size(); ++i)
            out += fmt::format("{}{}: {}", i ? ", " : "", q(members_[i].first), members_[i].second);
        return out + "}";
    }
    std::string block(int indent) const
    {
        std::string pad(static_cast<std::size_t>(indent + 2), ' ');
        std::string out = "{\n";
        for (std::size_t i = 0; i < members_.size(); ++i)
            out += fmt::format("{}{}: {}{}\n", pad, q(members_[i].first), members_[i].second,
                               i + 1 < members_.size() ? "," : "");
        return out + std::string(static_cast<std::size_t>(indent), ' ') + "}";
    }

private:
    std::vector<std::pair<std::string, std::string>> members_;
};

std::string array(const std::vector<std::string>& encoded, int indent)
{
    if (encoded.empty()) return "[]";
    std::string pad(static_cast<std::size_t>(indent + 2), ' ');
    std::string out = "[\n";
    for (std::size_t i = 0; i < encoded.size(); ++i) out += pad + encoded[i] + (i + 1 < encoded.size() ? ",\n" : "\n");
    return out + std::string(static_cast<std::size_t>(indent), ' ') + "]";
}

const char* service_word(LsbStatus s)
{
    switch (s) {
    case LsbStatus::Running: return "running";
    case LsbStatus::Stopped: return "stopped";
    default: return "unknown";
    }
}

}  // namespace

std::string human_size(std::uint64_t bytes)
{
    static const char* const units[] = {"B", "K", "M", "G", "T", "P", "E"};
    double v = static_cast<double>(bytes);
    std::size_t u = 0;
    while (v >= 1024.0 && u + 1 < std::size(units)) {
        v /= 1024.0;
        ++u;
    }
    if (u == 0) return fmt::format("{}B", bytes);
    return v < 10.0 ? fmt::format("{:.1f}{}", v, units[u]) : fmt::format("{:.0f}{}", v, units[u]);
}

std::string render_text(const StatusModel& m)
{
    std::string out;
    out += fmt::format("clevervm on {}: {}\n", m.node, m.service_summary);
    out += fmt::format("config: {}\n", m.config_source.empty() ? "none (discovered)" : m.config_source);

    out += "\nCluster\n";
    const ClusterView& c = m.cluster;
    if (!c.running) {
        out += fmt::format("  not running: {}\n", c.error);
    } else {
        out += fmt::format("  stack {}, Pacemaker {}, DC {}, {}\n", dash(c.stack), dash(c.pacemaker_version),
                           c.dc.empty() ? "none" : c.dc, c.quorum ? "partition with quorum" : "partition WITHOUT quorum");
        out += fmt::format("  fencing {}{}\n", c.stonith_enabled ? "enabled" : "disabled",
                           c.maintenance_mode ? ", MAINTENANCE MODE" : "");
        std::vector<Row> rows;
        for (const auto& n : c.nodes) {
            std::vector<std::string> state{n.online ? "online" : "OFFLINE"};
            if (n.standby) state.push_back("standby");
            if (n.maintenance) state.push_back("maintenance");
            if (n.unclean) state.push_back("UNCLEAN");
            rows.push_back({n.name, join(state, ", "), n.dc ? "DC" : "", n.name == m.node ? "(this node)" : ""});
        }
        out += table({"NODE", "STATE", "", ""}, rows);
    }

    if (c.running) {
        out += "\nResources\n";
        if (m.resources.empty()) {
            out += "  none configured\n";
        } else {
            std::vector<Row> rows;
            for (const auto& r : m.resources) {
                std::string role = r.role;
                if (r.failed) role += " FAILED";
                if (!r.managed) role += " (unmanaged)";
                if (!r.target_role.empty() && r.target_role != "Started" && r.target_role != r.role)
                    role += fmt::format(" (target {})", r.target_role);
                rows.push_back({r.id, dash(r.member), r.agent, role, dash(join(r.nodes))});
            }
            out += table({"RESOURCE", "MEMBER", "AGENT", "ROLE", "NODES"}, rows);
        }

        out += "\nFailures\n";
        if (m.failures.empty()) {
            out += "  none\n";
        } else {
            std::vector<Row> rows;
            for (const auto& f : m.failures)
                rows.push_back({f.op_key, f.node, fmt::format("{} ({})", f.exitstatus, f.exitcode), dash(f.exitreason)});
            out += table({"OPERATION", "NODE", "RESULT", "REASON"}, rows);
        }

        out += "\nMigration summary\n";
        if (m.migration.empty()) {
            out += "  no fail counts\n";
        } else {
            std::vector<Row> rows;
            for (const auto& e : m.migration)
                rows.push_back({e.node, e.resource, score_text(e.fail_count), score_text(e.migration_threshold),
                                dash(e.last_failure)});
            out += table({"NODE", "RESOURCE", "FAIL-COUNT", "THRESHOLD", "LAST FAILURE"}, rows);
        }

        out += "\nBans\n";
        if (m.bans.empty()) {
            out += "  none\n";
        } else {
            std::vector<Row> rows;
            for (const auto& bn : m.bans)
                rows.push_back({bn.resource, bn.node, bn.promoted_only ? "promoted role" : "all roles",
                                score_text(bn.weight), bn.id});
            out += table({"RESOURCE", "NODE", "BANNED", "SCORE", "CONSTRAINT"}, rows);
        }
        if (m.node_banned) out += fmt::format("  {} is marked unfit (clevervm migrate); clevervm unmigrate clears it\n", m.node);
    }

    out += "\nDRBD storage\n";
    if (m.drbd.empty()) {
        out += "  no DRBD resource configured or discovered\n";
    } else {
        std::vector<Row> rows;
        for (const auto& d : m.drbd) {
            if (!d.error.empty()) {
                rows.push_back({d.resource, "?", "?", "?", "?", "?", "?", "?"});
                continue;
            }
            if (!d.exists) {
                rows.push_back({d.resource, "down", "-", "-", "-", "-", "-", "-"});
                continue;
            }
            std::vector<std::string> devices, disks;
            for (const auto& v : d.volumes) {
                devices.push_back(dash(v.device));
                disks.push_back(v.disk);
            }
            if (d.peers.empty()) {
                rows.push_back({d.resource, d.role, dash(join(devices, ",")), dash(join(disks, ",")), "-", "-", "-", "-"});
            }
            for (std::size_t i = 0; i < d.peers.size(); ++i) {
                const auto& p = d.peers[i];
                std::string conn = p.connection;
                if (p.sync_done) conn += fmt::format(" ({:.1f}% synced)", *p.sync_done);
                rows.push_back({i ? "" : d.resource, i ? "" : d.role, i ? "" : dash(join(devices, ",")),
                                i ? "" : dash(join(disks, ",")), p.name, conn, dash(p.role), dash(join(p.disks, ","))});
            }
        }
        out += table({"RESOURCE", "ROLE", "DEVICE", "DISK", "PEER", "CONNECTION", "PEER ROLE", "PEER DISK"}, rows);
        for (const auto& d : m.drbd)
            if (!d.error.empty()) out += fmt::format("  {}: {}\n", d.resource, d.error);
    }
    if (!m.filesystems.empty()) {
        std::vector<Row> rows;
        for (const auto& f : m.filesystems) {
            if (!f.mounted) {
                rows.push_back({f.mount_point, "not mounted", "-", "-", "-", "-"});
                continue;
            }
            std::string fs = f.fstype + (f.read_only ? " (ro)" : "");
            rows.push_back({f.mount_point, f.device, fs, size_or_dash(f.size), size_or_dash(f.used), size_or_dash(f.free)});
        }
        out += "\n" + table({"MOUNT POINT", "DEVICE", "FS", "SIZE", "USED", "FREE"}, rows);
    }

    out += "\nVirtual machines\n";
    if (!m.libvirt_error.empty()) out += fmt::format("  unavailable: {}\n", m.libvirt_error);
    if (m.guests.empty()) {
        out += "  no guests configured or discovered\n";
    } else {
        std::vector<Row> rows;
        for (const auto& g : m.guests) {
            std::string cluster = g.resource.empty() ? "-" : g.resource + " " + g.resource_role;
            if (!g.resource_nodes.empty()) cluster += " on " + join(g.resource_nodes);
            bool known = g.error.empty();
            rows.push_back({g.name, known ? dash(g.state) : "?", known ? (g.managed_save ? "yes" : "no") : "?", cluster});
        }
        out += table({"GUEST", "STATE HERE", "MANAGED SAVE", "PACEMAKER"}, rows);
    }

    if (!m.notes.empty()) {
        out += "\nNotes\n";
        for (const auto& n : m.notes) out += "  " + n + "\n";
    }
    return out;
}

std::string render_json(const StatusModel& m)
{
    Obj root;
    root.str("node", m.node);
    root.add("config", m.config_source.empty() ? "null" : q(m.config_source));
    root.add("service", Obj()
                            .str("state", service_word(m.service))
                            .add("lsb_status", std::to_string(static_cast<int>(m.service)))
                            .str("summary", m.service_summary)
                            .flat());

    const ClusterView& c = m.cluster;
    std::vector<std::string> nodes;
    for (const auto& n : c.nodes)
        nodes.push_back(Obj()
                            .str("name", n.name)
                            .add("online", b(n.online))
                            .add("standby", b(n.standby))
                            .add("maintenance", b(n.maintenance))
                            .add("unclean", b(n.unclean))
                            .add("dc", b(n.dc))
                            .flat());
    Obj cluster;
    cluster.add("running", b(c.running));
    if (!c.running) cluster.str("error", c.error);
    cluster.str("stack", c.stack)
        .str("pacemaker_version", c.pacemaker_version)
        .add("dc", c.dc.empty() ? "null" : q(c.dc))
        .add("quorum", b(c.quorum))
        .add("stonith_enabled", b(c.stonith_enabled))
        .add("maintenance_mode", b(c.maintenance_mode))
        .add("nodes", array(nodes, 4));
    root.add("cluster", cluster.block(2));

    std::vector<std::string> resources;
    for (const auto& r : m.resources)
        resources.push_back(Obj()
                                .str("id", r.id)
                                .add("member", r.member.empty() ? "null" : q(r.member))
                                .str("agent", r.agent)
                                .str("role", r.role)
                                .add("target_role", r.target_role.empty() ? "null" : q(r.target_role))
                                .add("nodes", strings(r.nodes))
                                .add("failed", b(r.failed))
                                .add("managed", b(r.managed))
                                .add("promotable", b(r.promotable))
                                .flat());
    root.add("resources", array(resources, 2));

    std::vector<std::string> failures;
    for (const auto& f : m.failures)
        failures.push_back(Obj()
                               .str("operation", f.op_key)
                               .str("task", f.task)
                               .str("node", f.node)
                               .add("exitcode", std::to_string(f.exitcode))
                               .str("exitstatus", f.exitstatus)
                               .str("exitreason", f.exitreason)
                               .flat());
    root.add("failures", array(failures, 2));

    std::vector<std::string> migration;
    for (const auto& e : m.migration)
        migration.push_back(Obj()
                                .str("node", e.node)
                                .str("resource", e.resource)
                                .add("fail_count", std::to_string(e.fail_count))
                                .add("migration_threshold", std::to_string(e.migration_threshold))
                                .add("last_failure", e.last_failure.empty() ? "null" : q(e.last_failure))
                                .flat());
    root.add("migration_summary", array(migration, 2));

    std::vector<std::string> bans;
    for (const auto& bn : m.bans)
        bans.push_back(Obj()
                           .str("id", bn.id)
                           .str("resource", bn.resource)
                           .str("node", bn.node)
                           .add("weight", std::to_string(bn.weight))
                           .add("promoted_only", b(bn.promoted_only))
                           .flat());
    root.add("bans", array(bans, 2));
    root.add("promotables", strings(m.promotables));
    root.add("node_banned", b(m.node_banned));

    std::vector<std::string> drbd;
    for (const auto& d : m.drbd) {
        std::vector<std::string> vols, peers;
        for (const auto& v : d.volumes)
            vols.push_back(Obj()
                               .add("volume", std::to_string(v.volume))
                               .add("minor", std::to_string(v.minor))
                               .add("device", v.device.empty() ? "null" : q(v.device))
                               .str("disk", v.disk)
                               .flat());
        for (const auto& p : d.peers)
            peers.push_back(Obj()
                                .str("name", p.name)
                                .str("connection", p.connection)
                                .str("role", p.role)
                                .add("disks", strings(p.disks))
                                .add("replication", strings(p.replication))
                                .add("sync_done", p.sync_done ? fmt::format("{}", *p.sync_done) : "null")
                                .flat());
        Obj o;
        o.str("resource", d.resource).add("exists", b(d.exists));
        if (!d.error.empty()) o.str("error", d.error);
        o.add("role", d.role.empty() ? "null" : q(d.role)).add("volumes", array(vols, 6)).add("peers", array(peers, 6));
        drbd.push_back(o.block(4));
    }
    root.add("drbd", array(drbd, 2));

    std::vector<std::string> fss;
    for (const auto& f : m.filesystems) {
        Obj o;
        o.str("mount_point", f.mount_point).add("mounted", b(f.mounted));
        o.add("device", f.device.empty() ? "null" : q(f.device))
            .add("fstype", f.fstype.empty() ? "null" : q(f.fstype))
            .add("drbd_resource", f.drbd_resource.empty() ? "null" : q(f.drbd_resource))
            .add("read_only", b(f.read_only))
            .opt_num("size_bytes", f.size)
            .opt_num("used_bytes", f.used)
            .opt_num("free_bytes", f.free);
        if (!f.error.empty()) o.str("error", f.error);
        fss.push_back(o.flat());
    }
    root.add("filesystems", array(fss, 2));

    root.add("libvirt_available", b(m.libvirt_error.empty()));
    root.add("libvirt_error", m.libvirt_error.empty() ? "null" : q(m.libvirt_error));
    std::vector<std::string> guests;
    for (const auto& g : m.guests) {
        Obj o;
        o.str("name", g.name)
            .add("defined", g.error.empty() ? b(g.exists) : "null")
            .add("state", g.error.empty() && !g.state.empty() ? q(g.state) : "null")
            .add("managed_save", g.error.empty() ? b(g.managed_save) : "null")
            .add("resource", g.resource.empty() ? "null" : q(g.resource))
            .add("resource_role", g.resource_role.empty() ? "null" : q(g.resource_role))
            .add("resource_nodes", strings(g.resource_nodes));
        if (!g.error.empty()) o.str("error", g.error);
        guests.push_back(o.flat());
    }
    root.add("guests", array(guests, 2));
    root.add("notes", strings(m.notes));
    return root.block(0) + "\n";
}

}  // namespace ocfkit::clevervm
