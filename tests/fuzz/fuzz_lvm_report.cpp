// Fuzzes parse_lvm_report and the attr helpers: no crash, errors name a real line.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz_input.h"
#include "ocfkit/parse/lvm_report.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const ocfkit::fuzz::Input in(data, size);
    (void)ocfkit::parse::lv_attr_active(in.text);
    (void)ocfkit::parse::vg_attr_shared(in.text);
    in.parse([&] {
        auto report = ocfkit::parse::parse_lvm_report(in.text);
        for (const auto& [name, rows] : report.sections) {
            if (&report.rows(name) != &rows) std::abort();
            for (const auto& row : rows) {
                if (auto it = row.find("lv_attr"); it != row.end()) (void)ocfkit::parse::lv_attr_active(it->second);
                if (auto it = row.find("vg_attr"); it != row.end()) (void)ocfkit::parse::vg_attr_shared(it->second);
            }
        }
    }, ocfkit::fuzz::WholeInput::Refused);
    return 0;
}
