// Test set-up helpers for the virtdomain decision tests.
#include "support.h"

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

#include "agent_run.h"

namespace ocfkit::virtdomain::test {

TempDir::TempDir()
{
    std::string tmpl = (std::filesystem::temp_directory_path() / "ocfkit-vd-test.XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path = tmpl;
}

TempDir::~TempDir()
{
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
}

std::string domain_xml(const std::string& name, const std::string& uuid, const std::string& devices)
{
    std::string u = uuid.empty() ? "" : fmt::format("  <uuid>{}</uuid>\n", uuid);
    return fmt::format("<domain type='qemu'>\n  <name>{}</name>\n{}  <memory unit='MiB'>64</memory>\n  <vcpu>1</vcpu>\n"
                       "  <os><type arch='x86_64'>hvm</type></os>\n  <devices>{}</devices>\n</domain>\n",
                       name, u, devices);
}

void write_file(const std::string& path, const std::string& text)
{
    std::ofstream out(path, std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + path);
}

RunResult run_action(Agent& agent, const std::string& action, std::map<std::string, std::string> vars,
                     const TempDir& tmp, CommandRunner* runner)
{
    vars.try_emplace("OCFKIT_CLUSTER", "standalone");
    vars.try_emplace("HA_RSCTMP", tmp.file("rsctmp"));
    vars.try_emplace("OCF_RESOURCE_INSTANCE", "vm");
    MapEnv env;
    for (const auto& [k, v] : vars) env.set(k, v);
    FakeRunner fallback;
    auto t0 = std::chrono::steady_clock::now();
    ocfkit::test::ActionRun run = ocfkit::test::run_action(agent, action, env, runner ? *runner : fallback);
    RunResult out;
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    out.code = run.code;
    out.reason = std::move(run.reason);
    out.reason_line = std::move(run.reason_line);
    out.log = std::move(run.logs);
    return out;
}

}  // namespace ocfkit::virtdomain::test
