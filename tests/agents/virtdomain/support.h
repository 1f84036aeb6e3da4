// Shared set-up for the virtdomain decision tests: a temp dir, domain XML files, and one
// dispatcher run with its exit code, exit reason and log.
#pragma once

#include <cstdio>
#include <filesystem>
#include <map>
#include <string>

#include "ocfkit/agent.h"
#include "virtdomain_agent.h"

namespace ocfkit::virtdomain::test {

struct TempDir {
    std::filesystem::path path;
    TempDir();
    ~TempDir();
    std::string file(const std::string& name) const { return (path / name).string(); }
};

// A minimal domain XML; uuid may be empty.
std::string domain_xml(const std::string& name, const std::string& uuid, const std::string& devices = "");
void write_file(const std::string& path, const std::string& text);

struct RunResult {
    int code = -1;
    std::string reason;       // the whole exit reason
    std::string reason_line;  // the ocf-exit-reason line without its prefix (fitted: what the cluster shows)
    std::string log;
    double seconds = 0;
};

// One operation through the real dispatcher. `vars` are environment variables; the defaults
// (standalone cluster, HA_RSCTMP in `tmp`, instance "vm") are added unless given.
RunResult run_action(Agent& agent, const std::string& action, std::map<std::string, std::string> vars,
                     const TempDir& tmp, CommandRunner* runner = nullptr);

}  // namespace ocfkit::virtdomain::test
