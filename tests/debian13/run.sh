#!/bin/bash
# The Debian 13 tier on a Debian 12 host: a cached `debootstrap --variant=minbase trixie` root with
# tests/deps.txt installed by its own apt, the source tree bind-mounted at /src, and the project's
# own test command (tests/run-all.sh) run inside it with chroot.
#
#   run.sh [ci]      build, unit, runner, parser, agent and conformance tiers (what CI runs)
#   run.sh all       every host tier: the above, sandbox, packaging, fuzz
#   run.sh prepare   only make (or check) the cached root
#   run.sh shell [CMD...]   a shell (or CMD) in the root, source at /src, mounts as for the tests
#
# Run the test modes under the host lock (flock /tmp/ocfkit-host.lock): the root shares the
# kernel, /dev (loop devices) and the network with the host. `prepare` needs no lock.
# The results are meson's JSON logs in the build directory (default build-debian13, in the source
# tree), which the host's tests/run-all.sh counts. Every step prints its time.
#
# Environment: OCFKIT_DEBIAN_MIRROR (default: the URI of the host's own apt source for Debian
# 'main'), OCFKIT_DEBIAN13_CACHE (default /var/cache/ocfkit), OCFKIT_DEBIAN13_BUILD (build dir,
# relative to the source), OCFKIT_DEBIAN13_REMAKE=1 (make the root again).
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
mode=${1:-ci}
[ $# -gt 0 ] && shift
suite=trixie
deps=$src/tests/deps.txt
cache=${OCFKIT_DEBIAN13_CACHE:-/var/cache/ocfkit}
build=${OCFKIT_DEBIAN13_BUILD:-build-debian13}

exec 3>&1  # the step times go here, even while a step's own output goes to a log
say() { printf 'debian13: %s\n' "$*" >&3; }
die() { printf 'debian13: %s\n' "$*" >&2; exit 1; }
timed() {  # timed LABEL CMD...: runs CMD, prints how long it took
    local label=$1 t0=$SECONDS rc=0
    shift
    "$@" || rc=$?
    say "$label: $((SECONDS - t0)) s (exit $rc)"
    return $rc
}

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, mounts)"
case $mode in ci | all | prepare | shell) ;; *) die "unknown mode '$mode' (ci, all, prepare, shell)" ;; esac

# host_mirror: the URI of the host's apt source that serves Debian's 'main' (not -security), from
# deb822 .sources files or one-line sources.list entries.
host_mirror() {
    python3 - /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list <<'EOF'
import sys, os
for path in sys.argv[1:]:
    if not os.path.isfile(path):
        continue
    text = open(path, encoding="utf-8", errors="replace").read()
    if path.endswith(".sources"):
        for stanza in text.split("\n\n"):
            f = {}
            for line in stanza.splitlines():
                if line.startswith("#") or ":" not in line or line[0].isspace():
                    continue
                k, v = line.split(":", 1)
                f[k.strip().lower()] = v.split()
            if (f.get("enabled", ["yes"])[0] != "no" and "deb" in f.get("types", [])
                    and "main" in f.get("components", [])
                    and any(not s.endswith("-security") for s in f.get("suites", []))):
                print(f["uris"][0]); sys.exit(0)
    else:
        for line in text.splitlines():
            line = line.split("#", 1)[0].strip()
            if not line.startswith("deb "):
                continue
            w = line[4:].split("]", 1)[1].split() if "[" in line else line[4:].split()  # drop [options]
            if len(w) >= 3 and "main" in w[2:] and not w[1].endswith("-security"):
                print(w[0]); sys.exit(0)
sys.exit(1)
EOF
}

# The root is keyed on the package list and on how it is made: either changing makes a new one.
key=$( { cat "$deps"; sed -n '/^make_root()/,/^}/p' "$0"; } | sha256sum | cut -c1-16)
root=$cache/debian13-$key
mkdir -p "$cache"

