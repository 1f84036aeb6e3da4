// Fuzzes gfs2fs's tunegfs2 -l parser and the lock table rules: only ParseError may escape, naming
// a real line; a parsed superblock has a lock protocol and a table that splits back into itself.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz_input.h"
#include "gfs2_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const ocfkit::fuzz::Input in(data, size);
    (void)ocfkit::gfs2fs::lock_table_problem(in.text);
    in.parse([&] {
        auto sb = ocfkit::gfs2fs::parse_tunegfs2_list(in.text);
        if (sb.lock_protocol.empty()) std::abort();
        if (sb.lock_table.find(':') != std::string::npos &&
            sb.cluster_part() + ":" + sb.fs_part() != sb.lock_table)
            std::abort();
        if (!ocfkit::gfs2fs::lock_table_problem(sb.lock_table) && sb.cluster_part().empty()) std::abort();
    });
    return 0;
}
