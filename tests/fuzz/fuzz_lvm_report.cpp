// Fuzzes parse_lvm_report and the attr helpers: no crash, errors name a real line.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ocfkit/parse/lvm_report.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view text(reinterpret_cast<const char*>(data), size);
    std::size_t lines = 1;
    for (char c : text) lines += c == '\n';
    (void)ocfkit::parse::lv_attr_active(text);
    (void)ocfkit::parse::vg_attr_shared(text);
    try {
        auto report = ocfkit::parse::parse_lvm_report(text);
        for (const auto& [name, rows] : report.sections) {
            if (&report.rows(name) != &rows) std::abort();
            for (const auto& row : rows) {
                if (auto it = row.find("lv_attr"); it != row.end()) (void)ocfkit::parse::lv_attr_active(it->second);
                if (auto it = row.find("vg_attr"); it != row.end()) (void)ocfkit::parse::vg_attr_shared(it->second);
            }
        }
    } catch (const ocfkit::parse::ParseError& e) {
        if (e.line == 0 || e.line > lines) std::abort();
    }
    return 0;
}
