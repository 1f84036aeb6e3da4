// Migration summary, bans and CIB primitives: pure readers of Pacemaker XML (pugixml only).
#include "cluster_xml.h"

#include <algorithm>
#include <charconv>

#include <pugixml.hpp>

namespace ocfkit::clevervm {

namespace {

pugi::xml_document load(std::string_view xml, std::string_view what)
{
    pugi::xml_document doc;
    pugi::xml_parse_result r = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
    if (!r) {
        auto end = std::min(static_cast<std::size_t>(std::max<std::ptrdiff_t>(r.offset, 0)), xml.size());
        std::size_t line = 1 + static_cast<std::size_t>(std::count(xml.begin(), xml.begin() + static_cast<std::ptrdiff_t>(end), '\n'));
        throw parse::ParseError(line, std::string(what) + " is not XML: " + r.description());
    }
    return doc;
}

std::size_t line_of(std::string_view xml, const pugi::xml_node& n)
{
    auto off = n.offset_debug();
    if (off < 0) return 0;
    auto end = std::min(static_cast<std::size_t>(off), xml.size());
    return 1 + static_cast<std::size_t>(std::count(xml.begin(), xml.begin() + static_cast<std::ptrdiff_t>(end), '\n'));
}

// Pacemaker scores: integers, or [+-]INFINITY (1000000).
long long score(std::string_view xml, const pugi::xml_node& n, const char* name, long long fallback)
{
    pugi::xml_attribute a = n.attribute(name);
    if (!a) return fallback;
    std::string_view v = a.value();
    if (v == "INFINITY" || v == "+INFINITY") return 1000000;
    if (v == "-INFINITY") return -1000000;
    long long value = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
    if (v.empty() || ec != std::errc() || end != v.data() + v.size())
        throw parse::ParseError(line_of(xml, n), std::string("<") + n.name() + "> attribute " + name + "=\"" +
                                                     a.value() + "\" is not a score");
    return value;
}

std::string required(std::string_view xml, const pugi::xml_node& n, const char* name)
{
    pugi::xml_attribute a = n.attribute(name);
    if (!a || !*a.value()) throw parse::ParseError(line_of(xml, n), std::string("<") + n.name() + "> without " + name);
    return a.value();
}

bool is_true(const pugi::xml_attribute& a) { return std::string_view(a.value()) == "true"; }

void collect(std::string_view xml, const pugi::xml_node& parent, const std::string& parent_id, bool promotable,
             std::vector<CibPrimitive>& out)
{
    for (pugi::xml_node n : parent.children()) {
        std::string_view name = n.name();
        if (name == "primitive") {
            CibPrimitive p;
            p.id = required(xml, n, "id");
            p.standard = n.attribute("class").value();
            p.provider = n.attribute("provider").value();
            p.type = n.attribute("type").value();
            p.parent = parent_id;
            p.promotable = promotable;
            // Only the plain (rule-less) parameter sets: the values the agent gets everywhere.
            for (pugi::xml_node set : n.children("instance_attributes")) {
                if (set.child("rule")) continue;
                for (pugi::xml_node nv : set.children("nvpair"))
                    p.params.emplace(required(xml, nv, "name"), nv.attribute("value").value());
            }
            out.push_back(std::move(p));
        } else if (name == "clone" || name == "master") {
            bool promo = name == "master";
            for (pugi::xml_node set : n.children("meta_attributes"))
                for (pugi::xml_node nv : set.children("nvpair"))
                    if (std::string_view(nv.attribute("name").value()) == "promotable")
                        promo = promo || std::string_view(nv.attribute("value").value()) == "true";
            collect(xml, n, required(xml, n, "id"), promo, out);
        } else if (name == "group") {
            collect(xml, n, required(xml, n, "id"), promotable, out);
        }
    }
}

}  // namespace

CrmMonExtras parse_crm_mon_extras(std::string_view xml)
{
    pugi::xml_document doc = load(xml, "crm_mon output");
    pugi::xml_node root = doc.document_element();
    CrmMonExtras out;
    for (pugi::xml_node node : root.child("node_history").children("node")) {
        std::string node_name = required(xml, node, "name");
        for (pugi::xml_node h : node.children("resource_history")) {
            if (!h.attribute("fail-count")) continue;
            MigrationEntry e;
            e.node = node_name;
            e.resource = required(xml, h, "id");
            e.fail_count = score(xml, h, "fail-count", 0);
            e.migration_threshold = score(xml, h, "migration-threshold", 0);
            e.last_failure = h.attribute("last-failure").value();
            if (e.fail_count > 0) out.migration.push_back(std::move(e));
        }
    }
    for (pugi::xml_node b : root.child("bans").children("ban")) {
        Ban ban;
        ban.id = required(xml, b, "id");
        ban.resource = required(xml, b, "resource");
        ban.node = required(xml, b, "node");
        ban.weight = score(xml, b, "weight", 0);
        ban.promoted_only = is_true(b.attribute("promoted-only")) || is_true(b.attribute("master_only"));
        out.bans.push_back(std::move(ban));
    }
    return out;
}

std::vector<CibPrimitive> parse_cib_primitives(std::string_view xml)
{
    pugi::xml_document doc = load(xml, "CIB");
    pugi::xml_node root = doc.document_element();
    pugi::xml_node resources;
    if (std::string_view(root.name()) == "resources") {
        resources = root;
    } else if (std::string_view(root.name()) == "cib") {
        resources = root.child("configuration").child("resources");
    }
    if (!resources)
        throw parse::ParseError(line_of(xml, root), std::string("<") + root.name() + "> is not a CIB or its <resources>");
    std::vector<CibPrimitive> out;
    collect(xml, resources, "", false, out);
    return out;
}

std::optional<std::string> domain_name(std::string_view xml)
{
    pugi::xml_document doc;
    if (!doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8)) return std::nullopt;
    pugi::xml_node root = doc.document_element();
    if (std::string_view(root.name()) != "domain") return std::nullopt;
    std::string name = root.child("name").text().get();
    while (!name.empty() && (name.back() == ' ' || name.back() == '\n' || name.back() == '\t')) name.pop_back();
    while (!name.empty() && (name.front() == ' ' || name.front() == '\n' || name.front() == '\t')) name.erase(0, 1);
    if (name.empty()) return std::nullopt;
    return name;
}

std::string CibPrimitive::agent() const
{
    if (provider.empty()) return standard + ":" + type;
    return standard + ":" + provider + ":" + type;
}

}  // namespace ocfkit::clevervm
