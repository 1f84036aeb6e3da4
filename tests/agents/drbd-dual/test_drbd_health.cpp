// Monitor verdicts, promotion refusals and scores for every role/disk/connection state.
#include "catch.h"

#include "health.h"

using namespace ocfkit;
using namespace ocfkit::drbd;

namespace {

// One volume, one peer: the shape of the two-node resources the agent is for.
ResourceStatus state(std::string role, std::string disk, std::string conn = "Connected",
                     std::string peer_disk = "UpToDate", std::string repl = "Established",
                     std::string peer_role = "Secondary")
{
    ResourceStatus st;
    st.name = "r0";
    st.exists = true;
    st.role = std::move(role);
    st.suspended = "no";
    st.volumes.push_back({0, 0, std::move(disk), false, std::nullopt});
    Connection c;
    c.peer_node_id = 1;
    c.name = "node2";
    c.state = std::move(conn);
    c.peer_role = c.state == "Connected" ? std::move(peer_role) : "Unknown";
    PeerDevice pd;
    pd.volume = 0;
    pd.replication = c.state == "Connected" ? std::move(repl) : "Off";
    pd.peer_disk = c.state == "Connected" ? std::move(peer_disk) : "DUnknown";
    c.peer_devices.push_back(pd);
    st.connections.push_back(c);
    return st;
}

}  // namespace

TEST_CASE("monitor codes: down, healthy Primary and Secondary", "[drbd-health]")
{
    ResourceStatus down;
    down.name = "r0";
    CHECK(assess(down).code == ExitCode::NotRunning);
    CHECK(assess(state("Primary", "UpToDate")).code == ExitCode::RunningPromoted);
    CHECK(assess(state("Secondary", "UpToDate")).code == ExitCode::Success);
    CHECK(assess(state("Primary", "UpToDate", "Connected", "UpToDate", "Established", "Primary")).code ==
          ExitCode::RunningPromoted);
    CHECK(assess(state("Primary", "UpToDate")).reason.empty());
}

TEST_CASE("monitor codes: degraded states say why", "[drbd-health]")
{
    Verdict disc = assess(state("Primary", "UpToDate", "Connecting"));
    CHECK(disc.code == ExitCode::DegradedPromoted);
    CHECK_THAT(disc.reason, Catch::Contains("peer node2 disconnected (Connecting)"));

    Verdict outdated = assess(state("Primary", "UpToDate", "Connected", "Outdated"));
    CHECK(outdated.code == ExitCode::DegradedPromoted);
    CHECK_THAT(outdated.reason, Catch::Contains("node2 has Outdated data"));

    ResourceStatus src = state("Secondary", "UpToDate", "Connected", "Inconsistent", "SyncSource");
    src.connections[0].peer_devices[0].done = 12.5;
    Verdict sync = assess(src);
    CHECK(sync.code == ExitCode::Degraded);
    CHECK_THAT(sync.reason, Catch::Contains("resync to peer node2 in progress (12.5% done)"));

    ResourceStatus tgt = state("Secondary", "Inconsistent", "Connected", "UpToDate", "SyncTarget");
    tgt.connections[0].peer_devices[0].done = 80.0;
    Verdict target = assess(tgt);
    CHECK(target.code == ExitCode::Degraded);
    CHECK_THAT(target.reason, Catch::Contains("resync from peer node2 in progress (80.0% done)"));

    Verdict sb = assess(state("Primary", "UpToDate", "StandAlone"));
    CHECK(sb.code == ExitCode::DegradedPromoted);
    CHECK(sb.split_brain_suspected);
    CHECK_THAT(sb.reason, Catch::Contains("split-brain"));

    CHECK(assess(state("Secondary", "Outdated", "Connecting")).code == ExitCode::Degraded);
    CHECK(assess(state("Secondary", "Consistent", "Connecting")).code == ExitCode::Degraded);
    CHECK(assess(state("Secondary", "Negotiating")).code == ExitCode::Degraded);
}

