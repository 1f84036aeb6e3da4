#!/bin/bash
# What happens to a running resource that is removed from the configuration, on the real
# sandbox Pacemaker: the procedure `ocfkit adopt` would need to merge a separate activation
# resource into another one without stopping what it manages.
# A cloned ocf:heartbeat:Dummy stands in (its stop deletes its state file and shows in the
# executor's log). Case 1, the control: removed under maintenance-mode, management resumed:
# Pacemaker stops the orphan. Case 2: removed under maintenance-mode, then its history erased on
# every node (crm_resource --refresh on the orphan's id) before resuming: nothing is stopped.
#   adopt-orphan.sh   (root; exit 77 = skipped)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
WORK=/run/ocfkit-adopt-orphan
NODE=$(uname -n)

[[ $(id -u) == 0 ]] || { echo "SKIP: needs root (Pacemaker)"; exit 77; }
for t in pcs crm_mon cibadmin crm_resource crm_attribute xmllint; do
    command -v "$t" >/dev/null || { echo "SKIP: $t not installed"; exit 77; }
done
[[ -x /usr/lib/ocf/resource.d/heartbeat/Dummy ]] || { echo "SKIP: stock Dummy not installed"; exit 77; }

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }
bad() { failed=$((failed + 1)); echo "not ok - $*"; }

exec 8>/run/ocfkit-sandbox-scenarios.lock
flock -w "${OCFKIT_SANDBOX_WAIT:-600}" 8 || { echo "SKIP: the sandbox stayed busy (scenarios lock)"; exit 77; }
bash "$CLUSTER_SH" status >/dev/null 2>&1 && { echo "SKIP: a sandbox cluster not started by this test is running"; exit 77; }
STARTED=0 T0=$SECONDS
teardown() {
    echo "# teardown"
    ((STARTED)) && { bash "$CLUSTER_SH" down >/dev/null 2>&1 || echo "# cluster.sh down failed"; }
    rm -rf "$WORK"
    echo "# $passed passed, $failed failed ($((SECONDS - T0)) s)"
    ((failed == 0))
}
trap teardown EXIT
trap 'exit 1' INT TERM
rm -rf "$WORK"
mkdir -p "$WORK"
bash "$CLUSTER_SH" up || { bad "cluster.sh up"; exit 1; }
STARTED=1

log_mark() { echo $(($(wc -l <"$SANDBOX_LOG/pacemaker.log") + 1)); }
stops_since() {  # MARK ID
    tail -n +"$1" "$SANDBOX_LOG/pacemaker.log" | grep -E "rsc:$2(:[0-9]+)? action:stop " || true
}
history_count() {  # ID: lrm_resource entries for it in the status section
    cibadmin --query --scope status 2>/dev/null |
        xmllint --xpath "count(//lrm_resource[@id='$1' or starts-with(@id, '$1:')])" - 2>/dev/null
}
maintenance() {
    if [[ $1 == on ]]; then crm_attribute --type crm_config --name maintenance-mode --update true >/dev/null
    else crm_attribute --type crm_config --name maintenance-mode --delete >/dev/null 2>&1; fi
    crm_resource --wait --timeout=60s >/dev/null 2>&1
}

# one_case NAME ERASE_HISTORY: create, remove under maintenance, (erase history), resume.
one_case() {
    local name=$1 erase=$2 id=orph-$1 state=$WORK/orph-$1.state mark t0
    pcs resource create "$id" ocf:heartbeat:Dummy state="$state" op monitor interval=5s clone >/dev/null
    wait_xpath 60 "$(started_xpath "$id")" >/dev/null || { bad "$name: $id did not start"; return; }
    [[ -e $state ]] && ok "$name: $id runs (state file $state)" || { bad "$name: no state file"; return; }
    mark=$(log_mark)
    maintenance on
    # One CIB update removes the clone and its primitive, as adopt's patch would.
    cibadmin --delete --scope resources --xml-text "<clone id=\"$id-clone\"/>" >/dev/null ||
        { bad "$name: cibadmin --delete"; return; }
    [[ $(history_count "$id") -ge 1 ]] && ok "$name: removed from the configuration, its history stays (an orphan)" ||
        bad "$name: no history left after removal"
    if [[ $erase == yes ]]; then
        crm_resource --refresh --resource "$id" >"$WORK/refresh.out" 2>&1 &&
            ok "$name: crm_resource --refresh accepts the orphan's id" ||
            bad "$name: crm_resource --refresh --resource $id failed: $(tr '\n' ' ' <"$WORK/refresh.out")"
        t0=$SECONDS
        while [[ $(history_count "$id") != 0 ]] && ((SECONDS - t0 < 60)); do sleep 1; done
        [[ $(history_count "$id") == 0 ]] && ok "$name: its history is gone from every node ($((SECONDS - t0)) s)" ||
            bad "$name: history still there after 60 s"
    fi
    maintenance off
    sleep 3  # the transition after resuming has been computed and run (crm_resource --wait above)
    crm_resource --wait --timeout=60s >/dev/null 2>&1
    if [[ $erase == yes ]]; then
        [[ -z $(stops_since "$mark" "$id") ]] && ok "$name: no stop in the executor's log" ||
            bad "$name: Pacemaker stopped it: $(stops_since "$mark" "$id")"
        [[ -e $state ]] && ok "$name: what it manages is untouched (state file still there)" || bad "$name: state file gone"
        crm_xml
        [[ $(xq "count(//resource[@id='$id' or starts-with(@id, '$id:')])") == 0 ]] && ok "$name: crm_mon knows it no more" ||
            bad "$name: crm_mon still shows $id"
    else
        # The control: what adopt must never let happen.
        [[ -n $(stops_since "$mark" "$id") && ! -e $state ]] &&
            ok "$name (control): without erasing its history, Pacemaker stopped the orphan on resuming" ||
            bad "$name (control): the orphan was not stopped: the safe case proves nothing"
    fi
}

one_case control no
one_case erased yes
exit 0
