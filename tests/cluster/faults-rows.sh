# The rows of the fault table, one function each (sourced by faults-phase.sh). Each runs in a
# subshell with $D (its data directory): it records the fault's moment with faults_t0, injects
# the fault, waits for the outcome it can tell apart (deadline), records row metrics with
# faults_metric, and puts back what the operator would (unstandby, clear a move, SIGCONT).
# faults_row waits for the whole stack afterwards and measures everything else.

faults_peer_of_guest() { local g; g=$(labguest_node); echo "$g ${NODE_PEER[$g]:-}"; }
faults_qemu_pid() { gx "$1" "pgrep -f 'qemu-system-x86_64 .*guest=labguest' | head -1" 30; }
# The guest runs on NODE as NODE itself sees it (the other node may be dead).
faults_guest_on() { labguest_started_or_failed "$1" && ! labguest_start_failed "$1"; }
faults_fenced_since_t0() { fenced_after "$(cut -d. -f1 "$D/t0")" "$1"; }
faults_since_t0() { awk -v t="$(cat "$D/t0")" -v n="$(date +%s.%N)" 'BEGIN { printf "%.0f", n - t }'; }

# 3: the guest's qemu killed (SIGKILL) on its node: Pacemaker's monitor finds it dead and
# restarts it. Done when a new qemu runs the guest.
faults_new_qemu() { # OLDNODE OLDPID
	local n p
	for n in "${NODES[@]}"; do
		p=$(faults_qemu_pid "$n")
		[[ -n $p && ( $n != "$1" || $p != "$2" ) ]] && gx "$n" 'virsh -q domstate labguest 2>/dev/null | grep -qx running' 30 && return 0
	done
	return 1
}
faults_row3() {
	local g pid; read -r g _ < <(faults_peer_of_guest)
	pid=$(faults_qemu_pid "$g"); [[ -n $pid ]] || die "no qemu for labguest on $g"
	faults_t0
	gq "$g" "kill -KILL $pid" 30
	log "killed labguest's qemu (pid $pid) on $g"
	wait_for 900 3 "a new qemu runs labguest" faults_new_qemu "$g" "$pid" || die "labguest not restarted"
	faults_metric guest_running_s "$(faults_since_t0)"
}

# 9: drain: standby of the guest's node with allow-migrate: the guest must move live, GFS2
# unmount and DRBD stop there; unstandby brings the node back (the guest stays, stickiness).
faults_drained() { # NODE PEER
	faults_guest_on "$2" && ! gx "$1" "grep -q ' $GFS2_DIR gfs2 ' /proc/mounts || drbdadm role r0 2>/dev/null | grep -q '^Primary'" 30
}
faults_row9() {
	local g o; read -r g o < <(faults_peer_of_guest)
	faults_t0
	gq "$o" "crm_attribute --node $g --name standby --update on" 60
	wait_for 900 5 "$g drained: labguest on $o, no GFS2 and no Primary on $g" faults_drained "$g" "$o" ||
		die "$g not drained"
	faults_metric drained_s "$(faults_since_t0)"
	local ops; ops=$(gx "$o" "crm_resource --list-operations --resource labguest 2>/dev/null | grep -E 'migrate_(to|from)|start|stop' | tail -4" 60)
	printf '%s\n' "$ops" > "$D/labguest-ops.txt"
	gq "$o" "crm_attribute --node $g --name standby --update off" 60
	wait_for 900 5 "$g back: GFS2 on both, Primary/Primary, labguest running" faults_whole || die "$g did not come back"
	faults_metric unstandby_whole_s "$(faults_since_t0)"
}

