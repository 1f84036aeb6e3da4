// Cluster access through Pacemaker's command-line tools, or a standalone stand-in.
#include "ocfkit/cluster.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <sstream>

#include <fmt/format.h>

namespace ocfkit {

namespace {

std::string trim(std::string s)
{
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
    std::size_t i = 0;
    while (i < s.size() && s[i] == ' ') ++i;
    return s.substr(i);
}

std::string uname_node()
{
    struct utsname u {};
    if (uname(&u) != 0) return "localhost";
    return u.nodename;
}

const char* lifetime_arg(AttrLifetime l) { return l == AttrLifetime::Reboot ? "reboot" : "forever"; }

// crm_attribute exits 105 (CRM_EX_NOSUCH) when the attribute does not exist.
constexpr int kNoSuch = 105;

class PacemakerCluster final : public ClusterAccess {
public:
    PacemakerCluster(CommandRunner& runner, const Env& env, Logger& log, const Deadline& deadline)
        : runner_(runner), env_(env), log_(log), deadline_(deadline)
    {
    }

    bool pacemaker() const override { return true; }

    std::string local_node() override
    {
        if (!node_.empty()) return node_;
        if (auto n = env_.meta("on_node"); n && !n->empty()) return node_ = *n;
        CommandResult r = run({"crm_node", "-n"});
        if (r.ok() && !trim(r.out).empty()) return node_ = trim(r.out);
        log_.warn("crm_node -n failed ({}); using the host name", r.describe());
        return node_ = uname_node();
    }

    std::optional<long long> promotion_score() override
    {
        CommandResult r = run(promotion_args({"-G", "-q"}));
        if (r.exited_with(kNoSuch) || !r.ok()) return std::nullopt;
        return parse_int(trim(r.out));
    }

    void set_promotion_score(long long score) override
    {
        if (promotion_score() == score) return;
        CommandResult r = run(promotion_args({"-v", std::to_string(score)}));
        if (!r.ok()) log_.warn("could not set the promotion score to {}: {}", score, r.describe());
    }

    void clear_promotion_score() override
    {
        if (!promotion_score()) return;
        CommandResult r = run(promotion_args({"-D"}));
        if (!r.ok()) log_.warn("could not clear the promotion score: {}", r.describe());
    }

    std::optional<std::string> node_attribute(std::string_view name, AttrLifetime lifetime) override
    {
        CommandResult r = run({"crm_attribute", "-N", local_node(), "-n", std::string(name), "-l",
                               lifetime_arg(lifetime), "-G", "-q"});
        if (!r.ok()) return std::nullopt;
        return trim(r.out);
    }

    void set_node_attribute(std::string_view name, std::string_view value, AttrLifetime lifetime) override
    {
        if (node_attribute(name, lifetime) == std::string(value)) return;
        CommandResult r = run({"crm_attribute", "-N", local_node(), "-n", std::string(name), "-l",
                               lifetime_arg(lifetime), "-v", std::string(value)});
        if (!r.ok()) log_.warn("could not set node attribute {}={}: {}", name, value, r.describe());
    }

    // Pacemaker 3.0.2 renamed stonith-enabled to fencing-enabled and reads the old name only while
    // the new one is unset; earlier releases know only stonith-enabled. A value Pacemaker cannot
    // read means its default, true. Where the two names give different answers, the running
    // release decides: crm_mon reports what its scheduler uses.
    std::optional<bool> fencing_enabled() override
    {
        const Setting current = boolean_property("fencing-enabled");
        if (current == Setting::Unreadable) return std::nullopt;
        const Setting legacy = boolean_property("stonith-enabled");
        if (legacy == Setting::Unreadable) return std::nullopt;
        const bool by_legacy = legacy != Setting::False;
        if (current == Setting::Unset || (current == Setting::True) == by_legacy) return by_legacy;
        log_.info("fencing-enabled={} and stonith-enabled={} differ; asking crm_mon which the cluster uses",
                  current == Setting::True, by_legacy);
        std::optional<parse::CrmMon> mon = status();
        if (!mon) return std::nullopt;
        return mon->fencing_enabled;
    }

    std::optional<parse::CrmMon> status() override
    {
        CommandResult r = run({"crm_mon", "-1", "--output-as=xml"});
        if (!r.ok()) {
            log_.warn("crm_mon failed: {}", r.describe());
            return std::nullopt;
        }
        try {
            return parse::parse_crm_mon(r.out);
        } catch (const parse::ParseError& e) {
            log_.warn("cannot read crm_mon output: {}", e.what());
            return std::nullopt;
        }
    }

private:
    enum class Setting { Unreadable, Unset, True, False };

