#!/bin/bash
# Regenerates tests/data/crm_mon/sandbox-*.xml from the real single-node sandbox cluster:
# `crm_mon -1 --output-as=xml` (what ClusterAccess runs) in a few states. Needs root and a running
# cluster (tests/sandbox/cluster.sh up); creates and deletes its own resources.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../data/crm_mon}
node=$(uname -n)
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mkdir -p "$out"

xp() { xmllint --xpath "$1" - 2>/dev/null <<<"$xml" || true; }

# Waits until the XPath expression (a boolean) holds in crm_mon's XML.
wait_for() {
    local expr=$1 t0=$SECONDS
    while ((SECONDS - t0 < 60)); do
        xml=$(crm_mon -1 --output-as=xml)
        [[ $(xp "$expr") == true ]] && return 0
        sleep 1
    done
    echo "capture: timed out waiting for $expr" >&2
    return 1
}

capture() {
    crm_mon -1 --output-as=xml >"$out/sandbox-$1.xml"
    echo "wrote $out/sandbox-$1.xml"
}

cleanup() {
    for r in cap-dummy cap-stateful cap-failstart cap-failmon; do
        pcs resource delete "$r" --force >/dev/null 2>&1 || true
    done
    crm_resource --cleanup >/dev/null 2>&1 || true
    rm -f /run/ocfkit-sandbox/cap-*.state
}
trap cleanup EXIT

wait_for "count(/pacemaker-result/nodes/node[@online='true']) = 1"
capture idle

pcs resource create cap-dummy ocf:pacemaker:Dummy state=/run/ocfkit-sandbox/cap-dummy.state
wait_for "boolean(//resource[@id='cap-dummy'][@role='Started'][@active='true'])"
capture dummy-started
pcs resource delete cap-dummy >/dev/null
wait_for "count(//resource[@id='cap-dummy']) = 0"

pcs resource create cap-stateful ocf:pacemaker:Stateful promotable
wait_for "boolean(//clone[@id='cap-stateful-clone']/resource[@role='Promoted'])"
capture stateful-promoted
pcs resource delete cap-stateful >/dev/null
wait_for "count(//clone[@id='cap-stateful-clone']) = 0"

# A start that fails: start-failure-is-fatal bans the node, so the resource stays stopped and
# the failed start is listed.
pcs resource create cap-failstart ocf:pacemaker:Dummy state=/run/ocfkit-sandbox/cap-failstart.state \
    fail_start_on="$node"
wait_for "boolean(/pacemaker-result/failures/failure[@op_key='cap-failstart_start_0'])"
wait_for "boolean(//resource[@id='cap-failstart'][@active='false'])"
capture failed-start
pcs resource delete cap-failstart --force >/dev/null
crm_resource --cleanup >/dev/null 2>&1 || true
wait_for "count(/pacemaker-result/failures/failure) = 0"

# A monitor that finds the resource gone behind the cluster's back: Pacemaker restarts it and the
# failed monitor (rc 7) stays listed with a fail count.
pcs resource create cap-failmon ocf:pacemaker:Dummy state=/run/ocfkit-sandbox/cap-failmon.state \
    op monitor interval=2s
wait_for "boolean(//resource[@id='cap-failmon'][@role='Started'][@active='true'])"
rm -f /run/ocfkit-sandbox/cap-failmon.state
wait_for "boolean(/pacemaker-result/failures/failure[@op_key='cap-failmon_monitor_2000'])"
wait_for "boolean(//resource[@id='cap-failmon'][@role='Started'][@active='true'])"
capture failed-monitor
