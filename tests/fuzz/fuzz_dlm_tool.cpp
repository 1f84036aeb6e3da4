// Fuzzes the dlm_tool status -v / ls parsers and the monitor verdict: no crash, errors name a
// real line, the verdict is always a code a monitor may return.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "controld_agent.h"
#include "dlm_tool_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view text(reinterpret_cast<const char*>(data), size);
    std::size_t lines = 1;
    for (char c : text) lines += c == '\n';
    (void)ocfkit::dlm::dlm_controld_unreachable(text);
    try {
        auto st = ocfkit::dlm::parse_status_verbose(text);
        auto o = ocfkit::controld::assess_status(st);
        if (o.code != ocfkit::ExitCode::Success && o.code != ocfkit::ExitCode::ErrGeneric) std::abort();
        if (!o.ok() && o.reason.empty()) std::abort();
    } catch (const ocfkit::parse::ParseError& e) {
        if (e.line > lines) std::abort();
    }
    try {
        auto ls = ocfkit::dlm::parse_ls(text);
        for (const auto& l : ls)
            if (l.name.empty()) std::abort();
    } catch (const ocfkit::parse::ParseError& e) {
        if (e.line == 0 || e.line > lines) std::abort();
    }
    return 0;
}
