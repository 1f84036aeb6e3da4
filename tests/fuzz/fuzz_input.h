// What every parser fuzz target shares: the input as text, its line count, and the rule that a
// ParseError names a line the input has (line 0, "the input as a whole", only where allowed).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ocfkit/parse/error.h"

namespace ocfkit::fuzz {

enum class WholeInput { Allowed, Refused };  // may a ParseError say line 0?

struct Input {
    std::string_view text;
    std::size_t lines = 1;  // a last line without '\n' counts

    Input(const std::uint8_t* data, std::size_t size) : text(reinterpret_cast<const char*>(data), size)
    {
        for (char c : text) lines += c == '\n';
    }

    // Runs `parse`; false when it threw a ParseError, which must name one of the input's lines.
    // Any other exception escapes, and libFuzzer reports it.
    template <class Parse>
    bool parse(Parse&& parse, WholeInput whole = WholeInput::Allowed) const
    {
        try {
            parse();
            return true;
        } catch (const ocfkit::parse::ParseError& e) {
            if (e.line > lines || (e.line == 0 && whole == WholeInput::Refused)) std::abort();
            return false;
        }
    }
};

}  // namespace ocfkit::fuzz
