// Pure parsers and rules for clvm: `lvmconfig` output, `lvmlockctl -i`, LVM device filters,
// device-mapper names, and the DRBD volumes of `drbdadm dump-xml`. No I/O.
#pragma once

#include <bitset>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ocfkit/parse/error.h"

namespace ocfkit::lvm {

// One setting as lvmconfig prints it: a number, a "string" or a [list].
struct ConfigValue {
    enum class Kind { Number, String, List } kind = Kind::Number;
    std::string text;                // the number as written, or the unquoted string
    std::vector<std::string> items;  // list items, unquoted

    std::optional<long long> number() const;
    // The patterns of a filter setting: a list's items, or a lone string as a one-item list.
    std::vector<std::string> strings() const;
};

// Settings by path ("global/use_lvmlockd", "devices/filter"); lvmconfig prints bare keys for
// paths it was asked for ("use_lvmlockd=1") and sections for whole sections ("devices {").
// `asked` maps bare key names back to their path; keys not in it keep the section path.
using LvmConfig = std::map<std::string, ConfigValue, std::less<>>;
LvmConfig parse_lvmconfig(std::string_view text, const std::vector<std::string>& asked = {});

// `lvmlockctl -i` (lvm2 2.03 format_info()).
struct LockInfo {
    std::string resource;  // "GL", "VG", "LV"
    std::string mode;      // "un", "sh", "ex", "nl"
    std::string detail;    // LV uuid for LV locks, "ver N ..." for others
};
struct LockspaceInfo {
    std::string vg_name;   // "" for the global lockspace
    std::string vg_uuid;
    std::string lock_type; // "dlm", "sanlock", "" (global lockspace line)
    std::string ls_name;   // "lvm_vgcl", "lvm_global"
    std::vector<LockInfo> locks;

    bool global() const { return ls_name == "lvm_global"; }
    // LV locks held (sh or ex): each is an LV active through lvmlockd.
    int lv_locks_held() const;
};
struct LockdInfo {
    std::vector<LockspaceInfo> lockspaces;
    const LockspaceInfo* vg(std::string_view name) const;
};
// "Cannot connect to lvmlockd." and the socket errors before it.
bool lvmlockd_unreachable(std::string_view output);
// Throws ParseError naming the line.
LockdInfo parse_lvmlockctl_info(std::string_view text);

// A regular expression in LVM's own language (libdm's regex, not POSIX): literals, '.' (any
// byte but NUL, CR, LF), [sets] with ranges, '^' negation and backslash escapes, '^' and '$'
// anchors, * + ? | and ( ); a backslash quotes any character (\n \r \t as in C). Everything
// else, '{' and '}' included, is a plain character. Matching runs an NFA over the name: time
// linear in the name and the pattern, whatever the pattern (LVM itself builds a DFA).
class LvmRegex {
public:
    // Throws std::invalid_argument saying what is wrong. Stricter than LVM in one place: LVM
    // silently ignores everything from an unmatched ')' on; that is refused here.
    explicit LvmRegex(std::string_view pattern);
    // Whether some part of `name` matches ('^' and '$' match only at its ends).
    bool search(std::string_view name) const;

private:
    struct Inst {
        enum class Op { Byte, Split, Jump, Match } op = Op::Match;
        std::bitset<256> set{};  // Byte: the bytes it accepts
        int x = 0, y = 0;        // Split: both; Jump: x
    };
    std::vector<Inst> prog_;
    friend class LvmRegexCompiler;
};

// devices/filter and devices/global_filter patterns: "a|regex|" or "r|regex|" with any
// delimiter (brackets pair up), the regex in LvmRegex's language. Throws ParseError
// (line = 1-based pattern index) for a bad one.
struct FilterRule {
    bool accept = true;
    std::string regex;
    std::string source;  // the pattern as configured
};
std::vector<FilterRule> parse_filter(const std::vector<std::string>& patterns);

// LVM's rule: for each name of the device, the first matching pattern decides; the device is
// accepted when some name's first match accepts, rejected when names matched only rejections,
// and accepted when no name matched at all.
struct FilterVerdict {
    bool accepted = true;
    std::string decided_by;  // the pattern and name that decided, "" when none matched
};
FilterVerdict filter_device(const std::vector<FilterRule>& rules, const std::vector<std::string>& names);

// A device-mapper name "vg-lv" (dashes inside names doubled) → {vg, lv}; layers such as
// "vg-lv-real" give {vg, lv}. Nothing for names that are not two or more dash-separated parts.
std::optional<std::pair<std::string, std::string>> split_dm_name(std::string_view dm_name);

// DRBD volumes of `drbdadm dump-xml`.
struct DrbdVolume {
    std::string resource;
    std::string host;
    std::string volume;  // vnr
    std::string device;  // "/dev/drbd0"
    std::string disk;    // backing disk, "" when diskless ("none")
};
// Throws ParseError when the text is not drbdadm's XML.
std::vector<DrbdVolume> parse_drbd_dump_xml(std::string_view xml);

}  // namespace ocfkit::lvm
