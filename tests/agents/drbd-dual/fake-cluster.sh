#!/bin/bash
# drbd-dual as a process against the fake two-node drbd-utils: every action in each
# connection/disk/role state, split-brain, a vanishing peer, hanging commands, bad input, and
# the number of programs a monitor runs. Each "node" is the agent under its own UTS namespace
# (hostname node1/node2), because DRBD matches its configuration against uname -n.
# Usage: fake-cluster.sh AGENT KERNEL(8.4|9) GROUP(states|faults|matrix|input|params|detach)
set -u
agent=$1 kernel=$2 group=$3
here=$(cd "$(dirname "$0")" && pwd)
fakes=$(cd "$here/../../fake-tools/drbd" && pwd)
if [ "$(id -u)" != 0 ] || ! unshare -u true 2>/dev/null; then
    echo "SKIP: needs root for unshare -u (per-node host names)"
    exit 77
fi
S=$(mktemp -d /tmp/drbd-dual-fake-XXXXXX)
trap 'rm -rf "$S"' EXIT
export DRBD_FAKE_STATE=$S
fails=0 checks=0
ok() { checks=$((checks + 1)); echo "ok - $*"; }
bad() { checks=$((checks + 1)); fails=$((fails + 1)); echo "not ok - $*"; }

# full_reason: the whole exit reason behind a fitted ocf-exit-reason line.
source "$here/../../lib/exit-reason.sh"
# agent NODE ACTION [VAR=VALUE...]: runs the agent as NODE; sets RC, OUT (stdout+stderr), REASON.
agent() {
    local node=$1 action=$2
    shift 2
    OUT=$(env PATH="$fakes:$PATH" DRBD_FAKE_STATE="$S" \
        OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=drbd-r0 OCFKIT_CLUSTER=pacemaker \
        OCF_RESKEY_drbd_resource=r0 OCF_RESKEY_drbdconf="$S/drbd.conf" OCF_RESKEY_wfc_timeout=1 \
        OCFKIT_DRBD_PROC="$S/$node/proc" OCFKIT_RUN_DIR="$S/run/$node" OCFKIT_COROSYNC_STATE="$S/corosync/$node" \
        OCF_RESKEY_CRM_meta_clone_max=2 OCF_RESKEY_CRM_meta_clone_node_max=1 OCF_RESKEY_CRM_meta_promotable=true \
        OCF_RESKEY_CRM_meta_promoted_max=2 OCF_RESKEY_CRM_meta_promoted_node_max=1 OCF_RESKEY_CRM_meta_notify=true \
        OCF_RESKEY_CRM_meta_on_node="$node" OCF_RESKEY_CRM_meta_timeout=20000 OCF_RESKEY_CRM_meta_interval=10000 \
        "$@" unshare -u /bin/sh -c 'hostname "$1"; shift; exec "$@"' uts "$node" "$agent" "$action" 2>&1)
    RC=$?
    REASON=$(full_reason "$OUT")
    REASON_LINE=$(printf '%s\n' "$OUT" | sed -n 's/^ocf-exit-reason://p' | tail -1)
    [ "$(printf '%s' "$REASON_LINE" | wc -c)" -le 128 ] || bad "$node $action: the exit reason line is over 128 bytes: $REASON_LINE"
}
expect() {  # NODE ACTION WANT-RC [PATTERN] [VAR=VALUE...]
    local node=$1 action=$2 want=$3 pattern=${4:-}
    shift 3
    [ $# -gt 0 ] && shift
    agent "$node" "$action" "$@"
    if [ "$RC" != "$want" ]; then
        bad "$node $action -> $RC, want $want ($REASON)"
        printf '%s\n' "$OUT" | tail -5 | sed 's/^/    /'
        return 1
    fi
    if [ -n "$pattern" ] && ! printf '%s' "$REASON" | grep -q -- "$pattern"; then
        bad "$node $action -> $RC but the reason lacks '$pattern': $REASON"
        return 1
    fi
    ok "$node $action -> $RC${REASON:+ ($REASON)}"
}
score() { local f=$S/attrs/$1.master-drbd-r0; [ -s "$f" ] && cat "$f" || echo none; }
expect_score() {
    local got
    got=$(score "$1")
    [ "$got" = "$2" ] && ok "$1 promotion score $2" || bad "$1 promotion score $got, want $2"
}
calls() { [ -f "$S/calls" ] && wc -l < "$S/calls" || echo 0; }
fake() { "$fakes/drbd-fake" "$@"; }
as() { local node=$1; shift; DRBD_FAKE_NODE=$node "$fakes/$@"; }
disk_of() { grep "^$1.disk=" "$S/world" | cut -d= -f2; }

fake init --kernel "$kernel" --nodes "node1 node2"
hang_s=$((600 + RANDOM))  # unique, so the leftover check below sees only our own sleeps
mkdir -p "$S/corosync/node1" "$S/corosync/node2"

case $group in
states)
    # Down everywhere.
    expect node1 monitor 7 "" OCF_RESKEY_CRM_meta_interval=0
    expect node1 monitor 7
    expect node1 stop 0
    expect node1 stop 0
    expect_score node1 none
    # node1 alone: start waits wfc_timeout for the peer, then runs degraded.
    expect node1 start 0
    expect node1 monitor 190 "disconnected (Connecting)"
    expect_score node1 1000
    expect node1 start 0  # start of a started resource
    # node2 joins: connected, both UpToDate.
    expect node2 start 0
    expect node1 monitor 0
    expect node2 monitor 0
    expect_score node1 10000
    expect_score node2 10000
    # Monitor cost: 8.4 answers from /proc/drbd (0 programs), DRBD 9 from one drbdsetup.
    before=$(calls)
    expect node1 monitor 0
    expect node1 monitor 0
    n=$(( $(calls) - before ))
    want=0; [ "$kernel" = 9 ] && want=2
    [ "$n" = "$want" ] && ok "two steady monitors ran $n programs" || bad "two steady monitors ran $n programs, want $want"
    # Dual primary, idempotent promote/demote.
    expect node1 demote 0
    expect node1 promote 0
    expect node1 promote 0
    expect node2 promote 0
    expect node1 monitor 8
    expect node2 monitor 8
    grep -q 'node1.role=Primary' "$S/world" && grep -q 'node2.role=Primary' "$S/world" &&
        ok "both nodes Primary" || bad "not both Primary: $(grep role= "$S/world" | tr '\n' ' ')"
    expect node2 demote 0
    expect node2 demote 0
    expect node2 monitor 0
    expect node2 promote 0
    # The peer vanishes (crash) and returns: resync, promotion refused until UpToDate.
    fake crash node2
    expect node1 monitor 191 "disconnected"
    expect_score node1 10000
    expect node2 monitor 7 "" OCF_RESKEY_CRM_meta_interval=0
    expect node2 start 0
    expect node2 monitor 190 "resync from .* in progress"
    expect node1 monitor 191 "resync to .* in progress"
    expect_score node2 none
    expect node2 promote 1 "Inconsistent: resync from .* not finished"
    fake sync done
    expect node2 monitor 0
    expect node2 promote 0
    expect node2 monitor 8
    # Notifications with both up: nothing to repair, exit 0.
    expect node1 notify 0 "" OCF_RESKEY_CRM_meta_notify_type=pre OCF_RESKEY_CRM_meta_notify_operation=start \
        OCF_RESKEY_CRM_meta_notify_start_uname=node2
    expect node1 notify 0 "" OCF_RESKEY_CRM_meta_notify_type=post OCF_RESKEY_CRM_meta_notify_operation=promote \
        OCF_RESKEY_CRM_meta_notify_promote_uname=node2
    # Stop a Primary: demoted, down, score gone.
    expect node2 stop 0
    expect node2 monitor 7
    expect_score node2 none
    expect node1 monitor 191 "disconnected"
    # The peer comes back while we are Primary: it syncs from us (its data is older).
    expect node2 start 0
    expect node2 monitor 190 "resync"
    fake sync done
    expect node1 stop 0
    expect node2 stop 0
    expect node1 stop 0
    ;;
