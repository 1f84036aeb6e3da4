#!/bin/bash
# gfs2fs against real mounts on loop devices (ext4, xfs) and real mkfs.gfs2 superblocks. Needs root.
# usage: real_tests.sh AGENT GROUP   (GROUP: lifecycle | busy | faults | stopscope | statusfile | badinput | gfs2 |
#                                    siblings | shutdownorder | ocf-tester)
# Everything lives under /run/ocfkit-test-gfs2fs-*; the EXIT trap removes every mount, loop
# device and process this script made, also when a check fails.
set -u
AGENT=$(readlink -f "$1")
GROUP=$2
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../../.." && pwd)
export OCFKIT_TEST_DATA=${OCFKIT_TEST_DATA:-$SRC/tests/data}
FAKES=$SRC/tests/fake-tools/gfs2fs

if [ "$(id -u)" != 0 ]; then
    echo "SKIP: needs root for loop devices and mounts"
    exit 77
fi
for t in losetup mkfs.ext4 mount umount; do
    command -v $t > /dev/null || { echo "SKIP: $t missing"; exit 77; }
done

WORK=$(mktemp -d /run/ocfkit-test-gfs2fs-XXXXXX)
LOOPS=()
PIDS=()
FAILS=0
CHECKS=0

cleanup() {
    trap - EXIT INT TERM
    for p in "${PIDS[@]}"; do kill -KILL "$p" 2> /dev/null; done
    sleep 0.2
    # Deepest first; lazy only as the very last resort so a failed test cannot leave mounts.
    for m in $(awk -v w="$WORK" '$5 == w || index($5, w "/") == 1 {print $5}' /proc/self/mountinfo | sort -r); do
        umount "$m" 2> /dev/null || umount -l "$m" 2> /dev/null
    done
    for l in "${LOOPS[@]}"; do losetup -d "$l" 2> /dev/null; done
    # Re-attached ones too: anything still backed by our images.
    local img
    for img in "$WORK"/*.img; do
        [ -e "$img" ] || continue
        for l in $(losetup -j "$img" | cut -d: -f1); do losetup -d "$l" 2> /dev/null; done
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() { CHECKS=$((CHECKS + 1)); echo "ok - $*"; }
not_ok() { CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1)); echo "not ok - $*"; sed 's/^/#   /' "$WORK/err" 2> /dev/null | tail -5; }

# mkloop NAME SIZE_MB MKFS_ARGS... → sets DEV to a new loop device over $WORK/NAME.img
# (not in a $(...) subshell: the cleanup must know every device)
mkloop() {
    local name=$1 size=$2
    shift 2
    truncate -s "${size}M" "$WORK/$name.img"
    DEV=$(losetup -f --show "$WORK/$name.img") || { echo "losetup failed" >&2; exit 1; }
    LOOPS+=("$DEV")
    "$@" "$DEV" > /dev/null 2>&1 || { echo "mkfs failed: $* $DEV" >&2; exit 1; }
}

# The resource's environment: set with res KEY=VALUE ..., cleared with res_reset.
declare -A RES
res_reset() { RES=(); RES[OCF_ROOT]=/usr/lib/ocf; RES[OCF_RESOURCE_INSTANCE]=fs1; RES[OCFKIT_CLUSTER]=standalone; }
res() { local kv; for kv in "$@"; do RES[${kv%%=*}]=${kv#*=}; done; }
unres() { local k; for k in "$@"; do unset "RES[$k]"; done; }

# full_reason: the whole exit reason behind a fitted ocf-exit-reason line.
source "$SRC/tests/lib/exit-reason.sh"
# agent ACTION [KEY=VALUE...]: runs the agent with RES plus the extra variables; sets RC, REASON.
agent() {
    local action=$1
    shift
    local -a envs=()
    local k
    for k in "${!RES[@]}"; do envs+=("$k=${RES[$k]}"); done
    env -i PATH="${TEST_PATH:-/usr/sbin:/usr/bin:/sbin:/bin}" "${envs[@]}" "$@" "$AGENT" "$action" > "$WORK/out" 2> "$WORK/err"
    RC=$?
    REASON=$(full_reason "$(cat "$WORK/err")")
    REASON_LINE=$(grep '^ocf-exit-reason:' "$WORK/err" | tail -1 | sed 's/^ocf-exit-reason://')
    [ "$(printf '%s' "$REASON_LINE" | wc -c)" -le 128 ] || not_ok "$action: the exit reason line is over 128 bytes: $REASON_LINE"
}

# expect CODE "description" ACTION [KEY=VALUE...]
expect() {
    local want=$1 what=$2
    shift 2
    agent "$@"
    if [ "$RC" = "$want" ]; then ok "$what (rc $RC)"; else not_ok "$what: rc $RC, want $want; reason: $REASON"; fi
}

# reason_has SUBSTRING: the last run's exit reason contains it
reason_has() {
    case "$REASON" in
    *"$1"*) ok "reason mentions '$1'" ;;
    *) not_ok "reason '$REASON' lacks '$1'" ;;
    esac
}

is_mounted() { awk -v m="$1" '$5 == m {f=1} END {exit !f}' /proc/self/mountinfo; }
check() { if "$@"; then ok "$*"; else not_ok "$*"; fi; }
check_not() { if "$@"; then not_ok "not $*"; else ok "not $*"; fi; }
alive() { kill -0 "$1" 2> /dev/null && ! grep -q '^State:.*Z' "/proc/$1/status" 2> /dev/null; }

# bg CMD...: starts a holder process, remembers it for cleanup, prints its pid
bg() {
    "$@" > /dev/null 2>&1 &
    local p=$!
    PIDS+=("$p")
    echo "$p"
}
# wait_for COND...: up to 10 s
wait_for() {
    local i
    for i in $(seq 100); do "$@" && return 0; sleep 0.1; done
    return 1
}
holds_cwd() { [ "$(readlink "/proc/$1/cwd")" = "$2" ]; }

# ---------------------------------------------------------------------------------------------
group_lifecycle() {
    local fstype dev m
    for fstype in ext4 xfs; do
        # A module the kernel loads on the first mount counts as available.
        if ! command -v "mkfs.$fstype" > /dev/null ||
            ! { grep -qw "$fstype" /proc/filesystems || modinfo "$fstype" > /dev/null 2>&1; }; then
            echo "# $fstype not available here: skipped"
            continue
        fi
        if [ "$fstype" = xfs ]; then mkloop xfs 300 mkfs.xfs -q -f; else mkloop ext4 64 mkfs.ext4 -q -F; fi
        dev=$DEV
        m=$WORK/$fstype/mnt
        res_reset
        res OCF_RESKEY_device="$dev" OCF_RESKEY_directory="$m" OCF_RESKEY_fstype=$fstype
        expect 0 "$fstype: validate-all level 0" validate-all
        expect 0 "$fstype: validate-all level 10" validate-all OCF_CHECK_LEVEL=10
        expect 7 "$fstype: probe before start" monitor OCF_RESKEY_CRM_meta_interval=0
        expect 0 "$fstype: stop before start" stop
        expect 0 "$fstype: start (creates the mount point)" start
        check is_mounted "$m"
        expect 0 "$fstype: start again (idempotent)" start
        [ "$(awk -v m="$m" '$5 == m' /proc/self/mountinfo | wc -l)" = 1 ] && ok "$fstype: mounted once" || not_ok "$fstype: mounted more than once"
        expect 0 "$fstype: monitor depth 0" monitor OCF_RESKEY_CRM_meta_interval=20000
        expect 0 "$fstype: monitor depth 10" monitor OCF_CHECK_LEVEL=10
        expect 0 "$fstype: monitor depth 15 (falls back to 10)" monitor OCF_CHECK_LEVEL=15
        check_not test -e "$m/.Filesystem_status"
        expect 0 "$fstype: monitor depth 20" monitor OCF_CHECK_LEVEL=20
        check test -s "$m/.Filesystem_status/fs1_$(uname -n)"
        expect 0 "$fstype: monitor depth 25 (falls back to 20)" monitor OCF_CHECK_LEVEL=25 OCF_RESKEY_CRM_meta_clone=3 OCF_RESKEY_force_clones=true
        check test -s "$m/.Filesystem_status/fs1_3_$(uname -n)"
        expect 0 "$fstype: monitor with a garbled level (0)" monitor OCF_CHECK_LEVEL=deep
        expect 0 "$fstype: monitor with statusfile_prefix" monitor OCF_CHECK_LEVEL=20 OCF_RESKEY_statusfile_prefix=st/x-
        check test -s "$m/st/x-fs1_$(uname -n)"
        expect 0 "$fstype: reload-agent (new stop settings) keeps the mount" reload-agent OCF_RESKEY_signal_delay=5
        check is_mounted "$m"
        expect 0 "$fstype: stop" stop
        check_not is_mounted "$m"
        expect 7 "$fstype: monitor after stop" monitor
        expect 0 "$fstype: stop again" stop
        # The device is free again (nothing kept it open).
        check losetup -d "$dev"
        losetup "$dev" "$WORK/$fstype.img"
    done

    # LABEL= and UUID=: /dev/disk/by-* when udev runs, blkid otherwise.
    mkloop lbl 64 mkfs.ext4 -q -F -L ocfkit-lbl; dev=$DEV
    local uuid
    uuid=$(blkid -o value -s UUID "$dev")
    m=$WORK/lbl/mnt
    res_reset
    res OCF_RESKEY_device=LABEL=ocfkit-lbl OCF_RESKEY_directory="$m" OCF_RESKEY_fstype=ext4
    expect 0 "LABEL=: start" start
    expect 0 "LABEL=: monitor" monitor
    expect 0 "LABEL=: monitor depth 10 (resolves the label)" monitor OCF_CHECK_LEVEL=10
    res OCF_RESKEY_device=UUID=$uuid
    expect 0 "UUID=: monitor depth 10" monitor OCF_CHECK_LEVEL=10
    res OCF_RESKEY_device="-U $uuid"
    expect 0 "-U uuid (Filesystem's form): monitor" monitor OCF_CHECK_LEVEL=10
    expect 0 "UUID=: stop" stop
    res OCF_RESKEY_device=LABEL=no-such-label-here
    expect 5 "LABEL= of no device: start" start
    reason_has "not present"
    expect 7 "LABEL= of no device: probe" monitor OCF_RESKEY_CRM_meta_interval=0

    # Read-only by request.
    res OCF_RESKEY_device="$dev" OCF_RESKEY_options=ro,noatime
    expect 0 "options=ro: start" start
    expect 0 "options=ro: monitor accepts a read-only mount" monitor
    awk -v m="$m" '$5 == m {print $6}' /proc/self/mountinfo | grep -q '\bro\b' && ok "mounted ro" || not_ok "not mounted ro"
    expect 0 "options=ro: stop" stop

    # Clones of a local file system.
    res OCF_RESKEY_options=
    expect 6 "ext4 as a clone: start refused" start OCF_RESKEY_CRM_meta_clone=0 OCF_RESKEY_CRM_meta_clone_max=2
    reason_has "local file system"
    check_not is_mounted "$m"
    expect 0 "ext4 as a clone with force_clones=true" start OCF_RESKEY_CRM_meta_clone=0 OCF_RESKEY_CRM_meta_clone_max=2 OCF_RESKEY_force_clones=true
    expect 0 "stop" stop

    # A bind-mount resource (fstype=none, options=bind).
    mkloop bsrc 64 mkfs.ext4 -q -F; dev=$DEV
    mkdir -p "$WORK/bsrc"
    mount "$dev" "$WORK/bsrc" && mkdir -p "$WORK/bsrc/data"
    res_reset
    res OCF_RESKEY_device="$WORK/bsrc/data" OCF_RESKEY_directory="$WORK/bound" OCF_RESKEY_fstype=none OCF_RESKEY_options=bind
    expect 0 "bind: start" start
    expect 0 "bind: monitor" monitor OCF_CHECK_LEVEL=20
    local src_holder bind_holder
    src_holder=$(bg sh -c "cd '$WORK/bsrc' && exec sleep 300")
    bind_holder=$(bg sh -c "cd '$WORK/bound' && exec sleep 300")
    wait_for holds_cwd "$bind_holder" "$WORK/bound"
    expect 0 "bind: stop with a holder on the bind mount" stop
    check_not is_mounted "$WORK/bound"
    check is_mounted "$WORK/bsrc"
    check alive "$src_holder"
    wait_for eval "! alive $bind_holder" && ok "holder of the bind mount ended" || not_ok "holder of the bind mount survived"
    kill "$src_holder"
    wait_for eval "! alive $src_holder"
    umount "$WORK/bsrc"
}

# ---------------------------------------------------------------------------------------------
group_busy() {
    local dev sib m
    mkloop busy 64 mkfs.ext4 -q -F; dev=$DEV
    mkloop sib 64 mkfs.ext4 -q -F; sib=$DEV
    m=$WORK/parent/mnt
    mkdir -p "$WORK/parent/sibling"
    mount "$sib" "$WORK/parent/sibling"
    res_reset
    res OCF_RESKEY_device="$dev" OCF_RESKEY_directory="$m" OCF_RESKEY_fstype=ext4 OCF_RESKEY_signal_delay=1
    expect 0 "start" start
    mkdir -p "$m/sub/deeper" "$m/inner" "$m/files"
    dd if=/dev/zero of="$m/files/mapped" bs=4096 count=4 status=none
    echo hello > "$m/files/open"

    # Holders: a shell in a sub-directory with a child; a process with an mmapped file; one with
    # an open fd; one that ignores SIGTERM; one on a tmpfs mounted below the directory; one
    # inside a bind mount of a sub-directory elsewhere.
    local h_sub h_map h_fd h_stubborn h_inner h_bindout h_sib h_parent
    h_sub=$(bg sh -c "cd '$m/sub/deeper' && sleep 300 & cd '$m/sub' && wait")
    h_map=$(bg python3 -c "
import mmap, os, time
f = open('$m/files/mapped', 'r+b'); mm = mmap.mmap(f.fileno(), 0); f.close()
os.chdir('/'); time.sleep(300)")
    h_fd=$(bg sh -c "exec 3< '$m/files/open'; cd /; exec sleep 300")
    h_stubborn=$(bg sh -c "trap '' TERM; cd '$m/sub'; while :; do sleep 1; done")
    mount -t tmpfs ocfkit-inner "$m/inner"
    h_inner=$(bg sh -c "cd '$m/inner' && exec sleep 300")
    mkdir -p "$WORK/bindout"
    mount --bind "$m/sub" "$WORK/bindout"
    h_bindout=$(bg sh -c "cd '$WORK/bindout' && exec sleep 300")
    # A program run from the mount (exe + its text mapping) and a process chrooted into it.
    cp "$(command -v sleep)" "$m/files/sleep"
    local h_exe h_root
    h_exe=$(bg sh -c "cd /; exec '$m/files/sleep' 300")
    h_root=$(bg python3 -c "
import os, time
os.chroot('$m'); os.chdir('/'); time.sleep(300)")
    # Must survive: a process on a sibling mount, and one in the parent directory.
    h_sib=$(bg sh -c "cd '$WORK/parent/sibling' && exec sleep 300")
    h_parent=$(bg sh -c "cd '$WORK/parent' && exec sleep 300")
    wait_for holds_cwd "$h_sib" "$WORK/parent/sibling"
    wait_for holds_cwd "$h_bindout" "$WORK/bindout"
    wait_for holds_cwd "$h_inner" "$m/inner"
    wait_for eval "[ \"\$(readlink /proc/$h_root/root)\" = '$m' ]" && ok "a process chrooted into the mount" || not_ok "chroot holder"
    wait_for eval "[ \"\$(readlink /proc/$h_exe/exe)\" = '$m/files/sleep' ]" && ok "a process running a program from the mount" || not_ok "exe holder"
    maps_file() { grep -q "$2" "/proc/$1/maps" 2> /dev/null; }
    wait_for maps_file "$h_map" "$m/files/mapped"  # python needs a moment under load

    local child
    child=$(pgrep -P "$h_sub" sleep | head -1)
    [ -n "$child" ] && ok "holder child $child in a sub-directory" || not_ok "holder child did not start"
    maps_file "$h_map" "$m/files/mapped" && ok "mmap holder maps the file" || not_ok "mmap holder has no mapping"
    [ "$(readlink "/proc/$h_map/cwd")" = / ] && ok "mmap holder has no other hold (cwd /, file closed)" || not_ok "mmap holder cwd"

    # force_unmount=false: nobody is signalled, stop fails within its deadline and names holders.
    local t0 t1
    t0=$(date +%s%N)
    expect 1 "force_unmount=false: stop fails while busy" stop OCF_RESKEY_force_unmount=false OCF_RESKEY_CRM_meta_timeout=6000
    t1=$(date +%s%N)
    reason_has "holders:"
    [ $(((t1 - t0) / 1000000)) -lt 6000 ] && ok "failed before the 6 s timeout ($(((t1 - t0) / 1000000)) ms)" || not_ok "took $(((t1 - t0) / 1000000)) ms"
    check alive "$h_sub"
    check is_mounted "$m"

    t0=$(date +%s%N)
    expect 0 "stop with all the holders" stop OCF_RESKEY_CRM_meta_timeout=30000
    t1=$(date +%s%N)
    echo "# busy stop took $(((t1 - t0) / 1000000)) ms"
    grep -q "SIGKILL to $h_stubborn" "$WORK/err" && ok "the TERM-ignoring holder got SIGKILL" || not_ok "no SIGKILL for $h_stubborn"
    grep -q "SIGKILL to $h_sub " "$WORK/err" && not_ok "SIGKILL for a holder that obeys TERM" || ok "holders obeying TERM got no SIGKILL"
    check_not is_mounted "$m"
    check_not is_mounted "$m/inner"
    # A bind mount of a sub-directory made elsewhere is not the resource's mount: stop leaves it
    # and its user alone unless unmount_other_mounts asks for it.
    check is_mounted "$WORK/bindout"
    check alive "$h_bindout"
    grep -q "stays mounted at $WORK/bindout" "$WORK/err" && ok "stop names the mount it left" || not_ok "no note of $WORK/bindout"
    expect 7 "probe with only the bind mount elsewhere left" monitor OCF_RESKEY_CRM_meta_interval=0
    expect 0 "stop with unmount_other_mounts=true takes the bind mount too" stop OCF_RESKEY_unmount_other_mounts=true
    check_not is_mounted "$WORK/bindout"
    check is_mounted "$WORK/parent/sibling"
    local p
    for p in $h_sub $child $h_map $h_fd $h_stubborn $h_inner $h_bindout $h_exe $h_root; do
        wait_for eval "! alive $p" && ok "holder $p ended" || not_ok "holder $p still alive"
    done
    check alive "$h_sib"
    check alive "$h_parent"
    check losetup -d "$dev"
    losetup "$dev" "$WORK/busy.img"
    kill "$h_sib" "$h_parent"

    # The stop's own caller (here: a shell inside the mount) is never signalled: stop fails.
    expect 0 "start again" start
    local caller=$WORK/caller.out
    (cd "$m" && env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin OCF_ROOT=/usr/lib/ocf OCFKIT_CLUSTER=standalone \
        OCF_RESKEY_device="$dev" OCF_RESKEY_directory="$m" OCF_RESKEY_fstype=ext4 OCF_RESKEY_CRM_meta_timeout=6000 \
        "$AGENT" stop > "$caller" 2>&1; echo "rc=$?" >> "$caller")
    grep -q '^rc=1$' "$caller" && ok "stop called from inside the mount fails (rc 1)" || not_ok "caller inside: $(tail -2 "$caller")"
    grep -q 'our ancestor' "$caller" && ok "the calling shell is reported as an ancestor, not signalled" || not_ok "no ancestor note: $(tail -3 "$caller")"
    expect 0 "stop from elsewhere" stop

    # force_unmount=safe: holders found without touching the file system (by path and fdinfo).
    expect 0 "start again" start
    h_sub=$(bg sh -c "cd '$m' && exec sleep 300")
    echo x > "$m/f"
    h_fd=$(bg sh -c "exec 3< '$m/f'; cd /; exec sleep 300")
    wait_for holds_cwd "$h_sub" "$m"
    expect 0 "force_unmount=safe: stop" stop OCF_RESKEY_force_unmount=safe
    check_not is_mounted "$m"
    wait_for eval "! alive $h_sub && ! alive $h_fd" && ok "safe: holders ended" || not_ok "safe: holders alive"

    # fast_stop with a holder that ignores both signals it gets (term_signal=USR1 is ignored
    # by the trap, kill_signal=USR2 too): the stop gives up after about 6 s, well before 60 s.
    expect 0 "start again" start
    h_stubborn=$(bg sh -c "trap '' USR1 USR2 TERM; cd '$m'; while :; do sleep 1; done")
    wait_for holds_cwd "$h_stubborn" "$m"
    t0=$(date +%s%N)
    expect 1 "fast_stop: gives up on an unkillable holder" stop OCF_RESKEY_fast_stop=true OCF_RESKEY_term_signal=USR1 OCF_RESKEY_kill_signal=SIGUSR2 OCF_RESKEY_CRM_meta_timeout=60000
    t1=$(date +%s%N)
    reason_has "fast_stop"
    [ $(((t1 - t0) / 1000000)) -lt 15000 ] && ok "fast_stop gave up after $(((t1 - t0) / 1000000)) ms" || not_ok "fast_stop took $(((t1 - t0) / 1000000)) ms"
    kill -KILL "$h_stubborn"
    expect 0 "stop once the holder is gone" stop
    umount "$WORK/parent/sibling"
}

# ---------------------------------------------------------------------------------------------
group_faults() {
    local dev m
    mkloop faults 64 mkfs.ext4 -q -F; dev=$DEV
    m=$WORK/f/mnt
    res_reset
    res OCF_RESKEY_device="$dev" OCF_RESKEY_directory="$m" OCF_RESKEY_fstype=ext4

    # Read-only remount (errors=remount-ro after I/O errors looks the same).
    expect 0 "start" start
    mount -o remount,ro "$m"
    expect 1 "read-only remount: monitor depth 0" monitor
    reason_has "read-only"
    expect 1 "read-only remount: monitor depth 20" monitor OCF_CHECK_LEVEL=20
    expect 1 "read-only remount: start does not pretend" start
    expect 0 "read-only remount: stop" stop
    check_not is_mounted "$m"

    # Another device mounted at the directory.
    local other
    mkloop other 64 mkfs.ext4 -q -F; other=$DEV
    mkdir -p "$m"
    mount "$other" "$m"
    expect 1 "another device at the directory: monitor" monitor
    reason_has "not from $dev"
    expect 1 "another device at the directory: start" start
    umount "$m"

    # Our device mounted somewhere else by an admin (the resource never ran here): a probe
    # finds it not running, and stop leaves the mount and its users alone.
    mkdir -p "$WORK/f/elsewhere"
    mount "$dev" "$WORK/f/elsewhere"
    local admin
    admin=$(bg sh -c "cd '$WORK/f/elsewhere' && exec sleep 300")
    wait_for holds_cwd "$admin" "$WORK/f/elsewhere"
    expect 7 "device mounted elsewhere: probe" monitor OCF_RESKEY_CRM_meta_interval=0
    reason_has "elsewhere"
    expect 7 "device mounted elsewhere: monitor" monitor
    expect 1 "device mounted elsewhere: start refuses a second mount" start
    expect 0 "device mounted elsewhere: stop" stop
    check is_mounted "$WORK/f/elsewhere"
    check alive "$admin"
    kill "$admin"
    wait_for eval "! alive $admin"
    expect 0 "device mounted elsewhere: stop with unmount_other_mounts=true takes it away" stop OCF_RESKEY_unmount_other_mounts=true
    check_not is_mounted "$WORK/f/elsewhere"

    # Mount point deleted while mounted, with a process inside: the kernel detaches the mount.
    if command -v unshare > /dev/null; then
        expect 0 "start" start
        mkdir -p "$m/d"
        local h
        h=$(bg sh -c "cd '$m/d' && exec sleep 300")
        wait_for holds_cwd "$h" "$m/d"
        unshare -m --propagation private sh -c "umount -l '$m' && rmdir '$m'"
        check_not is_mounted "$m"
        check_not test -e "$m"
        expect 1 "mount point deleted, file system still held: monitor" monitor
        reason_has "still holds"
        expect 0 "mount point deleted: stop ends the holder and frees the device" stop
        wait_for eval "! alive $h" && ok "holder of the detached mount ended" || not_ok "holder of the detached mount alive"
        expect 7 "after that: monitor" monitor
        check losetup -d "$dev"
        losetup "$dev" "$WORK/faults.img"
        # Without a holder the kernel releases everything: cleanly stopped.
        expect 0 "start" start
        unshare -m --propagation private sh -c "umount -l '$m' && rmdir '$m'"
        expect 7 "mount point deleted, nothing held: monitor" monitor
        expect 0 "stop" stop
    fi

    # The device path vanishes while mounted (a symlink standing in for /dev/vg/lv).
    ln -s "$dev" "$WORK/f/devlink"
    expect 0 "start through a device symlink" start OCF_RESKEY_device="$WORK/f/devlink"
    rm "$WORK/f/devlink"
    expect 1 "device vanished while mounted: monitor depth 0" monitor OCF_RESKEY_device="$WORK/f/devlink"
    reason_has "vanished"
    expect 1 "device vanished while mounted: monitor depth 10" monitor OCF_RESKEY_device="$WORK/f/devlink" OCF_CHECK_LEVEL=10
    expect 0 "device vanished: stop still unmounts" stop OCF_RESKEY_device="$WORK/f/devlink"
    check_not is_mounted "$m"

    # A symlinked mount point: mount(8) records the real path.
    mkdir -p "$WORK/f/real"
    ln -s "$WORK/f/real" "$WORK/f/link"
    expect 0 "symlinked directory: start" start OCF_RESKEY_directory="$WORK/f/link"
    check is_mounted "$WORK/f/real"
    expect 0 "symlinked directory: monitor" monitor OCF_RESKEY_directory="$WORK/f/link" OCF_CHECK_LEVEL=20
    expect 0 "symlinked directory: start again" start OCF_RESKEY_directory="$WORK/f/link"
    expect 0 "symlinked directory: stop" stop OCF_RESKEY_directory="$WORK/f/link"
    check_not is_mounted "$WORK/f/real"

    # Mount point is a file.
    mkdir -p "$WORK/f"
    echo x > "$WORK/f/file"
    expect 2 "directory is a file: start" start OCF_RESKEY_directory="$WORK/f/file"
    reason_has "not a directory"
    expect 2 "directory is a file: validate-all level 10" validate-all OCF_RESKEY_directory="$WORK/f/file" OCF_CHECK_LEVEL=10
    expect 0 "directory is a file: stop" stop OCF_RESKEY_directory="$WORK/f/file"

    # The device vanished.
    expect 5 "device missing: start" start OCF_RESKEY_device=/dev/ocfkit-no-such-device
    reason_has "not present"
    expect 5 "device missing: validate-all level 10" validate-all OCF_RESKEY_device=/dev/ocfkit-no-such-device OCF_CHECK_LEVEL=10
    expect 0 "device missing: validate-all level 0 (no system access)" validate-all OCF_RESKEY_device=/dev/ocfkit-no-such-device
    expect 7 "device missing: probe" monitor OCF_RESKEY_device=/dev/ocfkit-no-such-device OCF_RESKEY_CRM_meta_interval=0
    expect 0 "device missing: stop" stop OCF_RESKEY_device=/dev/ocfkit-no-such-device
    expect 2 "device is a regular file: start" start OCF_RESKEY_device="$WORK/faults.img"

    # Removed loop device: the node stays, the backing file is gone.
    rm -rf "$m"
    losetup -d "$dev"
    expect 1 "removed loop device: start" start
    reason_has "size 0"
    check_not is_mounted "$m"
    check_not test -e "$m"
    losetup "$dev" "$WORK/faults.img"

    # Loop device removed while mounted: the kernel keeps it until the unmount.
    expect 0 "start" start
    losetup -d "$dev"
    expect 0 "loop detached while mounted: monitor depth 10 still reads" monitor OCF_CHECK_LEVEL=10
    expect 0 "loop detached while mounted: stop" stop
    wait_for eval "! losetup '$dev' > /dev/null 2>&1" && ok "the loop device went away after unmount" || not_ok "loop device still attached"
    losetup "$dev" "$WORK/faults.img"

    # Mounting fails (wrong fstype): nothing is left mounted or created.
    expect 1 "mount failure (xfs on ext4): start" start OCF_RESKEY_fstype=xfs OCF_RESKEY_directory="$WORK/f/new/deep"
    reason_has "cannot mount"
    check_not test -e "$WORK/f/new"

    # Stop with a broken configuration still unmounts.
    expect 0 "start" start
    expect 0 "stop with invalid term_signal and options still unmounts" stop OCF_RESKEY_term_signal=BOGUS OCF_RESKEY_options='a;b'
    check_not is_mounted "$m"
}

# ---------------------------------------------------------------------------------------------
# What stop unmounts: exactly the mounts it identified (by mount id, reached without symlinks),
# at or below the directory; never a mount a user's symlink or an overmount puts in their place.
group_stopscope() {
    local dev m
    mkloop scope 64 mkfs.ext4 -q -F; dev=$DEV
    m=$WORK/s/mnt
    res_reset
    res OCF_RESKEY_device="$dev" OCF_RESKEY_directory="$m" OCF_RESKEY_fstype=ext4 OCF_RESKEY_signal_delay=2

    # A nested mount below a user-owned directory; while stop waits for a holder that ignores
    # SIGTERM, the user renames the directory and puts a symlink to another mount in its place.
    expect 0 "start" start
    mkdir -p "$m/home/alice/dir/x" "$WORK/victim/x"
    chown -R nobody "$m/home/alice"
    chmod 711 "$WORK"  # mktemp's 700 would keep alice out
    mount -t tmpfs ocfkit-nested "$m/home/alice/dir/x"
    mount -t tmpfs ocfkit-victim "$WORK/victim/x"
    local h
    h=$(bg sh -c "trap 'touch $WORK/got-term' TERM; cd '$m/home/alice/dir/x'; while :; do sleep 0.2; done")
    wait_for holds_cwd "$h" "$m/home/alice/dir/x"
    rm -f "$WORK/got-term"
    (
        agent stop OCF_RESKEY_CRM_meta_timeout=30000
        echo "$RC" > "$WORK/bg-rc"
        cp "$WORK/err" "$WORK/bg-err"
    ) &
    local stopper=$!
    wait_for test -e "$WORK/got-term" && ok "the holder got SIGTERM" || not_ok "no SIGTERM reached the holder"
    runuser -u nobody -- sh -c "mv '$m/home/alice/dir' '$m/home/alice/dir.old' && ln -s '$WORK/victim' '$m/home/alice/dir'" &&
        ok "alice swapped her directory for a symlink" || not_ok "the swap failed"
    wait "$stopper"
    RC=$(cat "$WORK/bg-rc")
    [ "$RC" = 0 ] && ok "stop through the swap (rc 0)" || { not_ok "stop rc $RC"; tail -5 "$WORK/bg-err"; }
    check is_mounted "$WORK/victim/x"
    check_not is_mounted "$m/home/alice/dir.old/x"
    check_not is_mounted "$m"
    umount "$WORK/victim/x"

    # A mount stacked on top of the resource's own mount at its directory is at the directory:
    # stop takes both, top first.
    expect 0 "start" start
    mount -t tmpfs ocfkit-ontop "$m"
    expect 0 "overmount at the directory: stop" stop
    check_not is_mounted "$m"

    # Another mount of the device elsewhere with an unrelated mount on top of it: even with
    # unmount_other_mounts=true, stop never unmounts what covers it; it fails and names it.
    expect 0 "start" start
    mkdir -p "$WORK/s/other"
    mount "$dev" "$WORK/s/other"
    mount -t tmpfs ocfkit-cover "$WORK/s/other"
    expect 1 "covered mount of the device elsewhere: stop with unmount_other_mounts=true" stop OCF_RESKEY_unmount_other_mounts=true
    reason_has "ocfkit-cover"
    check is_mounted "$WORK/s/other"
    awk -v m="$WORK/s/other" '$5 == m' /proc/self/mountinfo | grep -q ocfkit-cover && ok "the covering tmpfs is still there" || not_ok "the covering tmpfs was unmounted"
    check_not is_mounted "$m"
    umount "$WORK/s/other"
    expect 0 "uncovered: stop with unmount_other_mounts=true" stop OCF_RESKEY_unmount_other_mounts=true
    check_not is_mounted "$WORK/s/other"

    # A mount made over the directory's parent hides the resource's mount: stop fails at once,
    # naming what covers it, and leaves that alone.
    expect 0 "start" start
    mount -t tmpfs ocfkit-parent "$WORK/s"
    local t0 t1
    t0=$(date +%s%N)
    expect 1 "mount over the parent: stop" stop OCF_RESKEY_CRM_meta_timeout=20000
    t1=$(date +%s%N)
    reason_has "ocfkit-parent"
    [ $(((t1 - t0) / 1000000)) -lt 5000 ] && ok "failed without waiting for the deadline" || not_ok "took $(((t1 - t0) / 1000000)) ms"
    awk -v m="$WORK/s" '$5 == m' /proc/self/mountinfo | grep -q ocfkit-parent && ok "the parent's tmpfs stays" || not_ok "the parent's tmpfs was unmounted"
    umount "$WORK/s"
    expect 0 "uncovered again: stop" stop
    check_not is_mounted "$m"
}

# ---------------------------------------------------------------------------------------------
# The depth-20 status file lives where users write: no planted link, name or FIFO may make root
# write, truncate or delete elsewhere, hang the monitor, or fail every monitor.
group_statusfile() {
    local dev m node
    node=$(uname -n)
    mkloop status 64 mkfs.ext4 -q -F; dev=$DEV
    m=$WORK/st/mnt
    res_reset
    res OCF_RESKEY_device="$dev" OCF_RESKEY_directory="$m" OCF_RESKEY_fstype=ext4
    expect 0 "start" start
    chmod 1777 "$m"  # a shared scratch file system: every user may create names at its top
    chmod 711 "$WORK"
    echo precious > "$WORK/victim-file"
    mkdir -p "$WORK/victim-dir"
    as_user() { runuser -u nobody -- sh -c "$1"; }

    # The status file's directory is a user's symlink to a root-owned directory elsewhere.
    as_user "ln -s '$WORK/victim-dir' '$m/.Filesystem_status'"
    expect 0 "planted directory symlink: monitor depth 20" monitor OCF_CHECK_LEVEL=20
    check_not test -e "$WORK/victim-dir/fs1_$node"
    check_not test -L "$m/.Filesystem_status"
    [ "$(stat -c %U "$m/.Filesystem_status")" = root ] && ok "the status directory is root's" || not_ok "status directory owned by $(stat -c %U "$m/.Filesystem_status")"
    grep -q "set aside" "$WORK/err" && ok "the planted name is reported" || not_ok "no note of the planted name"

    # The status file itself is a user's symlink, or a FIFO (which once hung every depth-20
    # monitor in open()), directly in the world-writable top.
    as_user "ln -s '$WORK/victim-file' '$m/fs1_$node'"
    expect 0 "planted file symlink: monitor depth 20 (no prefix)" monitor OCF_CHECK_LEVEL=20 OCF_RESKEY_statusfile_prefix=
    [ "$(cat "$WORK/victim-file")" = precious ] && ok "the symlink's target is untouched" || not_ok "the symlink's target was written"
    check_not test -L "$m/fs1_$node"
    as_user "rm -f '$m/fs1_$node'; mkfifo '$m/fs1_$node'"
    local t0 t1
    t0=$(date +%s%N)
    # (the last words make env run the agent under timeout 15)
    expect 0 "planted FIFO: monitor depth 20 (no prefix)" monitor OCF_CHECK_LEVEL=20 OCF_RESKEY_statusfile_prefix= OCF_RESKEY_CRM_meta_timeout=8000 timeout 15
    t1=$(date +%s%N)
    [ $(((t1 - t0) / 1000000)) -lt 8000 ] && ok "no hang on the FIFO" || not_ok "took $(((t1 - t0) / 1000000)) ms"
    check test -f "$m/fs1_$node"

    # A hard link to a root-owned file of the same file system in the status file's name (what a
    # user can do where fs.protected_hardlinks is 0; made by root here).
    echo "keep me" > "$m/precious"
    rm -f "$m/fs1_$node"
    ln "$m/precious" "$m/fs1_$node"
    expect 0 "planted hard link: monitor depth 20 (no prefix)" monitor OCF_CHECK_LEVEL=20 OCF_RESKEY_statusfile_prefix=
    [ "$(cat "$m/precious")" = "keep me" ] && ok "the linked file is untouched" || not_ok "the linked file was overwritten: $(head -c 60 "$m/precious")"

    # A user's own directory in the status directory's name: kept (renamed aside), not written into.
    rm -rf "$m/.Filesystem_status"
    as_user "mkdir '$m/.Filesystem_status' && echo mine > '$m/.Filesystem_status/notes'"
    expect 0 "user-owned status directory: monitor depth 20" monitor OCF_CHECK_LEVEL=20
    [ "$(stat -c %U "$m/.Filesystem_status")" = root ] && ok "the status directory is root's" || not_ok "status file written into a user's directory"
    ls "$m"/.Filesystem_status.untrusted-*/notes > /dev/null 2>&1 && ok "the user's directory is kept aside" || not_ok "the user's directory is gone"

    # Stop removes the status file only through root's own directories: a symlinked status
    # directory never makes it delete a file of that name elsewhere.
    rm -rf "$m/.Filesystem_status" "$m"/.Filesystem_status.untrusted-*
    echo other > "$WORK/victim-dir/fs1_$node"
    as_user "ln -s '$WORK/victim-dir' '$m/.Filesystem_status'"
    expect 0 "stop with a planted status directory" stop
    check test -e "$WORK/victim-dir/fs1_$node"
    check_not is_mounted "$m"
}

