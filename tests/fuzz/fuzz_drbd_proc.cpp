// Fuzzes drbd-dual's /proc/drbd parser and its mapping to the events2 model.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "parse/proc_drbd.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view text(reinterpret_cast<const char*>(data), size);
    std::size_t lines = 1;
    for (char c : text) lines += c == '\n';
    try {
        auto proc = ocfkit::drbd::parse_proc_drbd(text);
        if (proc.version.text.empty()) std::abort();
        std::vector<int> minors;
        for (const auto& m : proc.minors) minors.push_back(m.minor);
        auto st = ocfkit::drbd::status_from_proc(proc, "r0", minors);
        if (st.exists && st.volumes.size() != minors.size()) std::abort();
    } catch (const ocfkit::parse::ParseError& e) {
        if (e.line > lines) std::abort();
    }
    return 0;
}
