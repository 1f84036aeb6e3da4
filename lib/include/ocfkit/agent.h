// The Agent base every agent derives from, and the single dispatcher.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "ocfkit/cluster.h"
#include "ocfkit/command.h"
#include "ocfkit/deadline.h"
#include "ocfkit/env.h"
#include "ocfkit/exit_code.h"
#include "ocfkit/log.h"
#include "ocfkit/params.h"
#include "ocfkit/spec.h"

namespace ocfkit {

// Everything one operation may use. Owned by the dispatcher for the operation's lifetime.
struct Context {
    std::string action;
    const Env& env;
    const Params& params;
    const Deadline& deadline;
    CommandRunner& runner;
    Logger& log;
    ClusterAccess& cluster;
    int check_level = 0;   // OCF_CHECK_LEVEL for monitor/validate-all (as given; agents map it down)
    bool probe = false;    // monitor with interval 0
};

enum class ValidatePurpose {
    Explicit,  // the validate-all action: OCF_CHECK_LEVEL decides how deep
    Start,     // before start/promote/migrate: the environment too (level 10)
    Monitor,   // before monitor/demote: cheap, no programs (level 0)
};

class Agent {
public:
    virtual ~Agent() = default;
    virtual const AgentSpec& spec() const = 0;

    // Semantic validation beyond the table; the table's own checks already passed.
    virtual Outcome validate(Context& ctx, ValidatePurpose purpose) = 0;
    virtual Outcome start(Context& ctx) = 0;
    virtual Outcome stop(Context& ctx) = 0;
    virtual Outcome monitor(Context& ctx) = 0;

    virtual Outcome promote(Context&) { return ExitCode::ErrUnimplemented; }
    virtual Outcome demote(Context&) { return ExitCode::ErrUnimplemented; }
    virtual Outcome notify(Context&) { return ExitCode::ErrUnimplemented; }
    virtual Outcome migrate_to(Context&) { return ExitCode::ErrUnimplemented; }
    virtual Outcome migrate_from(Context&) { return ExitCode::ErrUnimplemented; }
    virtual Outcome reload_agent(Context&) { return ExitCode::ErrUnimplemented; }
    // Any other action the table declares.
    virtual Outcome other(Context&, std::string_view) { return ExitCode::ErrUnimplemented; }
};

struct DispatchIo {
    std::FILE* out = stdout;  // meta-data, usage
    std::FILE* err = stderr;  // the exit reason line, fitted to what Pacemaker keeps
    std::string* reason = nullptr;  // if set: the whole exit reason, one line (tests)
};

// The whole operation: the only place that catches Failure. `cluster` may be null: then it is
// made from the environment. Returns the process exit code.
int dispatch(Agent& agent, std::string_view action, const Env& env, CommandRunner& runner, Logger& log,
             ClusterAccess* cluster = nullptr, DispatchIo io = {});

// main() of an agent: real environment, real processes, real cluster.
int run_agent(Agent& agent, int argc, char** argv);

}  // namespace ocfkit
