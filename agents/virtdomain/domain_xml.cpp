// Domain XML reading with pugixml: name, UUID, emulator and the files the guest needs.
#include "domain_xml.h"

#include <algorithm>
#include <cctype>
#include <sstream>

#include <fmt/format.h>
#include <pugixml.hpp>

namespace ocfkit::virtdomain {

namespace {

std::string trimmed(std::string_view s)
{
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return std::string(s);
}

DomainXmlResult failed(std::string message) { return {std::nullopt, {std::move(message)}}; }

void add_once(std::vector<std::string>& list, std::string value)
{
    if (!value.empty() && std::find(list.begin(), list.end(), value) == list.end()) list.push_back(std::move(value));
}

}  // namespace

DomainXmlResult parse_domain_xml(std::string_view text)
{
    pugi::xml_document doc;
    pugi::xml_parse_result parsed = doc.load_buffer(text.data(), text.size(), pugi::parse_default, pugi::encoding_utf8);
    if (!parsed)
        return failed(fmt::format("not well-formed XML: {} at offset {}", parsed.description(), parsed.offset));
    pugi::xml_node root = doc.document_element();
    if (!root) return failed("no root element");
    if (std::string_view(root.name()) != "domain")
        return failed(fmt::format("the root element is <{}>, not <domain>", root.name()));

    DomainXml out;
    out.type = root.attribute("type").value();
    if (out.type.empty()) return failed("<domain> has no type attribute (e.g. type='kvm' or type='qemu')");
    pugi::xml_node name = root.child("name");
    if (!name) return failed("<domain> has no <name>");
    out.name = trimmed(name.child_value());
    if (out.name.empty()) return failed("<name> is empty");
    out.uuid = trimmed(root.child("uuid").child_value());
    if (!out.uuid.empty() && !valid_uuid(out.uuid)) return failed(fmt::format("<uuid> '{}' is not a UUID", out.uuid));
    if (!out.uuid.empty()) out.uuid = normalize_uuid(out.uuid);

    pugi::xml_node os = root.child("os");
    for (const char* tag : {"kernel", "initrd", "loader"}) {
        std::string f = trimmed(os.child(tag).child_value());
        if (!f.empty()) out.boot_files.push_back(f);
    }

    pugi::xml_node devices = root.child("devices");
    out.emulator = trimmed(devices.child("emulator").child_value());
    for (pugi::xml_node d : devices.children("disk")) {
        DomainDisk disk;
        disk.type = d.attribute("type").value();
        disk.device = d.attribute("device").as_string("disk");
        pugi::xml_node src = d.child("source");
        if (disk.type == "file")
            disk.source = src.attribute("file").value();
        else if (disk.type == "block")
            disk.source = src.attribute("dev").value();
        else if (disk.type == "dir")
            disk.source = src.attribute("dir").value();
        else if (disk.type == "volume")
            add_once(out.pools, trimmed(src.attribute("pool").value()));
        disk.target = d.child("target").attribute("dev").value();
        disk.readonly = static_cast<bool>(d.child("readonly"));
        disk.shareable = static_cast<bool>(d.child("shareable"));
        out.disks.push_back(std::move(disk));
    }
    for (pugi::xml_node i : devices.children("interface"))
        if (std::string_view(i.attribute("type").value()) == "network")
            add_once(out.networks, trimmed(i.child("source").attribute("network").value()));
    return {std::move(out), {}};
}

std::string with_uuid(std::string_view xml, std::string_view uuid)
{
    pugi::xml_document doc;
    // Comments, declaration and indentation survive: the result is the admin's file plus a line.
    unsigned flags = pugi::parse_full | pugi::parse_ws_pcdata;
    if (!doc.load_buffer(xml.data(), xml.size(), flags, pugi::encoding_utf8)) return std::string(xml);
    pugi::xml_node root = doc.document_element();
    pugi::xml_node node = root.child("uuid");
    if (!node) {
        pugi::xml_node name = root.child("name");
        node = name ? root.insert_child_after("uuid", name) : root.prepend_child("uuid");
    }
    node.text().set(std::string(uuid).c_str());
    std::ostringstream out;
    doc.save(out, "", pugi::format_raw | pugi::format_no_declaration);
    return out.str();
}

std::optional<std::string> domain_name_problem(std::string_view name)
{
    if (name.empty()) return "the domain name is empty";
    if (name.size() > 200) return "the domain name is longer than 200 characters";
    if (name.front() == '-' || name.front() == '.')
        return fmt::format("the domain name '{}' starts with '{}'", name, name.front());
    for (char c : name) {
        auto u = static_cast<unsigned char>(c);
        if (std::isspace(u)) return fmt::format("the domain name '{}' contains whitespace", name);
        if (std::iscntrl(u)) return fmt::format("the domain name '{}' contains a control character", name);
        if (std::string_view("/\\$`;&|<>()*?[]{}'\"!#~=%,").find(c) != std::string_view::npos)
            return fmt::format("the domain name '{}' contains '{}' (a path or shell metacharacter)", name, c);
    }
    return std::nullopt;
}

bool valid_uuid(std::string_view uuid)
{
    int digits = 0;
    for (std::size_t i = 0; i < uuid.size(); ++i) {
        char c = uuid[i];
        if (std::isxdigit(static_cast<unsigned char>(c))) {
            ++digits;
        } else if (c == '-') {
            if (uuid.size() != 36 || (i != 8 && i != 13 && i != 18 && i != 23)) return false;
        } else {
            return false;
        }
    }
    return digits == 32 && (uuid.size() == 32 || uuid.size() == 36);
}

std::string normalize_uuid(std::string_view uuid)
{
    std::string hex;
    for (char c : uuid)
        if (c != '-') hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (hex.size() != 32) return std::string(uuid);
    return fmt::format("{}-{}-{}-{}-{}", hex.substr(0, 8), hex.substr(8, 4), hex.substr(12, 4), hex.substr(16, 4),
                       hex.substr(20));
}

}  // namespace ocfkit::virtdomain