# 1: libvirtd stopped (SIGSTOP) on the guest's node for longer than the monitor's timeout
# (120 s), then the guest moved to the other node (crm_resource --move in the guest: pcs runs on
# the host in this tier). Stock VirtualDomain's monitor and stop wait on libvirt; ocfkit's
# virtdomain should answer in time and end the guest's qemu itself. Done when the guest runs on
# the other node (or after 20 min); libvirtd continued if its node was not reset.
faults_row1() {
	local g o hang=${OCFKIT_CLUSTER_FAULTS_HANG:-150}
	read -r g o < <(faults_peer_of_guest)
	gq "$g" 'systemctl start libvirtd && pgrep -x libvirtd' 120 > "$D/libvirtd-pid"
	local boot; boot=$(gx "$g" 'cat /proc/sys/kernel/random/boot_id' 30)
	faults_t0
	gq "$g" 'pkill -STOP -x libvirtd && echo stopped' 30
	log "libvirtd SIGSTOP on $g; moving labguest to $o in ${hang}s"
	sleep "$hang"
	gq "$o" "crm_resource --move --resource labguest --node $o" 120
	faults_metric move_at_s "$(faults_since_t0)"
	wait_for 1200 5 "labguest running on $o" faults_guest_on "$o" || faults_note "labguest not on $o after 20 min"
	faults_metric guest_on_peer_s "$(faults_since_t0)"
	if [[ $(gx "$g" 'cat /proc/sys/kernel/random/boot_id' 30) == "$boot" ]]; then
		gx "$g" 'pkill -CONT -x libvirtd; echo continued' 30 >/dev/null
		faults_note "$g not reset: libvirtd continued"
	fi
	gx "$o" 'crm_resource --clear --resource labguest' 60 >/dev/null
}

