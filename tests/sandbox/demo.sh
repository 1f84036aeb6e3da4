#!/bin/bash
# The demo cluster: single-node Pacemaker with an ocfkit gfs2fs filesystem (ext4 on a loop device,
# mounted at /srv/ocfkit-demo) and an ocfkit virtdomain guest (a diskless TCG domain), created
# through pcs as an administrator would.
#
#   demo.sh up       start cluster + libvirtd, create the demo resources, wait, print the status
#   demo.sh status   print the status
#   demo.sh down     delete the resources, stop everything, remove loop device, image and state
#
# Builds nothing: the agents must be installed (meson install, or cluster.sh install-agents).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

PROVIDER=${OCFKIT_PROVIDER:-custom}
OCF_ROOT=${OCFKIT_OCF_ROOT:-/usr/lib/ocf}
STATE=/run/ocfkit-demo
DATA=/var/lib/ocfkit-demo
IMAGE=$DATA/gfs2fs.img
MOUNTPOINT=/srv/ocfkit-demo
GUEST=ocfkit-demo-guest
GUEST_XML=$DATA/$GUEST.xml
CONSOLE=$SANDBOX_LOG/$GUEST.console.log
FS_ID=demo-fs
GUEST_ID=demo-guest
WAIT=${OCFKIT_DEMO_WAIT:-180}

