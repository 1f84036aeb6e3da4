// Fuzzes clvm's pure parsers: lvmconfig output, lvmlockctl -i, filter patterns (as lines of the
// input), dm names and drbdadm dump-xml: no crash, errors name a real line.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "clvm_agent.h"
#include "fuzz_input.h"
#include "lvm_text_parse.h"

using namespace ocfkit;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const fuzz::Input in(data, size);
    const std::string_view text = in.text;
    in.parse([&] {
        auto cfg = lvm::parse_lvmconfig(text, clvm::config_keys());
        (void)clvm::config_problems(cfg, clvm::Manager::Lvmlockd);
        (void)clvm::config_problems(cfg, clvm::Manager::Clvmd);
        try {
            (void)clvm::filter_problems(cfg, {{"/dev/drbd0", {"/dev/drbd0"}}}, {{"/dev/vdb", {"/dev/vdb"}}});
        } catch (const Failure& f) {
            // A filter is this node's lvm.conf: a bad one is 5, never 6 (it may be right elsewhere).
            if (f.code != ExitCode::ErrInstalled) std::abort();
        }
    });
    in.parse(
        [&] {
            auto info = lvm::parse_lvmlockctl_info(text);
            (void)clvm::assess_lockd(info, {"vgcl"}, true, {});
        },
        fuzz::WholeInput::Refused);
    // Filter patterns: a ParseError names the pattern, not a line of the input.
    std::vector<std::string> patterns;
    std::size_t start = 0;
    while (start <= text.size() && patterns.size() < 8) {
        std::size_t nl = text.find('\n', start);
        if (nl == std::string_view::npos) nl = text.size();
        patterns.emplace_back(text.substr(start, nl - start));
        start = nl + 1;
    }
    try {
        auto rules = lvm::parse_filter(patterns);
        (void)lvm::filter_device(rules, {"/dev/drbd0", "/dev/vdb"});
    } catch (const parse::ParseError& e) {
        if (e.line == 0 || e.line > patterns.size()) std::abort();
    }
    (void)lvm::split_dm_name(text);
    try {
        for (const auto& v : lvm::parse_drbd_dump_xml(text))
            if (v.device.empty()) std::abort();
    } catch (const parse::ParseError&) {
    }
    return 0;
}
