// Test harness for the dlmlvm fake tools: a scratch host root (run/, sys/, dev/, fake/), the
// agent executable run as Pacemaker would run it, and cleanup of every fake daemon started.
#pragma once

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ocfkit/command.h"
#include "ocfkit/deadline.h"
#include "ocfkit/host.h"
#include "ocfkit/process_runner.h"

#include "agent_run.h"

namespace dlmlvm_test {

namespace fs = std::filesystem;

inline std::string env_or(const char* name, const std::string& fallback)
{
    const char* v = std::getenv(name);
    return v ? v : fallback;
}

struct AgentRun {
    int rc = -1;
    std::string out, err;
    std::chrono::milliseconds elapsed{0};
    std::string reason;       // the whole exit reason (a shortened line completed from the log line)
    std::string reason_line;  // the last ocf-exit-reason line, without the prefix: what the cluster shows
};

class FakeHost {
public:
    explicit FakeHost(std::string agent_exe) : agent_(std::move(agent_exe))
    {
        char tmpl[] = "/tmp/dlmlvm-test-XXXXXX";
        char* dir = ::mkdtemp(tmpl);
        if (!dir) throw std::runtime_error("mkdtemp failed");
        root_ = dir;
        fs::create_directories(root_ + "/run");
        fs::create_directories(root_ + "/sys/kernel/config/dlm/cluster");
        fs::create_directories(root_ + "/dev/misc");
        fs::create_directories(root_ + "/fake");
        fake_tools_ = env_or("OCFKIT_SOURCE_ROOT", ".") + "/tests/fake-tools/dlmlvm";
        // Without the fakes first on PATH the agents would start the real daemons.
        if (!fs::exists(fake_tools_ + "/common.sh"))
            throw std::runtime_error("fake tools not found at " + fake_tools_ + " (set OCFKIT_SOURCE_ROOT)");
        base_env_ = {
            {"PATH", fake_tools_ + ":/usr/sbin:/usr/bin:/sbin:/bin"},
            {"OCFKIT_HOST_ROOT", root_},
            {"OCF_ROOT", "/usr/lib/ocf"},
            {"OCF_RESOURCE_INSTANCE", "test-rsc"},
            {"OCFKIT_CLUSTER", "standalone"},
            {"OCF_RESKEY_CRM_meta_on_node", "node1"},
        };
        if (std::getenv("DLMLVM_DEBUG")) base_env_["HA_DEBUG"] = "1";
    }
    ~FakeHost()
    {
        kill_daemons();
        std::error_code ec;
        if (!std::getenv("DLMLVM_KEEP_ROOT")) fs::remove_all(root_, ec);
    }
    FakeHost(const FakeHost&) = delete;
    FakeHost& operator=(const FakeHost&) = delete;

    const std::string& root() const { return root_; }
    std::string fake(const std::string& name) const { return root_ + "/fake/" + name; }
    std::string path(const std::string& rel) const { return root_ + "/" + rel; }

    void set(const std::string& key, const std::string& value) { base_env_[key] = value; }
    void unset(const std::string& key) { base_env_.erase(key); }
    void param(const std::string& name, const std::string& value) { base_env_["OCF_RESKEY_" + name] = value; }

    void knob(const std::string& name, const std::string& value = "") const
    {
        std::ofstream(fake(name)) << value;
    }
    void clear_knob(const std::string& name) const { fs::remove(fake(name)); }

    // One agent action with the host's environment plus extras (e.g. interval, timeout).
    AgentRun run(const std::string& action, std::map<std::string, std::string> extra = {},
                 std::chrono::milliseconds timeout = std::chrono::seconds(60)) const
    {
        ocfkit::CommandSpec c;
        c.argv = {agent_, action};
        c.env = base_env_;
        for (auto& [k, v] : extra) c.env[k] = v;
        if (!c.env.count("OCF_RESKEY_CRM_meta_timeout"))
            c.env["OCF_RESKEY_CRM_meta_timeout"] = std::to_string(timeout.count());
        c.timeout = timeout + std::chrono::seconds(5);
        auto runner = ocfkit::make_process_runner();
        auto deadline = ocfkit::Deadline::after(c.timeout + std::chrono::seconds(1));
        ocfkit::CommandResult r = runner->run(c, deadline);
        if (std::getenv("DLMLVM_DEBUG"))
            std::fprintf(stderr, "--- %s %s -> %s\n%s%s", agent_.c_str(), action.c_str(), r.describe().c_str(),
                         r.out.c_str(), r.err.c_str());
        AgentRun a;
        a.rc = r.status == ocfkit::CommandResult::Status::Exited ? r.exit_code : -100 - r.signal;
        a.out = r.out;
        a.err = r.err;
        a.elapsed = r.elapsed;
        a.reason_line = ocfkit::test::exit_reason(r.err);
        // Pacemaker keeps no more of it: every run checks the dispatcher's fitting.
        if (a.reason_line.size() > ocfkit::kExitReasonMax)
            throw std::runtime_error("exit reason line longer than Pacemaker keeps: " + a.reason_line);
        a.reason = ocfkit::test::full_exit_reason(r.err);
        ocfkit::test::record_reason(a.reason);
        return a;
    }

