// /proc/<pid>/mountinfo parser (format: proc(5), fs/proc_namespace.c show_mountinfo()).
#include "ocfkit/parse/mountinfo.h"

#include <charconv>
#include <limits>

namespace ocfkit::parse {

namespace {

bool list_has(std::string_view list, std::string_view opt)
{
    while (!list.empty()) {
        auto comma = list.find(',');
        std::string_view item = list.substr(0, comma);
        if (item == opt) return true;
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    return false;
}

template <typename Int>
Int to_number(std::string_view text, std::size_t line_no, const char* what)
{
    Int value{};
    // from_chars accepts a leading '-' for signed types; the kernel never writes one.
    if (text.empty() || text.front() < '0' || text.front() > '9')
        throw ParseError(line_no, std::string("bad ") + what + " '" + std::string(text) + "'");
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size())
        throw ParseError(line_no, std::string("bad ") + what + " '" + std::string(text) + "'");
    return value;
}

// Fields are separated by exactly one space; a field may be empty (e.g. a mount whose source
// was given as ""), so runs of spaces are not collapsed.
std::vector<std::string_view> split_fields(std::string_view line)
{
    std::vector<std::string_view> fields;
    std::size_t start = 0;
    for (;;) {
        auto space = line.find(' ', start);
        if (space == std::string_view::npos) {
            fields.push_back(line.substr(start));
            return fields;
        }
        fields.push_back(line.substr(start, space - start));
        start = space + 1;
    }
}

MountEntry parse_line(std::string_view line, std::size_t line_no)
{
    auto f = split_fields(line);
    // id parent major:minor root mount-point options [optional...] - fstype source super-options
    if (f.size() < 10) throw ParseError(line_no, "truncated mountinfo line (" + std::to_string(f.size()) + " fields)");

    MountEntry e;
    e.mount_id = to_number<int>(f[0], line_no, "mount id");
    e.parent_id = to_number<int>(f[1], line_no, "parent id");

    auto colon = f[2].find(':');
    if (colon == std::string_view::npos) throw ParseError(line_no, "bad major:minor '" + std::string(f[2]) + "'");
    e.major = to_number<unsigned>(f[2].substr(0, colon), line_no, "major number");
    e.minor = to_number<unsigned>(f[2].substr(colon + 1), line_no, "minor number");

    if (f[3].empty()) throw ParseError(line_no, "empty root field");
    if (f[4].empty()) throw ParseError(line_no, "empty mount point field");
    e.root = unescape_mount_field(f[3]);
    e.mount_point = unescape_mount_field(f[4]);
    e.mount_options = std::string(f[5]);

    std::size_t i = 6;
    for (; i < f.size() && f[i] != "-"; ++i) {
        if (f[i].empty()) throw ParseError(line_no, "empty optional field");
        e.optional_fields.emplace_back(f[i]);
    }
    if (i == f.size()) throw ParseError(line_no, "no '-' separator after the optional fields");
    if (f.size() - i - 1 != 3)
        throw ParseError(line_no, "expected fstype, source and super options after '-', found " +
                                      std::to_string(f.size() - i - 1) + " fields");
    if (f[i + 1].empty()) throw ParseError(line_no, "empty filesystem type");
    e.fstype = unescape_mount_field(f[i + 1]);
    e.source = unescape_mount_field(f[i + 2]);
    e.super_options = std::string(f[i + 3]);
    return e;
}

}  // namespace

bool MountEntry::read_only() const
{
    return list_has(mount_options, "ro") || list_has(super_options, "ro");
}

bool MountEntry::has_option(std::string_view opt) const
{
    return list_has(mount_options, opt) || list_has(super_options, opt);
}

std::string unescape_mount_field(std::string_view field)
{
    std::string out;
    out.reserve(field.size());
    for (std::size_t i = 0; i < field.size(); ++i) {
        char c = field[i];
        // The kernel writes space, tab, newline and backslash as \ooo; anything else stays literal.
        if (c == '\\' && i + 3 < field.size() &&
            field[i + 1] >= '0' && field[i + 1] <= '3' && field[i + 2] >= '0' && field[i + 2] <= '7' &&
            field[i + 3] >= '0' && field[i + 3] <= '7') {
            out.push_back(static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 + (field[i + 3] - '0')));
            i += 3;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::vector<MountEntry> parse_mountinfo(std::string_view text)
{
    std::vector<MountEntry> entries;
    std::size_t line_no = 0;
    while (!text.empty()) {
        ++line_no;
        auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        if (line.empty()) continue;  // tolerate a blank line (e.g. text joined by hand)
        entries.push_back(parse_line(line, line_no));
    }
    return entries;
}

}  // namespace ocfkit::parse
