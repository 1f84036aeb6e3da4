// Fuzzes parse_json; a parsed value must survive a write/re-read round trip unchanged.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_input.h"
#include "ocfkit/parse/json.h"

using ocfkit::parse::Json;

namespace {

void write_string(std::string& out, const std::string& s)
{
    static const char hex[] = "0123456789abcdef";
    out.push_back('"');
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(static_cast<char>(c));
        } else if (c < 0x20) {
            out += "\\u00";
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        } else {
            out.push_back(static_cast<char>(c));
        }
    }
    out.push_back('"');
}

void write(std::string& out, const Json& j)
{
    if (j.is_null()) out += "null";
    else if (j.is_bool()) out += j.as_bool() ? "true" : "false";
    else if (j.is_number()) out += j.scalar_text();
    else if (j.is_string()) write_string(out, j.as_string());
    else if (j.is_array()) {
        out.push_back('[');
        bool first = true;
        for (const Json& item : j.as_array()) {
            if (!first) out.push_back(',');
            first = false;
            write(out, item);
        }
        out.push_back(']');
    } else {
        out.push_back('{');
        bool first = true;
        for (const auto& [key, value] : j.as_object()) {
            if (!first) out.push_back(',');
            first = false;
            write_string(out, key);
            out.push_back(':');
            write(out, value);
        }
        out.push_back('}');
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const ocfkit::fuzz::Input in(data, size);
    Json value;
    if (!in.parse([&] { value = ocfkit::parse::parse_json(in.text); }, ocfkit::fuzz::WholeInput::Refused)) return 0;
    std::string first;
    write(first, value);
    std::string second;
    write(second, ocfkit::parse::parse_json(first));  // anything we accepted must re-parse
    if (first != second) std::abort();
    return 0;
}
