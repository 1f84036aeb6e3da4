// Fuzzes drbd-dual's drbdadm dump-xml reader (pugixml): only ParseError may escape.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "parse/dump_xml.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view text(reinterpret_cast<const char*>(data), size);
    std::size_t lines = 1;
    for (char c : text) lines += c == '\n';
    try {
        auto cfg = ocfkit::drbd::parse_dump_xml(text);
        for (const auto& r : cfg.resources) {
            if (r.name.empty()) std::abort();
            for (const auto& h : r.hosts) (void)r.host(h.name);
        }
    } catch (const ocfkit::parse::ParseError& e) {
        if (e.line > lines) std::abort();
    }
    return 0;
}
