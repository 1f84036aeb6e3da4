// lvmconfig, lvmlockctl and drbdadm dump-xml parsers and LVM's filter rule.
#include "lvm_text_parse.h"

#include "ocfkit/parse/text.h"

#include <charconv>
#include <memory>
#include <stdexcept>

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

// ---- LVM's regular expressions ----------------------------------------------------------

// Parses LVM's grammar (alternatives of concatenations of quantified atoms) into a tree, then
// emits a Pike-VM program (Thompson's construction): no backtracking, no exponential cases.
class LvmRegexCompiler {
public:
    // The markers LVM puts around a name so that '^' and '$' are plain set members.
    static constexpr unsigned char kHat = 0x02, kDollar = 0x03;

    LvmRegexCompiler(std::string_view pattern, std::vector<LvmRegex::Inst>& prog) : p_(pattern), prog_(prog) {}

    void compile()
    {
        auto tree = alternatives(0);
        if (pos_ < p_.size()) fail("unmatched ')'");  // the only place left to stop early
        emit(*tree);
        prog_.push_back({});  // Match
    }

private:
    struct Node {
        enum class Kind { Set, Cat, Alt, Star, Plus, Quest } kind = Kind::Set;
        std::bitset<256> set{};
        std::vector<std::unique_ptr<Node>> kids;
    };
    using NodePtr = std::unique_ptr<Node>;
    static constexpr int kMaxDepth = 100;  // nested groups; deeper is not a device filter

    [[noreturn]] void fail(const std::string& what) const
    {
        throw std::invalid_argument(what + " at offset " + std::to_string(pos_));
    }

    NodePtr alternatives(int depth)
    {
        if (depth > kMaxDepth) fail("groups nested more than " + std::to_string(kMaxDepth) + " deep");
        auto alt = std::make_unique<Node>();
        alt->kind = Node::Kind::Alt;
        for (;;) {
            alt->kids.push_back(sequence(depth));
            if (pos_ >= p_.size() || p_[pos_] != '|') break;
            ++pos_;
        }
        if (alt->kids.size() == 1) return std::move(alt->kids.front());
        return alt;
    }

    NodePtr sequence(int depth)
    {
        auto cat = std::make_unique<Node>();
        cat->kind = Node::Kind::Cat;
        while (pos_ < p_.size() && p_[pos_] != '|' && p_[pos_] != ')') cat->kids.push_back(quantified(depth));
        if (cat->kids.empty()) fail("empty alternative");
        if (cat->kids.size() == 1) return std::move(cat->kids.front());
        return cat;
    }

    NodePtr quantified(int depth)
    {
        NodePtr atom_node = atom(depth);
        // A run of quantifiers equals one: all '+' is '+', all '?' is '?', any other mix is '*'.
        bool any = false, all_plus = true, all_quest = true;
        while (pos_ < p_.size() && (p_[pos_] == '*' || p_[pos_] == '+' || p_[pos_] == '?')) {
            any = true;
            all_plus = all_plus && p_[pos_] == '+';
            all_quest = all_quest && p_[pos_] == '?';
            ++pos_;
        }
        if (!any) return atom_node;
        auto q = std::make_unique<Node>();
        q->kind = all_plus ? Node::Kind::Plus : all_quest ? Node::Kind::Quest : Node::Kind::Star;
        q->kids.push_back(std::move(atom_node));
        return q;
    }

    static unsigned char unescaped(char c)
    {
        switch (c) {
        case 'n': return '\n';
        case 'r': return '\r';
        case 't': return '\t';
        default: return static_cast<unsigned char>(c);
        }
    }

    NodePtr atom(int depth)
    {
        auto n = std::make_unique<Node>();
        char c = p_[pos_];
        switch (c) {
        case '*':
        case '+':
        case '?': fail(std::string("'") + c + "' with nothing to repeat");
        case '(': {
            ++pos_;
            NodePtr inner = alternatives(depth + 1);
            if (pos_ >= p_.size() || p_[pos_] != ')') fail("missing ')'");
            ++pos_;
            return inner;
        }
        case '[': return set(std::move(n));
        case '.':
            n->set.set();
            n->set.reset('\n');
            n->set.reset('\r');
            n->set.reset(0);
            break;
        case '^': n->set.set(kHat); break;
        case '$': n->set.set(kDollar); break;
        case '\\':
            if (pos_ + 1 >= p_.size()) fail("'\\' at the end");
            n->set.set(unescaped(p_[++pos_]));
            break;
        default: n->set.set(static_cast<unsigned char>(c));
        }
        ++pos_;
        return n;
    }