    // A boolean cluster property as Pacemaker reads it: Unreadable when crm_attribute fails.
    Setting boolean_property(const std::string& name)
    {
        CommandResult r = run({"crm_attribute", "-t", "crm_config", "-n", name, "-G", "-q"});
        if (r.exited_with(kNoSuch)) return Setting::Unset;
        if (!r.ok()) return Setting::Unreadable;
        std::optional<bool> value = parse_bool(trim(r.out));
        if (!value)
            log_.warn("cluster property {}='{}' is not a boolean; Pacemaker uses its default, true", name, trim(r.out));
        return value.value_or(true) ? Setting::True : Setting::False;
    }

    std::vector<std::string> promotion_args(std::vector<std::string> tail)
    {
        std::vector<std::string> argv{"crm_attribute", "--promotion", "-N", local_node()};
        argv.insert(argv.end(), tail.begin(), tail.end());
        return argv;
    }

    CommandResult run(std::vector<std::string> argv)
    {
        CommandSpec spec;
        spec.argv = std::move(argv);
        spec.timeout = std::chrono::seconds(15);
        // crm_attribute --promotion names the resource through this variable.
        if (auto rsc = env_.get("OCF_RESOURCE_INSTANCE")) spec.env["OCF_RESOURCE_INSTANCE"] = *rsc;
        for (const char* v : {"CIB_file", "CIB_shadow", "PCMK_ipc_buffer"})
            if (auto x = env_.get(v)) spec.env[v] = *x;
        CommandResult r = runner_.run(spec, deadline_);
        log_.debug("{} -> {}", spec.display(), r.describe());
        return r;
    }

    CommandRunner& runner_;
    const Env& env_;
    Logger& log_;
    const Deadline& deadline_;
    std::string node_;
};

class StandaloneCluster final : public ClusterAccess {
public:
    explicit StandaloneCluster(const Env& env) : env_(env) {}
    bool pacemaker() const override { return false; }
    std::string local_node() override
    {
        if (auto n = env_.meta("on_node"); n && !n->empty()) return *n;
        return uname_node();
    }
    std::optional<long long> promotion_score() override { return std::nullopt; }
    void set_promotion_score(long long) override {}
    void clear_promotion_score() override {}
    std::optional<std::string> node_attribute(std::string_view, AttrLifetime) override { return std::nullopt; }
    void set_node_attribute(std::string_view, std::string_view, AttrLifetime) override {}
    std::optional<bool> fencing_enabled() override { return std::nullopt; }
    std::optional<parse::CrmMon> status() override { return std::nullopt; }

private:
    const Env& env_;
};

bool on_path(const std::string& program, const std::string& path)
{
    std::stringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        if (dir.empty()) continue;
        if (access((dir + "/" + program).c_str(), X_OK) == 0) return true;
    }
    return false;
}

}  // namespace

std::unique_ptr<ClusterAccess> make_pacemaker_cluster(CommandRunner& runner, const Env& env, Logger& log,
                                                      const Deadline& deadline)
{
    return std::make_unique<PacemakerCluster>(runner, env, log, deadline);
}

std::unique_ptr<ClusterAccess> make_standalone_cluster(const Env& env)
{
    return std::make_unique<StandaloneCluster>(env);
}

std::unique_ptr<ClusterAccess> make_cluster_access(CommandRunner& runner, const Env& env, Logger& log,
                                                   const Deadline& deadline)
{
    // OCFKIT_CLUSTER=standalone|pacemaker overrides detection (drbd-reactor, tests).
    std::string forced = env.get_or("OCFKIT_CLUSTER", "");
    if (forced == "standalone") return make_standalone_cluster(env);
    if (forced == "pacemaker") return make_pacemaker_cluster(runner, env, log, deadline);
    CommandSpec probe;
    probe.argv = {"crm_attribute"};
    bool under_pacemaker = env.meta("on_node").has_value() || env.get("PCMK_service").has_value() ||
                           env.get("CIB_file").has_value();
    if (under_pacemaker && on_path("crm_attribute", child_path(probe)))
        return make_pacemaker_cluster(runner, env, log, deadline);
    return make_standalone_cluster(env);
}

}  // namespace ocfkit
