// LVM `--reportformat json` reports: {"report": [{"vg": [{...}, ...]}, ...], "log": [...]}.
#include "ocfkit/parse/lvm_report.h"

#include "ocfkit/parse/json.h"

namespace ocfkit::parse {

namespace {

// "json" format writes every field as a string; "json_std" (lvm2 >= 2.03.17) writes numbers as
// numbers, unset values as null and string lists as arrays: accept all, as text.
std::string field_text(const std::string& name, const Json& value)
{
    if (value.is_string() || value.is_number()) return value.scalar_text();
    if (value.is_null()) return {};
    if (value.is_array()) {
        std::string joined;
        for (const Json& item : value.as_array()) {
            if (!item.is_string() && !item.is_number())
                throw ParseError(item.line(), "field \"" + name + "\": list items must be strings or numbers");
            if (!joined.empty()) joined.push_back(',');
            joined += item.scalar_text();
        }
        return joined;
    }
    throw ParseError(value.line(), "field \"" + name + "\" is not a string");
}

}  // namespace

const std::vector<LvmRow>& LvmReport::rows(std::string_view section) const
{
    static const std::vector<LvmRow> none;
    auto it = sections.find(section);
    return it == sections.end() ? none : it->second;
}

LvmReport parse_lvm_report(std::string_view json)
{
    Json doc = parse_json(json);
    if (!doc.is_object()) throw ParseError(doc.line(), "LVM report: top level is not an object");
    const Json* report = doc.find("report");
    if (!report) throw ParseError(doc.line(), "LVM report: no \"report\" member");
    if (!report->is_array()) throw ParseError(report->line(), "LVM report: \"report\" is not an array");

    LvmReport out;
    for (const Json& item : report->as_array()) {
        if (!item.is_object()) throw ParseError(item.line(), "LVM report: a \"report\" item is not an object");
        for (const auto& [section, rows] : item.as_object()) {
            if (!rows.is_array())
                throw ParseError(rows.line(), "LVM report: section \"" + section + "\" is not an array");
            auto& dest = out.sections[section];  // an empty section is still a section
            for (const Json& row : rows.as_array()) {
                if (!row.is_object())
                    throw ParseError(row.line(), "LVM report: a \"" + section + "\" row is not an object");
                LvmRow fields;
                for (const auto& [name, value] : row.as_object()) fields.emplace(name, field_text(name, value));  // first wins, as Json::find
                dest.push_back(std::move(fields));
            }
        }
    }
    return out;
}

// lv_attr, see lvs(8): bit 5 (index 4) is the state, 'a' = active; lvmlockd shared activation
// is not visible here, callers use lv_active_* fields for that.
bool lv_attr_active(std::string_view lv_attr)
{
    return lv_attr.size() >= 5 && lv_attr[4] == 'a';
}

// vg_attr, see vgs(8): bit 6 (index 5) is 'c' for clustered (clvmd) or 's' for shared (lvmlockd).
bool vg_attr_shared(std::string_view vg_attr)
{
    return vg_attr.size() >= 6 && (vg_attr[5] == 's' || vg_attr[5] == 'c');
}

}  // namespace ocfkit::parse
