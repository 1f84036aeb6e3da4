// `drbdsetup events2 --now RES` (drbd-utils 9.x for DRBD 9, and drbdsetup-84 for the 8.4 module).
#pragma once

#include <string_view>

#include "drbd_status.h"
#include "ocfkit/parse/error.h"

namespace ocfkit::drbd {

// Only "exists" lines of `resource` count; the listing must end with "exists -" (anything else
// is a truncated answer). A resource that is not configured gives exists == false.
// Throws parse::ParseError naming the line for malformed input.
ResourceStatus parse_events2(std::string_view text, std::string_view resource);

}  // namespace ocfkit::drbd
