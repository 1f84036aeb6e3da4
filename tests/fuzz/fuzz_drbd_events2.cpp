// Fuzzes drbd-dual's events2 --now parser: errors name a real line; results are self-consistent.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "parse/events2.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view text(reinterpret_cast<const char*>(data), size);
    std::size_t lines = 1;
    for (char c : text) lines += c == '\n';
    try {
        auto st = ocfkit::drbd::parse_events2(text, "r0");
        if (!st.exists && (!st.volumes.empty() || !st.connections.empty())) std::abort();
        if (st.exists && st.role.empty()) std::abort();
    } catch (const ocfkit::parse::ParseError& e) {
        if (e.line > lines) std::abort();
    }
    return 0;
}
