// The domain XML, read in a child process the deadline can abandon.
#include "config_file.h"

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "ocfkit/bounded_io.h"

namespace ocfkit::virtdomain {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

constexpr std::size_t kMaxConfigSize = 4 * 1024 * 1024;

}  // namespace

ConfigRead read_config(const std::string& path, const Deadline& until)
{
    ConfigRead r;
    auto bad = [&](ExitCode code, std::string problem) {
        r.code = code;
        r.problem = std::move(problem);
        return r;
    };
    // Only the parameter itself is wrong everywhere (6). What this node finds at the path, and in
    // the file, may differ on other nodes (a file system not mounted here, csync2 copies): 5.
    if (path.empty()) return bad(ExitCode::ErrConfigured, "parameter 'config' is required but not set");
    milliseconds budget = until.remaining();
    ChildIoResult io = read_file_in_child(path, until, kMaxConfigSize + 1);
    if (io.outcome == ChildIoResult::Outcome::TimedOut) {
        r.unknown = true;
        return bad(ExitCode::ErrGeneric,
                   fmt::format("parameter 'config': {} not readable within {} ms (a cluster file system waiting "
                               "for fencing, a hung NFS server, or not a regular file?)",
                               path, budget.count()));
    }
    if (io.outcome == ChildIoResult::Outcome::Failed) {
        int err = io.error;
        if (err == ENOENT || err == ENOTDIR)
            return bad(ExitCode::ErrInstalled, fmt::format("parameter 'config': {} does not exist", path));
        if (err == EACCES || err == EPERM)
            return bad(ExitCode::ErrPerm, fmt::format("parameter 'config': cannot read {}: {}", path, std::strerror(err)));
        if (err == EISDIR)
            return bad(ExitCode::ErrInstalled, fmt::format("parameter 'config': {} is not a regular file here", path));
        r.unknown = true;
        return bad(ExitCode::ErrGeneric, fmt::format("parameter 'config': reading {} failed: {}", path, std::strerror(err)));
    }
    r.text = std::move(io.data);
    if (r.text.size() > kMaxConfigSize)
        return bad(ExitCode::ErrInstalled, fmt::format("parameter 'config': {} is larger than 4 MiB here", path));
    DomainXmlResult parsed = parse_domain_xml(r.text);
    if (!parsed.ok())
        return bad(ExitCode::ErrInstalled, fmt::format("parameter 'config': {}: {}", path, parsed.error.message));
    if (auto problem = domain_name_problem(parsed.xml->name))
        return bad(ExitCode::ErrInstalled, fmt::format("parameter 'config': {}: {}", path, *problem));
    r.xml = std::move(parsed.xml);
    return r;
}

Deadline read_until(const Deadline& deadline) { return Deadline::at(deadline.when() - 1s); }

Deadline read_briefly(const Settings& s, const Deadline& deadline)
{
    return Deadline::after(std::min<milliseconds>(s.call_timeout, deadline.remaining() / 4));
}

}  // namespace ocfkit::virtdomain
