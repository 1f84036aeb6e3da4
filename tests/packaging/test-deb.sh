#!/bin/bash
# The Debian packages end to end: dpkg-buildpackage -us -uc -b on a copy of the source, lintian,
# the layout of each .deb against layout.txt, then on this machine: apt-get install the .debs,
# the conformance checks and ocf-tester (tests/conformance/run-conformance.sh) on every installed
# agent, `pcs resource describe ocf:custom:<agent>`, the man pages, and apt-get purge with a check
# that nothing of ours is left. Needs root. The build itself is build-debs.sh (the VM cluster tier
# uses it to get the .debs for its guests).
set -u
here=$(cd "$(dirname "$0")" && pwd)
source_root=$(cd "$here/../.." && pwd)
provider=custom
ocf_dir=/usr/lib/ocf/resource.d/$provider
failures=0
passes=0
pass() { echo "PASS deb: $*"; passes=$((passes + 1)); }
fail() { echo "FAIL deb: $*"; failures=$((failures + 1)); }
phase() { printf '\n== %s (%s)\n' "$*" "$(date +%T)"; }
finish() {
    echo "test-deb: $passes passed, $failures failed"
    [ "$failures" = 0 ]
    exit $?
}

if [ "$(id -u)" != 0 ]; then
    echo "SKIP: installs packages, needs root"
    exit 77
fi
for tool in dpkg-buildpackage dh lintian apt-get xmllint ocf-tester pcs man systemd-analyze; do
    command -v "$tool" >/dev/null || { fail "$tool is not installed (tests/deps.txt lists its package)"; finish; }
done

