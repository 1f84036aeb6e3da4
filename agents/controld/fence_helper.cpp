// Fence agent check: dlm.conf → agent names → PATH → sonames in the binary → loader directories.
#include "fence_helper.h"

#include <glob.h>

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "fence_agents_parse.h"
#include "ocfkit/host.h"
#include "ocfkit/parse/text.h"

namespace ocfkit::controld {

namespace {

constexpr std::size_t kMaxBinary = 16 << 20;

void add_conf(const std::string& root, const std::string& file, std::vector<std::string>& dirs, int depth)
{
    if (depth > 8) return;  // include loops
    auto text = read_small_file(root + file);
    if (!text) return;
    for (auto line : parse::lines_of(*text)) {
        if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
        line = parse::trim(line);
        if (line.empty()) continue;
        if (line.substr(0, 8) == "include ") {
            std::string pattern(parse::trim(line.substr(8)));
            if (pattern.empty()) continue;
            if (pattern.front() != '/') pattern = file.substr(0, file.rfind('/') + 1) + pattern;
            glob_t g{};
            if (::glob((root + pattern).c_str(), 0, nullptr, &g) == 0)
                for (std::size_t i = 0; i < g.gl_pathc; ++i)
                    add_conf(root, std::string(g.gl_pathv[i]).substr(root.size()), dirs, depth + 1);
            ::globfree(&g);
            continue;
        }
        dirs.emplace_back(line);
    }
}

// The loader only takes a library of the program's own class and machine.
bool same_kind(const std::string& path, const dlm::ElfLibraries& program)
{
    auto head = read_small_file(path, 64);
    if (!head) return false;
    auto lib = dlm::elf_libraries(head->substr(0, 20));
    return lib && lib->elf_class == program.elf_class && lib->machine == program.machine;
}

}  // namespace

std::vector<std::string> loader_dirs(const std::string& root)
{
    std::vector<std::string> dirs;
    add_conf(root, "/etc/ld.so.conf", dirs, 0);
    for (const char* d : {"/lib", "/usr/lib", "/lib64", "/usr/lib64"}) dirs.emplace_back(d);
    return dirs;
}

std::optional<std::string> fence_agent_problem(const Env& env, const std::vector<std::string>& daemon_args)
{
    const std::string root = env.get("OCFKIT_HOST_ROOT").value_or("");
    const std::string conf_path = root + "/etc/dlm/dlm.conf";
    const auto agents = dlm::fence_agents(read_small_file(conf_path).value_or(""), daemon_args);
    const std::string path = tool_path(env);
    std::optional<std::vector<std::string>> dirs;
    for (const auto& agent : agents.agents) {
        auto program = find_program(agent, path);
        if (!program)
            return fmt::format("fence agent {} is not installed: dlm_controld fences nodes with it (set in {} or "
                               "its default); not found on PATH {}",
                               agent, conf_path, path);
        auto bytes = read_small_file(*program, kMaxBinary);
        if (!bytes) continue;  // exec would tell; a file we cannot read is no proof of a broken one
        auto elf = dlm::elf_libraries(*bytes);
        if (!elf) continue;  // a script: its interpreter is exec's business
        if (!dirs) dirs = loader_dirs(root);
        std::vector<std::string> missing;
        for (const auto& soname : elf->sonames) {
            bool found = false;
            for (const auto& d : *dirs)
                if (same_kind(root + d + "/" + soname, *elf)) {
                    found = true;
                    break;
                }
            if (!found) missing.push_back(soname);
        }
        if (missing.empty()) continue;
        auto stonithd = std::find_if(missing.begin(), missing.end(),
                                     [](const std::string& s) { return s.rfind("libstonithd.so.", 0) == 0; });
        // The agent, the library and the fix within the 128 bytes the cluster shows; the
        // distribution's command and the directory list after.
        return fmt::format(
            "fence agent {} lacks {}, so DLM fencing would hang: {} (DLM would wait for fencing forever after a "
            "node failure; looked in {})",
            *program, fmt::join(missing, ", "),
            stonithd != missing.end()
                ? fmt::format("link it to Pacemaker's libstonithd, which has another version, e.g. on Debian 13 "
                              "(Pacemaker 3.0): ln -s libstonithd.so.56 /usr/lib/x86_64-linux-gnu/{}",
                              *stonithd)
                : std::string("install the package that ships it"),
            fmt::join(*dirs, ":"));
    }
    return std::nullopt;
}

}  // namespace ocfkit::controld
