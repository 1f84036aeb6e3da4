// Catch2 2 (Debian 12) and Catch2 3 (Debian 13) behind one include: the tests use the 2.x
// spellings, and under 3.x the few names that moved are given back here.
#pragma once

#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_all.hpp>

#include <string>

namespace Catch {
inline auto Contains(const std::string& text, CaseSensitive cs = CaseSensitive::Yes)
{
    return Matchers::ContainsSubstring(text, cs);
}
using Matchers::EndsWith;
using Matchers::StartsWith;
using Matchers::VectorContains;
}  // namespace Catch
using Catch::Approx;
#else
#include <catch2/catch.hpp>
#endif
