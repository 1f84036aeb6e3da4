// crm_mon --output-as=xml (Pacemaker 2.1): the cluster summary, nodes and resources; separately
// the per-node resource history (fail counts) and the bans.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocfkit/parse/error.h"

namespace ocfkit::parse {

struct CrmNode {
    std::string name;
    std::string id;
    bool online = false;
    bool standby = false;
    bool maintenance = false;
    bool unclean = false;
    bool is_dc = false;
    std::string type;  // "member", "remote", ...
};

struct CrmResource {
    std::string id;          // "r0:1" for clone instances as crm_mon writes them
    std::string agent;       // "ocf:custom:gfs2fs"
    std::string role;        // "Started", "Stopped", "Promoted", "Unpromoted", ... (pre-2.1
                             // "Master"/"Slave" are mapped to Promoted/Unpromoted)
    std::string target_role; // may be empty
    bool active = false;
    bool orphaned = false;
    bool managed = true;
    bool failed = false;
    bool failure_ignored = false;
    std::vector<std::string> nodes;  // where it is active
    std::string parent;      // innermost clone, group or bundle id, "" at top level
                             // (a member of a cloned group has parent "grp:0", kind "group")
    std::string parent_kind; // "clone", "group", "bundle", ""
    bool parent_promotable = false;  // inside a promotable clone (also through a group)
};

struct CrmFailure {
    std::string op_key;   // "fs_monitor_20000"
    std::string node;
    std::string exitstatus;
    std::string exitreason;
    int exitcode = 0;
    std::string task;
    std::string status;
};

struct CrmMon {
    std::string pacemaker_version;  // the DC's, "" when unknown (no DC, or crm_mon on a file)
    std::string stack;
    std::string dc_name;       // "" when none
    bool with_quorum = false;
    bool fencing_enabled = false;  // fencing-enabled (Pacemaker 3.0.2 and later) or stonith-enabled
    bool maintenance_mode = false;
    int nodes_configured = 0;
    int resources_configured = 0;
    std::vector<CrmNode> nodes;
    std::vector<CrmResource> resources;  // clone/group members flattened, parent recorded
    std::vector<CrmFailure> failures;

    const CrmNode* node(std::string_view name) const;
    // Resources whose id is `id` or an instance of it ("id:N").
    std::vector<const CrmResource*> instances(std::string_view id) const;
};

// Throws ParseError when the text is not crm_mon XML (line 0 when it holds no element at
// all), lacks <summary> or <nodes>, has values of the wrong type, or is an error result
// (<status code="102" message="Not connected">: the message and errors go into what()).
CrmMon parse_crm_mon(std::string_view xml);

// One <resource_history> of crm_mon's <node_history> (its "Migration Summary").
struct CrmResourceHistory {
    std::string node;
    std::string resource;               // as crm_mon writes it ("uq:1" for a unique clone instance)
    bool orphan = false;
    long long migration_threshold = 0;  // INFINITY is 1000000; 0 when not written
    long long fail_count = 0;           // 0 when not written (no failure)
    std::string last_failure;           // as crm_mon writes it ("Mon Nov 23 19:35:44 2026"); "" when none
};

// A location constraint crm_mon lists under <bans> (e.g. crm_resource --ban's cli-ban-*).
struct CrmBan {
    std::string id;
    std::string resource;
    std::string node;
    long long weight = 0;        // -INFINITY is -1000000
    bool promoted_only = false;  // only the promoted role is banned (--promoted)
};

struct CrmMonHistory {
    std::vector<CrmResourceHistory> node_history;  // every entry, in crm_mon's order
    std::vector<CrmBan> bans;

    // The entries with a fail count above 0: what crm_mon shows as its migration summary.
    std::vector<const CrmResourceHistory*> failed() const;
};

// crm_mon's <node_history> and <bans>, apart from parse_crm_mon so that callers that need only
// the cluster state never fail on them. Throws ParseError as parse_crm_mon does for text that is
// not crm_mon output or is an error result, and for an entry without its id, node or resource
// or with a score that is neither an integer nor [+-]INFINITY. Sections not written are empty.
CrmMonHistory parse_crm_mon_history(std::string_view xml);

}  // namespace ocfkit::parse
