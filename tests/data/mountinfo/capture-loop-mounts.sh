#!/bin/sh
# Regenerates host-loop-mounts.txt: real /proc/self/mountinfo with loop-mounted ext4 and xfs
# images, escaped names (space, tab, backslash), read-only mounts, a bind mount of a
# subdirectory and shared/slave propagation. Run as root. Everything happens in a private mount
# namespace (nothing becomes visible to other processes); the loop devices are detached on exit.
set -eu

out=${1:-$(dirname "$0")/host-loop-mounts.txt}
work=$(mktemp -d /tmp/ocfkit-parse-capture.XXXXXX)
ext4_dev= xfs_dev= made_base=
cleanup() {
    [ -n "$ext4_dev" ] && losetup -d "$ext4_dev" || true
    [ -n "$xfs_dev" ] && losetup -d "$xfs_dev" || true
    rm -rf "$work"
    [ -n "$made_base" ] && rmdir /mnt/ocfkit-capture || true
}
trap cleanup EXIT

truncate -s 64M "$work/ext4.img"
truncate -s 320M "$work/xfs.img"
mkfs.ext4 -q -F -L ocfkit-ext4 "$work/ext4.img"
mkfs.xfs -q -f -L ocfkit-xfs "$work/xfs.img"
ext4_dev=$(losetup -f --show "$work/ext4.img")
xfs_dev=$(losetup -f --show "$work/xfs.img")

# The mount points live under /mnt/ocfkit-capture so the fixture does not carry a random name.
if [ ! -d /mnt/ocfkit-capture ]; then mkdir /mnt/ocfkit-capture; made_base=1; fi
unshare -m --propagation private sh -eu -c '
    ext4_dev=$1 xfs_dev=$2 out=$3
    base=/mnt/ocfkit-capture
    mount -t tmpfs -o size=1m,mode=755 ocfkit-capture "$base"
    mkdir -p "$base/ext4 data" "$base/xfs-ro" "$base/bind" "$base/bind-ro" "$base/tab	and\\backslash" \
        "$base/shared" "$base/slave"
    mount -t ext4 -o noatime "$ext4_dev" "$base/ext4 data"
    mkdir -p "$base/ext4 data/export/sub dir"
    mount -t xfs -o ro "$xfs_dev" "$base/xfs-ro"
    mount --bind "$base/ext4 data/export" "$base/bind"
    mount --bind "$base/ext4 data/export/sub dir" "$base/bind-ro"
    mount -o remount,bind,ro "$base/bind-ro"
    mount -t tmpfs -o size=1m tmpfs-tab "$base/tab	and\\backslash"
    mount -t tmpfs -o size=1m ocfkit-shared "$base/shared"
    mount --make-shared "$base/shared"
    mount --bind "$base/shared" "$base/slave"
    mount --make-slave "$base/slave"
    cat /proc/self/mountinfo > "$out"
' capture "$ext4_dev" "$xfs_dev" "$work/mountinfo"

# The host tool sandbox has its own mount; it is not ours to publish.
grep -v sandboxing "$work/mountinfo" > "$out"
echo "wrote $out ($(wc -l < "$out") lines; ext4 on $ext4_dev, xfs on $xfs_dev)"
