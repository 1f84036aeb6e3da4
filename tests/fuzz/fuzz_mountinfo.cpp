// Fuzzes parse_mountinfo and unescape_mount_field: no crash, errors name a real line, and a
// field escaped as the kernel does unescapes back to itself.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_input.h"
#include "ocfkit/parse/mountinfo.h"

namespace {

// fs/proc_namespace.c mangle(): space, tab, newline and backslash as \ooo.
std::string kernel_escape(std::string_view s)
{
    std::string out;
    for (char c : s) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\\') {
            auto u = static_cast<unsigned char>(c);
            out.push_back('\\');
            out.push_back(static_cast<char>('0' + ((u >> 6) & 7)));
            out.push_back(static_cast<char>('0' + ((u >> 3) & 7)));
            out.push_back(static_cast<char>('0' + (u & 7)));
        } else {
            out.push_back(c);
        }
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const ocfkit::fuzz::Input in(data, size);
    if (ocfkit::parse::unescape_mount_field(kernel_escape(in.text)) != in.text) std::abort();
    in.parse([&] {
        auto entries = ocfkit::parse::parse_mountinfo(in.text);
        for (const auto& e : entries) {
            if (e.mount_point.empty() || e.root.empty() || e.fstype.empty()) std::abort();
            (void)e.read_only();
            (void)e.has_option("rw");
        }
        if (entries.size() > in.lines) std::abort();
    }, ocfkit::fuzz::WholeInput::Refused);
    return 0;
}