say() { printf 'demo: %s\n' "$*"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "must run as root"

resource_exists() {
    crm_xml && [[ $(xq "boolean(/pacemaker-result/resources//resource[@id='$1'])") == true ]]
}

agent_path() { echo "$OCF_ROOT/resource.d/$PROVIDER/$1"; }

# Without systemd (which makes / shared at boot) every mount is private: qemu's mount namespace,
# made by libvirt while the demo file system is mounted, would keep a copy that an umount on the
# host does not reach, and gfs2fs would rightly find the file system still active. A shared
# parent of the mount point restores what a systemd host does.
share_mount_parent() {
    local parent
    parent=$(dirname "$MOUNTPOINT")
    mkdir -p "$parent"
    [[ $(findmnt -no PROPAGATION --target "$parent") == shared* ]] && return 0
    if mountpoint -q "$parent"; then
        mount --make-shared "$parent"
        echo "$parent" >"$STATE/made-shared"
    else
        mount --bind "$parent" "$parent"
        echo "$parent" >"$STATE/bound"
        mount --make-shared "$parent"
    fi
}

unshare_mount_parent() {
    if [[ -s $STATE/bound ]]; then
        umount "$(<"$STATE/bound")" && rm -f "$STATE/bound"
    elif [[ -s $STATE/made-shared ]]; then
        mount --make-private "$(<"$STATE/made-shared")" && rm -f "$STATE/made-shared"
    fi
}

demo_up() {
    local t0=$SECONDS missing=()
    local agent
    for agent in gfs2fs virtdomain; do
        [[ -x $(agent_path "$agent") ]] || missing+=("$agent")
    done
    ((${#missing[@]} < 2)) || die "no ocfkit agent installed under $OCF_ROOT/resource.d/$PROVIDER (run meson install first)"
    mkdir -p "$STATE" "$DATA"

    "$CLUSTER_SH" up

    if [[ -x $(agent_path gfs2fs) ]] && ! resource_exists "$FS_ID"; then
        local dev
        dev=$(losetup -n -O NAME -j "$IMAGE" 2>/dev/null | head -n1)
        if [[ -z $dev ]]; then
            dev=$(make_loop_ext4 "$IMAGE" 128)
            say "created ext4 image $IMAGE on $dev"
        fi
        share_mount_parent
        mkdir -p "$MOUNTPOINT"
        pcs resource create "$FS_ID" "ocf:$PROVIDER:gfs2fs" device="$dev" directory="$MOUNTPOINT" fstype=ext4 \
            op monitor interval=10s
    fi

    if [[ -x $(agent_path virtdomain) ]] && ! resource_exists "$GUEST_ID"; then
        if ! bash "$LIBVIRTD_SH" status >/dev/null 2>&1; then
            bash "$LIBVIRTD_SH" up >/dev/null
            touch "$STATE/started-libvirtd"
        fi
        local kind
        kind=$(write_guest_xml "$GUEST" "$GUEST_XML" "$CONSOLE")
        say "guest $GUEST: $kind TCG guest, serial console in $CONSOLE"
        pcs resource create "$GUEST_ID" "ocf:$PROVIDER:virtdomain" config="$GUEST_XML" \
            op monitor interval=10s
        if resource_exists "$FS_ID"; then
            # In production the guest's disks live on the shared filesystem: start it after.
            pcs constraint order start "$FS_ID" "then" start "$GUEST_ID" >/dev/null 2>&1
        fi
    fi

    local id
    for id in "$FS_ID" "$GUEST_ID"; do
        resource_exists "$id" || continue
        wait_xpath "$WAIT" "$(started_xpath "$id")" || {
            crm_mon -1 --include=failcounts,operations || true
            die "$id did not start within ${WAIT}s; see $SANDBOX_LOG/pacemaker.log"
        }
    done
    say "up in $((SECONDS - t0))s"
    demo_status
    echo
    echo "Try: crm_mon --output-as=xml; pcs resource describe ocf:$PROVIDER:gfs2fs; umount $MOUNTPOINT (Pacemaker remounts it and restarts the guest ordered after it);"
    echo "     virsh destroy $GUEST (Pacemaker restarts it); tests/sandbox/demo.sh status; tests/sandbox/demo.sh down"
    ((${#missing[@]} == 0)) || die "not installed, so not in the demo: ${missing[*]}"
}

demo_status() {
    if ! "$CLUSTER_SH" status; then
        return 1
    fi
    echo
    echo "Demo resources:"
    crm_xml || true
    local role
    role=$(xq "string(/pacemaker-result/resources//resource[@id='$FS_ID']/@role)")
    if [[ -n $role ]]; then
        local src
        src=$(findmnt -rn -o SOURCE,FSTYPE --mountpoint "$MOUNTPOINT" || true)
        if [[ -n $src ]]; then src="$MOUNTPOINT mounted from $src"; else src="$MOUNTPOINT not mounted"; fi
        echo "  $FS_ID ($(xq "string(/pacemaker-result/resources//resource[@id='$FS_ID']/@resource_agent)")): $role; $src"
    fi
    role=$(xq "string(/pacemaker-result/resources//resource[@id='$GUEST_ID']/@role)")
    if [[ -n $role ]]; then
        local qpid
        qpid=$(qemu_pid "$GUEST")
        echo "  $GUEST_ID ($(xq "string(/pacemaker-result/resources//resource[@id='$GUEST_ID']/@resource_agent)")): $role;" \
            "libvirt domain $GUEST: $(domain_state "$GUEST")${qpid:+ (qemu pid $qpid, TCG)}"
        if [[ -s $CONSOLE ]]; then
            echo "    console: $(tail -n1 "$CONSOLE" | tr -d '\r')"
        elif [[ $(domain_state "$GUEST") == running ]]; then
            echo "    console: (nothing yet: the guest is booting under TCG)"
        fi
    fi
}

demo_down() {
    local id
    if "$CLUSTER_SH" status >/dev/null 2>&1; then
        for id in "$GUEST_ID" "$FS_ID"; do
            if resource_exists "$id"; then
                pcs resource delete "$id" >/dev/null 2>&1 || pcs resource delete "$id" --force >/dev/null 2>&1 || true
                wait_xpath 120 "count(/pacemaker-result/resources//resource[@id='$id']) = 0" || true
            fi
        done
    fi
    "$CLUSTER_SH" down
    # What the agents' stop should have done already; repeated in case a stop failed.
    remove_domain "$GUEST"
    if [[ -e $STATE/started-libvirtd ]]; then
        bash "$LIBVIRTD_SH" down
    fi
    unmount_all_at "$MOUNTPOINT"
    release_loops_of "$IMAGE"
    if [[ -d $STATE ]]; then unshare_mount_parent || true; fi
    local left=""
    [[ -s $STATE/bound ]] && left+=" bind:$(<"$STATE/bound")"
    findmnt -rn --mountpoint "$MOUNTPOINT" >/dev/null 2>&1 && left+=" mount:$MOUNTPOINT"
    [[ -n $(losetup -n -O NAME -j "$IMAGE" 2>/dev/null) ]] && left+=" loop:$(losetup -n -O NAME -j "$IMAGE")"
    [[ -n $(qemu_pid "$GUEST") ]] && left+=" qemu:$GUEST"
    [[ -z $left ]] || die "left behind:$left"
    rmdir "$MOUNTPOINT" 2>/dev/null || true
    rm -rf "$DATA" "$STATE"
    say "down: no cluster process, mount, loop device or guest left"
}

case ${1:-} in
up) demo_up ;;
down) demo_down ;;
status) demo_status ;;
*) die "usage: demo.sh up|down|status" ;;
esac
