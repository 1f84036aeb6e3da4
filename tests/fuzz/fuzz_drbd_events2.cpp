// Fuzzes drbd-dual's events2 --now parser: errors name a real line; results are self-consistent.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz_input.h"
#include "parse/events2.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const ocfkit::fuzz::Input in(data, size);
    in.parse([&] {
        auto st = ocfkit::drbd::parse_events2(in.text, "r0");
        if (!st.exists && (!st.volumes.empty() || !st.connections.empty())) std::abort();
        if (st.exists && st.role.empty()) std::abort();
    });
    return 0;
}
