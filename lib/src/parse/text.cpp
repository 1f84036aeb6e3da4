// Small text helpers the line-oriented tool parsers share.
#include "ocfkit/parse/text.h"

#include <algorithm>

namespace ocfkit::parse {

namespace {

bool blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

std::string_view trim(std::string_view s)
{
    while (!s.empty() && blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && blank(s.back())) s.remove_suffix(1);
    return s;
}

std::vector<std::string_view> lines_of(std::string_view text)
{
    std::vector<std::string_view> out;
    while (!text.empty()) {
        auto nl = text.find('\n');
        out.push_back(text.substr(0, nl));
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
    return out;
}

std::vector<std::string_view> words(std::string_view s) { return split_any(s, " \t"); }

std::vector<std::string_view> split_any(std::string_view s, std::string_view separators)
{
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        i = s.find_first_not_of(separators, i);
        if (i == std::string_view::npos) break;
        std::size_t j = std::min(s.find_first_of(separators, i), s.size());
        out.push_back(s.substr(i, j - i));
        i = j;
    }
    return out;
}

}  // namespace ocfkit::parse
