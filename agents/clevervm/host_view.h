// Local files and file systems clevervm reads: mount table, usage, guest config files.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace ocfkit::clevervm {

struct FsUsage {
    std::uint64_t size = 0;
    std::uint64_t used = 0;
    std::uint64_t free = 0;  // available to unprivileged users (df's "Avail")
};

class HostView {
public:
    virtual ~HostView() = default;
    virtual std::optional<std::string> mountinfo() = 0;  // /proc/self/mountinfo
    virtual std::optional<FsUsage> usage(const std::string& mount_point) = 0;  // statvfs
    virtual std::optional<std::string> read_file(const std::string& path) = 0;
    virtual std::string hostname() = 0;
    virtual bool privileged() = 0;  // may change the cluster and the guests
};

std::unique_ptr<HostView> make_real_host();

}  // namespace ocfkit::clevervm
