// Our own files in directories we do not trust: replaced atomically (the config directory may be
// writable by others, and the domain XML written there carries secrets), read back only when
// nobody else could have planted or changed them.
#pragma once

#include <sys/types.h>

#include <cstddef>
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

// The whole file, when it is a regular file (never through a symlink, never blocking on a FIFO)
// owned by this user, writable by no one else, and at most max_bytes. Nothing when it is
// absent; nothing and `problem` ("ignoring <path>: <why>") when it is there but not believed.
std::optional<std::string> read_own_file(const std::string& path, std::size_t max_bytes, std::string* problem);

}  // namespace ocfkit::virtdomain