faults)
    expect node1 start 0
    expect node2 start 0
    expect node1 promote 0
    expect node2 promote 0
    # Split-brain: the link fails, both Primaries write, the link returns.
    fake link down
    expect node1 monitor 191 "disconnected"
    fake link up
    expect node1 monitor 191 "split-brain"
    expect node2 monitor 191 "split-brain"
    expect_score node1 10000
    # The peer's start notification reconnects; DRBD refuses again; no data is discarded.
    gens_before=$(grep -E '^node[12]\.(gen|disk)=' "$S/world" | sort | tr '\n' ' ')
    expect node1 notify 0 "" OCF_RESKEY_CRM_meta_notify_type=post OCF_RESKEY_CRM_meta_notify_operation=start \
        OCF_RESKEY_CRM_meta_notify_start_uname=node2
    grep -q "adjust -- r0" "$S/calls" && ok "notify ran drbdadm adjust" || bad "notify did not reconnect"
    grep -q -- "--discard-my-data" "$S/calls" && bad "the agent discarded data" || ok "no --discard-my-data from the agent"
    gens_after=$(grep -E '^node[12]\.(gen|disk)=' "$S/world" | sort | tr '\n' ' ')
    [ "$gens_before" = "$gens_after" ] && ok "both copies kept ($gens_after)" || bad "data changed: $gens_before -> $gens_after"
    expect node1 monitor 191 "split-brain"
    # Recovery as the README says: node2 is the victim.
    expect node2 demote 0
    as node2 drbdadm disconnect r0 && as node2 drbdadm secondary r0 && as node2 drbdadm connect --discard-my-data r0 &&
        as node1 drbdadm connect r0 && ok "README recovery commands ran" || bad "recovery commands failed"
    expect node2 monitor 190 "resync from"
    fake sync done
    expect node2 monitor 0
    expect node1 monitor 8
    # Outdated data: refused with the reason; score withdrawn.
    expect node2 stop 0
    fake set node2 md=Outdated
    fake link down
    expect node2 start 0
    expect node2 monitor 190 "Outdated"
    expect node2 promote 1 "Outdated"
    expect_score node2 none
    expect node1 monitor 191 "disconnected"
    fake link up
    as node2 drbdadm adjust r0 >/dev/null 2>&1
    expect node2 monitor 190 "resync"
    fake sync done
    # Device held open: demote and stop fail at their deadline with the reason.
    fake set node1 held=1
    start=$(date +%s)
    expect node1 demote 1 "held open" OCF_RESKEY_CRM_meta_timeout=5000
    expect node1 stop 1 "held open" OCF_RESKEY_CRM_meta_timeout=5000
    took=$(( $(date +%s) - start ))
    [ "$took" -le 12 ] && ok "held-open demote+stop ended by their deadlines (${took}s)" || bad "took ${took}s"
    fake set node1 held=0
    expect node1 stop 0
    # Hanging commands: the deadline wins, with a precise reason.
    fake hang node1 drbdadm up $hang_s
    start=$(date +%s)
    expect node1 start 1 "did not finish before the deadline" OCF_RESKEY_CRM_meta_timeout=6000
    took=$(( $(date +%s) - start ))
    [ "$took" -le 7 ] && ok "hung 'drbdadm up' cut at the deadline (${took}s)" || bad "start took ${took}s"
    fake nohang
    expect node1 stop 0
    expect node1 start 0
    if [ "$kernel" = 9 ]; then fake hang node1 drbdsetup status $hang_s; else fake hang node1 drbdsetup events2 $hang_s; rm -rf "$S/run/node1"; fi
    start=$(date +%s)
    expect node1 monitor 1 "timed out" OCF_RESKEY_CRM_meta_timeout=4000
    took=$(( $(date +%s) - start ))
    [ "$took" -le 5 ] && ok "hung status read cut at the deadline (${took}s)" || bad "monitor took ${took}s"
    fake nohang
    fake hang node1 drbdadm down $hang_s
    expect node1 stop 1 "deadline" OCF_RESKEY_CRM_meta_timeout=4000
    fake nohang
    expect node1 stop 0
    pgrep -f "sleep $hang_s\$" >/dev/null && bad "hung fake tools survived their deadline" || ok "no hung child left behind"
    ;;
