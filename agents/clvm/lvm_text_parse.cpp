// lvmconfig, lvmlockctl and drbdadm dump-xml parsers and LVM's filter rule.
#include "lvm_text_parse.h"

#include "ocfkit/parse/text.h"

#include <charconv>
#include <regex>

#include <pugixml.hpp>

namespace ocfkit::lvm {

using parse::trim;
using parse::lines_of;
using parse::words;

namespace {

// A "quoted" string starting at s[pos] (the quote); returns the unescaped text and moves pos
// past the closing quote.
std::string read_quoted(std::string_view s, std::size_t& pos, std::size_t line_no)
{
    std::string out;
    ++pos;
    while (pos < s.size()) {
        char c = s[pos++];
        if (c == '\\' && pos < s.size()) {
            out.push_back(s[pos++]);
            continue;
        }
        if (c == '"') return out;
        out.push_back(c);
    }
    throw parse::ParseError(line_no, "unterminated string");
}

bool is_number(std::string_view s)
{
    if (s.empty()) return false;
    std::size_t i = (s[0] == '-') ? 1 : 0;
    if (i == s.size()) return false;
    bool dot = false;
    for (; i < s.size(); ++i) {
        if (s[i] == '.' && !dot) {
            dot = true;
            continue;
        }
        if (s[i] < '0' || s[i] > '9') return false;
    }
    return true;
}

ConfigValue parse_value(std::string_view v, std::size_t line_no)
{
    ConfigValue out;
    if (v.empty()) throw parse::ParseError(line_no, "setting without a value");
    if (v.front() == '"') {
        std::size_t pos = 0;
        out.kind = ConfigValue::Kind::String;
        out.text = read_quoted(v, pos, line_no);
        if (!trim(v.substr(pos)).empty()) throw parse::ParseError(line_no, "text after a string value");
        return out;
    }
    if (v.front() == '[') {
        out.kind = ConfigValue::Kind::List;
        std::size_t pos = 1;
        bool expect_item = true;
        for (;;) {
            while (pos < v.size() && (v[pos] == ' ' || v[pos] == '\t')) ++pos;
            if (pos >= v.size()) throw parse::ParseError(line_no, "unterminated list");
            char c = v[pos];
            if (c == ']') {
                ++pos;
                break;
            }
            if (c == ',') {
                if (expect_item) throw parse::ParseError(line_no, "empty list item");
                expect_item = true;
                ++pos;
                continue;
            }
            if (!expect_item) throw parse::ParseError(line_no, "list items must be separated by commas");
            if (c == '"') {
                out.items.push_back(read_quoted(v, pos, line_no));
            } else {
                std::size_t end = v.find_first_of(",] \t", pos);
                if (end == std::string_view::npos) throw parse::ParseError(line_no, "unterminated list");
                std::string_view item = v.substr(pos, end - pos);
                if (!is_number(item)) throw parse::ParseError(line_no, "bad list item '" + std::string(item) + "'");
                out.items.emplace_back(item);
                pos = end;
            }
            expect_item = false;
        }
        if (!trim(v.substr(pos)).empty()) throw parse::ParseError(line_no, "text after a list value");
        return out;
    }
    if (!is_number(v)) throw parse::ParseError(line_no, "bad value '" + std::string(v) + "'");
    out.kind = ConfigValue::Kind::Number;
    out.text = std::string(v);
    return out;
}

}  // namespace

std::optional<long long> ConfigValue::number() const
{
    if (kind != Kind::Number) return std::nullopt;
    long long v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
    return v;
}

std::vector<std::string> ConfigValue::strings() const
{
    if (kind == Kind::List) return items;
    if (kind == Kind::String) return {text};
    return {};
}

LvmConfig parse_lvmconfig(std::string_view text, const std::vector<std::string>& asked)
{
    std::map<std::string, std::string> by_key;
    for (const auto& path : asked) {
        auto slash = path.rfind('/');
        by_key[slash == std::string::npos ? path : path.substr(slash + 1)] = path;
    }
    LvmConfig out;
    std::vector<std::string> sections;
    auto lines = lines_of(text);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::size_t line_no = i + 1;
        std::string_view line = trim(lines[i]);
        if (line.empty() || line.front() == '#') continue;
        if (line == "}") {
            if (sections.empty()) throw parse::ParseError(line_no, "'}' without a section");
            sections.pop_back();
            continue;
        }
        if (line.back() == '{') {
            std::string_view name = trim(line.substr(0, line.size() - 1));
            if (name.empty() || name.find_first_of(" =\"") != std::string_view::npos)
                throw parse::ParseError(line_no, "bad section name '" + std::string(name) + "'");
            sections.emplace_back(name);
            continue;
        }
        auto eq = line.find('=');
        if (eq == std::string_view::npos || eq == 0)
            throw parse::ParseError(line_no, "expected key=value, got '" + std::string(line) + "'");
        std::string key(trim(line.substr(0, eq)));
        if (key.find_first_of(" \t\"") != std::string::npos)
            throw parse::ParseError(line_no, "bad key '" + key + "'");
        ConfigValue value = parse_value(trim(line.substr(eq + 1)), line_no);
        std::string path;
        for (const auto& s : sections) path += s + "/";
        path += key;
        if (sections.empty()) {
            if (auto it = by_key.find(key); it != by_key.end()) path = it->second;
        }
        out[path] = std::move(value);
    }
    if (!sections.empty()) throw parse::ParseError(lines.size(), "section '" + sections.back() + "' is not closed");
    return out;
}

