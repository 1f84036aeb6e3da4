// Reads DRBD state the cheapest way the running kernel allows, and runs drbd-utils.
#include "drbd_node.h"

#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "parse/events2.h"
#include "parse/status_json.h"
#include "resource_name.h"

namespace ocfkit::drbd {

namespace fs = std::filesystem;

DrbdNode::DrbdNode(Context& ctx)
    : ctx_(ctx),
      resource_(ctx.params.str("drbd_resource")),
      conf_(ctx.params.str("drbdconf")),
      // Tests point these at a fake kernel; production uses the defaults.
      proc_path_(ctx.env.get_or("OCFKIT_DRBD_PROC", "/proc/drbd")),
      run_dir_(ctx.env.get_or("OCFKIT_RUN_DIR", "/run/ocfkit"))
{
}

std::string DrbdNode::host_name()
{
    struct utsname u {};
    if (uname(&u) != 0) return {};
    return u.nodename;
}

fs::path DrbdNode::state_dir() const { return run_dir_ / "drbd-dual"; }

fs::path DrbdNode::state_file(std::string_view suffix) const
{
    // The parameter check refuses such names; this guards every path built from one anyway.
    std::string name = resource_ + std::string(suffix);
    if (resource_name_problem(resource_) || name.find('/') != std::string::npos || name == "." || name == "..")
        fail(ExitCode::ErrConfigured, "parameter 'drbd_resource': '{}' cannot name a file in {}", resource_,
             state_dir().string());
    return state_dir() / name;
}

const std::optional<ProcDrbd>& DrbdNode::proc(bool reread)
{
    if (proc_read_ && !reread) return proc_;
    proc_read_ = true;
    proc_.reset();
    std::ifstream in(proc_path_);
    if (!in) {
        if (errno != ENOENT) ctx_.log.warn("cannot read {}: {}", proc_path_, std::strerror(errno));
        return proc_;
    }
    std::stringstream text;
    text << in.rdbuf();
    try {
        proc_ = parse_proc_drbd(text.str());
    } catch (const parse::ParseError& e) {
        fail(ExitCode::ErrGeneric, "cannot read {}: {}", proc_path_, e.what());
    }
    return proc_;
}

Kernel DrbdNode::kernel(bool reread)
{
    const auto& p = proc(reread);
    if (!p) return Kernel::NotLoaded;
    return p->version.major >= 9 ? Kernel::V9 : Kernel::V84;
}

CommandResult DrbdNode::run(std::vector<std::string> argv, std::chrono::milliseconds cap,
                            std::map<std::string, std::string> env)
{
    CommandSpec spec;
    spec.argv = std::move(argv);
    spec.env = std::move(env);
    // drbd-utils read DRBD_* variables of their own; PATH may hold test doubles.
    spec.inherit_env = true;
    spec.env.emplace("LC_ALL", "C");
    spec.timeout = cap;
    return ctx_.runner.run(spec, ctx_.deadline);
}

CommandResult DrbdNode::drbdadm(const std::string& command, std::chrono::milliseconds cap)
{
    return run({"drbdadm", "-c", conf_, command, "--", resource_}, cap);
}

CommandResult DrbdNode::drbdsetup(const std::string& command, std::chrono::milliseconds cap)
{
    return run({"drbdsetup", command, "--", resource_}, cap);
}

void DrbdNode::status_failed(const CommandSpec& spec, const CommandResult& r) const
{
    ExitCode code = r.status == CommandResult::Status::NotStarted ? exit_code_for_spawn_errno(r.spawn_errno)
                                                                  : ExitCode::ErrGeneric;
    throw Failure(code, "cannot read the state of DRBD resource " + resource_ + ": " + failure_message(spec, r));
}

ResourceStatus DrbdNode::status(bool cheap)
{
    Kernel k = kernel(!cheap);
    if (k == Kernel::NotLoaded) {
        ResourceStatus st;
        st.name = resource_;
        return st;
    }
    if (k == Kernel::V84 && cheap) {
        if (auto minors = cached_minors()) return status_from_proc(*proc_, resource_, *minors);
    }
    CommandSpec spec;
    spec.inherit_env = true;
    spec.env.emplace("LC_ALL", "C");
    spec.timeout = std::chrono::seconds(20);
    if (k == Kernel::V9)
        spec.argv = {"drbdsetup", "status", "--json", "--", resource_};
    else
        spec.argv = {"drbdsetup", "events2", "--now", "--", resource_};
    CommandResult r = ctx_.runner.run(spec, ctx_.deadline);
    // status --json of an unknown resource: "[ ]" on stdout, "No such resource", exit 10.
    bool missing = k == Kernel::V9 && r.exited_with(10) && r.err.find("No such resource") != std::string::npos;
    if (!r.ok() && !missing) status_failed(spec, r);
    ResourceStatus st;
    try {
        st = k == Kernel::V9 ? parse_status_json(r.out, resource_) : parse_events2(r.out, resource_);
    } catch (const parse::ParseError& e) {
        if (missing) {
            st.name = resource_;
            return st;
        }
        fail(ExitCode::ErrGeneric, "cannot read the output of '{}': {}", spec.display(), e.what());
    }
    if (k == Kernel::V84 && st.exists) remember_minors(st);
    return st;
}

DrbdConfig DrbdNode::config()
{
    CommandSpec shown;
    shown.argv = {"drbdadm", "-c", conf_, "dump-xml"};
    CommandResult r = run(shown.argv, std::chrono::seconds(30));
    if (!r.ok()) {
        ExitCode code = r.status == CommandResult::Status::NotStarted ? exit_code_for_spawn_errno(r.spawn_errno)
                        : r.status == CommandResult::Status::TimedOut ? ExitCode::ErrGeneric
                                                                      : ExitCode::ErrInstalled;
        throw Failure(code, "cannot read the DRBD configuration on this node: " + failure_message(shown, r));
    }
    try {
        return parse_dump_xml(r.out);
    } catch (const parse::ParseError& e) {
        fail(ExitCode::ErrInstalled, "cannot read the output of '{}': {}", shown.display(), e.what());
    }
}

// The minors an 8.4 resource uses are remembered so a monitor can read /proc/drbd alone. A
// change to the DRBD configuration files invalidates them.
std::string DrbdNode::config_fingerprint() const
{
    std::vector<fs::path> files{conf_};
    std::error_code ec;
    fs::path dir = fs::path(conf_).parent_path() / "drbd.d";
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) files.push_back(it->path());
    std::sort(files.begin(), files.end());
    std::string out;
    for (const auto& f : files) {
        struct stat st {};
        if (::stat(f.c_str(), &st) != 0) continue;
        out += fmt::format("{}:{}.{}:{};", f.filename().string(), st.st_mtim.tv_sec, st.st_mtim.tv_nsec, st.st_size);
    }
    std::size_t h = std::hash<std::string>{}(out);
    return fmt::format("{:016x}", h);
}