# 6: a process holds the GFS2 mount (its cwd and an open file) on the node without the guest
# when the clone is stopped there (ban): the holder must be ended, the mount gone, the other
# node and the guest untouched, nobody fenced.
faults_row6() {
	local g o; read -r g o < <(faults_peer_of_guest)
	local hp; hp=$(gq "$o" "cd / && setsid bash -c 'cd $GFS2_DIR && exec sleep 100000 3<$GFS2_DIR/faults-$o' >/dev/null 2>&1 </dev/null &
		sleep 2; pgrep -f 'sleep 100000' | head -1" 60)
	[[ -n $hp ]] || die "holder did not start on $o"
	gx "$o" "ls -l /proc/$hp/cwd /proc/$hp/fd/3" 30 > "$D/holder.txt"
	faults_t0
	gq "$o" "crm_resource --ban --resource gfs2-clone --node $o" 60
	wait_for 900 5 "GFS2 unmounted on $o (or $o fenced)" faults_row6_done "$o" || faults_note "GFS2 still mounted on $o"
	faults_metric unmounted_s "$(faults_since_t0)"
	if gx "$o" "kill -0 $hp 2>/dev/null" 30; then faults_metric holder_ended no; else faults_metric holder_ended yes; fi
	gx "$g" "grep -q ' $GFS2_DIR gfs2 ' /proc/mounts" 30 && faults_metric other_node_mounted yes || faults_metric other_node_mounted no
	gq "$o" "crm_resource --clear --resource gfs2-clone" 60 >/dev/null
	gx "$o" "kill $hp 2>/dev/null; true" 30 >/dev/null
}
faults_row6_done() {
	faults_fenced_since_t0 "$1" && return 0
	! gx "$1" "grep -q ' $GFS2_DIR gfs2 ' /proc/mounts" 30
}

# 2: libvirtd restarted on the guest's node while a CPU hog runs there: no failed action, the
# guest neither restarted nor moved (same qemu PID).
faults_row2() {
	local g; read -r g _ < <(faults_peer_of_guest)
	local pid; pid=$(faults_qemu_pid "$g")
	gq "$g" 'systemctl start libvirtd' 120 >/dev/null
	gx "$g" "nohup setsid timeout 120 sh -c 'while :; do :; done' >/dev/null 2>&1 </dev/null & echo hog" 30 >/dev/null
	faults_t0
	gq "$g" 'systemctl restart libvirtd && echo restarted' 300
	faults_metric restarted_s "$(faults_since_t0)"
	sleep 100   # five monitor intervals
	[[ $(faults_qemu_pid "$g") == "$pid" ]] && faults_metric same_qemu yes || faults_metric same_qemu no
}

# Node losses: the fault takes one node (the guest's); done when the survivor fenced it and
# runs the guest, or after 15 min. faults_row then waits for the rejoin.
faults_node_loss_wait() { # VICTIM SURVIVOR
	if wait_for 900 2 "$2 fenced $1" faults_fenced_since_t0 "$1"; then
		faults_metric fenced_s "$(faults_since_t0)"
	else
		faults_note "$1 not fenced within 15 min"
	fi
	wait_for 900 5 "labguest running on $2" faults_guest_on "$2" && faults_metric guest_on_survivor_s "$(faults_since_t0)"
	capture_on "$2" "faults-$(basename "$D")" drbd dlm lvm crm mount >/dev/null 2>&1
	echo "victim=$1" >> "$D/metrics"
}

# 4: dlm_controld killed on the guest's node: on-fail=fence takes the node; the survivor keeps
# GFS2 and runs the guest.
faults_row4() {
	local g o; read -r g o < <(faults_peer_of_guest)
	faults_t0
	gq "$g" 'pkill -KILL -x dlm_controld && echo killed' 30
	faults_node_loss_wait "$g" "$o"
}

# 5: lvmlockd killed on the guest's node: either the agent restarts it (adopting the
# lockspaces) or the node is fenced; the LVs must stay usable on the survivor either way.
faults_lvmlockd_outcome() { # NODE OLDPID
	faults_fenced_since_t0 "$1" && return 0
	local p; p=$(gx "$1" 'pgrep -o -x lvmlockd' 30)
	[[ -n $p && $p != "$2" ]]
}
faults_row5() {
	local g o; read -r g o < <(faults_peer_of_guest)
	local pid; pid=$(gx "$g" 'pgrep -o -x lvmlockd' 30)
	faults_t0
	gq "$g" "kill -KILL $pid && echo killed" 30
	wait_for 900 3 "lvmlockd restarted on $g, or $g fenced" faults_lvmlockd_outcome "$g" "$pid" || faults_note "neither restarted nor fenced in 15 min"
	faults_metric outcome_s "$(faults_since_t0)"
	if faults_fenced_since_t0 "$g"; then
		faults_metric outcome fenced
		faults_node_loss_wait "$g" "$o"
	else
		faults_metric outcome "lvmlockd restarted"
		gx "$o" "lvs --reportformat json $VG; lvmlockctl --info" 60 > "$D/survivor-lvm.txt"
	fi
}

# K: the guest's whole node killed (its qemu, SIGTERM) and 8: the replication link cut: the
# failover phase's own two scenarios (writers acknowledged to the host, no acknowledged write
# lost, rejoin, clevervm at boot), with the fault's moment recorded for the timeline.
faults_row8() {
	# failover_link cuts the link with hmp ... set_link off: its first such call is the fault.
	eval "faults_orig_hmp() $(declare -f hmp | tail -n +2)"
	hmp() { [[ $2 == "set_link link off" && ! -s $D/t0 ]] && faults_t0; faults_orig_hmp "$@"; }
	failover_link
	local loser; loser=$(awk -v t="$(cut -d. -f1 "$D/t0")" '$1 >= t && $2 == "reboot" {print $3; exit}' "$RUN/fence-events")
	echo "victim=$loser" >> "$D/metrics"
	tail -1 "$RUN/failover-results" >> "$D/notes"
}
faults_rowK() {
	local g; g=$(labguest_node)
	local vpid; vpid=$(vm_pid "$g")
	# failover_kill ends the node with kill -TERM on its qemu: that call is the fault.
	kill() { [[ $1 == -TERM && $2 == "$vpid" ]] && faults_t0; command kill "$@"; }
	failover_kill
	echo "victim=$g" >> "$D/metrics"
	tail -1 "$RUN/failover-results" >> "$D/notes"
}

# 11: corosync paused (SIGSTOP) on the guest's node, shorter (10 s) and longer (45 s) than the
# token timeout (20 s): short, nothing may happen; long, the node is fenced and recovered.
faults_row11() { # SECONDS
	local g o; read -r g o < <(faults_peer_of_guest)
	faults_t0
	gq "$g" "nohup setsid bash -c 'pkill -STOP -x corosync; sleep $1; pkill -CONT -x corosync' >/dev/null 2>&1 </dev/null & echo paused" 30
	if (( $1 < 20 )); then
		sleep $(( $1 + 60 ))
		faults_fenced_since_t0 "$g" && faults_note "fenced after a pause of $1 s" || faults_metric nothing_happened_s "$(faults_since_t0)"
	else
		faults_node_loss_wait "$g" "$o"
	fi
}
faults_row11s() { faults_row11 10; }
faults_row11l() { faults_row11 45; }

# 10: systemctl reboot of the guest's node while Pacemaker runs: Pacemaker's shutdown moves the
# guest away (live) and stops the stack in order; no fence; the node rejoins at boot.
faults_row10() {
	local g o; read -r g o < <(faults_peer_of_guest)
	rm -f "$SHARE/q/$g/ready"   # so "back" means booted again
	faults_t0
	gq "$g" 'systemd-run --on-active=2 --unit=faults-reboot systemctl reboot >/dev/null 2>&1; echo scheduled' 30
	wait_for 900 5 "labguest running on $o" faults_guest_on "$o" && faults_metric guest_on_peer_s "$(faults_since_t0)"
	wait_for 900 5 "$g booted again" vm_ready "$g" && faults_metric rebooted_s "$(faults_since_t0)"
	echo "victim=$g" >> "$D/metrics"
}

# 7: DRBD's backing disk fails under a Primary: the lower device's dm table (stack phase with
# OCFKIT_CLUSTER_DRBD_DM=1) swapped for an error target on the guest's node, a synced write
# there to meet it; DRBD must detach (on-io-error detach) and go on through the peer, the guest
# keep running. Two monitor intervals later the disk comes back (linear table, drbdadm attach)
# and resyncs. Without the dm table the row is recorded as skipped.
faults_dstate_is() { [[ $(gx "$1" 'drbdadm dstate r0 2>/dev/null' 30) == $2* ]]; }
faults_row7() {
	if ! gx node1 'dmsetup info r0lower >/dev/null 2>&1' 30; then
		faults_metric skipped "r0's lower device is /dev/vdb itself: run the stack phase with OCFKIT_CLUSTER_DRBD_DM=1 (a dm-linear table under it, dmsetup is in the image)"
		return 0
	fi
	local g o; read -r g o < <(faults_peer_of_guest)
	faults_t0
	gq "$g" "set -e; s=\$(blockdev --getsz /dev/vdb)
		dmsetup suspend r0lower; dmsetup load r0lower --table \"0 \$s error\"; dmsetup resume r0lower
		dd if=/dev/urandom of=$GFS2_DIR/faults-io-$g bs=64k count=4 conv=fsync status=none || true
		echo error target under r0 on $g" 120
	wait_for 300 3 "DRBD detached on $g (Diskless)" faults_dstate_is "$g" Diskless && faults_metric detached_s "$(faults_since_t0)"
	gx "$g" 'drbdadm role r0; drbdadm cstate r0; drbdadm dstate r0' 30 > "$D/drbd-degraded.txt"
	gx "$g" "dd if=/dev/urandom of=$GFS2_DIR/faults-io2-$g bs=64k count=4 conv=fsync status=none && echo gfs2 writable through the peer" 120 >> "$D/drbd-degraded.txt" ||
		faults_note "GFS2 on $g not writable while detached"
	sleep 60   # two monitor intervals of the Primary
	faults_gx_any 'crm_mon -1 --output-as=xml' > "$D/crm_mon-degraded.xml"
	gq "$g" "set -e; s=\$(blockdev --getsz /dev/vdb)
		dmsetup suspend r0lower; dmsetup load r0lower --table \"0 \$s linear /dev/vdb 0\"; dmsetup resume r0lower
		drbdadm attach r0; echo disk back on $g" 120
	faults_metric reattached_s "$(faults_since_t0)"
	wait_for 900 3 "DRBD UpToDate again on $g" faults_dstate_is "$g" UpToDate/UpToDate && faults_metric resynced_s "$(faults_since_t0)"
}

# drbd_config's hook (OCFKIT_CLUSTER_DRBD_DM=1): r0's lower device becomes /dev/mapper/r0lower,
# a dm-linear table over /dev/vdb that a oneshot unit sets up at every boot before Pacemaker.
drbd_lower_on_dm() {
	sed -i -e 's|disk /dev/vdb;|disk /dev/mapper/r0lower;|' \
		-e 's|fencing resource-and-stonith;|&\n\t\ton-io-error detach;|' "$SHARE/work/r0.res"
	cat > "$SHARE/work/ocfkit-r0lower.service" <<'UNIT'
[Unit]
Description=DRBD r0 lower device on a dm-linear table (lab fault injection)
DefaultDependencies=no
After=systemd-udev-settle.service
Before=pacemaker.service drbd.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'dmsetup info r0lower >/dev/null 2>&1 || echo "0 $(blockdev --getsz /dev/vdb) linear /dev/vdb 0" | dmsetup create r0lower'

[Install]
WantedBy=multi-user.target
UNIT
	gx_all 'install -m 0644 /host/work/ocfkit-r0lower.service /etc/systemd/system/ &&
		systemctl daemon-reload && systemctl enable --now ocfkit-r0lower.service 2>&1 && dmsetup table r0lower' 120 ||
		die "the dm table under r0 could not be set up"
	log "r0's lower device: /dev/mapper/r0lower (dm-linear over /dev/vdb)"
}