# ---------------------------------------------------------------------------------------------
group_badinput() {
    local dev m long
    mkloop bad 64 mkfs.ext4 -q -F; dev=$DEV
    m=$WORK/b/mnt
    res_reset
    res OCF_RESKEY_device="$dev" OCF_RESKEY_directory="$m" OCF_RESKEY_fstype=ext4
    long=$(head -c 5000 /dev/zero | tr '\0' a)
    expect 6 "device unset" start OCF_RESKEY_device=
    unres OCF_RESKEY_device
    expect 6 "device missing from the environment" start
    reason_has "'device'"
    expect 0 "device missing: stop" stop
    res OCF_RESKEY_device="$dev"
    expect 6 "relative directory" start OCF_RESKEY_directory=mnt
    reason_has "'directory'"
    expect 6 "directory /" validate-all OCF_RESKEY_directory=/
    expect 6 "directory with .." validate-all OCF_RESKEY_directory=/run/../etc
    expect 6 "relative device" start OCF_RESKEY_device=dev/loop0
    expect 6 "device with shell metacharacters" start "OCF_RESKEY_device=/dev/loop0;reboot"
    expect 6 "options with shell metacharacters" start 'OCF_RESKEY_options=rw,$(reboot)'
    reason_has "'options'"
    expect 6 "options with a space" start 'OCF_RESKEY_options=rw noatime'
    expect 6 "conflicting options ro,rw" start OCF_RESKEY_options=ro,rw
    expect 6 "options remount" start OCF_RESKEY_options=remount
    expect 6 "empty option element" start OCF_RESKEY_options=rw,,noatime
    expect 6 "bind with fstype ext4" start OCF_RESKEY_options=bind
    expect 6 "GFS2 option on ext4" start OCF_RESKEY_options=lockproto=lock_dlm
    expect 6 "very long options" start "OCF_RESKEY_options=$long"
    expect 6 "very long device" start "OCF_RESKEY_device=/dev/$long"
    expect 6 "very long directory component" start "OCF_RESKEY_directory=/run/$long"
    expect 6 "unknown term_signal" start OCF_RESKEY_term_signal=SIGFOO
    reason_has "'term_signal'"
    expect 6 "kill_signal 99" validate-all OCF_RESKEY_kill_signal=99
    expect 6 "term_signal STOP" validate-all OCF_RESKEY_term_signal=STOP
    expect 6 "kill_signal 40 (real-time)" start OCF_RESKEY_kill_signal=40
    reason_has "real-time"
    expect 6 "term_signal 21 (SIGTTIN stops, not ends)" validate-all OCF_RESKEY_term_signal=21
    reason_has "SIGTTIN"
    expect 6 "signal_delay not a number" validate-all OCF_RESKEY_signal_delay=soon
    expect 6 "signal_delay out of range" validate-all OCF_RESKEY_signal_delay=100000
    expect 6 "force_unmount=maybe" validate-all OCF_RESKEY_force_unmount=maybe
    expect 6 "run_fsck=sometimes" validate-all OCF_RESKEY_run_fsck=sometimes
    expect 6 "fast_stop=perhaps" validate-all OCF_RESKEY_fast_stop=perhaps
    expect 6 "statusfile_prefix absolute" validate-all OCF_RESKEY_statusfile_prefix=/tmp/x
    expect 6 "statusfile_prefix with .." validate-all OCF_RESKEY_statusfile_prefix=../x
    expect 6 "fstype with a slash" validate-all OCF_RESKEY_fstype=ext4/../x
    expect 5 "fstype unknown to the kernel" validate-all OCF_RESKEY_fstype=nosuchfs
    reason_has "nosuchfs"
    expect 6 "device = directory" validate-all OCF_RESKEY_directory="$dev"
    expect 6 "run_fsck=force on a clone" validate-all OCF_RESKEY_run_fsck=force OCF_RESKEY_CRM_meta_clone=0 OCF_RESKEY_force_clones=true
    expect 3 "unknown action" frobnicate
    expect 0 "meta-data" meta-data
    check_not is_mounted "$m"
    check_not test -e "$m"
    # Every failed start above left nothing behind and the device is free.
    check losetup -d "$dev"
}

