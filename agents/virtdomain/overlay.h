// backingfile / stateless / copyindirs: the qcow2 overlay a guest boots from.
#pragma once

#include "ocfkit/agent.h"
#include "settings.h"

namespace ocfkit::virtdomain {

// Creates the overlay when stateless or when it is missing or empty; returns whether it did.
bool prepare_overlay(Context& ctx, const Settings& s);

}  // namespace ocfkit::virtdomain
