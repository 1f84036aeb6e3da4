// Strict RFC 8259 JSON reader with line numbers in every error and a nesting limit.
#include "ocfkit/parse/json.h"

#include <charconv>
#include <cmath>

namespace ocfkit::parse {

namespace {

constexpr int kMaxDepth = 64;

const char* kind_name(const Json& j)
{
    if (j.is_null()) return "null";
    if (j.is_bool()) return "a boolean";
    if (j.is_number()) return "a number";
    if (j.is_string()) return "a string";
    if (j.is_array()) return "an array";
    return "an object";
}

[[noreturn]] void wrong_kind(const Json& j, const char* wanted)
{
    throw ParseError(j.line(), std::string("expected ") + wanted + ", found " + kind_name(j));
}

class Parser {
public:
    explicit Parser(std::string_view text) : text_(text) {}

    Json parse_document()
    {
        skip_ws();
        if (at_end()) fail("empty input: no JSON value");
        Json value = parse_value(0);
        skip_ws();
        if (!at_end()) fail("unexpected '" + printable(peek()) + "' after the JSON value");
        return value;
    }

private:
    std::string_view text_;
    std::size_t pos_ = 0;
    std::size_t line_ = 1;

    [[noreturn]] void fail(const std::string& message) const { throw ParseError(line_, message); }

    static std::string printable(char c)
    {
        auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u < 0x7f) return std::string(1, c);
        static const char hex[] = "0123456789abcdef";
        return std::string("\\x") + hex[u >> 4] + hex[u & 15];
    }

    bool at_end() const { return pos_ >= text_.size(); }
    char peek() const { return text_[pos_]; }

    void skip_ws()
    {
        while (!at_end()) {
            char c = peek();
            if (c == '\n') {
                ++line_;
            } else if (c != ' ' && c != '\t' && c != '\r') {
                return;
            }
            ++pos_;
        }
    }

    void expect_literal(std::string_view word)
    {
        if (text_.substr(pos_, word.size()) != word) fail("invalid literal (expected '" + std::string(word) + "')");
        pos_ += word.size();
    }

    Json parse_value(int depth)
    {
        if (at_end()) fail("unexpected end of input, expected a value");
        std::size_t start_line = line_;
        Json value;
        switch (peek()) {
        case '{': value = parse_object(depth + 1); break;
        case '[': value = parse_array(depth + 1); break;
        case '"': value = Json::from_string(parse_string()); break;
        case 't': expect_literal("true"); value = Json::from_bool(true); break;
        case 'f': expect_literal("false"); value = Json::from_bool(false); break;
        case 'n': expect_literal("null"); break;
        default:
            if (peek() == '-' || (peek() >= '0' && peek() <= '9')) {
                value = parse_number();
            } else {
                fail("unexpected '" + printable(peek()) + "', expected a value");
            }
        }
        value.set_line(start_line);
        return value;
    }

    Json parse_object(int depth)
    {
        if (depth > kMaxDepth) fail("nesting deeper than " + std::to_string(kMaxDepth) + " levels");
        ++pos_;  // '{'
        Json::Object members;
        skip_ws();
        if (!at_end() && peek() == '}') {
            ++pos_;
            return Json::from_object(std::move(members));
        }
        for (;;) {
            skip_ws();
            if (at_end()) fail("unexpected end of input inside an object");
            if (peek() != '"') fail("expected a string key, found '" + printable(peek()) + "'");
            std::string key = parse_string();
            skip_ws();
            if (at_end() || peek() != ':') fail("expected ':' after key \"" + key + "\"");
            ++pos_;
            skip_ws();
            Json value = parse_value(depth);
            members.emplace_back(std::move(key), std::move(value));
            skip_ws();
            if (at_end()) fail("unexpected end of input inside an object");
            if (peek() == ',') {
                ++pos_;
                continue;
            }
            if (peek() == '}') {
                ++pos_;
                return Json::from_object(std::move(members));
            }
            fail("expected ',' or '}' in an object, found '" + printable(peek()) + "'");
        }
    }

