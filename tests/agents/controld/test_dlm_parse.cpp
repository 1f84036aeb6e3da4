// dlm_tool status -v / ls parsers against real captures and crafted states (tests/data/dlm).
#include "catch.h"

#include "controld_agent.h"
#include "dlm_tool_parse.h"
#include "fixture.h"

using namespace ocfkit;

namespace {

std::string data(const std::string& rel) { return test::read_fixture("dlm/" + rel); }

}  // namespace

TEST_CASE("status -v of a steady two-node cluster", "[dlm-parse]")
{
    auto st = dlm::parse_status_verbose(data("two-node-steady/dlm_tool-status-verbose.txt"));
    CHECK(st.our_nodeid == 1);
    CHECK(st.quorate);
    CHECK_FALSE(st.stateful_merge_wait);
    CHECK(st.monotime == 698);
    CHECK(st.member_count == 2);
    REQUIRE(st.nodes.size() == 2);
    CHECK(st.nodes[0].nodeid == 1);
    CHECK(st.nodes[1].nodeid == 2);
    CHECK(st.nodes[1].member);
    CHECK(st.nodes[1].values.at("add_time") == "431");
    CHECK(st.awaiting_fencing().empty());
    CHECK(controld::assess_status(st).ok());
    CHECK(controld::assess_status(st).reason.empty());
}

TEST_CASE("an unreachable daemon is recognised, not parsed", "[dlm-parse]")
{
    std::string text = data("node-after-fence-reboot/dlm_tool-status-verbose.txt");
    CHECK(dlm::dlm_controld_unreachable(text));
    CHECK_THROWS_AS(dlm::parse_status_verbose(text), parse::ParseError);
    CHECK_FALSE(dlm::dlm_controld_unreachable(data("two-node-steady/dlm_tool-status-verbose.txt")));
    CHECK(dlm::dlm_controld_unreachable("cannot send to dlm_controld\n"));
}

TEST_CASE("wait fencing: stuck, in progress and fresh", "[dlm-parse]")
{
    auto stuck = dlm::parse_status_verbose(data("wait-fencing-stuck/dlm_tool-status-verbose.txt"));
    REQUIRE(stuck.awaiting_fencing().size() == 1);
    const auto* n = stuck.awaiting_fencing().front();
    CHECK(n->nodeid == 2);
    CHECK(n->left_reason == "NODEDOWN");
    CHECK(n->fail_monotime == 300);
    CHECK_FALSE(n->fencing_in_progress());
    Outcome o = controld::assess_status(stuck);
    CHECK(o.code == ExitCode::ErrGeneric);
    CHECK_THAT(o.reason, Catch::Contains("wait fencing") && Catch::Contains("node 2") &&
                             Catch::Contains("398 s ago") && Catch::Contains("no fencing is under way"));

    auto busy = dlm::parse_status_verbose(data("wait-fencing-in-progress/dlm_tool-status-verbose.txt"));
    CHECK(busy.awaiting_fencing().front()->fencing_in_progress());
    Outcome b = controld::assess_status(busy);
    CHECK(b.ok());
    CHECK_THAT(b.reason, Catch::Contains("waits for fencing of node 2"));

    auto fresh = dlm::parse_status_verbose(data("wait-fencing-fresh/dlm_tool-status-verbose.txt"));
    CHECK(controld::assess_status(fresh).ok());
}

// Three nodes, node 3 lost: node 1 (the lowest survivor) runs the fence agent; node 2 only waits
// for its result. A fence that takes longer than the stall limit (sbd's msgwait alone is 60 s)
// is no stall on node 2.
TEST_CASE("wait fencing: another node fences, or the chosen node is gone", "[dlm-parse]")
{
    auto other = dlm::parse_status_verbose(data("wait-fencing-other-actor/dlm_tool-status-verbose.txt"));
    REQUIRE(other.awaiting_fencing().size() == 1);
    const auto* n = other.awaiting_fencing().front();
    CHECK(n->nodeid == 3);
    CHECK(n->fence_actor_last == 1);
    CHECK_FALSE(n->fencing_in_progress());
    CHECK(other.fenced_elsewhere_by(*n) == 1);
    Outcome o = controld::assess_status(other);
    CHECK(o.ok());
    CHECK_THAT(o.reason, Catch::Contains("waits for fencing of node 3") && Catch::Contains("56 s ago") &&
                             Catch::Contains("fenced by node 1"));

    auto gone = dlm::parse_status_verbose(data("wait-fencing-actor-gone/dlm_tool-status-verbose.txt"));
    const auto* g = gone.awaiting_fencing().front();
    CHECK(g->fence_actor_last == 1);
    CHECK(gone.fenced_elsewhere_by(*g) == 0);
    Outcome s = controld::assess_status(gone);
    CHECK(s.code == ExitCode::ErrGeneric);
    CHECK_THAT(s.reason, Catch::Contains("stuck in wait fencing for node 3") && Catch::Contains("no fencing is under way"));
}

