# Shared host-side helpers for the two-node qemu cluster tier (sourced by run.sh).
# Everything the host starts is tracked by PID file under $RUN and stopped only by that PID.

CLUSTER_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$CLUSTER_DIR/../.." && pwd)
# Guest release: OCFKIT_CLUSTER_RELEASE=12 (bookworm, default) or 13 (trixie). What differs per
# release is set here; each release keeps its own cache (images, VM disks), so both can coexist.
RELEASE=${OCFKIT_CLUSTER_RELEASE:-12}
case $RELEASE in
# PCS_CLONE_META/PCS_FUTURE: how this release's pcs takes clone meta attributes on `resource
# create ... clone|promotable` (0.11: right after the keyword; 0.12: `meta ... --future`).
12) SUITE=bookworm; GUEST_PACKAGES=$CLUSTER_DIR/guest-packages.txt
	CACHE=${OCFKIT_CLUSTER_CACHE:-/var/cache/ocfkit-cluster}; PCS_CLONE_META=; PCS_FUTURE=
	CAPTURES_DIR=$REPO_DIR/tests/data/cluster-captures ;;
13) SUITE=trixie; GUEST_PACKAGES=$CLUSTER_DIR/guest-packages-13.txt
	CACHE=${OCFKIT_CLUSTER_CACHE:-/var/cache/ocfkit-cluster-13}; PCS_CLONE_META=meta; PCS_FUTURE=--future
	CAPTURES_DIR=$REPO_DIR/tests/data/cluster-captures/debian13 ;;
*) echo "OCFKIT_CLUSTER_RELEASE must be 12 or 13, not '$RELEASE'" >&2; exit 1 ;;
esac
# Topology: OCFKIT_CLUSTER_TOPOLOGY=pair (default: two nodes, DRBD dual-primary, host-side
# fencing) or san (three nodes on one iSCSI LUN of a storage VM, two portals joined by
# dm-multipath, sbd fencing with each node's emulated watchdog; tests/cluster/san.sh). Each
# topology keeps its own cache.
TOPOLOGY=${OCFKIT_CLUSTER_TOPOLOGY:-pair}
GUEST_PACKAGES_EXTRA=
case $TOPOLOGY in
pair) ;;
san)
	[[ $RELEASE == 12 ]] || { echo "OCFKIT_CLUSTER_TOPOLOGY=san runs on Debian 12 guests only" >&2; exit 1; }
	CACHE=${OCFKIT_CLUSTER_CACHE:-/var/cache/ocfkit-cluster-san}
	GUEST_PACKAGES_EXTRA=$CLUSTER_DIR/guest-packages-san.txt
	CAPTURES_DIR=$REPO_DIR/tests/data/cluster-captures/san ;;
*) echo "OCFKIT_CLUSTER_TOPOLOGY must be pair or san, not '$TOPOLOGY'" >&2; exit 1 ;;
esac
RUN=$CACHE/run
SHARE=$RUN/share
PY=/usr/bin/python3
NODES=(node1 node2)
CLUSTER_NAME=ocfkit
# Guest-internal addresses: they exist only on the virtual link, which the host carries as
# UDP datagrams between two loopback ports.
declare -A NODE_ADDR=([node1]=10.77.0.1 [node2]=10.77.0.2)
declare -A NODE_PORT=([node1]=47701 [node2]=47702)
declare -A NODE_PEER=([node1]=node2 [node2]=node1)
declare -A NODE_MAC=([node1]=52:54:00:77:00:01 [node2]=52:54:00:77:00:02)
VM_MEM=${OCFKIT_CLUSTER_MEM:-1536}
DRBD_DISK_MB=256
# Every VM of the topology (the nodes and, for san, the storage VM first).
VMS=("${NODES[@]}")

log() { printf '%s [%s] %s\n' "$(date +%H:%M:%S)" "${PHASE:-cluster}" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }
loud() {
	printf '\n%s\n' "################################################################" >&2
	log "$*"
	printf '%s\n\n' "################################################################" >&2
}

# Poll "$@" every $2 s until it succeeds or $1 s pass.  wait_for TIMEOUT STEP DESC CMD...
wait_for() {
	local timeout=$1 step=$2 desc=$3; shift 3
	local start=$SECONDS
	while ! "$@"; do
		if (( SECONDS - start >= timeout )); then
			log "timed out after ${timeout}s waiting for: $desc"
			return 1
		fi
		sleep "$step"
	done
	log "ok after $((SECONDS - start))s: $desc"
}

