# Phases "adopt", "adopt-apply", "adopt-revert": `ocfkit adopt` moves the running stack from the
# stock agents onto ocfkit's and back while the guest runs (issue 15). Needs the stack on the
# stock agents (OCFKIT_CLUSTER_STACK=stock) and ocfkit-agents installed. Sourced by run.sh
# (needs stack.sh and verify.sh).
#   adopt         plan, apply + checks, revert + checks
#   adopt-apply   plan, apply + checks: the stack stays on ocfkit's agents (verify, failover...)
#   adopt-revert  revert (the CIB adopt-apply saved) + checks
# Checked after each step, from the outside: the guest's qemu PID and start time on its node
# and its RAM counter sampled all along (never goes back, keeps counting), DRBD role,
# connection and disk states, the GFS2 mount ID in /proc/self/mountinfo, the DLM lockspaces
# (dlm_tool ls) and the dlm_controld/lvmlockd PIDs on both nodes, no node fenced (fence-events,
# boot IDs), no start/stop/promote/demote/migrate/notify in either node's executor log, no
# failed actions, maintenance-mode off, and every instance's recurring monitor run by the
# expected agent.

# The resources stack.sh creates on the stock agents and what adopt makes of them.
ADOPT_IDS=(drbd-r0 dlm lvmlockd gfs2 labguest)
declare -A ADOPT_STOCK=([drbd-r0]=ocf:linbit:drbd [dlm]=ocf:pacemaker:controld [lvmlockd]=ocf:heartbeat:lvmlockd
	[gfs2]=ocf:heartbeat:Filesystem [labguest]=ocf:heartbeat:VirtualDomain)
declare -A ADOPT_OURS=([drbd-r0]=ocf:custom:drbd-dual [dlm]=ocf:custom:controld [lvmlockd]=ocf:custom:clvm
	[gfs2]=ocf:custom:gfs2fs [labguest]=ocf:custom:virtdomain)
# ocfkit's clvm activates VGs itself; adopt does not merge a separate LVM-activate resource into
# it (ocfkit(8)), so this one must be reported as staying, whole, on its stock agent.
ADOPT_STAYS=sharedlv
ADOPT_LOG=/var/log/pacemaker/pacemaker.log

