# Shared by the dlmlvm fake tools (sourced). They act on a fake host root only:
#   OCFKIT_HOST_ROOT   the directory the agents see as /run, /sys and /dev (required: the fakes
#                      never touch the real ones)
#   DLMLVM_FAKE_STATE  the fakes' own state and knobs (default: $OCFKIT_HOST_ROOT/fake)
# Knob files in the state directory (touch or write them from a test):
#   dlm_controld.fail-start      the launcher exits 1 with a message, nothing starts
#   dlm_controld.die-at-start    the daemon starts, then exits before it answers
#   dlm_controld.ready-delay     seconds before the daemon answers (default 0)
#   dlm_controld.ignore-term     the daemon ignores SIGTERM even without lockspaces (wedged)
#   dlm_tool.hang                dlm_tool blocks (a hung daemon socket)
#   dlm.scenario                 which tests/data/dlm/<scenario>/ replay (default two-node-steady)
#   lvmlockd.fail-start, lvmlockd.ready-delay, lvmlockd.die-at-start, lvmlockctl.hang
#   clvmd.fail-start, clvmd.ready-delay
#   vgchange.hang, vgchange.fail-activate, vgchange.fail-deactivate (LV busy), vgchange.fail-lock-start
#   drbdadm-dump-xml.txt         replaces the captured `drbdadm dump-xml`
#   modprobe.fail                `modprobe dlm` fails
# calls.log records every call, one line each; lvmlockctl.answered the line numbers there of the
# `lvmlockctl -i` calls that got an answer (lvmlockd ready).

: "${OCFKIT_HOST_ROOT:?the dlmlvm fake tools need OCFKIT_HOST_ROOT (a scratch directory)}"
ROOT=$OCFKIT_HOST_ROOT
FAKE=${DLMLVM_FAKE_STATE:-$ROOT/fake}
FAKE_TOOLS=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
DATA=$(cd "$FAKE_TOOLS/../../data" && pwd)
mkdir -p "$FAKE" "$ROOT/run" "$ROOT/sys/kernel" "$ROOT/dev/misc"

record() {
    printf '%s %s\n' "$(basename "$0")" "$*" >> "$FAKE/calls.log"
}

knob() { [ -e "$FAKE/$1" ]; }
knob_value() { cat "$FAKE/$1" 2>/dev/null || echo "$2"; }

# A live process with that comm whose pid is in the pidfile.
pid_alive() {  # pidfile comm
    local pid
    pid=$(cat "$1" 2>/dev/null) || return 1
    [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 1
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] || return 1
    ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null
}

# Daemonize like the real daemons: own session, stdio detached, the launcher returns at once.
# Usage: daemonize "$@"   (returns in the daemon; the launcher exits)
daemonize() {
    if [ "${FAKE_DAEMON_CHILD:-}" != 1 ]; then
        FAKE_DAEMON_CHILD=1 setsid "$0" "$@" < /dev/null > /dev/null 2>&1 &
        exit 0
    fi
    unset FAKE_DAEMON_CHILD
}

# Waits without a child process (a `sleep` child would inherit the device files a fake daemon
# holds open and show up as their holder): `read -t` on a private FIFO nobody writes to. Trapped
# signals end the wait early.
idle() {  # seconds (may be fractional)
    if [ -z "${IDLE_FD:-}" ]; then
        local fifo="$FAKE/.idle.$$.$RANDOM"
        mkfifo "$fifo" && exec {IDLE_FD}<> "$fifo"
        rm -f "$fifo"
    fi
    read -r -t "$1" -u "$IDLE_FD" _ || true
}

# Replays a captured NAME.txt / NAME.rc pair.
replay() {  # dir name
    cat "$1/$2.txt"
    return "$(cat "$1/$2.rc" 2> /dev/null || echo 0)"
}

dlm_ready() {
    pid_alive "$ROOT/run/dlm_controld/dlm_controld.pid" dlm_controld && [ -e "$FAKE/dlm_controld.ready" ]
}

