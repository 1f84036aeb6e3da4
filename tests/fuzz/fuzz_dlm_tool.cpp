// Fuzzes the dlm_tool status -v / ls parsers and the monitor verdict: no crash, errors name a
// real line, the verdict is always a code a monitor may return.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "controld_agent.h"
#include "dlm_tool_parse.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const ocfkit::fuzz::Input in(data, size);
    (void)ocfkit::dlm::dlm_controld_unreachable(in.text);
    in.parse([&] {
        auto st = ocfkit::dlm::parse_status_verbose(in.text);
        auto o = ocfkit::controld::assess_status(st);
        if (o.code != ocfkit::ExitCode::Success && o.code != ocfkit::ExitCode::ErrGeneric) std::abort();
        if (!o.ok() && o.reason.empty()) std::abort();
    });
    in.parse([&] {
        auto ls = ocfkit::dlm::parse_ls(in.text);
        for (const auto& l : ls)
            if (l.name.empty()) std::abort();
    }, ocfkit::fuzz::WholeInput::Refused);
    return 0;
}
