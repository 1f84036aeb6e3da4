// The unreachable-libvirt evidence file: key=value lines under HA_RSCTMP, one per resource.
#include "unreachable_evidence.h"

#include <charconv>
#include <ctime>
#include <filesystem>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "atomic_file.h"
#include "libvirt_uri.h"
#include "ocfkit/daemon.h"

namespace ocfkit::virtdomain {

using std::chrono::milliseconds;

namespace {

template <typename T>
std::optional<T> number(std::string_view s)
{
    T v{};
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
}

std::string local_time(std::chrono::system_clock::time_point t)
{
    std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    localtime_r(&secs, &tm);
    return fmt::format("{:%Y-%m-%d %H:%M:%S}", tm);
}

// Only a daemon on this machine has a process to recognise again.
bool local_uri(const std::string& uri)
{
    auto parsed = parse_libvirt_uri(uri).uri;
    return parsed && parsed->local();
}

}  // namespace

std::optional<DaemonIdentity> libvirt_daemon(const HostPaths& paths)
{
    for (const char* comm : {"virtqemud", "libvirtd"}) {
        auto found = find_daemon(paths, fmt::format("{}/{}.pid", paths.run, comm), comm);
        if (!found) continue;
        auto start = process_start_time(paths.proc, found->pid);
        if (!start) continue;
        return DaemonIdentity{comm, found->pid, *start};
    }
    return std::nullopt;
}

std::string format_evidence(const UnreachableEvidence& e)
{
    auto secs = std::chrono::duration_cast<std::chrono::seconds>(e.when.time_since_epoch()).count();
    return fmt::format("when={}\noperation={}\nuri={}\ndaemon={}\npid={}\nstart={}\n", secs, e.operation, e.uri,
                       e.daemon.comm, e.daemon.pid, e.daemon.start_ticks);
}

std::optional<UnreachableEvidence> parse_evidence(std::string_view text)
{
    UnreachableEvidence e;
    std::optional<long long> when;
    std::optional<int> pid;
    std::optional<unsigned long long> start;
    while (!text.empty()) {
        std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        std::size_t eq = line.find('=');
        if (eq == std::string_view::npos) continue;
        std::string_view key = line.substr(0, eq), value = line.substr(eq + 1);
        if (key == "when") when = number<long long>(value);
        else if (key == "operation") e.operation = value;
        else if (key == "uri") e.uri = value;
        else if (key == "daemon") e.daemon.comm = value;
        else if (key == "pid") pid = number<int>(value);
        else if (key == "start") start = number<unsigned long long>(value);
    }
    if (!when || !pid || *pid <= 0 || !start || e.uri.empty() || e.daemon.comm.empty()) return std::nullopt;
    e.when = std::chrono::system_clock::time_point(std::chrono::seconds(*when));
    e.daemon.pid = *pid;
    e.daemon.start_ticks = *start;
    return e;
}

std::string evidence_path(const std::string& remembered_path)
{
    std::filesystem::path p(remembered_path);
    p.replace_extension(".unreachable");
    return p.string();
}

ReachabilityRecord::ReachabilityRecord(Context& ctx, std::string remembered_path, std::string uri)
    : ctx_(ctx), path_(evidence_path(remembered_path)), uri_(std::move(uri)), paths_(HostPaths::from_env(ctx.env))
{
}

std::optional<milliseconds> ReachabilityRecord::first_connect_bound(milliseconds call_timeout, milliseconds short_bound)
{
    std::string problem;
    auto text = read_own_file(path_, 4096, &problem);
    if (!text) {
        if (!problem.empty()) ctx_.log.warn("{}", problem);
        return std::nullopt;
    }
    auto e = parse_evidence(*text);
    if (!e || e->uri != uri_) return std::nullopt;
    std::string then = fmt::format("libvirt was unreachable at {} ({})", local_time(e->when), e->operation);
    auto now = local_uri(uri_) ? libvirt_daemon(paths_) : std::nullopt;
    if (!now || !(*now == e->daemon)) {
        // Restarted or gone: the new daemon has not failed anyone yet (a gone one fails at once).
        ctx_.log.info("{}, but {} pid {} is gone{}: connecting with the full call_timeout", then, e->daemon.comm,
                      e->daemon.pid, now ? fmt::format(" ({} pid {} serves now)", now->comm, now->pid) : "");
        std::error_code ec;
        std::filesystem::remove(path_, ec);
        return std::nullopt;
    }
    milliseconds bound = std::min(call_timeout, short_bound);
    ctx_.log.warn("{}, {} pid {} unchanged: connecting with a {} bound", then, now->comm, now->pid,
                  seconds_text(bound));
    return bound;
}

void ReachabilityRecord::answered()
{
    std::error_code ec;
    if (std::filesystem::remove(path_, ec)) ctx_.log.info("libvirt answers again here: its unreachability is forgotten");
    recorded_ = false;
}

void ReachabilityRecord::unreachable(const HvError& e)
{
    if (recorded_ || !local_uri(uri_)) return;
    recorded_ = true;
    auto daemon = libvirt_daemon(paths_);
    // No daemon: connects fail at once anyway, nothing to shorten.
    if (!daemon) return;
    UnreachableEvidence ev{std::chrono::system_clock::now(), ctx_.action, uri_, *daemon};
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ec);
    if (auto err = replace_file(path_, format_evidence(ev), std::nullopt)) {
        ctx_.log.warn("cannot remember that libvirt is unreachable: {}", *err);
        return;
    }
    ctx_.log.info("remembered that {} pid {} did not answer ({}): the next stop, migration or start here connects "
                  "with a bound of at most {} while that process runs",
                  daemon->comm, daemon->pid, e.call(), seconds_text(kShortConnect));
}

}  // namespace ocfkit::virtdomain
