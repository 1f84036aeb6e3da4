// Fuzzes gfs2fs's gfs2_edit -p jindex parser: only ParseError may escape, naming a real line; a
// parsed index has at least one journal.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "gfs2_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view text(reinterpret_cast<const char*>(data), size);
    std::size_t lines = 1;
    for (char c : text) lines += c == '\n';
    try {
        auto j = ocfkit::gfs2fs::parse_gfs2_edit_jindex(text);
        if (j.journals <= 0) std::abort();
    } catch (const ocfkit::parse::ParseError& e) {
        if (e.line > lines) std::abort();
    }
    return 0;
}