std::optional<std::vector<int>> DrbdNode::cached_minors() const
{
    std::ifstream in(state_file(".minors"));
    std::string fingerprint;
    if (!(in >> fingerprint) || fingerprint != config_fingerprint()) return std::nullopt;
    std::vector<int> minors;
    int m = 0;
    while (in >> m) minors.push_back(m);
    if (minors.empty()) return std::nullopt;
    return minors;
}

void DrbdNode::remember_minors(const ResourceStatus& st) const
{
    std::vector<std::pair<int, int>> by_volume;
    for (const auto& v : st.volumes)
        if (v.minor >= 0) by_volume.emplace_back(v.volume, v.minor);
    if (by_volume.empty()) return;
    std::sort(by_volume.begin(), by_volume.end());
    std::string line = config_fingerprint();
    for (std::size_t i = 0; i < by_volume.size(); ++i) {
        if (by_volume[i].first != static_cast<int>(i)) return;  // volume numbers with gaps: no fast path
        line += fmt::format(" {}", by_volume[i].second);
    }
    std::error_code ec;
    fs::create_directories(state_dir(), ec);
    fs::permissions(state_dir(), fs::perms::owner_all, fs::perm_options::replace, ec);
    fs::path file = state_file(".minors");
    {
        std::ifstream old(file);
        std::string current((std::istreambuf_iterator<char>(old)), std::istreambuf_iterator<char>());
        if (current == line + "\n") return;
    }
    fs::path tmp = file;
    tmp += fmt::format(".{}", ::getpid());
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << line << '\n';
    }
    fs::rename(tmp, file, ec);
    if (ec) fs::remove(tmp, ec);
}

void DrbdNode::forget_minors() const
{
    std::error_code ec;
    fs::remove(state_file(".minors"), ec);
}

}  // namespace ocfkit::drbd
