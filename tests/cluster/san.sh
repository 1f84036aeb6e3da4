# Phases of the san topology (OCFKIT_CLUSTER_TOPOLOGY=san; nodes, links and disks in
# san-topology.sh), sourced by run.sh after the pair's phase files: stack and verify replace the
# pair's, journals and san-faults are its own. The layers above the LUN are the pair's
# functions (stack.sh, verify.sh) on three nodes.

SAN_DATA=/dev/mapper/mpathdata
SAN_SBD=/dev/mapper/mpathsbd
PV_DEVICE=$SAN_DATA
VG=vgsan
# The GFS2 of the stack leaves room in the VG for the journals phase's second, smaller one.
LV_SIZE=448M
SMALL_LV=gfs2small
SMALL_DIR=/srv/gfs2small
# sbd's header: watchdog timeout 30 s, msgwait 60 s (a poison pill counts as delivered after
# msgwait). Generous for nodes emulated on a loaded host; Pacemaker's stonith-timeout above it.
SBD_WATCHDOG_S=30
SBD_MSGWAIT_S=60
AGENTS=(controld clvm gfs2fs virtdomain)

# LIO on the storage VM: both LUNs (its virtio disks vdb, vdc) in one target, on one portal per
# link, open to any initiator (a lab: no CHAP, no ACLs), saved so its boots restore it.
san_target() {
	local t=/iscsi/$SAN_IQN/tpg1
	gq san "set -e
		targetcli /backstores/block create name=data dev=/dev/vdb
		targetcli /backstores/block create name=sbd dev=/dev/vdc
		targetcli /iscsi create $SAN_IQN
		targetcli $t/portals delete 0.0.0.0 3260 2>/dev/null || true
		targetcli $t/portals create ${ISCSI_A[san]} 3260
		targetcli $t/portals create ${ISCSI_B[san]} 3260
		targetcli $t/luns create /backstores/block/data
		targetcli $t/luns create /backstores/block/sbd
		targetcli $t set attribute authentication=0 demo_mode_write_protect=0 generate_node_acls=1 cache_dynamic_acls=1
		targetcli saveconfig >/dev/null
		systemctl enable rtslib-fb-targetctl 2>/dev/null
		targetcli ls" 900 >&2
}

# san_paths_ok NODE: two iSCSI sessions and both maps with two active paths.
san_paths_ok() {
	gx "$1" "[ \$(iscsiadm -m session 2>/dev/null | wc -l) = 2 ] &&
		for m in mpathdata mpathsbd; do
			[ \$(multipath -ll \$m 2>/dev/null | grep -c 'active ready running') = 2 ] || exit 1
		done" 60 >/dev/null
}
san_paths_all() { local n; for n in "${NODES[@]}"; do san_paths_ok "$n" || return 1; done; }

# san_multipath_conf DATA-WWID SBD-WWID: the maps, named, and how long each queues I/O with no
# path left: no_path_retry 5 (x polling_interval 2 s = 10 s, then I/O errors). Set per map: the
# built-in device entry for LIO-ORG (no_path_retry 12) overrides the defaults section.
san_multipath_conf() {
	printf 'multipaths {\n'
	printf '\tmultipath {\n\t\twwid %s\n\t\talias %s\n\t\tno_path_retry 5\n\t}\n' "$1" mpathdata "$2" mpathsbd
	printf '}\n'
}