lvmlockd_pidfile() { cat "$FAKE/lvmlockd.pidfile" 2>/dev/null || echo "$ROOT/run/lvmlockd.pid"; }
lvmlockd_ready() { pid_alive "$(lvmlockd_pidfile)" lvmlockd && [ -e "$FAKE/lvmlockd.ready" ]; }
clvmd_ready() { pid_alive "$ROOT/run/clvmd.pid" clvmd && [ -e "$FAKE/clvmd.ready" ]; }

# The fake LVM metadata: one line per LV, "vg vg_uuid lock_type lv lv_uuid"; the default is the
# captured two-node cluster (VG vgcl, LV lvgfs).
lvm_metadata() {
    if [ -f "$FAKE/lvm.metadata" ]; then
        cat "$FAKE/lvm.metadata"
    else
        echo "vgcl E1NXBr-Y5e8-OFkV-e6es-hzoY-K2DE-ZnN9K7 dlm lvgfs 7ifDbK-YEZC-AjcM-VZBX-eSce-BjoK-dhVGXc"
    fi
}
vg_known() { lvm_metadata | awk -v vg="$1" '$1 == vg { found = 1 } END { exit !found }'; }
vg_lock_type() { lvm_metadata | awk -v vg="$1" '$1 == vg { print $3; exit }'; }
vg_uuid() { lvm_metadata | awk -v vg="$1" '$1 == vg { print $2; exit }'; }
vg_lvs() { lvm_metadata | awk -v vg="$1" '$1 == vg && $4 != "-" { print $4 }'; }
lv_uuid() { lvm_metadata | awk -v vg="$1" -v lv="$2" '$1 == vg && $4 == lv { print $5; exit }'; }

# Device-mapper as sysfs shows it: /sys/block/dm-N/dm/name = "vg-lv".
dm_name() { printf '%s-%s' "${1//-/--}" "${2//-/--}"; }
lv_active() {  # vg lv
    local n d
    n=$(dm_name "$1" "$2")
    for d in "$ROOT"/sys/block/dm-*/dm/name; do
        [ -f "$d" ] && [ "$(cat "$d")" = "$n" ] && return 0
    done
    return 1
}
lv_activate() {  # vg lv mode
    lv_active "$1" "$2" && return 0
    local i=0
    while [ -e "$ROOT/sys/block/dm-$i" ]; do i=$((i + 1)); done
    mkdir -p "$ROOT/sys/block/dm-$i/dm"
    { dm_name "$1" "$2"; echo; } > "$ROOT/sys/block/dm-$i/dm/name"  # sysfs ends it with a newline
    local vu lu
    vu=$(vg_uuid "$1")
    lu=$(lv_uuid "$1" "$2")
    echo "LVM-${vu//-/}${lu//-/}" > "$ROOT/sys/block/dm-$i/dm/uuid"
    echo "253:$i" > "$ROOT/sys/block/dm-$i/dev"
    echo "$3" > "$ROOT/sys/block/dm-$i/dm/fake-mode"
}
lv_deactivate() {  # vg lv
    local d n
    n=$(dm_name "$1" "$2")
    for d in "$ROOT"/sys/block/dm-*; do
        [ -f "$d/dm/name" ] && [ "$(cat "$d/dm/name")" = "$n" ] && rm -rf "$d"
    done
    return 0
}
lv_mode() {  # vg lv -> sh/ex
    local d n
    n=$(dm_name "$1" "$2")
    for d in "$ROOT"/sys/block/dm-*; do
        [ -f "$d/dm/name" ] && [ "$(cat "$d/dm/name")" = "$n" ] && cat "$d/dm/fake-mode"
    done
}

# Started lvmlockd lockspaces: one file per VG under $FAKE/lvmlockd-ls ("global" for lvm_global).
ls_started() { [ -e "$FAKE/lvmlockd-ls/$1" ]; }
