#!/bin/bash
# Builds the Debian packages from a copy of this source tree: dpkg-buildpackage -us -uc -b.
# Usage: build-debs.sh OUTDIR
# OUTDIR gets the .debs (with -dbgsym), the .changes and .buildinfo, and build.log. The VM cluster
# tier installs these in its guests; test-deb.sh checks and installs them on this machine.
# clevervm and heartbeat-compat are packaged once the build installs them: until then the build
# profiles pkg.ocfkit.noclevervm / pkg.ocfkit.noheartbeat leave their packages out (a NOTE says so).
set -u
out=${1:?usage: build-debs.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
source_root=$(cd "$here/../.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d /tmp/ocfkit-debbuild-XXXXXX)
trap 'rm -rf "$work"' EXIT

version=$(dpkg-parsechangelog -l "$source_root/debian/changelog" -SVersion)
src=$work/ocfkit-$version
mkdir -p "$src"
# What git tracks plus new files not ignored (the tree as the in-tree build sees it); no build dirs.
if git -C "$source_root" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$source_root" && git ls-files -z -co --exclude-standard |
        tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -C "$src" -xf -
else
    tar -C "$source_root" --exclude='./build*' --exclude=./.git -cf - . | tar -C "$src" -xf -
fi
[ -f "$src/debian/control" ] || { echo "build-debs: the source copy has no debian/control" >&2; exit 1; }

profiles=()
if ! meson setup "$work/probe" "$src" --prefix=/usr --sysconfdir=/etc -Dtests=false > "$work/probe.log" 2>&1 ||
    ! meson introspect --installed "$work/probe" > "$work/installed.json"; then
    echo "build-debs: meson setup of the source copy failed:" >&2
    tail -5 "$work/probe.log" >&2
    exit 1
fi
if ! grep -q '"/usr/sbin/clevervm"' "$work/installed.json"; then
    echo "NOTE: the build installs no /usr/sbin/clevervm yet: ocfkit-clevervm left out (profile pkg.ocfkit.noclevervm)"
    profiles+=(pkg.ocfkit.noclevervm)
fi
if ! grep -q '"/etc/ha.d/resource.d/' "$work/installed.json"; then
    echo "NOTE: the build installs nothing in /etc/ha.d/resource.d yet: ocfkit-heartbeat left out (profile pkg.ocfkit.noheartbeat)"
    profiles+=(pkg.ocfkit.noheartbeat)
fi
rm -rf "$work/probe"

profile_arg=()
[ "${#profiles[@]}" -gt 0 ] && profile_arg=("-P$(IFS=,; echo "${profiles[*]}")")
echo "dpkg-buildpackage -us -uc -b ${profile_arg[*]}"
(cd "$src" && DEB_BUILD_OPTIONS="parallel=$(nproc)" dpkg-buildpackage -us -uc -b "${profile_arg[@]}") \
    > "$out/build.log" 2>&1
rc=$?
if [ "$rc" != 0 ]; then
    echo "build-debs: dpkg-buildpackage exited $rc:" >&2
    tail -40 "$out/build.log" >&2
    exit 1
fi
cp "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo "$out"/
