// parse/text.h: the small helpers the line-oriented parsers (and list parameters) share.
#include "catch.h"

#include "ocfkit/parse/text.h"

using namespace ocfkit::parse;
using Views = std::vector<std::string_view>;

TEST_CASE("trim, lines, words and split_any", "[text]")
{
    CHECK(trim(" \t a b \r\n") == "a b");
    CHECK(lines_of("a\n\nb\n") == Views{"a", "", "b"});
    CHECK(lines_of("a") == Views{"a"});
    CHECK(lines_of("").empty());
    CHECK(words("  one\ttwo  three ") == Views{"one", "two", "three"});
    CHECK(words("a\nb") == Views{"a\nb"});  // words stay within a line
    CHECK(split_any("vg1, vg2,,vg3 ", " ,") == Views{"vg1", "vg2", "vg3"});
    CHECK(split_any(",,,", ",").empty());
    CHECK(split_any("", " ").empty());
    CHECK(split_any("abc", "") == Views{"abc"});
}
