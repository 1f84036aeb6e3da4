// Reading clevervm.conf: strict, so a typo is reported instead of silently discovered around.
#include "config.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "ocfkit/env.h"
#include "ocfkit/parse/text.h"

namespace ocfkit::clevervm {

namespace {

using parse::trim;

// Words separated by blanks or commas.
std::vector<std::string> words(std::string_view s)
{
    std::vector<std::string> out;
    for (auto w : parse::split_any(s, " \t,")) out.emplace_back(w);
    return out;
}

// Pacemaker ids are XML ids.
bool valid_xml_id(std::string_view id)
{
    if (id.empty()) return false;
    auto first = static_cast<unsigned char>(id.front());
    if (!(std::isalpha(first) || first == '_')) return false;
    for (char c : id) {
        auto u = static_cast<unsigned char>(c);
        if (!(std::isalnum(u) || c == '_' || c == '-' || c == '.')) return false;
    }
    return true;
}

bool valid_name(std::string_view name)
{
    if (name.empty()) return false;
    for (char c : name) {
        if (c == '/' || std::iscntrl(static_cast<unsigned char>(c))) return false;
    }
    return true;
}

}  // namespace

Config parse_config(std::string_view text, std::string_view source)
{
    Config cfg;
    cfg.source = std::string(source);
    std::set<std::string, std::less<>> seen;
    std::size_t line_no = 0;
    while (!text.empty()) {
        auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        ++line_no;
        if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
        line = trim(line);
        if (line.empty()) continue;
        auto err = [&](const std::string& what) {
            return ConfigError(fmt::format("{}:{}: {}", source, line_no, what));
        };
        auto eq = line.find('=');
        if (eq == std::string_view::npos) throw err(fmt::format("expected 'key = value', got '{}'", line));
        std::string key(trim(line.substr(0, eq)));
        std::string_view value = trim(line.substr(eq + 1));
        if (key.empty()) throw err("a line without a key");
        if (value.empty()) throw err(fmt::format("{} has no value (remove the line to discover it)", key));
        if (!seen.insert(key).second) throw err(fmt::format("{} is set twice", key));
        auto seconds_of = [&](const std::string& name, std::string_view v, long long max) {
            auto seconds = parse_int(v);
            if (!seconds || *seconds < 1 || *seconds > max)
                throw err(fmt::format("{} '{}' is not a number of seconds between 1 and {}", name, v, max));
            return std::chrono::seconds(*seconds);
        };

        if (key == "drbd_resource") {
            if (words(value).size() != 1 || !valid_name(value))
                throw err(fmt::format("drbd_resource '{}' is not one DRBD resource name", value));
            cfg.drbd_resource = std::string(value);
        } else if (key == "promotable") {
            if (!valid_xml_id(value))
                throw err(fmt::format("promotable '{}' is not a Pacemaker resource id", value));
            cfg.promotable = std::string(value);
        } else if (key == "guests") {
            std::vector<GuestSpec> guests;
            for (const auto& w : words(value)) {
                GuestSpec g;
                auto colon = w.find(':');
                g.name = w.substr(0, colon);
                if (colon != std::string::npos) {
                    g.resource = w.substr(colon + 1);
                    if (!valid_xml_id(g.resource))
                        throw err(fmt::format("guests: '{}' in '{}' is not a Pacemaker resource id", g.resource, w));
                }
                if (!valid_name(g.name)) throw err(fmt::format("guests: '{}' is not a domain name", w));
                for (const auto& other : guests) {
                    if (other.name == g.name) throw err(fmt::format("guests: {} is listed twice", g.name));
                }
                guests.push_back(std::move(g));
            }
            cfg.guests = std::move(guests);
        } else if (key == "mounts") {
            std::vector<std::string> mounts;
            for (const auto& w : words(value)) {
                if (w.front() != '/') throw err(fmt::format("mounts: '{}' is not an absolute path", w));
                mounts.push_back(w);
            }
            cfg.mounts = std::move(mounts);
        } else if (key == "libvirt_uri") {
            if (value.find(':') == std::string_view::npos || words(value).size() != 1)
                throw err(fmt::format("libvirt_uri '{}' is not a libvirt URI (e.g. qemu:///system)", value));
            cfg.libvirt_uri = std::string(value);
        } else if (key == "wait") {
            cfg.wait = seconds_of(key, value, 86400);
        } else if (key == "call_timeout") {
            cfg.call_timeout = seconds_of(key, value, 3600);
        } else {
            throw err(fmt::format("unknown key '{}' (known: drbd_resource, promotable, guests, mounts, "
                                  "libvirt_uri, wait, call_timeout)", key));
        }
    }
    return cfg;
}

Config load_config(const std::string& path, bool required)
{
    std::ifstream in(path);
    if (!in) {
        int e = errno;
        if (e == ENOENT && !required) return Config{};
        throw ConfigError(fmt::format("cannot read {}: {}", path, std::strerror(e)));
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw ConfigError(fmt::format("cannot read {}", path));
    return parse_config(text.str(), path);
}

}  // namespace ocfkit::clevervm
