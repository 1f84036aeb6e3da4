// The status screen as text for people and as JSON for scripts; both from one StatusModel.
#pragma once

#include <cstdint>
#include <string>

#include "model.h"

namespace ocfkit::clevervm {

std::string render_text(const StatusModel& m);
std::string render_json(const StatusModel& m);

// 1536 -> "1.5K", binary units as df -h prints them.
std::string human_size(std::uint64_t bytes);

}  // namespace ocfkit::clevervm
