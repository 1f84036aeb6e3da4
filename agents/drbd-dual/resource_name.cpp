// The resource-name rule. drbd-utils 9.22 reads a name in drbd.conf as [A-Za-z0-9/._-]{1,128}
// (anything but control characters when quoted), drbdadm and drbdsetup refuse control
// characters, and the kernel keeps at most 127 bytes of it. On the command line drbdadm reads
// "all" as every resource, "res/vol" as one volume and "res:peer" as one connection, and a
// leading '-' as an option; the agent also names its state files after the resource.
#include "resource_name.h"

#include <fmt/format.h>

namespace ocfkit::drbd {

namespace {

constexpr std::size_t kMaxLength = 127;

bool allowed(char c)
{
    // DRBD's unquoted name characters without '/', plus the few more ocf:linbit:drbd accepted
    // (names quoted in drbd.conf), so configurations that worked keep working.
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("._-+=@%").find(c) != std::string_view::npos;
}

std::string shown(char c)
{
    if (c == '\n') return "\\n";
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
        return fmt::format("\\x{:02x}", static_cast<unsigned>(static_cast<unsigned char>(c)));
    return std::string(1, c);
}

}  // namespace

std::optional<std::string> resource_name_problem(std::string_view name)
{
    if (name.empty()) return std::string("must not be empty");
    if (name.size() > kMaxLength)
        return fmt::format("is {} characters long; DRBD keeps at most {}", name.size(), kMaxLength);
    for (char c : name) {
        if (c == '/')
            return fmt::format("'{}' contains '/': drbdadm would read it as resource/volume, and it must "
                               "never name a path",
                               name);
        if (c == ':')
            return fmt::format("'{}' contains ':': drbdadm would read it as resource:connection", name);
        if (!allowed(c))  // the name itself is not echoed: it may hold control characters
            return fmt::format("contains '{}'; only letters, digits and ._-+=@% are allowed", shown(c));
    }
    if (name.front() == '-')
        return fmt::format("'{}' starts with '-': the tools would read it as an option", name);
    if (name.front() == '.' || name.find("..") != std::string_view::npos)
        return fmt::format("'{}' starts with '.' or contains '..': not a name for a state file", name);
    if (name == "all") return std::string("'all' means every DRBD resource to drbdadm and drbdsetup");
    return std::nullopt;
}

}  // namespace ocfkit::drbd