    Json parse_array(int depth)
    {
        if (depth > kMaxDepth) fail("nesting deeper than " + std::to_string(kMaxDepth) + " levels");
        ++pos_;  // '['
        Json::Array items;
        skip_ws();
        if (!at_end() && peek() == ']') {
            ++pos_;
            return Json::from_array(std::move(items));
        }
        for (;;) {
            skip_ws();
            items.push_back(parse_value(depth));
            skip_ws();
            if (at_end()) fail("unexpected end of input inside an array");
            if (peek() == ',') {
                ++pos_;
                continue;
            }
            if (peek() == ']') {
                ++pos_;
                return Json::from_array(std::move(items));
            }
            fail("expected ',' or ']' in an array, found '" + printable(peek()) + "'");
        }
    }

    Json parse_number()
    {
        std::size_t start = pos_;
        auto digits = [&] {
            std::size_t n = 0;
            while (!at_end() && peek() >= '0' && peek() <= '9') {
                ++pos_;
                ++n;
            }
            return n;
        };
        if (peek() == '-') ++pos_;
        if (at_end()) fail("truncated number");
        if (peek() == '0') {
            ++pos_;
            if (!at_end() && peek() >= '0' && peek() <= '9') fail("leading zero in a number");
        } else if (digits() == 0) {
            fail("bad number: expected a digit");
        }
        if (!at_end() && peek() == '.') {
            ++pos_;
            if (digits() == 0) fail("bad number: expected a digit after '.'");
        }
        if (!at_end() && (peek() == 'e' || peek() == 'E')) {
            ++pos_;
            if (!at_end() && (peek() == '+' || peek() == '-')) ++pos_;
            if (digits() == 0) fail("bad number: expected a digit in the exponent");
        }
        std::string_view token = text_.substr(start, pos_ - start);
        double value = 0;
        auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), value);
        if (ec == std::errc::result_out_of_range) {
            // Underflow to zero is harmless; overflow to infinity is not a usable number.
            auto exp = token.find_first_of("eE");
            bool tiny = exp != std::string_view::npos && exp + 1 < token.size() && token[exp + 1] == '-';
            if (!tiny) fail("number out of range: " + std::string(token));
            value = 0;
        } else if (ec != std::errc() || end != token.data() + token.size()) {
            fail("bad number: " + std::string(token));
        }
        return Json::from_number(value, std::string(token));
    }

    unsigned hex4()
    {
        if (text_.size() - pos_ < 4) fail("truncated \\u escape");
        unsigned v = 0;
        for (int i = 0; i < 4; ++i) {
            char c = text_[pos_++];
            v <<= 4;
            if (c >= '0' && c <= '9') v |= static_cast<unsigned>(c - '0');
            else if (c >= 'a' && c <= 'f') v |= static_cast<unsigned>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') v |= static_cast<unsigned>(c - 'A' + 10);
            else fail("bad hex digit '" + printable(c) + "' in \\u escape");
        }
        return v;
    }

    static void append_utf8(std::string& out, unsigned cp)
    {
        if (cp < 0x80) {
            out.push_back(static_cast<char>(cp));
        } else if (cp < 0x800) {
            out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
        } else if (cp < 0x10000) {
            out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
        } else {
            out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
        }
    }

    // Copies one UTF-8 sequence starting at pos_, rejecting overlong forms, surrogates and
    // code points above U+10FFFF (RFC 3629).
    void copy_utf8(std::string& out)
    {
        auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text_[i]); };
        unsigned char b0 = byte(pos_);
        std::size_t len;
        unsigned char lo = 0x80, hi = 0xbf;
        if (b0 >= 0xc2 && b0 <= 0xdf) {
            len = 2;
        } else if (b0 >= 0xe0 && b0 <= 0xef) {
            len = 3;
            if (b0 == 0xe0) lo = 0xa0;
            if (b0 == 0xed) hi = 0x9f;
        } else if (b0 >= 0xf0 && b0 <= 0xf4) {
            len = 4;
            if (b0 == 0xf0) lo = 0x90;
            if (b0 == 0xf4) hi = 0x8f;
        } else {
            fail("invalid UTF-8 byte " + printable(static_cast<char>(b0)) + " in a string");
        }
        if (text_.size() - pos_ < len) fail("truncated UTF-8 sequence in a string");
        for (std::size_t i = 1; i < len; ++i) {
            unsigned char b = byte(pos_ + i);
            unsigned char min = i == 1 ? lo : 0x80, max = i == 1 ? hi : 0xbf;
            if (b < min || b > max) fail("invalid UTF-8 sequence in a string");
        }
        out.append(text_.substr(pos_, len));
        pos_ += len;
    }

    std::string parse_string()
    {
        ++pos_;  // opening quote
        std::string out;
        for (;;) {
            if (at_end()) fail("unterminated string");
            char c = peek();
            auto u = static_cast<unsigned char>(c);
            if (c == '"') {
                ++pos_;
                return out;
            }
            if (u < 0x20) fail(c == '\n' ? "unterminated string (newline inside)" : "control character " + printable(c) + " in a string");
            if (u >= 0x80) {
                copy_utf8(out);
                continue;
            }
            ++pos_;
            if (c != '\\') {
                out.push_back(c);
                continue;
            }
            if (at_end()) fail("unterminated escape in a string");
            char e = text_[pos_++];
            switch (e) {
            case '"': out.push_back('"'); break;
            case '\\': out.push_back('\\'); break;
            case '/': out.push_back('/'); break;
            case 'b': out.push_back('\b'); break;
            case 'f': out.push_back('\f'); break;
            case 'n': out.push_back('\n'); break;
            case 'r': out.push_back('\r'); break;
            case 't': out.push_back('\t'); break;
            case 'u': {
                unsigned cp = hex4();
                if (cp >= 0xdc00 && cp <= 0xdfff) fail("lone low surrogate \\u escape");
                if (cp >= 0xd800 && cp <= 0xdbff) {
                    if (text_.substr(pos_, 2) != "\\u") fail("high surrogate \\u escape not followed by a low one");
                    pos_ += 2;
                    unsigned low = hex4();
                    if (low < 0xdc00 || low > 0xdfff) fail("high surrogate \\u escape not followed by a low one");
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
                }
                append_utf8(out, cp);
                break;
            }
            default: fail("invalid escape '\\" + printable(e) + "' in a string");
            }
        }
    }
};

}  // namespace

