// The real host: /proc/self/mountinfo, statvfs(3), uname(2), geteuid(2).
#include "host_view.h"

#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <memory>

#include "ocfkit/host.h"

namespace ocfkit::clevervm {

namespace {

class RealHost final : public HostView {
public:
    std::optional<std::string> mountinfo() override { return read_small_file("/proc/self/mountinfo", 16 << 20); }

    std::optional<FsUsage> usage(const std::string& mount_point) override
    {
        struct statvfs st {};
        if (statvfs(mount_point.c_str(), &st) != 0) return std::nullopt;
        FsUsage u;
        std::uint64_t frsize = st.f_frsize ? st.f_frsize : st.f_bsize;
        u.size = static_cast<std::uint64_t>(st.f_blocks) * frsize;
        u.used = static_cast<std::uint64_t>(st.f_blocks - st.f_bfree) * frsize;
        u.free = static_cast<std::uint64_t>(st.f_bavail) * frsize;
        return u;
    }

    std::optional<std::string> read_file(const std::string& path) override { return read_small_file(path); }

    std::string hostname() override
    {
        struct utsname u {};
        if (uname(&u) != 0) return "localhost";
        return u.nodename;
    }

    bool privileged() override { return geteuid() == 0; }
};

}  // namespace

std::unique_ptr<HostView> make_real_host() { return std::make_unique<RealHost>(); }

}  // namespace ocfkit::clevervm
