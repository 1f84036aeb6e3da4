// parse_json: values, strictness (RFC 8259), nesting limit, escapes, UTF-8, error lines.
#include "catch.h"

#include "ocfkit/parse/json.h"
#include "parse_error_line.h"

using namespace ocfkit::parse;

namespace {

std::size_t error_line(std::string_view text, std::string* message = nullptr)
{
    return ocfkit::test::parse_error_line(parse_json, text, message);
}

}  // namespace

TEST_CASE("json values", "[json]")
{
    Json doc = parse_json(" {\"a\": [1, -2.5e3, true, false, null, \"x\"],\n \"b\": {\"c\": \"d\"}, \"e\": 0} \n");
    REQUIRE(doc.is_object());
    CHECK(doc.line() == 1);
    const Json* a = doc.find("a");
    REQUIRE(a);
    REQUIRE(a->is_array());
    const auto& items = a->as_array();
    REQUIRE(items.size() == 6);
    CHECK(items[0].as_number() == 1);
    CHECK(items[0].scalar_text() == "1");
    CHECK(items[1].as_number() == -2500);
    CHECK(items[1].scalar_text() == "-2.5e3");
    CHECK(items[2].as_bool());
    CHECK_FALSE(items[3].as_bool());
    CHECK(items[4].is_null());
    CHECK(items[4].scalar_text().empty());
    CHECK(items[5].as_string() == "x");
    CHECK(items[5].scalar_text() == "x");
    const Json* b = doc.find("b");
    REQUIRE(b);
    CHECK(b->line() == 2);
    CHECK(b->find("c")->as_string() == "d");
    CHECK(b->find("zz") == nullptr);
    CHECK(items[0].find("a") == nullptr);  // not an object
    CHECK(doc.find("e")->as_number() == 0);
    CHECK(doc.as_object().size() == 3);
    CHECK(doc.as_object()[1].first == "b");  // order kept

    CHECK(parse_json("[]").as_array().empty());
    CHECK(parse_json("{}").as_object().empty());
    CHECK(parse_json("\"\"").as_string().empty());
    CHECK(parse_json("1e-400").as_number() == 0);  // underflow is harmless
    CHECK(parse_json("-0").as_number() == 0);
}

TEST_CASE("json type mismatches throw ParseError naming the value's line", "[json]")
{
    Json doc = parse_json("{\n\"n\": 5,\n\"s\": \"x\"\n}");
    try {
        doc.find("n")->as_string();
        FAIL("no error");
    } catch (const ParseError& e) {
        CHECK(e.line == 2);
        CHECK(std::string(e.what()).find("expected a string, found a number") != std::string::npos);
    }
    CHECK_THROWS_AS(doc.find("s")->as_number(), ParseError);
    CHECK_THROWS_AS(doc.find("s")->as_bool(), ParseError);
    CHECK_THROWS_AS(doc.find("s")->as_array(), ParseError);
    CHECK_THROWS_AS(doc.as_array(), ParseError);
    CHECK_THROWS_AS(Json().as_object(), ParseError);
}

