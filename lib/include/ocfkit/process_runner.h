// The production CommandRunner (Boost.Process lives only behind this header).
#pragma once

#include <chrono>
#include <memory>

#include "ocfkit/command.h"

namespace ocfkit {

struct ProcessRunnerOptions {
    // After the deadline: SIGTERM to the child's process group, this grace, then SIGKILL.
    std::chrono::milliseconds kill_grace{std::chrono::milliseconds(500)};
    // After SIGKILL: how long the child may take to become reapable before it is left behind
    // (a process in uninterruptible sleep dies only when it wakes).
    std::chrono::milliseconds reap_grace{std::chrono::milliseconds(200)};
    // Wait for the child's exit on a pidfd; off, the fallback for kernels before 5.3 (tests).
    bool use_pidfd = true;
};

std::unique_ptr<CommandRunner> make_process_runner(ProcessRunnerOptions options = {});

}  // namespace ocfkit
