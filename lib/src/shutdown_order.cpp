// The systemd drop-in that makes Pacemaker stop before what a resource needs (see the header).
#include "ocfkit/shutdown_order.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>
#include <set>

#include <fmt/format.h>

namespace ocfkit {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

std::string instance_of(const Context& ctx)
{
    std::string i = ctx.env.resource_instance();
    return i.empty() ? std::string("default") : i;
}

std::string errno_text(int e) { return std::strerror(e); }

// A directory we may write into: a real directory of root's, writable by nobody else.
std::optional<std::string> unsafe_dir(const std::string& dir)
{
    struct stat st {};
    if (::lstat(dir.c_str(), &st) != 0) return fmt::format("{}: {}", dir, errno_text(errno));
    if (!S_ISDIR(st.st_mode)) return fmt::format("{} is not a directory", dir);
    if (st.st_uid != ::geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)))
        return fmt::format("{} is writable by others than its owner or not ours", dir);
    return std::nullopt;
}

std::optional<std::string> read_small(const std::string& path)
{
    int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    std::string out;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0 || out.size() > 65536) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return out;
}

// Writes `text` to `path` atomically; an error text or nothing.
std::optional<std::string> replace_file(const std::string& dir, const std::string& path, const std::string& text)
{
    std::random_device rd;
    std::string tmp = fmt::format("{}/.{}.{:08x}", dir, path.substr(dir.size() + 1), rd());
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) return fmt::format("cannot create {}: {}", tmp, errno_text(errno));
    bool ok = ::fchmod(fd, 0644) == 0;  // whatever the umask: systemd wants it world-readable
    for (std::size_t done = 0; ok && done < text.size();) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        ok = n > 0;
        if (ok) done += static_cast<std::size_t>(n);
    }
    int err = errno;
    ok = ok && ::fsync(fd) == 0;
    if (!ok) err = errno;
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        if (ok) err = errno;
        ::unlink(tmp.c_str());
        return fmt::format("cannot write {}: {}", path, errno_text(err));
    }
    if (int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); d >= 0) {
        ::fsync(d);
        ::close(d);
    }
    return std::nullopt;
}

// mkdir -p below an existing systemd unit directory, each new level 0755.
std::optional<std::string> make_dir(const std::string& dir)
{
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return fmt::format("cannot create {}: {}", dir, errno_text(errno));
    return unsafe_dir(dir);
}

constexpr const char* kTarget = "resource-agents-deps.target";

// Whether systemd's loaded configuration already orders the target after every unit: a reload
// (seconds: every generator runs again) changes nothing then. Unsure is no.
bool systemd_orders_after(Context& ctx, const std::vector<std::string>& units)
{
    CommandSpec show;
    show.argv = {"systemctl", "show", "--property=After", "--value", kTarget};
    show.timeout = std::clamp<milliseconds>(ctx.deadline.remaining() / 8, 1s, 5s);
    CommandResult r = ctx.runner.run(show, ctx.deadline);
    if (!r.ok()) return false;
    std::set<std::string> loaded;
    std::size_t pos = 0;
    while (pos < r.out.size()) {
        std::size_t start = r.out.find_first_not_of(" \t\n", pos);
        if (start == std::string::npos) break;
        std::size_t end = r.out.find_first_of(" \t\n", start);
        if (end == std::string::npos) end = r.out.size();
        loaded.insert(r.out.substr(start, end - start));
        pos = end;
    }
    return std::all_of(units.begin(), units.end(), [&](const std::string& u) { return loaded.count(u) != 0; });
}

}  // namespace

std::string shutdown_order_dir(const HostPaths& paths)
{
    return paths.run + "/systemd/system/" + kTarget + ".d";
}

std::string shutdown_order_file_name(std::string_view agent, std::string_view instance)
{
    std::string name = fmt::format("50-ocfkit-{}-", agent);
    for (char ch : instance) {
        bool plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
                     ch == '_' || ch == '.';
        name += plain ? ch : '_';
    }
    return name + ".conf";
}

std::string shutdown_order_text(const ShutdownOrder& order, std::string_view instance)
{
    std::string text = fmt::format(
        "# Written by ocfkit's {} agent for resource {}; its stop removes it.\n"
        "# {}\n"
        "[Unit]\n",
        order.agent, instance, order.why);
    for (const auto& unit : order.after) text += fmt::format("After={}\n", unit);
    return text;
}

bool ensure_shutdown_order(Context& ctx, const HostPaths& paths, const ShutdownOrder& order)
{
    const std::string unit_dir = paths.run + "/systemd/system";
    struct stat st {};
    if (::stat(unit_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return false;  // no systemd here
    const std::string instance = instance_of(ctx);
    const std::string dir = shutdown_order_dir(paths);
    const std::string path = dir + "/" + shutdown_order_file_name(order.agent, instance);
    const std::string text = shutdown_order_text(order, instance);
    if (read_small(path) == text) return false;
    // After a reboot the directory is new and systemd cannot know the ordering: reload without
    // asking. Within one boot (stop removed the file without a reload) it may still hold it.
    struct stat dst {};
    const bool dir_existed = ::lstat(dir.c_str(), &dst) == 0;
    if (auto e = make_dir(dir)) {
        ctx.log.warn("no systemd shutdown ordering for {}: {}", instance, *e);
        return false;
    }
    if (auto e = replace_file(dir, path, text)) {
        ctx.log.warn("no systemd shutdown ordering for {}: {}", instance, *e);
        return false;
    }
    std::string units;
    for (const auto& u : order.after) units += (units.empty() ? "" : " ") + u;
    ctx.log.info("wrote {}: Pacemaker stops before {}", path, units);
    if (dir_existed && !order.new_unit && systemd_orders_after(ctx, order.after)) {
        ctx.log.info("systemd already orders {} after these units: no daemon-reload", kTarget);
        return true;
    }
    CommandSpec reload;
    reload.argv = {"systemctl", "daemon-reload"};
    reload.timeout = std::clamp<milliseconds>(ctx.deadline.remaining() / 4, 1s, 20s);
    CommandResult r = ctx.runner.run(reload, ctx.deadline);
    if (!r.ok())
        ctx.log.warn("{}; systemd applies {} at its next reload", failure_message(reload, r), path);
    return true;
}

bool shutdown_order_present(const Context& ctx, const HostPaths& paths, std::string_view agent)
{
    struct stat st {};
    return ::stat((shutdown_order_dir(paths) + "/" + shutdown_order_file_name(agent, instance_of(ctx))).c_str(), &st) == 0;
}

void remove_shutdown_order(Context& ctx, const HostPaths& paths, std::string_view agent)
{
    const std::string path = shutdown_order_dir(paths) + "/" + shutdown_order_file_name(agent, instance_of(ctx));
    if (::unlink(path.c_str()) == 0)
        ctx.log.info("removed {}", path);
    else if (errno != ENOENT)
        ctx.log.warn("cannot remove {}: {}", path, errno_text(errno));
}

}  // namespace ocfkit
