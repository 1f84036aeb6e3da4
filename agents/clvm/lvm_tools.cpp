// Running LVM's tools (environment, timeouts), the agent's files, and lvm.conf through lvmconfig.
#include "clvm_detail.h"

#include "ocfkit/host.h"

namespace ocfkit::clvm {

namespace {

const std::vector<std::string> kConfigKeys{
    "global/use_lvmlockd",       "global/locking_type",    "global/fallback_to_local_locking",
    "global/use_lvmetad",        "devices/write_cache_state", "devices/filter",
    "devices/global_filter",     "devices/use_devicesfile",
};

}  // namespace

Files files_of(const Context& ctx, const HostPaths& paths)
{
    std::string instance = ctx.env.resource_instance();
    if (instance.empty()) instance = "clvm";
    for (char& c : instance)
        if (c == '/') c = '_';
    return {paths.run + "/lvmlockd.pid", paths.run + "/clvmd.pid", paths.run + "/cmirrord.pid",
            paths.run + "/dlm_controld/dlm_controld.pid", paths.run + "/resource-agents/clvm-" + instance + ".state"};
}

CommandSpec tool(const Context& ctx, std::vector<std::string> argv, milliseconds timeout)
{
    CommandSpec c = host_command(ctx.env, std::move(argv), timeout);
    // LVM warns about inherited descriptors on stderr; that noise would end up in exit reasons.
    c.env["LVM_SUPPRESS_FD_WARNINGS"] = "1";
    if (auto dir = ctx.env.get("LVM_SYSTEM_DIR")) c.env["LVM_SYSTEM_DIR"] = *dir;
    return c;
}

lvm::LvmConfig read_config(Context& ctx)
{
    std::vector<std::string> argv{"lvmconfig", "--type", "full"};
    argv.insert(argv.end(), kConfigKeys.begin(), kConfigKeys.end());
    CommandSpec c = tool(ctx, argv, 30s);
    CommandResult r = ctx.runner.run(c, ctx.deadline);
    if (r.status == CommandResult::Status::NotStarted)
        throw Failure(exit_code_for_spawn_errno(r.spawn_errno), "lvmconfig is not installed (package lvm2)");
    // Exit code 5 with output: some keys are unknown to this lvm2 version (e.g. use_lvmlockd
    // before 2.02.116, use_devicesfile before 2.03.12); the rest is still printed.
    if (!(r.ok() || (r.exited_with(5) && !r.out.empty())))
        fail(ExitCode::ErrGeneric, "{}", failure_message(c, r));
    try {
        return lvm::parse_lvmconfig(r.out, kConfigKeys);
    } catch (const parse::ParseError& e) {
        fail(ExitCode::ErrGeneric, "cannot read lvmconfig output: {}", e.what());
    }
}

std::optional<long long> number(const lvm::LvmConfig& cfg, std::string_view key)
{
    auto it = cfg.find(key);
    if (it == cfg.end()) return std::nullopt;
    return it->second.number();
}

const std::vector<std::string>& config_keys() { return kConfigKeys; }

const lvm::LvmConfig& ClvmAgent::config(Context& ctx)
{
    if (!config_) config_ = read_config(ctx);
    return *config_;
}

}  // namespace ocfkit::clvm
