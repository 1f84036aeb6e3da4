#!/bin/bash
# clevervm against a real libvirtd and a real TCG guest: status, stop and start while libvirtd is
# hung (SIGSTOP) and while it is down. Each must answer within its bound (5 s connect + the
# cluster tools), with LSB codes: status 4 ("unknown": the guests' state cannot be told) and the
# guests section marked unavailable; stop/start 1 with the guest left as it was. Then libvirtd
# is woken / started again, status is 0 once more, and a real hibernation and resume follow.
#   libvirtd-fault-test.sh BUILDDIR private|system        (root; exit 77 = skipped)
# private: a libvirtd of the test's own, in session mode as user nobody with its own runtime
#   directories (clevervm, as root, reaches it through its socket): nothing shared is touched.
# system: the host's test libvirtd (tests/lib/libvirtd.sh, qemu:///system), which other tests
#   share: run it holding /tmp/ocfkit-host.lock. It is left as it was found (up or down).
set -uo pipefail
BUILD=$(cd "${1:?usage: libvirtd-fault-test.sh BUILDDIR private|system}" && pwd)
MODE=${2:?usage: libvirtd-fault-test.sh BUILDDIR private|system}
HERE=$(cd "$(dirname "$0")" && pwd)
SOURCE_ROOT=$(cd "$HERE/../../.." && pwd)
LIBVIRTD_SH=$SOURCE_ROOT/tests/lib/libvirtd.sh
CVM=$BUILD/agents/clevervm/clevervm
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

[[ $(id -u) == 0 ]] || { echo "SKIP: needs root"; exit 77; }
[[ -x $CVM ]] || { echo "SKIP: clevervm not built in $BUILD"; exit 77; }
for t in virsh libvirtd qemu-system-x86_64 python3 setpriv; do
    command -v "$t" >/dev/null || { echo "SKIP: $t not installed"; exit 77; }
done
[[ $MODE == private || $MODE == system ]] || { echo "unknown mode $MODE" >&2; exit 2; }

# flock(1) hands its lock fd to the command: a daemon started from here (libvirtd.sh up) would
# inherit it and hold /tmp/ocfkit-host.lock for as long as it runs. Drop any copy we got.
for fd in "/proc/$$/fd"/*; do
    [[ $(readlink "$fd") == /tmp/ocfkit-host.lock ]] && eval "exec ${fd##*/}>&-"
