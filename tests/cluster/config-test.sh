#!/bin/bash
# What the VM tier generates, checked on the host without VMs (parse suite):
#  - heartbeat phase (hb_write_configs): ha.cf's nodes, links, timings and stonith_host line
#    against the plugin's parameters; authkeys; every haresources entry accepted by its built
#    wrapper (an argument count it refuses would be a usage error, exit 2, at the first start);
#    the DRBD device, mount point and guest paths agreeing across haresources, r0.res and the
#    domain XML; r0.res single-primary and, where drbd-utils' 8.4 drbdadm exists and we are
#    root, parsed by it as node1 and node2 (the pair's dual-primary r0.res too);
#  - san topology: nodes and VMs, unique MACs and addresses per shared link, a watchdog that
#    resets every node, sbd's timeouts against each other and Pacemaker's, and how san-faults
#    reads the fence history.
#   config-test.sh SOURCE_ROOT HEARTBEAT_COMPAT_BUILD_DIR
set -u
root=${1:?usage: config-test.sh SOURCE_ROOT HEARTBEAT_COMPAT_BUILD_DIR}
wrappers=${2:?usage: config-test.sh SOURCE_ROOT HEARTBEAT_COMPAT_BUILD_DIR}
cluster=$root/tests/cluster
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 checks=0
ok() { checks=$((checks + 1)); echo "ok: $*"; }
bad() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL: $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
checke() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }  # WHAT 'shell condition'
# pcs_file CIB BATCH-TEXT: a pcs batch as pcs_batch writes it, run against a CIB file.
pcs_file() { CIB=$1 bash -c "set -e; $2"; }
# The tier's settings as run.sh would have them with no OCFKIT_CLUSTER_* in the environment.
for v in $(compgen -e | grep '^OCFKIT_CLUSTER_'); do unset "$v"; done

# ---- heartbeat phase ----------------------------------------------------------------------
hb=$tmp/hb
mkdir -p "$hb"
(
	source "$cluster/lib.sh" && source "$cluster/heartbeat.sh" && hb_write_configs "$hb" &&
		declare -p NODES NODE_ADDR > "$hb/vars"
) || { echo "FAIL: hb_write_configs"; exit 1; }
source "$hb/vars"

cf=$hb/ha.cf
directive() { sed -n "s/^$1[[:space:]]\+//p" "$cf"; }
check "ha.cf: crm off (heartbeat v1, haresources)" [ "$(directive crm)" = off ]
check "ha.cf: one node line per lab node (${NODES[*]})" [ "$(directive node | paste -sd' ')" = "${NODES[*]}" ]
for n in "${NODES[@]}"; do
	check "ha.cf: ucast on eth0 to $n (${NODE_ADDR[$n]})" grep -qx "ucast eth0 ${NODE_ADDR[$n]}" "$cf"
