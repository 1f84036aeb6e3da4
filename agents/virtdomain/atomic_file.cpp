// Atomic file replacement through a freshly created, unpredictable temporary name.
#include "atomic_file.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>

namespace ocfkit::virtdomain {

namespace {

struct Fd {
    int fd = -1;
    ~Fd()
    {
        if (fd >= 0) ::close(fd);
    }
};

std::string random_suffix()
{
    static const char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    unsigned char bytes[12];
    std::size_t got = 0;
    while (got < sizeof bytes) {
        ssize_t n = getrandom(bytes + got, sizeof bytes - got, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw std::system_error(errno, std::generic_category(), "getrandom");
        got += static_cast<std::size_t>(n);
    }
    std::string out;
    for (unsigned char b : bytes) out += kChars[b % (sizeof kChars - 1)];
    return out;
}

std::optional<std::string> write_all(int fd, const std::string& text)
{
    for (std::size_t done = 0; done < text.size();) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return std::string(std::strerror(errno));
        done += static_cast<std::size_t>(n);
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> replace_file(const std::string& path, const std::string& text,
                                        std::optional<FileOwnership> ownership)
{
    std::filesystem::path p(path);
    std::string dir = p.parent_path().empty() ? "." : p.parent_path().string();
    std::string name = p.filename().string();
    Fd dirfd{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (dirfd.fd < 0) return fmt::format("cannot open directory {}: {}", dir, std::strerror(errno));

    // O_EXCL|O_NOFOLLOW: never a file or symlink someone planted under the name.
    std::string tmp;
    Fd fd;
    for (int attempt = 0; attempt < 100 && fd.fd < 0; ++attempt) {
        try {
            tmp = "." + name + ".ocfkit-" + random_suffix();
        } catch (const std::system_error& e) {
            return fmt::format("cannot name a temporary file in {}: {}", dir, e.what());
        }
        fd.fd = ::openat(dirfd.fd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd.fd < 0 && errno != EEXIST) return fmt::format("cannot create a temporary file in {}: {}", dir, std::strerror(errno));
    }
    if (fd.fd < 0) return fmt::format("cannot create a temporary file in {}: every name taken", dir);

    std::string shown = (std::filesystem::path(dir) / tmp).string();
    std::string problem;
    if (auto e = write_all(fd.fd, text))
        problem = fmt::format("writing {} failed: {}", shown, *e);
    // Owner first: chown clears set-id bits that the mode may then set again.
    else if (ownership && (fchown(fd.fd, ownership->uid, ownership->gid) != 0 || fchmod(fd.fd, ownership->mode & 07777) != 0))
        problem = fmt::format("cannot give {} the owner and mode of {}: {}", shown, path, std::strerror(errno));
    else if (fsync(fd.fd) != 0)
        problem = fmt::format("fsync of {} failed: {}", shown, std::strerror(errno));
    else if (::renameat(dirfd.fd, tmp.c_str(), dirfd.fd, name.c_str()) != 0)
        problem = fmt::format("cannot rename {} to {}: {}", shown, path, std::strerror(errno));
    if (!problem.empty()) {
        ::unlinkat(dirfd.fd, tmp.c_str(), 0);
        return problem;
    }
    // The rename itself must survive a crash too.
    if (fsync(dirfd.fd) != 0) return fmt::format("fsync of directory {} failed: {}", dir, std::strerror(errno));
    return std::nullopt;
}

std::optional<std::string> read_own_file(const std::string& path, std::size_t max_bytes, std::string* problem)
{
    auto distrust = [&](std::string why) -> std::optional<std::string> {
        if (problem) *problem = fmt::format("ignoring {}: {}", path, why);
        return std::nullopt;
    };
    // O_NONBLOCK: a FIFO planted there must not block the open.
    Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY)};
    if (f.fd < 0) {
        if (errno == ENOENT) return std::nullopt;
        return distrust(std::strerror(errno));
    }
    struct stat st {};
    if (fstat(f.fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022) != 0 ||
        static_cast<std::size_t>(st.st_size) > max_bytes)
        return distrust("not a regular file of this user, writable only by it, of a few bytes");
    std::string text(static_cast<std::size_t>(st.st_size), '\0');
    ssize_t n = ::read(f.fd, text.data(), text.size());
    if (n < 0) return distrust(std::strerror(errno));
    text.resize(static_cast<std::size_t>(n));
    return text;
}

}  // namespace ocfkit::virtdomain
