#!/bin/bash
# clevervm on the two-node qemu cluster (tests/cluster): run after `tests/cluster/run.sh boot
# stack` (and `verify`), with the VMs up. Copies this build's clevervm into both guests and checks,
# on the real DRBD 8.4 + GFS2 + virtdomain stack: status from either node (text and --json,
# read from crm_mon XML, drbdsetup events2 and libvirt), then cleanup, migrate (the promoted-role
# ban on node1: DRBD demoted there, the guest away) and unmigrate (ban removed, Primary/Primary
# again). Changes the cluster: not while another run of the cluster tier drives it.
#   cluster-tier.sh BUILDDIR [status|all]      (root)
set -uo pipefail
BUILD=$(cd "${1:?usage: cluster-tier.sh BUILDDIR [status|all]}" && pwd)
WHAT=${2:-all}
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../../cluster/lib.sh"
[[ $(id -u) == 0 ]] || { echo "SKIP: needs root"; exit 77; }
CVM=$BUILD/agents/clevervm/clevervm
[[ -x $CVM ]] || { echo "SKIP: clevervm not built in $BUILD"; exit 77; }
for n in "${NODES[@]}"; do
    vm_running "$n" && vm_ready "$n" || { echo "SKIP: cluster VM $n is not up (tests/cluster/run.sh boot stack)"; exit 77; }
done

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }
bad() { failed=$((failed + 1)); echo "not ok - $*"; }
# on NODE SCRIPT [TIMEOUT]: sets OUT and RC.
on() { OUT=$(gx "$1" "$2" "${3:-300}"); RC=$?; }
# jq-like check inside the guest: jchk NODE PYEXPR-on-d WANT
jchk() {
    on "$1" "/host/clevervm/clevervm status --json | python3 /host/clevervm/jget.py \"$2\""
    [[ $OUT == "$3" ]] && ok "$1 json: $2 == $3" || bad "$1 json: $2 = '$OUT', want '$3'"
}

mkdir -p "$SHARE/clevervm"
cp "$CVM" "$SHARE/clevervm/clevervm"
cat >"$SHARE/clevervm/jget.py" <<'PY'
import json, sys
d = json.load(sys.stdin)
r = eval(sys.argv[1], {"d": d})
print(*r) if isinstance(r, tuple) else print(r)
PY

for n in "${NODES[@]}"; do
    on "$n" "/host/clevervm/clevervm status; echo rc=\$?" 120
    printf '%s\n' "$OUT" | sed "s/^/    [$n] /"
    grep -q "partition with quorum" <<<"$OUT" && ok "$n: cluster with quorum" || bad "$n: no quorum line"
    grep -Eq "^  r0 +Primary +/dev/drbd0 +UpToDate +peer +Connected +Primary +UpToDate\$" <<<"$OUT" &&
        ok "$n: DRBD r0 Primary/Primary UpToDate/UpToDate, Connected" || bad "$n: DRBD row"
    grep -Eq "^  /[^ ]+ +/dev/[^ ]+ +gfs2 +[0-9.]+[KMG]" <<<"$OUT" && ok "$n: the GFS2 mount with size/used/free" || bad "$n: no GFS2 row"
    # The guest may be migrating (the verify phase moves it): any state, with its resource.
    grep -Eq "^  [^ ]+ +[a-z ]+ +(yes|no) +[^ -]" <<<"$OUT" && ok "$n: the guest row" || bad "$n: no guest row"
    jchk "$n" "d['drbd'][0]['role'], d['drbd'][0]['peers'][0]['connection']" "Primary Connected"
    jchk "$n" "d['cluster']['quorum'], len(d['cluster']['nodes'])" "True 2"
    jchk "$n" "[f['fstype'] for f in d['filesystems']].count('gfs2') >= 1" "True"
done
if [[ $WHAT == status ]]; then
    echo "$passed passed, $failed failed"
    ((failed == 0)); exit
fi

on node1 "/host/clevervm/clevervm cleanup" 300
((RC == 0)) && ok "cleanup" || bad "cleanup -> $RC: $OUT"
on node1 "/host/clevervm/clevervm migrate; echo rc=\$?" 900
printf '%s\n' "$OUT" | sed 's/^/    [node1] /'
grep -q "^rc=0" <<<"$OUT" && ok "migrate on node1" || bad "migrate on node1"
on node2 "crm_mon -1 --output-as=xml"
xml=$OUT
xp() { xmllint --xpath "$1" - <<<"$xml" 2>/dev/null; }
[[ $(xp "count(/pacemaker-result/bans/ban[@node='node1'][@promoted-only='true'])") == 1 ]] && ok "crm_mon: promoted-role ban on node1" || bad "no ban on node1"
[[ $(xp "count(//clone/resource[@role='Promoted']/node[@name='node1'])") == 0 ]] && ok "nothing promoted on node1" || bad "still promoted on node1"
on node1 "drbdadm role r0"
[[ $OUT == Secondary/* ]] && ok "node1 DRBD is Secondary ($OUT)" || bad "node1 DRBD role $OUT"
on node2 "/host/clevervm/clevervm status; echo rc=\$?" 120
grep -q "node1 is marked unfit\|Bans" <<<"$OUT" && ok "status from node2 shows the ban" || bad "status from node2 lacks the ban"
on node1 "/host/clevervm/clevervm status"
grep -q "node1 is marked unfit (clevervm migrate)" <<<"$OUT" && ok "status on node1: marked unfit" || bad "status on node1 lacks 'marked unfit'"
on node1 "/host/clevervm/clevervm unmigrate" 300
((RC == 0)) && ok "unmigrate on node1" || bad "unmigrate -> $RC: $OUT"
t0=$SECONDS
until on node1 "drbdadm role r0" && [[ $OUT == Primary/Primary ]]; do
    ((SECONDS - t0 < 600)) || break
    sleep 10
done
[[ $OUT == Primary/Primary ]] && ok "Primary/Primary again after unmigrate ($((SECONDS - t0))s)" || bad "DRBD role after unmigrate: $OUT"
on node2 "crm_mon -1 --output-as=xml"
xml=$OUT
[[ $(xp "count(/pacemaker-result/bans/ban)") == 0 ]] && ok "no bans left" || bad "bans remain"
echo "$passed passed, $failed failed"
((failed == 0))
