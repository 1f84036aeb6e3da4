// Which fence agents dlm_controld runs, from dlm.conf and its command line (dlm.conf(5),
// dlm_controld(8)), and which shared libraries an agent binary names: pure parsers, no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ocfkit::dlm {

// The agent dlm_controld uses when neither dlm.conf nor its options name one.
inline constexpr std::string_view kDefaultFenceAgent = "dlm_stonith";

struct FenceAgents {
    bool fencing = true;              // enable_fencing=0 turns DLM's own fencing off
    std::vector<std::string> agents;  // programs, as named (execvp looks them up on PATH)
};

// dlm.conf text, then the daemon's options (which override the file): `enable_fencing=0` /
// `-f 0` / `--enable_fencing 0`, `fence_all AGENT` / `--fence_all AGENT`, `device NAME AGENT`.
FenceAgents fence_agents(std::string_view dlm_conf, const std::vector<std::string>& daemon_args);

// An ELF file's class and machine and every NUL-terminated string in it that is a shared library
// name ("libX.so.N"): its DT_NEEDED entries and the names it passes to dlopen (dlm_stonith loads
// Pacemaker's libstonithd that way). Nothing when the bytes are not ELF (a script).
struct ElfLibraries {
    int elf_class = 0;  // 1: 32-bit, 2: 64-bit
    int machine = 0;    // e_machine
    std::vector<std::string> sonames;  // in file order, each once
};
std::optional<ElfLibraries> elf_libraries(std::string_view bytes);

}  // namespace ocfkit::dlm
