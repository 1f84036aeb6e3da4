#!/bin/bash
# The README's test command: installs what the build and tests need (as root, Debian 12),
# builds, runs every tier that runs on one host, then the Debian 13 tier (tests/debian13/run.sh),
# and ends with "N passed, N failed". OCFKIT_NO_FULL=1 leaves out the sandbox and packaging tiers,
# OCFKIT_NO_FUZZ=1 the fuzzing, OCFKIT_NO_DEBIAN13=1 the Debian 13 tier; OCFKIT_JOBS=N builds
# with ninja -j N.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${OCFKIT_BUILD:-build-test}
fuzz_build=${OCFKIT_FUZZ_BUILD:-build-fuzz}
fuzz_seconds=${OCFKIT_FUZZ_SECONDS:-20}
logs=()
phase() { printf '\n=== %s (%s)\n' "$1" "$(date +%T)"; }

if [ "$(id -u)" = 0 ] && [ -z "${OCFKIT_NO_APT:-}" ]; then
    phase "installing dependencies"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null || { echo "apt-get update failed"; echo "0 passed, 1 failed"; exit 1; }
    # shellcheck disable=SC2046
    apt-get install -y -q --no-install-recommends $(tests/deps.sh) >/dev/null ||
        { echo "apt-get install failed"; echo "0 passed, 1 failed"; exit 1; }
fi

phase "building ($build)"
# Warnings are errors here (not in a user's or packager's build: a newer compiler must not break it).
if [ -d "$build" ]; then meson setup --reconfigure "$build" -Dwerror=true >/dev/null; else meson setup "$build" -Dwerror=true >/dev/null; fi ||
    { echo "meson setup failed"; echo "0 passed, 1 failed"; exit 1; }
ninja -C "$build" ${OCFKIT_JOBS:+-j "$OCFKIT_JOBS"} || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

phase "unit, runner and parser tests (parallel)"
meson test -C "$build" --num-processes 2 --print-errorlogs --logbase fast \
    --suite unit --suite runner --suite parse
logs+=("$build/meson-logs/fast.json")

phase "agent and conformance tests (one at a time: they use loop devices, libvirtd, fake daemons)"
meson test -C "$build" --num-processes 1 --print-errorlogs --logbase system \
    --no-suite unit --no-suite runner --no-suite parse --no-suite fuzz --no-suite sandbox --no-suite packaging
logs+=("$build/meson-logs/system.json")

if [ -z "${OCFKIT_NO_FULL:-}" ]; then
    phase "sandbox and packaging tiers (real Pacemaker and libvirtd; deb and rpm built and installed)"
    meson test -C "$build" --num-processes 1 --print-errorlogs --logbase full --suite sandbox --suite packaging
    logs+=("$build/meson-logs/full.json")
fi

if command -v clang++ >/dev/null && [ -z "${OCFKIT_NO_FUZZ:-}" ]; then
    phase "fuzzing every parser for ${fuzz_seconds}s each (clang, libFuzzer)"
    if [ -d "$fuzz_build" ]; then
        CXX=clang++ meson setup --reconfigure "$fuzz_build" -Dfuzz=true >/dev/null
    else
        CXX=clang++ meson setup "$fuzz_build" -Dfuzz=true >/dev/null
    fi && fuzz_targets=$(meson introspect "$fuzz_build" --targets |
        python3 -c 'import json,sys; print(" ".join(f for t in json.load(sys.stdin) if t["name"].startswith("fuzz-") for f in t["filename"]))' |
        sed "s|$(cd "$fuzz_build" && pwd)/||g") &&
        # Only the fuzz targets: the rest of the tree was built and tested above.
        { ninja -C "$fuzz_build" ${OCFKIT_JOBS:+-j "$OCFKIT_JOBS"} $fuzz_targets >"$fuzz_build/fuzz-build.log" 2>&1 ||
            { echo "fuzz build failed (counted as a failure):"; tail -n 30 "$fuzz_build/fuzz-build.log"; false; }; } &&
        OCFKIT_FUZZ_SECONDS=$fuzz_seconds meson test -C "$fuzz_build" --no-rebuild --suite fuzz --num-processes 2 \
            --print-errorlogs --logbase fuzz
    logs+=("$fuzz_build/meson-logs/fuzz.json")
fi

# Debian 13 from this Debian 12 host: build, unit, runner, parser, agent and conformance tiers in a
# cached debootstrap root (`tests/debian13/run.sh all` runs every tier there, see README.md).
d13_logs=()
if [ -z "${OCFKIT_NO_DEBIAN13:-}" ] && [ "$(. /etc/os-release && echo "$VERSION_ID")" = 12 ]; then
    phase "Debian 13 tier (debootstrap root: build, unit, runner, parser, agents, conformance)"
    d13_build=${OCFKIT_DEBIAN13_BUILD:-build-debian13}
    OCFKIT_DEBIAN13_BUILD=$d13_build bash tests/debian13/run.sh ci
    # No root or no build counts as one failure, not one per missing log.
    d13_logs=("$d13_build/meson-logs/fast.json")
    [ -e "$d13_build/meson-logs/fast.json" ] && d13_logs+=("$d13_build/meson-logs/system.json")
fi

phase "results"
[ ${#d13_logs[@]} -gt 0 ] && logs+=(--prefix debian13/ "${d13_logs[@]}")
python3 tests/count-results.py "${logs[@]}"