matrix)
    # Every action in each role x local disk x link state (node2 UpToDate Secondary):
    # "role disk link monitor promote" -> expected codes; demote, notify, stop are always 0.
    while read -r role disk link mon prom; do
        [ -z "$role" ] && continue
        fake init --kernel "$kernel" --nodes "node1 node2"
        fake up node1 >/dev/null 2>&1; fake up node2 >/dev/null 2>&1
        [ "$link" = down ] && fake link down
        fake set node1 disk="$disk" md="$disk" role="$role"
        rm -rf "$S/run"
        echo "# node1 $role $disk, link $link"
        expect node1 monitor "$mon"
        [ "$prom" != - ] && expect node1 promote "$prom" "" OCF_RESKEY_CRM_meta_timeout=4000
        expect node1 notify 0 "" OCF_RESKEY_CRM_meta_notify_type=post OCF_RESKEY_CRM_meta_notify_operation=start \
            OCF_RESKEY_CRM_meta_notify_start_uname=node2
        expect node1 demote 0
        expect node1 stop 0
        expect node1 monitor 7
    done <<'MATRIX'
Secondary UpToDate up 0 0
Secondary UpToDate down 190 0
Secondary Consistent up 190 1
Secondary Consistent down 190 0
Secondary Inconsistent up 190 1
Secondary Inconsistent down 190 1
Secondary Outdated up 190 1
Secondary Outdated down 190 1
Secondary Diskless up 1 0
Secondary Diskless down 1 1
Primary UpToDate up 8 0
Primary UpToDate down 191 0
Primary Inconsistent up 191 0
Primary Inconsistent down 9 0
Primary Diskless up 191 0
Primary Diskless down 9 0
MATRIX
    ;;
