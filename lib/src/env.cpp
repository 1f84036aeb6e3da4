// Environment access and the OCF conventions read from it.
#include "ocfkit/env.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>

#include "ocfkit/parse/text.h"

namespace ocfkit {

std::optional<bool> parse_bool(std::string_view text)
{
    std::string lower;
    for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "1" || lower == "yes" || lower == "true" || lower == "on" || lower == "y") return true;
    if (lower == "0" || lower == "no" || lower == "false" || lower == "off" || lower == "n") return false;
    return std::nullopt;
}

std::optional<long long> parse_int(std::string_view text)
{
    if (text.empty()) return std::nullopt;
    if (text.front() == '+') text.remove_prefix(1);
    long long value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
    return value;
}

std::string Env::get_or(std::string_view name, std::string_view fallback) const
{
    auto v = get(name);
    return v ? *v : std::string(fallback);
}

std::optional<std::string> Env::reskey(std::string_view name) const
{
    return get(std::string("OCF_RESKEY_").append(name));
}

std::optional<std::string> Env::meta(std::string_view name) const
{
    std::string key("OCF_RESKEY_CRM_meta_");
    for (char c : name) key += (c == '-') ? '_' : c;
    return get(key);
}

std::optional<long long> Env::meta_int(std::string_view name) const
{
    auto v = meta(name);
    return v ? parse_int(*v) : std::nullopt;
}

bool Env::meta_bool(std::string_view name) const
{
    auto v = meta(name);
    return v && parse_bool(*v).value_or(false);
}

std::string Env::resource_instance() const { return get_or("OCF_RESOURCE_INSTANCE", ""); }

std::optional<std::chrono::milliseconds> Env::op_timeout() const
{
    auto ms = meta_int("timeout");
    if (!ms || *ms <= 0) return std::nullopt;
    return std::chrono::milliseconds(*ms);
}

std::chrono::milliseconds Env::op_interval() const
{
    auto ms = meta_int("interval");
    return std::chrono::milliseconds(ms && *ms > 0 ? *ms : 0);
}

bool Env::is_probe(std::string_view action) const
{
    return action == "monitor" && op_interval().count() == 0;
}

int Env::check_level() const
{
    auto v = get("OCF_CHECK_LEVEL");
    if (!v) return 0;
    auto n = parse_int(*v);
    return n && *n >= 0 && *n < 1000 ? static_cast<int>(*n) : 0;
}

bool Env::is_clone() const { return meta("clone").has_value() || meta("clone_max").has_value(); }

int Env::clone_max() const
{
    auto n = meta_int("clone_max");
    return n && *n > 0 ? static_cast<int>(*n) : 1;
}

int Env::promoted_max() const
{
    auto n = meta_int("promoted_max");
    if (!n) n = meta_int("master_max");
    return n && *n > 0 ? static_cast<int>(*n) : 0;
}

std::vector<std::string> Env::meta_list(std::string_view name) const
{
    std::vector<std::string> out;
    if (auto v = meta(name))
        for (auto w : parse::split_any(*v, " \t\n\r\f\v")) out.emplace_back(w);
    return out;
}

bool Env::ocf_1_1() const
{
    auto major = parse_int(get_or("OCF_RA_VERSION_MAJOR", "")).value_or(0);
    auto minor = parse_int(get_or("OCF_RA_VERSION_MINOR", "")).value_or(0);
    return major > 1 || (major == 1 && minor >= 1);
}

std::optional<std::string> ProcessEnv::get(std::string_view name) const
{
    const char* v = std::getenv(std::string(name).c_str());
    if (!v) return std::nullopt;
    return std::string(v);
}

std::optional<std::string> MapEnv::get(std::string_view name) const
{
    auto it = vars_.find(name);
    if (it == vars_.end()) return std::nullopt;
    return it->second;
}

void MapEnv::unset(std::string_view name)
{
    auto it = vars_.find(name);
    if (it != vars_.end()) vars_.erase(it);
}

}  // namespace ocfkit
