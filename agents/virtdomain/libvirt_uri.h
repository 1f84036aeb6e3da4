// libvirt connection URIs: syntax check and the target URI of a migration (pure).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ocfkit::virtdomain {

// driver[+transport]://[user@][host][:port]/path[?query]
struct LibvirtUri {
    std::string driver;     // qemu, xen, lxc, test, ...
    std::string transport;  // "", unix, tcp, tls, ssh, libssh2, libssh, ext
    std::string user;
    std::string host;       // without brackets for IPv6
    std::optional<int> port;
    std::string path;       // "/system"; "" or "/" for drivers without one
    std::string query;      // without '?'

    // No host and a local transport: libvirtd on this machine.
    bool local() const;
    std::string str() const;
};

struct UriResult {
    std::optional<LibvirtUri> uri;
    std::string error;  // a phrase: "unknown libvirt driver 'foo' (known: ...)"
};
UriResult parse_libvirt_uri(std::string_view text);

bool known_transport(std::string_view transport);

// The node name with the migration network suffix inserted before the first dot
// (node2.example.com + "-mig" -> node2-mig.example.com), as the reference agent does.
std::string with_network_suffix(std::string_view node, std::string_view suffix);

// Replaces every "%n" with the target node name.
std::string substitute_node(std::string_view pattern, std::string_view node);

// The URI of the same driver and path on `host` over `transport` (empty: the local URI's own
// remote transport, else libvirt's default), e.g. qemu:///system + ssh + node2 ->
// qemu+ssh://node2/system?no_tty=1 (ssh then fails instead of asking for a password). The local
// query is dropped: it describes this node's endpoint.
std::string remote_uri(const LibvirtUri& local, std::string_view transport, std::string_view user, std::string_view host);

}  // namespace ocfkit::virtdomain