# Each node: its own initiator name (the image's would be shared by all three, and the target
# would take them for one initiator), sessions to both portals (logged in again at boot), and
# the two maps named by the LUNs' WWIDs, the same on every node.
san_initiators() {
	local hosts="10.77.0.3 node3\n${ISCSI_A[san]} san"
	gx_all "set -e
		grep -q '^10.77.0.3 ' /etc/hosts || printf '$hosts\n' >> /etc/hosts
		echo InitiatorName=iqn.2026-12.test.ocfkit:\$(uname -n) > /etc/iscsi/initiatorname.iscsi
		systemctl restart iscsid
		iscsiadm -m discovery -t sendtargets -p ${ISCSI_A[san]}
		iscsiadm -m discovery -t sendtargets -p ${ISCSI_B[san]}
		iscsiadm -m node -L all
		iscsiadm -m session" 600 >&2 || die "iSCSI login failed"
	# Which WWID is which LUN: by size, seen from node1.
	local ids
	ids=$(gx node1 'for i in $(seq 60); do [ $(ls -d /sys/block/sd* 2>/dev/null | wc -l) -ge 4 ] && break; sleep 1; done
		for d in /sys/block/sd*; do
			echo "$(cat $d/size) $(/lib/udev/scsi_id -g -u -d /dev/${d##*/})"
		done | sort -u' 120)
	log "LUNs (sectors, WWID): $(tr '\n' ' ' <<< "$ids")"
	local data sbd
	data=$(awk -v s=$((SAN_DATA_MB * 2048)) '$1 == s { print $2 }' <<< "$ids" | head -1)
	sbd=$(awk -v s=$((SAN_SBD_MB * 2048)) '$1 == s { print $2 }' <<< "$ids" | head -1)
	[[ -n $data && -n $sbd ]] || die "cannot tell the data and sbd LUNs apart"
	san_multipath_conf "$data" "$sbd" > "$SHARE/work/ocfkit-san-multipath.conf"
	gx_all "install -m 0644 /host/work/ocfkit-san-multipath.conf /etc/multipath/conf.d/ocfkit-san.conf &&
		systemctl enable multipathd open-iscsi iscsid >/dev/null 2>&1; systemctl restart multipathd" 300 >&2 ||
		die "multipath configuration failed"
	wait_for 300 5 "two iSCSI sessions and two active paths per map on every node" san_paths_all ||
		{ gx_all 'iscsiadm -m session; multipath -ll' 60 >&2; die "multipath not ready"; }
	gx node1 "multipath -ll" 60 >&2
}

# sbd: the poison-pill LUN formatted once, every node's daemon on it with the watchdog.
san_sbd() {
	gq node1 "sbd -d $SAN_SBD -1 $SBD_WATCHDOG_S -4 $SBD_MSGWAIT_S create && sbd -d $SAN_SBD dump" 120 >&2
	gx_all "set -e
		test -c /dev/watchdog
		cat > /etc/default/sbd <<SBD
SBD_DEVICE=$SAN_SBD
SBD_PACEMAKER=yes
SBD_STARTMODE=always
SBD_DELAY_START=no
SBD_WATCHDOG_DEV=/dev/watchdog
SBD_WATCHDOG_TIMEOUT=$SBD_WATCHDOG_S
SBD_TIMEOUT_ACTION=flush,reboot
SBD_MOVE_TO_ROOT_CGROUP=auto
SBD_SYNC_RESOURCE_STARTUP=yes
SBD
		systemctl enable sbd 2>&1 | grep -v Created || true
		echo \"watchdog: \$(cat /sys/class/watchdog/watchdog0/identity 2>/dev/null)\"" 120 >&2 ||
		die "sbd configuration failed (no /dev/watchdog?)"
}

sbd_running_all() { gx_all 'pgrep -x sbd >/dev/null' 30 >/dev/null; }

# san_base_batch CONTROLD CLVM: the base pcs batch (config-test.sh runs it through pcs on the host).
san_base_batch() {
	echo "
pcs -f \$CIB property set stonith-enabled=true no-quorum-policy=freeze stonith-timeout=$((SBD_MSGWAIT_S * 2 + 30))s
pcs -f \$CIB property set load-threshold=1000% --force
pcs -f \$CIB resource defaults update resource-stickiness=100
pcs -f \$CIB resource op defaults update timeout=180s
pcs -f \$CIB stonith create fence-sbd fence_sbd devices=$SAN_SBD power_timeout=$((SBD_MSGWAIT_S + 30)) \\
	op monitor interval=600s timeout=120s --force
pcs -f \$CIB resource create dlm $1 op monitor interval=30s timeout=120s on-fail=fence \\
	start timeout=180s stop timeout=180s clone $PCS_CLONE_META interleave=true ordered=true $PCS_FUTURE
pcs -f \$CIB resource create lvmlockd $2 op monitor interval=30s timeout=120s on-fail=fence \\
	start timeout=180s stop timeout=180s clone $PCS_CLONE_META interleave=true ordered=true $PCS_FUTURE
pcs -f \$CIB constraint order start dlm-clone then start lvmlockd-clone
pcs -f \$CIB constraint colocation add lvmlockd-clone with dlm-clone INFINITY
"
}

san_stack_base() {
	pcs_batch base "$(san_base_batch "$(agent_for controld)" "$(agent_for clvm)")"
	wait_for 600 10 "dlm_controld with lockspaces API on all nodes" dlm_running_both || { show_failures; die "dlm not running"; }
	wait_for 600 10 "lvmlockd on all nodes" lvmlockd_running_both || { show_failures; die "lvmlockd not running"; }
}

stack_phase() {
	provide_agents
	report_agents
	san_target
	san_initiators
	san_sbd
	capture san-sbd-created san
	corosync_setup
	wait_for 300 5 "sbd running on all nodes" sbd_running_all || die "sbd did not start with corosync"
	san_stack_base
	capture base san dlm lvm crm
	shared_storage
	stack_fs
	# On a SAN, multipath and iSCSI may queue a lost node's I/O long enough that nothing it
	# mounted ever sees an error: a depth-20 monitor (a status file written and read back,
	# O_DIRECT) finds such a node, and on-fail=fence takes it out.
	pcs_batch fs-depth20 "pcs -f \$CIB resource op add gfs2 monitor interval=61s OCF_CHECK_LEVEL=20 timeout=90s on-fail=fence"
	stack_vm
	capture healthy san dlm lvm crm mount gfs2
	no_failures || { show_failures; log "WARNING: Pacemaker reports failed actions (above)"; }
}

verify_phase() {
	san_paths_all || die "a node lacks a session or a path"
	gx_all "echo \"\$(iscsiadm -m session | wc -l) sessions; \$(multipath -ll mpathdata | grep -c 'active ready running') active paths to mpathdata\"" 60 >&2
	gx node1 "sbd -d $SAN_SBD list" 60 >&2
	verify_gfs2_io
	local start; start=$(labguest_node)
	log "labguest runs on $start"
	[[ $start == node1 ]] || migrate_guest node1
	migrate_guest node2
	migrate_guest node3
	migrate_guest node1
	capture healthy-after-migration san crm
}

# ---- journals: GFS2 journal count against the nodes mounting it ---------------------------

# gfs2fs_validate NODE CLONE_MAX: the agent's validate-all as Pacemaker runs it for a clone
# instance of the stack's GFS2 (3 journals), at the depth of a start; prints "rc=N reason".
gfs2fs_validate() {
	gx "$1" "OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=gfs2 OCF_RESKEY_device=/dev/$VG/$LV \
		OCF_RESKEY_directory=$GFS2_DIR OCF_RESKEY_fstype=gfs2 OCF_RESKEY_CRM_meta_clone=0 \
		OCF_RESKEY_CRM_meta_clone_max=$2 OCF_CHECK_LEVEL=10 \
		/usr/lib/ocf/resource.d/custom/gfs2fs validate-all > /tmp/v.out 2>&1; rc=\$?
		echo \"rc=\$rc \$(sed -n 's/^ocf-exit-reason://p' /tmp/v.out | tail -1)\"" 120
}

# mount_ids DIR: "node:mount-id" of DIR on every node that has it mounted (a remount gets a new id).
mount_ids() {
	local n
	for n in "${NODES[@]}"; do
		gx "$n" "awk -v d=$1 '\$5 == d { print \"$n:\" \$1 }' /proc/self/mountinfo" 30
	done | sort | paste -sd' '
}

# The journals phase's pcs batches (config-test.sh runs them through pcs on the host): gfs2small
# as a clone of 2 after lvmlockd, its clone-max raised to 3, disabled, deleted.
small_batch() {
	echo "
pcs -f \$CIB resource create gfs2small $1 device=/dev/$VG/$SMALL_LV directory=$SMALL_DIR fstype=gfs2 \\
	options=noatime op monitor interval=20s timeout=120s start timeout=180s stop timeout=180s \\
	clone $PCS_CLONE_META interleave=true clone-max=2 $PCS_FUTURE
pcs -f \$CIB constraint order start lvmlockd-clone then start gfs2small-clone
pcs -f \$CIB constraint colocation add gfs2small-clone with lvmlockd-clone INFINITY
"
}
SMALL_MAX3="pcs -f \$CIB resource meta gfs2small-clone clone-max=3"
SMALL_STOP="pcs -f \$CIB resource disable gfs2small-clone"
SMALL_DELETE="pcs -f \$CIB resource delete gfs2small --force"

small_failure_reason() {
	gx node1 'crm_mon -1 --output-as=xml' 60 |
		sed -n 's/.*<failure op_key="gfs2small[^"]*start_0" node="\([^"]*\)".*exitreason="\([^"]*\)".*/\1: \2/p' | head -1
}
small_failures() { gx node1 'crm_mon -1 --output-as=xml' 60 | grep '<failure op_key="gfs2small_'; }
small_unmounted() { [[ -z $(mount_ids "$SMALL_DIR") ]]; }
small_clean() { ! small_failures >/dev/null; }

# gfs2small and its LV gone (again): a run stopped midway leaves them, and clvm activates every
# LV of the VG at its start, so a node booted since has the LV active. The failed start is
# cleaned up while the resource still exists: the history of a deleted clone instance is
# orphaned, and its failure would stay in crm_mon for every later no_failures check.
small_remove() {
	if gx node1 "cibadmin -Q --xpath \"//primitive[@id='gfs2small']\"" 60 >/dev/null 2>&1; then
		pcs_batch small-stop "$SMALL_STOP"
		wait_for 300 5 "gfs2small stopped everywhere" small_unmounted || { show_failures; die "gfs2small still mounted"; }
		gq node1 "crm_resource --cleanup --resource gfs2small-clone >/dev/null" 120
		wait_for 120 5 "gfs2small's failed start cleaned up" small_clean || { show_failures; die "gfs2small's failure stays"; }
		pcs_batch small-delete "$SMALL_DELETE"
	fi
	if gx node1 "lvs $VG/$SMALL_LV >/dev/null 2>&1" 60 >/dev/null; then
		gx_all "lvchange -an $VG/$SMALL_LV" 300 >&2 || die "cannot deactivate $SMALL_LV on every node"
		gq node1 "lvremove -y $VG/$SMALL_LV" 300 >&2
	fi
}

journals_phase() {
	# After `up` the cluster is still starting (iSCSI login, sbd, corosync, the clones).
	wait_for 900 10 "the stack whole (all nodes online, GFS2 on all, the guest running)" all_back ||
		{ show_failures; die "the stack is not whole"; }
	[[ $(agent_for gfs2fs) == ocf:custom:gfs2fs ]] || die "the journals phase needs ocfkit's gfs2fs in the guests"
	local v
	v=$(gfs2fs_validate node1 3); log "validate-all, 3 journals, clone-max=3: $v"
	[[ $v == rc=0* ]] || die "validate-all refused clone-max=3 with 3 journals"
	v=$(gfs2fs_validate node1 4); log "validate-all, 3 journals, clone-max=4: $v"
	[[ $v == "rc=5 "*"3 journal(s)"*"clone-max=4"* ]] || die "validate-all did not refuse clone-max=4 with 3 journals by the count"

	# A second GFS2 with 2 journals, as a clone of 2, then of 3: the third node's start must
	# refuse by the journal count, at once, and the two mounted instances stay as they are.
	small_remove
	local gfs2; gfs2=$(agent_for gfs2fs)
	gq node1 "set -e
		lvcreate -an -Zn -n $SMALL_LV -l 100%FREE $VG
		lvchange -aey $VG/$SMALL_LV
		mkfs.gfs2 -O -p lock_dlm -t $CLUSTER_NAME:small -j 2 -J 8 /dev/$VG/$SMALL_LV
		lvchange -an $VG/$SMALL_LV" 600 >&2
	gx_all "mkdir -p $SMALL_DIR && lvchange -asy $VG/$SMALL_LV" 300 >&2 || die "cannot activate $SMALL_LV everywhere"
	pcs_batch small "$(small_batch "$gfs2")"
	small_on_two() { [[ $(mount_ids "$SMALL_DIR" | wc -w) == 2 ]]; }
	wait_for 600 10 "gfs2small mounted on two nodes" small_on_two || { show_failures; die "gfs2small not on two nodes"; }
	local before main_before; before=$(mount_ids "$SMALL_DIR"); main_before=$(mount_ids "$GFS2_DIR")
	log "gfs2small (2 journals) mounted: $before"
	local t0=$SECONDS
	pcs_batch small-max3 "$SMALL_MAX3"
	local reason=
	small_refused() { reason=$(small_failure_reason); [[ -n $reason ]]; }
	wait_for 600 5 "the third node's gfs2small start refused" small_refused || { show_failures; die "no refused start"; }
	log "refused after $((SECONDS - t0))s: $reason"
	[[ $reason == *"2 journal(s)"*"clone-max=3"* ]] || die "the refusal does not name the journal count"
	local after main_after; after=$(mount_ids "$SMALL_DIR"); main_after=$(mount_ids "$GFS2_DIR")
	log "gfs2small mounted after: $after; the stack's GFS2: $main_after"
	[[ $after == "$before" ]] || die "the two mounted instances changed ($before -> $after)"
	[[ $main_after == "$main_before" ]] || die "the stack's GFS2 was remounted ($main_before -> $main_after)"
	capture journals-refused crm gfs2
	gx node1 "crm_mon -1 | grep -A3 -i 'failed resource actions'" 60 >&2 || true
	small_remove
	no_failures || { show_failures; log "WARNING: failures other than gfs2small's remain (above)"; }
}

# ---- san-faults ----------------------------------------------------------------------------

boot_id() { gx "$1" 'cat /proc/sys/kernel/random/boot_id' 20 2>/dev/null; }
# The boot id the node's command queue announced at its last boot (readable while it is down).
ready_boot_id() { cut -d' ' -f1 "$SHARE/q/$1/ready" 2>/dev/null; }
rebooted() { local b; b=$(ready_boot_id "$1"); [[ -n $b && $b != "$2" ]]; }
# console_boots VM: kernels VM has started so far, from its serial log (the banner comes first
# thing at every boot): one more than before = a reset happened, long before the node is up.
console_boots() { local c; c=$(grep -c 'Linux version' "$RUN/$1.console.log" 2>/dev/null); echo "${c:-0}"; }
reset_seen() { (( $(console_boots "$1") > $2 )); }
gfs2_writable() { gx "$1" "date +%s.%N >> $GFS2_DIR/alive-$1 && sync $GFS2_DIR/alive-$1" 30 >/dev/null; }
survivors_writable() {
	local n
	for n in "${NODES[@]}"; do [[ $n == "$1" ]] || gfs2_writable "$n" || return 1; done
}
guest_on_survivor() {  # NODE: labguest runs on another node (the dead one is not asked)
	local n
	for n in "${NODES[@]}"; do
		[[ $n == "$1" ]] && continue
		gx "$n" 'virsh -q domstate labguest 2>/dev/null | grep -qx running' 60 && return 0
	done
	return 1
}
# fence_successes NODE: successful fencing of NODE in the history (stonith_admin's XML: its
# text form differs between Pacemaker releases), the most any other node's fencer knows of.
fence_successes() {
	local n c max=0
	for n in "${NODES[@]}"; do
		[[ $n == "$1" ]] && continue
		c=$(gx "$n" "stonith_admin --history $1 --output-as=xml 2>/dev/null" 30 | fence_success_count "$1")
		(( c > max )) && max=$c
	done
	echo "$max"
}
fence_success_count() { grep '<fence_event ' | grep "target=\"$1\"" | grep -c 'status="success"' || true; }
fenced_since() { (( $(fence_successes "$1") > $2 )); }
all_back() { nodes_online && gfs2_mounted_both && guest_running_somewhere; }
set_link() { hmp "$1" "set_link $2 $3" >/dev/null; }

# One of a node's two iSCSI links cut: multipath carries on over the other, nothing fails.
fault_one_link() {
	local n=$1 t0=$SECONDS
	loud "fault: $n loses iscsi-a"
	set_link "$n" iscsi-a off
	path_failed() { gx "$n" "multipath -ll mpathdata | grep -qE 'failed|faulty'" 30; }
	wait_for 120 2 "$n: one path of mpathdata failed" path_failed || log "no failed path seen on $n"
	local i ok=0
	for i in 1 2 3 4 5 6; do gfs2_writable "$n" && ok=$((ok + 1)); sleep 5; done
	log "$n wrote and synced GFS2 $ok of 6 times over 30 s on one path ($((SECONDS - t0))s after the cut)"
	gx "$n" 'multipath -ll mpathdata; iscsiadm -m session' 60 >&2
	capture_on "$n" one-link-cut san
	local failed=0; no_failures || { show_failures; failed=1; }
	set_link "$n" iscsi-a on
	wait_for 300 5 "$n: both paths back" san_paths_ok "$n" || die "the path did not come back"
	(( failed == 0 )) || die "Pacemaker recorded failures with one link cut"
	(( ok == 6 )) || die "GFS2 writes failed on $n with one path left"
}

# Kill a node: its kernel panics and stays down (panic=0), so only its watchdog resets it,
# once sbd stops feeding it; the others fence it with the poison pill and carry on. The guest
# runs there first, so its restart on a survivor is part of the row.
fault_kill() {
	local n=$1 b0 boots f0 t0
	migrate_guest "$n"
	loud "fault: $n hangs (kernel panic, no reboot by itself)"
	b0=$(boot_id "$n"); boots=$(console_boots "$n"); f0=$(fence_successes "$n")
	t0=$SECONDS
	gx "$n" 'echo 0 > /proc/sys/kernel/panic; sync; echo c > /proc/sysrq-trigger' 5 >/dev/null 2>&1
	# Every event, the first time it is seen (they come in any order).
	local -A at=()
	while (( SECONDS - t0 < 900 )) && (( ${#at[@]} < 5 )); do
		[[ -z ${at[reset]:-} ]] && reset_seen "$n" "$boots" && at[reset]=$((SECONDS - t0)) && log "$n reset (a new kernel on its console)"
		[[ -z ${at[fenced]:-} ]] && fenced_since "$n" "$f0" && at[fenced]=$((SECONDS - t0)) && log "$n fenced (fence_sbd)"
		# Before the fence the survivors' GFS2 waits for DLM recovery: asked only after it.
		[[ -n ${at[fenced]:-} && -z ${at[write]:-} ]] && survivors_writable "$n" && at[write]=$((SECONDS - t0)) && log "survivors write GFS2"
		[[ -z ${at[guest]:-} ]] && guest_on_survivor "$n" && at[guest]=$((SECONDS - t0)) && log "labguest runs on a survivor"
		[[ -n ${at[reset]:-} && -z ${at[booted]:-} ]] && rebooted "$n" "$b0" && at[booted]=$((SECONDS - t0)) && log "$n booted again"
		sleep 5
	done
	log "kill $n (s after the panic): reset ${at[reset]:--}, fenced ${at[fenced]:--}, survivors writing ${at[write]:--}, guest on a survivor ${at[guest]:--}, booted ${at[booted]:--}"
	(( ${#at[@]} == 5 )) || { show_failures; die "kill $n: not everything happened within 900 s (above)"; }
	capture peer-fenced-sbd san crm
	wait_for 1200 10 "$n rejoined, GFS2 on all, guest running" all_back || { show_failures; die "$n did not rejoin"; }
	log "kill $n: rejoined $((SECONDS - t0))s after the panic; fences of $n since: $(( $(fence_successes "$n") - f0 ))"
	capture after-rejoin san crm
}

# Both links of a node cut: its I/O fails after multipath's queueing (no_path_retry), GFS2
# there withdraws (read-only: gfs2fs's monitor fails, on-fail=fence), it is fenced and sbd,
# without its disk and no longer healthy in Pacemaker, resets it; the others go on. qemu keeps a
# NIC's link down across a guest reset, and the node logs in to the portals once at boot: the
# links come back as soon as its console shows the reset, before that login.
fault_both_links() {
	local n=$1 b0 boots f0 t0
	loud "fault: $n loses both iSCSI links"
	# How long its maps queue I/O with no path left (%Q: no_path_retry as configured).
	gx "$n" "multipathd show maps format '%n queueing %Q'" 30 >&2
	b0=$(boot_id "$n"); boots=$(console_boots "$n"); f0=$(fence_successes "$n"); t0=$SECONDS
	set_link "$n" iscsi-a off; set_link "$n" iscsi-b off
	# An application's write there: the I/O error path, not an idle file system.
	gx "$n" "date >> $GFS2_DIR/alive-$n; sync $GFS2_DIR/alive-$n" 5 >/dev/null 2>&1
	local -A at=()
	while (( SECONDS - t0 < 900 )); do
		if [[ -z ${at[reset]:-} ]] && reset_seen "$n" "$boots"; then
			at[reset]=$((SECONDS - t0))
			set_link "$n" iscsi-a on; set_link "$n" iscsi-b on
			log "$n reset (a new kernel on its console); its links are back"
		fi
		[[ -z ${at[fenced]:-} ]] && fenced_since "$n" "$f0" && at[fenced]=$((SECONDS - t0)) && log "$n fenced (fence_sbd)"
		[[ -n ${at[reset]:-} && -z ${at[booted]:-} ]] && rebooted "$n" "$b0" && at[booted]=$((SECONDS - t0)) && log "$n booted again"
		[[ -n ${at[booted]:-} ]] && break
		# Neither fenced nor reset after 600 s, or fenced and still running 300 s later.
		if { [[ -z ${at[reset]:-} && -z ${at[fenced]:-} ]] && (( SECONDS - t0 > 600 )); } ||
			{ [[ -z ${at[reset]:-} && -n ${at[fenced]:-} ]] && (( SECONDS - t0 - at[fenced] > 300 )); }; then
			break
		fi
		sleep 5
	done
	log "both links of $n cut (s after the cut): fenced ${at[fenced]:--}, reset ${at[reset]:--}, booted ${at[booted]:--}"
	if [[ -z ${at[reset]:-} ]]; then
		gx "$n" "grep ' $GFS2_DIR ' /proc/self/mountinfo; dmesg | grep -iE 'gfs2|withdr|multipath|device-mapper' | tail -15;
			journalctl -u sbd --no-pager | tail -15" 60 >&2
		show_failures
		set_link "$n" iscsi-a on; set_link "$n" iscsi-b on
		die "$n was not reset within $((SECONDS - t0)) s with both links cut${at[fenced]:+ (although fenced ${at[fenced]} s after the cut)}"
	fi
	[[ -n ${at[booted]:-} ]] || die "$n was reset but did not boot"
	# DLM recovers once the node has left the membership and is fenced after that: the fence
	# before its reset may not count for dlm_controld, which then asks for another.
	wait_for 600 10 "survivors write GFS2" survivors_writable "$n" || die "survivors cannot write GFS2 after $n was reset"
	wait_for 1200 10 "$n rejoined, GFS2 on all, guest running" all_back || { show_failures; die "$n did not rejoin"; }
	log "both links of $n cut: rejoined $((SECONDS - t0))s after the cut; fences of $n since: $(( $(fence_successes "$n") - f0 ))"
}

# A clean reboot: Pacemaker stops (guest moved, GFS2 unmounted) before the sessions log out;
# the shutdown must not hang and nobody fences the node. The guest runs there first. journald
# keeps its journal in RAM: this node's is made persistent for the reboot, to read the order
# of the shutdown from it afterwards.
fault_reboot() {
	local n=$1 b0 f0 t0
	migrate_guest "$n"
	gq "$n" 'mkdir -p /etc/systemd/journald.conf.d /var/log/journal &&
		printf "[Journal]\nStorage=persistent\n" > /etc/systemd/journald.conf.d/zz-ocfkit-reboot.conf &&
		systemctl restart systemd-journald && journalctl --flush' 120
	loud "fault: clean reboot of $n"
	b0=$(boot_id "$n"); f0=$(fence_successes "$n"); t0=$SECONDS
	gx "$n" 'systemctl reboot' 10 >/dev/null 2>&1
	wait_for 900 5 "$n rebooted" rebooted "$n" "$b0" || die "$n did not reboot within 900 s (shutdown hung?)"
	local t_boot=$((SECONDS - t0))
	fenced_since "$n" "$f0" && die "$n was fenced during a clean reboot"
	wait_for 1200 10 "$n rejoined, GFS2 on all, guest running" all_back || { show_failures; die "$n did not rejoin"; }
	local order
	order=$(gx "$n" "journalctl -b -1 -o short-monotonic --no-pager 2>/dev/null |
		grep -E 'Stopp(ing|ed) pacemaker.service|Stopp(ing|ed) open-iscsi.service|Logging out of session|Logout of .* successful' " 60)
	gq "$n" 'rm -f /etc/systemd/journald.conf.d/zz-ocfkit-reboot.conf && systemctl restart systemd-journald &&
		rm -rf /var/log/journal' 120
	sed 's/^/    /' <<< "$order" >&2
	local stopped logout
	stopped=$(grep -n 'Stopped pacemaker.service' <<< "$order" | head -1 | cut -d: -f1)
	logout=$(grep -n -E 'Stopping open-iscsi.service|Logging out of session' <<< "$order" | head -1 | cut -d: -f1)
	if [[ -n $stopped && -n $logout ]]; then
		(( stopped < logout )) || die "the iSCSI sessions logged out before Pacemaker had stopped"
		log "Pacemaker stopped before the iSCSI logout (journal of the previous boot, above)"
	else
		log "WARNING: cannot tell the shutdown order from the previous boot's journal (above)"
	fi
	log "clean reboot of $n: back up ${t_boot}s, rejoined $((SECONDS - t0))s, not fenced"
}

san-faults_phase() {
	# Each row records only its own failures: what earlier phases left is shown, then cleaned.
	if ! no_failures; then
		show_failures
		log "WARNING: failed actions before san-faults (above); cleaning them up"
		gq node1 'crm_resource --cleanup >/dev/null' 120
		wait_for 300 10 "no failed actions" no_failures || die "failed actions stay after a cleanup"
	fi
	wait_for 600 10 "the stack whole before the faults" all_back || { show_failures; die "the stack is not whole"; }
	fault_one_link node2
	fault_kill node3
	fault_both_links node2
	fault_reboot node1
	no_failures || show_failures
}
