// Small text helpers the line-oriented tool parsers share.
#pragma once

#include <string_view>
#include <vector>

namespace ocfkit::parse {

// Without leading and trailing blanks, tabs, CR and LF.
std::string_view trim(std::string_view s);
// The lines of text, without their '\n'; no empty last line for a trailing newline.
std::vector<std::string_view> lines_of(std::string_view text);
// Blank- or tab-separated words.
std::vector<std::string_view> words(std::string_view s);
// The non-empty pieces of s between any of the `separators` characters.
std::vector<std::string_view> split_any(std::string_view s, std::string_view separators);

}  // namespace ocfkit::parse
