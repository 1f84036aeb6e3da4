// Maps drbdsetup's JSON status (drbdsetup.c resource/device/connection_status_json) to the model.
#include "status_json.h"

#include <cmath>
#include <string>

#include "ocfkit/parse/json.h"

namespace ocfkit::drbd {

namespace {

using parse::Json;
using parse::ParseError;

const Json& member(const Json& obj, std::string_view key)
{
    const Json* v = obj.find(key);
    if (!v) throw ParseError(obj.line(), "object has no \"" + std::string(key) + "\"");
    return *v;
}

std::string text_of(const Json& obj, std::string_view key)
{
    const Json& v = member(obj, key);
    if (!v.is_string()) throw ParseError(v.line(), "\"" + std::string(key) + "\" is not a string");
    return v.as_string();
}

int int_of(const Json& obj, std::string_view key)
{
    const Json& v = member(obj, key);
    if (!v.is_number()) throw ParseError(v.line(), "\"" + std::string(key) + "\" is not a number");
    double d = v.as_number();
    if (d != std::floor(d) || d < -1e9 || d > 1e9)
        throw ParseError(v.line(), "\"" + std::string(key) + "\" is not an integer");
    return static_cast<int>(d);
}

bool bool_or(const Json& obj, std::string_view key, bool fallback)
{
    const Json* v = obj.find(key);
    if (!v || !v->is_bool()) return fallback;
    return v->as_bool();
}

const Json::Array& array_of(const Json& obj, std::string_view key)
{
    const Json& v = member(obj, key);
    if (!v.is_array()) throw ParseError(v.line(), "\"" + std::string(key) + "\" is not an array");
    return v.as_array();
}

}  // namespace

ResourceStatus parse_status_json(std::string_view text, std::string_view resource)
{
    Json root = parse::parse_json(text);
    if (!root.is_array()) throw ParseError(root.line(), "expected an array of resources at the top level");
    ResourceStatus st;
    st.name = std::string(resource);
    for (const Json& res : root.as_array()) {
        if (!res.is_object()) throw ParseError(res.line(), "resource entry is not an object");
        if (text_of(res, "name") != resource) continue;
        st.exists = true;
        st.role = text_of(res, "role");
        // Several reasons can hold at once: listed as events2 lists them (drbdsetup's susp_str).
        std::string reasons;
        for (const char* why : {"user", "no-data", "fencing", "quorum"}) {
            if (!bool_or(res, std::string("suspended-") + why, false)) continue;
            if (!reasons.empty()) reasons += ',';
            reasons += why;
        }
        const Json* susp = res.find("suspended");
        bool any = susp && susp->is_bool() && susp->as_bool();
        st.suspended = !reasons.empty() ? reasons : any ? "yes" : "no";
        for (const Json& dev : array_of(res, "devices")) {
            Volume v;
            v.volume = int_of(dev, "volume");
            v.minor = int_of(dev, "minor");
            v.disk = text_of(dev, "disk-state");
            v.client = bool_or(dev, "client", false);
            if (const Json* q = dev.find("quorum"); q && q->is_bool()) v.quorum = q->as_bool();
            st.volumes.push_back(std::move(v));
        }
        for (const Json& con : array_of(res, "connections")) {
            Connection c;
            c.peer_node_id = int_of(con, "peer-node-id");
            c.name = text_of(con, "name");
            c.state = text_of(con, "connection-state");
            c.peer_role = text_of(con, "peer-role");
            for (const Json& pdj : array_of(con, "peer_devices")) {
                PeerDevice pd;
                pd.volume = int_of(pdj, "volume");
                pd.replication = text_of(pdj, "replication-state");
                pd.peer_disk = text_of(pdj, "peer-disk-state");
                pd.peer_client = bool_or(pdj, "peer-client", false);
                if (const Json* rs = pdj.find("resync-suspended"); rs && rs->is_string())
                    pd.resync_suspended = rs->as_string();
                if (const Json* done = pdj.find("percent-resync-done"); done && done->is_number())
                    pd.done = done->as_number();
                else if (const Json* in_sync = pdj.find("percent-in-sync");
                         in_sync && in_sync->is_number() && replication_is_syncing(pd.replication))
                    pd.done = in_sync->as_number();
                c.peer_devices.push_back(std::move(pd));
            }
            st.connections.push_back(std::move(c));
        }
    }
    return st;
}

}  // namespace ocfkit::drbd
