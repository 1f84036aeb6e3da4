// Fuzzes parse_json; a parsed value must survive a write/re-read round trip unchanged.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

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

std::size_t line_count(std::string_view text)
{
    std::size_t n = 1;
    for (char c : text) n += c == '\n';
    return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view text(reinterpret_cast<const char*>(data), size);
    Json value;
    try {
        value = ocfkit::parse::parse_json(text);
    } catch (const ocfkit::parse::ParseError& e) {
        if (e.line == 0 || e.line > line_count(text)) std::abort();  // must name a real line
        return 0;
    }
    std::string first;
    write(first, value);
    std::string second;
    write(second, ocfkit::parse::parse_json(first));  // anything we accepted must re-parse
    if (first != second) std::abort();
    return 0;
}
