// CIB primitives and domain names: pure readers of Pacemaker and libvirt XML (pugixml only).
#include "cluster_xml.h"

#include <algorithm>

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

std::string required(std::string_view xml, const pugi::xml_node& n, const char* name)
{
    pugi::xml_attribute a = n.attribute(name);
    if (!a || !*a.value()) throw parse::ParseError(line_of(xml, n), std::string("<") + n.name() + "> without " + name);
    return a.value();
}

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
