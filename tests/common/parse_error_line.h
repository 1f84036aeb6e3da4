// The line a parser's ParseError names for bad input; a missing ParseError fails the test.
#pragma once

#include "catch.h"

#include <cstddef>
#include <string>
#include <string_view>

#include "ocfkit/parse/error.h"

namespace ocfkit::test {

// `parse` is any callable taking the text (e.g. parse_json, or a lambda adding arguments).
// `message`, when given, receives the error's what().
template <class Parse>
std::size_t parse_error_line(Parse&& parse, std::string_view text, std::string* message = nullptr)
{
    try {
        (void)parse(text);
    } catch (const parse::ParseError& e) {
        if (message) *message = e.what();
        return e.line;
    }
    FAIL("no ParseError for: " << text);
    return 0;
}

}  // namespace ocfkit::test