int LockspaceInfo::lv_locks_held() const
{
    int n = 0;
    for (const auto& l : locks)
        if (l.resource == "LV" && (l.mode == "sh" || l.mode == "ex")) ++n;
    return n;
}

const LockspaceInfo* LockdInfo::vg(std::string_view name) const
{
    for (const auto& ls : lockspaces)
        if (!ls.global() && ls.vg_name == name) return &ls;
    return nullptr;
}

bool lvmlockd_unreachable(std::string_view output)
{
    return output.find("Cannot connect to lvmlockd") != std::string_view::npos;
}

LockdInfo parse_lvmlockctl_info(std::string_view text)
{
    LockdInfo out;
    auto lines = lines_of(text);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::size_t line_no = i + 1;
        std::string_view line = trim(lines[i]);
        if (line.empty()) continue;
        auto w = words(line);
        if (w[0] == "VG") {
            // "VG <name> lock_type=<type> <uuid>"; for the global lockspace lvmlockd has no VG
            // and the line comes out as "VG vg_uuid= lock_type= ".
            LockspaceInfo ls;
            for (std::size_t k = 1; k < w.size(); ++k) {
                std::string_view t = w[k];
                if (t.rfind("lock_type=", 0) == 0) ls.lock_type = std::string(t.substr(10));
                else if (t.find('=') != std::string_view::npos) continue;  // "vg_uuid=" placeholder
                else if (k == 1) ls.vg_name = std::string(t);
                else ls.vg_uuid = std::string(t);
            }
            out.lockspaces.push_back(std::move(ls));
            continue;
        }
        if (out.lockspaces.empty())
            throw parse::ParseError(line_no, "'" + std::string(w[0]) + "' line before any VG line");
        LockspaceInfo& ls = out.lockspaces.back();
        if (w[0] == "LS") {
            // "LS <lm_type> <ls_name>", the type empty for the global lockspace
            if (w.size() == 3) {
                ls.ls_name = std::string(w[2]);
                if (ls.lock_type.empty()) ls.lock_type = std::string(w[1]);
            } else if (w.size() == 2) {
                ls.ls_name = std::string(w[1]);
            } else {
                throw parse::ParseError(line_no, "bad LS line '" + std::string(line) + "'");
            }
            if (ls.global()) ls.vg_name.clear();
            continue;
        }
        if (w[0] == "LK" || w[0] == "LW") {
            if (w.size() < 3) throw parse::ParseError(line_no, "bad lock line '" + std::string(line) + "'");
            LockInfo l;
            l.resource = std::string(w[1]);
            l.mode = std::string(w[2]);
            if (l.resource != "GL" && l.resource != "VG" && l.resource != "LV")
                throw parse::ParseError(line_no, "unknown lock resource '" + l.resource + "'");
            std::string_view rest = line.substr(line.find(w[2], 3 + w[1].size()) + w[2].size());
            l.detail = std::string(trim(rest));
            // LW lines are waiting requests, not locks held
            if (w[0] == "LK") ls.locks.push_back(std::move(l));
            continue;
        }
        // OP (pending operations), UN (dump lines lvmlockctl does not know), its own
        // "format_info_* error" lines: nothing monitor needs, and never a reason to fail it.
        continue;
    }
    return out;
}

