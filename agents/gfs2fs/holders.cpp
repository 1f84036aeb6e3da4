// /proc scan for processes holding a mount (see holders.h).
#include "holders.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <memory>

#include <fmt/format.h>

#include "fs_config.h"
#include "fs_system.h"
#include "gfs2_parse.h"
#include "ocfkit/bounded_io.h"

namespace ocfkit::gfs2fs {

namespace {

constexpr unsigned long kPfKthread = 0x00200000;  // include/linux/sched.h
constexpr const char* kMapsStuck = "memory maps unreadable within 2 s (stuck in the kernel?) [not signalled]";

struct DirCloser {
    void operator()(DIR* d) const { closedir(d); }
};

bool is_number(const char* s)
{
    if (!*s) return false;
    for (; *s; ++s)
        if (*s < '0' || *s > '9') return false;
    return true;
}

struct Stat {
    std::string comm;
    char state = '?';
    pid_t ppid = 0;
    unsigned long flags = 0;
    unsigned long long start_time = 0;
};

std::optional<Stat> read_stat(pid_t pid)
{
    auto text = read_small_file(fmt::format("/proc/{}/stat", pid), 4096);
    if (!text) return std::nullopt;
    // "pid (comm) S ppid ..." — comm may contain spaces and ')', so take the last ')'.
    auto open = text->find('(');
    auto close = text->rfind(')');
    if (open == std::string::npos || close == std::string::npos || close < open) return std::nullopt;
    Stat s;
    s.comm = text->substr(open + 1, close - open - 1);
    std::vector<std::string_view> fields;
    std::string_view rest = std::string_view(*text).substr(close + 2);
    while (!rest.empty()) {
        auto sp = rest.find(' ');
        fields.push_back(rest.substr(0, sp));
        if (sp == std::string_view::npos) break;
        rest.remove_prefix(sp + 1);
    }
    // fields[0] is field 3 (state).
    if (fields.size() < 20) return std::nullopt;
    s.state = fields[0].empty() ? '?' : fields[0].front();
    s.ppid = static_cast<pid_t>(std::strtol(std::string(fields[1]).c_str(), nullptr, 10));
    s.flags = std::strtoul(std::string(fields[6]).c_str(), nullptr, 10);
    s.start_time = std::strtoull(std::string(fields[19]).c_str(), nullptr, 10);
    return s;
}

std::set<pid_t> ancestors()
{
    std::set<pid_t> out;
    pid_t p = ::getppid();
    for (int i = 0; i < 64 && p > 1; ++i) {
        out.insert(p);
        auto s = read_stat(p);
        if (!s) break;
        p = s->ppid;
    }
    return out;
}

std::string read_link(const std::string& path)
{
    char buf[4096];
    ssize_t n = ::readlink(path.c_str(), buf, sizeof buf - 1);
    if (n < 0) return {};
    return std::string(buf, static_cast<std::size_t>(n));
}

struct LinkInfo {
    std::optional<int> mnt_id;
    std::optional<dev_t> dev;
};

// Opens a /proc magic link with O_PATH: the kernel hands us the very file (and its mount)
// without opening it on the file system; fdinfo then tells the mount id.
LinkInfo probe_link(const std::string& link, bool want_dev)
{
    LinkInfo info;
    int fd = ::open(link.c_str(), O_PATH | O_CLOEXEC);
    if (fd < 0) return info;
    if (auto text = read_small_file(fmt::format("/proc/self/fdinfo/{}", fd), 4096))
        info.mnt_id = parse_fdinfo_mnt_id(*text);
    if (want_dev) {
        struct stat st {};
        if (::fstat(fd, &st) == 0) info.dev = st.st_dev;
    }
    ::close(fd);
    return info;
}

class Matcher {
public:
    explicit Matcher(const HolderQuery& q) : q_(q) {}

    // For cwd/root/exe/map_files links.
    bool link_matches(const std::string& link, const std::string& target_text)
    {
        if (q_.safe) return !target_text.empty() && path_within(strip_deleted(target_text), q_.mount_point);
        LinkInfo info = probe_link(link, q_.detached_dev.has_value());
        return matches(info);
    }

    // For /proc/<pid>/fd/<n>: fdinfo carries the mount id without touching the file system.
    bool fd_matches(pid_t pid, const char* fd)
    {
        if (q_.detached_dev) {
            struct stat st {};
            if (::stat(fmt::format("/proc/{}/fd/{}", pid, fd).c_str(), &st) != 0) return false;
            return st.st_dev == *q_.detached_dev;
        }
        auto text = read_small_file(fmt::format("/proc/{}/fdinfo/{}", pid, fd), 4096);
        if (!text) return false;
        auto id = parse_fdinfo_mnt_id(*text);
        return id && q_.mount_ids.count(*id);
    }