input)
    expect node1 start 6 "contains ';'" OCF_RESKEY_drbd_resource='r0;reboot'
    expect node1 stop 0 "" OCF_RESKEY_drbd_resource='r0;reboot'
    # Names DRBD's tools would read as an option, a volume, a connection or every resource, and
    # names that would make a state-file path (issue 18 #17): refused, nothing run.
    before=$(calls)
    expect node1 start 6 "'-r0' starts with '-'" OCF_RESKEY_drbd_resource=-r0
    expect node1 monitor 6 "drbd_resource" OCF_RESKEY_drbd_resource=--force
    expect node1 start 6 "resource/volume" OCF_RESKEY_drbd_resource=r0/0
    expect node1 monitor 6 "drbd_resource" OCF_RESKEY_drbd_resource=../../r0
    expect node1 promote 6 "resource:connection" OCF_RESKEY_drbd_resource=r0:node2
    expect node1 start 6 "every DRBD resource" OCF_RESKEY_drbd_resource=all
    expect node1 stop 0 "" OCF_RESKEY_drbd_resource=-r0
    [ "$(calls)" = "$before" ] && ok "no drbd-utils call for a refused name" || bad "a refused name reached drbd-utils"
    expect node1 validate-all 5 "'r9' is not defined" OCF_RESKEY_drbd_resource=r9
    expect node1 monitor 7 "" OCF_RESKEY_drbd_resource=r9 OCF_RESKEY_CRM_meta_interval=0
    expect node3 validate-all 5 "is not a host of DRBD resource 'r0'"
    expect node1 start 6 "notify" OCF_RESKEY_CRM_meta_notify=false
    expect node1 start 6 "promotable clone" OCF_RESKEY_CRM_meta_promotable= OCF_RESKEY_CRM_meta_promoted_max=
    expect node1 validate-all 6 "at most two Primaries" OCF_RESKEY_CRM_meta_promoted_max=3
    expect node1 validate-all 5 "clone-max=3" OCF_RESKEY_CRM_meta_clone_max=3
    expect node1 validate-all 6 "wfc_timeout" OCF_RESKEY_wfc_timeout=soon
    expect node1 validate-all 0
    fake init --kernel "$kernel" --nodes "node1 node2" --single-primary --fencing resource-only --no-fence-handler
    expect node1 validate-all 5 "allow-two-primaries yes; } (not set); fencing resource-and-stonith (is resource-only); handlers"
    expect node1 start 5 "on this node"
    expect node1 validate-all 0 "" OCF_RESKEY_CRM_meta_promoted_max=1
    # Single-primary: the second promote is refused by DRBD until the deadline.
    expect node1 start 0 "" OCF_RESKEY_CRM_meta_promoted_max=1
    expect node2 start 0 "" OCF_RESKEY_CRM_meta_promoted_max=1
    expect node1 promote 0 "" OCF_RESKEY_CRM_meta_promoted_max=1
    expect node2 promote 1 "Multiple primaries" OCF_RESKEY_CRM_meta_promoted_max=1 OCF_RESKEY_CRM_meta_timeout=4000
    expect node1 unknown-action 3
    ;;
