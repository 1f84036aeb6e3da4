// Fuzzes drbd-dual's /proc/drbd parser and its mapping to the events2 model.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz_input.h"
#include "parse/proc_drbd.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const ocfkit::fuzz::Input in(data, size);
    in.parse([&] {
        auto proc = ocfkit::drbd::parse_proc_drbd(in.text);
        if (proc.version.text.empty()) std::abort();
        std::vector<int> minors;
        for (const auto& m : proc.minors) minors.push_back(m.minor);
        auto st = ocfkit::drbd::status_from_proc(proc, "r0", minors);
        if (st.exists && st.volumes.size() != minors.size()) std::abort();
    });
    return 0;
}
