// clevervm's commands: status from crm_mon XML, drbdsetup events2 and libvirt; guests through
// libvirt or Pacemaker; failure cleanup; moving DRBD's promotion away with a ban and back.
#include "service.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "drbd_view.h"
#include "ocfkit/parse/mountinfo.h"
#include "ocfkit/parse/text.h"
#include "render.h"

namespace ocfkit::clevervm {

namespace {

bool contains(const std::vector<std::string>& v, const std::string& x)
{
    return std::find(v.begin(), v.end(), x) != v.end();
}

std::string join(const std::vector<std::string>& v, std::string_view sep = ", ")
{
    std::string out;
    for (const auto& x : v) {
        if (!out.empty()) out += sep;
        out += x;
    }
    return out;
}

bool is_drbd_agent(const CibPrimitive& p)
{
    return p.standard == "ocf" && (p.type == "drbd-dual" || (p.provider == "linbit" && p.type == "drbd"));
}

bool is_guest_agent(const CibPrimitive& p)
{
    return p.standard == "ocf" && (p.type == "virtdomain" || p.type == "VirtualDomain");
}

bool is_fs_agent(const CibPrimitive& p)
{
    return p.standard == "ocf" && (p.type == "gfs2fs" || p.type == "Filesystem");
}

bool is_drbd_agent_name(std::string_view agent)
{
    return agent.ends_with(":drbd-dual") || agent == "ocf:linbit:drbd";
}

bool active_role(const std::string& role) { return role == "Started" || role == "Promoted" || role == "Unpromoted"; }

// Where Pacemaker keeps the CIB it last wrote (readable by root while Pacemaker is down).
constexpr const char* kSavedCib = "/var/lib/pacemaker/cib/cib.xml";

}  // namespace

std::string usage_text()
{
    return "usage: clevervm [--config FILE] COMMAND [ARGS]\n"
           "  status [--json]      cluster, resources, failures, DRBD storage and guests (exit 0 running,\n"
           "                       3 stopped, 4 unknown: the guests on this node)\n"
           "  start | stop [--from-init]\n"
           "                       start / hibernate (managed save) the guests here, directly through libvirt;\n"
           "                       --from-init: at boot or shutdown, leave Pacemaker's guests to Pacemaker\n"
           "  restart              stop, then start\n"
           "  forcestart | forcestop [--no-wait]\n"
           "                       start / stop the guests through Pacemaker (target-role Started/Stopped)\n"
           "  cleanup [--no-wait] [RESOURCE...]\n"
           "                       clear Pacemaker's failure records (all resources when none is named)\n"
           "  migrate [--no-wait]  move the promoted DRBD and what depends on it away from this node and\n"
           "                       ban this node from the promoted role\n"
           "  unmigrate            remove that ban (stickiness keeps services where they are)\n";
}

Service::Service(Config config, CommandRunner& runner, Hypervisor& hypervisor, HostView& host, Io io, Sleep sleep)
    : config_(std::move(config)), runner_(runner), hv_(hypervisor), host_(host), io_(io), sleep_(std::move(sleep))
{
    if (!sleep_) sleep_ = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
}

void Service::say(const std::string& line) { fmt::print(io_.out, "{}\n", line); }
void Service::warn(const std::string& line) { fmt::print(io_.err, "clevervm: {}\n", line); }

CommandResult Service::run_tool(std::vector<std::string> argv, std::chrono::seconds timeout)
{
    CommandSpec spec;
    spec.argv = std::move(argv);
    spec.timeout = timeout;
    // Pacemaker's tools honour these to work on a file or a shadow CIB.
    spec.inherit_env = false;
    return runner_.run(spec, Deadline::after(timeout));
}

// A Pacemaker tool that must succeed: a missing tool is 5, a failure names the command.
CommandResult Service::run_pacemaker_tool(std::vector<std::string> argv)
{
    CommandSpec spec;
    spec.argv = argv;
    CommandResult r = run_tool(std::move(argv));
    if (r.status == CommandResult::Status::NotStarted)
        throw CommandError(Lsb::NotInstalled, failure_message(spec, r));
    if (!r.ok()) throw CommandError(Lsb::Generic, failure_message(spec, r));
    return r;
}

Service::MonRead Service::read_mon()
{
    MonRead m;
    CommandResult r = run_tool({"crm_mon", "-1", "--output-as=xml"}, std::chrono::seconds(30));
    if (r.status == CommandResult::Status::NotStarted) {
        m.not_installed = true;
        m.error = "crm_mon is not installed (Pacemaker's CLI tools)";
        return m;
    }
    if (r.status != CommandResult::Status::Exited) {
        m.error = fmt::format("crm_mon: {}", r.describe());
        return m;
    }
    // A failed crm_mon still writes XML whose <status> says why.
    try {
        m.mon = parse::parse_crm_mon(r.out);
        m.xml = std::move(r.out);
    } catch (const parse::ParseError& e) {
        std::string what = e.what();
        // A failed crm_mon's own <status> message: where it sits in the XML does not matter.
        if (!r.ok() && what.starts_with("line ") && what.find(": ") != std::string::npos) what = what.substr(what.find(": ") + 2);
        m.error = r.out.empty() ? fmt::format("crm_mon: {}: {}", r.describe(), one_line(r.err)) : what;
    }
    return m;
}

const Service::MonRead& Service::mon()
{
    if (!mon_) mon_ = read_mon();
    return *mon_;
}

std::optional<std::vector<CibPrimitive>> Service::read_cib(std::string& error)
{
    CommandResult r = run_tool({"cibadmin", "--query", "--scope", "resources"}, std::chrono::seconds(30));
    if (!r.ok()) {
        error = fmt::format("cibadmin --query: {}{}", r.describe(), r.err.empty() ? "" : ": " + one_line(r.err));
        return std::nullopt;
    }
    try {
        return parse_cib_primitives(r.out);
    } catch (const parse::ParseError& e) {
        error = fmt::format("cibadmin --query: {}", e.what());
        return std::nullopt;
    }
}

std::string Service::local_node()
{
    if (!node_.empty()) return node_;
    CommandResult r = run_tool({"crm_node", "-n"}, std::chrono::seconds(15));
    std::string name(parse::trim(r.out));
    node_ = r.ok() && !name.empty() ? name : host_.hostname();
    return node_;
}

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

void Service::require_privilege(const std::string& command)
{
    if (!host_.privileged()) throw CommandError(Lsb::NoPrivilege, fmt::format("{} must be run as root", command));
}

const parse::CrmMon& Service::require_cluster(const std::string& command)
{
    const MonRead& r = mon();
    if (r.not_installed) throw CommandError(Lsb::NotInstalled, fmt::format("{}: {}", command, r.error));
    if (!r.mon) throw CommandError(Lsb::NotRunning, fmt::format("{}: the cluster is not running here ({})", command, r.error));
    return *r.mon;
}

// systemd tells whether the machine is booting or shutting down; without systemd (sysvinit) the
// init script passes --from-init only from rc at boot and shutdown.
Service::Caller Service::caller_of(const std::string& command, bool from_init)
{
    if (!from_init) return Caller::Operator;
    CommandResult r = run_tool({"systemctl", "is-system-running"}, std::chrono::seconds(10));
    std::string_view state = parse::trim(r.out);
    bool settled = state == "running" || state == "degraded" || state == "maintenance";
    if (settled) return Caller::Operator;
    return command == "start" ? Caller::Boot : Caller::Shutdown;
}

// Why the guest of a Pacemaker resource must not be started here outside Pacemaker, if so.
std::optional<std::string> Service::not_startable_here(const GuestSpec& g)
{
    const MonRead& r = mon();
    if (!r.mon)
        return fmt::format("the cluster's state is unknown here ({}), so resource {} may run on another node; "
                           "start it through Pacemaker (forcestart) once the cluster runs",
                           r.error, g.resource);
    std::string node = local_node();
    for (const auto* inst : r.mon->instances(g.resource))
        if (inst->active)
            for (const auto& n : inst->nodes)
                if (n != node)
                    return fmt::format("Pacemaker runs resource {} on {}; starting it here as well would run the guest "
                                       "twice on the same disks",
                                       g.resource, n);
    return std::nullopt;
}

// Acts on every guest here with `act` (false: not done). At boot and shutdown the guests of
// Pacemaker resources are left to Pacemaker. libvirt unavailable ends the loop: the remaining
// guests would fail the same way.
Lsb Service::each_guest(const std::string& command, Caller caller, const std::function<bool(const GuestSpec&)>& act)
{
    require_privilege(command);
    const Targets& t = targets();
    if (t.guests.empty()) {
        if (caller != Caller::Operator) {
            say(fmt::format("no guests configured or discovered: nothing to {}", command));
            return Lsb::Ok;
        }
        throw CommandError(Lsb::NotConfigured, fmt::format("{}: no guests configured or discovered", command));
    }
    int failed = 0;
    for (std::size_t i = 0; i < t.guests.size(); ++i) {
        const GuestSpec& g = t.guests[i];
        if (caller == Caller::Boot && !g.resource.empty()) {
            say(fmt::format("{}: left to Pacemaker at boot (resource {})", g.name, g.resource));
            continue;
        }
        if (caller == Caller::Shutdown && !g.resource.empty()) {
            // A managed save here would later resume over disks the guest has written since on
            // the node Pacemaker moves it to.
            say(fmt::format("{}: left to Pacemaker at shutdown (it moves or stops resource {})", g.name, g.resource));
            continue;
        }
        try {
            if (!act(g)) ++failed;
        } catch (const HypervisorError& e) {
            warn(e.what());
            ++failed;
            if (e.unavailable) {
                failed += static_cast<int>(t.guests.size() - i - 1);
                break;
            }
        }
    }
    return libvirt_result(command, failed, t.guests.size());
}

Lsb Service::start(Caller caller)
{
    return each_guest("start", caller, [this](const GuestSpec& g) {
        GuestInfo info = hv_.guest(g.name);
        if (!info.active && !g.resource.empty()) {
            if (auto why = not_startable_here(g)) {
                warn(fmt::format("{}: not started: {}", g.name, *why));
                return false;
            }
        }
        if (!info.exists) {
            const auto& configs = targets().guest_configs;
            auto cfg = configs.find(g.name);
            auto xml = cfg != configs.end() ? host_.read_file(cfg->second) : std::nullopt;
            if (!xml) {
                warn(fmt::format("{}: not defined in libvirt here and no domain XML known", g.name));
                return false;
            }
            hv_.define(*xml);
            say(fmt::format("{}: defined from {}", g.name, cfg->second));
            info = hv_.guest(g.name);
        }
        if (info.active) {
            say(fmt::format("{}: already {}", g.name, info.state));
        } else {
            hv_.start(g.name);
            say(fmt::format("{}: started{}", g.name, info.managed_save ? " (resumed from managed save)" : ""));
        }
        if (!g.resource.empty())
            warn(fmt::format("warning: {} is managed by Pacemaker resource {}; the cluster may stop or move it "
                             "again (forcestart starts it through Pacemaker)", g.name, g.resource));
        return true;
    });
}

Lsb Service::stop(Caller caller)
{
    return each_guest("stop", caller, [this](const GuestSpec& g) {
        GuestInfo info = hv_.guest(g.name);
        bool done = true;
        if (!info.exists) {
            say(fmt::format("{}: not defined here", g.name));
        } else if (!info.active) {
            say(fmt::format("{}: already {}{}", g.name, info.state, info.managed_save ? " (managed save)" : ""));
        } else if (!info.persistent) {
            warn(fmt::format("{}: cannot hibernate a transient domain (a managed save needs a persistent "
                             "definition, e.g. virtdomain persistent=true); it keeps running", g.name));
            done = false;
        } else {
            hv_.managed_save(g.name);
            say(fmt::format("{}: hibernated (managed save)", g.name));
        }
        if (!g.resource.empty() && info.active)
            warn(fmt::format("warning: {0} is managed by Pacemaker resource {1}; the cluster may start it again "
                             "(forcestop stops it through Pacemaker); should it run on another node meanwhile, "
                             "discard this managed save (virsh managedsave-remove {0}) before {0} starts here "
                             "again: resuming it would put stale memory over the disks",
                             g.name, g.resource));
        return done;
    });
}

Lsb Service::libvirt_result(const std::string& command, int failed, std::size_t total)
{
    if (!failed) return Lsb::Ok;
    warn(fmt::format("{}: {} of {} guests not done", command, failed, total));
    return Lsb::Generic;
}

Lsb Service::restart()
{
    Lsb s = stop();
    if (s != Lsb::Ok) return s;
    return start();
}

std::vector<GuestSpec> Service::managed_guests(const std::string& command)
{
    std::vector<GuestSpec> out;
    for (const auto& g : targets().guests) {
        if (g.resource.empty()) warn(fmt::format("{}: guest {} has no Pacemaker resource; skipped", command, g.name));
        else out.push_back(g);
    }
    if (out.empty()) throw CommandError(Lsb::NotConfigured, fmt::format("{}: no guest is managed by a Pacemaker resource", command));
    return out;
}

// Lets the transition that a change started finish first, so that a state crm_mon shows in
// between (e.g. a resource whose history a cleanup removed, shown Stopped until its re-probe)
// is not taken for the result.
void Service::settle(const std::string& what)
{
    std::vector<std::string> argv{"crm_resource", "--wait", "--timeout", fmt::format("{}s", config_.wait.count())};
    CommandSpec spec;
    spec.argv = argv;
    CommandResult r = run_tool(argv, config_.wait + std::chrono::seconds(10));
    if (!r.ok()) warn(fmt::format("{}: the cluster did not settle: {}", what, failure_message(spec, r)));
}

bool Service::wait_until(const std::string& what,
                         const std::function<std::vector<std::string>(const parse::CrmMon&)>& pending)
{
    Deadline deadline = Deadline::after(std::chrono::duration_cast<std::chrono::milliseconds>(config_.wait));
    long long polls = config_.wait.count();  // one a second; also bounds fake clocks in tests
    std::vector<std::string> left;
    for (long long i = 0;; ++i) {
        mon_ = read_mon();
        if (mon_->mon) left = pending(*mon_->mon);
        else left = {fmt::format("cluster unreadable: {}", mon_->error)};
        if (left.empty()) return true;
        if (i >= polls || deadline.expired()) break;
        sleep_(std::chrono::milliseconds(1000));
    }
    warn(fmt::format("{}: still waiting after {}s for: {}", what, config_.wait.count(), join(left, "; ")));
    return false;
}

Lsb Service::forcestart(bool wait)
{
    require_privilege("forcestart");
    require_cluster("forcestart");
    auto guests = managed_guests("forcestart");
    for (const auto& g : guests) {
        run_pacemaker_tool({"crm_resource", "--resource", g.resource, "--meta", "--set-parameter", "target-role",
                            "--parameter-value", "Started"});
        say(fmt::format("{}: target-role=Started (guest {})", g.resource, g.name));
    }
    if (!wait) return Lsb::Ok;
    settle("forcestart");
    bool ok = wait_until("forcestart", [&](const parse::CrmMon& mon) {
        std::vector<std::string> left;
        for (const auto& g : guests) {
            bool up = false;
            for (const auto* inst : mon.instances(g.resource)) up = up || (inst->active && !inst->failed && active_role(inst->role));
            if (!up) left.push_back(fmt::format("{} to start", g.resource));
        }
        return left;
    });
    if (ok) say("all guests started by Pacemaker");
    return ok ? Lsb::Ok : Lsb::Generic;
}

Lsb Service::forcestop(bool wait)
{
    require_privilege("forcestop");
    require_cluster("forcestop");
    auto guests = managed_guests("forcestop");
    for (const auto& g : guests) {
        run_pacemaker_tool({"crm_resource", "--resource", g.resource, "--meta", "--set-parameter", "target-role",
                            "--parameter-value", "Stopped"});
        say(fmt::format("{}: target-role=Stopped (guest {})", g.resource, g.name));
    }
    if (!wait) return Lsb::Ok;
    settle("forcestop");
    bool ok = wait_until("forcestop", [&](const parse::CrmMon& mon) {
        std::vector<std::string> left;
        for (const auto& g : guests) {
            for (const auto* inst : mon.instances(g.resource))
                if (inst->active) left.push_back(fmt::format("{} to stop on {}", g.resource, join(inst->nodes, " ")));
        }
        return left;
    });
    if (ok) say("all guests stopped by Pacemaker");
    return ok ? Lsb::Ok : Lsb::Generic;
}

Lsb Service::cleanup(const std::vector<std::string>& resources, bool wait)
{
    require_privilege("cleanup");
    require_cluster("cleanup");
    if (resources.empty()) {
        run_pacemaker_tool({"crm_resource", "--cleanup"});
        say("failure records of all resources cleared");
    }
    for (const auto& r : resources) {
        run_pacemaker_tool({"crm_resource", "--cleanup", "--resource", r});
        say(fmt::format("{}: failure records cleared", r));
    }
    // The cluster probes the cleaned resources again; their state is known once it settled.
    if (wait) settle("cleanup");
    return Lsb::Ok;
}

Lsb Service::migrate(bool wait)
{
    require_privilege("migrate");
    const parse::CrmMon& mon = require_cluster("migrate");
    const Targets& t = targets();
    if (t.promotables.empty())
        throw CommandError(Lsb::NotConfigured, "migrate: no promotable DRBD resource configured or discovered");
    std::string node = local_node();
    if (!mon.node(node)) throw CommandError(Lsb::Generic, fmt::format("migrate: this node ({}) is not a cluster node", node));
    for (const auto& p : t.promotables) {
        bool known = false;
        for (const auto& r : mon.resources) known = known || r.parent == p || r.id == p;
        if (!known) throw CommandError(Lsb::NotConfigured, fmt::format("migrate: the cluster has no resource {}", p));
        run_pacemaker_tool({"crm_resource", "--ban", "--resource", p, "--node", node, "--promoted"});
        say(fmt::format("{}: banned from the promoted role on {} (this node is marked unfit until unmigrate)", p, node));
    }
    if (!wait) return Lsb::Ok;
    settle("migrate");
    std::vector<GuestSpec> guests;
    for (const auto& g : t.guests)
        if (!g.resource.empty()) guests.push_back(g);
    bool ok = wait_until("migrate", [&](const parse::CrmMon& now) {
        std::vector<std::string> left;
        for (const auto& r : now.resources) {
            if (!contains(t.promotables, r.parent) || r.role != "Promoted" || !contains(r.nodes, node)) continue;
            left.push_back(fmt::format("{} to be demoted here", r.parent));
        }
        for (const auto& g : guests)
            for (const auto* inst : now.instances(g.resource))
                if (inst->active && contains(inst->nodes, node)) left.push_back(fmt::format("{} to leave {}", g.resource, node));
        return left;
    });
    if (ok) say(fmt::format("nothing promoted or dependent runs on {} any more", node));
    return ok ? Lsb::Ok : Lsb::Generic;
}

Lsb Service::unmigrate()
{
    require_privilege("unmigrate");
    require_cluster("unmigrate");
    const Targets& t = targets();
    if (t.promotables.empty())
        throw CommandError(Lsb::NotConfigured, "unmigrate: no promotable DRBD resource configured or discovered");
    std::string node = local_node();
    for (const auto& p : t.promotables) {
        run_pacemaker_tool({"crm_resource", "--clear", "--resource", p, "--node", node});
        say(fmt::format("{}: ban on {} removed; resources stay where they run now (stickiness)", p, node));
    }
    return Lsb::Ok;
}

int Service::run(const std::string& command, const std::vector<std::string>& args)
{
    auto no_args = [&]() {
        if (!args.empty())
            throw CommandError(Lsb::InvalidArgs, fmt::format("{}: unexpected argument '{}'\n{}", command, args[0], usage_text()));
    };
    auto wait_flag = [&]() {
        bool wait = true;
        for (const auto& a : args) {
            if (a == "--no-wait") wait = false;
            else throw CommandError(Lsb::InvalidArgs, fmt::format("{}: unexpected argument '{}'\n{}", command, a, usage_text()));
        }
        return wait;
    };
    try {
        if (command == "status") {
            bool json = false;
            for (const auto& a : args) {
                if (a == "--json") json = true;
                else throw CommandError(Lsb::InvalidArgs, fmt::format("status: unexpected argument '{}'\n{}", a, usage_text()));
            }
            return static_cast<int>(status(json));
        }
        if (command == "start" || command == "stop") {
            bool from_init = false;
            for (const auto& a : args) {
                if (a == "--from-init") from_init = true;
                else throw CommandError(Lsb::InvalidArgs, fmt::format("{}: unexpected argument '{}'\n{}", command, a, usage_text()));
            }
            Caller caller = caller_of(command, from_init);
            return static_cast<int>(command == "start" ? start(caller) : stop(caller));
        }
        if (command == "restart" || command == "force-reload") return no_args(), static_cast<int>(restart());
        if (command == "try-restart" || command == "condrestart") {
            no_args();
            // LSB: restart only when running.
            return gather().service == LsbStatus::Stopped ? 0 : static_cast<int>(restart());
        }
        if (command == "reload")
            throw CommandError(Lsb::Unimplemented, "reload: not implemented (guests have nothing to reload)");
        if (command == "forcestart") return static_cast<int>(forcestart(wait_flag()));
        if (command == "forcestop") return static_cast<int>(forcestop(wait_flag()));
        if (command == "cleanup") {
            std::vector<std::string> resources;
            bool wait = true;
            for (const auto& a : args) {
                if (a == "--no-wait") wait = false;
                else if (a.starts_with("-"))
                    throw CommandError(Lsb::InvalidArgs, fmt::format("cleanup: unknown option '{}'\n{}", a, usage_text()));
                else resources.push_back(a);
            }
            return static_cast<int>(cleanup(resources, wait));
        }
        if (command == "migrate") return static_cast<int>(migrate(wait_flag()));
        if (command == "unmigrate") return no_args(), static_cast<int>(unmigrate());
        if (command == "usage" || command == "help" || command == "--help") {
            std::fputs(usage_text().c_str(), io_.out);
            return 0;
        }
        throw CommandError(Lsb::InvalidArgs, fmt::format("unknown command '{}'\n{}", command, usage_text()));
    } catch (const CommandError& e) {
        warn(e.what());
        // LSB gives status its own codes (1 and 2 mean "dead"): whatever went wrong, it is 4.
        if (command == "status") return static_cast<int>(LsbStatus::Unknown);
        return static_cast<int>(e.code);
    }
}

}  // namespace ocfkit::clevervm