    // "[...]": bytes and ranges ("a-z"; the range's end is taken as written), '^' first negates
    // (NUL never matches), a backslash quotes; the first ']' closes.
    NodePtr set(NodePtr n)
    {
        ++pos_;
        bool neg = pos_ < p_.size() && p_[pos_] == '^';
        if (neg) {
            ++pos_;
            n->set.set();
            n->set.reset(0);
        }
        std::optional<unsigned char> last;
        while (pos_ < p_.size() && p_[pos_] != ']') {
            unsigned char from, to;
            if (p_[pos_] == '\\') {
                if (++pos_ >= p_.size()) break;
                from = to = unescaped(p_[pos_]);
            } else if (p_[pos_] == '-' && last) {
                if (++pos_ >= p_.size()) fail("incomplete range");
                from = *last;
                to = static_cast<unsigned char>(p_[pos_]);
                if (from > to) std::swap(from, to);
            } else {
                from = to = static_cast<unsigned char>(p_[pos_]);
            }
            for (unsigned b = from; b <= to; ++b) n->set.set(b, !neg);
            last = to;
            ++pos_;
        }
        if (pos_ >= p_.size()) fail("missing ']'");
        ++pos_;
        return n;
    }

    int here() const { return static_cast<int>(prog_.size()); }
    int add(LvmRegex::Inst::Op op, int x = 0, int y = 0)
    {
        prog_.push_back({op, {}, x, y});
        return here() - 1;
    }

    void emit(const Node& n)
    {
        using Op = LvmRegex::Inst::Op;
        switch (n.kind) {
        case Node::Kind::Set: prog_.push_back({Op::Byte, n.set, 0, 0}); return;
        case Node::Kind::Cat:
            for (const auto& k : n.kids) emit(*k);
            return;
        case Node::Kind::Alt: {
            std::vector<int> jumps;
            for (std::size_t i = 0; i < n.kids.size(); ++i) {
                if (i + 1 == n.kids.size()) {
                    emit(*n.kids[i]);
                    break;
                }
                int split = add(Op::Split);
                prog_[split].x = here();
                emit(*n.kids[i]);
                jumps.push_back(add(Op::Jump));
                prog_[split].y = here();
            }
            for (int j : jumps) prog_[j].x = here();
            return;
        }
        case Node::Kind::Star: {
            int split = add(Op::Split);
            prog_[split].x = here();
            emit(*n.kids[0]);
            add(Op::Jump, split);
            prog_[split].y = here();
            return;
        }
        case Node::Kind::Plus: {
            int start = here();
            emit(*n.kids[0]);
            int split = add(Op::Split, start);
            prog_[split].y = here();
            return;
        }
        case Node::Kind::Quest: {
            int split = add(Op::Split);
            prog_[split].x = here();
            emit(*n.kids[0]);
            prog_[split].y = here();
            return;
        }
        }
    }

    std::string_view p_;
    std::vector<LvmRegex::Inst>& prog_;
    std::size_t pos_ = 0;
};

LvmRegex::LvmRegex(std::string_view pattern)
{
    if (pattern.empty()) throw std::invalid_argument("empty expression");
    LvmRegexCompiler(pattern, prog_).compile();
}

bool LvmRegex::search(std::string_view name) const
{
    using Op = Inst::Op;
    const int size = static_cast<int>(prog_.size());
    std::vector<int> current, next, stack;
    std::vector<std::size_t> seen(prog_.size(), 0);  // the step that last added each pc
    std::size_t step = 0;
    // Adds pc and everything reachable from it without input; true when that reaches Match.
    auto add = [&](std::vector<int>& list, int pc) {
        stack.push_back(pc);
        while (!stack.empty()) {
            int at = stack.back();
            stack.pop_back();
            if (at < 0 || at >= size || seen[at] == step) continue;
            seen[at] = step;
            switch (prog_[at].op) {
            case Op::Match: stack.clear(); return true;
            case Op::Byte: list.push_back(at); break;
            case Op::Jump: stack.push_back(prog_[at].x); break;
            case Op::Split:
                stack.push_back(prog_[at].y);
                stack.push_back(prog_[at].x);
                break;
            }
        }
        return false;
    };
    // The name between LVM's start and end markers; a match may begin anywhere.
    const std::size_t symbols = name.size() + 2;
    ++step;
    for (std::size_t i = 0; i < symbols; ++i) {
        if (add(current, 0)) return true;
        unsigned char c = i == 0 ? LvmRegexCompiler::kHat
                          : i + 1 == symbols ? LvmRegexCompiler::kDollar
                                             : static_cast<unsigned char>(name[i - 1]);
        ++step;
        next.clear();
        for (int pc : current)
            if (prog_[pc].set.test(c) && add(next, pc + 1)) return true;
        std::swap(current, next);
    }
    return add(current, 0);
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
            LvmRegex check(r.regex);
        } catch (const std::invalid_argument& e) {
            throw parse::ParseError(i + 1, "filter pattern '" + p + "' is not a valid regular expression (" +
                                               e.what() + ")");
        }
        out.push_back(std::move(r));
    }
    return out;
}

FilterVerdict filter_device(const std::vector<FilterRule>& rules, const std::vector<std::string>& names)
{
    std::vector<LvmRegex> compiled;
    compiled.reserve(rules.size());
    for (const auto& r : rules) compiled.emplace_back(r.regex);
    FilterVerdict v;
    bool rejected = false;
    for (const auto& name : names) {
        for (std::size_t i = 0; i < rules.size(); ++i) {
            if (!compiled[i].search(name)) continue;
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