# What must not change, one "key=value" per line, from inside NODE.
adopt_snapshot() {
	gx "$1" "echo boot_id=\$(cat /proc/sys/kernel/random/boot_id)
		echo drbd=\$(drbdadm role r0) \$(drbdadm cstate r0) \$(drbdadm dstate r0)
		echo gfs2_mount=\$(awk '\$5 == \"$GFS2_DIR\" && / - gfs2 / {print \$1, \$3}' /proc/self/mountinfo)
		dlm_tool ls 2>/dev/null | awk '\$1 == \"name\" {n = \$2} \$1 == \"id\" {i = \$2}
			\$1 == \"members\" {\$1 = \"\"; print \"lockspace=\" n, i, \"members\" \$0}' | sort
		# The oldest is the daemon: dlm_controld keeps a helper child, lvmlockd forks short-lived ones.
		echo dlm_controld=\$(pgrep -o -x dlm_controld)
		echo lvmlockd=\$(pgrep -o -x lvmlockd)
		p=\$(pgrep -f 'qemu-system-x86_64 .*guest=labguest' | head -1)
		[ -n \"\$p\" ] && echo qemu=\$p \$(awk '{print \$22}' /proc/\$p/stat)
		true" 120
}
adopt_snapshots() { # adopt_snapshots TAG: $RUN/adopt-TAG-<node>.snap; sane or die
	local n f
	for n in "${NODES[@]}"; do
		f=$RUN/adopt-$1-$n.snap
		adopt_snapshot "$n" > "$f" || die "snapshot $1 on $n failed"
		sed "s/^/    $n $1: /" "$f" >&2
		# Each thing compared must be there to be compared (else "unchanged" proves nothing).
		grep -qx 'drbd=Primary/Primary Connected UpToDate/UpToDate' "$f" || die "$n: DRBD not Primary/Primary Connected UpToDate"
		grep -qE '^gfs2_mount=[0-9]+ ' "$f" || die "$n: no GFS2 mount at $GFS2_DIR in mountinfo"
		for ls in gfs2 lvm_global "lvm_$VG"; do
			grep -qE "^lockspace=$ls 0x[0-9a-f]+ members 1 2$" "$f" || die "$n: lockspace $ls missing or not on both nodes"
		done
		grep -qE '^dlm_controld=[0-9]+$' "$f" && grep -qE '^lvmlockd=[0-9]+$' "$f" || die "$n: dlm_controld or lvmlockd not running"
	done
	[[ $(cat "$RUN/adopt-$1"-node*.snap | grep -c '^qemu=[0-9]') == 1 ]] || die "the guest's qemu is not running on exactly one node"
}
adopt_same() { # adopt_same BEFORE AFTER
	local n bad=0
	for n in "${NODES[@]}"; do
		if diff -u "$RUN/adopt-$1-$n.snap" "$RUN/adopt-$2-$n.snap" > "$RUN/adopt-$2-$n.diff"; then
			log "$n: unchanged since $1 (qemu, DRBD, GFS2 mount ID, lockspaces, daemons, boot ID)"
		else
			log "CHANGED on $n since $1:"; sed 's/^/    /' "$RUN/adopt-$2-$n.diff" >&2; bad=1
		fi
	done
	return $bad
}

# Executor log: a mark per node, then what ran since (probes and monitors are "monitor").
adopt_log_marks() { # -> $RUN/adopt-mark-<node>
	local n
	for n in "${NODES[@]}"; do gq "$n" "wc -l < $ADOPT_LOG" 60 > "$RUN/adopt-mark-$n"; done
}
adopt_actions_since_mark() {
	local n ids; ids=$(IFS='|'; echo "${ADOPT_IDS[*]}|$ADOPT_STAYS")
	for n in "${NODES[@]}"; do
		gx "$n" "tail -n +\$(($(cat "$RUN/adopt-mark-$n") + 1)) $ADOPT_LOG |
			grep -E 'rsc:($ids)(:[0-9]+)? action:(start|stop|promote|demote|migrate_to|migrate_from|notify|reload|reload-agent) ' |
			sed 's/^/$n: /'" 60
	done
}
# The log check must be able to see actions: the stack phase's promotions of DRBD are there.
adopt_log_check_works() {
	local n
	for n in "${NODES[@]}"; do
		gx "$n" "grep -qE 'rsc:drbd-r0(:[0-9]+)? action:promote ' $ADOPT_LOG" 60 ||
			die "$n's $ADOPT_LOG does not show DRBD's promotion: the executor-log check would see nothing"
	done
	log "executor logs show the stack's own promotions (the action check can see actions)"
}

# The guest's RAM counter, sampled from the host every 2 s (plus the read's own time) while adopt runs.
adopt_sampler_start() { # TAG NODE
	local f=$RUN/adopt-counter-$1 node=$2
	rm -f "$f" "$RUN/adopt-sampler-stop"
	( while [[ ! -e $RUN/adopt-sampler-stop ]]; do
		echo "$(date +%s) $(labguest_counter "$node")" >> "$f"; sleep 2
	done ) > /dev/null 2>&1 &
	echo $! > "$RUN/adopt-sampler.pid"
}
adopt_sampler_stop() {
	[[ -s $RUN/adopt-sampler.pid ]] || return 0
	touch "$RUN/adopt-sampler-stop"
	local pid; pid=$(cat "$RUN/adopt-sampler.pid")
	local i; for i in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
	kill "$pid" 2>/dev/null; rm -f "$RUN/adopt-sampler.pid"
}
# The counter never went back (a restarted guest starts at 0) and kept counting; prints a summary.
adopt_counter_check() { # TAG
	awk 'NF == 2 { n++; if (n == 1) { first = $2; t0 = $1 }
			if (n > 1 && $2 < last) back++
			if (n > 1 && $2 == last && !flat) { flat = 1; fs = lt }
			if ($2 != last && flat) { if (lt - fs > mf) mf = lt - fs; flat = 0 }
			last = $2; lt = $1 }
		NF < 2 { miss++ }
		END { if (flat && lt - fs > mf) mf = lt - fs
			printf "samples %d (unread %d), counter %d -> %d over %d s, went back %d times, longest without counting %d s\n",
				n, miss, first, last, lt - t0, back, mf
			exit !(n >= 2 && back == 0 && last > first) }' "$RUN/adopt-counter-$1"
}