params)
    # The parameters ocf:linbit:drbd gained for DRBD 9: refused where they have no meaning...
    before=$(calls)
    expect node1 start 6 "connect_only_after_promote'=true is not supported" OCF_RESKEY_connect_only_after_promote=true
    expect node1 validate-all 6 "connect_only_after_promote" OCF_RESKEY_connect_only_after_promote=yes \
        OCF_RESKEY_CRM_meta_promoted_max=1
    expect node1 validate-all 6 "remove_master_score_if_peer_primary'=true has no meaning with promoted-max=2" \
        OCF_RESKEY_remove_master_score_if_peer_primary=true
    expect node1 promote 6 "remove_master_score_if_peer_primary'=unexpected has no meaning" \
        OCF_RESKEY_remove_master_score_if_peer_primary=unexpected
    expect node1 validate-all 6 "remove_master_score_if_peer_primary'=unexpected is not supported" \
        OCF_RESKEY_remove_master_score_if_peer_primary=unexpected OCF_RESKEY_CRM_meta_promoted_max=1
    expect node1 validate-all 6 "neither a boolean nor 'unexpected'" OCF_RESKEY_remove_master_score_if_peer_primary=maybe
    expect node1 start 6 "fail_promote_early_if_peer_primary'=true has no meaning with promoted-max=2" \
        OCF_RESKEY_fail_promote_early_if_peer_primary=1
    [ "$(calls)" = "$before" ] && ok "refused parameters ran no drbd-utils" || bad "a refused parameter reached drbd-utils"
    # ...and their false values, as an adopted CIB carries them, accepted.
    expect node1 validate-all 0 "" OCF_RESKEY_connect_only_after_promote=false \
        OCF_RESKEY_remove_master_score_if_peer_primary=false OCF_RESKEY_fail_promote_early_if_peer_primary=false \
        OCF_RESKEY_stop_outdates_secondary=false OCF_RESKEY_unfence_if_all_uptodate=false
    agent node1 validate-all OCF_RESKEY_unfence_if_all_uptodate=true
    [ "$RC" = 0 ] && printf '%s' "$OUT" | grep -q "no unfence-peer handler" &&
        ok "unfence_if_all_uptodate without an unfence-peer handler: validate-all 0 with a warning" ||
        bad "unfence_if_all_uptodate without a handler: rc $RC, $OUT"

    # stop_outdates_secondary: a node stopped beside a Primary marks its own data Outdated.
    expect node1 start 0
    expect node2 start 0
    expect node1 promote 0
    expect node2 promote 0
    expect node2 stop 0 "" OCF_RESKEY_stop_outdates_secondary=true
    [ "$(grep '^node2.md=' "$S/world" | cut -d= -f2)" = Outdated ] &&
        ok "node2 stopped beside Primary node1: its data Outdated" || bad "node2 data not Outdated: $(fake show | grep node2.md)"
    expect node2 start 0
    expect node2 monitor 190 "resync from .* in progress"
    fake sync done
    expect node2 monitor 0
    expect node2 promote 0
    # Without the parameter, or with no Primary left, the copy stays as DRBD had it.
    expect node2 stop 0
    [ "$(grep '^node2.md=' "$S/world" | cut -d= -f2)" = UpToDate ] && ok "default: stop leaves node2 UpToDate" ||
        bad "default stop outdated node2"
    expect node2 start 0
    fake sync done
    expect node1 demote 0
    expect node2 stop 0 "" OCF_RESKEY_stop_outdates_secondary=true
    [ "$(grep '^node2.md=' "$S/world" | cut -d= -f2)" = UpToDate ] &&
        ok "no Primary left: stop_outdates_secondary leaves node2 UpToDate" || bad "node2 outdated without a Primary"
    # The point of it: outdated, then the Primary lost, node2 alone is not promoted with old data.
    expect node2 start 0
    expect node1 promote 0
    expect node2 stop 0 "" OCF_RESKEY_stop_outdates_secondary=true
    fake crash node1
    expect node2 start 0
    expect node2 promote 1 "Outdated"
    expect_score node2 none

    # unfence_if_all_uptodate: DRBD's unfence-peer handler, with unfence_extra_args in its
    # environment, when the Primary sees all data UpToDate; not on every monitor.
    fake init --kernel "$kernel" --nodes "node1 node2" --unfence-handler
    rm -rf "$S/run"
    expect node1 start 0
    expect node2 start 0
    expect node1 promote 0
    expect node1 monitor 8
    [ ! -s "$S/unfence" ] && ok "unfence_if_all_uptodate=false: no unfence-peer call" || bad "unfence-peer called by default"
    U="OCF_RESKEY_unfence_if_all_uptodate=true"
    expect node1 monitor 8 "" $U
    expect node1 monitor 8 "" $U
    expect node2 monitor 0 "" $U
    printf 'node1 --quiet --flock-required --flock-timeout 0 --unfence-only-if-owner-match\n' > "$S/want-unfence"
    cmp -s "$S/unfence" "$S/want-unfence" && ok "one unfence-peer call, on the Primary, with the default extra args" ||
        bad "unfence-peer calls: $(cat "$S/unfence" 2>/dev/null)"
    fake link down
    expect node1 monitor 191 "disconnected" $U
    fake link up
    fake sync done
    expect node1 monitor 8 "" $U OCF_RESKEY_unfence_extra_args=--quiet
    [ "$(tail -1 "$S/unfence")" = "node1 --quiet" ] && [ "$(wc -l < "$S/unfence")" = 2 ] &&
        ok "back to all UpToDate after an outage: unfence-peer again, with unfence_extra_args" ||
        bad "unfence-peer calls after the outage: $(cat "$S/unfence")"
    # A failing handler is retried five minutes later, not on every monitor.
    fake link down
    expect node1 monitor 191 "disconnected" $U
    fake link up
    fake sync done
    fake fail node1 drbdadm unfence-peer 1 "crm-unfence-peer.9.sh: cibadmin failed"
    agent node1 monitor $U
    [ "$RC" = 8 ] && printf '%s' "$OUT" | grep -q "unfence-peer r0' exit code 1" && ok "failing unfence-peer: monitor 8, warned" ||
        bad "failing unfence-peer: rc $RC, $OUT"
    fake nofail
    expect node1 monitor 8 "" $U
    [ "$(wc -l < "$S/unfence")" = 2 ] && ok "failed unfence-peer not retried on the next monitor" ||
        bad "unfence-peer after a failure: $(cat "$S/unfence")"
    # A stop forgets it: the next promotion to a fully UpToDate state calls the handler at once.
    expect node1 stop 0 "" $U
    expect node1 start 0 "" $U
    fake sync done
    expect node1 promote 0 "" $U
    expect node1 monitor 8 "" $U
    [ "$(wc -l < "$S/unfence")" = 3 ] && ok "after stop and start: unfence-peer again" ||
        bad "unfence-peer calls after stop/start: $(cat "$S/unfence")"

    # Single-primary (promoted-max=1): the peer-Primary parameters mean what they mean there.
    fake init --kernel "$kernel" --nodes "node1 node2" --single-primary --fencing resource-only
    rm -rf "$S/run"
    P1=OCF_RESKEY_CRM_meta_promoted_max=1
    expect node1 start 0 "" $P1
    expect node2 start 0 "" $P1
    expect node1 promote 0 "" $P1
    expect node2 monitor 0 "" $P1
    expect_score node2 10000
    expect node2 monitor 0 "" $P1 OCF_RESKEY_remove_master_score_if_peer_primary=true
    expect_score node2 none
    expect node1 monitor 8 "" $P1 OCF_RESKEY_remove_master_score_if_peer_primary=true
    expect_score node1 10000
    expect node2 monitor 0 "" $P1
    expect_score node2 10000
    primaries() { grep -c "^node2 .* primary -- r0\$" "$S/calls" || true; }
    before=$(primaries)
    expect node2 promote 1 "is already or still Primary" $P1 OCF_RESKEY_fail_promote_early_if_peer_primary=true \
        OCF_RESKEY_CRM_meta_timeout=30000
    n=$(( $(primaries) - before ))
    [ "$n" = 1 ] && ok "fail_promote_early_if_peer_primary: one drbdadm primary, then failed" ||
        bad "fail_promote_early_if_peer_primary: $n drbdadm primary calls"
    expect_score node2 none
    before=$(primaries)
    expect node2 promote 1 "Multiple primaries" $P1 OCF_RESKEY_CRM_meta_timeout=4000
    n=$(( $(primaries) - before ))
    [ "$n" -gt 1 ] && ok "default: promote retried drbdadm primary $n times" || bad "default promote tried $n times"
    ;;
detach)
    # Fault row 7: the backing disk fails under a Primary (on-io-error detach). DRBD goes on
    # through the peer: degraded, not failed, so Pacemaker keeps the stack above it running.
    expect node1 start 0
    expect node2 start 0
    expect node1 promote 0
    expect node2 promote 0
    as node1 drbdadm detach r0 >/dev/null 2>&1
    expect node1 monitor 191 "local disk Diskless (detached or I/O error), serving data from the peer"
    expect_score node1 10
    expect node2 monitor 191 "peer node1 disk Diskless\|the peer disk Diskless"
    expect_score node2 10000
    expect node1 monitor 191 "serving data from the peer" OCF_RESKEY_CRM_meta_interval=0
    expect node1 notify 0 "" OCF_RESKEY_CRM_meta_notify_type=post OCF_RESKEY_CRM_meta_notify_operation=promote
    # Only if the peer is lost too is there no data left: then it is a failure.
    fake link down
    expect node1 monitor 9 "local disk Diskless"
    fake link up
    as node1 drbdadm attach r0 >/dev/null 2>&1
    expect node1 monitor 8
    expect_score node1 10000
    ;;
esac
echo "# $kernel/$group: $checks checks, $fails failed"
[ "$fails" = 0 ]