TEST_CASE("json escapes and UTF-8", "[json]")
{
    CHECK(parse_json(R"("a\"b\\c\/d\b\f\n\r\t")").as_string() == "a\"b\\c/d\b\f\n\r\t");
    CHECK(parse_json(R"("\u0041\u00e9\u20ac")").as_string() == "A\xc3\xa9\xe2\x82\xac");
    CHECK(parse_json(R"("\ud83d\ude00")").as_string() == "\xf0\x9f\x98\x80");
    CHECK(parse_json(R"("\u0000")").as_string() == std::string(1, '\0'));
    CHECK(parse_json("\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"").as_string() == "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");

    std::string message;
    CHECK(error_line("{\n\"a\": \"\\x\"}", &message) == 2);
    CHECK(message.find("invalid escape") != std::string::npos);
    CHECK(error_line("\n\n\"\\u12G4\"", &message) == 3);
    CHECK(error_line("\"\\u12\"") == 1);
    CHECK(error_line("\"\\ud83d\"", &message) == 1);
    CHECK(message.find("surrogate") != std::string::npos);
    CHECK(error_line("\"\\ud83d\\u0041\"") == 1);
    CHECK(error_line("\"\\ude00\"") == 1);
    CHECK(error_line("\"abc\\") == 1);
    // Invalid UTF-8: bare continuation, overlong, encoded surrogate, beyond U+10FFFF, truncated.
    CHECK(error_line("[\n\"\x80\"]", &message) == 2);
    CHECK(message.find("UTF-8") != std::string::npos);
    CHECK(error_line("\"\xc0\xaf\"") == 1);
    CHECK(error_line("\"\xe0\x80\xaf\"") == 1);
    CHECK(error_line("\"\xed\xa0\x80\"") == 1);
    CHECK(error_line("\"\xf4\x90\x80\x80\"") == 1);
    CHECK(error_line("\"\xf5\x80\x80\x80\"") == 1);
    CHECK(error_line("\"\xe2\x82\"") == 1);
    CHECK(error_line("\"\xe2\x82") == 1);
    CHECK(error_line("\xef\xbb\xbf{}") == 1);  // a BOM is not JSON
    // Raw control characters inside strings.
    CHECK(error_line("{\"a\":\n\"line\nbreak\"}", &message) == 2);
    CHECK(message.find("unterminated") != std::string::npos);
    CHECK(error_line("\"tab\there\"") == 1);
}

TEST_CASE("json nesting limit", "[json]")
{
    std::string ok = std::string(64, '[') + std::string(64, ']');
    CHECK_NOTHROW(parse_json(ok));
    std::string deep = std::string(65, '[') + std::string(65, ']');
    std::string message;
    CHECK(error_line(deep, &message) == 1);
    CHECK(message.find("nesting") != std::string::npos);
    std::string deep_objects;
    for (int i = 0; i < 100; ++i) deep_objects += "{\"k\":\n";
    CHECK(error_line(deep_objects) == 65);
    // Far beyond the limit must not exhaust the stack either.
    CHECK(error_line(std::string(1000000, '[')) == 1);
}

TEST_CASE("malformed json names the line", "[json]")
{
    std::string message;
    CHECK(error_line("", &message) == 1);
    CHECK(message.find("empty") != std::string::npos);
    CHECK(error_line("  \n  \n") == 3);
    CHECK(error_line("{\n  \"report\": [\n    {\"vg\": [\n") == 4);  // truncated
    CHECK(error_line("{\n\"a\": 1,\n}") == 3);                       // trailing comma
    CHECK(error_line("[1,\n2,\n]") == 3);
    CHECK(error_line("{\"a\" 1}") == 1);
    CHECK(error_line("{a: 1}") == 1);
    CHECK(error_line("{'a': 1}") == 1);
    CHECK(error_line("[1 2]") == 1);
    CHECK(error_line("{} {}", &message) == 1);
    CHECK(message.find("after the JSON value") != std::string::npos);
    CHECK(error_line("{}\n\nx") == 3);
    CHECK(error_line("tru") == 1);
    CHECK(error_line("nul") == 1);
    CHECK(error_line("True") == 1);
    // Bad numbers.
    CHECK(error_line("[\n01]") == 2);
    CHECK(error_line("[1.]") == 1);
    CHECK(error_line("[.5]") == 1);
    CHECK(error_line("[-]") == 1);
    CHECK(error_line("-") == 1);
    CHECK(error_line("[1e]") == 1);
    CHECK(error_line("[1e+]") == 1);
    CHECK(error_line("[+1]") == 1);
    CHECK(error_line("[0x10]") == 1);
    CHECK(error_line("[NaN]") == 1);
    CHECK(error_line("[Infinity]") == 1);
    CHECK(error_line("\n[1e400]", &message) == 2);
    CHECK(message.find("out of range") != std::string::npos);
    // The line counts \n only; \r\n files count the same.
    CHECK(error_line("{\r\n\"a\":\r\n}") == 3);
}

TEST_CASE("json_quote escapes what JSON requires and parses back to the same text")
{
    const std::string text = std::string("a\"b\\c\nd\te\rf") + '\x01' + "\x7f" + "\xc3\xa9";
    const std::string quoted = ocfkit::parse::json_quote(text);
    CHECK(quoted == "\"a\\\"b\\\\c\\nd\\te\\rf\\u0001\x7f\xc3\xa9\"");
    CHECK(ocfkit::parse::parse_json(quoted).as_string() == text);
}
