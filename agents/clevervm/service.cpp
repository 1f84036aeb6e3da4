// clevervm's Service: its tools (crm_mon, cibadmin, crm_node), the checks every command makes, and
// the command-line dispatcher. The commands themselves live in service_*.cpp, one concern each.
#include "service.h"

#include <thread>

#include <fmt/format.h>

#include "ocfkit/parse/text.h"

namespace ocfkit::clevervm {

std::string usage_text()
{
    return "usage: clevervm [--config FILE] COMMAND [ARGS]\n"
           "  status [--json]      cluster, resources, failures, DRBD storage and guests (exit 0 running,\n"
           "                       3 stopped, 4 unknown: the guests on this node)\n"
           "  start | stop [--from-init]\n"
           "                       start / hibernate (managed save) the guests here, directly through libvirt;\n"
           "                       --from-init: at boot or shutdown, leave Pacemaker's guests to Pacemaker\n"
           "  restart              stop, then start\n"
           "  forcestart | forcestop [--no-wait]\n"
           "                       start / stop the guests through Pacemaker (target-role Started/Stopped)\n"
           "  cleanup [--no-wait] [RESOURCE...]\n"
           "                       clear Pacemaker's failure records (all resources when none is named)\n"
           "  migrate [--no-wait]  move the promoted DRBD and what depends on it away from this node and\n"
           "                       ban this node from the promoted role\n"
           "  unmigrate            remove that ban (stickiness keeps services where they are)\n";
}

Service::Service(Config config, CommandRunner& runner, Hypervisor& hypervisor, HostView& host, Io io, Sleep sleep)
    : config_(std::move(config)), runner_(runner), hv_(hypervisor), host_(host), io_(io), sleep_(std::move(sleep))
{
    if (!sleep_) sleep_ = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
}

void Service::say(const std::string& line) { fmt::print(io_.out, "{}\n", line); }
void Service::warn(const std::string& line) { fmt::print(io_.err, "clevervm: {}\n", line); }

CommandResult Service::run_tool(std::vector<std::string> argv, std::chrono::seconds timeout)
{
    CommandSpec spec;
    spec.argv = std::move(argv);
    spec.timeout = timeout;
    // Pacemaker's tools honour these to work on a file or a shadow CIB.
    spec.inherit_env = false;
    return runner_.run(spec, Deadline::after(timeout));
}

// A Pacemaker tool that must succeed: a missing tool is 5, a failure names the command.
CommandResult Service::run_pacemaker_tool(std::vector<std::string> argv)
{
    CommandSpec spec;
    spec.argv = argv;
    CommandResult r = run_tool(std::move(argv));
    if (r.status == CommandResult::Status::NotStarted)
        throw CommandError(Lsb::NotInstalled, failure_message(spec, r));
    if (!r.ok()) throw CommandError(Lsb::Generic, failure_message(spec, r));
    return r;
}

Service::MonRead Service::read_mon()
{
    MonRead m;
    CommandResult r = run_tool({"crm_mon", "-1", "--output-as=xml"}, std::chrono::seconds(30));
    if (r.status == CommandResult::Status::NotStarted) {
        m.not_installed = true;
        m.error = "crm_mon is not installed (Pacemaker's CLI tools)";
        return m;
    }
    if (r.status != CommandResult::Status::Exited) {
        m.error = fmt::format("crm_mon: {}", r.describe());
        return m;
    }
    // A failed crm_mon still writes XML whose <status> says why.
    try {
        m.mon = parse::parse_crm_mon(r.out);
        m.xml = std::move(r.out);
    } catch (const parse::ParseError& e) {
        std::string what = e.what();
        // A failed crm_mon's own <status> message: where it sits in the XML does not matter.
        if (!r.ok() && what.starts_with("line ") && what.find(": ") != std::string::npos) what = what.substr(what.find(": ") + 2);
        m.error = r.out.empty() ? fmt::format("crm_mon: {}: {}", r.describe(), one_line(r.err)) : what;
    }
    return m;
}

const Service::MonRead& Service::mon()
{
    if (!mon_) mon_ = read_mon();
    return *mon_;
}

std::optional<std::vector<CibPrimitive>> Service::read_cib(std::string& error)
{
    CommandResult r = run_tool({"cibadmin", "--query", "--scope", "resources"}, std::chrono::seconds(30));
    if (!r.ok()) {
        error = fmt::format("cibadmin --query: {}{}", r.describe(), r.err.empty() ? "" : ": " + one_line(r.err));
        return std::nullopt;
    }
    try {
        return parse_cib_primitives(r.out);
    } catch (const parse::ParseError& e) {
        error = fmt::format("cibadmin --query: {}", e.what());
        return std::nullopt;
    }
}

std::string Service::local_node()
{
    if (!node_.empty()) return node_;
    CommandResult r = run_tool({"crm_node", "-n"}, std::chrono::seconds(15));
    std::string name(parse::trim(r.out));
    node_ = r.ok() && !name.empty() ? name : host_.hostname();
    return node_;
}

void Service::require_privilege(const std::string& command)
{
    if (!host_.privileged()) throw CommandError(Lsb::NoPrivilege, fmt::format("{} must be run as root", command));
}

const parse::CrmMon& Service::require_cluster(const std::string& command)
{
    const MonRead& r = mon();
    if (r.not_installed) throw CommandError(Lsb::NotInstalled, fmt::format("{}: {}", command, r.error));
    if (!r.mon) throw CommandError(Lsb::NotRunning, fmt::format("{}: the cluster is not running here ({})", command, r.error));
    return *r.mon;
}

int Service::run(const std::string& command, const std::vector<std::string>& args)
{
    auto no_args = [&]() {
        if (!args.empty())
            throw CommandError(Lsb::InvalidArgs, fmt::format("{}: unexpected argument '{}'\n{}", command, args[0], usage_text()));
    };
    auto wait_flag = [&]() {
        bool wait = true;
        for (const auto& a : args) {
            if (a == "--no-wait") wait = false;
            else throw CommandError(Lsb::InvalidArgs, fmt::format("{}: unexpected argument '{}'\n{}", command, a, usage_text()));
        }
        return wait;
    };
    try {
        if (command == "status") {
            bool json = false;
            for (const auto& a : args) {
                if (a == "--json") json = true;
                else throw CommandError(Lsb::InvalidArgs, fmt::format("status: unexpected argument '{}'\n{}", a, usage_text()));
            }
            return static_cast<int>(status(json));
        }
        if (command == "start" || command == "stop") {
            bool from_init = false;
            for (const auto& a : args) {
                if (a == "--from-init") from_init = true;
                else throw CommandError(Lsb::InvalidArgs, fmt::format("{}: unexpected argument '{}'\n{}", command, a, usage_text()));
            }
            Caller caller = caller_of(command, from_init);
            return static_cast<int>(command == "start" ? start(caller) : stop(caller));
        }
        if (command == "restart" || command == "force-reload") return no_args(), static_cast<int>(restart());
        if (command == "try-restart" || command == "condrestart") {
            no_args();
            // LSB: restart only when running.
            return gather().service == LsbStatus::Stopped ? 0 : static_cast<int>(restart());
        }
        if (command == "reload")
            throw CommandError(Lsb::Unimplemented, "reload: not implemented (guests have nothing to reload)");
        if (command == "forcestart") return static_cast<int>(forcestart(wait_flag()));
        if (command == "forcestop") return static_cast<int>(forcestop(wait_flag()));
        if (command == "cleanup") {
            std::vector<std::string> resources;
            bool wait = true;
            for (const auto& a : args) {
                if (a == "--no-wait") wait = false;
                else if (a.starts_with("-"))
                    throw CommandError(Lsb::InvalidArgs, fmt::format("cleanup: unknown option '{}'\n{}", a, usage_text()));
                else resources.push_back(a);
            }
            return static_cast<int>(cleanup(resources, wait));
        }
        if (command == "migrate") return static_cast<int>(migrate(wait_flag()));
        if (command == "unmigrate") return no_args(), static_cast<int>(unmigrate());
        if (command == "usage" || command == "help" || command == "--help") {
            std::fputs(usage_text().c_str(), io_.out);
            return 0;
        }
        throw CommandError(Lsb::InvalidArgs, fmt::format("unknown command '{}'\n{}", command, usage_text()));
    } catch (const CommandError& e) {
        warn(e.what());
        // LSB gives status its own codes (1 and 2 mean "dead"): whatever went wrong, it is 4.
        if (command == "status") return static_cast<int>(LsbStatus::Unknown);
        return static_cast<int>(e.code);
    }
}

}  // namespace ocfkit::clevervm
