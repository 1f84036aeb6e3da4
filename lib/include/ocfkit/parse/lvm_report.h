// LVM reports as `vgs|lvs|pvs --reportformat json` print them.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ocfkit/parse/error.h"

namespace ocfkit::parse {

// One row of a report: field name (as LVM names it, e.g. "vg_name", "lv_attr") → value.
using LvmRow = std::map<std::string, std::string, std::less<>>;

struct LvmReport {
    // report section ("vg", "lv", "pv", ...) → rows, in order
    std::map<std::string, std::vector<LvmRow>, std::less<>> sections;
    const std::vector<LvmRow>& rows(std::string_view section) const;  // empty when absent
};

// Throws ParseError naming the line for anything that is not an LVM JSON report.
LvmReport parse_lvm_report(std::string_view json);

// Helpers on lv_attr (e.g. "-wi-a-----"): active, shared activation ...
bool lv_attr_active(std::string_view lv_attr);
bool vg_attr_shared(std::string_view vg_attr);

}  // namespace ocfkit::parse