work=$(mktemp -d /tmp/ocfkit-deb-XXXXXX)
chmod 755 "$work"
backup=$work/unowned-files
installed=()
cleanup() {
    if [ "${#installed[@]}" -gt 0 ]; then
        apt-get purge -y -q -o DPkg::Lock::Timeout=600 "${installed[@]}" > "$work/purge-cleanup.log" 2>&1 ||
            echo "cleanup: apt-get purge failed: $(tail -3 "$work/purge-cleanup.log")"
    fi
    # Files that were installed by hand (no package owned them) come back as they were.
    if [ -d "$backup" ] && [ -n "$(ls -A "$backup")" ]; then
        cp -a "$backup"/. /
    fi
    # OCFKIT_PKG_KEEP=1 keeps the build tree and logs for a look.
    [ -n "${OCFKIT_PKG_KEEP:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT

version=$(dpkg-parsechangelog -l "$source_root/debian/changelog" -SVersion)
out=$work/out
expected=(ocfkit-agents ocfkit-clevervm ocfkit-heartbeat)

phase "dpkg-buildpackage -us -uc -b (build-debs.sh)"
start=$SECONDS
if "$here/build-debs.sh" "$out" > "$work/build-debs.out" 2> "$work/build-debs.err"; then
    cat "$work/build-debs.out"
    pass "dpkg-buildpackage ($((SECONDS - start)) s)"
else
    cat "$work/build-debs.out"
    sed 's/^/    /' "$work/build-debs.err"
    fail "build-debs.sh failed after $((SECONDS - start)) s"
    finish
fi
# Packages left out until the build installs their files (build-debs.sh says so).
grep -q 'pkg.ocfkit.noclevervm' "$work/build-debs.out" && expected=("${expected[@]/ocfkit-clevervm/}")
grep -q 'pkg.ocfkit.noheartbeat' "$work/build-debs.out" && expected=("${expected[@]/ocfkit-heartbeat/}")
mapfile -t expected < <(printf '%s\n' "${expected[@]}" | grep .)
# The package build turns -Werror off (a distribution's newer compiler must not break it), so
# warnings are caught here instead.
warnings=$(grep -E '^[^ ]+:[0-9]+(:[0-9]+)?: warning:' "$out/build.log" | sort -u)
[ -z "$warnings" ] && pass "no compiler warnings with Debian's build flags" ||
    fail "compiler warnings with Debian's build flags:"$'\n'"$warnings"
grep -q -- '-D_FORTIFY_SOURCE=2' "$out/build.log" && pass "built with dpkg-buildflags (hardening)" ||
    fail "dpkg-buildflags (hardening) not in the compile commands"

changes=$(ls "$out"/ocfkit_"${version}"_*.changes 2>/dev/null | head -1)
# The automatic -dbgsym packages are built and linted, not installed or laid out.
debs=()
for d in "$out"/*.deb; do
    case "$d" in
        *-dbgsym_*) echo "  $(basename "$d"): $(du -k "$d" | cut -f1) KiB (debug symbols)" ;;
        *) debs+=("$d") ;;
    esac
done
built=()
for d in "${debs[@]}"; do built+=("$(dpkg-deb -f "$d" Package)"); done
[ "$(printf '%s\n' "${built[@]}" | sort)" = "$(printf '%s\n' "${expected[@]}" | sort)" ] &&
    pass "built ${built[*]}" || fail "built ${built[*]}, expected ${expected[*]}"
for d in "${debs[@]}"; do
    echo "  $(basename "$d"): $(du -k "$d" | cut -f1) KiB; Depends: $(dpkg-deb -f "$d" Depends)"
done

phase "dependencies and maintainer scripts"
# virtdomain names all of libvirt's ~58 libraries in DT_NEEDED (a load-order optimisation):
# debian/rules leaves the packages of those it only loads for their order to libvirt0's own
# dependencies (tools/packaging/order-only-libs.sh), and dpkg-shlibdeps warns about nothing.
agents_deb=$(printf '%s\n' "${debs[@]}" | grep '/ocfkit-agents_')
depends=$(dpkg-deb -f "$agents_deb" Depends | tr -d ' ' | tr ',' '\n' | sed 's/(.*//')
left_out=$(sed -n 's/^order-only-libs: .*: \([0-9]*\) packages left out of Depends$/\1/p' "$out/build.log" | head -1)
if grep -qx libvirt0 <<< "$depends" && [ "$(wc -l <<< "$depends")" -le 12 ] &&
    ! grep -qx 'libgnutls30\|libxml2' <<< "$depends"; then
    pass "ocfkit-agents: $(wc -l <<< "$depends") Depends with libvirt0; ${left_out:-no} packages of libraries loaded only for their order left out"
else
    fail "ocfkit-agents Depends is not the minimal set: $(tr '\n' ' ' <<< "$depends")"
fi
shlibdeps_warnings=$(grep -E 'dpkg-shlibdeps: warning|order-only-libs: warning' "$out/build.log")
# Debian 13's usrmerge transition diverts a few libraries (lib* -> *.usr-is-merged) in the build
# root itself; dpkg-shlibdeps then warns "diversions involved". Only those diversions are harmless.
diverted_to=$(grep -E '^ diversion by [^ ]+ to: ' "$out/build.log" | sort -u)
if [ -n "$diverted_to" ] && ! grep -qvE '\.usr-is-merged$' <<< "$diverted_to"; then
    shlibdeps_warnings=$(grep -v 'diversions involved' <<< "$shlibdeps_warnings")
fi
[ -z "$shlibdeps_warnings" ] && pass "no dpkg-shlibdeps warnings${diverted_to:+ (besides the usrmerge diversions of the build root)}" ||
    fail "dpkg-shlibdeps warnings:"$'\n'"$shlibdeps_warnings"
# clevervm's start and stop start and hibernate every guest of the node: the maintainer scripts
# enable the unit and the LSB script for boot, and never start, stop or restart either.
clevervm_deb=$(printf '%s\n' "${debs[@]}" | grep '/ocfkit-clevervm_' || true)
if [ -n "$clevervm_deb" ]; then
    mkdir -p "$work/clevervm-control"
    dpkg-deb -e "$clevervm_deb" "$work/clevervm-control"
    scripts=$(cat "$work"/clevervm-control/{preinst,postinst,prerm,postrm} 2>/dev/null)
    grep -q "deb-systemd-helper enable 'clevervm.service'" <<< "$scripts" && grep -q 'update-rc.d clevervm defaults' <<< "$scripts" &&
        pass "ocfkit-clevervm enables clevervm.service and the LSB script" ||
        fail "ocfkit-clevervm does not enable clevervm.service and the LSB script"
    starts=$(grep -E 'deb-systemd-invoke|invoke-rc.d|systemctl .*(start|stop|restart)' <<< "$scripts")
    [ -z "$starts" ] && pass "ocfkit-clevervm's maintainer scripts never start, stop or restart it" ||
        fail "ocfkit-clevervm's maintainer scripts run:"$'\n'"$starts"
fi

phase "lintian"
start=$SECONDS
lintian --fail-on error,warning --display-info --tag-display-limit 0 "$changes" > "$work/lintian.log" 2>&1
rc=$?
sed 's/^/    /' "$work/lintian.log"
[ "$rc" = 0 ] && pass "lintian: no errors or warnings ($((SECONDS - start)) s)" ||
    fail "lintian exited $rc: $(grep -c '^[EW]:' "$work/lintian.log") error/warning tag(s)"

phase "layout of the .debs"
mkdir -p "$work/lists"
for d in "${debs[@]}"; do dpkg-deb -c "$d" > "$work/lists/$(dpkg-deb -f "$d" Package).list"; done
if "$here/check-layout.sh" deb "$work/lists" > "$work/layout.log"; then
    pass "every file where layout.txt says ($(grep -c ^PASS "$work/layout.log") rules)"
else
    grep ^FAIL "$work/layout.log"
    fail "layout differs from layout.txt"
fi

phase "apt-get install"
# Installing replaces any agents installed by hand under $ocf_dir: never under a running cluster's
# ocf:custom resources (the sandbox tier installs its own copies there). Wait for them to go.
cluster_uses_ours() {
    crm_mon -1 --output-as=xml 2>/dev/null |
        grep -q "class=\"ocf\" provider=\"$provider\"\|resource_agent=\"ocf:$provider:"
}
waited=0
while cluster_uses_ours && [ "$waited" -lt "${OCFKIT_PKG_WAIT:-600}" ]; do
    [ "$waited" = 0 ] && echo "waiting for the ocf:$provider resources of this machine's Pacemaker to go"
    sleep 10
    waited=$((waited + 10))
done
if cluster_uses_ours; then
    echo "SKIP: a Pacemaker on this machine still runs ocf:$provider resources after ${waited} s; not installing"
    echo "test-deb: $passes passed, $failures failed"
    [ "$failures" = 0 ] && exit 77
    exit 1
fi
# Files of ours already there but owned by no package (the sandbox tier's agents, a `meson install`)
# are put aside and come back after the purge; the packages overwrite them meanwhile.
mkdir -p "$backup"
kept=()
while read -r f; do
    { [ -e "$f" ] || [ -L "$f" ]; } && [ ! -d "$f" ] || continue
    dpkg -S "$f" >/dev/null 2>&1 && continue
    (cd / && cp -a --parents "${f#/}" "$backup"/) && kept+=("$f")
done < <(cat "$work"/lists/*.list | awk '$1 !~ /^d/ { p = $6; sub(/^\./, "", p); print p }')
[ "${#kept[@]}" -gt 0 ] && echo "NOTE: kept aside, owned by no package: ${kept[*]}"
had_ocf_dir=0
[ -d "$ocf_dir" ] && [ -n "$(ls -A "$ocf_dir" | grep -vxF -f <(for f in "${kept[@]}"; do basename "$f"; done))" ] &&
    had_ocf_dir=1
start=$SECONDS
installed=("${built[@]}")
# --force-confnew: a configuration file left by hand (init script, heartbeat wrapper) is replaced
# without a question (there is no terminal); it was kept aside above.
if apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 \
    -o Dpkg::Options::=--force-confnew "${debs[@]}" > "$work/install.log" 2>&1; then
    pass "apt-get install ${built[*]} ($((SECONDS - start)) s)"
else
    fail "apt-get install failed: $(tail -5 "$work/install.log")"
    finish
fi
for p in "${built[@]}"; do
    [ "$(dpkg-query -W -f '${db:Status-Status}' "$p" 2>/dev/null)" = installed ] && pass "$p installed" ||
        fail "$p not installed"
    dpkg -L "$p" > "$work/$p.files"
done
# What the packages own that is not a directory, to check after the purge.
cat "$work"/ocfkit-*.files | while read -r f; do [ -d "$f" ] || echo "$f"; done | sort -u > "$work/owned-files"

agents=$(sed -n 's/^agents-list: *//p' "$here/layout.txt")
phase "installed agents: meta-data, man pages"
for a in $agents; do
    agent=$ocf_dir/$a
    [ -x "$agent" ] || { fail "$agent missing or not executable"; continue; }
    if "$agent" meta-data > "$work/$a.xml" 2> "$work/$a.err" && xmllint --noout "$work/$a.xml"; then
        pass "$a meta-data (installed)"
    else
        fail "$a meta-data: $(tail -1 "$work/$a.err")"
    fi
    page=$(man -w 7 "ocf_${provider}_$a" 2>/dev/null)
    [ "$page" = "/usr/share/man/man7/ocf_${provider}_$a.7.gz" ] && pass "man 7 ocf_${provider}_$a finds $page" ||
        fail "man 7 ocf_${provider}_$a resolves to '$page'"
    errs=$(MANWIDTH=80 man --warnings 7 "ocf_${provider}_$a" 2>&1 >/dev/null)
    [ -z "$errs" ] && pass "man 7 ocf_${provider}_$a renders without warnings" || fail "man 7 ocf_${provider}_$a: $errs"
done

phase "ocfkit adopt (installed)"
[ "$(man -w 8 ocfkit 2>/dev/null)" = /usr/share/man/man8/ocfkit.8.gz ] && pass "man 8 ocfkit" ||
    fail "man 8 ocfkit resolves to '$(man -w 8 ocfkit 2>&1)'"
errs=$(MANWIDTH=80 man --warnings 8 ocfkit 2>&1 >/dev/null)
[ -z "$errs" ] && pass "man 8 ocfkit renders without warnings" || fail "man 8 ocfkit: $errs"
version=$(dpkg-query -W -f '${Version}' ocfkit-agents)
[ "$(/usr/sbin/ocfkit --version)" = "ocfkit ${version%%-*}" ] && pass "/usr/sbin/ocfkit --version: ${version%%-*}" ||
    fail "/usr/sbin/ocfkit --version says '$(/usr/sbin/ocfkit --version 2>&1)', package ${version%%-*}"
# A plan from a captured CIB: the installed command runs the installed agents' validate-all.
out=$(timeout 120 /usr/sbin/ocfkit adopt plan --cib-file "$source_root/tests/data/adopt/cib/sandbox-stock.xml" 2>&1)
rc=$?
[ "$rc" = 0 ] && grep -q "^2 convert, 0 stay" <<<"$out" && grep -q "^  checked: ocf:$provider:gfs2fs validate-all" <<<"$out" &&
    grep -q "^  checked: ocf:$provider:virtdomain validate-all" <<<"$out" &&
    pass "ocfkit adopt plan --cib-file: 2 convert, the installed agents' validate-all ran" ||
    fail "ocfkit adopt plan --cib-file exited $rc: $(tail -3 <<<"$out")"

if [[ " ${built[*]} " == *" ocfkit-clevervm "* ]]; then
    phase "clevervm"
    [ -x /etc/init.d/clevervm ] && pass "/etc/init.d/clevervm executable" || fail "/etc/init.d/clevervm missing"
    ls /etc/rc2.d/S*clevervm > /dev/null 2>&1 && pass "clevervm enabled for boot (update-rc.d)" ||
        fail "no /etc/rc2.d/S*clevervm link"
    # Where this release's package put it (layout.txt says where that must be).
    unit=$(dpkg -L ocfkit-clevervm | grep -m1 '/systemd/system/clevervm\.service$')
    # (/lib is /usr/lib on a merged-/usr system: both sides resolved)
    wants=/etc/systemd/system/multi-user.target.wants/clevervm.service
    [ -L "$wants" ] && [ "$(readlink -f "$wants")" = "$(readlink -f "$unit")" ] &&
        pass "clevervm.service enabled ($wants)" || fail "clevervm.service not enabled: $(ls -l "$wants" 2>&1)"
    if timeout 120 systemd-analyze verify "$unit" > "$work/verify.out" 2>&1; then
        pass "systemd-analyze verify $unit"
    else
        fail "systemd-analyze verify $unit: $(cat "$work/verify.out")"
    fi
    grep -qx "ExecStart=$(dpkg -L ocfkit-clevervm | grep -x '.*/sbin/clevervm') start --from-init" "$unit" &&
        pass "clevervm.service starts the installed /usr/sbin/clevervm" || fail "clevervm.service ExecStart: $(grep ExecStart "$unit")"
    [ "$(man -w 8 clevervm 2>/dev/null)" = /usr/share/man/man8/clevervm.8.gz ] && pass "man 8 clevervm" ||
        fail "man 8 clevervm resolves to '$(man -w 8 clevervm 2>&1)'"
    timeout 120 /etc/init.d/clevervm status > "$work/clevervm.out" 2>&1
    rc=$?
    # LSB status: 0 running, 1-3 stopped or dead, 4 unknown (no cluster here).
    [ "$rc" -le 4 ] && pass "/etc/init.d/clevervm status exits $rc (an LSB status code)" ||
        fail "/etc/init.d/clevervm status exited $rc: $(tail -2 "$work/clevervm.out")"
fi
if [[ " ${built[*]} " == *" ocfkit-heartbeat "* ]]; then
    phase "heartbeat wrappers"
    # The wrappers are scripts heartbeat runs; ocfkit-hbfuncs is sourced by them (not executable).
    for f in $(dpkg -L ocfkit-heartbeat | grep '^/etc/ha.d/resource.d/.'); do
        if head -c2 "$f" | grep -q '#!'; then
            [ -x "$f" ] && sh -n "$f" && pass "$f executable, valid sh" || fail "$f not executable or not valid sh"
            timeout 30 "$f" > /dev/null 2>&1
            rc=$?
            [ "$rc" -ne 126 ] && [ "$rc" -ne 127 ] && [ "$rc" -ne 0 ] && pass "$f without arguments exits $rc (usage)" ||
                fail "$f without arguments exited $rc"
        fi
    done
    # drbd-utils keeps its own drbddisk.
    if dpkg-query -W -f '${db:Status-Status}' drbd-utils 2>/dev/null | grep -qx installed; then
        dpkg -S /etc/ha.d/resource.d/drbddisk 2>/dev/null | grep -q '^drbd-utils:' &&
            pass "drbd-utils still owns /etc/ha.d/resource.d/drbddisk" || fail "drbd-utils lost /etc/ha.d/resource.d/drbddisk"
    fi
fi

phase "ocf-tester and the conformance checklist on the installed agents"
for a in $agents; do
    start=$SECONDS
    if BUILDDIR='' timeout 900 "$source_root/tests/conformance/run-conformance.sh" "$ocf_dir/$a" "$a" \
        > "$work/conformance-$a.log" 2>&1; then
        pass "conformance of installed $a ($(grep -c '^PASS' "$work/conformance-$a.log") checks, $((SECONDS - start)) s)"
    else
        grep -v '^PASS' "$work/conformance-$a.log" | sed 's/^/    /'
        fail "conformance of installed $a"
    fi
done

# Files of the packages that changed or vanished meanwhile (another test installing or removing
# agents by hand under the same directory would do that) explain failures above and below.
verify=$(dpkg --verify "${built[@]}" 2>&1)
[ -z "$verify" ] && pass "dpkg --verify: the installed files are the packages' own" ||
    fail "dpkg --verify: installed files changed under the test (something else wrote to $ocf_dir?):"$'\n'"$verify"

phase "pcs resource describe"
for a in $agents; do
    # --full: deprecated parameters too (pcs leaves them out by default).
    if pcs resource describe --full "ocf:$provider:$a" > "$work/describe-$a.out" 2>&1; then
        missing=""
        for p in $(xmllint --xpath '//parameters/parameter/@name' "$work/$a.xml" 2>/dev/null |
            sed 's/ *name="\([^"]*\)"/\1\n/g'); do
            grep -qw -- "$p" "$work/describe-$a.out" || missing="$missing $p"
        done
        [ -z "$missing" ] && pass "pcs resource describe --full ocf:$provider:$a lists every parameter" ||
            fail "pcs resource describe ocf:$provider:$a lacks:$missing"
    else
        fail "pcs resource describe ocf:$provider:$a: $(tail -2 "$work/describe-$a.out")"
    fi
done
crm_resource --list-agents "ocf:$provider" > "$work/list-agents.out" 2>&1
for a in $agents; do
    grep -qx "$a" "$work/list-agents.out" && pass "crm_resource --list-agents ocf:$provider has $a" ||
        fail "crm_resource --list-agents ocf:$provider lacks $a"
done

phase "apt-get purge"
start=$SECONDS
if apt-get purge -y -q -o DPkg::Lock::Timeout=600 "${built[@]}" > "$work/purge.log" 2>&1; then
    pass "apt-get purge ${built[*]} ($((SECONDS - start)) s)"
    installed=()
else
    fail "apt-get purge failed: $(tail -5 "$work/purge.log")"
fi
for p in "${built[@]}"; do
    status=$(dpkg-query -W -f '${db:Status-Abbrev}' "$p" 2>/dev/null)
    [ -z "$status" ] || [ "$status" = "pn " ] && pass "$p purged" || fail "$p left in dpkg's database as '$status'"
done
left=$(while read -r f; do [ -e "$f" ] || [ -L "$f" ] && echo "$f"; done < "$work/owned-files")
[ -z "$left" ] && pass "no file of the packages left ($(wc -l < "$work/owned-files") files)" ||
    fail "files left after purge: $left"
left=$(ls -d /usr/share/doc/ocfkit-* 2>/dev/null)
if [[ " ${built[*]} " == *" ocfkit-clevervm "* ]]; then
    left="$left$(ls /etc/rc?.d/*clevervm /etc/systemd/system/*.wants/clevervm.service 2>/dev/null)"
fi
[ -z "$left" ] && pass "no doc directories, rc.d or systemd links left" || fail "left after purge: $left"
# The directory goes with the package unless something else put files there (agents installed by
# hand were overwritten by the package, so they go too and come back from the backup).
if [ "$had_ocf_dir" = 0 ]; then
    [ ! -e "$ocf_dir" ] && pass "$ocf_dir removed" || fail "$ocf_dir left: $(ls -A "$ocf_dir" | tr '\n' ' ')"
fi
finish
