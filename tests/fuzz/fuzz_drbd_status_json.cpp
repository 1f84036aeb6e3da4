// Fuzzes drbd-dual's drbdsetup status --json parser: only ParseError may escape, naming a real line.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "parse/status_json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view text(reinterpret_cast<const char*>(data), size);
    std::size_t lines = 1;
    for (char c : text) lines += c == '\n';
    try {
        auto st = ocfkit::drbd::parse_status_json(text, "r0");
        if (!st.exists && (!st.volumes.empty() || !st.connections.empty())) std::abort();
    } catch (const ocfkit::parse::ParseError& e) {
        if (e.line > lines) std::abort();
    }
    return 0;
}