# ---------------------------------------------------------------------------------------------
group_gfs2() {
    command -v mkfs.gfs2 > /dev/null || { echo "# mkfs.gfs2 missing: skipped"; return; }
    local good other nolock ext m dlm
    mkloop g2 160 mkfs.gfs2 -O -p lock_dlm -t hacl:gfs0 -j 2 -J 8; good=$DEV
    mkloop gother 160 mkfs.gfs2 -O -p lock_dlm -t othercl:gfs0 -j 3 -J 8; other=$DEV
    mkloop gnolock 160 mkfs.gfs2 -O -p lock_nolock -j 1 -J 8; nolock=$DEV
    mkloop gext 64 mkfs.ext4 -q -F; ext=$DEV
    m=$WORK/g/mnt
    # The agent's children get a clean environment: the fakes read knob files next to them.
    local bin=$WORK/bin knobs=$WORK/bin/knobs
    mkdir -p "$knobs"
    ln -s "$FAKES/corosync-cmapctl" "$FAKES/crm_attribute" "$bin/"
    echo true > "$knobs/stonith"
    export TEST_PATH=$bin:/usr/sbin:/usr/bin:/sbin:/bin
    res_reset
    res OCF_RESKEY_device="$good" OCF_RESKEY_directory="$m" OCFKIT_CLUSTER=pacemaker \
        OCF_RESKEY_CRM_meta_clone=0 OCF_RESKEY_CRM_meta_clone_max=2
    local gfs2_here=0
    { grep -qw gfs2 /proc/filesystems || modinfo gfs2 > /dev/null 2>&1; } && gfs2_here=1

    # dlm_controld not running (nothing named so on this host unless we start the stand-in).
    if pgrep -x dlm_controld > /dev/null; then
        echo "# a real dlm_controld runs here: the not-running case is skipped"
    else
        expect 1 "gfs2: dlm_controld not running" start
        reason_has "dlm_controld is not running"
    fi
    dlm=$(bg "$FAKES/dlm_controld")
    wait_for eval "[ \"\$(cat /proc/$dlm/comm 2>/dev/null)\" = dlm_controld ]"

    # passes WHAT [KEY=VALUE...]: every cluster check passes; on a kernel without gfs2 the last
    # word is then the kernel's (5), else the mount happens and is stopped again.
    passes() {
        local what=$1
        shift
        if [ $gfs2_here = 1 ]; then
            # The kernel can mount gfs2: lock_nolock mounts; lock_dlm fails in mount(8) itself
            # (the stand-in dlm_controld runs no lockspace) — either way past every check.
            agent start "$@"
            case "$RC:$REASON" in
            0:*) ok "$what: all checks pass, mounted" ;;
            1:*"cannot mount"*) ok "$what: all checks pass, mount(8) refuses without a real DLM" ;;
            *) not_ok "$what: rc $RC: $REASON" ;;
            esac
            expect 0 "$what: stop" stop "$@"
        else
            expect 5 "$what: all cluster checks pass, the kernel lacks gfs2" start "$@"
            reason_has "does not support gfs2"
        fi
    }
    passes "gfs2"
    [ $gfs2_here = 1 ] || expect 5 "gfs2: validate-all level 0 on this kernel" validate-all
    check_not is_mounted "$m"

    expect 5 "gfs2: lock table of another cluster (read from this node's device)" start OCF_RESKEY_device="$other"
    reason_has "names cluster 'othercl', not corosync's 'hacl': tunegfs2 -o locktable=hacl:"
    expect 5 "gfs2: 2 journals, clone-max 3" start OCF_RESKEY_CRM_meta_clone_max=3
    reason_has "2 journal(s)"
    expect 5 "gfs2: 2 journals, clone-max 3 even when validating" validate-all OCF_CHECK_LEVEL=10 OCF_RESKEY_CRM_meta_clone_max=3
    passes "spectator mounts need no journal" OCF_RESKEY_CRM_meta_clone_max=3 OCF_RESKEY_options=spectator
    expect 5 "gfs2: lock_nolock superblock on a clone" start OCF_RESKEY_device="$nolock"
    reason_has "lock_nolock"
    expect 6 "gfs2: lockproto=lock_nolock option on a clone" validate-all OCF_RESKEY_options=lockproto=lock_nolock
    reason_has "corrupt"
    unres OCF_RESKEY_CRM_meta_clone OCF_RESKEY_CRM_meta_clone_max
    passes "lock_nolock as a primitive" OCF_RESKEY_device="$nolock"
    res OCF_RESKEY_CRM_meta_clone=0 OCF_RESKEY_CRM_meta_clone_max=2
    expect 6 "gfs2: locktable= option overrides the superblock" start OCF_RESKEY_options=locktable=othercl:gfs0
    reason_has "othercl"
    echo false > "$knobs/stonith"
    expect 6 "gfs2: stonith-enabled=false" start
    reason_has "stonith-enabled=false"
    rm "$knobs/stonith"
    passes "stonith-enabled unset counts as enabled"
    echo false > "$knobs/fencing"
    echo false > "$knobs/stonith"
    expect 6 "gfs2: fencing-enabled=false (Pacemaker 3.0.2's name)" start
    reason_has "fencing-enabled=false"
    rm "$knobs/fencing" "$knobs/stonith"
    echo true > "$knobs/stonith"
    echo "$OCFKIT_TEST_DATA/gfs2/cmapctl-not-running.txt" > "$knobs/cmap-fixture"
    echo 1 > "$knobs/cmap-rc"
    expect 1 "gfs2: corosync not running" start
    reason_has "corosync"
    rm "$knobs/cmap-fixture" "$knobs/cmap-rc"
    expect 5 "gfs2: device holds ext4 (here)" start OCF_RESKEY_device="$ext"
    reason_has "no GFS2"
    expect 6 "gfs2: locktable option with bad syntax" validate-all OCF_RESKEY_options=locktable=nocolon
    expect 7 "gfs2: probe" monitor OCF_RESKEY_CRM_meta_interval=0
    expect 0 "gfs2: stop of a never started clone" stop
    kill "$dlm"
    unset TEST_PATH
}

