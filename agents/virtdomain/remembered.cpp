// The remembered-domain file: key=value lines under HA_RSCTMP.
#include "remembered.h"

#include <cctype>
#include <filesystem>
#include <sstream>

#include <fmt/format.h>

#include "atomic_file.h"

namespace ocfkit::virtdomain {

namespace {

constexpr std::size_t kMaxRememberedSize = 64 * 1024;

std::string safe_component(std::string_view s)
{
    std::string out;
    for (char c : s) {
        bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
        out += ok ? c : '_';
    }
    return out;
}

}  // namespace

std::string remembered_path(const Env& env, const std::string& config)
{
    std::string dir = env.get_or("HA_RSCTMP", "/run/resource-agents");
    if (dir.empty()) dir = "/run/resource-agents";
    std::string instance = env.resource_instance();
    if (instance.empty()) instance = "config" + config;
    return fmt::format("{}/ocfkit-virtdomain-{}.state", dir, safe_component(instance));
}

std::optional<Remembered> load_remembered(const std::string& path, std::string* problem)
{
    auto text = read_own_file(path, kMaxRememberedSize, problem);
    if (!text) return std::nullopt;
    Remembered r;
    std::istringstream in(*text);
    std::string line;
    while (std::getline(in, line)) {
        auto eq = line.find('=');
        if (eq == std::string::npos) continue;
        std::string key = line.substr(0, eq), value = line.substr(eq + 1);
        if (key == "name") r.name = value;
        else if (key == "uuid") r.uuid = value;
        else if (key == "config") r.config = value;
        else if (key == "hypervisor") r.hypervisor = value;
        else if (key.rfind("utilization.", 0) == 0) r.utilization[key.substr(12)] = value;
    }
    if (r.name.empty() && r.uuid.empty()) return std::nullopt;
    return r;
}

std::optional<std::string> store_remembered(const std::string& path, const Remembered& r)
{
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    std::string text = fmt::format("name={}\nuuid={}\nconfig={}\nhypervisor={}\n", r.name, r.uuid, r.config, r.hypervisor);
    for (const auto& [k, v] : r.utilization) text += fmt::format("utilization.{}={}\n", k, v);
    return replace_file(path, text, std::nullopt);
}

std::optional<std::string> forget_remembered(const std::string& path)
{
    std::error_code ec;
    std::filesystem::remove(path, ec);
    if (ec && ec != std::errc::no_such_file_or_directory) return fmt::format("cannot remove {}: {}", path, ec.message());
    return std::nullopt;
}

}  // namespace ocfkit::virtdomain
