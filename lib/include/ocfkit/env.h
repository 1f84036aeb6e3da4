// Read-only view of the environment an agent runs in; tests substitute a map.
#pragma once

#include <chrono>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ocfkit {

class Env {
public:
    virtual ~Env() = default;
    virtual std::optional<std::string> get(std::string_view name) const = 0;

    std::string get_or(std::string_view name, std::string_view fallback) const;

    // OCF_RESKEY_<name>
    std::optional<std::string> reskey(std::string_view name) const;
    // OCF_RESKEY_CRM_meta_<name>, with '-' in name read as '_'
    std::optional<std::string> meta(std::string_view name) const;
    std::optional<long long> meta_int(std::string_view name) const;
    bool meta_bool(std::string_view name) const;

    std::string resource_instance() const;  // OCF_RESOURCE_INSTANCE, or "" when unset
    std::optional<std::chrono::milliseconds> op_timeout() const;
    std::chrono::milliseconds op_interval() const;  // 0 when unset
    bool is_probe(std::string_view action) const;   // monitor with interval 0
    int check_level() const;                         // OCF_CHECK_LEVEL, 0 when unset/garbled
    bool is_clone() const;
    int clone_max() const;           // 1 when not a clone
    int promoted_max() const;        // promoted_max or legacy master_max; 0 when unset
    std::vector<std::string> meta_list(std::string_view name) const;  // space separated
    bool ocf_1_1() const;  // executor speaks OCF 1.1 (OCF_RA_VERSION_MAJOR/MINOR)
};

class ProcessEnv final : public Env {
public:
    std::optional<std::string> get(std::string_view name) const override;
};

class MapEnv final : public Env {
public:
    MapEnv() = default;
    MapEnv(std::initializer_list<std::pair<const std::string, std::string>> vars) : vars_(vars) {}
    std::optional<std::string> get(std::string_view name) const override;
    void set(std::string name, std::string value) { vars_[std::move(name)] = std::move(value); }
    void unset(std::string_view name);

private:
    std::map<std::string, std::string, std::less<>> vars_;
};

// "yes", "true", "on", "1" (any case) as the shell agents' ocf_is_true accepts.
std::optional<bool> parse_bool(std::string_view text);
std::optional<long long> parse_int(std::string_view text);

}  // namespace ocfkit
