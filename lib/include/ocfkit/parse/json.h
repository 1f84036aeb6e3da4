// A small strict JSON reader for tool output (LVM reports, drbdsetup status --json).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ocfkit/parse/error.h"

namespace ocfkit::parse {

class Json {
public:
    using Array = std::vector<Json>;
    using Object = std::vector<std::pair<std::string, Json>>;  // keeps order, allows lookups

    Json() = default;  // null
    static Json from_bool(bool b);
    static Json from_number(double n, std::string text);
    static Json from_string(std::string s);
    static Json from_array(Array a);
    static Json from_object(Object o);

    bool is_null() const { return kind_ == Kind::Null; }
    bool is_bool() const { return kind_ == Kind::Bool; }
    bool is_number() const { return kind_ == Kind::Number; }
    bool is_string() const { return kind_ == Kind::String; }
    bool is_array() const { return kind_ == Kind::Array; }
    bool is_object() const { return kind_ == Kind::Object; }

    bool as_bool() const;                  // throws ParseError when not a bool
    double as_number() const;
    const std::string& as_string() const;
    const Array& as_array() const;
    const Object& as_object() const;
    // Number as written ("3"), or a string's text; "" for others.
    std::string scalar_text() const;

    const Json* find(std::string_view key) const;  // objects only; nullptr when absent

    // 1-based line where the value starts in the parsed text (0 for values built in code), so
    // callers checking structure can name the line too.
    std::size_t line() const { return line_; }
    void set_line(std::size_t line_no) { line_ = line_no; }

private:
    enum class Kind { Null, Bool, Number, String, Array, Object };
    Kind kind_ = Kind::Null;
    bool bool_ = false;
    double number_ = 0;
    std::string text_;  // string value, or the number as written
    std::shared_ptr<Array> array_;
    std::shared_ptr<Object> object_;
    std::size_t line_ = 0;
};

// Throws ParseError with the line of the first error. Nesting is limited to 64 levels.
Json parse_json(std::string_view text);

// s as a JSON string literal, quotes included (control characters escaped).
std::string json_quote(std::string_view s);

}  // namespace ocfkit::parse
