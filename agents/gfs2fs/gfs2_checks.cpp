// Start's GFS2 cluster checks: superblock lock protocol and table, journals, fencing, DLM.
#include "gfs2fs_detail.h"

#include <fmt/format.h>

#include "gfs2_parse.h"

namespace ocfkit::gfs2fs {

using namespace std::chrono_literals;

void gfs2_checks(Context& ctx, const Config& c, const Resolved& dev, const SystemHooks& hooks)
{
    const bool clone = ctx.env.is_clone();
    const int clone_max = ctx.env.clone_max();

    CommandSpec tune;
    tune.argv = {"tunegfs2", "-l", dev.path};
    tune.timeout = 20s;
    CommandResult tr = ctx.runner.run(tune, ctx.deadline);
    require_started(tune, tr);
    if (!tr.ok()) {
        bool not_gfs2 = tr.err.find("does not contain a GFS") != std::string::npos ||
                        tr.out.find("does not contain a GFS") != std::string::npos;
        // Seen through this node's device node only (another node's may name the right disk):
        // 5, never 6, which would stop the clone everywhere.
        fail(not_gfs2 ? ExitCode::ErrInstalled : ExitCode::ErrGeneric, "parameter 'device': {} holds no GFS2 file system "
             "readable here: {}", c.device.display(), failure_message(tune, tr));
    }
    Gfs2Superblock sb;
    try {
        sb = parse_tunegfs2_list(tr.out);
    } catch (const parse::ParseError& e) {
        fail(ExitCode::ErrGeneric, "parameter 'device': cannot read the GFS2 superblock of {} ({}): {}",
             c.device.display(), tune.display(), e.what());
    }

    const std::string proto = option_value(c.options, "lockproto").value_or(sb.lock_protocol);
    const std::string table = option_value(c.options, "locktable").value_or(sb.lock_table);
    const char* proto_from = option_value(c.options, "lockproto") ? "options" : "the superblock";
    // What options say is wrong on every node (6); what this node read from the device is this
    // node's finding (5).
    auto code_for = [&](const char* key) {
        return option_value(c.options, key) ? ExitCode::ErrConfigured : ExitCode::ErrInstalled;
    };
    if (proto == "lock_nolock") {
        if (clone)
            fail(code_for("lockproto"),
                 "{} uses lock_nolock (from {}), no cluster locking, so a clone corrupts it: make it lock_dlm "
                 "(tunegfs2 -o lockproto=lock_dlm while unmounted everywhere)",
                 c.device.display(), proto_from);
        ctx.log.info("{} uses lock_nolock (from {}): single-node mount, no DLM checks", c.device.display(), proto_from);
        return;
    }
    if (proto != "lock_dlm")
        fail(code_for("lockproto"), "{} uses lock protocol '{}' (from {}); gfs2fs supports lock_dlm and lock_nolock",
             c.device.display(), proto, proto_from);
    if (auto e = lock_table_problem(table))
        fail(code_for("locktable"), "lock table '{}' of {}: {}", table, c.device.display(), *e);
    const std::string cluster_part = table.substr(0, table.find(':'));

    if (clone && !has_option(c.options, "spectator")) {
        CommandSpec jindex;
        jindex.argv = {"gfs2_edit", "-p", "jindex", dev.path};
        jindex.timeout = 20s;
        CommandResult jr = ctx.runner.run(jindex, ctx.deadline);
        require_started(jindex, jr);
        if (!jr.ok()) fail(ExitCode::ErrGeneric, "cannot count the journals of {}: {}", c.device.display(), failure_message(jindex, jr));
        Gfs2Jindex j;
        try {
            j = parse_gfs2_edit_jindex(jr.out);
        } catch (const parse::ParseError& e) {
            fail(ExitCode::ErrGeneric, "cannot count the journals of {} ({}): {}", c.device.display(), jindex.display(),
                 e.what());
        }
        if (j.journals < clone_max)
            fail(ExitCode::ErrInstalled,  // counted on this node's device
                 "only {} journal(s) for clone-max={}: add {} with gfs2_jadd -j {} where {} is mounted, or lower "
                 "clone-max",
                 j.journals, clone_max, clone_max - j.journals, clone_max - j.journals, c.device.display());
        ctx.log.debug("{}: {} journals for clone-max={}", c.device.display(), j.journals, clone_max);
    }

    std::optional<bool> fencing = ctx.cluster.fencing_enabled();
    if (fencing && !*fencing)
        fail(ExitCode::ErrConfigured,
             "fencing is disabled: GFS2 hangs after a node failure until it is fenced; configure a fence "
             "device and enable stonith (fencing-enabled=false, or stonith-enabled=false before Pacemaker 3.0.2)");
    if (!fencing) {
        if (ctx.cluster.pacemaker())
            fail(ExitCode::ErrGeneric, "cannot tell whether fencing is enabled (reading fencing-enabled/stonith-enabled failed)");
        ctx.log.warn("not running under Pacemaker: cannot check that fencing is enabled");
    }

    CommandSpec cmap;
    cmap.argv = {"corosync-cmapctl", "-g", "totem.cluster_name"};
    cmap.timeout = 10s;
    CommandResult cr = ctx.runner.run(cmap, ctx.deadline);
    require_started(cmap, cr);
    if (!cr.ok())
        fail(ExitCode::ErrGeneric, "cannot read the corosync cluster name (is corosync running?): {}",
             failure_message(cmap, cr));
    std::string cluster_name;
    try {
        cluster_name = parse_cmap_value(cr.out, "totem.cluster_name");
    } catch (const parse::ParseError& e) {
        fail(ExitCode::ErrGeneric, "cannot read the corosync cluster name from {}: {}", cmap.display(), e.what());
    }
    if (cluster_part != cluster_name)
        fail(code_for("locktable"),
             "lock table '{}' of {} names cluster '{}', not corosync's '{}': tunegfs2 -o locktable={}:{} {} while "
             "it is unmounted everywhere, or use options=locktable=... (DLM would refuse the mount)",
             table, c.device.display(), cluster_part, cluster_name, cluster_name, table.substr(table.find(':') + 1),
             c.device.display());

    if (!hooks.dlm_controld_running())
        fail(ExitCode::ErrGeneric,
             "dlm_controld is not running on this node: start it first (a controld clone ordered and colocated "
             "before this resource)");
}

}  // namespace ocfkit::gfs2fs
