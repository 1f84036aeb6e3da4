// The typed error every parser throws for input it cannot use.
#pragma once

#include <stdexcept>
#include <string>

namespace ocfkit::parse {

struct ParseError : std::runtime_error {
    std::size_t line;  // 1-based; 0 when the input as a whole is wrong (e.g. not XML)
    ParseError(std::size_t line_no, const std::string& message)
        : std::runtime_error(line_no ? "line " + std::to_string(line_no) + ": " + message : message),
          line(line_no)
    {
    }
};

}  // namespace ocfkit::parse
