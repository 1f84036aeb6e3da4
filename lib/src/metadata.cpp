// Renders an agent's table as OCF meta-data in the dialect the caller understands.
#include "ocfkit/metadata.h"

#include <algorithm>
#include <array>
#include <sstream>

#include <fmt/format.h>
#include <pugixml.hpp>

namespace ocfkit {

namespace {

// Action names ra-api-1.dtd enumerates; anything else would make the 1.0 document invalid.
constexpr std::array<std::string_view, 16> kOcf10Actions = {
    "start", "stop", "recover", "monitor", "restart", "migrate_to", "migrate_from", "promote",
    "demote", "notify", "status", "reload", "meta-data", "usage", "methods", "validate-all"};

std::string_view type_name(ParamType t, MetadataDialect d)
{
    switch (t) {
    case ParamType::String: return "string";
    case ParamType::Integer: return "integer";
    case ParamType::Boolean: return "boolean";
    case ParamType::Select: return d == MetadataDialect::Ocf11 ? "select" : "string";
    }
    return "string";
}

void add_desc(pugi::xml_node parent, const char* tag, std::string_view text)
{
    auto n = parent.append_child(tag);
    n.append_attribute("lang") = "en";
    n.text() = std::string(text).c_str();
}

// What the 1.0 dialect cannot say in attributes goes into the long description.
std::string ocf10_longdesc(const ParamSpec& p)
{
    std::string text = p.longdesc;
    auto add = [&](const std::string& s) {
        if (!text.empty() && text.back() != '\n') text += "\n";
        text += s;
    };
    if (p.type == ParamType::Select) add(fmt::format("Allowed values: {}.", fmt::join(p.choices, ", ")));
    if (!p.unique_group.empty()) add(fmt::format("Must be unique in the cluster (unique group '{}').", p.unique_group));
    if (p.reloadable) add("Changing it takes effect without a restart.");
    if (!p.replaced_by.empty()) add(fmt::format("Deprecated: use '{}' instead.", p.replaced_by));
    return text;
}

}  // namespace

std::string render_metadata(const AgentSpec& spec, MetadataDialect dialect)
{
    const bool v11 = dialect == MetadataDialect::Ocf11;
    pugi::xml_document doc;
    auto decl = doc.append_child(pugi::node_declaration);
    decl.append_attribute("version") = "1.0";
    if (!v11) doc.append_child(pugi::node_doctype).set_value("resource-agent SYSTEM \"ra-api-1.dtd\"");

    auto ra = doc.append_child("resource-agent");
    ra.append_attribute("name") = spec.name.c_str();
    ra.append_attribute("version") = spec.version.c_str();
    ra.append_child("version").text() = v11 ? "1.1" : "1.0";
    add_desc(ra, "longdesc", spec.longdesc);
    add_desc(ra, "shortdesc", spec.shortdesc);

    auto params = ra.append_child("parameters");
    for (const auto& p : spec.params) {
        auto pn = params.append_child("parameter");
        pn.append_attribute("name") = p.name.c_str();
        if (v11) {
            if (!p.unique_group.empty()) pn.append_attribute("unique-group") = p.unique_group.c_str();
            pn.append_attribute("required") = p.required ? "1" : "0";
            if (p.reloadable) pn.append_attribute("reloadable") = "1";
            if (!p.replaced_by.empty()) {
                auto dep = pn.append_child("deprecated");
                dep.append_child("replaced-with").append_attribute("name") = p.replaced_by.c_str();
            }
            add_desc(pn, "longdesc", p.longdesc);
        } else {
            pn.append_attribute("unique") = p.unique_group.empty() ? "0" : "1";
            pn.append_attribute("required") = p.required ? "1" : "0";
            add_desc(pn, "longdesc", ocf10_longdesc(p));
        }
        add_desc(pn, "shortdesc", p.shortdesc);
        auto content = pn.append_child("content");
        content.append_attribute("type") = std::string(type_name(p.type, dialect)).c_str();
        if (p.default_value) content.append_attribute("default") = p.default_value->c_str();
        if (v11 && p.type == ParamType::Select)
            for (const auto& c : p.choices) content.append_child("option").append_attribute("value") = c.c_str();
    }

    auto actions = ra.append_child("actions");
    for (const auto& a : spec.actions) {
        if (!v11 && std::find(kOcf10Actions.begin(), kOcf10Actions.end(), a.name) == kOcf10Actions.end())
            continue;
        auto an = actions.append_child("action");
        an.append_attribute("name") = a.name.c_str();
        an.append_attribute("timeout") = fmt::format("{}s", a.timeout_s).c_str();
        if (a.interval_s > 0) an.append_attribute("interval") = fmt::format("{}s", a.interval_s).c_str();
        if (a.depth) an.append_attribute("depth") = fmt::format("{}", *a.depth).c_str();
        if (!a.role.empty()) an.append_attribute("role") = a.role.c_str();
    }

    std::ostringstream out;
    doc.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
    return out.str();
}

}  // namespace ocfkit
