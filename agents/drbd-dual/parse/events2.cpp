// Reads the "exists" snapshot drbdsetup events2 --now prints, one object per line.
#include "events2.h"

#include <charconv>
#include <cstdlib>
#include <string>
#include <vector>

namespace ocfkit::drbd {

namespace {

using parse::ParseError;

struct Fields {
    std::vector<std::pair<std::string_view, std::string_view>> kv;

    std::string_view get(std::string_view key) const
    {
        for (const auto& [k, v] : kv)
            if (k == key) return v;
        return {};
    }
    bool has(std::string_view key) const
    {
        for (const auto& [k, v] : kv)
            if (k == key) return true;
        return false;
    }
};

std::vector<std::string_view> split_words(std::string_view line)
{
    std::vector<std::string_view> words;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        std::size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
        if (i > start) words.push_back(line.substr(start, i - start));
    }
    return words;
}

int to_int(std::string_view text, std::size_t line_no, std::string_view what)
{
    int value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size())
        throw ParseError(line_no, std::string(what) + " '" + std::string(text) + "' is not a number");
    return value;
}

std::string_view need(const Fields& f, std::string_view key, std::size_t line_no, std::string_view object)
{
    if (!f.has(key))
        throw ParseError(line_no, std::string(object) + " line without '" + std::string(key) + ":'");
    return f.get(key);
}

Connection& connection_for(ResourceStatus& st, int peer_node_id, std::string_view name)
{
    for (auto& c : st.connections)
        if (c.peer_node_id == peer_node_id && c.name == name) return c;
    Connection c;
    c.peer_node_id = peer_node_id;
    c.name = std::string(name);
    st.connections.push_back(std::move(c));
    return st.connections.back();
}

}  // namespace

ResourceStatus parse_events2(std::string_view text, std::string_view resource)
{
    ResourceStatus st;
    st.name = std::string(resource);
    bool finished = false;
    std::size_t line_no = 0;
    while (!text.empty()) {
        std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        auto words = split_words(line);
        if (words.empty()) continue;
        if (finished) throw ParseError(line_no, "output continues after 'exists -'");
        if (words[0] != "exists")
            throw ParseError(line_no, "expected an 'exists' line, found '" + std::string(words[0]) + "'");
        if (words.size() < 2) throw ParseError(line_no, "'exists' without an object");
        if (words[1] == "-") {
            finished = true;
            continue;
        }
        std::string_view object = words[1];
        Fields f;
        for (std::size_t i = 2; i < words.size(); ++i) {
            auto colon = words[i].find(':');
            if (colon == std::string_view::npos || colon == 0)
                throw ParseError(line_no, "field '" + std::string(words[i]) + "' is not key:value");
            f.kv.emplace_back(words[i].substr(0, colon), words[i].substr(colon + 1));
        }
        if (need(f, "name", line_no, object) != resource) continue;
        st.exists = true;
        if (object == "resource") {
            st.role = std::string(need(f, "role", line_no, object));
            st.suspended = std::string(f.get("suspended"));
        } else if (object == "device") {
            Volume v;
            v.volume = to_int(need(f, "volume", line_no, object), line_no, "volume");
            if (f.has("minor")) v.minor = to_int(f.get("minor"), line_no, "minor");
            v.disk = std::string(need(f, "disk", line_no, object));
            v.client = f.get("client") == "yes";
            if (f.has("quorum")) v.quorum = f.get("quorum") == "yes";
            st.volumes.push_back(std::move(v));
        } else if (object == "connection") {
            int id = to_int(need(f, "peer-node-id", line_no, object), line_no, "peer-node-id");
            Connection& c = connection_for(st, id, f.get("conn-name"));
            c.state = std::string(need(f, "connection", line_no, object));
            c.peer_role = std::string(f.get("role"));
        } else if (object == "peer-device") {
            int id = to_int(need(f, "peer-node-id", line_no, object), line_no, "peer-node-id");
            Connection& c = connection_for(st, id, f.get("conn-name"));
            PeerDevice pd;
            pd.volume = to_int(need(f, "volume", line_no, object), line_no, "volume");
            pd.replication = std::string(need(f, "replication", line_no, object));
            pd.peer_disk = std::string(need(f, "peer-disk", line_no, object));
            pd.peer_client = f.get("peer-client") == "yes";
            pd.resync_suspended = std::string(f.get("resync-suspended"));
            if (f.has("done")) {
                std::string d(f.get("done"));
                char* end = nullptr;
                double pct = std::strtod(d.c_str(), &end);
                if (d.empty() || *end != '\0') throw ParseError(line_no, "done '" + d + "' is not a number");
                pd.done = pct;
            }
            c.peer_devices.push_back(std::move(pd));
        }
        // "path" and objects of future versions carry nothing the agent needs.
    }
    if (!finished) throw ParseError(line_no, "output ended before 'exists -' (truncated)");
    if (st.exists && st.role.empty()) throw ParseError(0, "resource line missing for " + st.name);
    return st;
}

}  // namespace ocfkit::drbd
