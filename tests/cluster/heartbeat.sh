# Phase "heartbeat": the real heartbeat v1 daemon (Debian's heartbeat 3.0.6, `crm off`) on the
# two VMs instead of corosync/Pacemaker, with one haresources line over ocfkit's wrappers:
#
#   node1 drbd-dual::r0 gfs2fs::/dev/drbd0::/data::ext4 virtdomain::/data/labguest.xml
#
# a single-primary ext4 failover group (heartbeat v1 runs each group on one node), fenced by
# heartbeat's own stonith_host directive through cluster-glue's external plugin ocfkit-stonith
# (tests/heartbeat-compat/ocfkit-stonith, method lab -> fence_ocfkit_lab -> fenced.sh on the host). Then:
#   (a) `systemctl stop heartbeat` on the node holding the group: heartbeat stops virtdomain,
#       gfs2fs, drbd-dual there and the other node starts them: the guest runs there, the data
#       written before is intact;
#   (b) the qemu of the node holding the group killed: the survivor declares it dead, resets it
#       through stonith_host, then takes the group: the guest runs there, the data intact.
# Run on fresh VMs without the Pacemaker stack:
#   run.sh image boot heartbeat teardown
# Needs this tree's packages (built like the stack phase, or OCFKIT_CLUSTER_DEBS=DIR), and the
# heartbeat .debs the image lacks, fetched on the host with apt-get download into the share
# (the image and its cache key stay as they are). Sourced by run.sh.

HB_GROUP="node1 drbd-dual::r0 gfs2fs::/dev/drbd0::/data::ext4 virtdomain::/data/labguest.xml"
# Heartbeat's Depends that guest-packages.txt does not bring (the rest, cluster-glue included,
# is in the image already).
HB_DEBS=(heartbeat libheartbeat2 libxml2-utils inetutils-ping)

hb_fetch_debs() {
	local d=$SHARE/hbdebs
	rm -rf "$d"; mkdir -p "$d"
	(cd "$d" && apt-get download "${HB_DEBS[@]}" >&2) ||
		{ apt-get update >&2 && (cd "$d" && apt-get download "${HB_DEBS[@]}" >&2); } ||
		die "apt-get download ${HB_DEBS[*]} failed"
	log "heartbeat packages for the guests: $(cd "$d" && ls | tr '\n' ' ')"
}

hb_install() {
	cp "$CLUSTER_DIR/../heartbeat-compat/ocfkit-stonith" "$SHARE/work/ocfkit-stonith"
	gx_all "set -e
		export DEBIAN_FRONTEND=noninteractive
		apt-get install -y --no-install-recommends -o Acquire::Retries=0 /host/hbdebs/*.deb \
			> /tmp/ocfkit-hb-apt.log 2>&1 || { tail -25 /tmp/ocfkit-hb-apt.log; exit 1; }
		systemctl disable --now heartbeat >/dev/null 2>&1 || true
		dpkg-query -W -f '\${Package} \${Version}\n' heartbeat cluster-glue libstonith1
		install -m 0755 /host/work/ocfkit-stonith /usr/lib/stonith/plugins/external/ocfkit-stonith
		stonith -t external/ocfkit-stonith -p 'lab /host/fence' -S
		echo 'stonith device external/ocfkit-stonith (lab): status OK'
		# the wrappers come with ocfkit-heartbeat (absent in the stack phase's copy fallback)
		for w in drbd-dual gfs2fs virtdomain ocfkit-hbfuncs; do
			test -e /etc/ha.d/resource.d/\$w || { echo \"/etc/ha.d/resource.d/\$w missing (ocfkit-heartbeat)\"; exit 1; }
		done
		echo 'wrappers: drbd-dual gfs2fs virtdomain'" 600
}

# No Pacemaker in this phase: corosync and pacemaker must not run (the image has them disabled;
# a node that ran the stack phase would have them started).
hb_no_pacemaker() {
	gx_all 'for u in pacemaker corosync; do
			if systemctl is-active -q $u; then echo "$u is running: this phase needs fresh VMs (run.sh boot heartbeat)"; exit 1; fi
		done; echo "pacemaker, corosync: inactive"' 60
}

# DRBD single-primary (no allow-two-primaries, no Pacemaker fence-peer handler: heartbeat fences).
hb_drbd() {
	gx_all 'install -m 0644 /host/work/r0.res /etc/drbd.d/r0.res && drbdadm dump r0 >/dev/null' 60 ||
		die "drbd config rejected"
	drbd_initial_sync
	# The file system, the guest's disk and XML, made once on node1 (DRBD Primary there).
	labguest_disk "$SHARE/work/labguest.img"
	gq node1 'set -e
		drbdadm up r0; drbdadm primary r0
		mkfs.ext4 -q -F /dev/drbd0
		mkdir -p /data; mount /dev/drbd0 /data
		cp /host/work/labguest.img /host/work/labguest.xml /data/
		head -c 4M /dev/urandom > /data/payload; sha256sum /data/payload > /data/payload.sha256
		sync; cat /data/payload.sha256
		umount /data; drbdadm secondary r0' 300
	gx node2 'mkdir -p /data && drbdadm up r0' 60 || die "drbd up on node2"
	wait_for 300 3 "DRBD r0 Connected Secondary/Secondary UpToDate" \
		gx node1 'drbdadm cstate r0 | grep -qx Connected && drbdadm dstate r0 | grep -qx UpToDate/UpToDate' ||
		die "DRBD not connected"
}

# hb_write_configs DIR: what the phase installs in the guests, written on the host (a parse
# test checks it without VMs: tests/cluster/config-test.sh): ha.cf, authkeys, haresources, r0.res
# (single primary: no allow-two-primaries, no Pacemaker fence-peer handler, DRBD fencing
# dont-care, so node1's DRBD comes up UpToDate alone), labguest.xml with its disk on /data.
hb_write_configs() {
	local d=$1 n
	# Timings as the lab's corosync token (20 s): TCG guests on a loaded host stall for seconds.
	{
		cat <<EOF
crm off
logfile /var/log/ha-log
debugfile /var/log/ha-debug
logfacility none
use_logd no
realtime off
keepalive 2
warntime 10
deadtime 30
initdead 60
udpport 694
EOF
		for n in "${NODES[@]}"; do echo "ucast eth0 ${NODE_ADDR[$n]}"; done
		echo "auto_failback off"
		for n in "${NODES[@]}"; do echo "node $n"; done
		echo "stonith_host * external/ocfkit-stonith lab /host/fence"
	} > "$d/ha.cf"
	printf 'auth 1\n1 sha1 ocfkit-lab-heartbeat\n' > "$d/authkeys"
	printf '# node, then the resources in start order (stopped in reverse)\n%s\n' "$HB_GROUP" > "$d/haresources"
	sed -e '/allow-two-primaries/d' -e '/fencing resource-and-stonith/d' -e '/fence-peer/d' \
		-e 's/# Dual-primary:.*/# Single primary under heartbeat v1: heartbeat'"'"'s stonith_host fences./' \
		-e '/# Pacemaker.s fencer and the lab fence agent/d' \
		"$CLUSTER_DIR/conf/r0.res" > "$d/r0.res"
	sed 's|/srv/gfs2/vm/labguest.img|/data/labguest.img|' "$CLUSTER_DIR/conf/labguest.xml" > "$d/labguest.xml"
}

