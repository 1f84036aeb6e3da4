// Fuzzes parse_crm_mon: no crash, no exception but ParseError, lines within the input.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ocfkit/parse/crm_mon.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view text(reinterpret_cast<const char*>(data), size);
    std::size_t lines = 1;
    for (char c : text) lines += c == '\n';
    try {
        auto mon = ocfkit::parse::parse_crm_mon(text);
        for (const auto& n : mon.nodes) {
            if (n.name.empty()) std::abort();
            (void)mon.node(n.name);
        }
        for (const auto& r : mon.resources) {
            if (r.id.empty()) std::abort();
            if (mon.instances(r.id).empty()) std::abort();
        }
    } catch (const ocfkit::parse::ParseError& e) {
        if (e.line > lines) std::abort();
    }
    return 0;
}
