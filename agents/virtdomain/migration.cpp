// Migration planning: target URI, data channel URI, flags from virsh-style migrate_options.
#include "migration.h"

#include <cctype>
#include <charconv>
#include <vector>

#include <fmt/format.h>

#include "ocfkit/parse/text.h"

namespace ocfkit::virtdomain {

namespace {

std::vector<std::string> words(std::string_view text)
{
    std::vector<std::string> out;
    for (auto w : parse::split_any(text, " \t\n\r\f\v")) out.emplace_back(w);
    return out;
}

struct ParsedOptions {
    MigrateRequest flags;
    std::string migrateuri;
    std::optional<unsigned long long> bandwidth;
    std::string error;
};

constexpr std::string_view kSupported =
    "--live --p2p --tunnelled --persistent --undefinesource --suspend --copy-storage-all --copy-storage-inc "
    "--change-protection --unsafe --compressed --auto-converge --rdma-pin-all --abort-on-error --tls --parallel "
    "--parallel-connections=N --migrateuri=URI --listen-address=ADDR --bandwidth=MiB/s --verbose";

ParsedOptions parse_options(std::string_view text)
{
    ParsedOptions p;
    std::vector<std::string> w = words(text);
    for (std::size_t i = 0; i < w.size(); ++i) {
        std::string opt = w[i];
        std::string value;
        bool has_value = false;
        if (auto eq = opt.find('='); eq != std::string::npos) {
            value = opt.substr(eq + 1);
            opt = opt.substr(0, eq);
            has_value = true;
        }
        auto take_value = [&]() -> bool {
            if (has_value) return true;
            if (i + 1 >= w.size()) return false;
            value = w[++i];
            return true;
        };
        MigrateRequest& f = p.flags;
        if (opt == "--live" || opt == "--verbose") continue;  // always live; progress is not shown anyway
        if (opt == "--p2p") f.peer2peer = true;
        else if (opt == "--tunnelled") f.tunnelled = true;
        else if (opt == "--persistent") f.persist_dest = true;
        else if (opt == "--undefinesource") f.undefine_source = true;
        else if (opt == "--suspend") f.paused_on_dest = true;
        else if (opt == "--copy-storage-all") f.copy_storage_all = true;
        else if (opt == "--copy-storage-inc") f.copy_storage_inc = true;
        else if (opt == "--change-protection") f.change_protection = true;
        else if (opt == "--unsafe") f.unsafe = true;
        else if (opt == "--compressed") f.compressed = true;
        else if (opt == "--auto-converge") f.auto_converge = true;
        else if (opt == "--rdma-pin-all") f.rdma_pin_all = true;
        else if (opt == "--abort-on-error") f.abort_on_error = true;
        else if (opt == "--tls") f.tls = true;
        else if (opt == "--parallel") f.parallel = true;
        else if (opt == "--migrateuri" || opt == "--listen-address" || opt == "--parallel-connections" || opt == "--bandwidth") {
            if (!take_value() || value.empty()) {
                p.error = fmt::format("option '{}' needs a value", opt);
                return p;
            }
            if (opt == "--migrateuri") {
                p.migrateuri = value;
            } else if (opt == "--listen-address") {
                f.listen_address = value;
            } else {
                long long n = 0;
                auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
                if (ec != std::errc() || ptr != value.data() + value.size() || n <= 0 || n > 1000000) {
                    p.error = fmt::format("option '{}' needs a positive number, not '{}'", opt, value);
                    return p;
                }
                if (opt == "--parallel-connections")
                    f.parallel_connections = static_cast<int>(n);
                else
                    p.bandwidth = static_cast<unsigned long long>(n);
            }
        } else {
            p.error = fmt::format("unknown option '{}' (supported: {})", w[i], kSupported);
            return p;
        }
        if (has_value && opt != "--migrateuri" && opt != "--listen-address" && opt != "--parallel-connections" &&
            opt != "--bandwidth") {
            p.error = fmt::format("option '{}' takes no value", opt);
            return p;
        }
    }
    if (p.flags.tunnelled && !p.flags.peer2peer) p.error = "--tunnelled needs --p2p";
    if (p.flags.copy_storage_all && p.flags.copy_storage_inc)
        p.error = "--copy-storage-all and --copy-storage-inc exclude each other";
    return p;
}

}  // namespace

std::optional<std::string> migrate_options_problem(std::string_view options)
{
    ParsedOptions p = parse_options(options);
    if (!p.error.empty()) return p.error;
    return std::nullopt;
}

PlanResult plan_migration(const MigrationSettings& s, std::string_view target_node)
{
    auto bad = [](std::string param, std::string error) { return PlanResult{std::nullopt, std::move(param), std::move(error)}; };
    if (target_node.empty())
        return bad("CRM_meta_migrate_target", "Pacemaker did not name the migration target (OCF_RESKEY_CRM_meta_migrate_target is unset)");

    ParsedOptions opts = parse_options(s.options);
    if (!opts.error.empty()) return bad("migrate_options", opts.error);

    MigrationPlan plan;
    plan.request = opts.flags;
    plan.target = s.network_suffix.empty() ? std::string(target_node) : with_network_suffix(target_node, s.network_suffix);

    if (!s.remoteuri.empty()) {
        std::string uri = substitute_node(s.remoteuri, target_node);
        UriResult parsed = parse_libvirt_uri(uri);
        if (!parsed.uri) return bad("remoteuri", parsed.error);
        plan.request.dest_uri = uri;
        plan.target = parsed.uri->host;
    } else {
        if (!s.transport.empty() && !known_transport(s.transport))
            return bad("migration_transport", fmt::format("unknown transport '{}'", s.transport));
        plan.request.dest_uri = remote_uri(s.hypervisor, s.transport, s.user, plan.target);
    }

    if (!s.migrateuri.empty())
        plan.request.migrate_uri = substitute_node(s.migrateuri, target_node);
    else if (!opts.migrateuri.empty())
        plan.request.migrate_uri = substitute_node(opts.migrateuri, target_node);
    else if (!s.network_suffix.empty() && s.hypervisor.driver == "qemu")
        plan.request.migrate_uri = s.migrateport ? fmt::format("tcp://{}:{}", plan.target, *s.migrateport)
                                                 : fmt::format("tcp://{}", plan.target);

    if (s.speed_mib_s < 0) return bad("migration_speed", "must not be negative");
    if (s.downtime_ms < 0) return bad("migration_downtime", "must not be negative");
    plan.request.bandwidth_mib_s = s.speed_mib_s > 0 ? static_cast<unsigned long long>(s.speed_mib_s) : opts.bandwidth.value_or(0);
    plan.downtime_ms = static_cast<unsigned long long>(s.downtime_ms);

    // A persistent resource stays defined where it runs, and only there.
    if (s.persistent) {
        plan.request.persist_dest = true;
        plan.request.undefine_source = true;
    }
    return {std::move(plan), {}, {}};
}

}  // namespace ocfkit::virtdomain
