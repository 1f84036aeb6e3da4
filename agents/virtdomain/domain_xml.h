// The parts of a libvirt domain XML the agent checks before handing it to libvirt (pure).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ocfkit::virtdomain {

struct DomainDisk {
    std::string device;  // disk, cdrom, floppy, lun
    std::string type;    // file, block, network, volume, dir
    std::string source;  // path for file/block/dir; empty otherwise
    std::string target;  // vda, hdc, ...
    bool readonly = false;
    bool shareable = false;
};

struct DomainXml {
    std::string name;
    std::string uuid;      // as written; empty when absent (libvirt then generates one)
    std::string type;      // <domain type=...>: qemu, kvm, xen, lxc, ...
    std::string emulator;  // <devices><emulator>; empty when absent
    std::vector<DomainDisk> disks;
    std::vector<std::string> boot_files;  // <os><kernel>, <initrd>, <loader>: must exist here
    std::vector<std::string> pools;     // storage pools of <disk type='volume'>, each once
    std::vector<std::string> networks;  // virtual networks of <interface type='network'>, each once
};

struct DomainXmlError {
    std::string message;  // names what is wrong, with pugixml's offset for syntax errors
};

// A well-formed <domain> with a <name>; anything else is a DomainXmlError.
struct DomainXmlResult {
    std::optional<DomainXml> xml;
    DomainXmlError error;
    bool ok() const { return xml.has_value(); }
};
DomainXmlResult parse_domain_xml(std::string_view text);

// The same document with <uuid> set to `uuid` (added after <name> when absent), everything else
// kept as written. libvirt gives a definition without <uuid> a new random UUID each time, so a
// redefinition of an existing domain must carry that domain's UUID. `xml` must parse.
std::string with_uuid(std::string_view xml, std::string_view uuid);

// Why a domain name is unacceptable for the agent (it travels into logs, file names and
// migration URIs): empty, whitespace, '/', shell metacharacters, control characters, a
// leading '-' or '.'. Nothing when fine.
std::optional<std::string> domain_name_problem(std::string_view name);

// 8-4-4-4-12 hex digits (libvirt also accepts 32 bare hex digits).
bool valid_uuid(std::string_view uuid);
// Lower case with dashes, as libvirt prints UUIDs; input must be valid_uuid.
std::string normalize_uuid(std::string_view uuid);

}  // namespace ocfkit::virtdomain