hb_config() {
	gx_all 'set -e
		install -m 0644 /host/work/ha.cf /host/work/haresources /etc/ha.d/
		install -m 0600 /host/work/authkeys /etc/ha.d/authkeys
		# libvirtd stays up (not the 120 s idle exit): virtdomain gets no call_timeout from
		# haresources, and a socket-activated start under TCG outlasts its default 10 s.
		echo LIBVIRTD_ARGS= > /etc/default/libvirtd
		systemctl restart libvirtd' 300 || die "heartbeat configuration failed"
	# Both daemons at once: one that waits initdead (60 s) for the other declares it dead and,
	# with stonith_host, resets it before taking the group.
	gx_all 'systemctl start heartbeat && systemctl is-active heartbeat' 120 || die "heartbeat did not start"
}

# hb_holds NODE: the whole group runs on NODE (DRBD Primary, /data mounted, labguest running).
hb_holds() {
	gx "$1" 'drbdadm role r0 2>/dev/null | grep -q ^Primary/ && findmnt -n -o SOURCE /data | grep -qx /dev/drbd0 &&
		virsh -q domstate labguest 2>/dev/null | grep -qx running' 60 >/dev/null
}
# hb_holds_none NODE: nothing of the group on NODE.
hb_holds_none() {
	gx "$1" '! drbdadm role r0 2>/dev/null | grep -q ^Primary/ && ! findmnt /data >/dev/null &&
		! virsh -q domstate labguest 2>/dev/null | grep -qx running' 60 >/dev/null
}
hb_data_intact() {
	gx "$1" 'cd /data && sha256sum -c payload.sha256 && { cat written-by 2>/dev/null || true; }' 120
}
hb_log() {  # hb_log NODE: heartbeat's resource and stonith record on NODE
	gx "$1" "grep -E -i 'Running /etc/ha.d|stonith|reset|is dead|takeover|acquir|releas|giving' /var/log/ha-log | tail -${2:-25}" 60
}

