// `drbdsetup status --json RES` of drbd-utils 9.x (DRBD 9 kernels only).
#pragma once

#include <string_view>

#include "drbd_status.h"
#include "ocfkit/parse/error.h"

namespace ocfkit::drbd {

// The top level must be an array of resources; `resource` absent gives exists == false.
// Unknown keys are ignored; missing keys the agent needs throw parse::ParseError.
ResourceStatus parse_status_json(std::string_view text, std::string_view resource);

}  // namespace ocfkit::drbd
