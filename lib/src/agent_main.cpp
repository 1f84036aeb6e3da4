// main() support: the real environment, real processes, the real cluster.
#include <csignal>

#include "ocfkit/agent.h"
#include "ocfkit/process_runner.h"

namespace ocfkit {

int run_agent(Agent& agent, int argc, char** argv)
{
    // A closed stdout (the caller went away) must give an error, not kill us mid-operation.
    std::signal(SIGPIPE, SIG_IGN);
    ProcessEnv env;
    if (argc < 2) {
        Logger quiet;
        dispatch(agent, "usage", env, *make_process_runner(), quiet);
        return static_cast<int>(ExitCode::ErrArgs);
    }
    std::string_view action = argv[1];
    auto runner = make_process_runner();
    if (action == "meta-data" || action == "usage" || action == "help") {
        Logger quiet;  // meta-data needs nothing: no log files, no trace
        return dispatch(agent, action, env, *runner, quiet);
    }
    Logger log = Logger::from_env(env, agent.spec().name, action);
    return dispatch(agent, action, env, *runner, log);
}

}  // namespace ocfkit
