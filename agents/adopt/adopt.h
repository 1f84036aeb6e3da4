// `ocfkit adopt plan|apply|revert`: moves running resources between the stock agents and ocfkit's
// without stopping them, through Pacemaker's own tools only (cibadmin, crm_resource, crm_mon,
// crm_attribute, crm_diff).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "ocfkit/command.h"

namespace ocfkit::adopt {

// Exit codes of the command.
enum class Exit {
    Ok = 0,           // everything found converts / was converted (or reverted) and verified
    SomeStay = 1,     // resources stay on their stock agents (the others converted and verified)
    Usage = 2,
    Refused = 3,      // nothing changed: the cluster is not fit, or the CIB changed underneath
    Restored = 4,     // a probe disagreed: everything was put back and is managed again
    Attention = 5,    // could not verify or put back: the cluster is left in maintenance mode
    Error = 6,        // a tool failed before anything changed
};

struct Options {
    bool json = false;
    std::string cib_file;                 // plan: read this file instead of the live CIB
    std::string save_dir = "/var/lib/ocfkit/adopt";
    std::chrono::seconds timeout{600};    // apply/revert as a whole
    std::vector<std::string> only;        // restrict to these resource ids
    bool force = false;                   // revert resources changed since apply
    std::string provider = "custom";
    bool validate = true;                 // run our agents' validate-all on this node first
    std::string ocf_root = "/usr/lib/ocf";
};

using Output = std::function<void(const std::string&)>;

int run_plan(CommandRunner& runner, const Options& options, const Output& out, const Output& err);
int run_apply(CommandRunner& runner, const Options& options, const Output& out, const Output& err);
int run_revert(CommandRunner& runner, const Options& options, const std::string& saved_file, const Output& out,
               const Output& err);

// Set by SIGINT/SIGTERM: waits stop and the cluster is put back.
void request_interrupt();
// Clears it (tests run several commands in one process).
void clear_interrupt();

}  // namespace ocfkit::adopt
