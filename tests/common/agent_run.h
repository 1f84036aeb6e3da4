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
    std::string err;          // stderr: the exit reason line, fitted to what Pacemaker keeps
    std::string reason;       // the whole exit reason (the dispatcher hands it over); empty when none
    std::string reason_line;  // the last exit reason line's text, without its prefix: what the cluster shows
    std::string logs;    // what the agent logged
};

// `cluster` null: the dispatcher makes one from `env` (set OCFKIT_CLUSTER=standalone).
ActionRun run_action(Agent& agent, std::string_view action, const Env& env, CommandRunner& runner,
                     ClusterAccess* cluster = nullptr);

// Everything written to a temporary file, which is closed.
std::string read_and_close(std::FILE* f);
// The reason of the last "ocf-exit-reason:" line of stderr text; empty when there is none.
std::string exit_reason(std::string_view err);
// For an agent run as a process: the whole reason. A shortened exit reason line is completed
// from the dispatcher's log line before it ("ERROR: start failed: <reason> (OCF_...)").
std::string full_exit_reason(std::string_view err);
// With OCFKIT_TEST_REASONS=<file>: appends "<bytes>\t<reason>" there, to survey the reasons the
// tests produce (which ones the cluster would see shortened).
void record_reason(std::string_view reason);

}  // namespace ocfkit::test
