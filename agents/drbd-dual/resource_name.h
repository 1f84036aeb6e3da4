// Which DRBD resource names the agent accepts: safe in drbd-utils' argv and as a state-file name.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ocfkit::drbd {

// What is wrong with `name` as drbd_resource, as a sentence; nothing when it is acceptable.
std::optional<std::string> resource_name_problem(std::string_view name);

}  // namespace ocfkit::drbd
