// The single dispatcher: action routing, validation order and the only catch site.
#include <fmt/format.h>

#include "ocfkit/agent.h"
#include "ocfkit/metadata.h"

namespace ocfkit {

namespace {

// Logs every command with its outcome, so HA_DEBUG and OCF_TRACE_RA show what was run.
class TracingRunner final : public CommandRunner {
public:
    TracingRunner(CommandRunner& inner, Logger& log) : inner_(inner), log_(log) {}
    CommandResult run(const CommandSpec& spec, const Deadline& deadline) override
    {
        CommandResult r = inner_.run(spec, deadline);
        if (log_.debug_enabled())
            log_.debug("ran {} -> {} in {} ms", spec.display(), r.describe(), r.elapsed.count());
        return r;
    }

private:
    CommandRunner& inner_;
    Logger& log_;
};

bool always_available(std::string_view action)
{
    return action == "meta-data" || action == "usage" || action == "help";
}

std::optional<ValidatePurpose> validate_before(std::string_view action)
{
    if (action == "start" || action == "promote" || action == "migrate_to" || action == "migrate_from")
        return ValidatePurpose::Start;
    if (action == "monitor" || action == "demote" || action == "reload-agent" || action == "reload")
        return ValidatePurpose::Monitor;
    return std::nullopt;  // stop, notify, validate-all and custom actions
}

void print_usage(const AgentSpec& spec, std::FILE* out)
{
    std::string actions;
    for (const auto& a : spec.actions) {
        if (actions.find(a.name) != std::string::npos) continue;
        if (!actions.empty()) actions += '|';
        actions += a.name;
    }
    fmt::print(out, "usage: {} {{{}}}\n", spec.name, actions);
}

Outcome call(Agent& agent, Context& ctx, std::string_view action)
{
    if (action == "start") return agent.start(ctx);
    if (action == "stop") return agent.stop(ctx);
    if (action == "monitor") return agent.monitor(ctx);
    if (action == "validate-all") return agent.validate(ctx, ValidatePurpose::Explicit);
    if (action == "promote") return agent.promote(ctx);
    if (action == "demote") return agent.demote(ctx);
    if (action == "notify") return agent.notify(ctx);
    if (action == "migrate_to") return agent.migrate_to(ctx);
    if (action == "migrate_from") return agent.migrate_from(ctx);
    if (action == "reload-agent" || action == "reload") return agent.reload_agent(ctx);
    return agent.other(ctx, action);
}

int finish(const Outcome& o, std::string_view action, const Env& env, Logger& log, DispatchIo io)
{
    if (!o.reason.empty()) {
        if (o.code == ExitCode::Success) {
            log.info("{}", o.reason);
        } else {
            if (o.code == ExitCode::NotRunning || o.code == ExitCode::Degraded ||
                o.code == ExitCode::DegradedPromoted || o.code == ExitCode::RunningPromoted)
                log.info("{}: {} ({})", action, o.reason, to_string(o.code));
            else
                log.error("{} failed: {} ({})", action, o.reason, to_string(o.code));
            std::string prefix = env.get_or("OCF_EXIT_REASON_PREFIX", "ocf-exit-reason:");
            if (io.reason) *io.reason = fit_exit_reason(o.reason, std::string::npos);
            // Fitted, so the cluster shows a whole start and a marker rather than Pacemaker's cut;
            // the log line above has it all. Written after the log line: Pacemaker takes the last
            // occurrence of the prefix anywhere in stderr.
            // Not fmt::print: it throws on a closed stream, and the code must still come back.
            std::string line = fmt::format("{}{}\n", prefix, fit_exit_reason(o.reason));
            if (std::fwrite(line.data(), 1, line.size(), io.err) != line.size()) std::clearerr(io.err);
            std::fflush(io.err);
        }
    }
    return static_cast<int>(o.code);
}

}  // namespace

int dispatch(Agent& agent, std::string_view action, const Env& env, CommandRunner& runner, Logger& log,
             ClusterAccess* cluster, DispatchIo io)
{
    const AgentSpec& spec = agent.spec();
    if (action == "meta-data") {
        std::string xml = render_metadata(spec, env.ocf_1_1() ? MetadataDialect::Ocf11 : MetadataDialect::Ocf10);
        std::fwrite(xml.data(), 1, xml.size(), io.out);
        std::fflush(io.out);
        return 0;
    }
    if (action == "usage" || action == "help") {
        print_usage(spec, io.out);
        return 0;
    }
    bool declared = spec.declares(action) || (action == "reload" && spec.declares("reload-agent"));
    if (!declared && !always_available(action))
        return finish({ExitCode::ErrUnimplemented, fmt::format("action '{}' is not supported by {}", action, spec.name)},
                      action, env, log, io);

    const bool probe = env.is_probe(action);
    try {
        Params params = Params::parse(spec, env);
        for (const auto& d : params.deprecated_used()) {
            const ParamSpec* p = spec.param(d);
            log.warn("parameter '{}' is deprecated; use '{}'", d, p ? p->replaced_by : "");
        }
        if (action != "stop") params.require_valid();

        Deadline deadline = Deadline::for_operation(env.op_timeout(), spec.advertised_timeout(action));
        TracingRunner traced(runner, log);
        std::unique_ptr<ClusterAccess> own_cluster;
        if (!cluster) {
            own_cluster = make_cluster_access(traced, env, log, deadline);
            cluster = own_cluster.get();
        }
        Context ctx{std::string(action), env, params, deadline, traced, log, *cluster, env.check_level(), probe};

        if (auto purpose = validate_before(action)) {
            Outcome v = agent.validate(ctx, *purpose);
            if (!v.ok()) {
                // A probe asks "is it running here?": where it cannot even be installed, it is not.
                if (probe && v.code == ExitCode::ErrInstalled) {
                    log.info("probe: {}; reporting not running", v.reason);
                    return static_cast<int>(ExitCode::NotRunning);
                }
                return finish(v, action, env, log, io);
            }
        }
        return finish(call(agent, ctx, action), action, env, log, io);
    } catch (const Failure& f) {
        if (probe && f.code == ExitCode::ErrInstalled) {
            log.info("probe: {}; reporting not running", f.reason);
            return static_cast<int>(ExitCode::NotRunning);
        }
        return finish({f.code, f.reason}, action, env, log, io);
    } catch (const std::exception& e) {
        return finish({ExitCode::ErrGeneric, fmt::format("internal error: {}", e.what())}, action, env, log, io);
    } catch (...) {
        return finish({ExitCode::ErrGeneric, "internal error: unknown exception"}, action, env, log, io);
    }
}

}  // namespace ocfkit