TEST_CASE("stateful merge and lost quorum", "[dlm-parse]")
{
    auto merge = dlm::parse_status_verbose(data("stateful-merge/dlm_tool-status-verbose.txt"));
    CHECK(merge.stateful_merge_wait);
    Outcome o = controld::assess_status(merge);
    CHECK(o.code == ExitCode::ErrGeneric);
    CHECK_THAT(o.reason, Catch::Contains("stateful merge"));

    auto nq = dlm::parse_status_verbose(data("not-quorate/dlm_tool-status-verbose.txt"));
    CHECK_FALSE(nq.quorate);
    CHECK(controld::assess_status(nq).ok());
}

TEST_CASE("status -v: malformed input names the line", "[dlm-parse]")
{
    try {
        dlm::parse_status_verbose("our_nodeid 1\n    quorate=1\n    no equals sign\n");
        FAIL("no error");
    } catch (const parse::ParseError& e) {
        CHECK(e.line == 3);
    }
    // an unknown block (a newer dlm) is skipped with its keys
    auto newer = dlm::parse_status_verbose("our_nodeid 1\n    quorate=1\nfuture_block 7\n    x=y z\nnodeid 2\n    member=1\n");
    CHECK(newer.nodes.size() == 1);
    CHECK(newer.quorate);
    CHECK_THROWS_AS(dlm::parse_status_verbose("our_nodeid x\n"), parse::ParseError);
    CHECK_THROWS_AS(dlm::parse_status_verbose("our_nodeid 1\n    quorate=yes\n"), parse::ParseError);
    CHECK_THROWS_AS(dlm::parse_status_verbose("    quorate=1\n"), parse::ParseError);
    CHECK_THROWS_AS(dlm::parse_status_verbose(""), parse::ParseError);
    // unknown keys are kept, not rejected
    auto st = dlm::parse_status_verbose("our_nodeid 3\n    quorate=1\n    new_key=abc\n");
    CHECK(st.values.at("new_key") == "abc");
}

TEST_CASE("ls of a steady cluster: three lockspaces", "[dlm-parse]")
{
    auto ls = dlm::parse_ls(data("two-node-steady/dlm_tool-ls.txt"));
    REQUIRE(ls.size() == 3);
    CHECK(ls[0].name == "gfs0");
    CHECK(ls[0].id == "0xd6c2e89a");
    CHECK(ls[0].flags == "0x00000000");
    CHECK(ls[0].change.member == 2);
    CHECK(ls[0].change.joined == 1);
    CHECK(ls[0].change.seq == "1,1");
    CHECK(ls[0].members == std::vector<int>{1, 2});
    CHECK_FALSE(ls[0].changing);
    CHECK(ls[1].name == "lvm_vgcl");
    CHECK(ls[2].name == "lvm_global");
    CHECK(ls[2].change.seq == "2,2");
}

TEST_CASE("ls: no lockspaces, recovery in progress, malformed", "[dlm-parse]")
{
    CHECK(dlm::parse_ls("").empty());
    CHECK(dlm::parse_ls(data("node-after-fence-reboot/dlm_tool-ls.txt")).empty());

    auto ls = dlm::parse_ls(data("crafted-ls-changing.txt"));
    REQUIRE(ls.size() == 2);
    CHECK(ls[0].flags == "0x00000004 kern_stop");
    CHECK(ls[0].changing);
    CHECK(ls[0].next_change.failed == 1);
    CHECK(ls[0].wait_condition == "fencing");
    CHECK(ls[0].next_members == std::vector<int>{1});
    CHECK(ls[1].wait_condition == "messages");

    try {
        dlm::parse_ls("dlm lockspaces\nid            0x1\n");
        FAIL("no error");
    } catch (const parse::ParseError& e) {
        CHECK(e.line == 2);
    }
    CHECK_THROWS_AS(dlm::parse_ls("name          a\nmembers       1 x\n"), parse::ParseError);
    CHECK_THROWS_AS(dlm::parse_ls("name          a\nsomething     else\n"), parse::ParseError);
    CHECK_THROWS_AS(dlm::parse_ls("name          a\nchange        joined 1\n"), parse::ParseError);
}
