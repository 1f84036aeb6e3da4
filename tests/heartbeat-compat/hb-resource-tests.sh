#!/bin/bash
# The heartbeat v1 resource.d wrappers, called exactly as heartbeat's ResourceManager calls them:
# a haresources entry "NAME::ARG1::ARG2" becomes `resource.d/NAME ARG1 ARG2 ACTION`, and a
# resource counts as held when status prints "running" (or "OK"). Real agents underneath:
# gfs2fs on a loop-device ext4, drbd-dual on the fake drbd-utils, virtdomain on libvirtd + qemu.
# Group "install": what `meson install` puts into resource.d (OCFKIT_BUILD_ROOT, OCFKIT_HB_DIR).
#   hb-resource-tests.sh WRAPPER_DIR DRBD_DUAL GFS2FS VIRTDOMAIN GROUP   (agent paths or "none")
set -u
RSCDIR=$1 DRBD_DUAL=$2 GFS2FS=$3 VIRTDOMAIN=$4 GROUP=$5
SOURCE_ROOT=${OCFKIT_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
WORK=$(mktemp -d /tmp/ocfkit-hb-XXXXXX)
AGENTS=$WORK/agents
mkdir -p "$AGENTS"
for a in "$DRBD_DUAL" "$GFS2FS" "$VIRTDOMAIN"; do
    [[ $a != none ]] && ln -s "$(realpath "$a")" "$AGENTS/$(basename "$a")"
done
RSCDIR=$(realpath "$RSCDIR")
export OCFKIT_HB_AGENT_DIR=$AGENTS
CLEANUP=()
cleanup() {
    local i
    for ((i = ${#CLEANUP[@]} - 1; i >= 0; i--)); do eval "${CLEANUP[i]}" >/dev/null 2>&1 || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }
bad() { failed=$((failed + 1)); echo "not ok - $*"; }
finish() {
    echo "$passed passed, $failed failed"
    ((failed == 0))
    exit $?
}
skip() { echo "SKIP: $*"; exit 77; }

# hb ENTRY ACTION: what ResourceManager does for one haresources entry. Sets RC and OUT.
hb() {
    local entry=$1 action=$2 name args
    name=${entry%%::*}
    args=()
    if [[ $entry == *::* ]]; then
        local rest=${entry#*::}
        IFS=$'\n' read -r -d '' -a args < <(printf '%s' "${rest//::/$'\n'}"; printf '\0')
    fi
    OUT=$("$RSCDIR/$name" "${args[@]}" "$action" 2>"$WORK/stderr")
    RC=$?
    ERR=$(cat "$WORK/stderr")
}

# ResourceManager's test: the resource is ours when status output says running or OK.
held() { [[ $OUT == *running* || $OUT == *OK* ]]; }

expect() {  # ENTRY ACTION WANT-RC [WANT-STDOUT]
    hb "$1" "$2"
    local what="$1 $2 -> rc $RC${OUT:+, \"$OUT\"}"
    if [[ $RC != "$3" ]]; then
        bad "$what (want rc $3) ${ERR:+[stderr: $(tail -n2 <<<"$ERR" | tr '\n' ' ')]}"
        return 1
    fi
    if [[ -n ${4:-} && $OUT != "$4" ]]; then
        bad "$what (want stdout \"$4\")"
        return 1
    fi
    ok "$what"
}

expect_status() {  # ENTRY running|stopped
    if [[ $2 == running ]]; then
        expect "$1" status 0 running && { held && ok "heartbeat sees $1 as held" || bad "heartbeat does not see $1 as held"; }
    else
        expect "$1" status 3 stopped && { held && bad "heartbeat sees stopped $1 as held" || ok "heartbeat sees $1 as not held"; }
    fi
}

need_root() { [[ $(id -u) == 0 ]] || skip "$GROUP needs root"; }

# DRBD resource r0 on the fake drbd-utils (two nodes, single primary, the peer up and Secondary).
fake_drbd() {
    FAKES=$SOURCE_ROOT/tests/fake-tools/drbd
    export DRBD_FAKE_STATE=$WORK/drbd
    mkdir -p "$DRBD_FAKE_STATE"
    export PATH=$FAKES:$PATH
    me=$(uname -n)
    "$FAKES/drbd-fake" init --kernel 8.4 --nodes "$me hb-peer" --single-primary >/dev/null
    "$FAKES/drbd-fake" up hb-peer
    # Where drbd-dual looks for /proc/drbd and keeps its state (test knobs of the agent).
    export OCFKIT_DRBD_PROC=$DRBD_FAKE_STATE/$me/proc OCFKIT_RUN_DIR=$WORK/run
    export OCF_RESKEY_drbdconf=$DRBD_FAKE_STATE/drbd.conf OCF_RESKEY_wfc_timeout=2
}
role() { DRBD_FAKE_NODE=$me "$FAKES/drbdadm" -c "$OCF_RESKEY_drbdconf" role r0 2>/dev/null | head -n1; }
cstate() { DRBD_FAKE_NODE=$me "$FAKES/drbdadm" -c "$OCF_RESKEY_drbdconf" cstate r0 2>/dev/null | head -n1; }

case $GROUP in
usage)
    for name in drbd-dual gfs2fs virtdomain; do
        hb "$name" bogus
        [[ $RC == 2 && $ERR == *"usage: $name"* ]] && ok "$name bogus -> usage, rc 2" || bad "$name bogus -> rc $RC: $ERR"
        hb "$name" ""
        [[ $RC == 2 ]] && ok "$name with an empty action -> rc 2" || bad "$name '' -> rc $RC"
    done
    # Too many or too few positional arguments.
    hb "gfs2fs::/dev/x" start
    [[ $RC == 2 && $ERR == *"device directory [fstype [options]]"* ]] && ok "gfs2fs with one argument -> usage" || bad "gfs2fs one arg -> rc $RC"
    hb "gfs2fs::a::b::c::d::e" start
    [[ $RC == 2 ]] && ok "gfs2fs with five arguments -> usage" || bad "gfs2fs five args -> rc $RC"
    hb "drbd-dual::r0::r1" start
    [[ $RC == 2 && $ERR == *"usage: drbd-dual [resource [down]] {start|stop|status}"* ]] && ok "drbd-dual with two resources -> usage" ||
        bad "drbd-dual two args -> rc $RC: $ERR"
    hb "drbd-dual::r0::down::x" start
    [[ $RC == 2 ]] && ok "drbd-dual with three arguments -> usage" || bad "drbd-dual three args -> rc $RC: $ERR"
    hb "virtdomain" start
    [[ $RC == 2 ]] && ok "virtdomain without a config -> usage" || bad "virtdomain no args -> rc $RC"
    # An agent that is not installed: LSB 5, and status is not "running".
    OCFKIT_HB_AGENT_DIR=$WORK/empty hb "gfs2fs::/dev/x::/mnt/x::ext4" start
    [[ $RC == 5 && $ERR == *"is not installed"* ]] && ok "missing agent -> rc 5 ($ERR)" || bad "missing agent -> rc $RC: $ERR"
    # The installed scripts are POSIX sh: dash must accept them.
    for f in drbd-dual gfs2fs virtdomain ocfkit-hbfuncs; do
        dash -n "$RSCDIR/$f" && ok "$f parses with dash" || bad "$f: dash syntax error"
    done
    finish
    ;;

drbd-dual)
    [[ $DRBD_DUAL != none ]] || skip "drbd-dual not built"
    fake_drbd

    expect_status drbd-dual::r0 stopped
    expect drbd-dual::r0 stop 0                  # stop of a stopped resource succeeds
    expect drbd-dual::r0 start 0
    [[ $(role) == Primary/* ]] && ok "r0 is Primary here after start ($(role))" || bad "r0 role after start: $(role)"
    expect_status drbd-dual::r0 running
    expect drbd-dual::r0 start 0                 # start of a started resource succeeds
    expect drbd-dual::r0 stop 0
    # As drbddisk: stop only demotes; DRBD stays up and connected, so this node keeps replicating.
    [[ $(role) == Secondary/* ]] && ok "r0 is Secondary, still up, after stop ($(role))" || bad "r0 after stop: $(role)"
    [[ $(cstate) == Connected ]] && ok "r0 still connected after stop" || bad "r0 connection after stop: $(cstate)"
    expect_status drbd-dual::r0 stopped
    expect drbd-dual::r0 stop 0                  # stop again: still Secondary, still 0
    expect drbd-dual::r0 start 0                 # taking it back from Secondary
    [[ $(role) == Primary/* ]] && ok "r0 is Primary again after start from Secondary" || bad "r0 role after restart: $(role)"
    # "down" (drbd-dual::r0::down): stop also takes the resource down, as before.
    expect drbd-dual::r0::down stop 0
    [[ $(role) != Primary/* && $(role) != Secondary/* ]] && ok "r0 is down after drbd-dual::r0::down stop ($(role))" ||
        bad "r0 after a down stop: $(role)"
    expect_status drbd-dual::r0::down stopped
    expect drbd-dual::r0::down stop 0            # stop of a down resource succeeds
    # Without a resource: the one drbdadm knows (haresources "drbd-dual" alone).
    expect drbd-dual start 0
    expect_status drbd-dual running
    expect drbd-dual stop 0
    expect_status drbd-dual stopped
    expect drbd-dual::r0::down stop 0
    # Up but Secondary here (started by hand, not promoted): heartbeat must not see it as held.
    OCF_RESKEY_drbd_resource=r0 OCFKIT_CLUSTER=standalone OCF_ROOT=/usr/lib/ocf "$AGENTS/drbd-dual" start >/dev/null 2>&1
    [[ $(role) == Secondary/* ]] && ok "r0 up and Secondary here ($(role))" || bad "r0 role after a plain start: $(role)"
    expect_status drbd-dual::r0 stopped
    expect drbd-dual::r0::down stop 0
    # A resource that does not exist: start fails, status is not running.
    hb drbd-dual::nosuch start
    [[ $RC == 5 && $ERR == *"'nosuch' is not defined"* ]] && ok "drbd-dual::nosuch start -> rc $RC (${ERR##*ocf-exit-reason:})" || bad "drbd-dual::nosuch start -> rc $RC: $ERR"
    hb drbd-dual::nosuch status
    ! held && [[ $RC != 0 && $ERR != *"not installed"* ]] && ok "drbd-dual::nosuch status -> rc $RC, \"$OUT\"" || bad "drbd-dual::nosuch status -> rc $RC, $OUT"
    # The peer holds Primary (single-primary): our promote must fail, and we stay not held.
    "$FAKES/drbd-fake" set hb-peer role=Primary >/dev/null 2>&1 || DRBD_FAKE_NODE=hb-peer "$FAKES/drbdadm" primary r0 >/dev/null 2>&1
    # heartbeat gives no timeout (the agent would retry for its advertised 90 s); 10 s here.
    OCF_RESKEY_CRM_meta_timeout=10000 hb drbd-dual::r0 start
    if [[ $RC == 1 && $ERR == *ocf-exit-reason:* ]]; then ok "start while the peer is Primary (single-primary) -> rc 1 (${ERR##*ocf-exit-reason:})"; else bad "start while the peer is Primary -> rc $RC: $ERR"; fi
    expect_status drbd-dual::r0 stopped
    finish
    ;;

gfs2fs)
    [[ $GFS2FS != none ]] || skip "gfs2fs not built"
    need_root
    command -v losetup >/dev/null && command -v mkfs.ext4 >/dev/null || skip "losetup/mkfs.ext4 missing"
    img=$WORK/ext4.img
    truncate -s 64M "$img"
    mkfs.ext4 -q -F "$img" || skip "mkfs.ext4 failed"
    dev=$(losetup --find --show "$img") || skip "no loop device"
    CLEANUP+=("losetup -d $dev")
    mnt=$WORK/data
    mkdir -p "$mnt"
    CLEANUP+=("umount $mnt")
    entry="gfs2fs::$dev::$mnt::ext4"
    mounted() { findmnt -rn -o SOURCE,FSTYPE,OPTIONS --mountpoint "$mnt"; }

    expect_status "$entry" stopped
    expect "$entry" stop 0
    expect "$entry" start 0
    [[ $(mounted) == "$dev ext4 "* ]] && ok "$dev mounted on $mnt ($(mounted))" || bad "not mounted after start: $(mounted)"
    expect_status "$entry" running
    echo hello >"$mnt/file" && ok "the file system is writable" || bad "cannot write to $mnt"
    expect "$entry" start 0
    [[ $(findmnt -rn --mountpoint "$mnt" | wc -l) == 1 ]] && ok "a second start does not mount twice" || bad "mounted twice"
    expect "$entry" stop 0
    [[ -z $(mounted) ]] && ok "unmounted after stop" || bad "still mounted after stop"
    expect_status "$entry" stopped
    # Fourth positional argument: mount options.
    expect "$entry::ro,noatime" start 0
    [[ $(mounted) == *ro,* || $(mounted) == *" ro"* ]] && ok "options ro,noatime applied ($(mounted))" || bad "options not applied: $(mounted)"
    expect_status "$entry::ro,noatime" running
    expect "$entry::ro,noatime" stop 0
    # fstype omitted (two fields): nothing is passed, so the agent's default (gfs2) applies and
    # the ext4 device is refused without mounting anything: 5, what this node's device holds (not 6,
    # which would keep a cluster manager from trying the resource on any other node).
    hb "gfs2fs::$dev::$mnt" start
    [[ $RC == 5 && $ERR == *"holds no GFS2"* && -z $(mounted) ]] && ok "gfs2fs::DEV::DIR on ext4 -> rc 5 (agent default fstype gfs2)" ||
        bad "gfs2fs::DEV::DIR on ext4 -> rc $RC, mounted: $(mounted), $ERR"
    expect_status "gfs2fs::$dev::$mnt" stopped
    # A device that does not exist: start fails (not installed here), status is not running.
    hb "gfs2fs::/dev/ocfkit-no-such-disk::$mnt::ext4" start
    [[ $RC == 5 ]] && ok "missing device: start -> rc 5" || bad "missing device: start -> rc $RC ($ERR)"
    hb "gfs2fs::/dev/ocfkit-no-such-disk::$mnt::ext4" status
    ! held && ok "missing device: status -> rc $RC, \"$OUT\"" || bad "missing device reported as held"
    finish
    ;;

virtdomain)
    [[ $VIRTDOMAIN != none ]] || skip "virtdomain not built"
    need_root
    LIBVIRTD_SH=$SOURCE_ROOT/tests/lib/libvirtd.sh
    if ! bash "$LIBVIRTD_SH" status >/dev/null 2>&1; then
        bash "$LIBVIRTD_SH" up >/dev/null 2>&1 || skip "libvirtd cannot be started here"
        CLEANUP+=("bash $LIBVIRTD_SH down")
    fi
    guest=ocfkit-hb-guest-$$
    xml=$WORK/$guest.xml
    cat >"$xml" <<XML
<domain type='qemu'>
  <name>$guest</name>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <on_poweroff>destroy</on_poweroff>
  <devices><emulator>/usr/bin/qemu-system-x86_64</emulator><memballoon model='none'/></devices>
</domain>
XML
    chmod -R a+rX "$WORK"
    CLEANUP+=("virsh -c qemu:///system destroy $guest" "virsh -c qemu:///system undefine $guest")
    # The firmware-only guest ignores ACPI: a short shutdown wait, then the agent forces it off.
    export OCF_RESKEY_shutdown_timeout=2
    state() { timeout 10 virsh -q -c qemu:///system domstate "$guest" 2>/dev/null | head -n1; }
    entry="virtdomain::$xml"
    expect_status "$entry" stopped
    expect "$entry" start 0
    [[ $(state) == running ]] && ok "libvirt says $guest is running" || bad "$guest state after start: $(state)"
    expect_status "$entry" running
    expect "$entry" start 0
    expect "$entry" stop 0
    [[ $(state) != running ]] && ok "$guest not running after stop ($(state))" || bad "$guest still running"
    expect_status "$entry" stopped
    expect "$entry::qemu:///system" start 0
    expect_status "$entry::qemu:///system" running
    expect "$entry::qemu:///system" stop 0
    hb "virtdomain::$WORK/missing.xml" start
    [[ $RC != 0 ]] && ok "missing config: start -> rc $RC" || bad "missing config: start succeeded"
    finish
    ;;
install)
    [[ -n ${OCFKIT_BUILD_ROOT:-} && -n ${OCFKIT_HB_DIR:-} ]] || skip "OCFKIT_BUILD_ROOT / OCFKIT_HB_DIR not set (meson test sets them)"
    command -v meson >/dev/null || skip "meson not installed"
    dest=$WORK/destdir
    if ! meson install -C "$OCFKIT_BUILD_ROOT" --no-rebuild --quiet --tags heartbeat --destdir "$dest" >"$WORK/install.log" 2>&1; then
        bad "meson install --tags heartbeat: $(tail -n3 "$WORK/install.log")"
        finish
    fi
    dir=$dest$OCFKIT_HB_DIR
    listing=$(cd "$dir" 2>/dev/null && ls -A | tr '\n' ' ')
    [[ $listing == "drbd-dual gfs2fs ocfkit-hbfuncs virtdomain " ]] && ok "$OCFKIT_HB_DIR holds: $listing" || bad "$OCFKIT_HB_DIR holds: '$listing'"
    [[ ! -e $dir/drbddisk ]] && ok "no resource.d/drbddisk (drbd-utils' conffile)" || bad "resource.d/drbddisk installed: it clashes with drbd-utils"
    others=$(cd "$dest" && find . -type f ! -path ".$OCFKIT_HB_DIR/*" | head -n3)
    [[ -z $others ]] && ok "the heartbeat tag installs nothing else" || bad "the heartbeat tag also installs: $others"
    for f in drbd-dual gfs2fs virtdomain; do
        [[ $(stat -c %A "$dir/$f") == -rwxr-xr-x ]] && ok "$f is -rwxr-xr-x" || bad "$f mode $(stat -c %A "$dir/$f")"
        grep -q "^HB_NAME=$f\$" "$dir/$f" && ok "$f calls itself $f" || bad "$f: HB_NAME is $(sed -n 's/^HB_NAME=//p' "$dir/$f")"
    done
    [[ $(stat -c %A "$dir/ocfkit-hbfuncs") == -rw-r--r-- ]] && ok "ocfkit-hbfuncs is -rw-r--r-- (sourced, not run)" || bad "ocfkit-hbfuncs mode $(stat -c %A "$dir/ocfkit-hbfuncs")"
    # The installed copies, called as heartbeat calls them (they find ocfkit-hbfuncs beside them).
    RSCDIR=$dir
    hb drbd-dual bogus
    [[ $RC == 2 && $ERR == "usage: drbd-dual [resource [down]] {start|stop|status}" ]] && ok "installed drbd-dual bogus -> usage, rc 2" || bad "installed drbd-dual bogus -> rc $RC: $ERR"
    if [[ $DRBD_DUAL != none ]]; then
        fake_drbd
        expect_status drbd-dual::r0 stopped
        expect drbd-dual::r0 start 0
        [[ $(role) == Primary/* ]] && ok "r0 is Primary after the installed drbd-dual r0 start" || bad "r0 role: $(role)"
        expect_status drbd-dual::r0 running
        expect drbd-dual::r0 stop 0
        expect_status drbd-dual::r0 stopped
    fi
    finish
    ;;
*)
    echo "unknown group $GROUP" >&2
    exit 2
    ;;
esac
