// adopt's output: the plan as text for people and as JSON for scripts.
#pragma once

#include <string>

#include "plan.h"

namespace ocfkit::adopt {

std::string render_plan_text(const Plan& plan);
std::string render_plan_json(const Plan& plan);
std::string json_string(std::string_view s);

}  // namespace ocfkit::adopt
