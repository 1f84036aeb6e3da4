// Fuzzes drbd-dual's drbdadm dump-xml reader (pugixml): only ParseError may escape.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz_input.h"
#include "parse/dump_xml.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const ocfkit::fuzz::Input in(data, size);
    in.parse([&] {
        auto cfg = ocfkit::drbd::parse_dump_xml(in.text);
        for (const auto& r : cfg.resources) {
            if (r.name.empty()) std::abort();
            for (const auto& h : r.hosts) (void)r.host(h.name);
        }
    });
    return 0;
}