TEST_CASE("monitor codes: failed local disks", "[drbd-health]")
{
    // A Primary that lost its disk but still reaches an UpToDate peer serves data: degraded.
    Verdict remote = assess(state("Primary", "Diskless"));
    CHECK(remote.code == ExitCode::DegradedPromoted);
    // Without the peer it serves nothing: failed promoted.
    Verdict lost = assess(state("Primary", "Diskless", "Connecting"));
    CHECK(lost.code == ExitCode::FailedPromoted);
    CHECK_THAT(lost.reason, Catch::Contains("local disk Diskless"));
    CHECK(assess(state("Primary", "Failed", "StandAlone")).code == ExitCode::FailedPromoted);
    ResourceStatus susp = state("Primary", "UpToDate");
    susp.suspended = "no-data";
    CHECK(assess(susp).code == ExitCode::FailedPromoted);
    susp.suspended = "fencing";
    CHECK(assess(susp).code == ExitCode::DegradedPromoted);
    // A Secondary with a failed disk is of no use: error, Pacemaker recovers it.
    Verdict sec = assess(state("Secondary", "Failed"));
    CHECK(sec.code == ExitCode::ErrGeneric);
    CHECK(assess(state("Secondary", "Diskless")).code == ExitCode::ErrGeneric);
    // An intentionally diskless client with an UpToDate peer is healthy.
    ResourceStatus client = state("Secondary", "Diskless");
    client.volumes[0].client = true;
    CHECK(assess(client).code == ExitCode::Success);
    ResourceStatus noq = state("Primary", "UpToDate");
    noq.volumes[0].quorum = false;
    CHECK(assess(noq).code == ExitCode::DegradedPromoted);
    ResourceStatus none = state("Secondary", "UpToDate");
    none.volumes.clear();
    CHECK(assess(none).code == ExitCode::ErrGeneric);
}

TEST_CASE("I/O suspended for quorum (or no-data) fails whatever other reason holds too", "[drbd-health]")
{
    // Issue 18 #16: user + quorum together was reported degraded.
    ResourceStatus both = state("Primary", "UpToDate", "Connecting");
    both.volumes[0].quorum = false;
    both.suspended = "user,quorum";
    Verdict v = assess(both);
    CHECK(v.code == ExitCode::FailedPromoted);
    CHECK_THAT(v.reason, Catch::Contains("I/O suspended (user, quorum)"));
    both.suspended = "user,no-data,fencing";
    CHECK(assess(both).code == ExitCode::FailedPromoted);
    ResourceStatus paused = state("Primary", "UpToDate");
    paused.suspended = "user,fencing";
    CHECK(assess(paused).code == ExitCode::DegradedPromoted);
    ResourceStatus secondary = state("Secondary", "UpToDate");
    secondary.suspended = "quorum,user";
    CHECK(assess(secondary).code == ExitCode::ErrGeneric);
}

TEST_CASE("promotion only with UpToDate data, refusals say why", "[drbd-health]")
{
    CHECK(may_promote(state("Secondary", "UpToDate"), "resource-and-stonith").allowed);
    CHECK(may_promote(state("Primary", "UpToDate"), "").allowed);
    CHECK(may_promote(state("Secondary", "UpToDate", "Connecting"), "").allowed);

    PromoteCheck inc = may_promote(state("Secondary", "Inconsistent", "Connected", "UpToDate", "SyncTarget"), "");
    CHECK_FALSE(inc.allowed);
    CHECK_FALSE(inc.retryable);
    CHECK_THAT(inc.reason, Catch::Contains("Inconsistent: resync from peer node2 not finished"));
    PromoteCheck inc2 = may_promote(state("Secondary", "Inconsistent", "Connecting"), "");
    CHECK_THAT(inc2.reason, Catch::Contains("no resync source is connected"));

    PromoteCheck out = may_promote(state("Secondary", "Outdated", "Connecting"), "resource-and-stonith");
    CHECK_FALSE(out.allowed);
    CHECK_THAT(out.reason, Catch::Contains("Outdated"));

    PromoteCheck dl = may_promote(state("Secondary", "Diskless", "Connecting"), "");
    CHECK_FALSE(dl.allowed);
    CHECK_THAT(dl.reason, Catch::Contains("Diskless and no connected peer has UpToDate data"));
    CHECK(may_promote(state("Secondary", "Diskless"), "").allowed);  // reads through the peer

    // Consistent: DRBD fences the peer first when fencing is configured; without, refuse.
    CHECK(may_promote(state("Secondary", "Consistent", "Connecting"), "resource-and-stonith").allowed);
    PromoteCheck cons = may_promote(state("Secondary", "Consistent", "Connecting"), "dont-care");
    CHECK_FALSE(cons.allowed);
    CHECK_THAT(cons.reason, Catch::Contains("fencing is 'dont-care'"));

    PromoteCheck att = may_promote(state("Secondary", "Attaching"), "");
    CHECK_FALSE(att.allowed);
    CHECK(att.retryable);
    ResourceStatus down;
    down.name = "r0";
    CHECK_FALSE(may_promote(down, "").allowed);
}

