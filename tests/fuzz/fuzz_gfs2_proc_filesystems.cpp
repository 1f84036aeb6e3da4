// Fuzzes gfs2fs's /proc/filesystems parser: never throws; each name is non-empty and on one line.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz_input.h"
#include "gfs2_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const ocfkit::fuzz::Input in(data, size);
    auto names = ocfkit::gfs2fs::parse_proc_filesystems(in.text);
    if (names.size() > in.lines) std::abort();
    for (const auto& n : names)
        if (n.empty() || n.find('\n') != std::string::npos) std::abort();
    return 0;
}
