// dlm.conf/option reading for the fence agents, and soname strings of an ELF file.
#include "fence_agents_parse.h"

#include <algorithm>
#include <cctype>

#include "ocfkit/parse/text.h"

namespace ocfkit::dlm {

namespace {

bool is_zero(std::string_view v) { return v == "0"; }

// "lib" name ".so." digits ("." digits)*, the shape of a versioned soname.
bool is_soname(std::string_view s)
{
    if (s.size() < 8 || s.substr(0, 3) != "lib") return false;
    const auto so = s.find(".so.");
    if (so == std::string_view::npos || so <= 3) return false;
    for (char c : s.substr(3, so - 3))
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '+' || c == '.')) return false;
    std::string_view ver = s.substr(so + 4);
    if (ver.empty() || ver.front() == '.' || ver.back() == '.') return false;
    return std::all_of(ver.begin(), ver.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

}  // namespace

FenceAgents fence_agents(std::string_view dlm_conf, const std::vector<std::string>& daemon_args)
{
    FenceAgents out;
    std::optional<std::string> fence_all;
    std::vector<std::string> devices;
    for (std::string_view line : parse::lines_of(dlm_conf)) {
        if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
        auto w = parse::words(line);
        if (w.empty()) continue;
        // "setting=value" lines; device and connect lines carry '=' only in their arguments.
        const auto eq = line.find('=');
        const bool setting = eq != std::string_view::npos &&
                             (w[0].find('=') != std::string_view::npos || (w.size() >= 2 && w[1].front() == '='));
        if (setting) {
            auto key = parse::trim(line.substr(0, eq));
            auto value = parse::words(line.substr(eq + 1));
            if (key == "enable_fencing" && !value.empty()) out.fencing = !is_zero(value[0]);
            if (key == "fence_all" && !value.empty()) fence_all = std::string(value[0]);
            continue;
        }
        if (w.size() >= 2 && w[0] == "fence_all") fence_all = std::string(w[1]);
        if (w.size() >= 3 && w[0] == "device") devices.emplace_back(w[2]);
    }
    for (std::size_t i = 0; i < daemon_args.size(); ++i) {
        std::string_view a = daemon_args[i];
        const bool has_value = i + 1 < daemon_args.size();
        if ((a == "-f" || a == "--enable_fencing") && has_value) out.fencing = !is_zero(daemon_args[++i]);
        else if (a == "-f0" || a == "--enable_fencing=0") out.fencing = false;
        else if (a == "--fence_all" && has_value) fence_all = daemon_args[++i];
        else if (a.substr(0, 12) == "--fence_all=") fence_all = std::string(a.substr(12));
    }
    if (!out.fencing) return out;
    // dlm.conf(5): fence_all and device sections exclude each other; with neither, the default.
    if (fence_all) out.agents.push_back(*fence_all);
    else if (!devices.empty()) out.agents = devices;
    else out.agents.emplace_back(kDefaultFenceAgent);
    std::sort(out.agents.begin(), out.agents.end());
    out.agents.erase(std::unique(out.agents.begin(), out.agents.end()), out.agents.end());
    return out;
}

std::optional<ElfLibraries> elf_libraries(std::string_view bytes)
{
    if (bytes.size() < 20 || bytes.substr(0, 4) != "\x7f" "ELF") return std::nullopt;
    ElfLibraries out;
    out.elf_class = static_cast<unsigned char>(bytes[4]);
    const bool little = bytes[5] == 1;
    const auto b18 = static_cast<unsigned char>(bytes[18]), b19 = static_cast<unsigned char>(bytes[19]);
    out.machine = little ? (b18 | (b19 << 8)) : ((b18 << 8) | b19);
    std::size_t start = 0;
    while (start < bytes.size()) {
        std::size_t end = bytes.find('\0', start);
        if (end == std::string_view::npos) end = bytes.size();
        std::string_view s = bytes.substr(start, end - start);
        if (is_soname(s) && std::find(out.sonames.begin(), out.sonames.end(), s) == out.sonames.end())
            out.sonames.emplace_back(s);
        start = end + 1;
    }
    return out;
}

}  // namespace ocfkit::dlm