    bool maps_dev_candidate(unsigned maj, unsigned min) const
    {
        dev_t want = q_.detached_dev ? *q_.detached_dev : q_.mount_dev;
        if (want == 0) return true;  // unknown: check every mapping
        return makedev(maj, min) == want;
    }

private:
    bool matches(const LinkInfo& info) const
    {
        if (q_.detached_dev) return info.dev && *info.dev == *q_.detached_dev;
        return info.mnt_id && q_.mount_ids.count(*info.mnt_id);
    }
    static std::string strip_deleted(std::string s)
    {
        constexpr std::string_view kDeleted = " (deleted)";
        if (s.size() > kDeleted.size() && s.compare(s.size() - kDeleted.size(), kDeleted.size(), kDeleted) == 0)
            s.resize(s.size() - kDeleted.size());
        return s;
    }
    const HolderQuery& q_;
};

// What of process `pid` is on the mount; "" when nothing.
std::string holding(pid_t pid, Matcher& m, const HolderQuery& q)
{
    const std::string base = fmt::format("/proc/{}/", pid);
    for (const char* l : {"cwd", "root", "exe"}) {
        std::string link = base + l;
        std::string target = read_link(link);
        if (target.empty()) continue;
        if (m.link_matches(link, target)) return fmt::format("{} {}", l, target);
    }
    {
        std::unique_ptr<DIR, DirCloser> d(::opendir((base + "fd").c_str()));
        if (d) {
            while (dirent* e = ::readdir(d.get())) {
                if (!is_number(e->d_name)) continue;
                if (m.fd_matches(pid, e->d_name))
                    return fmt::format("fd {} -> {}", e->d_name, read_link(base + "fd/" + e->d_name));
            }
        }
    }
    std::optional<std::string> maps;
    if (q.deadline) {
        using namespace std::chrono_literals;
        Deadline bound = Deadline::at(std::min(q.deadline->when(), Deadline::Clock::now() + 2s));
        ChildIoResult r = read_file_in_child(base + "maps", bound, 64u << 20);
        if (r.outcome == ChildIoResult::Outcome::TimedOut) return std::string(kMapsStuck);
        if (r.outcome == ChildIoResult::Outcome::Done) maps = std::move(r.data);
    } else {
        maps = read_small_file(base + "maps", 64u << 20);
    }
    if (!maps) return {};
    std::string_view rest = *maps;
    std::set<std::string> seen;
    while (!rest.empty()) {
        auto nl = rest.find('\n');
        std::string_view line = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        // "7f00-7f10 r--p 00000000 07:00 12 /path"
        std::string_view f[6];
        std::size_t n = 0;
        std::string_view l = line;
        while (n < 5 && !l.empty()) {
            auto sp = l.find(' ');
            f[n++] = l.substr(0, sp);
            if (sp == std::string_view::npos) {
                l = {};
                break;
            }
            l.remove_prefix(sp + 1);
            while (!l.empty() && l.front() == ' ') l.remove_prefix(1);
        }
        if (n < 5 || l.empty() || l.front() != '/') continue;  // anonymous, [heap], ...
        std::string path(l);
        if (seen.count(path)) continue;
        auto colon = f[3].find(':');
        if (colon == std::string_view::npos) continue;
        unsigned maj = std::strtoul(std::string(f[3].substr(0, colon)).c_str(), nullptr, 16);
        unsigned min = std::strtoul(std::string(f[3].substr(colon + 1)).c_str(), nullptr, 16);
        if (!q.safe && !m.maps_dev_candidate(maj, min)) continue;
        seen.insert(path);
        if (m.link_matches(base + "map_files/" + std::string(f[0]), path)) return fmt::format("mmap {}", path);
    }
    return {};
}

}  // namespace

std::vector<Holder> find_holders(const HolderQuery& q)
{
    std::vector<Holder> out;
    const pid_t self = ::getpid();
    const std::set<pid_t> skip = ancestors();
    Matcher m(q);
    std::unique_ptr<DIR, DirCloser> d(::opendir("/proc"));
    if (!d) return out;
    while (dirent* e = ::readdir(d.get())) {
        if (!is_number(e->d_name)) continue;
        pid_t pid = static_cast<pid_t>(std::atol(e->d_name));
        if (pid == self || pid == 1) continue;
        auto st = read_stat(pid);
        if (!st || (st->flags & kPfKthread)) continue;
        std::string what = holding(pid, m, q);
        if (what.empty()) continue;
        if (what == kMapsStuck) {
            // Maybe a holder, maybe stuck on another file system: listed, never signalled.
            out.push_back({pid, st->start_time, st->comm, what, true, {}});
            continue;
        }
        if (skip.count(pid)) {
            // Killing our caller (pacemaker-execd, a shell) would abort the stop itself.
            out.push_back({pid, st->start_time, st->comm, what + " [our ancestor: not signalled]", true, {}});
            continue;
        }
        // Pinned now: by the time it is signalled, its pid may belong to someone else. The pin is
        // checked against the start time read while identifying it.
        auto pinned = PinnedProcess::pin("/proc", pid);
        if (!pinned || !process_alive(pid, st->start_time)) continue;  // it ended meanwhile
        out.push_back({pid, st->start_time, st->comm, what, false,
                       std::make_shared<const PinnedProcess>(std::move(*pinned))});
    }
    return out;
}

bool process_alive(pid_t pid, unsigned long long start_time)
{
    auto st = read_stat(pid);
    // A zombie has already closed its files and left its directories; only its parent's wait()
    // is missing, which may take a while (a shell busy with something else).
    return st && st->start_time == start_time && st->state != 'Z' && st->state != 'X';
}

std::string describe_holders(const std::vector<Holder>& holders, std::size_t max)
{
    std::string out;
    std::size_t n = 0;
    for (const auto& h : holders) {
        if (n == max) {
            out += fmt::format(", and {} more", holders.size() - max);
            break;
        }
        if (!out.empty()) out += ", ";
        out += fmt::format("{} ({}: {})", h.pid, h.comm, h.what);
        ++n;
    }
    return out;
}

}  // namespace ocfkit::gfs2fs
