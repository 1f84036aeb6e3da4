// Parser for /proc/drbd; the 8.4 connection states are mapped to the names events2 uses.
#include "proc_drbd.h"

#include "ocfkit/parse/text.h"

#include <charconv>
#include <cstdlib>

namespace ocfkit::drbd {

using parse::trim;
using parse::words;

namespace {

using parse::ParseError;

bool to_int(std::string_view t, int& out)
{
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
    return !t.empty() && ec == std::errc() && p == t.data() + t.size();
}

// "ro:Primary/Secondary" → ("Primary", "Secondary")
bool split_pair(std::string_view word, std::string_view key, std::string& a, std::string& b)
{
    if (word.substr(0, key.size()) != key) return false;
    word.remove_prefix(key.size());
    auto slash = word.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 >= word.size()) return false;
    a = std::string(word.substr(0, slash));
    b = std::string(word.substr(slash + 1));
    return true;
}

// 8.4 device-level connection states that mean "connected to the peer".
bool cs_connected(const std::string& cs)
{
    return cs == "Connected" || cs == "StartingSyncS" || cs == "StartingSyncT" || cs == "WFBitMapS" ||
           cs == "WFBitMapT" || cs == "WFSyncUUID" || cs == "SyncSource" || cs == "SyncTarget" ||
           cs == "VerifyS" || cs == "VerifyT" || cs == "PausedSyncS" || cs == "PausedSyncT" || cs == "Ahead" ||
           cs == "Behind";
}

}  // namespace

const ProcMinor* ProcDrbd::find(int minor) const
{
    for (const auto& m : minors)
        if (m.minor == minor) return &m;
    return nullptr;
}

std::optional<KernelVersion> parse_kernel_version(std::string_view text)
{
    KernelVersion v;
    int* parts[3] = {&v.major, &v.minor, &v.patch};
    std::size_t i = 0;
    for (int k = 0; k < 3; ++k) {
        std::size_t s = i;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
        if (i == s || i - s > 4 || !to_int(text.substr(s, i - s), *parts[k])) return std::nullopt;
        if (k < 2) {
            if (i >= text.size() || text[i] != '.') return std::nullopt;
            ++i;
        }
    }
    if (i < text.size() && text[i] != '-' && text[i] != ' ' && text[i] != '+') return std::nullopt;
    v.text = std::string(text.substr(0, i));
    return v;
}