TEST_CASE("no promote without quorum, even with UpToDate data; score and promote agree", "[drbd-health]")
{
    // Issue 18 #15: may_promote skipped the quorum check for UpToDate volumes while the score
    // was withdrawn for it.
    ScoreTable t = parse_score_table("0 10 1000 10000");
    ResourceStatus noq = state("Secondary", "UpToDate", "Connecting");
    noq.volumes[0].quorum = false;
    PromoteCheck p = may_promote(noq, "resource-and-stonith");
    CHECK_FALSE(p.allowed);
    CHECK_FALSE(p.retryable);
    CHECK_THAT(p.reason, Catch::Contains("no quorum"));
    CHECK(promotion_score(noq, t, "resource-and-stonith").action == ScoreAction::Remove);

    // I/O frozen for quorum says the same, whatever the volumes report.
    ResourceStatus frozen = state("Secondary", "UpToDate", "Connecting");
    frozen.suspended = "user,quorum";
    CHECK_FALSE(may_promote(frozen, "").allowed);
    CHECK(promotion_score(frozen, t, "").action == ScoreAction::Remove);

    // A second volume without quorum while the first is fine.
    ResourceStatus two = state("Secondary", "UpToDate");
    two.volumes.push_back({1, 1, "UpToDate", false, false});
    two.connections[0].peer_devices.push_back({1, "Established", "UpToDate", false, std::nullopt, ""});
    PromoteCheck p2 = may_promote(two, "");
    CHECK_FALSE(p2.allowed);
    CHECK_THAT(p2.reason, Catch::Contains("volume 1 has no quorum"));
    CHECK(promotion_score(two, t, "").action == ScoreAction::Remove);

    // A Primary that lost quorum is no promotion candidate either (its score goes too).
    ResourceStatus prim = state("Primary", "UpToDate", "Connecting");
    prim.volumes[0].quorum = false;
    CHECK_FALSE(may_promote(prim, "").allowed);
    CHECK(promotion_score(prim, t, "").action == ScoreAction::Remove);
    CHECK(may_promote(state("Primary", "UpToDate", "Connecting"), "").allowed);
}

TEST_CASE("promotion scores follow adjust_master_score and never favour unusable data", "[drbd-health]")
{
    ScoreTable t = parse_score_table("0 10 1000 10000");
    auto score = [&](const ResourceStatus& st, std::string_view fencing = "resource-and-stonith") {
        ScoreDecision d = promotion_score(st, t, fencing);
        return d.action == ScoreAction::Set ? d.value : d.action == ScoreAction::Keep ? -1 : -2;
    };
    CHECK(score(state("Primary", "UpToDate")) == 10000);
    CHECK(score(state("Secondary", "UpToDate")) == 10000);
    CHECK(score(state("Secondary", "UpToDate", "Connecting")) == 1000);
    CHECK(score(state("Primary", "UpToDate", "StandAlone")) == 10000);
    CHECK(score(state("Secondary", "Diskless")) == 10);
    CHECK(score(state("Secondary", "Consistent", "Connecting")) == -2);  // 0 → removed
    CHECK(score(state("Secondary", "Inconsistent", "Connected", "UpToDate", "SyncTarget")) == -2);
    CHECK(score(state("Secondary", "Outdated", "Connecting")) == -2);
    CHECK(score(state("Secondary", "Attaching")) == -1);
    ResourceStatus down;
    down.name = "r0";
    CHECK(score(down) == -2);
    ResourceStatus noq = state("Secondary", "UpToDate");
    noq.volumes[0].quorum = false;
    CHECK(score(noq) == -2);

    ScoreTable custom = parse_score_table("5 20 2000 20000");
    CHECK(promotion_score(state("Secondary", "Consistent", "Connecting"), custom, "resource-only").value == 5);
    CHECK(promotion_score(state("Secondary", "Consistent", "Connecting"), custom, "dont-care").action ==
          ScoreAction::Remove);
}

TEST_CASE("adjust_master_score syntax", "[drbd-health]")
{
    CHECK_FALSE(score_table_problem("0 10 1000 10000"));
    CHECK_FALSE(score_table_problem("  1   2 3 4 "));
    CHECK(score_table_problem("0 10 1000") == "needs exactly four scores, found 3");
    CHECK(score_table_problem("0 10 5 10000") == "scores must not decrease (5 after 10)");
    CHECK(score_table_problem("0 10 x 10000").has_value());
    CHECK(score_table_problem("-1 10 100 1000").has_value());
}

