// libvirt URI parsing and the migration target URI.
#include "libvirt_uri.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

namespace ocfkit::virtdomain {

namespace {

constexpr std::array kDrivers{"qemu", "xen",  "libxl", "lxc",  "test",   "vbox",          "vmwareplayer",
                              "vmwarews", "vmwarefusion", "esx",  "gsx",  "vpx",    "hyperv", "bhyve",
                              "ch",   "vz",   "openvz", "parallels"};
constexpr std::array kTransports{"unix", "tcp", "tls", "ssh", "libssh2", "libssh", "ext"};

bool known_driver(std::string_view d)
{
    return std::find(kDrivers.begin(), kDrivers.end(), d) != kDrivers.end();
}

bool remote_transport(std::string_view t) { return !t.empty() && t != "unix"; }

}  // namespace

bool known_transport(std::string_view t)
{
    return std::find(kTransports.begin(), kTransports.end(), t) != kTransports.end();
}

bool LibvirtUri::local() const { return host.empty() && !remote_transport(transport); }

std::string LibvirtUri::str() const
{
    std::string out = driver;
    if (!transport.empty()) out += "+" + transport;
    out += "://";
    if (!user.empty()) out += user + "@";
    out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
    if (port) out += fmt::format(":{}", *port);
    out += path;
    if (!query.empty()) out += "?" + query;
    return out;
}

UriResult parse_libvirt_uri(std::string_view text)
{
    auto bad = [](std::string e) { return UriResult{std::nullopt, std::move(e)}; };
    if (text.empty()) return bad("the URI is empty");
    for (char c : text)
        if (std::isspace(static_cast<unsigned char>(c)) || std::iscntrl(static_cast<unsigned char>(c)))
            return bad(fmt::format("'{}' contains whitespace or control characters", text));
    auto sep = text.find("://");
    if (sep == std::string_view::npos)
        return bad(fmt::format("'{}' is not a libvirt URI (expected driver[+transport]://[host]/path, e.g. qemu:///system)", text));

    LibvirtUri u;
    std::string_view scheme = text.substr(0, sep);
    auto plus = scheme.find('+');
    u.driver = std::string(scheme.substr(0, plus));
    if (plus != std::string_view::npos) u.transport = std::string(scheme.substr(plus + 1));
    if (!known_driver(u.driver))
        return bad(fmt::format("unknown libvirt driver '{}' in '{}' (known: {})", u.driver, text, fmt::join(kDrivers, ", ")));
    if (plus != std::string_view::npos && !known_transport(u.transport))
        return bad(fmt::format("unknown libvirt transport '{}' in '{}' (known: {})", u.transport, text,
                               fmt::join(kTransports, ", ")));

    std::string_view rest = text.substr(sep + 3);
    auto q = rest.find('?');
    if (q != std::string_view::npos) {
        u.query = std::string(rest.substr(q + 1));
        rest = rest.substr(0, q);
    }
    auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    u.path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));

    if (auto at = authority.rfind('@'); at != std::string_view::npos) {
        u.user = std::string(authority.substr(0, at));
        authority = authority.substr(at + 1);
        if (u.user.empty()) return bad(fmt::format("empty user name in '{}'", text));
    }
    std::string_view port_text;
    bool has_port = false;
    if (!authority.empty() && authority.front() == '[') {
        auto close = authority.find(']');
        if (close == std::string_view::npos) return bad(fmt::format("unclosed '[' in '{}'", text));
        u.host = std::string(authority.substr(1, close - 1));
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return bad(fmt::format("garbage after ']' in '{}'", text));
            port_text = after.substr(1);
            has_port = true;
        }
    } else {
        auto colon = authority.find(':');
        u.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) {
            port_text = authority.substr(colon + 1);
            has_port = true;
        }
    }
    if (has_port) {
        int port = 0;
        auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
        if (ec != std::errc() || p != port_text.data() + port_text.size() || port < 1 || port > 65535)
            return bad(fmt::format("bad port '{}' in '{}'", port_text, text));
        u.port = port;
    }
    for (char c : u.host)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' || c == ':'))
            return bad(fmt::format("bad host name '{}' in '{}'", u.host, text));
    if (remote_transport(u.transport) && u.transport != "ext" && u.host.empty())
        return bad(fmt::format("transport '{}' needs a host name in '{}'", u.transport, text));
    if (u.driver == "qemu" && u.path != "/system" && u.path != "/session")
        return bad(fmt::format("qemu URIs need the path /system or /session, '{}' has '{}'", text, u.path));
    return {std::move(u), {}};
}

std::string with_network_suffix(std::string_view node, std::string_view suffix)
{
    auto dot = node.find('.');
    if (dot == std::string_view::npos) return fmt::format("{}{}", node, suffix);
    return fmt::format("{}{}{}", node.substr(0, dot), suffix, node.substr(dot));
}

std::string substitute_node(std::string_view pattern, std::string_view node)
{
    std::string out;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] == '%' && i + 1 < pattern.size() && pattern[i + 1] == 'n') {
            out += node;
            ++i;
        } else {
            out += pattern[i];
        }
    }
    return out;
}

std::string remote_uri(const LibvirtUri& local, std::string_view transport, std::string_view user, std::string_view host)
{
    LibvirtUri r = local;
    if (!transport.empty())
        r.transport = std::string(transport);
    else if (!remote_transport(local.transport))
        r.transport.clear();  // libvirt's default for a remote host: tls
    r.host = std::string(host);
    if (!user.empty()) r.user = std::string(user);
    // The local query (socket=..., no_verify=...) describes this node's endpoint, not the target's.
    r.query.clear();
    if (r.transport == "ssh" || r.transport == "libssh2" || r.transport == "libssh") r.query = "no_tty=1";
    return r.str();
}

}  // namespace ocfkit::virtdomain
