// The production CommandRunner (Boost.Process lives only behind this header).
#pragma once

#include <chrono>
#include <memory>

#include "ocfkit/command.h"

namespace ocfkit {

struct ProcessRunnerOptions {
    // After the deadline: SIGTERM to the child's process group, this grace, then SIGKILL.
    std::chrono::milliseconds kill_grace{std::chrono::milliseconds(500)};
};

std::unique_ptr<CommandRunner> make_process_runner(ProcessRunnerOptions options = {});

}  // namespace ocfkit