# The primitive's agent in the CIB, class:provider:type.
adopt_cib_agent() {
	gx node1 'cibadmin -Q --scope resources' 60 | "$PY" -c '
import sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read())
for p in root.iter("primitive"):
    if p.get("id") == sys.argv[1]:
        print(":".join(x for x in (p.get("class"), p.get("provider"), p.get("type")) if x))' "$1"
}
# Every history entry of the resources names the expected agent, and each node where crm_mon
# shows an instance active has a successful recurring monitor by it.  adopt_monitors_by stock|ours
adopt_monitors_by() {
	local which=$1 want=() id
	for id in "${ADOPT_IDS[@]}"; do
		if [[ $which == ours ]]; then want+=("$id=${ADOPT_OURS[$id]}"); else want+=("$id=${ADOPT_STOCK[$id]}"); fi
	done
	local status mon
	status=$(gx node1 'cibadmin -Q --scope status' 60) || return 1
	mon=$(gx node1 'crm_mon -1 --output-as=xml' 60) || return 1
	"$PY" - "$status" "$mon" "${want[@]}" <<'EOF'
import sys, xml.etree.ElementTree as ET
status, mon = ET.fromstring(sys.argv[1]), ET.fromstring(sys.argv[2])
want = dict(a.split("=", 1) for a in sys.argv[3:])
active = {}  # id -> nodes
for r in mon.iter("resource"):
    base = r.get("id").split(":")[0]
    if base in want and r.get("role") in ("Started", "Promoted", "Unpromoted", "Master", "Slave"):
        active.setdefault(base, set()).update(n.get("name") for n in r.iter("node"))
bad = []
for ns in status.iter("node_state"):
    node = ns.get("uname")
    for lr in ns.iter("lrm_resource"):
        base = lr.get("id").split(":")[0]
        if base not in want: continue
        agent = ":".join(x for x in (lr.get("class"), lr.get("provider"), lr.get("type")) if x)
        if agent != want[base]: bad.append(f"{base} on {node}: history by {agent}")
        elif node in active.get(base, ()) and not any(
                op.get("operation") == "monitor" and op.get("interval") not in (None, "0")
                and op.get("rc-code") in ("0", "8") and op.get("op-status") == "0" for op in lr.iter("lrm_rsc_op")):
            bad.append(f"{base} on {node}: no successful recurring monitor by {agent} yet")
for base in want:
    if not active.get(base): bad.append(f"{base}: not active anywhere")
for b in bad: print("    " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
}

adopt_cluster_ok() { # agents WHICH (stock|ours) for the converted ones; sharedlv always stock
	local which=$1 id a want
	for id in "${ADOPT_IDS[@]}"; do
		a=$(adopt_cib_agent "$id")
		if [[ $which == ours ]]; then want=${ADOPT_OURS[$id]}; else want=${ADOPT_STOCK[$id]}; fi
		[[ $a == "$want" ]] || die "$id is $a in the CIB, not $want"
	done
	a=$(adopt_cib_agent "$ADOPT_STAYS")
	[[ $a == ocf:heartbeat:LVM-activate ]] || die "$ADOPT_STAYS is $a, not ocf:heartbeat:LVM-activate"
	log "CIB: ${ADOPT_IDS[*]} on $([[ $which == ours ]] && echo "ocfkit's" || echo the stock) agents, $ADOPT_STAYS on $a"
	[[ $(gx node1 'crm_attribute -t crm_config -n maintenance-mode -G -q 2>/dev/null' 30) != true ]] ||
		die "maintenance-mode is still on"
	no_failures || { show_failures; die "Pacemaker reports failed actions"; }
}

# adopt_step TAG CMD: run `ocfkit adopt ...` on node1 (where the checks run) with everything
# sampled around it; RC and OUT are set.
adopt_step() {
	local tag=$1 cmd=$2 gnode t0 fence0
	gq node1 'crm_resource --wait --timeout=600s' 700 >/dev/null   # refuses during a transition
	gnode=$(labguest_node); [[ -n $gnode ]] || die "labguest is not running"
	adopt_snapshots "before-$tag"
	adopt_log_marks
	fence0=$(cat "$RUN/fence-events" 2>/dev/null | wc -l)
	adopt_sampler_start "$tag" "$gnode"
	trap adopt_sampler_stop EXIT
	sleep 6
	log "$cmd (guest on $gnode)"
	t0=$SECONDS
	OUT=$(gx node1 "$cmd" 3600 2>&1); RC=$?
	ADOPT_SECS=$((SECONDS - t0))
	printf '%s\n' "$OUT" > "$RUN/adopt-$tag.out"
	sed 's/^/    | /' "$RUN/adopt-$tag.out" >&2
	log "$cmd: exit $RC after ${ADOPT_SECS}s"
	sleep 20   # let the resumed monitors run while the counter is still sampled
	adopt_sampler_stop; trap - EXIT
	local failed=0 summary acts
	summary=$(adopt_counter_check "$tag") && log "guest counter on $gnode: $summary" ||
		{ log "GUEST STOPPED OR RESTARTED: $summary"; failed=1; }
	adopt_snapshots "after-$tag"
	adopt_same "before-$tag" "after-$tag" || failed=1
	[[ $(cat "$RUN/fence-events" 2>/dev/null | wc -l) == "$fence0" ]] && log "no node fenced" ||
		{ log "FENCED: $(tail -n +$((fence0 + 1)) "$RUN/fence-events")"; failed=1; }
	acts=$(adopt_actions_since_mark)
	[[ -z $acts ]] && log "executor logs: no start/stop/promote/demote/migrate/notify since before $tag" ||
		{ log "executor ran:"; printf '    %s\n' "$acts" >&2; failed=1; }
	echo "$tag exit=$RC ${ADOPT_SECS}s counter: $summary" >> "$RUN/adopt-results"
	return $failed
}

adopt_plan() {
	gx node1 'ocfkit adopt plan' 300 > "$RUN/adopt-plan.txt"; local rc=$?
	gx node1 'ocfkit adopt plan --json' 300 > "$RUN/adopt-plan.json"
	sed 's/^/    | /' "$RUN/adopt-plan.txt" >&2
	log "ocfkit adopt plan: exit $rc"
	# The real stock stack's CIB and plan, for the unit tests' fixtures (captures phase).
	gx node1 'd=/host/captures/adopt-stock-stack/node1; rm -rf $d; mkdir -p $d
		cap() { f=$1; shift; "$@" > $d/$f; printf "%s\trc=%s\t%s\n" $f $? "$*" >> $d/commands.txt; }
		cap cib.xml cibadmin -Q
		cap ocfkit-adopt-plan.txt ocfkit adopt plan
		cap ocfkit-adopt-plan.json ocfkit adopt plan --json' 300 >/dev/null
	# Everything converts but the LVM-activate resource, which stays with a reason: exit 1.
	[[ $rc == 1 ]] || die "plan exited $rc, expected 1 (everything converts but $ADOPT_STAYS)"
	"$PY" - "$RUN/adopt-plan.json" "$ADOPT_STAYS" <<EOF || die "the plan is not what this stack needs"
import json, sys
plan = json.load(open(sys.argv[1]))
stays = sys.argv[2]
want = {$(for id in "${ADOPT_IDS[@]}"; do printf '"%s": "%s", ' "$id" "${ADOPT_OURS[$id]}"; done)}
got = {r["id"]: r for r in plan["resources"]}
ok = True
for rid, agent in want.items():
    r = got.get(rid)
    if not r or not r["converts"] or r["new_agent"] != agent:
        print(f"    {rid}: expected to convert to {agent}, plan says {r and (r['converts'], r['new_agent'], r['reasons'])}"); ok = False
r = got.get(stays)
if not r or r["converts"] or not r["reasons"]:
    print(f"    {stays}: expected to stay with a reason, plan says {r}"); ok = False
sys.exit(0 if ok else 1)
EOF
	log "plan: ${ADOPT_IDS[*]} convert; $ADOPT_STAYS stays: $(grep -m1 'why it stays' "$RUN/adopt-plan.txt" | sed 's/^ *why it stays: //')"
}

adopt_stack_whole() { drbd_primary_both && gfs2_mounted_both && guest_running_somewhere; }

adopt_apply_phase() {
	: > "$RUN/adopt-results"
	wait_for 900 10 "the stack whole (Primary/Primary, GFS2 on both, labguest running)" adopt_stack_whole ||
		{ show_failures; die "the stack is not whole"; }
	adopt_cluster_ok stock
	# Right after the stack phase some recurring monitors have not run yet: wait for them.
	wait_for 300 10 "recurring monitors by the stock agents on every active instance" adopt_monitors_by stock ||
		die "the stock stack's monitors are not all running"
	adopt_log_check_works
	gx_all 'echo libvirtd $(systemctl is-active libvirtd)' 30 >&2
	adopt_plan
	local failed=0
	adopt_step apply 'ocfkit adopt apply' || failed=1
	local saved; saved=$(sed -n 's/^saved the CIB to \([^ ]*\) .*/\1/p' "$RUN/adopt-apply.out" | head -1)
	[[ -n $saved ]] && echo "$saved" > "$RUN/adopt-saved"
	# 1: everything but sharedlv converted and verified (ocfkit(8) EXIT STATUS).
	[[ $RC == 1 ]] || { show_failures; die "ocfkit adopt apply exited $RC, expected 1"; }
	[[ -n $saved ]] || die "apply printed no saved CIB"
	log "apply saved $saved"
	adopt_cluster_ok ours
	wait_for 300 10 "recurring monitors by ocfkit's agents on every active instance" adopt_monitors_by ours ||
		die "ocfkit's agents do not monitor the stack"
	capture adopted drbd dlm lvm crm mount
	(( failed == 0 )) || die "apply changed what must not change (above)"
}

adopt_revert_phase() {
	[[ -s $RUN/adopt-saved ]] || die "no saved CIB: run adopt-apply first"
	local saved failed=0; saved=$(cat "$RUN/adopt-saved")
	# A phase in between (failover) leaves failure records (a degraded DRBD monitor during the
	# resync, say); ocfkit adopt refuses with any. Clear them as an admin would, once the stack
	# is whole again, and show what they were.
	wait_for 900 10 "the stack whole (Primary/Primary, GFS2 on both, labguest running)" adopt_stack_whole ||
		{ show_failures; die "the stack is not whole"; }
	if ! no_failures; then
		log "failure records left by earlier phases (cleaned up before the revert):"
		show_failures
		gx node1 'crm_resource --cleanup >/dev/null 2>&1; crm_resource --wait --timeout=600s' 700 >/dev/null ||
			log "a transition still runs after 10 min"
		wait_for 300 10 "recurring monitors by ocfkit's agents on every active instance" adopt_monitors_by ours ||
			die "ocfkit's agents do not monitor the stack again after the cleanup"
	fi
	adopt_cluster_ok ours
	adopt_step revert "ocfkit adopt revert $saved" || failed=1
	[[ $RC == 0 ]] || { show_failures; die "ocfkit adopt revert exited $RC, expected 0"; }
	adopt_cluster_ok stock
	wait_for 300 10 "recurring monitors by the stock agents on every active instance" adopt_monitors_by stock ||
		die "the stock agents do not monitor the stack again"
	(( failed == 0 )) || die "revert changed what must not change (above)"
	cat "$RUN/adopt-results" >&2
}

adopt_phase() {
	adopt_apply_phase
	adopt_revert_phase
}
adopt-apply_phase() { adopt_apply_phase; }
adopt-revert_phase() { adopt_revert_phase; }