Json Json::from_bool(bool b)
{
    Json j;
    j.kind_ = Kind::Bool;
    j.bool_ = b;
    return j;
}

Json Json::from_number(double n, std::string text)
{
    Json j;
    j.kind_ = Kind::Number;
    j.number_ = n;
    j.text_ = std::move(text);
    return j;
}

Json Json::from_string(std::string s)
{
    Json j;
    j.kind_ = Kind::String;
    j.text_ = std::move(s);
    return j;
}

Json Json::from_array(Array a)
{
    Json j;
    j.kind_ = Kind::Array;
    j.array_ = std::make_shared<Array>(std::move(a));
    return j;
}

Json Json::from_object(Object o)
{
    Json j;
    j.kind_ = Kind::Object;
    j.object_ = std::make_shared<Object>(std::move(o));
    return j;
}

bool Json::as_bool() const
{
    if (!is_bool()) wrong_kind(*this, "a boolean");
    return bool_;
}

double Json::as_number() const
{
    if (!is_number()) wrong_kind(*this, "a number");
    return number_;
}

const std::string& Json::as_string() const
{
    if (!is_string()) wrong_kind(*this, "a string");
    return text_;
}

const Json::Array& Json::as_array() const
{
    if (!is_array()) wrong_kind(*this, "an array");
    return *array_;
}

const Json::Object& Json::as_object() const
{
    if (!is_object()) wrong_kind(*this, "an object");
    return *object_;
}

std::string Json::scalar_text() const
{
    return is_string() || is_number() ? text_ : std::string();
}

const Json* Json::find(std::string_view key) const
{
    if (!is_object()) return nullptr;
    for (const auto& [k, v] : *object_) {
        if (k == key) return &v;
    }
    return nullptr;
}

Json parse_json(std::string_view text)
{
    return Parser(text).parse_document();
}

std::string json_quote(std::string_view s)
{
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "\"";
    for (char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                out += "\\u00";
                out += hex[(c >> 4) & 0xf];
                out += hex[c & 0xf];
            } else {
                out += c;
            }
        }
    }
    return out + "\"";
}

}  // namespace ocfkit::parse
