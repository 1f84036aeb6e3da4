// Fuzzes gfs2fs's corosync-cmapctl -g parser: only ParseError may escape; a value is one line.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz_input.h"
#include "gfs2_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const ocfkit::fuzz::Input in(data, size);
    // The key the agent asks for, and the input's first word as a key of its own.
    std::string_view own_key = in.text.substr(0, in.text.find_first_of(" \n"));
    for (std::string_view key : {std::string_view("totem.cluster_name"), own_key}) {
        in.parse([&] {
            auto value = ocfkit::gfs2fs::parse_cmap_value(in.text, key);
            if (value.find('\n') != std::string::npos) std::abort();
        });
    }
    return 0;
}
