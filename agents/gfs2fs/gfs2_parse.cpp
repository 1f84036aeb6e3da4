// Pure parsers for gfs2-utils, corosync and /proc text; no I/O.
#include "gfs2_parse.h"

#include "ocfkit/parse/text.h"

#include <charconv>
#include <limits>
#include <set>

namespace ocfkit::gfs2fs {

using parse::trim;

namespace {

using parse::ParseError;

// Calls fn(line, line_no) for each line.
template <typename Fn>
void for_each_line(std::string_view text, Fn fn)
{
    std::size_t line_no = 0;
    while (!text.empty()) {
        ++line_no;
        auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        fn(line, line_no);
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
}

template <typename Int>
std::optional<Int> number(std::string_view s)
{
    Int v{};
    s = trim(s);
    if (s.empty()) return std::nullopt;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return v;
}

bool is_journal_name(std::string_view name)
{
    if (name.substr(0, 7) != "journal" || name.size() == 7) return false;
    for (char c : name.substr(7))
        if (c < '0' || c > '9') return false;
    return true;
}

}  // namespace

std::string Gfs2Superblock::cluster_part() const
{
    auto colon = lock_table.find(':');
    return colon == std::string::npos ? std::string() : lock_table.substr(0, colon);
}

std::string Gfs2Superblock::fs_part() const
{
    auto colon = lock_table.find(':');
    return colon == std::string::npos ? lock_table : lock_table.substr(colon + 1);
}

Gfs2Superblock parse_tunegfs2_list(std::string_view text)
{
    Gfs2Superblock sb;
    bool magic = false, proto = false, table = false;
    for_each_line(text, [&](std::string_view line, std::size_t line_no) {
        auto colon = line.find(':');
        if (colon == std::string_view::npos) return;  // tolerate unknown lines
        std::string_view key = trim(line.substr(0, colon));
        std::string_view value = trim(line.substr(colon + 1));
        if (key == "File system magic number") {
            if (value != "0x1161970" && value != "0x01161970")
                throw ParseError(line_no, "not a GFS2 superblock (magic " + std::string(value) + ")");
            magic = true;
        } else if (key == "File system volume name") {
            sb.label = value;
        } else if (key == "File system UUID") {
            sb.uuid = value;
        } else if (key == "Lock protocol") {
            if (value.empty()) throw ParseError(line_no, "empty lock protocol");
            sb.lock_protocol = value;
            proto = true;
        } else if (key == "Lock table") {
            // The table is everything after the first ':' ("hacl:gfs0" contains one itself).
            sb.lock_table = value;
            table = true;
        } else if (key == "Block size") {
            auto n = number<unsigned>(value);
            if (!n) throw ParseError(line_no, "bad block size '" + std::string(value) + "'");
            sb.block_size = *n;
        } else if (key == "File system format version") {
            auto n = number<unsigned>(value);
            if (!n) throw ParseError(line_no, "bad format version '" + std::string(value) + "'");
            sb.format_version = *n;
        }
    });
    if (!magic) throw ParseError(0, "no 'File system magic number' line: not tunegfs2 -l output of a GFS2 device");
    if (!proto) throw ParseError(0, "no 'Lock protocol' line in tunegfs2 -l output");
    if (!table) throw ParseError(0, "no 'Lock table' line in tunegfs2 -l output");
    return sb;
}

Gfs2Jindex parse_gfs2_edit_jindex(std::string_view text)
{
    Gfs2Jindex out;
    bool header = false;
    std::set<std::string, std::less<>> names;
    for_each_line(text, [&](std::string_view line, std::size_t line_no) {
        std::string_view t = trim(line);
        if (t.find("Journal Index") != std::string_view::npos) header = true;
        if (t.substr(0, 10) == "di_entries") {
            // "di_entries            4                   0x4"
            std::string_view rest = trim(t.substr(10));
            auto space = rest.find(' ');
            // Unsigned and at most INT_MAX: the journal count derived from it is an int.
            auto n = number<unsigned long>(rest.substr(0, space));
            if (!n || *n > static_cast<unsigned long>(std::numeric_limits<int>::max()))
                throw ParseError(line_no, "bad di_entries '" + std::string(rest) + "'");
            if (!out.dinode_entries) out.dinode_entries = static_cast<long>(*n);  // repeated per leaf; the first is the dinode's
            return;
        }
        // "   3/3 [FC7745EB] 1/18 (0x1/0x12) +0: File    journal0"
        if (t.empty() || t.front() < '0' || t.front() > '9' || t.find(" [") == std::string_view::npos) return;
        auto paren = t.find(") +");
        if (paren == std::string_view::npos) return;
        auto colon = t.find(": ", paren);
        if (colon == std::string_view::npos) return;
        std::string_view entry = trim(t.substr(colon + 2));
        if (entry.substr(0, 4) != "File") return;
        std::string_view name = trim(entry.substr(4));
        if (is_journal_name(name)) names.emplace(name);
    });
    if (!header) throw ParseError(0, "no 'Journal Index' header: not gfs2_edit -p jindex output");
    out.journals = static_cast<int>(names.size());
    if (out.dinode_entries && *out.dinode_entries - 2 != out.journals && out.journals > 0)
        throw ParseError(0, "jindex lists " + std::to_string(out.journals) + " journals but its dinode counts " +
                                std::to_string(*out.dinode_entries - 2));
    if (out.journals == 0 && out.dinode_entries && *out.dinode_entries > 2)
        out.journals = static_cast<int>(*out.dinode_entries - 2);  // entries not printed: trust the dinode
    if (out.journals == 0) throw ParseError(0, "the journal index lists no journals");
    return out;
}

std::string parse_cmap_value(std::string_view text, std::string_view key)
{
    std::optional<std::string> value;
    for_each_line(text, [&](std::string_view line, std::size_t) {
        line = trim(line);
        if (line.substr(0, key.size()) != key) return;
        std::string_view rest = line.substr(key.size());
        if (rest.empty() || rest.front() != ' ') return;
        auto eq = rest.find(" = ");
        if (eq == std::string_view::npos) return;
        value = std::string(rest.substr(eq + 3));
    });
    if (!value) throw ParseError(0, "no '" + std::string(key) + " (type) = value' line in corosync-cmapctl output");
    return *value;
}

std::vector<std::string> parse_proc_filesystems(std::string_view text)
{
    std::vector<std::string> out;
    for_each_line(text, [&](std::string_view line, std::size_t) {
        auto tab = line.find('\t');
        std::string_view name = trim(tab == std::string_view::npos ? line : line.substr(tab + 1));
        if (!name.empty()) out.emplace_back(name);
    });
    return out;
}

std::optional<int> parse_fdinfo_mnt_id(std::string_view text)
{
    std::optional<int> id;
    for_each_line(text, [&](std::string_view line, std::size_t) {
        if (line.substr(0, 7) == "mnt_id:") id = number<int>(line.substr(7));
    });
    return id;
}

std::optional<std::string> lock_table_problem(std::string_view table)
{
    auto colon = table.find(':');
    if (colon == std::string_view::npos) return "the lock table must be 'cluster:fsname'";
    std::string_view cluster = table.substr(0, colon), fs = table.substr(colon + 1);
    auto bad_char = [](std::string_view s) {
        for (char c : s)
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
                return true;
        return false;
    };
    if (cluster.empty() || cluster.size() > 32) return "the cluster part of the lock table must have 1 to 32 characters";
    if (fs.empty() || fs.size() > 30) return "the file system part of the lock table must have 1 to 30 characters";
    if (bad_char(cluster) || bad_char(fs)) return "the lock table may only contain letters, digits, '-' and '_' around one ':'";
    return std::nullopt;
}

}  // namespace ocfkit::gfs2fs
