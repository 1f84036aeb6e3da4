# Phase "failover": real faults on the running stack. Sourced by run.sh (needs stack.sh and
# verify.sh). Acknowledgements go to the host over 9p the moment a guest's write is durable,
# so "what the survivor acknowledged" is recorded outside both guests.

fence_events_since() { awk -v t="$1" '$1 >= t' "$RUN/fence-events" 2>/dev/null; }
fenced_after() { fence_events_since "$1" | grep -q " reboot $2 "; }

# start_writer NODE TAG: every second append a numbered line to a GFS2 file, fsync it, then
# acknowledge "<node> <file> <line>" to the host.
start_writer() {
	local n=$1 tag=$2
	gq "$n" "rm -f /host/work/stop-$tag-$n
		nohup setsid bash -c 'i=0; while [ ! -e /host/work/stop-$tag-$n ]; do i=\$((i+1));
			echo \"\$i \$(date +%s.%N)\" >> $GFS2_DIR/$tag-$n.log && sync $GFS2_DIR/$tag-$n.log &&
			echo \"\$(date +%s.%N) $n $tag-$n.log \$i\" >> /host/work/acks-$tag; sleep 1; done' \
			>/dev/null 2>&1 < /dev/null 3>&- &
		echo writer started" 60
}
stop_writer() { touch "$SHARE/work/stop-$2-$1"; }

# Longest gap between two acknowledged writes of one node (the I/O pause a failure caused).
max_gap() {
	awk -v n="$2" '$2 == n { if (p) { g = $1 - p; if (g > m) m = g } p = $1 } END { printf "%.1f", m }' "$1"
}

# Every line a node acknowledged must be in the file as BOTH nodes read it now.
check_acked_lines() {
	local acks=$1 n f want ok=1
	for f in $(awk '{print $3}' "$acks" | sort -u); do
		want=$(awk -v f="$f" '$3 == f {print $4}' "$acks" | sort -n | tail -1)
		for n in "${NODES[@]}"; do
			local have
			have=$(gx "$n" "awk '{print \$1}' $GFS2_DIR/$f | sort -n | awk 'BEGIN{e=1} \$1==e{e++} END{print e-1}'" 120)
			if (( have < want )); then
				log "DATA LOSS: $n sees $f only up to line $have, but line $want was acknowledged"; ok=0
			else
				log "$f on $n: lines 1..$have present (acknowledged up to $want)"
			fi
		done
	done
	(( ok ))
}

wait_rejoined() {
	local victim=$1
	wait_for 900 5 "$victim back (command queue)" vm_ready "$victim" || die "$victim did not come back"
	local t0=$SECONDS resync_seen=0
	while (( SECONDS - t0 < 1200 )); do
		local st; st=$(gx "$victim" 'drbdadm cstate r0 2>/dev/null' 30)
		if [[ $st == Sync* && $resync_seen == 0 ]]; then
			resync_seen=1; log "DRBD resync in progress on $victim ($st)"
			capture resync-after-failover drbd
		fi
		drbd_primary_both && break
		sleep 3
	done
	drbd_primary_both || { show_failures; die "DRBD not Primary/Primary again"; }
	log "DRBD Primary/Primary UpToDate again $((SECONDS - t0))s after $victim booted (resync seen: $resync_seen)"
	wait_for 900 10 "GFS2 mounted on both again" gfs2_mounted_both || { show_failures; die "GFS2 not back on both"; }
	# ocfkit-clevervm's enabled clevervm.service runs "clevervm start --from-init" at boot: it
	# must leave labguest to Pacemaker (which may run it on the other node), and succeed.
	local boot_cvm; boot_cvm=$(gx "$victim" 'systemctl status clevervm --no-pager -n 0 2>/dev/null | grep -E "Active:|ExecStart=" | sed "s/^ *//" | paste -sd";";
		journalctl -b -u clevervm -o cat 2>/dev/null | grep -v "^Start\|^Finish" | tail -4' 60)
	log "clevervm at boot on $victim: ${boot_cvm:-no such service}"
	if [[ $boot_cvm != *"Active: active (exited)"* || $boot_cvm != *"labguest: left to Pacemaker at boot"* ]]; then
		show_failures; die "clevervm.service at boot on $victim did not leave labguest to Pacemaker: $boot_cvm"
	fi
	local running=0 n
	for n in "${NODES[@]}"; do
		gx "$n" 'virsh -q domstate labguest 2>/dev/null | grep -qx running' 60 && running=$((running + 1))
	done
	(( running == 1 )) || { show_failures; die "labguest is running on $running nodes after $victim rejoined"; }
	log "labguest runs on exactly one node"
}

# labguest_started_or_failed NODE: the guest runs on NODE, or its start there failed (a failed
# start bans it from NODE for good: no point waiting out the timeout). Asks NODE itself: the
# other node may be dead or still joining.
labguest_start_failed() {
	gx "$1" 'crm_mon -1 --output-as=xml' 60 | grep -q "<failure op_key=\"labguest_start_0\" node=\"$1\""
}
labguest_started_or_failed() {
	local out; out=$(gx "$1" 'crm_mon -1 --output-as=xml' 60) || return 1
	grep -q "<failure op_key=\"labguest_start_0\" node=\"$1\"" <<< "$out" && { log "labguest start failed on $1"; return 0; }
	"$PY" -c '
import sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read())
sys.exit(0 if any(n.get("name") == sys.argv[1] for r in root.iter("resource")
	if r.get("id") == "labguest" and r.get("role") == "Started" for n in r.iter("node")) else 1)' "$1" <<< "$out"
}