    // Runs a fake tool directly (e.g. to have a fake daemon running before the agent acts).
    ocfkit::CommandResult tool(std::vector<std::string> argv) const
    {
        ocfkit::CommandSpec c;
        argv[0] = fake_tools_ + "/" + argv[0];
        c.argv = std::move(argv);
        c.env = base_env_;
        c.timeout = std::chrono::seconds(20);
        auto runner = ocfkit::make_process_runner();
        return runner->run(c, ocfkit::Deadline::after(std::chrono::seconds(30)));
    }
    // Waits for a condition, polling, up to `limit`.
    template <typename Pred>
    static bool eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(5))
    {
        auto until = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < until) {
            if (pred()) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(25));
        }
        return pred();
    }

    // Lines of the fakes' call log, optionally only those of one tool.
    std::vector<std::string> calls(const std::string& tool = "") const
    {
        std::vector<std::string> out;
        std::ifstream in(fake("calls.log"));
        for (std::string line; std::getline(in, line);)
            if (tool.empty() || line.rfind(tool + " ", 0) == 0 || line == tool) out.push_back(line);
        return out;
    }
    void clear_calls() const
    {
        std::ofstream(fake("calls.log"), std::ios::trunc);
        std::ofstream(fake("lvmlockctl.answered"), std::ios::trunc);  // line numbers into calls.log
    }

    std::optional<int> daemon_pid(const std::string& pidfile_rel, const std::string& comm) const
    {
        auto d = ocfkit::find_daemon("/proc", path(pidfile_rel), comm);
        if (!d || !d->from_pidfile) return std::nullopt;
        return d->pid;
    }

    // A kernel lockspace in the fake sysfs, optionally held open by a real process (as a
    // userspace lockspace's device is); returns the holder's pid.
    int add_lockspace(const std::string& name, bool with_holder, const std::string& holder_comm = "lockholder")
    {
        fs::create_directories(path("sys/kernel/dlm/" + name));
        if (!with_holder) return 0;
        std::string dev = path("dev/misc/dlm_" + name);
        std::ofstream(dev).flush();
        std::string script = path("fake/" + holder_comm);
        std::ofstream(script) << "#!/bin/bash\nexec 7<>\"$1\"\nwhile :; do sleep 0.2 7<&-; done\n";
        fs::permissions(script, fs::perms::owner_all);
        pid_t pid = ::fork();
        if (pid == 0) {
            ::setsid();
            ::setenv("OCFKIT_HOST_ROOT", root_.c_str(), 1);
            ::execl(script.c_str(), script.c_str(), dev.c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
        holders_.push_back(pid);
        // wait until it holds the device open
        for (int i = 0; i < 100; ++i) {
            if (!ocfkit::processes_with_open("/proc", dev).empty()) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return pid;
    }

    // Ends every process started for this root: fake daemons and lockspace holders.
    void kill_daemons()
    {
        for (pid_t p : holders_) {
            ::kill(p, SIGKILL);
        }
        for (pid_t p : holders_) {
            int st = 0;
            ::waitpid(p, &st, 0);
        }
        holders_.clear();
        const std::string marker = "OCFKIT_HOST_ROOT=" + root_;
        for (int round = 0; round < 2; ++round) {
            for (const auto& name : ocfkit::list_dir("/proc")) {
                if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
                int pid = std::stoi(name);
                if (pid == ::getpid()) continue;
                auto environ = ocfkit::read_small_file("/proc/" + name + "/environ", 1 << 20);
                if (!environ) continue;
                std::string_view e = *environ;
                bool ours = false;
                std::size_t pos = 0;
                while (pos < e.size()) {
                    auto end = e.find('\0', pos);
                    if (end == std::string_view::npos) end = e.size();
                    if (e.substr(pos, end - pos) == marker) ours = true;
                    pos = end + 1;
                }
                if (ours) ::kill(pid, SIGKILL);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }

    bool alive(int pid) const { return ocfkit::process_state("/proc", pid) == ocfkit::ProcessState::Running; }

private:
    std::string agent_;
    std::string root_;
    std::string fake_tools_;
    std::map<std::string, std::string> base_env_;
    std::vector<pid_t> holders_;
};

}  // namespace dlmlvm_test
