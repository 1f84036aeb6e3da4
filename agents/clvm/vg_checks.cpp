// The listed VGs as vgs reports them: visible here, and locked the way the lock manager needs.
#include "clvm_detail.h"

#include "ocfkit/parse/lvm_report.h"

namespace ocfkit::clvm {

// `hidden`: devices the filter hides from LVM entirely, named when a VG is not visible.
Outcome check_vgs(Context& ctx, Manager m, const std::vector<std::string>& vgs, const std::vector<std::string>& hidden)
{
    if (vgs.empty()) return ExitCode::Success;
    std::vector<std::string> argv{"vgs", "--reportformat", "json", "-o"};
    argv.push_back(m == Manager::Lvmlockd ? "vg_name,vg_attr,vg_lock_type,vg_lock_args" : "vg_name,vg_attr");
    argv.insert(argv.end(), vgs.begin(), vgs.end());
    CommandSpec c = tool(ctx, argv, 60s);
    CommandResult r = ctx.runner.run(c, ctx.deadline);
    if (r.status == CommandResult::Status::NotStarted)
        throw Failure(exit_code_for_spawn_errno(r.spawn_errno), failure_message(c, r));
    if (r.status != CommandResult::Status::Exited || r.out.find('{') == std::string::npos)
        fail(ExitCode::ErrGeneric, "{}", failure_message(c, r));
    parse::LvmReport report;
    try {
        report = parse::parse_lvm_report(r.out);
    } catch (const parse::ParseError& e) {
        fail(ExitCode::ErrGeneric, "cannot read vgs output: {}", e.what());
    }
    std::string cluster_name;
    if (auto cn = read_small_file(HostPaths::from_env(ctx.env).sys + "/kernel/config/dlm/cluster/cluster_name", 256)) {
        cluster_name = *cn;
        while (!cluster_name.empty() && cluster_name.back() == '\n') cluster_name.pop_back();
    }
    for (const auto& vg : vgs) {
        const parse::LvmRow* row = nullptr;
        for (const auto& rr : report.rows("vg"))
            if (auto it = rr.find("vg_name"); it != rr.end() && it->second == vg) row = &rr;
        if (!row)
            return {ExitCode::ErrInstalled,
                    fmt::format("parameter 'volgrpname': volume group {} is not visible on this node (DRBD not "
                                "promoted here yet, or a device filter hides its PV){}{}",
                                vg,
                                hidden.empty() ? ""
                                               : fmt::format("; the LVM device filter hides {}", joined(hidden, "; ")),
                                r.err.empty() ? "" : ": " + one_line(r.err, 200))};
        auto field = [&](const char* k) {
            auto it = row->find(k);
            return it == row->end() ? std::string() : it->second;
        };
        std::string attr = field("vg_attr");
        if (m == Manager::Lvmlockd) {
            std::string lt = field("vg_lock_type");
            if (lt.empty() || lt == "none")
                return {ExitCode::ErrConfigured,
                        fmt::format("volume group {} has no lock type, so lvmlockd will not protect it: make it "
                                    "shared with 'vgchange --lock-type dlm {}'",
                                    vg, vg)};
            if (lt == "clvm")
                return {ExitCode::ErrConfigured,
                        fmt::format("volume group {} is a clvmd (clustered) VG; convert it for lvmlockd with "
                                    "'vgchange --lock-type none' then '--lock-type dlm'",
                                    vg)};
            if (lt != "dlm")
                return {ExitCode::ErrConfigured,
                        fmt::format("volume group {} uses lock type {}; this agent runs lvmlockd with DLM, so "
                                    "the VG needs lock type dlm",
                                    vg, lt)};
            std::string args = field("vg_lock_args");  // "1.0.0:<cluster>"
            auto colon = args.rfind(':');
            // This node's DLM cluster name is its own configuration: 5, not 6.
            if (!cluster_name.empty() && colon != std::string::npos && args.substr(colon + 1) != cluster_name)
                return {ExitCode::ErrInstalled,
                        fmt::format("volume group {} belongs to DLM cluster '{}', not to this node's '{}': see "
                                    "lvmlockd(8), changing dlm cluster name",
                                    vg, args.substr(colon + 1), cluster_name)};
        } else if (attr.size() < 6 || attr[5] != 'c') {
            return {ExitCode::ErrConfigured,
                    fmt::format("volume group {} is not clustered, so clvmd will not protect it: run 'vgchange -cy {}' "
                                "(vg_attr {}; clvmd protects VGs created with -cy or changed so)",
                                vg, vg, attr)};
        }
    }
    return ExitCode::Success;
}

}  // namespace ocfkit::clvm
