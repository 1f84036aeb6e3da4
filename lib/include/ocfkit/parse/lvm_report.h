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

// Throws ParseError naming the line for anything that is not an LVM JSON report. Give it
// stdout only: lvm's warnings on stderr are not JSON. Members other than "report" (e.g.
// "log") are ignored; json_std numbers, nulls ("") and string lists ("a,b") are read as text.
LvmReport parse_lvm_report(std::string_view json);

// lv_attr (e.g. "-wi-a-----"): state character is 'a'. vg_attr (e.g. "wz--ns"): 's' (lvmlockd)
// or 'c' (clvmd) in the sixth place. Too short → false.
bool lv_attr_active(std::string_view lv_attr);
bool vg_attr_shared(std::string_view vg_attr);

}  // namespace ocfkit::parse
