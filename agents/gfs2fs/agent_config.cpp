// The agent's configuration loaded from its parameters, and the programs its operations run.
#include "gfs2fs_detail.h"

#include <sys/utsname.h>

#include <fmt/format.h>

namespace ocfkit::gfs2fs {

// Everything that needs no system access; throws Failure(ErrConfigured) naming the parameter.
Config load_config(const Context& ctx)
{
    const Params& p = ctx.params;
    Config c;
    c.fstype = p.str("fstype");
    c.options = p.str("options");
    c.directory = normalize_path(p.str("directory"));
    c.bind = is_bind(c.options);
    c.expect_ro = expects_read_only(c.options);
    const bool clone = ctx.env.is_clone();

    if (auto e = options_problem(c.options, c.fstype, clone)) fail(ExitCode::ErrConfigured, "parameter 'options': {}", *e);
    DeviceParse d = parse_device(p.str("device"), c.fstype, c.options);
    if (!d.spec) fail(ExitCode::ErrConfigured, "parameter 'device': {}", d.problem);
    c.device = *d.spec;
    if (c.bind && c.device.kind == DeviceKind::Path) {
        std::string src = normalize_path(c.device.value);
        if (path_within(c.directory, src) || path_within(src, c.directory))
            fail(ExitCode::ErrConfigured, "parameter 'device': bind source {} and directory {} overlap", src,
                 c.directory);
    }
    if (c.device.kind == DeviceKind::Path && !c.bind && normalize_path(c.device.value) == c.directory)
        fail(ExitCode::ErrConfigured, "parameters 'device' and 'directory' are the same path {}", c.directory);

    c.fsck = parse_fsck_mode(p.str("run_fsck")).value_or(FsckMode::Auto);
    c.force_unmount = parse_force_unmount(p.str("force_unmount")).value_or(ForceUnmount::True);
    for (auto [name, sig] : {std::pair{"term_signal", &c.term_signal}, std::pair{"kill_signal", &c.kill_signal}}) {
        SignalParse s = parse_holder_signal(p.str(name));
        if (!s.signal) fail(ExitCode::ErrConfigured, "parameter '{}': {}", name, s.problem);
        *sig = *s.signal;
    }
    c.signal_delay = std::chrono::seconds(p.integer("signal_delay"));
    c.fast_stop = p.boolean("fast_stop");
    c.force_clones = p.boolean("force_clones");
    c.unmount_other_mounts = p.boolean("unmount_other_mounts");
    c.statusfile_prefix = p.str("statusfile_prefix");

    if (clone && !clone_safe(c.fstype) && !c.force_clones)
        fail(ExitCode::ErrConfigured,
             "{} is a local file system: mounting it on several nodes as a clone corrupts it; use a cluster file "
             "system (gfs2, ocfs2) or set force_clones=true if every node mounts its own device",
             c.fstype);
    if (c.fsck == FsckMode::Force && (clone || classify_fstype(c.fstype) == FsClass::Cluster))
        fail(ExitCode::ErrConfigured,
             "parameter 'run_fsck': force on a clone or a cluster file system would check a file system other "
             "nodes may have mounted");
    return c;
}

// A mount of this configuration sits on a block device we can name.
bool expects_block_device(const Config& c)
{
    return !c.bind && needs_block_device(c.fstype) && !has_option(c.options, "loop");
}

// The programs an operation will run, looked up as the runner will (the child's PATH).
std::optional<std::string> missing_program(std::initializer_list<const char*> programs)
{
    const std::string path = child_path(CommandSpec{});
    for (const char* p : programs)
        if (!find_program(p, path)) return std::string(p);
    return std::nullopt;
}

std::string node_name(const Context& ctx)
{
    if (auto n = ctx.env.meta("on_node"); n && !n->empty()) return *n;
    struct utsname u {};
    if (::uname(&u) != 0) return "localhost";
    return u.nodename;
}

void require_started(const CommandSpec& spec, const CommandResult& r)
{
    if (r.status == CommandResult::Status::NotStarted)
        fail(exit_code_for_spawn_errno(r.spawn_errno), "{}", failure_message(spec, r));
}

}  // namespace ocfkit::gfs2fs
