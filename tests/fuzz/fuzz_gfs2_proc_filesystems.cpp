// Fuzzes gfs2fs's /proc/filesystems parser: never throws; names are single non-empty words.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "gfs2_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view text(reinterpret_cast<const char*>(data), size);
    std::size_t lines = 1;
    for (char c : text) lines += c == '\n';
    auto names = ocfkit::gfs2fs::parse_proc_filesystems(text);
    if (names.size() > lines) std::abort();
    for (const auto& n : names)
        if (n.empty() || n.find('\n') != std::string::npos) std::abort();
    return 0;
}
