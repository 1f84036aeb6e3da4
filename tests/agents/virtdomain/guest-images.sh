#!/bin/bash
# Builds (once) the tiny test guest: Debian's kernel + a busybox initramfs whose /init is
# tests/data/virtdomain/guest-init.sh. Prints the directory holding vmlinuz and initrd.gz.
# Cached under /var/cache/ocfkit-test/virtdomain/<key>, the key hashing every input (kernel
# package version, busybox version, the init script, this script), so reruns take no time and
# a changed input builds a new image. Needs root, network access to the Debian mirror on the
# first run only, and: apt-get install busybox-static cpio.
set -euo pipefail

SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
INIT=$SRC_DIR/tests/data/virtdomain/guest-init.sh
CACHE_ROOT=${OCFKIT_TEST_CACHE:-/var/cache/ocfkit-test}
DEB_DIR=$CACHE_ROOT/debs

die() { echo "guest-images.sh: $*" >&2; exit 1; }

[[ -r $INIT ]] || die "missing $INIT"
command -v busybox >/dev/null || die "busybox is not installed (apt-get install busybox-static)"
command -v cpio >/dev/null || die "cpio is not installed (apt-get install cpio)"
file_of_busybox=$(command -v busybox)
ldd "$file_of_busybox" >/dev/null 2>&1 && die "$file_of_busybox is dynamically linked; install busybox-static"

# linux-image-amd64 is a metapackage: the real kernel package is its dependency.
kernel_pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
[[ -n $kernel_pkg ]] || die "cannot resolve linux-image-amd64 (apt-get update?)"
kernel_ver=$(apt-cache policy "$kernel_pkg" | awk '/Candidate:/{print $2}')
busybox_ver=$(dpkg-query -W -f '${Version}' busybox-static 2>/dev/null || busybox | head -1)
key=$( { echo "$kernel_pkg $kernel_ver $busybox_ver"; cat "$INIT" "${BASH_SOURCE[0]}"; } | sha256sum | cut -c1-16)
OUT=$CACHE_ROOT/virtdomain/$key

if [[ -s $OUT/vmlinuz && -s $OUT/initrd.gz ]]; then
    echo "$OUT"
    exit 0
fi

mkdir -p "$DEB_DIR" "$CACHE_ROOT/virtdomain"
exec 9>"$CACHE_ROOT/virtdomain/.lock"
flock 9
if [[ -s $OUT/vmlinuz && -s $OUT/initrd.gz ]]; then echo "$OUT"; exit 0; fi

deb=$(ls "$DEB_DIR/${kernel_pkg}_"*.deb 2>/dev/null | head -1 || true)
if [[ -z $deb ]]; then
    (cd "$DEB_DIR" && apt-get download "$kernel_pkg" >&2) || die "apt-get download $kernel_pkg failed"
    deb=$(ls "$DEB_DIR/${kernel_pkg}_"*.deb | head -1)
fi

work=$(mktemp -d "$CACHE_ROOT/virtdomain/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
dpkg-deb -x "$deb" "$work/pkg"
# Debian 13's kernel packages ship their modules under /usr/lib (merged /usr), Debian 12's under /lib.
kdir=$(ls -d "$work"/pkg/lib/modules/* "$work"/pkg/usr/lib/modules/* 2>/dev/null | head -1 || true)
[[ -d $kdir ]] || die "no lib/modules in $deb"

root=$work/root
mkdir -p "$root"/{bin,dev,proc,sys,lib/modules}
cp "$file_of_busybox" "$root/bin/busybox"
for applet in $(busybox --list); do
    [[ $applet == busybox ]] || ln -s busybox "$root/bin/$applet"
done
# The power button reaches userspace through these two modules (both =m in Debian's config).
# Debian 13 ships them xz-compressed, which busybox's insmod does not read.
for m in acpi/button input/evdev; do
    if [[ -e $kdir/kernel/drivers/$m.ko.xz ]]; then
        xz -dc "$kdir/kernel/drivers/$m.ko.xz" >"$root/lib/modules/${m#*/}.ko"
    else
        cp "$kdir/kernel/drivers/$m.ko" "$root/lib/modules/"
    fi
done
install -m 0755 "$INIT" "$root/init"
(cd "$root" && find . -print0 | cpio --null --create --format=newc --quiet) | gzip -9 >"$work/initrd.gz"

mkdir -p "$work/out"
cp "$work"/pkg/boot/vmlinuz-* "$work/out/vmlinuz"
mv "$work/initrd.gz" "$work/out/initrd.gz"
echo "$kernel_pkg $kernel_ver busybox $busybox_ver" >"$work/out/INPUTS"
# The qemu user (libvirt-qemu) must be able to read both.
chmod 0755 "$work/out"
chmod 0644 "$work/out"/*
rm -rf "$OUT"
mv "$work/out" "$OUT"
echo "$OUT"
