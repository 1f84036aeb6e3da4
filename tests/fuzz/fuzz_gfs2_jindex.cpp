// Fuzzes gfs2fs's gfs2_edit -p jindex parser: only ParseError may escape, naming a real line; a
// parsed index has at least one journal.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz_input.h"
#include "gfs2_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const ocfkit::fuzz::Input in(data, size);
    in.parse([&] {
        auto j = ocfkit::gfs2fs::parse_gfs2_edit_jindex(in.text);
        if (j.journals <= 0) std::abort();
    });
    return 0;
}
