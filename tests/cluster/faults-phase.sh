# Phase "faults": the fault table of tests/cluster/README.md ("Faults side by side"). Injects
# each selected fault into the running stack, whichever agents it runs on (read from the CIB),
# and measures the same things on every stack. Sourced by run.sh (needs stack.sh, verify.sh,
# failover.sh and adopt.sh); tests/cluster/faults.sh drives a whole stock-then-ocfkit run.
#   OCFKIT_CLUSTER_FAULTS=3,9,K   rows to run, in this order (default: every scripted row)
# Rows: 1 libvirtd SIGSTOP + move, 2 libvirtd restarted, 3 the guest's qemu killed, 4
# dlm_controld killed, 5 lvmlockd killed, 6 a holder on GFS2 when the clone stops on one node,
# 7 DRBD backing disk fails (needs the stack phase with OCFKIT_CLUSTER_DRBD_DM=1, else recorded
# as skipped), 8 replication link cut, 9 drain
# (standby), 10 systemctl reboot, 11s/11l corosync paused shorter/longer than the token,
# K a whole node killed (its qemu).
# Per row and stack, in $RUN/faults/<stack>-<row>/ (raw data) and one JSON line in
# $RUN/faults/results.jsonl (faults-report.py row; the table: faults-report.py table):
# guest downtime from the guest's own RAM counter, nodes fenced (fence-events, boot IDs), data
# intact (checksums written before the fault, flock increments from both nodes after), time to
# full recovery, failed actions and the operations Pacemaker recorded with their exit reasons;
# for node losses the survivor's journal since the fault, split into detection, fence, DLM/GFS2
# recovery, Pacemaker's transition and each agent's operation.

FAULTS_DIR=$RUN/faults
FAULTS_ALL=(3 9 1 6 2 4 5 K 8 11s 11l 10 7)
FAULTS_FLOCK_N=${OCFKIT_CLUSTER_FAULTS_FLOCK:-10}
FAULTS_REPORT=$CLUSTER_DIR/faults-report.py

faults_stack_label() {
	case $(adopt_cib_agent labguest) in ocf:custom:*) echo ocfkit ;; ocf:*) echo stock ;; *) echo unknown ;; esac
}

# Guest clock minus host clock, in seconds: the guest writes its time into a file on the 9p
# share, and the host-side qemu stamps that write with the host's clock (mtime).
faults_clock() {
	local n=$1 f=$SHARE/work/clk-$1
	rm -f "$f"
	gx "$n" "date +%s.%N > /host/work/clk-$n" 30 >/dev/null || return 1
	"$PY" -c 'import os, sys; f = sys.argv[1]; print("%.3f" % (float(open(f).read()) - os.stat(f).st_mtime_ns / 1e9))' "$f"
}
faults_clocks() { # TAG -> $D/clock-TAG: "node offset" per reachable node
	local n o
	: > "$D/clock-$1"
	for n in "${NODES[@]}"; do
		vm_running "$n" && vm_ready "$n" || continue
		o=$(faults_clock "$n") && echo "$n $o" >> "$D/clock-$1"
		[[ $1 == before ]] && echo "$n $(gx "$n" 'cat /sys/devices/system/clocksource/clocksource0/current_clocksource' 30)" >> "$D/clocksource"
	done
}

