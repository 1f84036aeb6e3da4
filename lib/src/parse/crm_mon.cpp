// crm_mon --output-as=xml (Pacemaker 2.1, root <pacemaker-result>; also the older <crm_mon> root):
// cluster state, and apart from it the node history and bans.
#include "ocfkit/parse/crm_mon.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include <pugixml.hpp>

namespace ocfkit::parse {

namespace {

class Reader {
public:
    explicit Reader(std::string_view xml) : xml_(xml) {}

    std::size_t line_of(std::ptrdiff_t offset) const
    {
        if (offset < 0) return 0;
        auto end = std::min(static_cast<std::size_t>(offset), xml_.size());
        return 1 + static_cast<std::size_t>(std::count(xml_.begin(), xml_.begin() + static_cast<std::ptrdiff_t>(end), '\n'));
    }
    std::size_t line_of(const pugi::xml_node& n) const { return line_of(n.offset_debug()); }

    [[noreturn]] void fail(const pugi::xml_node& n, const std::string& message) const
    {
        throw ParseError(line_of(n), message);
    }

    // Attributes crm_mon always writes as "true"/"false"; absent → `fallback`.
    bool boolean(const pugi::xml_node& n, const char* name, bool fallback) const
    {
        pugi::xml_attribute a = n.attribute(name);
        if (!a) return fallback;
        std::string_view v = a.value();
        if (v == "true") return true;
        if (v == "false") return false;
        fail(n, std::string("<") + n.name() + "> attribute " + name + "=\"" + a.value() + "\" is not true/false");
    }

    int integer(const pugi::xml_node& n, const char* name, int fallback) const
    {
        pugi::xml_attribute a = n.attribute(name);
        if (!a) return fallback;
        std::string_view v = a.value();
        int value = 0;
        auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
        if (v.empty() || ec != std::errc() || end != v.data() + v.size())
            fail(n, std::string("<") + n.name() + "> attribute " + name + "=\"" + a.value() + "\" is not an integer");
        return value;
    }

    std::string required(const pugi::xml_node& n, const char* name) const
    {
        pugi::xml_attribute a = n.attribute(name);
        if (!a || !*a.value()) fail(n, std::string("<") + n.name() + "> without " + name);
        return a.value();
    }

    // Pacemaker scores: integers, or [+-]INFINITY (1000000).
    long long score(const pugi::xml_node& n, const char* name, long long fallback) const
    {
        pugi::xml_attribute a = n.attribute(name);
        if (!a) return fallback;
        std::string_view v = a.value();
        if (v == "INFINITY" || v == "+INFINITY") return kInfinity;
        if (v == "-INFINITY") return -kInfinity;
        long long value = 0;
        const char* begin = v.data() + (v.starts_with('+') ? 1 : 0);
        auto [end, ec] = std::from_chars(begin, v.data() + v.size(), value);
        if (begin == v.data() + v.size() || ec != std::errc() || end != v.data() + v.size())
            fail(n, std::string("<") + n.name() + "> attribute " + name + "=\"" + a.value() + "\" is not a score");
        // Pacemaker caps scores at INFINITY.
        return std::clamp(value, -kInfinity, kInfinity);
    }