failover_kill() {
	local victim survivor t0 pid
	victim=$(labguest_node); [[ -n $victim ]] || die "labguest not running"
	survivor=${NODE_PEER[$victim]}
	rm -f "$SHARE/work/acks-kill"
	start_writer "$survivor" kill
	start_writer "$victim" kill
	sleep 8
	pid=$(vm_pid "$victim")
	loud "killing $victim's qemu (pid $pid, SIGTERM: qemu flushes its image caches, the guest just stops)"
	t0=$(date +%s); local s0=$SECONDS
	kill -TERM "$pid"
	wait_for 600 2 "$survivor fenced $victim" fenced_after "$t0" "$victim" || die "no fencing of $victim"
	local t_fence=$((SECONDS - s0))
	capture_on "$survivor" peer-fenced drbd dlm lvm crm mount
	wait_for 900 5 "labguest running on $survivor" labguest_started_or_failed "$survivor" &&
		! labguest_start_failed "$survivor" || { show_failures; die "labguest not restarted on $survivor"; }
	local t_guest=$((SECONDS - s0))
	gq "$survivor" "echo after-kill > $GFS2_DIR/after-kill-$survivor && sync && cat $GFS2_DIR/after-kill-$survivor" 120
	wait_rejoined "$victim"
	local t_back=$((SECONDS - s0))
	stop_writer "$survivor" kill; stop_writer "$victim" kill; sleep 3
	log "kill $victim: fenced after ${t_fence}s, labguest on $survivor after ${t_guest}s, rejoined (Primary/Primary, GFS2 on both) after ${t_back}s"
	log "survivor $survivor: longest pause between acknowledged GFS2 writes $(max_gap "$SHARE/work/acks-kill" "$survivor")s"
	check_acked_lines "$SHARE/work/acks-kill" || die "acknowledged writes lost after the kill"
	echo "kill $victim fence=${t_fence}s guest=${t_guest}s rejoin=${t_back}s pause=$(max_gap "$SHARE/work/acks-kill" "$survivor")s" >> "$RUN/failover-results"
}

failover_link() {
	local t0 s0 loser survivor
	rm -f "$SHARE/work/acks-cut"
	start_writer node1 cut
	start_writer node2 cut
	sleep 8
	loud "cutting the private link (qemu set_link off on both NICs)"
	t0=$(date +%s); s0=$SECONDS
	hmp node1 "set_link link off" >/dev/null; hmp node2 "set_link link off" >/dev/null
	wait_for 600 2 "one node fenced the other" bash -c "awk -v t=$t0 '\$1 >= t && \$2 == \"reboot\"' '$RUN/fence-events' | grep -q ." ||
		{ hmp node1 "set_link link on"; hmp node2 "set_link link on"; die "nobody was fenced after the link cut"; }
	loser=$(awk -v t="$t0" '$1 >= t && $2 == "reboot" {print $3; exit}' "$RUN/fence-events")
	survivor=${NODE_PEER[$loser]}
	local t_fence=$((SECONDS - s0))
	log "$survivor won the fence race; $loser was reset after ${t_fence}s"
	fence_events_since "$t0" | sed 's/^/    fence-events: /' >&2
	sleep 5
	hmp node1 "set_link link on" >/dev/null; hmp node2 "set_link link on" >/dev/null
	log "link restored"
	gq "$survivor" "echo after-cut > $GFS2_DIR/after-cut-$survivor && sync && cat $GFS2_DIR/after-cut-$survivor" 300
	wait_rejoined "$loser"
	local t_back=$((SECONDS - s0))
	stop_writer node1 cut; stop_writer node2 cut; sleep 3
	local after_cut
	after_cut=$(awk -v t="$t0" -v n="$loser" '$1 >= t && $2 == n' "$SHARE/work/acks-cut" | wc -l)
	log "writes acknowledged by $loser after the cut: $after_cut; by $survivor: $(awk -v t="$t0" -v n="$survivor" '$1 >= t && $2 == n' "$SHARE/work/acks-cut" | wc -l)"
	check_acked_lines "$SHARE/work/acks-cut" || die "split brain: acknowledged writes lost"
	log "link cut: no acknowledged write lost; rejoined after ${t_back}s"
	echo "linkcut loser=$loser fence=${t_fence}s rejoin=${t_back}s loser_acks_after_cut=$after_cut" >> "$RUN/failover-results"
}

failover_phase() {
	failover_kill
	failover_link
	capture after-failover drbd dlm crm
	cat "$RUN/failover-results" >&2
}
