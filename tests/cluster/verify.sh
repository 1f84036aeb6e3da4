# Phase "verify": the healthy stack does what it is for. Sourced by run.sh (needs stack.sh).

# labguest_node: where Pacemaker runs the guest (from crm_mon XML).
labguest_node() {
	gx node1 'crm_mon -1 --output-as=xml' 60 | "$PY" -c '
import sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read())
for r in root.iter("resource"):
    if r.get("id") == "labguest" and r.get("role") == "Started":
        for n in r.iter("node"): print(n.get("name"))'
}

# Each node writes, the next one (in a ring) reads the same bytes back; then every node does
# 25 locked read-modify-write increments of one counter at the same time (DLM plocks).
verify_gfs2_io() {
	log "GFS2 mounted on all nodes:"
	gx_all "grep ' $GFS2_DIR gfs2 ' /proc/mounts" 60 >&2 || die "GFS2 not mounted on every node"
	local i w r a b count=${#NODES[@]}
	for ((i = 0; i < count; i++)); do
		w=${NODES[i]} r=${NODES[(i + 1) % count]}
		a=$(gx "$w" "dd if=/dev/urandom of=$GFS2_DIR/from-$w bs=1M count=4 status=none && sync $GFS2_DIR/from-$w && sha256sum < $GFS2_DIR/from-$w" 120)
		b=$(gx "$r" "sha256sum < $GFS2_DIR/from-$w" 120)
		log "written on $w: ${a:0:16}  read on $r: ${b:0:16}"
		[[ -n $a && $a == "$b" ]] || die "$r reads different data than $w wrote"
	done
	gx node1 "echo 0 > $GFS2_DIR/counter; sync" 60
	gx_all "for i in \$(seq 25); do flock $GFS2_DIR/counter -c 'n=\$(cat $GFS2_DIR/counter); echo \$((n+1)) > $GFS2_DIR/counter'; done" 900 ||
		die "flock increments failed"
	local n; n=$(gx "${NODES[count - 1]}" "cat $GFS2_DIR/counter" 60)
	log "concurrent flock increments from all $count nodes: $n (expected $((25 * count)))"
	[[ $n == $((25 * count)) ]] || die "lost updates under cluster locks: $n != $((25 * count))"
}

verify_drbd() {
	gx_all 'drbdadm status r0' 60 >&2
	drbd_primary_both || die "DRBD is not Primary/Primary UpToDate/UpToDate"
	log "DRBD Primary/Primary UpToDate/UpToDate"
}

labguest_on() { [[ $(labguest_node) == "$1" ]]; }

# migrate_guest TARGET: move labguest live and check it kept running (RAM counter continues).
migrate_guest() {
	local to=$1 from c0 c1 t0
	from=$(labguest_node)
	[[ -n $from ]] || die "labguest is not running"
	[[ $from != "$to" ]] || { log "labguest already on $to"; return 0; }
	c0=$(labguest_counter "$from")
	t0=$SECONDS
	gq node1 "crm_resource --move --resource labguest --node $to" 120
	wait_for 600 5 "labguest running on $to" labguest_on "$to" ||
		{ show_failures; die "labguest did not move to $to"; }
	c1=$(labguest_counter "$to")
	gq node1 "crm_resource --clear --resource labguest" 120
	local ops; ops=$(gx node1 "crm_resource --list-operations --resource labguest 2>/dev/null | grep -E 'migrate_(to|from)' | tail -2" 60)
	log "labguest $from -> $to in $((SECONDS - t0))s; RAM counter $c0 -> $c1; last operations:"
	printf '    %s\n' "$ops" >&2
	[[ -n $c0 && -n $c1 ]] && (( c1 >= c0 )) || die "guest state did not survive the move ($c0 -> $c1): not a live migration"
	grep -q "migrate_from" <<< "$ops" || die "no migrate_from operation recorded: the guest was restarted, not migrated"
}

verify_phase() {
	verify_drbd
	verify_gfs2_io
	local home other
	home=$(labguest_node); other=${NODE_PEER[$home]}
	log "labguest runs on $home"
	migrate_guest "$other"
	migrate_guest "$home"
	capture healthy-after-migration crm
}