make_root() {
    local mirror new=$root.new
    mirror=${OCFKIT_DEBIAN_MIRROR:-$(host_mirror)} || die "no Debian 'main' source in the host's apt configuration; set OCFKIT_DEBIAN_MIRROR"
    rm -rf "$new"
    command -v debootstrap >/dev/null || die "debootstrap is not installed (tests/deps.txt)"
    say "making the root $root from $mirror"
    timed "debootstrap --variant=minbase $suite" \
        debootstrap --variant=minbase "$suite" "$new" "$mirror" > "$cache/debootstrap.log" 2>&1 ||
        { tail -5 "$cache/debootstrap.log" >&2; rm -rf "$new"; die "debootstrap failed (log: $cache/debootstrap.log)"; }
    printf 'deb %s %s main\ndeb %s %s-updates main\n' "$mirror" "$suite" "$mirror" "$suite" > "$new/etc/apt/sources.list"
    # No package's maintainer script may start a daemon in the root (it shares the host's network).
    printf '#!/bin/sh\nexit 101\n' > "$new/usr/sbin/policy-rc.d"
    chmod 755 "$new/usr/sbin/policy-rc.d"
    # shellcheck disable=SC2046
    if ! timed "apt-get install of tests/deps.txt" in_root "$new" \
        sh -c 'apt-get update -q && apt-get install -y -q --no-install-recommends "$@"' sh \
        $("$src/tests/deps.sh" 13) > "$cache/deps-install.log" 2>&1; then
        tail -20 "$cache/deps-install.log" >&2
        rm -rf "$new"
        die "installing the dependencies failed (log: $cache/deps-install.log)"
    fi
    in_root "$new" apt-get clean
    mv "$new" "$root"
    # Roots made from older package lists are not used again.
    find "$cache" -maxdepth 1 -name 'debian13-*' ! -name "debian13-$key" -exec rm -rf {} +
}

# in_root ROOT CMD...: CMD chrooted into ROOT, in a private mount namespace (so every mount here
# vanishes with it, even on a crash), with the host's /dev (loop devices), /proc and /sys, a fresh
# /run, /tmp and /dev/shm (Pacemaker's IPC), the source tree at /src and a clean environment.
in_root() {
    local r=$1
    shift
    cp /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null || true
    cp /etc/hosts "$r/etc/hosts"
    mkdir -p "$r/src"
    local pass=()
    while IFS= read -r v; do pass+=("$v"); done < <(env | grep -E '^OCFKIT_(FUZZ_SECONDS|PKG_KEEP|JOBS)=' || true)
    unshare --mount --propagation private -- /bin/bash -c '
        set -e
        r=$1 src=$2; shift 2
        # "/" must be a mount point, as on a booted system: libvirt, unshare and mount-namespace
        # tests change its propagation, which fails with EINVAL on a plain directory.
        mount --bind "$r" "$r"
        mount --rbind /dev "$r/dev"
        mount -t tmpfs -o mode=1777 shm "$r/dev/shm"
        mount -t proc proc "$r/proc"
        mount --rbind /sys "$r/sys"
        mount -t tmpfs -o mode=755 run "$r/run"
        mount -t tmpfs -o mode=1777 tmp "$r/tmp"
        mount --bind "$src" "$r/src"
        exec chroot "$r" "$@"' in_root "$r" "$src" \
        env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" \
        DEBIAN_FRONTEND=noninteractive "${pass[@]}" "$@"
}

# The logs of a previous run must never be counted as this run's, even when no root can be made.
[ "$mode" = ci ] || [ "$mode" = all ] &&
    rm -f "$src/$build"/meson-logs/{fast,system,full}.json "$src/$build-fuzz/meson-logs/fuzz.json"

(
    flock 9
    if [ -n "${OCFKIT_DEBIAN13_REMAKE:-}" ]; then rm -rf "$root"; fi
    if [ -d "$root" ]; then say "using the cached root $root"; else make_root; fi
) 9> "$cache/debian13.lock"

versions=$(chroot "$root" dpkg-query -W -f '${Package} ${Version}; ' \
    g++ pacemaker pcs corosync libvirt-daemon resource-agents catch2)
say "Debian $(cat "$root/etc/debian_version"): $versions"

case $mode in
prepare) exit 0 ;;
shell)
    [ $# -gt 0 ] || set -- bash
    in_root "$root" sh -c 'cd /src && exec "$@"' sh "$@"
    exit
    ;;
esac

tiers=(OCFKIT_NO_FULL=1 OCFKIT_NO_FUZZ=1)
[ "$mode" = all ] && tiers=()
timed "tests/run-all.sh ($mode) in the root" in_root "$root" \
    env OCFKIT_NO_APT=1 OCFKIT_BUILD="$build" OCFKIT_FUZZ_BUILD="$build-fuzz" "${tiers[@]}" \
    bash /src/tests/run-all.sh
