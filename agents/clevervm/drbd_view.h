// DRBD status for the status screen, from `drbdsetup events2 --now` (DRBD 8.4 module and 9).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model.h"

namespace ocfkit::clevervm {

// Resource names in an events2 --now snapshot, in order of appearance.
std::vector<std::string> events2_resources(std::string_view text);

// The view of one resource; throws parse::ParseError for malformed output.
DrbdView drbd_view_from_events2(std::string_view text, const std::string& resource);

// DRBD's block major: /dev/drbdN is 147:N.
inline constexpr unsigned kDrbdMajor = 147;

}  // namespace ocfkit::clevervm
