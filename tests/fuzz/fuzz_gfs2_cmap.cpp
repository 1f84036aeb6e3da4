// Fuzzes gfs2fs's corosync-cmapctl -g parser: only ParseError may escape; a value is one line.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "gfs2_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view text(reinterpret_cast<const char*>(data), size);
    std::size_t lines = 1;
    for (char c : text) lines += c == '\n';
    // The key the agent asks for, and the input's first word as a key of its own.
    std::string_view own_key = text.substr(0, text.find_first_of(" \n"));
    for (std::string_view key : {std::string_view("totem.cluster_name"), own_key}) {
        try {
            auto value = ocfkit::gfs2fs::parse_cmap_value(text, key);
            if (value.find('\n') != std::string::npos) std::abort();
        } catch (const ocfkit::parse::ParseError& e) {
            if (e.line > lines) std::abort();
        }
    }
    return 0;
}
