// ocfkit: the command-line companion of the agents. `ocfkit adopt` moves running resources
// between the stock agents and ocfkit's without stopping them (see adopt.h, ocfkit(8)).
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "adopt.h"
#include "ocfkit/env.h"
#include "ocfkit/process_runner.h"
#include "ocfkit_config.h"

using namespace ocfkit::adopt;

namespace {

const char* kUsage =
    "usage: ocfkit adopt plan [--json] [--cib-file FILE] [--provider NAME] [--no-validate] [RESOURCE...]\n"
    "       ocfkit adopt apply [--timeout SECONDS] [--save-dir DIR] [--provider NAME] [--no-validate] [RESOURCE...]\n"
    "       ocfkit adopt revert [--force] [--timeout SECONDS] [--save-dir DIR] [--provider NAME] FILE [RESOURCE...]\n"
    "       ocfkit --version\n";

void on_signal(int) { request_interrupt(); }

int usage(const std::string& why)
{
    if (!why.empty()) fmt::print(stderr, "ocfkit: {}\n", why);
    fmt::print(stderr, "{}", kUsage);
    return static_cast<int>(Exit::Usage);
}

}  // namespace

int main(int argc, char** argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.size() == 1 && (args[0] == "--version" || args[0] == "version")) {
        fmt::print("ocfkit {}\n", OCFKIT_VERSION);
        return 0;
    }
    if (args.size() == 1 && (args[0] == "--help" || args[0] == "help" || args[0] == "-h")) {
        fmt::print("{}", kUsage);
        return 0;
    }
    if (args.size() < 2 || args[0] != "adopt") return usage(args.empty() ? "" : "unknown command " + args[0]);
    std::string verb = args[1];
    if (verb != "plan" && verb != "apply" && verb != "revert") return usage("unknown adopt command " + verb);
    Options o;
    o.provider = OCFKIT_PROVIDER;
    if (const char* root = std::getenv("OCF_ROOT"); root && *root) o.ocf_root = root;
    std::vector<std::string> rest;
    for (std::size_t i = 2; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&](const char* name) -> std::optional<std::string> {
            std::string prefix = std::string(name) + "=";
            if (a.rfind(prefix, 0) == 0) return a.substr(prefix.size());
            if (a == name && i + 1 < args.size()) return args[++i];
            return std::nullopt;
        };
        if (a == "--json" && verb == "plan") {
            o.json = true;
        } else if (a == "--no-validate" && verb != "revert") {
            o.validate = false;
        } else if (a == "--force" && verb == "revert") {
            o.force = true;
        } else if (a.rfind("--cib-file", 0) == 0 && verb == "plan") {
            auto v = value("--cib-file");
            if (!v) return usage("--cib-file needs a file");
            o.cib_file = *v;
        } else if (a.rfind("--provider", 0) == 0) {
            auto v = value("--provider");
            if (!v || v->empty()) return usage("--provider needs the OCF provider name of ocfkit's agents");
            o.provider = *v;
        } else if (a.rfind("--save-dir", 0) == 0 && verb != "plan") {
            auto v = value("--save-dir");
            if (!v || v->empty()) return usage("--save-dir needs a directory");
            o.save_dir = *v;
        } else if (a.rfind("--timeout", 0) == 0 && verb != "plan") {
            auto v = value("--timeout");
            auto n = v ? ocfkit::parse_int(*v) : std::nullopt;
            if (!n || *n < 10 || *n > 86400) return usage("--timeout needs seconds (10 to 86400)");
            o.timeout = std::chrono::seconds(*n);
        } else if (a.rfind("--", 0) == 0) {
            return usage("unknown option " + a);
        } else {
            rest.push_back(a);
        }
    }
    std::string saved;
    if (verb == "revert") {
        if (rest.empty()) return usage("revert needs the file apply saved");
        saved = rest.front();
        rest.erase(rest.begin());
    }
    o.only = rest;

    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    auto runner = ocfkit::make_process_runner();
    Output out = [](const std::string& s) {
        fmt::print("{}{}", s, !s.empty() && s.back() == '\n' ? "" : "\n");
        std::fflush(stdout);
    };
    Output err = [](const std::string& s) {
        fmt::print(stderr, "{}{}", s, !s.empty() && s.back() == '\n' ? "" : "\n");
        std::fflush(stderr);
    };
    if (verb == "plan") return run_plan(*runner, o, out, err);
    if (verb == "apply") return run_apply(*runner, o, out, err);
    return run_revert(*runner, o, saved, out, err);
}
