#!/bin/bash
# clevervm on the two-node qemu cluster (tests/cluster): the "clevervm" phase of
# tests/cluster/run.sh runs it after `boot stack verify`, with the VMs up. Uses the clevervm the
# guests have from this build's ocfkit-clevervm package (/usr/sbin/clevervm, /etc/init.d/clevervm);
# when that package is not installed, copies BUILDDIR's clevervm into the share instead (loudly).
# Checks, on the real DRBD 8.4 + GFS2 + virtdomain stack: status from either node (text and
# --json, read from crm_mon XML, drbdsetup events2 and libvirt), the init script's LSB status,
# then cleanup, migrate on the node running the guest (promoted-role ban: DRBD demoted there, the
# guest live-migrated away) and unmigrate (ban removed, Primary/Primary again, the guest stays).
# Changes the cluster: not while another run of the cluster tier drives it.
#   cluster-tier.sh [BUILDDIR] [status|all]      (root)
# Exit: 0 all checks passed, 1 a check failed, 77 skipped (no VMs / no clevervm).
set -uo pipefail
BUILD=
if [[ $# -gt 0 && $1 != status && $1 != all ]]; then BUILD=$1; shift; fi
WHAT=${1:-all}
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../../cluster/lib.sh"
[[ $(id -u) == 0 ]] || { echo "SKIP: needs root"; exit 77; }
for n in "${NODES[@]}"; do
    vm_running "$n" && vm_ready "$n" || { echo "SKIP: cluster VM $n is not up (tests/cluster/run.sh boot stack)"; exit 77; }
done

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }
bad() { failed=$((failed + 1)); echo "not ok - $*"; }
# on NODE SCRIPT [TIMEOUT]: sets OUT and RC.
on() { OUT=$(gx "$1" "$2" "${3:-300}"); RC=$?; }

# Which clevervm: the installed package's on both nodes, else this build's copied in.
mkdir -p "$SHARE/clevervm"
installed=0
for n in "${NODES[@]}"; do
    on "$n" "dpkg-query -W -f '\${Status} \${Version}' ocfkit-clevervm 2>/dev/null && test -x /usr/sbin/clevervm"
    ((RC == 0)) && [[ $OUT == "install ok installed "* ]] && installed=$((installed + 1))
done
if ((installed == ${#NODES[@]})); then
    CVM=/usr/sbin/clevervm
    echo "# clevervm from the installed package ocfkit-clevervm ${OUT##* } on both nodes"
else
    if [[ -z $BUILD || ! -x $BUILD/agents/clevervm/clevervm ]]; then
        echo "SKIP: ocfkit-clevervm is not installed in the guests and no clevervm built in '${BUILD:-(no BUILDDIR)}'"
        exit 77
    fi
    echo "################ FALLBACK: ocfkit-clevervm not installed in the guests: copying $BUILD/agents/clevervm/clevervm"
    cp "$BUILD/agents/clevervm/clevervm" "$SHARE/clevervm/clevervm"
    CVM=/host/clevervm/clevervm
fi

cat >"$SHARE/clevervm/jget.py" <<'PY'
import json, sys
d = json.load(sys.stdin)
r = eval(sys.argv[1], {"d": d})
print(*r) if isinstance(r, tuple) else print(r)
PY
# Debian's libvirtd is socket-activated and exits after 120 s idle; under TCG its start-up
# outlasts clevervm's default 5 s connect bound, so the lab's clevervm.conf sets call_timeout=60
# (tests/cluster/stack.sh) and status waits for a cold libvirtd itself.
# jq-like check inside the guest: jchk NODE PYEXPR-on-d WANT
jchk() {
    on "$1" "$CVM status --json | python3 /host/clevervm/jget.py \"$2\""
    [[ $OUT == "$3" ]] && ok "$1 json: $2 == $3" || bad "$1 json: $2 = '$OUT', want '$3'"
}
# Where Pacemaker runs the guest (crm_mon XML on the host).
guest_node() {
    on node1 "crm_mon -1 --output-as=xml"
    xmllint --xpath 'string(//resource[@id="labguest"][@role="Started"]/node/@name)' - <<<"$OUT" 2>/dev/null
}

home=$(guest_node)
echo "# labguest runs on ${home:-nowhere}"
[[ -n $home ]] || bad "labguest is not running before the checks"
for n in "${NODES[@]}"; do
    on "$n" "$CVM status; echo rc=\$?" 300
    printf '%s\n' "$OUT" | sed "s/^/    [$n] /"
    grep -q "partition with quorum" <<<"$OUT" && ok "$n: cluster with quorum" || bad "$n: no quorum line"
    grep -Eq "^  r0 +Primary +/dev/drbd0 +UpToDate +peer +Connected +Primary +UpToDate\$" <<<"$OUT" &&
        ok "$n: DRBD r0 Primary/Primary UpToDate/UpToDate, Connected" || bad "$n: DRBD row"
    grep -Eq "^  /[^ ]+ +/dev/[^ ]+ +gfs2 +[0-9.]+[KMG]" <<<"$OUT" && ok "$n: the GFS2 mount with size/used/free" || bad "$n: no GFS2 row"
    # The guest's row: its state here, and the Pacemaker resource with the node running it.
    if [[ $n == "$home" ]]; then
        grep -Eq "^  labguest +running +no +labguest Started on $home\$" <<<"$OUT" &&
            ok "$n: guest row running here, labguest Started on $home" || bad "$n: guest row (running here)"
        want=0
    else
        grep -Eq "^  labguest +[^ ].* +no +labguest Started on $home\$" <<<"$OUT" &&
            ok "$n: guest row, labguest Started on $home" || bad "$n: guest row (runs on $home)"
        want=3
    fi
    # LSB status: 0 when every guest runs here, 3 when none does.
    grep -q "^rc=$want\$" <<<"$OUT" && ok "$n: status exit $want" || bad "$n: status exit $(grep '^rc=' <<<"$OUT"), want $want"
    on "$n" "/etc/init.d/clevervm status >/dev/null; echo rc=\$?" 300
    [[ $OUT == "rc=$want" ]] && ok "$n: /etc/init.d/clevervm status exit $want" || bad "$n: init script status: $OUT, want rc=$want"
    jchk "$n" "d['drbd'][0]['role'], d['drbd'][0]['peers'][0]['connection'], d['drbd'][0]['peers'][0]['role']" "Primary Connected Primary"
    jchk "$n" "d['cluster']['quorum'], len(d['cluster']['nodes']), all(x['online'] for x in d['cluster']['nodes'])" "True 2 True"
    jchk "$n" "[f['fstype'] for f in d['filesystems'] if f['mounted']].count('gfs2')" "1"
    jchk "$n" "[(g['name'], g['resource'], g['resource_nodes']) for g in d['guests']] == [('labguest', 'labguest', ['$home'])]" "True"
    jchk "$n" "d['service']['lsb_status'], d['node_banned']" "$want False"
done
if [[ $WHAT == status ]]; then
    echo "$passed passed, $failed failed"
    ((failed == 0)); exit
fi

# start by hand where the guest does not run: Pacemaker runs it on the other node, so clevervm
# must refuse to start a second copy on the same disks (exit 1), and the guest stays put.
if [[ -n $home ]]; then
    O=${NODE_PEER[$home]}
    on "$O" "$CVM start 2>&1; echo rc=\$?; virsh -q domstate labguest 2>/dev/null || echo undefined" 300
    printf '%s\n' "$OUT" | sed "s/^/    [$O] /"
    grep -q "labguest: not started: Pacemaker runs resource labguest on $home" <<<"$OUT" &&
        ok "$O: start refuses labguest (Pacemaker runs it on $home)" || bad "$O: start did not refuse labguest"
    grep -q "^rc=1\$" <<<"$OUT" && ok "$O: start exit 1" || bad "$O: start $(grep '^rc=' <<<"$OUT"), want rc=1"
    grep -q "^running\$" <<<"$OUT" && bad "$O: labguest runs there after start" || ok "$O: labguest not started there"
fi

# migrate where the guest runs: the promoted-role ban there must demote DRBD and move the guest
# (live: allow-migrate) to the other node.
M=${home:-node1}
P=${NODE_PEER[$M]}
# The guest's RAM counter (a boot sector counting seconds at 0x7e00, see stack.sh) on NODE.
counter() {
    gx "$1" "virsh -q qemu-monitor-command labguest --hmp 'xp /1hx 0x7e00' 2>/dev/null" 60 |
        sed -n 's/.*: 0x\([0-9a-f]*\).*/\1/p' | { read -r h && echo $((16#$h)); }
}
on "$M" "$CVM cleanup" 600
((RC == 0)) && ok "cleanup" || bad "cleanup -> $RC: $OUT"
c0=$(counter "$M")
t0=$SECONDS
on "$M" "$CVM migrate; echo rc=\$?" 1200
printf '%s\n' "$OUT" | sed "s/^/    [$M] /"
grep -q "^rc=0" <<<"$OUT" && ok "migrate on $M ($((SECONDS - t0))s)" || bad "migrate on $M ($((SECONDS - t0))s)"
on "$P" "crm_mon -1 --output-as=xml"
xml=$OUT
xp() { xmllint --xpath "$1" - <<<"$xml" 2>/dev/null; }
[[ $(xp "count(/pacemaker-result/bans/ban[@node='$M'][@promoted-only='true'])") == 1 ]] && ok "crm_mon: promoted-role ban on $M" || bad "no promoted-role ban on $M"
[[ $(xp "count(//clone/resource[@role='Promoted']/node[@name='$M'])") == 0 ]] && ok "nothing promoted on $M" || bad "still promoted on $M"
[[ $(xp "string(//resource[@id='labguest'][@role='Started']/node/@name)") == "$P" ]] && ok "labguest runs on $P" || bad "labguest not on $P: $(xp "string(//resource[@id='labguest']/@role)")"
c1=$(counter "$P")
[[ -n $c0 && -n $c1 ]] && ((c1 >= c0)) && ok "the guest moved live (RAM counter $c0 -> $c1)" || bad "the guest was restarted, not migrated (RAM counter '$c0' -> '$c1')"
on "$M" "drbdadm role r0"
[[ $OUT == Secondary/* ]] && ok "$M DRBD is Secondary ($OUT)" || bad "$M DRBD role $OUT"
cp "$HERE/../../cluster/conf/capture.sh" "$SHARE/work/capture.sh"
gx_all "bash /host/work/capture.sh clevervm-migrated drbd crm mount" 120 >/dev/null || echo "# capture clevervm-migrated incomplete"
on "$P" "$CVM status; echo rc=\$?" 300
printf '%s\n' "$OUT" | sed "s/^/    [$P] /"
grep -Eq "^  drbd-r0-clone +$M +promoted role +-INFINITY" <<<"$OUT" && ok "status from $P lists the promoted-role ban on $M" || bad "status from $P lacks the ban row"
grep -q "^rc=0\$" <<<"$OUT" && ok "status on $P: exit 0 (the guest runs there)" || bad "status on $P: $(grep '^rc=' <<<"$OUT"), want rc=0"
on "$M" "$CVM status; echo rc=\$?" 300
printf '%s\n' "$OUT" | sed "s/^/    [$M] /"
grep -q "$M is marked unfit (clevervm migrate)" <<<"$OUT" && ok "status on $M: marked unfit" || bad "status on $M lacks 'marked unfit'"
grep -q "^rc=3\$" <<<"$OUT" && ok "status on $M: exit 3 (no guest here)" || bad "status on $M: $(grep '^rc=' <<<"$OUT"), want rc=3"
# GFS2 is not mounted on $M now, so labguest's XML is unreadable there: still listed, by its
# file's name, with where Pacemaker runs it.
grep -Eq "^  labguest +.* +labguest Started on $P\$" <<<"$OUT" &&
    ok "status on $M lists labguest (Started on $P) without GFS2" || bad "status on $M lacks the labguest row"
jchk "$M" "d['node_banned'], d['drbd'][0]['role']" "True Secondary"
t0=$SECONDS
on "$M" "$CVM unmigrate" 600
((RC == 0)) && ok "unmigrate on $M" || bad "unmigrate -> $RC: $OUT"
until on "$M" "drbdadm role r0" && [[ $OUT == Primary/Primary ]]; do
    ((SECONDS - t0 < 900)) || break
    sleep 10
done
[[ $OUT == Primary/Primary ]] && ok "Primary/Primary again after unmigrate ($((SECONDS - t0))s)" || bad "DRBD role after unmigrate: $OUT"
on "$P" "crm_mon -1 --output-as=xml"
xml=$OUT
[[ $(xp "count(/pacemaker-result/bans/ban)") == 0 ]] && ok "no bans left" || bad "bans remain"
[[ $(xp "string(//resource[@id='labguest'][@role='Started']/node/@name)") == "$P" ]] && ok "labguest stays on $P (stickiness)" || bad "labguest moved after unmigrate"
jchk "$M" "d['node_banned']" "False"
echo "$passed passed, $failed failed"
((failed == 0))