ProcDrbd parse_proc_drbd(std::string_view text)
{
    ProcDrbd out;
    bool have_version = false;
    std::size_t line_no = 0;
    while (!text.empty()) {
        std::size_t nl = text.find('\n');
        std::string_view raw = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        ++line_no;
        std::string_view line = trim(raw);
        if (line.empty()) continue;
        if (!have_version) {
            if (line.substr(0, 9) != "version: ")
                throw ParseError(line_no, "expected 'version: ' first, found '" + std::string(line.substr(0, 40)) + "'");
            auto v = parse_kernel_version(line.substr(9));
            if (!v) throw ParseError(line_no, "cannot read the DRBD version in '" + std::string(line) + "'");
            out.version = *v;
            have_version = true;
            continue;
        }
        // A minor's first line starts with its number: " 0: cs:Connected ro:... ds:... C r-----".
        if (line.front() >= '0' && line.front() <= '9') {
            auto colon = line.find(':');
            ProcMinor m;
            if (colon == std::string_view::npos || !to_int(line.substr(0, colon), m.minor))
                throw ParseError(line_no, "expected '<minor>: cs:...', found '" + std::string(line.substr(0, 40)) + "'");
            auto w = words(line.substr(colon + 1));
            if (w.empty() || w[0].substr(0, 3) != "cs:" || w[0].size() == 3)
                throw ParseError(line_no, "minor " + std::to_string(m.minor) + " has no cs: field");
            m.cs = std::string(w[0].substr(3));
            if (m.cs == "Unconfigured") {
                m.unconfigured = true;
                out.minors.push_back(std::move(m));
                continue;
            }
            if (w.size() < 4 || !split_pair(w[1], "ro:", m.role, m.peer_role) ||
                !split_pair(w[2], "ds:", m.disk, m.peer_disk))
                throw ParseError(line_no, "minor " + std::to_string(m.minor) + " lacks ro:X/Y ds:X/Y");
            std::size_t flags_at = 3;
            if (w[3].size() == 1) {  // wire protocol; absent (a blank) without a net config
                m.protocol = w[3][0];
                flags_at = 4;
            }
            if (flags_at < w.size() && !w[flags_at].empty()) m.suspended = w[flags_at][0] == 's';
            out.minors.push_back(std::move(m));
            continue;
        }
        if (out.minors.empty()) continue;  // srcversion:, GIT-hash:, Transports ...
        ProcMinor& last = out.minors.back();
        if (line.substr(0, 3) == "ns:") {
            for (auto w : words(line)) {
                if (w.substr(0, 4) != "oos:") continue;
                unsigned long long n = 0;
                auto d = w.substr(4);
                auto [p, ec] = std::from_chars(d.data(), d.data() + d.size(), n);
                if (ec != std::errc() || p != d.data() + d.size())
                    throw ParseError(line_no, "oos: value '" + std::string(d) + "' is not a number");
                last.oos = n;
            }
        } else if (line.front() == '[') {
            auto at = line.find("sync'ed:");
            if (at == std::string_view::npos) continue;  // "verified:" progress of online verify
            std::string num(trim(line.substr(at + 8)));
            char* end = nullptr;
            double pct = std::strtod(num.c_str(), &end);
            if (end == num.c_str() || *end != '%')
                throw ParseError(line_no, "cannot read the resync progress in '" + std::string(line) + "'");
            last.synced = pct;
        }
        // finish:/speed:, act_log:, resync: detail lines carry nothing the agent needs.
    }
    if (!have_version) throw ParseError(0, "empty input: no 'version:' line");
    return out;
}

ResourceStatus status_from_proc(const ProcDrbd& proc, std::string_view resource, const std::vector<int>& minors)
{
    ResourceStatus st;
    st.name = std::string(resource);
    Connection conn;
    conn.peer_node_id = 0;
    conn.name = "peer";  // what drbdsetup-84 events2 calls the one 8.4 connection
    bool any_primary = false;
    for (std::size_t vol = 0; vol < minors.size(); ++vol) {
        const ProcMinor* m = proc.find(minors[vol]);
        Volume v;
        v.volume = static_cast<int>(vol);
        v.minor = minors[vol];
        if (!m || m->unconfigured) {
            v.disk = "Unconfigured";
            st.volumes.push_back(std::move(v));
            continue;
        }
        st.exists = true;
        v.disk = m->disk;
        st.volumes.push_back(std::move(v));
        if (m->role == "Primary") any_primary = true;
        if (m->suspended) st.suspended = "yes";
        // Resource-level state as events2 reports it for 8.4 (drbd_conn_str9/drbd_repl_str9).
        std::string cstate = cs_connected(m->cs) ? "Connected" : (m->cs == "WFConnection" ? "Connecting" : m->cs);
        if (m->cs == "WFReportParams") cstate = "Connected";
        if (conn.state.empty() || conn.state == "Connected") conn.state = cstate;
        if (conn.peer_role.empty() || conn.peer_role == "Unknown") conn.peer_role = m->peer_role;
        PeerDevice pd;
        pd.volume = static_cast<int>(vol);
        pd.replication = m->cs == "Connected" ? "Established" : (cs_connected(m->cs) ? m->cs : "Off");
        pd.peer_disk = m->peer_disk;
        pd.done = m->synced;
        conn.peer_devices.push_back(std::move(pd));
    }
    if (!st.exists) {
        st.volumes.clear();
        return st;
    }
    if (st.suspended.empty()) st.suspended = "no";
    st.role = any_primary ? "Primary" : "Secondary";
    st.connections.push_back(std::move(conn));
    return st;
}

}  // namespace ocfkit::drbd