done
ka=$(directive keepalive) wt=$(directive warntime) dt=$(directive deadtime) id=$(directive initdead)
checke "ha.cf: keepalive $ka < warntime $wt < deadtime $dt" '[ "$ka" -lt "$wt" ] && [ "$wt" -lt "$dt" ]'
# heartbeat itself warns when initdead is less than twice deadtime.
check "ha.cf: initdead $id >= 2 x deadtime $dt" [ "$id" -ge $((2 * dt)) ]
check "ha.cf: auto_failback off (the group stays where it went)" [ "$(directive auto_failback)" = off ]
read -r -a st <<< "$(directive stonith_host)"
plugin=$root/tests/heartbeat-compat/${st[1]#external/}
checke "ha.cf: stonith_host for every node (*), an external plugin of the tree" '[ "${st[0]}" = "*" ] && [ -x "$plugin" ]'
mapfile -t names < <("$plugin" getconfignames)
check "ha.cf: stonith_host gives ${#names[@]} value(s), one per parameter of $(basename "$plugin") (${names[*]})" \
	[ $((${#st[@]} - 2)) -eq "${#names[@]}" ]
# The plugin as cluster-glue runs it: ha.cf's values in the environment under getconfignames'
# names. A stub fence agent records how it was called and what its stdin was.
printf '#!/bin/sh\necho "$* stdin=$(readlink /proc/self/fd/0)" >> "%s"\n' "$tmp/agent.calls" > "$tmp/agent"
chmod +x "$tmp/agent"
plugin_env=(OCFKIT_LAB_FENCE_AGENT="$tmp/agent")
for i in "${!names[@]}"; do plugin_env+=("${names[i]}=${st[i + 2]:-}"); done
env "${plugin_env[@]}" "$plugin" status < /dev/zero; rc=$?
env "${plugin_env[@]}" "$plugin" reset node2 < /dev/zero
calls=$(cat "$tmp/agent.calls" 2>/dev/null)
checke "stonith_host: the plugin's status asks the lab fence agent's monitor on the share (rc $rc: $(head -1 <<< "$calls"))" \
	'[ "$rc" = 0 ] && grep -q -- "--share=/host/fence -o monitor stdin=/dev/null" <<< "$calls"'
checke "stonith_host: reset node2 = the lab agent's reboot of node2, stdin closed" \
	'grep -q -- "-o reboot -n node2 stdin=/dev/null" <<< "$calls"'
# The same through cluster-glue's own stonith(8), as hb_install checks the device and heartbeat
# resets with it (root: the plugin directory is bind-mounted in a private mount namespace).
if [[ $(id -u) == 0 ]] && command -v stonith >/dev/null && [[ -d /usr/lib/stonith/plugins/external ]]; then
	mkdir -p "$tmp/ext"
	cp -a /usr/lib/stonith/plugins/external/. "$tmp/ext/"
	install -m 0755 "$plugin" "$tmp/ext/$(basename "$plugin")"
	: > "$tmp/agent.calls"
	out=$(OCFKIT_LAB_FENCE_AGENT=$tmp/agent unshare -m sh -c 'mount --bind "$1" /usr/lib/stonith/plugins/external &&
		stonith -t "$2" -p "$3" -S && stonith -t "$2" -p "$3" -T reset node2' _ "$tmp/ext" "${st[1]}" "${st[*]:2}" 2>&1); rc=$?
	checke "stonith -t ${st[1]} -p '${st[*]:2}' -S, then -T reset node2 (rc $rc$([[ $rc != 0 ]] && echo ": $(tail -1 <<< "$out")"))" \
		'[ "$rc" = 0 ] && [ "$(cat "$tmp/agent.calls")" = "$(printf "%s\n" "--share=/host/fence -o monitor stdin=/dev/null" "--share=/host/fence -o reboot -n node2 stdin=/dev/null")" ]'
else
	echo "skip: the plugin through cluster-glue's stonith (needs root and cluster-glue)"
fi

check "authkeys: 'auth N' names a key line with a known method" \
	awk '$1 == "auth" { k = $2 } $1 == k && ($2 == "sha1" || $2 == "md5" || $2 == "crc") { found = 1 } END { exit !found }' "$hb/authkeys"

read -r -a group < <(grep -v '^#' "$hb/haresources" | grep .)
check "haresources: one group, for lab node '${group[0]}'" [ "$(grep -v '^#' "$hb/haresources" | grep -c .)" = 1 ]
check "haresources: its node is a lab node" grep -qw "${group[0]}" <<< "${NODES[*]}"
declare -A entry=()
mkdir -p "$tmp/no-agents"
for e in "${group[@]:1}"; do
	name=${e%%::*}
	IFS=$'\n' read -r -d '' -a args < <(printf '%s' "${e#"$name"}" | sed 's/^:://; s/::/\n/g'; printf '\0')
	entry[$name]=$e
	if [[ ! -x $wrappers/$name ]]; then bad "haresources: $name has a built wrapper in $wrappers"; continue; fi
	# No agents: a wrapper that accepts its arguments gets as far as the agent (5, "not installed").
	out=$(OCFKIT_HB_AGENT_DIR=$tmp/no-agents "$wrappers/$name" "${args[@]}" status 2>&1); rc=$?
	checke "haresources: '$e' accepted by the $name wrapper (rc $rc: $(tail -1 <<< "$out"))" \
		'[ "$rc" = 5 ] && grep -q "is not installed" <<< "$out"'
done
check "haresources: drbd-dual, gfs2fs and virtdomain, in that order" \
	[ "$(printf '%s\n' "${group[@]:1}" | sed 's/::.*//' | paste -sd' ')" = "drbd-dual gfs2fs virtdomain" ]

res=$(sed -n 's/^resource \([^ ]*\) {/\1/p' "$hb/r0.res")
dev=$(sed -n 's/^[[:space:]]*device \([^;]*\);/\1/p' "$hb/r0.res")
IFS=: read -r _ _ fsdev _ mnt _ fstype <<< "${entry[gfs2fs]:-}"
IFS=: read -r _ _ xml <<< "${entry[virtdomain]:-}"
check "haresources: drbd-dual's resource is r0.res's ($res)" [ "${entry[drbd-dual]:-}" = "drbd-dual::$res" ]
checke "haresources: gfs2fs mounts r0's device $dev on $mnt ($fstype)" '[ "$fsdev" = "$dev" ] && [ -n "$mnt" ] && [ "$fstype" = ext4 ]'
checke "haresources: the guest's XML lies on that file system ($xml)" '[ "${xml%/*}" = "$mnt" ] && [ "$(basename "$xml")" = labguest.xml ]'
disk=$(python3 -c 'import sys, xml.etree.ElementTree as E; print(E.parse(sys.argv[1]).find("devices/disk/source").get("file"))' "$hb/labguest.xml")
check "labguest.xml (well-formed): its disk on that file system too ($disk)" [ "${disk%/*}" = "$mnt" ]
for w in allow-two-primaries fencing fence-peer; do
	check "r0.res for heartbeat: no $w (single primary, heartbeat fences)" bash -c "! grep -q '$w' '$hb/r0.res'"
done

drbdadm84=$(ls /lib/drbd/drbdadm-84 /usr/lib/drbd/drbdadm-84 2>/dev/null | head -1)
if [[ -n $drbdadm84 && $(id -u) == 0 ]] && command -v unshare >/dev/null; then
	for f in "$hb/r0.res" "$cluster/conf/r0.res"; do
		printf 'global { usage-count no; }\ninclude "%s";\n' "$f" > "$tmp/drbd.conf"
		for n in "${NODES[@]}"; do
			out=$(unshare --uts sh -c 'hostname "$1" && "$2" -c "$3" dump "$4"' _ "$n" "$drbdadm84" "$tmp/drbd.conf" "$res" 2>&1); rc=$?
			check "drbdadm (8.4) parses $(basename "$(dirname "$f")")/$(basename "$f") as $n (rc $rc$([[ $rc != 0 ]] && echo ": $(tail -1 <<< "$out")"))" [ "$rc" = 0 ]
		done
	done
else
	echo "skip: r0.res through drbd-utils' 8.4 drbdadm (needs root and /lib/drbd/drbdadm-84)"
fi

# ---- san topology -------------------------------------------------------------------------
san=$tmp/san
mkdir -p "$san"
(
	export OCFKIT_CLUSTER_TOPOLOGY=san
	source "$cluster/lib.sh" && source "$cluster/stack.sh" && source "$cluster/san.sh" || exit 1
	for v in "${VMS[@]}"; do
		echo "$v $(vm_mem "$v")" > "$san/mem-$v"
		vm_devices "$v" > "$san/dev-$v"
		vm_addrs "$v" > "$san/addr-$v"
	done
	declare -p NODES VMS STORAGE SBD_WATCHDOG_S SBD_MSGWAIT_S > "$san/vars"
	san_base_batch ocf:pacemaker:controld ocf:heartbeat:lvmlockd > "$san/base.batch"
	# The stock Filesystem takes gfs2fs's parameters under the same names.
	{ small_batch ocf:heartbeat:Filesystem; echo "$SMALL_MAX3"; echo "$SMALL_STOP"; echo "$SMALL_DELETE"; } > "$san/small.batch"
	grep -o 'stonith-timeout=[^ ]*\|power_timeout=[^ ]*' "$san/base.batch" > "$san/fence"
	declare -f fence_success_count > "$san/funcs"
	san_multipath_conf 36001405aaaa 36001405bbbb > "$san/multipath.conf"
) || { echo "FAIL: sourcing the san topology"; exit 1; }
source "$san/vars"
source "$san/funcs"
checke "san: three nodes, the storage VM first (${VMS[*]})" '[ "${#NODES[@]}" = 3 ] && [ "${VMS[0]}" = "$STORAGE" ] && [ "${#VMS[@]}" = 4 ]'
for l in cluster iscsi-a iscsi-b; do
	macs=$(cat "$san"/dev-* | grep -o "netdev=$l,mac=[^ ]*" | sort)
	checke "san: link $l has $(wc -l <<< "$macs") NICs, each with its own MAC" '[ -z "$(uniq -d <<< "$macs")" ] && [ "$(wc -l <<< "$macs")" -ge 3 ]'
done
addrs=$(cat "$san"/addr-* | grep -o 'ocfkit\.addr[0-9]*=[^ ]*' | cut -d= -f2 | sort)
check "san: every VM address unique ($(wc -l <<< "$addrs"))" [ -z "$(uniq -d <<< "$addrs")" ]
for n in "${NODES[@]}"; do
	check "san: $n has an i6300esb whose expiry resets it" grep -q -- '-device i6300esb -action watchdog=reset' "$san/dev-$n"
	check "san: $n without IPv6 (a multicast segment echoes its frames)" grep -q 'ipv6.disable=1' "$san/addr-$n"
done
checke "san: the storage VM has no watchdog, and its LUN disks in the order the target expects (vdb data, vdc sbd)" \
	'! grep -q i6300esb "$san/dev-$STORAGE" && [ "$(grep -o "san-[a-z]*\.img" "$san/dev-$STORAGE" | paste -sd" ")" = "san-data.img san-sbd.img" ]'
# The maps' conf.d file: both named by WWID, each with a bounded no_path_retry (set per map: the
# built-in LIO-ORG device entry's 12 would override the defaults section), times the image's
# polling_interval: how long a node that lost both links queues before its I/O fails.
mp=$(python3 - "$san/multipath.conf" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
for body in re.findall(r"multipath \{([^}]*)\}", text):
    kv = dict(l.split(None, 1) for l in body.strip().splitlines())
    print(kv.get("wwid", "-"), kv.get("alias", "-"), kv.get("no_path_retry", "-"))
PY
)
poll=$(sed -n 's/^[[:space:]]*polling_interval \([0-9]*\)$/\1/p' "$cluster/guest/configure-san.sh")
checke "san: multipath maps mpathdata and mpathsbd by WWID ($(paste -sd';' <<< "$mp"))" \
	'[ "$(awk "{print \$1, \$2}" <<< "$mp" | paste -sd" ")" = "36001405aaaa mpathdata 36001405bbbb mpathsbd" ]'
retry=$(awk '{print $3}' <<< "$mp" | sort -u)
checke "san: each map queues ${retry:-?} x ${poll:-?} s with no path, then fails I/O (bounded, at most 30 s)" \
	'[[ $retry =~ ^[0-9]+$ && $poll =~ ^[0-9]+$ ]] && [ $((retry * poll)) -le 30 ]'
# sbd(8): msgwait at least twice the watchdog timeout; Pacemaker's stonith-timeout above msgwait
# with a margin (sbd's man page: at least 1.2 x msgwait), and fence_sbd waiting longer than msgwait.
stt=$(sed -n 's/^stonith-timeout=\([0-9]*\)s$/\1/p' "$san/fence")
pwt=$(sed -n 's/^power_timeout=\([0-9]*\)$/\1/p' "$san/fence")
check "san: sbd msgwait $SBD_MSGWAIT_S >= 2 x watchdog $SBD_WATCHDOG_S" [ "$SBD_MSGWAIT_S" -ge $((2 * SBD_WATCHDOG_S)) ]
checke "san: stonith-timeout ${stt:-?} >= 1.2 x msgwait" '[ -n "$stt" ] && [ $((stt * 10)) -ge $((SBD_MSGWAIT_S * 12)) ]'
checke "san: fence_sbd power_timeout ${pwt:-?} > msgwait" '[ -n "$pwt" ] && [ "$pwt" -gt "$SBD_MSGWAIT_S" ]'
# stonith_admin --history NODE --output-as=xml, in the fence-event schema's shape (Pacemaker's
# xml/api/fence-event-2.15.rng): a success, a failure, another target, a pending one.
hist='<pacemaker-result api-version="2.15" request="stonith_admin --history node3 --output-as=xml">
  <fence_history>
    <fence_event status="failed" exit-reason="timed out" action="reboot" target="node3" client="pacemaker-controld.812" origin="node1"/>
    <fence_event status="success" delegate="node2" action="reboot" target="node3" client="pacemaker-controld.812" origin="node1" completed="2026-12-06 15:50:01Z"/>
    <fence_event status="success" delegate="node1" action="reboot" target="node30" client="stonith_admin.1" origin="node1" completed="2026-12-06 15:51:01Z"/>
    <fence_event status="pending" extended-status="1" action="reboot" target="node3" client="pacemaker-controld.812" origin="node2"/>
  </fence_history>
  <status code="0" message="OK"/>
</pacemaker-result>'
check "san-faults: one successful fence of node3 in its history" [ "$(fence_success_count node3 <<< "$hist")" = 1 ]
check "san-faults: none of node2 (others' events do not count)" [ "$(fence_success_count node2 <<< "$hist")" = 0 ]
check "san-faults: none in an empty history" [ "$(fence_success_count node3 < /dev/null)" = 0 ]

# The pcs batches of stack and journals through the host's pcs (the guests' version, Debian 12)
# on an empty CIB: syntax and parameters, stock agents standing in for ocfkit's.
if command -v pcs >/dev/null && command -v cibadmin >/dev/null; then
	cibadmin --empty > "$tmp/cib.xml"
	out=$(pcs_file "$tmp/cib.xml" "$(cat "$san/base.batch")" 2>&1); rc=$?
	check "san: the base pcs batch runs (rc $rc$([[ $rc != 0 ]] && echo ": $(tail -2 <<< "$out" | paste -sd' ')"))" [ "$rc" = 0 ]
	out=$(pcs_file "$tmp/cib.xml" "$(cat "$san/small.batch")" 2>&1); rc=$?
	check "san: the journals phase's pcs batches run (rc $rc$([[ $rc != 0 ]] && echo ": $(tail -2 <<< "$out" | paste -sd' ')"))" [ "$rc" = 0 ]
	checke "san: gfs2small gone from the CIB after its delete" '! grep -q gfs2small "$tmp/cib.xml"'
else
	echo "skip: the pcs batches (no pcs/cibadmin on this host)"
fi

echo "$((checks - fails)) of $checks checks passed"
exit $((fails > 0))
