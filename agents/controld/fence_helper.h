// Whether the programs dlm_controld runs to fence a node can run here: found on PATH, and every
// shared library they name (linked or dlopen'd) found where the dynamic loader looks.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ocfkit/env.h"

namespace ocfkit::controld {

// Directories the dynamic loader searches: /etc/ld.so.conf (with its include lines) and the
// built-in ones. `root` ("" for the real host) prefixes every path, for tests.
std::vector<std::string> loader_dirs(const std::string& root);

// The first problem with the fence agents dlm_controld would use with these options, as an
// exit reason; nothing when they can run. A script agent is checked only for being found.
std::optional<std::string> fence_agent_problem(const Env& env, const std::vector<std::string>& daemon_args);

}  // namespace ocfkit::controld