TEST_CASE("every role x disk x connection x peer-disk: codes fit the role, scores only where promote works",
          "[drbd-health]")
{
    const char* roles[] = {"Primary", "Secondary"};
    const char* disks[] = {"UpToDate", "Consistent", "Inconsistent", "Outdated", "Diskless",
                           "Failed", "Attaching", "Negotiating", "Detaching", "Unconfigured"};
    const char* conns[] = {"Connected", "Connecting", "StandAlone", "Disconnecting", "NetworkFailure"};
    const char* peer_disks[] = {"UpToDate", "Inconsistent", "Outdated", "DUnknown", "Diskless", "Consistent"};
    const char* repls[] = {"Established", "SyncSource", "SyncTarget", "PausedSyncT", "WFBitMapS"};
    const std::optional<bool> quorums[] = {std::nullopt, true, false};
    ScoreTable t = parse_score_table("0 10 1000 10000");
    int combos = 0;
    for (auto role : roles)
        for (auto disk : disks)
            for (auto conn : conns)
                for (auto pdisk : peer_disks)
                    for (auto repl : repls)
                        for (auto quorum : quorums)
                            for (const char* fencing : {"resource-and-stonith", "dont-care"}) {
                                ResourceStatus st = state(role, disk, conn, pdisk, repl);
                                st.volumes[0].quorum = quorum;
                                INFO(role << " " << disk << " " << conn << " " << pdisk << " " << repl << " quorum "
                                          << (quorum ? (*quorum ? "yes" : "no") : "unset") << " " << fencing);
                                ++combos;
                                Verdict v = assess(st);
                                if (std::string(role) == "Primary")
                                    CHECK((v.code == ExitCode::RunningPromoted || v.code == ExitCode::DegradedPromoted ||
                                           v.code == ExitCode::FailedPromoted));
                                else
                                    CHECK((v.code == ExitCode::Success || v.code == ExitCode::Degraded ||
                                           v.code == ExitCode::ErrGeneric));
                                if (v.code != ExitCode::Success && v.code != ExitCode::RunningPromoted)
                                    CHECK_FALSE(v.reason.empty());
                                if (std::string(conn) == "StandAlone") CHECK(v.split_brain_suspected);
                                PromoteCheck p = may_promote(st, fencing);
                                ScoreDecision s = promotion_score(st, t, fencing);
                                if (s.action == ScoreAction::Set) CHECK(p.allowed);
                                // Agreement: a Secondary promote goes ahead exactly where a score
                                // is offered (or the table's score for it is 0), and waits where
                                // the score is kept.
                                if (std::string(role) == "Secondary") {
                                    bool zero = std::string(disk) == "Consistent";  // the table gives it 0
                                    if (p.allowed) CHECK((s.action == ScoreAction::Set || zero));
                                    else CHECK(s.action != ScoreAction::Set);
                                    CHECK(p.retryable == (s.action == ScoreAction::Keep));
                                }
                                if (quorum == false) {
                                    CHECK_FALSE(p.allowed);
                                    CHECK(s.action == ScoreAction::Remove);
                                }
                                if (!p.allowed && !p.retryable) CHECK_FALSE(p.reason.empty());
                                std::string d = disk;
                                if (std::string(role) == "Secondary" &&
                                    (d == "Inconsistent" || d == "Outdated" || d == "Failed" || d == "Unconfigured"))
                                    CHECK_FALSE(p.allowed);
                                if (std::string(role) == "Secondary" && d == "Consistent" &&
                                    std::string(fencing) == "dont-care")
                                    CHECK_FALSE(p.allowed);
                            }
    CHECK(combos == 2 * 10 * 5 * 6 * 5 * 3 * 2);
}

TEST_CASE("the peer's role for the single-primary parameters and unfencing", "[drbd-health]")
{
    CHECK_FALSE(primary_peer(state("Secondary", "UpToDate")));
    CHECK(primary_peer(state("Secondary", "UpToDate", "Connected", "UpToDate", "Established", "Primary")) ==
          "peer node2");
    // Only a connected peer counts: a disconnected one's role is DRBD's last guess.
    ResourceStatus gone = state("Secondary", "UpToDate", "Connecting");
    gone.connections[0].peer_role = "Primary";
    CHECK_FALSE(primary_peer(gone));
    // A Primary peer without UpToDate data is no reason to give up this node's score.
    CHECK(healthy_primary_peer(state("Secondary", "UpToDate", "Connected", "UpToDate", "Established", "Primary")));
    CHECK_FALSE(
        healthy_primary_peer(state("Secondary", "UpToDate", "Connected", "Diskless", "Established", "Primary")));
    CHECK(primary_peer(state("Secondary", "UpToDate", "Connected", "Diskless", "Established", "Primary")));

    CHECK(all_up_to_date_primary(state("Primary", "UpToDate")));
    CHECK_FALSE(all_up_to_date_primary(state("Secondary", "UpToDate")));
    CHECK_FALSE(all_up_to_date_primary(state("Primary", "UpToDate", "Connecting")));
    CHECK_FALSE(all_up_to_date_primary(state("Primary", "UpToDate", "Connected", "Outdated")));
    CHECK_FALSE(all_up_to_date_primary(state("Primary", "Diskless")));
    ResourceStatus client_peer = state("Primary", "UpToDate", "Connected", "Diskless");
    client_peer.connections[0].peer_devices[0].peer_client = true;
    CHECK(all_up_to_date_primary(client_peer));
}
