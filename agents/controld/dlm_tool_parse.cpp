// Line-oriented parsers for dlm_tool's status and ls output.
#include "dlm_tool_parse.h"

#include "ocfkit/parse/text.h"

#include <charconv>

namespace ocfkit::dlm {

using parse::trim;
using parse::lines_of;
using parse::words;

namespace {

template <typename Int>
Int number(std::string_view text, std::size_t line_no, std::string_view what)
{
    Int v{};
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || p != text.data() + text.size())
        throw parse::ParseError(line_no, std::string(what) + ": '" + std::string(text) + "' is not a number");
    return v;
}

long long value_number(const std::map<std::string, std::string, std::less<>>& values, std::string_view key,
                       std::size_t line_no)
{
    auto it = values.find(key);
    if (it == values.end()) return 0;
    return number<long long>(it->second, line_no, it->first);
}

// "member 2 joined 1 remove 0 failed 0 seq 1,1"
LockspaceChange parse_change(std::string_view rest, std::size_t line_no)
{
    auto w = words(rest);
    LockspaceChange c;
    bool seen_member = false;
    for (std::size_t i = 0; i + 1 < w.size(); i += 2) {
        if (w[i] == "member") {
            c.member = number<int>(w[i + 1], line_no, "member");
            seen_member = true;
        } else if (w[i] == "joined") c.joined = number<int>(w[i + 1], line_no, "joined");
        else if (w[i] == "remove") c.remove = number<int>(w[i + 1], line_no, "remove");
        else if (w[i] == "failed") c.failed = number<int>(w[i + 1], line_no, "failed");
        else if (w[i] == "seq") c.seq = std::string(w[i + 1]);
    }
    if (!seen_member) throw parse::ParseError(line_no, "change line without a member count");
    return c;
}

std::vector<int> parse_nodeids(std::string_view rest, std::size_t line_no)
{
    std::vector<int> out;
    auto w = words(rest);
    if (w.size() == 1 && w[0] == "error") throw parse::ParseError(line_no, "dlm_tool could not list the members");
    for (auto n : w) out.push_back(number<int>(n, line_no, "node id"));
    return out;
}

}  // namespace

bool dlm_controld_unreachable(std::string_view output)
{
    std::string_view t = trim(output);
    while (!t.empty() && (t.back() == '\n')) t = trim(t.substr(0, t.size() - 1));
    return t.find("cannot connect to dlm_controld") != std::string_view::npos ||
           t.find("cannot send to dlm_controld") != std::string_view::npos;
}

std::vector<const DaemonNode*> DaemonStatus::awaiting_fencing() const
{
    std::vector<const DaemonNode*> out;
    for (const auto& n : nodes)
        if (n.need_fencing) out.push_back(&n);
    return out;
}

int DaemonStatus::fenced_elsewhere_by(const DaemonNode& n) const
{
    const int actor = n.fence_actor_last;
    if (actor == 0 || actor == our_nodeid || actor == n.nodeid) return 0;
    for (const auto& m : nodes)
        if (m.nodeid == actor) return m.member ? actor : 0;
    return 0;
}

