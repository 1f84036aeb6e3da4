#!/bin/bash
# The real heartbeat v1 daemon (Debian's heartbeat 3.0.6, `crm off`, haresources) on one host:
# two "nodes", each a network namespace (a veth link between them, heartbeat's ucast over it)
# plus a mount and UTS namespace of its own (its own hostname, /etc/ha.d, /var/lib/heartbeat,
# /run). The haresources line runs this build's gfs2fs wrapper and agent on an ext4 loop device:
#
#   node1 gfs2fs::/dev/loopN::<workdir>/data::ext4
#
# and the script shows, timed:
#   (a) `heartbeat -k` on the node holding the group: heartbeat stops the wrapper there, the
#       other node starts it, the data written before is intact;
#   (b) the holding node killed (SIGKILL to every process of its namespace): the survivor's
#       heartbeat declares it dead, resets it through the stonith_host directive (cluster-glue's
#       external plugin ocfkit-stonith, beside this script, method netns) and only then takes the group; data
#       intact.
# What it cannot show on one kernel: crash consistency of the file system (both namespaces share
# the page cache); that is the VM tier's (tests/cluster/heartbeat.sh).
#
#   hb-netns.sh BUILDDIR      as root, under flock /tmp/ocfkit-host.lock (it uses a loop device)
# Exit 0 all checks passed, 1 a check failed, 77 heartbeat (or ip/unshare/nsenter) missing.
set -uo pipefail
[[ $# -ge 1 ]] || { echo "usage: $0 BUILDDIR" >&2; exit 2; }
build=$(cd "$1" && pwd) || exit 2
here=$(cd "$(dirname "$0")" && pwd)
HB=/usr/libexec/heartbeat/heartbeat
for t in "$HB" /usr/bin/cl_status /usr/sbin/stonith; do
	[[ -x $t ]] || { echo "SKIP: $t missing (apt-get install heartbeat)"; exit 77; }
done
for t in ip unshare nsenter losetup mkfs.ext4; do
	command -v "$t" >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done
[[ $(id -u) == 0 ]] || { echo "SKIP: needs root"; exit 77; }
wrappers=$build/heartbeat-compat
agent=$build/agents/gfs2fs/gfs2fs
[[ -x $agent && -f $wrappers/gfs2fs ]] || { echo "FAIL: build $agent and $wrappers first"; exit 1; }

T0=$SECONDS
W=$(mktemp -d /tmp/ocfkit-hbnetns.XXXXXX)
tag=$$
declare -A NS=([node1]=ocfkit-hb$tag-1 [node2]=ocfkit-hb$tag-2)
declare -A ADDR=([node1]=10.78.0.1 [node2]=10.78.0.2)
declare -A PEER=([node1]=node2 [node2]=node1)
loop=
fails=0 checks=0

say() { printf '%4ds %s\n' $((SECONDS - T0)) "$*"; }
ok() { checks=$((checks + 1)); say "ok: $*"; }
bad() { checks=$((checks + 1)); fails=$((fails + 1)); say "FAIL: $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

init_pid() { cat "$W/state/$1.init" 2>/dev/null; }
node_alive() { local p; p=$(init_pid "$1") && [[ -n $p ]] && kill -0 "$p" 2>/dev/null; }
# on NODE CMD...: run CMD inside NODE's namespaces (network, mount, UTS), root directory
# and working directory (entering a mount namespace resets a chrooted caller's root: the
# Debian 13 tier runs in one).
on() { local n=$1; shift; nsenter -t "$(init_pid "$n")" -n -m -u -r -w -- "$@"; }
holds() { [[ $(on "$1" findmnt -n -o SOURCE --mountpoint "$W/data" 2>/dev/null) == "$loop" ]]; }
hb_running() { on "$1" sh -c '[ -s /run/heartbeat.pid ] && kill -0 "$(cat /run/heartbeat.pid)"' 2>/dev/null; }
rscstatus() { on "$1" cl_status rscstatus 2>/dev/null; }
peer_seen() { [[ $(on "$1" cl_status nodestatus "${PEER[$1]}" 2>/dev/null) == active ]]; }
both_seen() { peer_seen node1 && peer_seen node2; }
rsc_is() { local r; r=$(rscstatus "$1"); [[ $r == "$2" ]] || { echo "  $1: cl_status rscstatus: $r"; return 1; }; }
# heartbeat reports "transition" until its resource scripts are done, a little after the mount.
rsc_becomes() { local t=$SECONDS; until [[ $(rscstatus "$1") == "$2" ]]; do ((SECONDS - t < 30)) || { rsc_is "$@"; return; }; sleep 0.5; done; }
not() { ! "$@"; }

kill_netns_procs() {  # NS: SIGKILL every process in that network namespace
	local ino p
	ino=$(ip netns exec "$1" readlink /proc/self/ns/net 2>/dev/null) || return 0
	for p in /proc/[0-9]*; do
		[[ $(readlink "$p/ns/net" 2>/dev/null) == "$ino" ]] && kill -KILL "${p#/proc/}" 2>/dev/null
	done
	return 0
}

cleanup() {
	local n
	for n in node1 node2; do kill_netns_procs "${NS[$n]}"; done
	sleep 0.5
	for n in node1 node2; do ip netns del "${NS[$n]}" 2>/dev/null; done
	[[ -n $loop ]] && losetup -d "$loop" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
# A signal (meson's or timeout's) must clean up too: namespaces, loop device, daemons.
trap 'exit 143' TERM INT HUP

# wait_until TIMEOUT DESC CMD...: poll every 0.5 s; prints how long it took.
wait_until() {
	local timeout=$1 desc=$2 start=$SECONDS; shift 2
	until "$@"; do
		if (( SECONDS - start >= timeout )); then bad "$desc (not within ${timeout}s)"; return 1; fi
		sleep 0.5
	done
	ok "$desc after $((SECONDS - start))s"
}

# --- the two nodes' files ---------------------------------------------------------------------
truncate -s 64M "$W/disk.img"
loop=$(losetup -f --show "$W/disk.img") || { echo "FAIL: losetup"; exit 1; }
mkfs.ext4 -q -F "$loop" || { echo "FAIL: mkfs.ext4 $loop"; exit 1; }
mkdir -p "$W/data" "$W/state"

# A stop that fails makes heartbeat's ResourceManager kill every "heartbeat" process and reboot
# the machine (RecoverFromFailedStop): inside the nodes, reboot and init are this guard instead.
printf '#!/bin/sh\necho "hb-netns guard: $0 $* refused (a node may not reboot the host)" >&2\nexit 1\n' > "$W/guard"
chmod 755 "$W/guard"

for n in node1 node2; do
	d=$W/$n
	mkdir -p "$d/lib" "$d/ocf" "$d/stonith"
	cp -a /etc/ha.d "$d/ha.d"
	cp -a /var/lib/heartbeat/. "$d/lib/"
	rm -f "$d/lib/hb_uuid" "$d/lib/hostcache" "$d/lib/delhostcache"
	install -m 755 "$wrappers/gfs2fs" "$d/ha.d/resource.d/gfs2fs"
	install -m 644 "$wrappers/ocfkit-hbfuncs" "$d/ha.d/resource.d/ocfkit-hbfuncs"
	# The wrapper runs the agent from /usr/lib/ocf/resource.d/custom, as installed by the package.
	cp -a /usr/lib/ocf/resource.d/. "$d/ocf/"
	mkdir -p "$d/ocf/custom"
	install -m 755 "$agent" "$d/ocf/custom/gfs2fs"
	cp -a /usr/lib/stonith/plugins/external/. "$d/stonith/"
	install -m 755 "$here/ocfkit-stonith" "$d/stonith/ocfkit-stonith"
	cat > "$d/ha.d/ha.cf" <<EOF
# heartbeat v1: no CRM, resources from haresources
crm off
logfile $d/ha-log
debugfile $d/ha-debug
logfacility none
use_logd no
realtime off
keepalive 1
warntime 4
deadtime 8
initdead 12
udpport 694
ucast hb0 ${ADDR[node1]}
ucast hb0 ${ADDR[node2]}
auto_failback off
node node1
node node2
stonith_host * external/ocfkit-stonith netns $W/state
EOF
	printf 'auth 1\n1 sha1 ocfkit-hb-netns\n' > "$d/ha.d/authkeys"
	chmod 600 "$d/ha.d/authkeys"
	printf '# node, then the resources in start order (stopped in reverse)\nnode1 gfs2fs::%s::%s::ext4\n' \
		"$loop" "$W/data" > "$d/ha.d/haresources"
done
cat "$W/node1/ha.d/haresources"

cat > "$W/node-init.sh" <<'EOF'
# First process of a node (already in its own network, mount and UTS namespaces): the node's
# private files over the host's paths, then heartbeat, then stay as the node's handle.
set -e
n=$1 W=$2 HB=$3
hostname "$n"
mount --bind "$W/$n/ha.d" /etc/ha.d
mount --bind "$W/$n/lib" /var/lib/heartbeat
mount -t tmpfs -o mode=755 "hb-$n-run" /run
mkdir -p /run/heartbeat/ccm /run/heartbeat/crm /run/heartbeat/dopd /run/lock
chown -R hacluster:haclient /run/heartbeat
mount --bind "$W/$n/ocf" /usr/lib/ocf/resource.d
mount --bind "$W/$n/stonith" /usr/lib/stonith/plugins/external
for f in /usr/bin/systemctl /usr/lib/systemd/systemd /usr/sbin/reboot /usr/sbin/init; do
	[ -e "$f" ] && mount --bind "$W/guard" "$(readlink -f "$f")"
done
: > "$W/$n/up"
exec sleep infinity
EOF

start_node() {  # NODE: a fresh first process (new mount/UTS namespaces) in NODE's netns, then heartbeat
	local n=$1
	rm -f "$W/$n/up"
	ip netns exec "${NS[$n]}" unshare --mount --uts --propagation private \
		bash "$W/node-init.sh" "$n" "$W" "$HB" > "$W/$n/init.log" 2>&1 &
	echo $! > "$W/state/$n.init"
	disown $!
	local i
	for i in $(seq 1 100); do [[ -e $W/$n/up ]] && break; sleep 0.1; done
	[[ -e $W/$n/up ]] || { cat "$W/$n/init.log"; bad "$n namespaces set up"; return 1; }
	[[ $(on "$n" uname -n) == "$n" ]] || { bad "$n has its own hostname"; return 1; }
	on "$n" "$HB" >> "$W/$n/init.log" 2>&1 || { cat "$W/$n/init.log"; bad "$n heartbeat started"; return 1; }
	say "$n: heartbeat started (first process $(init_pid "$n"))"
}

# --- network ------------------------------------------------------------------------------
for n in node1 node2; do ip netns add "${NS[$n]}" || exit 1; done
ip link add "hb${tag}a" type veth peer name "hb${tag}b" || exit 1
ip link set "hb${tag}a" netns "${NS[node1]}"
ip link set "hb${tag}b" netns "${NS[node2]}"
for n in node1 node2; do
	dev=hb${tag}a; [[ $n == node2 ]] && dev=hb${tag}b
	ip -n "${NS[$n]}" link set "$dev" name hb0
	ip -n "${NS[$n]}" addr add "${ADDR[$n]}/24" dev hb0
	ip -n "${NS[$n]}" link set lo up
	ip -n "${NS[$n]}" link set hb0 up
done

# --- start: node1 takes its group ----------------------------------------------------------
start_node node1 || exit 1
start_node node2 || exit 1
wait_until 60 "node1 and node2 see each other" both_seen
wait_until 60 "node1 holds the group (ext4 mounted in its namespace only)" holds node1
check "node2 does not hold it" not holds node2
wait_until 30 "cl_status rscstatus: node1 local (its own group)" rsc_is node1 local
status_word() { [[ $(on "$1" /etc/ha.d/resource.d/gfs2fs "$loop" "$W/data" ext4 status 2>/dev/null) == "$2" ]]; }
check "the wrapper answers heartbeat's status: running in node1" status_word node1 running
check "the wrapper answers heartbeat's status: stopped in node2" status_word node2 stopped
on node1 sh -c "head -c 4M /dev/urandom > $W/data/payload && sync && sha256sum $W/data/payload > $W/data/payload.sha256"
sum1=$(on node1 cat "$W/data/payload.sha256")
say "node1 wrote 4 MiB: ${sum1%% *}"

# --- (a) clean handover: heartbeat -k on node1 ------------------------------------------------
t=$SECONDS
on node1 "$HB" -k >> "$W/node1/init.log" 2>&1
wait_until 90 "(a) heartbeat -k on node1: node2 holds the group" holds node2
ta=$((SECONDS - t))
check "(a) node1 released it (not mounted there)" not holds node1
wait_until 30 "(a) node1's heartbeat exited" not hb_running node1
check "(a) data intact on node2" on node2 sha256sum --status -c "$W/data/payload.sha256"
check "(a) node1's log: gfs2fs stop run by heartbeat" grep -q -E "Running /etc/ha.d/+resource.d/gfs2fs $loop $W/data ext4 stop" "$W/node1/ha-log"
check "(a) node2's log: gfs2fs start run by heartbeat" grep -q -E "Running /etc/ha.d/+resource.d/gfs2fs $loop $W/data ext4 start" "$W/node2/ha-log"
check "(a) no fencing for a clean stop" test ! -s "$W/state/fence-events"
on node2 sh -c "echo written-on-node2 >> $W/data/payload.log && sync"
check "(a) cl_status rscstatus: node2 all" rsc_becomes node2 all
say "(a) handover took ${ta}s from heartbeat -k"

# node1 comes back; auto_failback off: the group stays on node2.
on node1 "$HB" >> "$W/node1/init.log" 2>&1 || bad "node1 heartbeat restarted"
wait_until 60 "node1 back, sees node2 active" both_seen
# A rejoined node learns who holds what from its peer first ("transition" until then); a peer
# lost before that leaves it holding nothing and taking nothing over, so (b) waits for it.
rsc_settled() { local r; r=$(rscstatus "$1"); [[ -n $r && $r != transition ]]; }
wait_until 60 "node1's resource state settled after its rejoin" rsc_settled node1
check "cl_status rscstatus: node1 none (a standby)" rsc_is node1 none
check "auto_failback off: the group stays on node2" holds node2

# --- (b) node2 dies: node1 resets it through stonith_host, then takes over ---------------------
t=$SECONDS
kill_netns_procs "${NS[node2]}"
say "(b) node2 killed (every process of its namespace)"
wait_until 120 "(b) node1 holds the group after node2's death" holds node1
tb=$((SECONDS - t))
check "(b) node1 reset node2 through external/ocfkit-stonith" grep -q "reset node2 by node1" "$W/state/fence-events"
# heartbeat's order: the reset reported done, then the takeover of node2's resources.
stonith_then_takeover() {
	local r a
	r=$(grep -n "node node2 now reset" "$W/node1/ha-log" | tail -1 | cut -d: -f1)
	a=$(grep -n -E "Running /etc/ha.d/+resource.d/gfs2fs .* start" "$W/node1/ha-log" | tail -1 | cut -d: -f1)
	[[ -n $r && -n $a ]] && (( r < a ))
}
check "(b) node1's log: node2 reset, then gfs2fs start" stonith_then_takeover
check "(b) data intact on node1" on node1 sha256sum --status -c "$W/data/payload.sha256"
check "(b) node2's write is there" on node1 grep -q written-on-node2 "$W/data/payload.log"
check "(b) cl_status rscstatus: node1 all" rsc_becomes node1 all
say "(b) failover took ${tb}s from the kill (deadtime 8 s)"

echo "--- node1 ha-log (heartbeat's own record) ---"
grep -E -i 'Running /etc/ha.d|stonith|reset|dead|takeover|acquir|releas|giving|foreign|local resource' \
	"$W/node1/ha-log" | tail -30
echo "--- node2 ha-log ---"
grep -E -i 'Running /etc/ha.d|stonith|dead|takeover|acquir|releas' "$W/node2/ha-log" | tail -15
on node1 timeout 60 "$HB" -k >/dev/null 2>&1  # bounded: a stop during a resource transition can wait long
wait_until 60 "node1's heartbeat stops, releasing the group" not holds node1
say "$checks checks, $fails failed, $((SECONDS - T0))s"
(( fails == 0 ))
