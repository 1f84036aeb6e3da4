#!/bin/bash
# clevervm's real libvirt client (no fake) against sockets of its own, so no shared libvirtd is
# touched and no lock is needed: one that accepts and never answers (what a hung libvirtd looks
# like to a client), a stale socket file nobody listens on (a killed libvirtd) and none at all
# (libvirtd down). status must exit 4 within its bound with the guests section marked
# unavailable, stop and start 1; nothing may hang.
#   libvirt-socket-test.sh BUILDDIR        (exit 77 = skipped)
set -uo pipefail
BUILD=$(cd "${1:?usage: libvirt-socket-test.sh BUILDDIR}" && pwd)
CVM=$BUILD/agents/clevervm/clevervm
[[ -x $CVM ]] || { echo "SKIP: clevervm not built in $BUILD"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 77; }

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }
bad() { failed=$((failed + 1)); echo "not ok - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

WORK=$(mktemp -d /tmp/ocfkit-cvm-socket-XXXXXX)
SERVER_PID=""
teardown() {
    [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null
    rm -rf "$WORK"
}
trap teardown EXIT

# A listener that accepts every connection and never says a word.
python3 - "$WORK/silent.sock" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(64)
held = []
while True:
    held.append(s.accept()[0])
PY
SERVER_PID=$!
# A socket file left behind: bound, closed, nobody listening (connect gives ECONNREFUSED).
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$WORK/stale.sock"
for _ in $(seq 50); do [[ -S $WORK/silent.sock ]] && break; sleep 0.1; done
[[ -S $WORK/silent.sock && -S $WORK/stale.sock ]] || { bad "test sockets not created"; exit 1; }

config() {  # SOCKET: everything configured, so nothing is discovered
    cat >"$WORK/clevervm.conf" <<CONF
guests = g1 g2
promotable = cvm-none-clone
drbd_resource = r0
mounts = $WORK
libvirt_uri = qemu:///system?socket=$1
CONF
}
CVM_TIMEOUT=60
source "$(dirname "$0")/timed-cvm.sh"
unavailable_line() { sed -n '/^Virtual machines$/{n;p;q}' <<<"$OUT"; }

for case in "silent.sock:did not answer virConnectOpen within 5 s:8" \
            "stale.sock:Connection refused:3" \
            "missing.sock:No such file or directory:3"; do
    IFS=: read -r sock why limit <<<"$case"
    config "$WORK/$sock"
    cvm status
    expect 4 "$limit" "status, libvirt socket $sock"
    check "$sock: the guests section says unavailable: ...$why" grep -q "^  unavailable: .*$why" <<<"$(unavailable_line)"
    check "$sock: both guests shown with unknown state" test "$(grep -cE '^  g[12] +\? +\? ' <<<"$OUT")" == 2
    cvm status --json
    check "$sock: JSON libvirt_available false" test "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["libvirt_available"])' <<<"$OUT")" == False
    cvm stop
    expect 1 "$limit" "stop, libvirt socket $sock"
    check "$sock: stop tried libvirt once, not once per guest" test "$(grep -c "$why" <<<"$ERR")" == 1
    check "$sock: stop says 2 of 2 guests not done" grep -q "stop: 2 of 2 guests not done" <<<"$ERR"
    cvm start
    expect 1 "$limit" "start, libvirt socket $sock"
done

echo "$passed passed, $failed failed"
((failed == 0))