DaemonStatus parse_status_verbose(std::string_view text)
{
    DaemonStatus st;
    enum class Section { None, Daemon, Node, Unknown } section = Section::None;
    bool seen_daemon = false;
    auto lines = lines_of(text);
    std::size_t daemon_line = 0;
    std::vector<std::size_t> node_lines;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::size_t line_no = i + 1;
        std::string_view raw = lines[i];
        std::string_view line = trim(raw);
        if (line.empty()) continue;
        const bool indented = raw.front() == ' ' || raw.front() == '\t';
        if (!indented) {
            auto w = words(line);
            if (w.size() == 2 && w[0] == "our_nodeid") {
                if (seen_daemon) throw parse::ParseError(line_no, "a second daemon block");
                st.our_nodeid = number<int>(w[1], line_no, "our_nodeid");
                section = Section::Daemon;
                seen_daemon = true;
                daemon_line = line_no;
                continue;
            }
            if (w.size() == 2 && w[0] == "nodeid") {
                DaemonNode n;
                n.nodeid = number<int>(w[1], line_no, "nodeid");
                st.nodes.push_back(std::move(n));
                node_lines.push_back(line_no);
                section = Section::Node;
                continue;
            }
            if (dlm_controld_unreachable(line))
                throw parse::ParseError(line_no, "dlm_tool could not reach dlm_controld: " + std::string(line));
            // A block a newer dlm may add: skipped with its keys (a monitor must not fail on it).
            section = Section::Unknown;
            continue;
        }
        if (section == Section::Unknown) continue;
        auto eq = line.find('=');
        if (eq == std::string_view::npos || eq == 0)
            throw parse::ParseError(line_no, "expected key=value, got '" + std::string(line) + "'");
        std::string key(line.substr(0, eq));
        std::string value(line.substr(eq + 1));
        if (section == Section::Daemon) st.values[key] = value;
        else if (section == Section::Node) st.nodes.back().values[key] = value;
        else throw parse::ParseError(line_no, "key=value before any block");
    }
    if (!seen_daemon) throw parse::ParseError(0, "no 'our_nodeid' block: not dlm_tool status -v output");

    st.quorate = value_number(st.values, "quorate", daemon_line) != 0;
    st.stateful_merge_wait = value_number(st.values, "stateful_merge_wait", daemon_line) != 0;
    st.fence_in_progress_unknown = value_number(st.values, "fence_in_progress_unknown", daemon_line) != 0;
    st.monotime = value_number(st.values, "monotime", daemon_line);
    st.fence_pid = value_number(st.values, "fence_pid", daemon_line);
    st.member_count = static_cast<int>(value_number(st.values, "member_count", daemon_line));
    for (std::size_t k = 0; k < st.nodes.size(); ++k) {
        auto& n = st.nodes[k];
        std::size_t ln = node_lines[k];
        n.member = value_number(n.values, "member", ln) != 0;
        n.need_fencing = value_number(n.values, "need_fencing", ln) != 0;
        n.delay_fencing = value_number(n.values, "delay_fencing", ln) != 0;
        n.fence_result_wait = value_number(n.values, "fence_result_wait", ln) != 0;
        n.fence_pid = value_number(n.values, "fence_pid", ln);
        n.fence_actor_last = static_cast<int>(value_number(n.values, "fence_actor_last", ln));
        n.fail_monotime = value_number(n.values, "fail_monotime", ln);
        n.fence_monotime = value_number(n.values, "fence_monotime", ln);
        if (auto it = n.values.find("left_reason"); it != n.values.end()) n.left_reason = it->second;
    }
    return st;
}

std::vector<Lockspace> parse_ls(std::string_view text)
{
    std::vector<Lockspace> out;
    auto lines = lines_of(text);
    bool in_all_nodes = false;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::size_t line_no = i + 1;
        std::string_view line = trim(lines[i]);
        if (line.empty()) {
            in_all_nodes = false;
            continue;
        }
        if (line == "dlm lockspaces") continue;
        auto w = words(line);
        std::string_view key = w[0];
        std::size_t key_words = 1;
        if (key == "new" && w.size() >= 2) key_words = 2;
        if (key == "all" && w.size() >= 2 && w[1] == "nodes") {
            in_all_nodes = true;  // `ls -n` detail: one "nodeid ..." line per node follows
            continue;
        }
        if (in_all_nodes && key == "nodeid") continue;
        // the value starts after the key word(s)
        std::string_view rest = line;
        for (std::size_t k = 0; k < key_words; ++k) {
            rest.remove_prefix(rest.find(w[k]) + w[k].size());
        }
        rest = trim(rest);

        if (key == "name") {
            if (w.size() != 2) throw parse::ParseError(line_no, "lockspace name line must hold one name");
            Lockspace ls;
            ls.name = std::string(w[1]);
            out.push_back(std::move(ls));
            continue;
        }
        if (out.empty()) throw parse::ParseError(line_no, "'" + std::string(key) + "' before any lockspace name");
        Lockspace& ls = out.back();
        if (key == "id") ls.id = std::string(rest);
        else if (key == "flags") ls.flags = std::string(rest);
        else if (key == "change") ls.change = parse_change(rest, line_no);
        else if (key == "members") ls.members = parse_nodeids(rest, line_no);
        else if (key_words == 2 && w[1] == "change") {
            ls.changing = true;
            ls.next_change = parse_change(rest, line_no);
        } else if (key_words == 2 && w[1] == "status") {
            // "wait fencing", "wait quorum", "wait messages 3"
            auto sw = words(rest);
            if (sw.size() < 2 || sw[0] != "wait")
                throw parse::ParseError(line_no, "unexpected new status '" + std::string(rest) + "'");
            ls.wait_condition = std::string(sw[1]);
        } else if (key_words == 2 && w[1] == "members") {
            ls.next_members = parse_nodeids(rest, line_no);
        } else {
            throw parse::ParseError(line_no, "unexpected line '" + std::string(line) + "'");
        }
    }
    return out;
}

}  // namespace ocfkit::dlm
