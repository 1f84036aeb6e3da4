// Fuzzes gfs2fs's tunegfs2 -l parser and the lock table rules: only ParseError may escape, naming
// a real line; a parsed superblock has a lock protocol and a table that splits back into itself.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "gfs2_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view text(reinterpret_cast<const char*>(data), size);
    std::size_t lines = 1;
    for (char c : text) lines += c == '\n';
    (void)ocfkit::gfs2fs::lock_table_problem(text);
    try {
        auto sb = ocfkit::gfs2fs::parse_tunegfs2_list(text);
        if (sb.lock_protocol.empty()) std::abort();
        if (sb.lock_table.find(':') != std::string::npos &&
            sb.cluster_part() + ":" + sb.fs_part() != sb.lock_table)
            std::abort();
        if (!ocfkit::gfs2fs::lock_table_problem(sb.lock_table) && sb.cluster_part().empty()) std::abort();
    } catch (const ocfkit::parse::ParseError& e) {
        if (e.line > lines) std::abort();
    }
    return 0;
}
