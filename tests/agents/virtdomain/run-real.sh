#!/bin/bash
# Runs one tag of the real tier: usage run-real.sh AGENT REAL_TEST_BINARY TAG
# Needs root, libvirtd + qemu (tests/deps.txt). Brings up the shared test libvirtd
# (tests/lib/libvirtd.sh) and the cached tiny guest images; a libvirtd this script started is
# stopped again at the end, one that already ran (e.g. the sandbox's) is left running.
# Exit 77 (meson: skipped) when the host cannot run it at all.
set -u
agent=$1 binary=$2 tag=$3
here=$(cd "$(dirname "$0")" && pwd)
source_root=$(cd "$here/../../.." && pwd)
skip() { echo "SKIP: $*"; exit 77; }
[[ $EUID -eq 0 ]] || skip "needs root (starts libvirtd, runs qemu guests)"
for tool in libvirtd virsh qemu-system-x86_64; do
    command -v "$tool" >/dev/null || skip "$tool is not installed (see tests/deps.txt)"
done
export OCFKIT_SOURCE_ROOT=$source_root OCFKIT_VD_AGENT=$agent
if [[ $tag == *real-save* ]]; then
    OCFKIT_VD_IMAGES=$("$here/guest-images.sh") || { echo "FAIL: cannot build the test guest images"; exit 1; }
    export OCFKIT_VD_IMAGES
fi
started=
if ! bash "$source_root/tests/lib/libvirtd.sh" status >/dev/null 2>&1; then
    bash "$source_root/tests/lib/libvirtd.sh" up || { echo "FAIL: libvirtd did not start"; exit 1; }
    started=1
fi
# Killing or stopping libvirtd disturbs other users of the shared daemon (the sandbox's guests
# survive, but their monitors see it gone): wait for other guests to go, else skip loudly.
if [[ $tag == *real-libvirtd* ]]; then
    for i in $(seq 1 60); do
        others=$(timeout 20 virsh -q -c qemu:///system list --name 2>/dev/null | grep -v '^ocfkit-test-vd-' | grep . | tr '\n' ' ')
        [[ -z $others ]] && break
        sleep 2
    done
    if [[ -n $others ]]; then
        [[ -n $started ]] && bash "$source_root/tests/lib/libvirtd.sh" down >/dev/null
        skip "other guests use the shared libvirtd ($others); not killing it under them"
    fi
fi
"$binary" "$tag"
rc=$?
# Leftovers of a failed run (names are unique to these tests).
for d in $(timeout 20 virsh -q -c qemu:///system list --all --name 2>/dev/null | grep '^ocfkit-test-vd-'); do
    timeout 30 virsh -q -c qemu:///system destroy "$d" >/dev/null 2>&1
    timeout 20 virsh -q -c qemu:///system undefine "$d" >/dev/null 2>&1
done
for kind in pool net; do
    for o in $(timeout 20 virsh -q -c qemu:///system "$kind-list" --all --name 2>/dev/null | grep '^ocfkit-test-vd-'); do
        timeout 30 virsh -q -c qemu:///system "$kind-destroy" "$o" >/dev/null 2>&1
        timeout 20 virsh -q -c qemu:///system "$kind-undefine" "$o" >/dev/null 2>&1
    done
done
[[ -n $started ]] && bash "$source_root/tests/lib/libvirtd.sh" down >/dev/null
exit $rc