done

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }
bad() { failed=$((failed + 1)); echo "not ok - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

# Short paths: qemu's monitor socket lands under the session's home (108 bytes at most).
WORK=$(mktemp -d /run/cvmlv.XXXXXX)
chmod 0755 "$WORK"
GUEST=cvmlv-$$
STOPPED_PID=""

if [[ $MODE == system ]]; then
    URI=qemu:///system
    WAS_UP=0
    bash "$LIBVIRTD_SH" status >/dev/null 2>&1 && WAS_UP=1
    daemon_pid() { bash "$LIBVIRTD_SH" pid; }
    daemon_up() { bash "$LIBVIRTD_SH" up >/dev/null; }
    daemon_down() { bash "$LIBVIRTD_SH" down >/dev/null; }
    daemon_final() { ((WAS_UP)) || bash "$LIBVIRTD_SH" down >/dev/null 2>&1; }
    QEMU_RUN=/run/libvirt/qemu
    SAVE_DIR=/var/lib/libvirt/qemu/save
else
    SESSION=$WORK/s
    mkdir -p "$SESSION/home" "$SESSION/run"
    chown -R nobody:nogroup "$SESSION"
    chmod 0700 "$SESSION/run"
    URI="qemu:///session?socket=$SESSION/run/libvirt/libvirt-sock"
    PRIVATE_PID=""
    daemon_pid() { [[ -n $PRIVATE_PID ]] && echo "$PRIVATE_PID"; }
    daemon_up() {
        [[ -n $PRIVATE_PID ]] && return 0
        # setpriv and env exec: $! is the daemon itself.
        setpriv --reuid=nobody --regid=nogroup --clear-groups env -i HOME="$SESSION/home" \
            XDG_RUNTIME_DIR="$SESSION/run" XDG_CONFIG_HOME="$SESSION/home/.config" \
            XDG_CACHE_HOME="$SESSION/home/.cache" PATH="$PATH" libvirtd >>"$WORK/libvirtd.log" 2>&1 </dev/null &
        PRIVATE_PID=$!
        local _
        for _ in $(seq 100); do
            LIBVIRT_AUTOSTART=0 timeout 5 virsh -q -c "$URI" list >/dev/null 2>&1 && return 0
            sleep 0.1
        done
        echo "private libvirtd did not answer within 10 s" >&2
        return 1
    }
    daemon_down() {
        [[ -n $PRIVATE_PID ]] || return 0
        kill -CONT "$PRIVATE_PID" 2>/dev/null
        kill -TERM "$PRIVATE_PID" 2>/dev/null
        wait "$PRIVATE_PID" 2>/dev/null
        PRIVATE_PID=""
    }
    daemon_final() {
        daemon_down
        # The session's log daemon, spawned by the private libvirtd for the guest's console.
        local pid
        pid=$(cat "$SESSION/run/libvirt/virtlogd.pid" 2>/dev/null) && [[ -n $pid ]] &&
            [[ $(cat "/proc/$pid/comm" 2>/dev/null) == virtlogd ]] && kill "$pid" 2>/dev/null
        return 0
    }
    QEMU_RUN=$SESSION/run/libvirt/qemu/run
    SAVE_DIR=$SESSION/home/.config/libvirt/qemu/save
fi
# The client never starts a daemon of its own (libvirt's session autostart).
export LIBVIRT_AUTOSTART=0
VIRSH=(timeout 30 virsh -q -c "$URI")

teardown() {
    [[ -n $STOPPED_PID ]] && kill -CONT "$STOPPED_PID" 2>/dev/null
    daemon_up >/dev/null 2>&1
    "${VIRSH[@]}" destroy "$GUEST" >/dev/null 2>&1
    "${VIRSH[@]}" managedsave-remove "$GUEST" >/dev/null 2>&1
    "${VIRSH[@]}" undefine --managed-save "$GUEST" >/dev/null 2>&1
    daemon_final
    rm -rf "$WORK"
}
trap teardown EXIT

daemon_up || { echo "SKIP: libvirtd cannot start"; exit 77; }

# A firmware-only guest: boots in well under a second under TCG, no disk.
cat >"$WORK/$GUEST.xml" <<XML
<domain type='qemu'>
  <name>$GUEST</name>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices><emulator>/usr/bin/qemu-system-x86_64</emulator><memballoon model='none'/></devices>
</domain>
XML
chmod 0644 "$WORK/$GUEST.xml"
if ! "${VIRSH[@]}" define "$WORK/$GUEST.xml" >/dev/null || ! "${VIRSH[@]}" start "$GUEST" >/dev/null; then
    bad "define and start $GUEST"
    exit 1
fi

# Everything configured: no CIB discovery; the cluster tools may or may not find a cluster here.
cat >"$WORK/clevervm.conf" <<CONF
guests = $GUEST
promotable = cvm-none-clone
drbd_resource = r0
mounts = $WORK
libvirt_uri = $URI
CONF

CVM_TIMEOUT=120
source "$(dirname "$0")/timed-cvm.sh"
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)" <<<"$OUT"; }
qemu_alive() {  # the guest's qemu, from libvirt's pid file: evidence that does not need libvirtd
    local pid
    pid=$(cat "$QEMU_RUN/$GUEST.pid" 2>/dev/null) || return 1
    [[ -n $pid ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "guest=$GUEST"
}
guests_unavailable() {  # the text screen's guests section says why it has no states
    python3 - "$OUT" "$1" <<'PY'
import sys
text, why = sys.argv[1], sys.argv[2]
section = text.split("\nVirtual machines\n", 1)
ok = len(section) == 2 and section[1].startswith("  unavailable: ") and why in section[1].splitlines()[0]
rows = [l.split() for l in section[1].splitlines()[2:] if l.strip()] if ok else []
sys.exit(0 if ok and rows and rows[0][1:3] == ["?", "?"] else 1)
PY
}

# --- baseline ---------------------------------------------------------------------------------
cvm status
expect 0 30 "status with $GUEST running"
check "status says 1 of 1 guests running" grep -q "running: 1 of 1 guests running here" <<<"$OUT"

# --- libvirtd hung (SIGSTOP) --------------------------------------------------------------------
STOPPED_PID=$(daemon_pid) || { bad "no libvirtd pid"; exit 1; }
kill -STOP "$STOPPED_PID"
ok "libvirtd (pid $STOPPED_PID) stopped with SIGSTOP"
cvm status
expect 4 15 "status while libvirtd is hung"
check "the guests section is marked unavailable (virConnectOpen did not answer within 5 s)" \
    guests_unavailable "did not answer virConnectOpen within 5 s"
check "the summary line says unknown: libvirt unavailable" grep -q "^clevervm on .*: unknown: libvirt unavailable: " <<<"$OUT"
check "the cluster section is still shown" grep -q "^Cluster" <<<"$OUT"
cvm status --json
expect 4 15 "status --json while libvirtd is hung"
check "JSON: libvirt_available false, guest state null" test "$(json "d['libvirt_available'], d['guests'][0]['state']")" == "False None"
cvm stop
expect 1 15 "stop (hibernate) while libvirtd is hung"
check "stop names the call that did not answer" grep -q "did not answer virConnectOpen within 5 s" <<<"$ERR"
check "the guest's qemu still runs" qemu_alive
cvm start
expect 1 15 "start while libvirtd is hung"
kill -CONT "$STOPPED_PID"
STOPPED_PID=""
ok "libvirtd woken with SIGCONT"
cvm status
expect 0 30 "status after libvirtd answers again"
check "the guest was not hibernated meanwhile" test "$("${VIRSH[@]}" domstate "$GUEST" | head -n1)" == running

# --- libvirtd down -------------------------------------------------------------------------------
daemon_down
check "libvirtd is down" test -z "$(daemon_pid)"
cvm status
expect 4 15 "status while libvirtd is down"
check "the guests section is marked unavailable (cannot connect)" guests_unavailable "cannot connect to libvirt at $URI"
cvm stop
expect 1 15 "stop while libvirtd is down"
check "the guest's qemu still runs without libvirtd" qemu_alive
daemon_up || bad "libvirtd did not come back"
cvm status
expect 0 30 "status once libvirtd is up again (it reattached the guest)"

# --- a real hibernation and resume through the bounded layer ------------------------------------
cvm stop
expect 0 60 "stop: managed save"
check "the guest is shut off with a managed save image" test "$("${VIRSH[@]}" domstate "$GUEST" | head -n1)" == "shut off"
cvm status
expect 3 30 "status with the guest hibernated"
cvm start
expect 0 60 "start: resumed from the managed save"
check "start says so" grep -q "resumed from managed save" <<<"$OUT"

# --- libvirtd hung in the middle of a hibernation: keepalive ends the call ----------------------
# The managed save is a long call (bounded only by `wait`, 90 s here); libvirtd is stopped once
# it is under way, and libvirt's keepalive (2 pings 2 s apart) closes the connection.
sed -i '/^wait/d' "$WORK/clevervm.conf"
echo "wait = 90" >>"$WORK/clevervm.conf"
t0=$(date +%s.%N)
timeout 120 "$CVM" --config "$WORK/clevervm.conf" stop >"$WORK/out" 2>"$WORK/err" &
STOP_JOB=$!
# Under way: libvirt creates the save image as the save starts (the call is then in flight).
for _ in $(seq 1000); do
    [[ -e $SAVE_DIR/$GUEST.save ]] && break
    sleep 0.01
done
STOPPED_PID=$(daemon_pid)
kill -STOP "$STOPPED_PID"
wait "$STOP_JOB"
RC=$?
SECS=$(python3 -c "print(f'{$(date +%s.%N) - $t0:.2f}')")
ERR=$(cat "$WORK/err")
kill -CONT "$STOPPED_PID"
STOPPED_PID=""
if grep -q "did not answer" <<<"$ERR"; then
    echo "# libvirtd stopped before the save call was made (a quick call overran): not the keepalive case"
fi
expect 1 20 "stop while libvirtd hangs during the managed save"
check "the error is keepalive's (not the 90 s bound): $(grep -o "cannot hibernate.*" <<<"$ERR" | head -n1)" grep -q "keepalive timeout: libvirtd stopped answering" <<<"$ERR"
# libvirtd finishes the job once it runs again.
for _ in $(seq 100); do
    [[ $("${VIRSH[@]}" domstate "$GUEST" 2>/dev/null | head -n1) == "shut off" ]] && break
    sleep 0.2
done
check "the hibernation completed after SIGCONT" test "$("${VIRSH[@]}" domstate "$GUEST" | head -n1)" == "shut off"

echo "$passed passed, $failed failed"
((failed == 0))
