// Fuzzes drbd-dual's drbdsetup status --json parser: only ParseError may escape, naming a real line.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz_input.h"
#include "parse/status_json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const ocfkit::fuzz::Input in(data, size);
    in.parse([&] {
        auto st = ocfkit::drbd::parse_status_json(in.text, "r0");
        if (!st.exists && (!st.volumes.empty() || !st.connections.empty())) std::abort();
    });
    return 0;
}
