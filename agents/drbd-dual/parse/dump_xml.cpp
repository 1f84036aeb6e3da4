// Reads drbdadm's dump-xml (drbdadm_dump.c adm_dump_xml) with pugixml.
#include "dump_xml.h"

#include <cstdlib>
#include <pugixml.hpp>

namespace ocfkit::drbd {

namespace {

using parse::ParseError;

// pugixml reports byte offsets; errors name lines like every other parser.
std::size_t line_at(std::string_view text, std::ptrdiff_t offset)
{
    std::size_t line = 1;
    for (std::ptrdiff_t i = 0; i < offset && i < static_cast<std::ptrdiff_t>(text.size()); ++i)
        if (text[static_cast<std::size_t>(i)] == '\n') ++line;
    return line;
}

void read_sections(pugi::xml_node parent, Sections& into)
{
    for (pugi::xml_node s : parent.children("section")) {
        auto& opts = into[s.attribute("name").as_string()];
        for (pugi::xml_node o : s.children("option")) {
            std::string name = o.attribute("name").as_string();
            if (name.empty()) continue;
            pugi::xml_attribute value = o.attribute("value");
            opts[name] = value ? value.as_string() : "yes";
        }
    }
}

int int_attr(pugi::xml_node n, const char* attr, std::string_view text, int fallback)
{
    pugi::xml_attribute a = n.attribute(attr);
    if (!a) return fallback;
    std::string v = a.as_string();
    char* end = nullptr;
    long x = std::strtol(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || x < -1 || x > 1048575)
        throw ParseError(line_at(text, n.offset_debug()),
                         "attribute " + std::string(attr) + "=\"" + v + "\" is not a number");
    return static_cast<int>(x);
}

}  // namespace

bool ConfigHost::names(std::string_view host) const
{
    std::string_view all = name;
    while (!all.empty()) {
        auto sp = all.find(' ');
        if (all.substr(0, sp) == host) return true;
        if (sp == std::string_view::npos) break;
        all.remove_prefix(sp + 1);
    }
    return false;
}

const ConfigHost* ConfigResource::host(std::string_view n) const
{
    for (const auto& h : hosts)
        if (h.names(n)) return &h;
    return nullptr;
}

std::optional<std::string> ConfigResource::option(std::string_view section, std::string_view n) const
{
    auto s = sections.find(section);
    if (s == sections.end()) return std::nullopt;
    auto o = s->second.find(std::string(n));
    if (o == s->second.end()) return std::nullopt;
    return o->second;
}

const ConfigResource* DrbdConfig::resource(std::string_view n) const
{
    for (const auto& r : resources)
        if (r.name == n) return &r;
    return nullptr;
}

DrbdConfig parse_dump_xml(std::string_view text)
{
    pugi::xml_document doc;
    pugi::xml_parse_result ok = doc.load_buffer(text.data(), text.size(), pugi::parse_default, pugi::encoding_utf8);
    if (!ok) throw ParseError(line_at(text, ok.offset), std::string("not XML: ") + ok.description());
    pugi::xml_node config = doc.child("config");
    if (!config) throw ParseError(0, "no <config> element: not drbdadm dump-xml output");
    DrbdConfig out;
    out.file = config.attribute("file").as_string();
    Sections common;
    read_sections(config.child("common"), common);
    for (pugi::xml_node r : config.children("resource")) {
        ConfigResource res;
        res.name = r.attribute("name").as_string();
        if (res.name.empty()) throw ParseError(line_at(text, r.offset_debug()), "<resource> without a name");
        res.sections = common;
        Sections own;
        read_sections(r, own);
        for (auto& [section, opts] : own)
            for (auto& [k, v] : opts) res.sections[section][k] = v;
        for (pugi::xml_node h : r.children("host")) {
            ConfigHost host;
            host.name = h.attribute("name").as_string();
            host.address = h.child_value("address");
            for (pugi::xml_node v : h.children("volume")) {
                ConfigVolume vol;
                vol.vnr = int_attr(v, "vnr", text, 0);
                vol.minor = int_attr(v.child("device"), "minor", text, -1);
                vol.device = v.child_value("device");
                vol.disk = v.child_value("disk");
                host.volumes.push_back(std::move(vol));
            }
            res.hosts.push_back(std::move(host));
        }
        for (pugi::xml_node c : r.children("connection")) {
            Sections cs;
            read_sections(c, cs);
            res.connections.push_back(std::move(cs));
        }
        out.resources.push_back(std::move(res));
    }
    return out;
}

}  // namespace ocfkit::drbd