# ---------------------------------------------------------------------------------------------
group_ocf_tester() {
    command -v ocf-tester > /dev/null || { echo "SKIP: ocf-tester missing"; exit 77; }
    local dev
    mkloop tester 64 mkfs.ext4 -q -F; dev=$DEV
    timeout 300 ocf-tester -n fs1 -o device="$dev" -o directory="$WORK/tester/mnt" -o fstype=ext4 "$AGENT" > "$WORK/err" 2>&1
    local rc=$?
    if [ $rc = 0 ]; then ok "ocf-tester passes"; else not_ok "ocf-tester rc $rc"; cat "$WORK/err"; fi
    check_not is_mounted "$WORK/tester/mnt"
}

# ---------------------------------------------------------------------------------------------
# A clone stopped on this node while a process holds its mount (cwd and an open file): the holder
# is ended, and a sibling mount of the same file system (mounted by hand elsewhere, with its own
# user) and a bind mount made from it stay as they are. The other node of a real cluster is another
# kernel: the VM tier shows that part.
group_siblings() {
    local dev m sib
    mkloop siblings 64 mkfs.ext4 -q -F; dev=$DEV
    m=$WORK/clone/mnt
    sib=$WORK/admin/mnt
    res_reset
    res OCF_RESKEY_device="$dev" OCF_RESKEY_directory="$m" OCF_RESKEY_fstype=ext4 OCF_RESKEY_signal_delay=1
    expect 0 "start" start
    mkdir -p "$m/vm" "$sib" "$WORK/bound"
    echo data > "$m/vm/disk.img"
    mount "$dev" "$sib"             # the same file system a second time: the same superblock
    mount --bind "$m/vm" "$WORK/bound"
    check is_mounted "$sib"
    local holder sib_holder bind_holder
    # cwd and an open file on the resource's mount, in one process
    holder=$(bg sh -c "exec 3< '$m/vm/disk.img'; cd '$m/vm' && exec sleep 300")
    sib_holder=$(bg sh -c "exec 3< '$sib/vm/disk.img'; cd '$sib/vm' && exec sleep 300")
    bind_holder=$(bg sh -c "exec 3< '$WORK/bound/disk.img'; cd '$WORK/bound' && exec sleep 300")
    wait_for holds_cwd "$holder" "$m/vm" && ok "holder has its cwd on the mount" || not_ok "holder cwd"
    wait_for holds_cwd "$sib_holder" "$sib/vm" && ok "sibling user has its cwd on the sibling mount" || not_ok "sibling cwd"
    wait_for holds_cwd "$bind_holder" "$WORK/bound" || not_ok "bind user cwd"
    local t0 t1
    t0=$(date +%s%N)
    expect 0 "stop with a holder (cwd + open file)" stop OCF_RESKEY_CRM_meta_timeout=20000
    t1=$(date +%s%N)
    echo "# stop with a holder took $(((t1 - t0) / 1000000)) ms"
    [ $(((t1 - t0) / 1000000)) -lt 18000 ] && ok "stop ended within its 20 s timeout" || not_ok "stop took $(((t1 - t0) / 1000000)) ms"
    check_not is_mounted "$m"
    wait_for eval "! alive $holder" && ok "the holder of the resource's mount ended" || not_ok "holder $holder survived"
    grep -q "SIGTERM to $holder" "$WORK/err" && ok "the holder got SIGTERM" || not_ok "no SIGTERM for $holder"
    check is_mounted "$sib"
    check alive "$sib_holder"
    check is_mounted "$WORK/bound"
    check alive "$bind_holder"
    [ "$(cat "$sib/vm/disk.img")" = data ] && ok "the sibling mount still reads the data" || not_ok "sibling data"
    grep -q "stays mounted at" "$WORK/err" && ok "stop names the mounts it left" || not_ok "no note of the mounts left"
    expect 7 "probe: the resource is stopped (another mount of its device is not it)" monitor OCF_RESKEY_CRM_meta_interval=0
    kill "$sib_holder" "$bind_holder"
    wait_for eval "! alive $sib_holder && ! alive $bind_holder"
    umount "$WORK/bound"
    umount "$sib"
}