heartbeat_phase() {
	hb_no_pacemaker || die "Pacemaker or corosync running"
	hb_fetch_debs
	provide_agents
	report_agents
	hb_install || die "heartbeat install failed"
	hb_write_configs "$SHARE/work"
	grep -q allow-two-primaries "$SHARE/work/r0.res" && die "r0.res for heartbeat still dual-primary"
	hb_drbd
	hb_config

	wait_for 900 10 "node1 holds the group (DRBD Primary, /data, labguest running)" hb_holds node1 ||
		{ hb_log node1; die "node1 did not take its group"; }
	hb_holds_none node2 || die "node2 holds part of the group too"
	hb_data_intact node1 || die "data on node1"
	gq node1 'echo node1 > /data/written-by && sync' 60
	local c1; c1=$(labguest_counter node1); log "labguest counter on node1: $c1"
	gx node1 'cl_status rscstatus' 30

	# (a) clean handover
	local t=$SECONDS
	gx node1 'systemctl stop heartbeat; systemctl is-active heartbeat' 900
	wait_for 900 10 "(a) node2 holds the group after heartbeat stopped on node1" hb_holds node2 ||
		{ hb_log node1; hb_log node2; die "(a) no handover"; }
	log "(a) handover: $((SECONDS - t)) s from systemctl stop heartbeat"
	hb_holds_none node1 || die "(a) node1 still holds part of the group"
	hb_data_intact node2 || die "(a) data lost in the handover"
	[[ -s $RUN/fence-events ]] && die "(a) a clean handover fenced: $(cat "$RUN/fence-events")"
	local c2; c2=$(labguest_counter node2); log "(a) labguest counter on node2: $c2 (a fresh start: counts from 0)"
	hb_log node1 12; hb_log node2 12
	gq node2 'echo node2 > /data/written-by && head -c 1M /dev/urandom > /data/payload2 &&
		sha256sum /data/payload2 > /data/payload2.sha256 && sync' 120

	# node1 back as standby: the wrapper's stop only demoted r0 (as drbddisk), so it stayed
	# connected and replicated node2's writes; heartbeat started; auto_failback off keeps the
	# group on node2.
	gx node1 'drbdadm cstate r0 | grep -qx Connected' 60 || die "(a) node1's r0 is not connected after the handover"
	wait_for 600 5 "node1's DRBD UpToDate (Secondary, replicating)" \
		gx node1 'drbdadm dstate r0 | grep -qx UpToDate/UpToDate && drbdadm role r0 | grep -qx Secondary/Primary' ||
		die "node1 did not resync"
	gq node1 'systemctl start heartbeat' 120
	wait_for 300 10 "node1 sees node2 active" gx node1 'cl_status nodestatus node2 | grep -qx active' ||
		die "node1 does not see node2"
	# A rejoined node learns who holds what from its peer first ("transition" until then); a peer
	# lost before that leaves it holding nothing and taking nothing over.
	wait_for 300 5 "node1's resource state settled after its rejoin" \
		gx node1 'r=$(cl_status rscstatus) && [ -n "$r" ] && [ "$r" != transition ]' ||
		die "node1's resource state did not settle"
	local rs; rs=$(gx node1 'cl_status rscstatus' 30); [[ $rs == none ]] || die "node1 holds '$rs' after its rejoin, not none"
	hb_holds node2 || die "auto_failback off: the group left node2"

	# (b) node2 dies: its qemu killed (SIGTERM: stops dead, no shutdown, as in failover.sh).
	local pid; pid=$(vm_pid node2)
	t=$SECONDS
	kill -TERM "$pid"
	log "(b) node2's qemu ($pid) killed"
	wait_for 900 10 "(b) node1 holds the group after node2's death" hb_holds node1 ||
		{ hb_log node1; cat "$RUN/fence-events" >&2; die "(b) no failover"; }
	log "(b) failover: $((SECONDS - t)) s from the kill"
	grep -q "node2 node1" "$RUN/fence-events" || die "(b) node1 took over without fencing node2 (fence-events: $(cat "$RUN/fence-events" 2>/dev/null))"
	log "(b) fence-events: $(tr '\n' ';' < "$RUN/fence-events")"
	# heartbeat's order: node2 reset, then the takeover (drbd-dual's start) on node1.
	local order; order=$(gx node1 "grep -n -E 'node node2 now reset|Running /etc/ha.d/+resource.d/drbd-dual .*start' /var/log/ha-log | tail -4" 60)
	sed 's/^/    /' <<< "$order" >&2
	local r a
	r=$(grep 'now reset' <<< "$order" | tail -1 | cut -d: -f1); a=$(grep 'drbd-dual' <<< "$order" | tail -1 | cut -d: -f1)
	[[ -n $r && -n $a ]] && (( r < a )) || die "(b) node1's ha-log does not show node2 reset before the takeover"
	hb_data_intact node1 || die "(b) data lost in the failover"
	gq node1 'sha256sum -c /data/payload2.sha256' 60
	local c3; c3=$(labguest_counter node1); log "(b) labguest counter on node1: $c3"
	hb_log node1 20
	# node2 was reset (fenced.sh boots it again): wait for it so teardown stops it cleanly.
	wait_for 600 5 "node2 back on the command queue" vm_ready node2 || log "node2 did not come back"
}
