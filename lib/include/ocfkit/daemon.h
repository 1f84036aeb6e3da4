// Local daemons an agent starts, asks and stops (dlm_controld, lvmlockd, clvmd, cmirrord): the
// tool command, one question through the daemon's client, waiting until it is ready or gone.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocfkit/command.h"
#include "ocfkit/deadline.h"
#include "ocfkit/env.h"
#include "ocfkit/host.h"
#include "ocfkit/pinned_process.h"

namespace ocfkit {

// A tool run on this host: PATH from tool_path(env), and OCFKIT_HOST_ROOT passed on so that
// fake tools in tests act on the same scratch host as the agent.
CommandSpec host_command(const Env& env, std::vector<std::string> argv, std::chrono::milliseconds timeout);

// One question to `daemon` through its client program (dlm_tool status, lvmlockctl -i).
// answered: the client exited 0 and `out` is its output. Otherwise `problem` says why ("'...'
// got no answer within 2.0 s", "'...' cannot connect to <daemon>" when `unreachable` recognises
// the client's text on stdout or stderr, or the failure). A client that cannot be started
// throws Failure (ErrInstalled, ErrPerm).
struct ClientAnswer {
    bool answered = false;
    std::string out;
    std::string problem;
};
ClientAnswer ask_client(CommandRunner& runner, const CommandSpec& spec, const Deadline& deadline,
                        std::string_view daemon, bool (*unreachable)(std::string_view output));

// Polls a daemon just launched until `ready(problem)` holds (pauses from 100 ms doubling to 1 s),
// bounded by the deadline (the last question still gets 0.5 s). Throws Failure(ErrGeneric) when the daemon exits first ("<comm> (pid
// N) exited during start before it was ready; see its log" + `exit_hint`) or the deadline comes
// ("<comm> did not become ready within 4.2 s: <last problem>").
struct ReadyDaemon {
    int pid = 0;
    std::chrono::milliseconds after{0};
};
ReadyDaemon wait_until_ready(const HostPaths& paths, const std::string& pidfile, std::string_view comm,
                             const Deadline& deadline, const std::function<bool(std::string& problem)>& ready,
                             std::string_view exit_hint = {});

// A daemon found as find_daemon finds it and pinned in the same step: stop signals it and waits
// for it through `process`, which never reaches a process that got its pid later.
struct RunningDaemon {
    int pid = 0;
    bool from_pidfile = false;
    PinnedProcess process;
};
std::optional<RunningDaemon> find_running_daemon(const HostPaths& paths, const std::string& pidfile,
                                                 std::string_view comm);

// "4.2 s", for messages about waits.
std::string seconds_text(std::chrono::milliseconds duration);

}  // namespace ocfkit
