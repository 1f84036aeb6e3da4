// /proc/<pid>/mountinfo, as the kernel writes it (see proc(5)).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ocfkit/parse/error.h"

namespace ocfkit::parse {

struct MountEntry {
    int mount_id = 0;
    int parent_id = 0;
    unsigned major = 0;
    unsigned minor = 0;
    std::string root;          // unescaped (\040 → ' ')
    std::string mount_point;   // unescaped
    std::string mount_options; // per-mount: "rw,relatime"
    std::vector<std::string> optional_fields;  // "shared:1", "master:2", ...
    std::string fstype;
    std::string source;        // unescaped; "none" etc. as written
    std::string super_options; // per-superblock: "rw,data=ordered"

    bool read_only() const;    // "ro" in mount_options (or super_options)
    bool has_option(std::string_view opt) const;  // in either option list
};

// Throws ParseError naming the line for a malformed line (too few fields, bad numbers, no
// "-" separator, not exactly three fields after it). Blank lines are skipped.
std::vector<MountEntry> parse_mountinfo(std::string_view text);

// "\040" style octal escapes the kernel uses in mountinfo; anything else stays as written.
std::string unescape_mount_field(std::string_view field);

}  // namespace ocfkit::parse
