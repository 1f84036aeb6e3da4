// Replacing a file atomically without trusting the directory it is in: the config directory
// may be writable by others, and the domain XML written there carries secrets.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace ocfkit::virtdomain {

struct FileOwnership {
    uid_t uid;
    gid_t gid;
    mode_t mode;  // permission bits only
};

// Writes `text` to a new file with an unpredictable name beside `path` (O_CREAT|O_EXCL|
// O_NOFOLLOW, mode 0600 while it is written), gives it `ownership` when set, fsyncs it, renames
// it over `path` and fsyncs the directory. Returns an error message; nothing is left behind then.
std::optional<std::string> replace_file(const std::string& path, const std::string& text,
                                        std::optional<FileOwnership> ownership);

}  // namespace ocfkit::virtdomain