# --- host packages --------------------------------------------------------------------------
# host_deps: apt-get install whichever packages of host-packages.txt are missing, then whatever
# debian/control's Build-Depends still lacks (dpkg-checkbuilddeps; apt-get build-dep).
host_deps() {
	local want missing=() p
	mapfile -t want < <(sed 's/#.*//' "$CLUSTER_DIR/host-packages.txt" | tr -s ' \t' '\n' | grep .)
	for p in "${want[@]}"; do
		[[ $(dpkg-query -W -f '${Status}' "$p" 2>/dev/null) == "install ok installed" ]] || missing+=("$p")
	done
	if (( ${#missing[@]} )); then
		log "installing missing host packages: ${missing[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get install -y "${missing[@]}" >&2 ||
			{ apt-get update >&2 && apt-get install -y "${missing[@]}" >&2; } || return 1
	fi
	if ! (cd "$REPO_DIR" && dpkg-checkbuilddeps >/dev/null 2>&1); then
		log "unmet Build-Depends: $(cd "$REPO_DIR" && dpkg-checkbuilddeps 2>&1 | sed 's/.*Unmet build dependencies: //')"
		DEBIAN_FRONTEND=noninteractive apt-get build-dep -y "$REPO_DIR" >&2 || return 1
	fi
}

# --- qemu monitor ------------------------------------------------------------------------
# hmp NODE COMMAND: one human-monitor command over the VM's monitor socket; prints the reply.
hmp() {
	"$PY" - "$RUN/$1.mon" "$2" <<'EOF'
import socket, sys
path, cmd = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX)
s.settimeout(20)
s.connect(path)
buf = b""
while not buf.endswith(b"(qemu) "):
    chunk = s.recv(4096)
    if not chunk: break
    buf += chunk
s.sendall(cmd.encode() + b"\n")
out = b""
try:
    while not out.endswith(b"(qemu) "):
        chunk = s.recv(4096)
        if not chunk: break
        out += chunk
except (socket.timeout, ConnectionResetError):
    pass
text = out.decode(errors="replace").replace("\r", "")
lines = [l for l in text.split("\n") if l and not l.startswith("(qemu)") and cmd not in l]
print("\n".join(lines))
EOF
}

vm_pid() { [[ -s $RUN/$1.pid ]] && cat "$RUN/$1.pid"; }
vm_running() {
	local pid; pid=$(vm_pid "$1") || return 1
	[[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && grep -q qemu "/proc/$pid/cmdline" 2>/dev/null
}

# vm_devices NODE: the pair's disks and link: its DRBD disk, the point-to-point UDP link to
# its peer. One word per argument (no blanks inside); san-topology.sh has its own.
vm_devices() {
	local n=$1 peer=${NODE_PEER[$1]}
	echo "-drive file=$RUN/$n-drbd.img,if=virtio,format=raw,cache=writeback" \
		"-netdev socket,id=link,udp=127.0.0.1:${NODE_PORT[$peer]},localaddr=127.0.0.1:${NODE_PORT[$n]}" \
		"-device virtio-net-pci,netdev=link,mac=${NODE_MAC[$n]}"
}
vm_mem() { echo "$VM_MEM"; }
# vm_addrs NODE: kernel command line words giving the guest its addresses (ocfkit-lab-net).
vm_addrs() { echo "ocfkit.addr=${NODE_ADDR[$1]}/24"; }

# vm_disks: the pair's DRBD backing disks (san-topology.sh has its own).
vm_disks() {
	local n
	for n in "${NODES[@]}"; do truncate -s "${DRBD_DISK_MB}M" "$RUN/$n-drbd.img"; done
}

# links_check: the link works both ways (the guests have no ping: bash's /dev/tcp against
# sshd-less ports would only prove ARP, so check the neighbour entry after a probe).
links_check() {
	gx node1 'timeout 5 bash -c "</dev/tcp/node2/9" 2>/dev/null; ip neigh show 10.77.0.2' 30
	gx node2 'timeout 5 bash -c "</dev/tcp/node1/9" 2>/dev/null; ip neigh show 10.77.0.1' 30
}

# vm_start NODE: boot one VM on its existing root overlay and its topology's disks and links.
vm_start() {
	local n=$1
	vm_running "$n" && { log "$n already running (pid $(vm_pid "$n"))"; return 0; }
	rm -f "$SHARE/q/$n/ready" "$RUN/$n.pid"
	mkdir -p "$SHARE/q/$n"
	local append="root=/dev/vda rw console=ttyS0 panic=5 init_on_alloc=0 net.ifnames=0"
	append+=" systemd.hostname=$n $(vm_addrs "$n") systemd.show_status=0"
	echo "=== $(date -Is) start $n" >> "$RUN/$n.console.log"
	# shellcheck disable=SC2046 # vm_devices prints one word per argument
	nice -n 5 qemu-system-x86_64 -name "$n" -accel tcg -cpu qemu64 -m "$(vm_mem "$n")" -smp 1 \
		-nodefaults -display none -daemonize -pidfile "$RUN/$n.pid" \
		-kernel "$CACHE/vmlinuz" -initrd "$CACHE/initrd.img" -append "$append" \
		-drive "file=$RUN/$n-root.qcow2,if=virtio,format=qcow2,cache=unsafe" \
		$(vm_devices "$n") \
		-virtfs "local,path=$SHARE,mount_tag=host,security_model=none,id=host" \
		-device virtio-rng-pci \
		-chardev "file,id=ser,path=$RUN/$n.console.log,append=on" -serial chardev:ser \
		-monitor "unix:$RUN/$n.mon,server=on,wait=off" \
		|| die "qemu for $n failed to start"
	log "$n started (pid $(vm_pid "$n"))"
}

vm_ready() { [[ -e $SHARE/q/$1/ready ]]; }

# vm_stop NODE: clean power-off through the monitor (qemu flushes its image caches).
vm_stop() {
	local n=$1 pid
	vm_running "$n" || return 0
	pid=$(vm_pid "$n")
	hmp "$n" quit >/dev/null 2>&1 || true
	local i
	for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
	if kill -0 "$pid" 2>/dev/null; then
		log "$n (pid $pid) ignored quit; SIGTERM"
		kill -TERM "$pid"
	fi
	rm -f "$RUN/$n.pid"
}

# --- guest command queue ------------------------------------------------------------------
# gx NODE SCRIPT [TIMEOUT]: run a bash script inside NODE through the 9p queue; prints its
# combined output and returns its exit code (124 on host-side timeout).
gx() {
	local n=$1 script=$2 timeout=${3:-300}
	local q=$SHARE/q/$n id
	id=$(date +%s%N)-$$-$RANDOM
	printf '%s\n' "$script" > "$q/.$id.tmp"
	mv "$q/.$id.tmp" "$q/$id.sh"
	local start=$SECONDS
	while [[ ! -e $q/$id.rc ]]; do
		if (( SECONDS - start >= timeout )); then
			log "gx $n: no answer after ${timeout}s to: ${script:0:120}"
			[[ -e $q/$id.out ]] && cat "$q/$id.out"
			return 124
		fi
		sleep 0.2
	done
	cat "$q/$id.out"
	local rc; rc=$(cat "$q/$id.rc")
	rm -f "$q/$id.run" "$q/$id.out" "$q/$id.rc"
	return "$rc"
}

# gx_all SCRIPT [TIMEOUT]: gx on both nodes in parallel; fails if either fails.
gx_all() {
	local n rc=0 pids=()
	for n in "${NODES[@]}"; do
		( gx "$n" "$1" "${2:-300}" | sed "s/^/[$n] /" ; exit "${PIPESTATUS[0]}" ) &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || rc=1; done
	return $rc
}

# gq NODE SCRIPT: gx that must succeed.
gq() { gx "$@" || die "command failed on $1: ${2:0:200}"; }

# Timing of phases.
declare -a PHASE_TIMES=()
run_phase() {
	local name=$1; shift
	PHASE=$name
	local t0=$SECONDS
	log "=== phase $name"
	( "$@" )
	local rc=$?
	local dt=$((SECONDS - t0))
	PHASE_TIMES+=("$(printf '%-10s %4dm%02ds  %s' "$name" $((dt / 60)) $((dt % 60)) "$([[ $rc == 0 ]] && echo ok || echo "FAILED rc=$rc")")")
	log "=== phase $name: $((dt / 60))m$((dt % 60))s rc=$rc"
	PHASE=
	return $rc
}
print_times() {
	printf '\nphase times:\n' >&2
	printf '  %s\n' "${PHASE_TIMES[@]}" >&2
}

# The san topology's nodes, addresses, disks and links replace the pair's (last: it redefines
# vm_devices, vm_mem and vm_addrs).
if [[ $TOPOLOGY == san ]]; then source "$CLUSTER_DIR/san-topology.sh"; fi
