// Runs an agent's action in process through the real dispatcher and keeps what Pacemaker would
// see (exit code, stdout, stderr with the exit reason) plus the log; a cluster with set answers.
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "ocfkit/agent.h"
#include "ocfkit/cluster.h"
#include "ocfkit/command.h"
#include "ocfkit/env.h"

namespace ocfkit::test {

// Fencing state and Pacemaker presence as a test sets them; counts the fencing questions (they
// cost a cibadmin call in production). Scores and attributes are not kept.
class StubCluster final : public ClusterAccess {
public:
    std::optional<bool> fencing = true;
    bool under_pacemaker = true;
    std::string node = "node1";
    int fencing_asked = 0;

    bool pacemaker() const override { return under_pacemaker; }
    std::string local_node() override { return node; }
    std::optional<long long> promotion_score() override { return std::nullopt; }
    void set_promotion_score(long long) override {}
    void clear_promotion_score() override {}
    std::optional<std::string> node_attribute(std::string_view, AttrLifetime) override { return std::nullopt; }
    void set_node_attribute(std::string_view, std::string_view, AttrLifetime) override {}
    std::optional<bool> fencing_enabled() override
    {
        ++fencing_asked;
        return fencing;
    }
    std::optional<parse::CrmMon> status() override { return std::nullopt; }
};

struct ActionRun {
    int code = -1;
    std::string out;     // stdout: meta-data, usage
    std::string err;     // stderr: the exit reason line
    std::string reason;  // the last exit reason, without its prefix; empty when none
    std::string logs;    // what the agent logged
};

// `cluster` null: the dispatcher makes one from `env` (set OCFKIT_CLUSTER=standalone).
ActionRun run_action(Agent& agent, std::string_view action, const Env& env, CommandRunner& runner,
                     ClusterAccess* cluster = nullptr);

// Everything written to a temporary file, which is closed.
std::string read_and_close(std::FILE* f);
// The reason of the last "ocf-exit-reason:" line of stderr text; empty when there is none.
std::string exit_reason(std::string_view err);

}  // namespace ocfkit::test