std::vector<FilterRule> parse_filter(const std::vector<std::string>& patterns)
{
    std::vector<FilterRule> out;
    for (std::size_t i = 0; i < patterns.size(); ++i) {
        const std::string& p = patterns[i];
        std::string_view s = trim(p);
        if (s.size() < 3) throw parse::ParseError(i + 1, "filter pattern '" + p + "' is too short");
        FilterRule r;
        r.source = p;
        if (s[0] == 'a') r.accept = true;
        else if (s[0] == 'r') r.accept = false;
        else throw parse::ParseError(i + 1, "filter pattern '" + p + "' must start with 'a' or 'r'");
        char open = s[1];
        char close = open == '(' ? ')' : open == '[' ? ']' : open == '{' ? '}' : open;
        if (s.back() != close)
            throw parse::ParseError(i + 1, "filter pattern '" + p + "' does not end with its delimiter");
        if (s.size() < 4) throw parse::ParseError(i + 1, "filter pattern '" + p + "' has an empty expression");
        r.regex = std::string(s.substr(2, s.size() - 3));
        try {
            std::regex check(r.regex, std::regex::extended);
        } catch (const std::regex_error&) {
            throw parse::ParseError(i + 1, "filter pattern '" + p + "' is not a valid regular expression");
        }
        out.push_back(std::move(r));
    }
    return out;
}

FilterVerdict filter_device(const std::vector<FilterRule>& rules, const std::vector<std::string>& names)
{
    std::vector<std::regex> compiled;
    compiled.reserve(rules.size());
    for (const auto& r : rules) compiled.emplace_back(r.regex, std::regex::extended);
    FilterVerdict v;
    bool rejected = false;
    for (const auto& name : names) {
        for (std::size_t i = 0; i < rules.size(); ++i) {
            if (!std::regex_search(name, compiled[i])) continue;
            if (rules[i].accept) {
                v.accepted = true;
                v.decided_by = "\"" + rules[i].source + "\" matches " + name;
                return v;
            }
            if (!rejected) v.decided_by = "\"" + rules[i].source + "\" matches " + name;
            rejected = true;
            break;  // the first match decides for this name
        }
    }
    v.accepted = !rejected;
    return v;
}

std::optional<std::pair<std::string, std::string>> split_dm_name(std::string_view dm_name)
{
    std::vector<std::string> parts(1);
    for (std::size_t i = 0; i < dm_name.size(); ++i) {
        char c = dm_name[i];
        if (c == '-') {
            if (i + 1 < dm_name.size() && dm_name[i + 1] == '-') {
                parts.back().push_back('-');
                ++i;
                continue;
            }
            parts.emplace_back();
            continue;
        }
        parts.back().push_back(c);
    }
    if (parts.size() < 2 || parts[0].empty() || parts[1].empty()) return std::nullopt;
    return std::make_pair(parts[0], parts[1]);
}

std::vector<DrbdVolume> parse_drbd_dump_xml(std::string_view xml)
{
    pugi::xml_document doc;
    auto res = doc.load_buffer(xml.data(), xml.size());
    if (!res) throw parse::ParseError(0, std::string("drbdadm dump-xml: not XML: ") + res.description());
    pugi::xml_node config = doc.child("config");
    if (!config) throw parse::ParseError(0, "drbdadm dump-xml: no <config> element");
    std::vector<DrbdVolume> out;
    auto add = [&](const pugi::xml_node& vol, const std::string& resource, const std::string& host) {
        DrbdVolume v;
        v.resource = resource;
        v.host = host;
        v.volume = vol.attribute("vnr").as_string("0");
        pugi::xml_node dev = vol.child("device");
        v.device = dev.child_value();
        if (v.device.empty() && dev.attribute("minor")) v.device = std::string("/dev/drbd") + dev.attribute("minor").value();
        v.disk = vol.child_value("disk");
        if (v.disk == "none") v.disk.clear();
        if (!v.device.empty()) out.push_back(std::move(v));
    };
    for (pugi::xml_node r : config.children("resource")) {
        std::string name = r.attribute("name").value();
        for (pugi::xml_node h : r.children("host"))
            for (pugi::xml_node vol : h.children("volume")) add(vol, name, h.attribute("name").value());
        for (pugi::xml_node vol : r.children("volume")) add(vol, name, "");
    }
    return out;
}

}  // namespace ocfkit::lvm
