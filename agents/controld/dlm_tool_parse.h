// What `dlm_tool status -v` and `dlm_tool ls` print (dlm 4.x, formats of dlm_controld/lib.c and
// dlm_tool/main.c): pure parsers, no I/O.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocfkit/parse/error.h"

namespace ocfkit::dlm {

// One "nodeid N" block of `dlm_tool status -v`.
struct DaemonNode {
    int nodeid = 0;
    bool member = false;
    bool need_fencing = false;
    bool delay_fencing = false;      // post_join_delay still running
    bool fence_result_wait = false;  // a fencing result is awaited
    long long fence_pid = 0;         // helper running the fence
    int fence_actor_last = 0;        // the node DLM chose to run the fence agent (0: none)
    long long fail_monotime = 0;
    long long fence_monotime = 0;
    std::string left_reason;
    std::map<std::string, std::string, std::less<>> values;  // every key as printed

    bool fencing_in_progress() const { return fence_pid != 0 || fence_result_wait || delay_fencing; }
};

// `dlm_tool status -v`: the daemon block ("our_nodeid N") and one block per node.
struct DaemonStatus {
    int our_nodeid = 0;
    bool quorate = false;
    bool stateful_merge_wait = false;
    bool fence_in_progress_unknown = false;  // startup: fencing state not known yet
    long long monotime = 0;
    long long fence_pid = 0;
    int member_count = 0;
    std::map<std::string, std::string, std::less<>> values;
    std::vector<DaemonNode> nodes;

    // Nodes DLM waits to see fenced before lockspace recovery can go on.
    std::vector<const DaemonNode*> awaiting_fencing() const;
    // The node that fences n for DLM when it is another live member, else 0. Only the lowest
    // surviving node that saw n fail runs the agent; the others wait for its result and show
    // no fencing of their own.
    int fenced_elsewhere_by(const DaemonNode& n) const;
};

// dlm_tool prints this (exit code 0 for status, 1 for ls) when dlm_controld's socket does not
// answer; true for those texts.
bool dlm_controld_unreachable(std::string_view output);

// Throws ParseError naming the line for text that is not `dlm_tool status -v` output.
DaemonStatus parse_status_verbose(std::string_view text);

struct LockspaceChange {
    int member = 0, joined = 0, remove = 0, failed = 0;
    std::string seq;  // "combined,seq" as printed
};

// One block of `dlm_tool ls`.
struct Lockspace {
    std::string name;
    std::string id;     // "0xd6c2e89a"
    std::string flags;  // "0x00000000", then words such as "kern_stop,join"
    LockspaceChange change;
    std::vector<int> members;
    bool changing = false;          // a "new change" is in progress
    LockspaceChange next_change;
    std::string wait_condition;     // "fencing", "quorum", "ringid", "fsdone", "messages" or ""
    std::vector<int> next_members;
};

// Throws ParseError naming the line. Empty text (no lockspaces) gives an empty list.
std::vector<Lockspace> parse_ls(std::string_view text);

}  // namespace ocfkit::dlm
