#!/bin/bash
# The main job, on a fresh Debian 12 machine as root: install the dependencies, build, install the
# agents, start the single-node demo cluster with a gfs2fs filesystem and a virtdomain guest, and
# print the cluster status.
#
#   tests/sandbox/main-job.sh          do all of that
#   tests/sandbox/main-job.sh stop     stop the demo cluster cleanly (tests/sandbox/demo.sh down)
#
# OCFKIT_BUILD_DIR (default: build/ in the source tree) is where it builds;
# OCFKIT_SKIP_APT=1 skips the package installation.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${OCFKIT_BUILD_DIR:-$ROOT/build}
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

step() { printf '\n== %s\n' "$*"; }

[[ $(id -u) -eq 0 ]] || { echo "main-job.sh: run as root (it installs packages and starts a cluster)" >&2; exit 1; }

if [[ ${1:-} == stop ]]; then
    exec "$ROOT/tests/sandbox/demo.sh" down
fi

t0=$SECONDS
if [[ ${OCFKIT_SKIP_APT:-0} != 1 ]]; then
    step "installing Debian packages from tests/deps.txt"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    # Without recommends: libvirt's recommends pull in systemd units this setup does not use.
    # shellcheck disable=SC2046
    apt-get install -y --no-install-recommends $("$ROOT/tests/deps.sh")
fi

step "building into $BUILD"
if [[ ! -f $BUILD/build.ninja ]]; then
    meson setup "$BUILD" "$ROOT" -Dtests=false
fi
ninja -C "$BUILD" -j "$(nproc)"

step "installing"
meson install -C "$BUILD" --no-rebuild

step "starting the demo cluster"
option() {
    meson introspect "$BUILD" --buildoptions |
        python3 -c 'import json, sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == sys.argv[1]))' "$1"
}
OCFKIT_PROVIDER=$(option provider) OCFKIT_OCF_ROOT=$(option ocf_root) "$ROOT/tests/sandbox/demo.sh" up

printf '\nmain job done in %ss. Stop it with: %s stop\n' "$((SECONDS - t0))" "$0"
