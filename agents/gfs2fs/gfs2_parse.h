// Pure parsers for the text the gfs2fs agent reads: tunegfs2 -l, gfs2_edit -p jindex,
// corosync-cmapctl -g, /proc/filesystems, /proc/<pid>/fdinfo.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocfkit/parse/error.h"

namespace ocfkit::gfs2fs {

// The superblock fields `tunegfs2 -l DEVICE` prints (gfs2-utils 3.5).
struct Gfs2Superblock {
    std::string label;           // "File system volume name" (mkfs sets it to the lock table)
    std::string uuid;
    std::string lock_protocol;   // "lock_dlm", "lock_nolock"
    std::string lock_table;      // "cluster:fsname", "" for lock_nolock
    unsigned block_size = 0;
    unsigned format_version = 0;

    std::string cluster_part() const;  // before ':' of the lock table ("" when none)
    std::string fs_part() const;       // after ':'
};

// Throws parse::ParseError when the text lacks the magic number, lock protocol or lock table.
Gfs2Superblock parse_tunegfs2_list(std::string_view text);

// The journal index as `gfs2_edit -p jindex DEVICE` prints it: every "journalN" directory entry,
// stuffed or hashed. gfs2_edit -p journals misses entries of hashed directories, so not that.
struct Gfs2Jindex {
    int journals = 0;                       // distinct journalN entries
    std::optional<long> dinode_entries;     // di_entries of the jindex dinode ("." and ".." included)
};

// Throws parse::ParseError when no jindex dinode is found or the counts disagree.
Gfs2Jindex parse_gfs2_edit_jindex(std::string_view text);

// `corosync-cmapctl -g KEY` prints "KEY (type) = value"; returns the value.
// Throws parse::ParseError when the line is not there.
std::string parse_cmap_value(std::string_view text, std::string_view key);

// Filesystem types the kernel knows (/proc/filesystems): second column, or the only one.
std::vector<std::string> parse_proc_filesystems(std::string_view text);

// "mnt_id:" of a /proc/<pid>/fdinfo/<fd> text; nothing when absent.
std::optional<int> parse_fdinfo_mnt_id(std::string_view text);

// Lock table syntax gfs2 accepts: "cluster:fsname", cluster 1..32 and fsname 1..30 characters of
// [A-Za-z0-9_-]. Returns a problem description, nothing when fine.
std::optional<std::string> lock_table_problem(std::string_view table);

}  // namespace ocfkit::gfs2fs