# ---------------------------------------------------------------------------------------------
# Clean reboot ordering: start writes a systemd drop-in for resource-agents-deps.target under
# <run>/systemd/system (OCFKIT_HOST_ROOT moves it below $WORK/host here) and reloads systemd once;
# stop removes it without a reload; without /run/systemd/system nothing is written.
group_shutdownorder() {
    local dev m host dropin
    mkloop order 64 mkfs.ext4 -q -F; dev=$DEV
    m=$WORK/order/mnt
    host=$WORK/host
    dropin=$host/run/systemd/system/resource-agents-deps.target.d/50-ocfkit-gfs2fs-fs1.conf
    mkdir -p "$WORK/bin"
    # systemctl stand-in: records its arguments; `show` prints $WORK/systemd-after, the After=
    # list of the systemd it stands in for (none: an empty line).
    printf '#!/bin/sh\necho "$*" >> %s/systemctl.log\n[ "$1" = show ] && cat %s/systemd-after 2>/dev/null\nexit 0\n' \
        "$WORK" "$WORK" > "$WORK/bin/systemctl"
    chmod 755 "$WORK/bin/systemctl"
    TEST_PATH=$WORK/bin:/usr/sbin:/usr/bin:/sbin:/bin
    res_reset
    res OCF_RESKEY_device="$dev" OCF_RESKEY_directory="$m" OCF_RESKEY_fstype=ext4 OCFKIT_HOST_ROOT="$host"

    mkdir -p "$host/run"
    expect 0 "start without systemd" start
    check_not test -e "$host/run/systemd"
    check_not test -e "$WORK/systemctl.log"
    expect 0 "stop without systemd" stop

    mkdir -p "$host/run/systemd/system"
    expect 0 "start with systemd" start
    check test -f "$dropin"
    [ "$(stat -c '%a %U' "$dropin")" = "644 root" ] && ok "drop-in is 0644 root" || not_ok "drop-in mode $(stat -c '%a %U' "$dropin")"
    grep -qx 'After=remote-fs.target' "$dropin" && ok "Pacemaker stops before remote-fs.target" || not_ok "no remote-fs.target: $(cat "$dropin")"
    grep -qx 'After=dlm.service' "$dropin" && ok "and before dlm.service" || not_ok "no dlm.service"
    grep -qx 'After=open-iscsi.service' "$dropin" && ok "and before open-iscsi.service" || not_ok "no open-iscsi.service"
    [ "$(cat "$WORK/systemctl.log")" = daemon-reload ] && ok "one daemon-reload" || not_ok "systemctl calls: $(cat "$WORK/systemctl.log")"
    expect 0 "start again (already mounted)" start
    expect 0 "monitor" monitor OCF_RESKEY_CRM_meta_interval=10000
    [ "$(wc -l < "$WORK/systemctl.log")" = 1 ] && ok "unchanged drop-in: no further reload" || not_ok "reloads: $(cat "$WORK/systemctl.log")"
    if command -v systemd-analyze > /dev/null && [ -e /lib/systemd/system/pacemaker.service ]; then
        SYSTEMD_UNIT_PATH=$host/run/systemd/system:/lib/systemd/system: timeout 60 systemd-analyze verify \
            resource-agents-deps.target pacemaker.service > "$WORK/verify" 2>&1
        local vrc=$?
        [ $vrc = 0 ] && ! grep -q . "$WORK/verify" && ok "systemd-analyze verify: no warning, no ordering cycle" \
            || not_ok "systemd-analyze verify rc $vrc: $(head -5 "$WORK/verify")"
    fi
    rm "$dropin"
    expect 0 "recurring monitor brings a removed drop-in back" monitor OCF_RESKEY_CRM_meta_interval=10000
    check test -f "$dropin"
    rm "$dropin"
    expect 0 "a probe does not" monitor OCF_RESKEY_CRM_meta_interval=0
    check_not test -f "$dropin"
    expect 0 "monitor" monitor OCF_RESKEY_CRM_meta_interval=10000
    local reloads
    reloads=$(wc -l < "$WORK/systemctl.log")
    expect 0 "stop" stop
    check_not test -e "$dropin"
    [ "$(wc -l < "$WORK/systemctl.log")" = "$reloads" ] && ok "stop removes it without a reload" || not_ok "stop reloaded"
    expect 0 "stop again" stop

    # A restart within one boot: systemd still orders after every unit (stop did not reload), so
    # start writes the file and asks, but does not reload; once a unit is missing it reloads.
    echo "basic.target remote-fs.target network-online.target iscsid.service open-iscsi.service iscsi.service" \
        "multipathd.service dlm.service lvmlockd.service drbd.service blk-availability.service sysinit.target" \
        > "$WORK/systemd-after"
    : > "$WORK/systemctl.log"
    expect 0 "start after stop, systemd still ordered" start
    check test -f "$dropin"
    [ "$(cat "$WORK/systemctl.log")" = "show --property=After --value resource-agents-deps.target" ] \
        && ok "asked systemd, no daemon-reload" || not_ok "systemctl calls: $(tr '\n' ';' < "$WORK/systemctl.log")"
    expect 0 "stop" stop
    sed -i 's/ dlm.service//' "$WORK/systemd-after"
    : > "$WORK/systemctl.log"
    expect 0 "start after stop, systemd lacks dlm.service" start
    [ "$(tail -1 "$WORK/systemctl.log")" = daemon-reload ] && ok "then it reloads" \
        || not_ok "systemctl calls: $(tr '\n' ';' < "$WORK/systemctl.log")"
    expect 0 "stop" stop
    rm -f "$WORK/systemd-after"
    unset TEST_PATH
}

case "$GROUP" in
lifecycle | busy | faults | stopscope | statusfile | badinput | gfs2 | siblings | shutdownorder) "group_$GROUP" ;;
ocf-tester) group_ocf_tester ;;
*) echo "unknown group $GROUP" >&2; exit 2 ;;
esac
echo "# $GROUP: $CHECKS checks, $FAILS failed"
[ "$FAILS" = 0 ]
