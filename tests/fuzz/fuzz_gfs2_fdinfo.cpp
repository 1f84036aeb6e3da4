// Fuzzes gfs2fs's /proc/<pid>/fdinfo parser: never throws, whatever the text.
#include <cstdint>
#include <string_view>

#include "fuzz_input.h"
#include "gfs2_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const ocfkit::fuzz::Input in(data, size);
    (void)ocfkit::gfs2fs::parse_fdinfo_mnt_id(in.text);
    return 0;
}