    static constexpr long long kInfinity = 1000000;

private:
    std::string_view xml_;
};

// Pacemaker < 2.1 wrote Master/Slave; agents compare against the current names.
std::string normalize_role(std::string role)
{
    if (role == "Master") return "Promoted";
    if (role == "Slave") return "Unpromoted";
    return role;
}

struct ParentInfo {
    std::string id;
    std::string kind;
    bool promotable = false;
};

void read_resource(const Reader& r, const pugi::xml_node& n, const ParentInfo& parent, CrmMon& out)
{
    CrmResource res;
    res.id = r.required(n, "id");
    res.agent = n.attribute("resource_agent").value();
    res.role = normalize_role(n.attribute("role").value());
    res.target_role = normalize_role(n.attribute("target_role").value());
    res.active = r.boolean(n, "active", false);
    res.orphaned = r.boolean(n, "orphaned", false);
    res.managed = r.boolean(n, "managed", true);
    res.failed = r.boolean(n, "failed", false);
    res.failure_ignored = r.boolean(n, "failure_ignored", false);
    for (pugi::xml_node node : n.children("node")) res.nodes.push_back(r.required(node, "name"));
    res.parent = parent.id;
    res.parent_kind = parent.kind;
    res.parent_promotable = parent.promotable;
    out.resources.push_back(std::move(res));
}

// Pacemaker nests at most clone > group > resource or bundle > replica > resource; the limit
// only keeps hostile input from exhausting the stack.
constexpr int kMaxNesting = 8;

void read_collection(const Reader& r, const pugi::xml_node& parent_node, const ParentInfo& parent, CrmMon& out, int depth);

void read_item(const Reader& r, const pugi::xml_node& n, const ParentInfo& parent, CrmMon& out, int depth)
{
    std::string_view name = n.name();
    if (depth > kMaxNesting) r.fail(n, "resources nested deeper than " + std::to_string(kMaxNesting) + " levels");
    if (name == "resource") {
        read_resource(r, n, parent, out);
    } else if (name == "clone") {
        ParentInfo p{r.required(n, "id"), "clone", r.boolean(n, "multi_state", false)};
        read_collection(r, n, p, out, depth + 1);
    } else if (name == "group") {
        // A group inside a clone ("grp:0") keeps the clone's promotability.
        ParentInfo p{r.required(n, "id"), "group", parent.promotable};
        read_collection(r, n, p, out, depth + 1);
    } else if (name == "bundle") {
        ParentInfo p{r.required(n, "id"), "bundle", false};
        for (pugi::xml_node replica : n.children("replica")) read_collection(r, replica, p, out, depth + 1);
    }
    // Anything else is a newer element we do not need.
}

void read_collection(const Reader& r, const pugi::xml_node& parent_node, const ParentInfo& parent, CrmMon& out, int depth)
{
    for (pugi::xml_node child : parent_node.children()) {
        if (child.type() == pugi::node_element) read_item(r, child, parent, out, depth);
    }
}

// The document's root element once it is known to be crm_mon output and not an error result.
pugi::xml_node load_result(const Reader& r, std::string_view xml, pugi::xml_document& doc)
{
    pugi::xml_parse_result parsed = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
    if (!parsed) {
        // Without any element (empty, or an error message instead of XML) no line is to blame.
        std::size_t line = parsed.status == pugi::status_no_document_element ? 0 : r.line_of(parsed.offset);
        throw ParseError(line, std::string("not XML: ") + parsed.description());
    }

    pugi::xml_node root = doc.document_element();
    std::string_view root_name = root.name();
    if (root_name != "pacemaker-result" && root_name != "crm_mon")
        throw ParseError(r.line_of(root), "root element <" + std::string(root_name) + "> is not crm_mon output");

    // An error result (e.g. "Not connected") has a non-zero status and no cluster state.
    if (pugi::xml_node status = root.child("status")) {
        int code = r.integer(status, "code", 0);
        if (code != 0) {
            std::string message = "crm_mon reported error " + std::to_string(code) + ": " + status.attribute("message").value();
            for (pugi::xml_node e : status.child("errors").children("error")) message += std::string("; ") + e.text().get();
            throw ParseError(r.line_of(status), message);
        }
    }
    return root;
}

}  // namespace

const CrmNode* CrmMon::node(std::string_view name) const
{
    for (const auto& n : nodes) {
        if (n.name == name) return &n;
    }
    return nullptr;
}

std::vector<const CrmResource*> CrmMon::instances(std::string_view id) const
{
    std::vector<const CrmResource*> found;
    for (const auto& r : resources) {
        std::string_view rid = r.id;
        if (rid == id) {
            found.push_back(&r);
        } else if (rid.size() > id.size() + 1 && rid.substr(0, id.size()) == id && rid[id.size()] == ':' &&
                   rid.find_first_not_of("0123456789", id.size() + 1) == std::string_view::npos) {
            found.push_back(&r);
        }
    }
    return found;
}

CrmMon parse_crm_mon(std::string_view xml)
{
    Reader r(xml);
    pugi::xml_document doc;
    pugi::xml_node root = load_result(r, xml, doc);

    CrmMon out;
    pugi::xml_node summary = root.child("summary");
    if (!summary) throw ParseError(r.line_of(root), "crm_mon output without <summary>");
    out.stack = summary.child("stack").attribute("type").value();
    if (pugi::xml_node dc = summary.child("current_dc")) {
        if (r.boolean(dc, "present", false)) {
            out.dc_name = r.required(dc, "name");
            out.pacemaker_version = dc.attribute("version").value();
        }
        out.with_quorum = r.boolean(dc, "with_quorum", false);
    }
    if (out.pacemaker_version.empty()) out.pacemaker_version = root.attribute("version").value();
    if (pugi::xml_node n = summary.child("nodes_configured")) out.nodes_configured = r.integer(n, "number", 0);
    if (pugi::xml_node n = summary.child("resources_configured")) out.resources_configured = r.integer(n, "number", 0);
    if (pugi::xml_node o = summary.child("cluster_options")) {
        // Pacemaker 3.0.2 prints both names; a later release may drop the old one.
        out.fencing_enabled = o.attribute("fencing-enabled") ? r.boolean(o, "fencing-enabled", false)
                                                             : r.boolean(o, "stonith-enabled", false);
        out.maintenance_mode = r.boolean(o, "maintenance-mode", false);
    }

    pugi::xml_node nodes = root.child("nodes");
    if (!nodes) throw ParseError(r.line_of(root), "crm_mon output without <nodes>");
    for (pugi::xml_node n : nodes.children("node")) {
        CrmNode node;
        node.name = r.required(n, "name");
        node.id = n.attribute("id").value();
        node.online = r.boolean(n, "online", false);
        node.standby = r.boolean(n, "standby", false);
        node.maintenance = r.boolean(n, "maintenance", false);
        node.unclean = r.boolean(n, "unclean", false);
        node.is_dc = r.boolean(n, "is_dc", false);
        node.type = n.attribute("type").value();
        out.nodes.push_back(std::move(node));
    }

    if (pugi::xml_node resources = root.child("resources")) read_collection(r, resources, ParentInfo{}, out, 1);

    for (pugi::xml_node f : root.child("failures").children("failure")) {
        CrmFailure failure;
        failure.op_key = f.attribute("op_key") ? f.attribute("op_key").value() : f.attribute("id").value();
        if (failure.op_key.empty()) r.fail(f, "<failure> without op_key");
        failure.node = f.attribute("node").value();
        failure.exitstatus = f.attribute("exitstatus").value();
        failure.exitreason = f.attribute("exitreason").value();
        failure.exitcode = r.integer(f, "exitcode", 0);
        failure.task = f.attribute("task").value();
        failure.status = f.attribute("status").value();
        out.failures.push_back(std::move(failure));
    }
    return out;
}

std::vector<const CrmResourceHistory*> CrmMonHistory::failed() const
{
    std::vector<const CrmResourceHistory*> out;
    for (const auto& h : node_history)
        if (h.fail_count > 0) out.push_back(&h);
    return out;
}

CrmMonHistory parse_crm_mon_history(std::string_view xml)
{
    Reader r(xml);
    pugi::xml_document doc;
    pugi::xml_node root = load_result(r, xml, doc);

    CrmMonHistory out;
    for (pugi::xml_node node : root.child("node_history").children("node")) {
        std::string node_name = r.required(node, "name");
        for (pugi::xml_node h : node.children("resource_history")) {
            CrmResourceHistory e;
            e.node = node_name;
            e.resource = r.required(h, "id");
            e.orphan = r.boolean(h, "orphan", false);
            e.migration_threshold = r.score(h, "migration-threshold", 0);
            e.fail_count = r.score(h, "fail-count", 0);
            e.last_failure = h.attribute("last-failure").value();
            out.node_history.push_back(std::move(e));
        }
    }
    for (pugi::xml_node b : root.child("bans").children("ban")) {
        CrmBan ban;
        ban.id = r.required(b, "id");
        ban.resource = r.required(b, "resource");
        ban.node = r.required(b, "node");
        ban.weight = r.score(b, "weight", 0);
        // Pacemaker 2.1 writes both; older versions only master_only.
        ban.promoted_only = r.boolean(b, "promoted-only", false) || r.boolean(b, "master_only", false);
        out.bans.push_back(std::move(ban));
    }
    return out;
}

}  // namespace ocfkit::parse
