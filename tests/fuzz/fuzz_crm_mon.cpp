// Fuzzes parse_crm_mon and parse_crm_mon_history: no crash, no exception but ParseError, lines
// within the input; every resource and node parsed can be looked up again.
#include <cstdint>
#include <cstdlib>

#include "fuzz_input.h"
#include "ocfkit/parse/crm_mon.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const ocfkit::fuzz::Input in(data, size);
    in.parse([&] {
        auto mon = ocfkit::parse::parse_crm_mon(in.text);
        for (const auto& n : mon.nodes) {
            if (n.name.empty()) std::abort();
            (void)mon.node(n.name);
        }
        for (const auto& r : mon.resources) {
            if (r.id.empty()) std::abort();
            if (mon.instances(r.id).empty()) std::abort();
        }
    });
    in.parse([&] {
        auto history = ocfkit::parse::parse_crm_mon_history(in.text);
        for (const auto* e : history.failed())
            if (e->resource.empty() || e->node.empty()) std::abort();
        for (const auto& b : history.bans)
            if (b.resource.empty() || b.node.empty()) std::abort();
    });
    return 0;
}