# The guest's counter from whichever node runs it, sampled from the host; each line
# "t_mid half_width node counter" (host clock; the read takes seconds under TCG), or "t - - -".
# When libvirt does not answer (row 1 stops it) the counter cannot be read: a line
# "t half_width node qTICKS" then gives the guest's qemu CPU time (utime+stime in clock
# ticks), so a guest that still runs is not taken for a stopped one.
faults_counter_on() {
	gx "$1" "timeout 15 virsh -q qemu-monitor-command labguest --hmp 'xp /1hx 0x7e00' 2>/dev/null ||
		{ p=\$(pgrep -o -f 'guest=labguest') && echo alive \$(awk '{ print \$14 + \$15 }' /proc/\$p/stat); }" 25 |
		awk '/: 0x/ { sub(/.*: 0x/, ""); sub(/[^0-9a-f].*/, ""); print "c" $0; exit }
			$1 == "alive" && $2 ~ /^[0-9]+$/ { print "q" $2; exit }' |
		{ read -r v || exit 0; case $v in c*) echo $((16#${v#c})) ;; q*) echo "$v" ;; esac; }
}
faults_sampler_loop() {
	local f=$1 n=node1 m c t0 t1 alive
	while [[ ! -e $D/sampler-stop ]]; do
		c= alive=
		for m in "$n" "${NODE_PEER[$n]}"; do
			vm_running "$m" && vm_ready "$m" || continue
			t0=$(date +%s.%N); c=$(faults_counter_on "$m"); t1=$(date +%s.%N)
			[[ $c == q* ]] && { alive="$t0 $t1 $m $c"; c=; continue; }
			[[ -n $c ]] && { n=$m; break; }
		done
		if [[ -n $c ]]; then
			awk -v a="$t0" -v b="$t1" -v n="$n" -v c="$c" 'BEGIN { printf "%.2f %.2f %s %s\n", (a + b) / 2, (b - a) / 2, n, c }' >> "$f"
		elif [[ -n $alive ]]; then
			set -- $alive
			awk -v a="$1" -v b="$2" -v n="$3" -v c="$4" 'BEGIN { printf "%.2f %.2f %s %s\n", (a + b) / 2, (b - a) / 2, n, c }' >> "$f"
		else
			echo "$(date +%s.%N) - - -" >> "$f"; sleep 1
		fi
		sleep 1
	done
}
faults_sampler_start() {
	rm -f "$D/sampler-stop"
	( faults_sampler_loop "$D/counter" ) > /dev/null 2>&1 &
	echo $! > "$D/sampler.pid"
}
faults_sampler_stop() {
	[[ -s $D/sampler.pid ]] || return 0
	touch "$D/sampler-stop"
	local pid i; pid=$(cat "$D/sampler.pid")
	for i in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
	kill "$pid" 2>/dev/null; rm -f "$D/sampler.pid"
}

faults_boot_ids() { # TAG -> $D/boot-TAG
	local n
	: > "$D/boot-$1"
	for n in "${NODES[@]}"; do
		echo "$n $(gx "$n" 'cat /proc/sys/kernel/random/boot_id' 30 || echo unreachable)" >> "$D/boot-$1"
	done
}

# Data written before the fault: one file per node with its checksum.
faults_data_prepare() {
	local n s
	: > "$D/data-sums"
	for n in "${NODES[@]}"; do
		s=$(gx "$n" "dd if=/dev/urandom of=$GFS2_DIR/faults-$n bs=1M count=2 status=none && sync $GFS2_DIR/faults-$n && sha256sum < $GFS2_DIR/faults-$n | cut -c1-64" 120)
		echo "faults-$n $s" >> "$D/data-sums"
	done
}
# After recovery: both nodes read both files with their checksums; FAULTS_FLOCK_N locked
# increments from each node at once add up. -> $D/data ("checksums ok|BAD ..." and "flock N/M")
faults_data_check() {
	local f s n r bad=
	while read -r f s; do
		for n in "${NODES[@]}"; do
			r=$(gx "$n" "sha256sum < $GFS2_DIR/$f | cut -c1-64" 120)
			[[ -n $s && $r == "$s" ]] || bad+=" $f@$n"
		done
	done < "$D/data-sums"
	local k=$FAULTS_FLOCK_N
	gx node1 "echo 0 > $GFS2_DIR/faults-counter; sync" 60 >/dev/null
	gx_all "for i in \$(seq $k); do flock $GFS2_DIR/faults-counter -c 'n=\$(cat $GFS2_DIR/faults-counter); echo \$((n+1)) > $GFS2_DIR/faults-counter'; done" 900 >/dev/null
	local got; got=$(gx node2 "cat $GFS2_DIR/faults-counter" 60)
	{ [[ -z $bad ]] && echo "checksums ok" || echo "checksums BAD:$bad"; echo "flock $got/$((2 * k))"; } > "$D/data"
	log "data: $(paste -sd';' "$D/data")"
}

# The stack is whole again: both nodes online, DRBD Primary/Primary UpToDate, GFS2 on both,
# the guest running.
faults_whole() { nodes_online && drbd_primary_both && gfs2_mounted_both && [[ -n $(labguest_node) ]]; }

# One node's view of Pacemaker, from whichever node answers first.
faults_gx_any() { gx node1 "$1" "${2:-60}" 2>/dev/null || gx node2 "$1" "${2:-60}"; }

faults_metric() { echo "$1=$2" >> "$D/metrics"; log "$1=$2"; }
faults_t0() { date +%s.%N > "$D/t0"; }
faults_note() { echo "$*" >> "$D/notes"; log "note: $*"; }

# Raw evidence of what the cluster did since the fault, for faults-report.py.
faults_collect() {
	local n t0g
	faults_gx_any 'crm_mon -1 -o --output-as=xml' > "$D/crm_mon.xml"
	faults_gx_any 'cibadmin -Q --scope status' > "$D/status.xml"
	faults_gx_any 'cibadmin -Q --scope constraints' > "$D/constraints.xml"
	faults_journals
	# pacemaker.log is on disk: it keeps a node's view across its own reset.
	for n in "${NODES[@]}"; do
		vm_running "$n" && vm_ready "$n" || continue
		gx "$n" "tail -n +\$(( $(cat "$D/pcmk-mark-$n" 2>/dev/null || echo 0) + 1 )) $ADOPT_LOG | grep -av 'cib_perform_op\|cib_process_request'; true" 180 > "$D/pacemaker-$n.txt"
	done
}
# faults_journals [TAG]: each reachable node's journal since a minute before the fault.
faults_journals() {
	local n t0g sfx=${1:+-$1}
	for n in "${NODES[@]}"; do
		vm_running "$n" && vm_ready "$n" || continue
		# The journal is in RAM: a fenced node's ends at its reset.
		t0g=$(awk -v n="$n" '$1 == n {print $2}' "$D/clock-before" 2>/dev/null)
		t0g=$(awk -v t="$(cat "$D/t0")" -v o="${t0g:-0}" 'BEGIN { printf "%d", t + o - 60 }')
		gx "$n" "journalctl -o short-unix --no-pager --since @$t0g -t corosync -t pacemaker-controld \
			-t pacemaker-fenced -t pacemaker-schedulerd -t pacemaker-execd -t pacemaker-attrd -t kernel \
			-t dlm_controld -t lvmlockd -t libvirtd -t systemd -t pacemakerd -t stonith-ng 2>/dev/null; true" 180 > "$D/journal-$n$sfx.txt"
	done
}

faults_cleanup() {
	faults_gx_any 'crm_resource --clear --resource labguest >/dev/null 2>&1; crm_resource --clear --resource gfs2-clone >/dev/null 2>&1
		crm_attribute --node node1 --name standby --delete >/dev/null 2>&1; crm_attribute --node node2 --name standby --delete >/dev/null 2>&1
		crm_resource --cleanup >/dev/null 2>&1; echo cleaned' 120 >/dev/null
}

# faults_row ROW: one row on the current stack, with everything measured around it.
faults_row() {
	local row=$1 stack; stack=$(faults_stack_label)
	D=$FAULTS_DIR/$stack-$row
	rm -rf "$D"; mkdir -p "$D"
	log "--- row $row on the $stack stack"
	declare -F "faults_row$row" >/dev/null || { faults_note "no such row"; return 1; }
	local s0=$SECONDS
	echo "row=$row" > "$D/metrics"; echo "stack=$stack" >> "$D/metrics"
	if [[ $row == 7 ]] && ! gx node1 'dmsetup info r0lower >/dev/null 2>&1' 30; then
		( faults_row7 ); faults_finish "$s0"; return 0   # recorded as skipped, with the reason
	fi
	wait_for 900 10 "the stack whole before row $row" faults_whole || { faults_note "stack not whole before the row"; faults_finish "$s0"; return 1; }
	gx node1 'crm_resource --wait --timeout=600s' 700 >/dev/null || log "a transition still runs after 10 min"
	echo "guest_node=$(labguest_node)" >> "$D/metrics"
	faults_boot_ids before
	faults_clocks before
	faults_data_prepare
	local n
	for n in "${NODES[@]}"; do gx "$n" "wc -l < $ADOPT_LOG" 60 > "$D/pcmk-mark-$n"; done
	cat "$RUN/fence-events" 2>/dev/null | wc -l > "$D/fence-mark"
	faults_sampler_start
	trap faults_sampler_stop EXIT
	sleep 20   # the counting rate, before the fault
	# The row runs in a subshell: a helper's die ends the row, not the phase.
	( "faults_row$row" ); local rc=$?
	faults_metric row_rc "$rc"
	# A survivor may be fenced in turn while the stack recovers: its journal (in RAM) now.
	faults_journals early
	[[ -s $D/t0 ]] || faults_t0
	# Full recovery: whole again, with no transition pending.
	if wait_for 1500 5 "the stack whole after row $row" faults_whole; then
		faults_gx_any 'crm_resource --wait --timeout=600s' 700 >/dev/null
		faults_metric recovered_at "$(date +%s.%N)"
	else
		faults_note "the stack was not whole again within 25 min"
	fi
	sleep 10
	faults_sampler_stop; trap - EXIT
	faults_boot_ids after
	faults_clocks after
	tail -n +$(( $(cat "$D/fence-mark") + 1 )) "$RUN/fence-events" > "$D/fence-events" 2>/dev/null
	faults_collect
	faults_whole && faults_data_check
	faults_cleanup
	faults_finish "$s0"
	wait_for 600 10 "the stack whole after the clean-up" faults_whole || return 1
}
faults_finish() {
	faults_metric row_seconds "$((SECONDS - $1))"
	"$PY" "$FAULTS_REPORT" row "$D" >> "$FAULTS_DIR/results.jsonl" || log "faults-report.py row $D failed"
	tail -1 "$FAULTS_DIR/results.jsonl" >&2
}

faults_phase() {
	mkdir -p "$FAULTS_DIR"
	local rows=() r
	IFS=', ' read -r -a rows <<< "${OCFKIT_CLUSTER_FAULTS:-${FAULTS_ALL[*]}}"
	log "rows ${rows[*]} on the $(faults_stack_label) stack"
	# Failures from before (the stack's own start-up) would be counted against the first row.
	no_failures || { log "failed actions before the first row (cleaned up):"; show_failures; faults_cleanup; }
	for r in "${rows[@]}"; do
		faults_row "$r" || { log "row $r left the stack broken: the remaining rows are skipped"; return 1; }
	done
	# What comes next (adopt apply/revert) wants a settled cluster with every monitor running.
	gx node1 'crm_resource --wait --timeout=600s' 700 >/dev/null || log "a transition still runs after 10 min"
	local which=stock; [[ $(faults_stack_label) == ocfkit ]] && which=ours
	wait_for 300 10 "recurring monitors on every active instance" adopt_monitors_by "$which" ||
		log "WARNING: not every active instance has its recurring monitor again"
	"$PY" "$FAULTS_REPORT" table "$FAULTS_DIR/results.jsonl" >&2
}

source "$CLUSTER_DIR/faults-rows.sh"
