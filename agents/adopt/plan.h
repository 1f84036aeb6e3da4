// adopt's plan: from the CIB (cibadmin --query) to what each stock resource becomes, and the CIB
// rewritten accordingly. Pure functions over XML text (pugixml only).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mapping.h"
#include "ocfkit/parse/error.h"

namespace ocfkit::adopt {

enum class ParamAction { Same, Renamed, Dropped, Unsupported, Added };
std::string_view to_string(ParamAction a);

struct ParamStep {
    std::string set_id{};     // the instance_attributes set ("" for an added or defaulted parameter)
    std::string name{};       // stock name ("" for Added)
    std::string value{};      // as the CIB has it
    ParamAction action = ParamAction::Same;
    std::string new_name{};   // Same, Renamed, Added
    std::string new_value{};  // may differ from value (booleans the stock agent read its own way, 1/0 → true/false)
    std::string why{};
    bool from_default = false;  // not in the CIB: the stock agent's default
};

struct OpDef {
    std::string name{};
    std::map<std::string, std::string> attrs{};  // interval, timeout, role, on-fail, ... (without id)
};

struct ResourcePlan {
    std::string id{};
    std::string parent{};        // enclosing group or clone id, "" at top level
    std::string parent_kind{};   // "group", "clone", "promotable clone", "group in clone", ...
    std::string top{};           // the top-level resource holding it (itself at top level)
    std::string stock_agent{};   // "ocf:heartbeat:Filesystem"
    std::string new_agent{};     // "ocf:custom:gfs2fs"
    bool converts = false;
    std::vector<std::string> reasons{};  // why it stays (empty when it converts)
    std::vector<ParamStep> params{};
    std::vector<OpDef> ops{};
    std::vector<std::pair<std::string, std::string>> meta{};
    std::vector<std::pair<std::string, std::string>> inherited_meta{};  // rsc_defaults, then the enclosing clone's
    std::vector<std::string> notes{};    // what our agent's validate-all said (when it did not refuse)
};

struct Plan {
    std::string provider{};  // ours, "custom"
    std::vector<ResourcePlan> resources{};  // document order
    std::vector<std::string> other_agents{};  // primitives adopt does not touch: "id (agent)"
    int converting() const;
    int staying() const;
};

// Throws parse::ParseError when the text is not a CIB.
Plan make_plan(std::string_view cib_xml, std::string_view provider = "custom");

// The CIB with every converting resource of `plan` on its new agent (only those whose id is in
// `only`, when given), epoch + 1 and num_updates 0: the "new" side of one versioned patch.
std::string convert_cib(std::string_view cib_xml, const Plan& plan,
                        const std::optional<std::vector<std::string>>& only = std::nullopt);

// The way back: which primitives of `saved` (a CIB saved by apply) now run on our agent in
// `current`, and whether each is still exactly what apply made of it.
struct RevertItem {
    std::string id{};
    std::string stock_agent{};   // what it returns to
    std::string current_agent{};
    bool changed_since = false;  // current definition differs from apply's conversion of the saved one
    std::string change{};          // a short description of the first difference
};
struct RevertPlan {
    std::vector<RevertItem> items{};
    std::vector<std::string> missing{};  // saved stock resources no longer in the CIB or not on our agent
};
RevertPlan plan_revert(std::string_view saved_cib, std::string_view current_cib, std::string_view provider = "custom");
// `current` with the listed primitives replaced by those of `source` (a saved CIB, or apply's
// converted one), epoch + 1, num_updates 0.
std::string revert_cib(std::string_view current_cib, std::string_view source_cib, const std::vector<std::string>& ids);
// The ids whose primitive differs between two CIBs (attribute order and utilization aside, which
// agents rewrite as they run), or is missing in one.
std::vector<std::string> differing_primitives(std::string_view a_cib, std::string_view b_cib,
                                              const std::vector<std::string>& ids);
// The sections a plan depends on (nodes, resources, constraints, rsc_defaults, op_defaults) that
// differ between two CIBs.
std::vector<std::string> changed_sections(std::string_view a_cib, std::string_view b_cib);
// "ocf:custom:gfs2fs" of primitive `id`; "" when it is not there.
std::string primitive_agent(std::string_view cib_xml, const std::string& id);

// admin_epoch, epoch and num_updates of a CIB.
struct CibVersion {
    long long admin_epoch = 0, epoch = 0, num_updates = 0;
    bool same_config(const CibVersion& o) const { return admin_epoch == o.admin_epoch && epoch == o.epoch; }
};
CibVersion cib_version(std::string_view cib_xml);
// The <configuration> section as canonical text (for "did the configuration change?").
std::string configuration_text(std::string_view cib_xml);

}  // namespace ocfkit::adopt
