#!/bin/bash
# The RPM packages: rpmbuild -bb rpm/ocfkit.spec on a tarball of the source, then each package's
# file list (rpm -qlvp) against layout.txt, the same layout the .debs are checked against, rpmlint
# (rpm/rpmlint.toml: Fedora/RHEL conventions), the Requires and the clevervm scriptlets.
# Debian's rpm has rpmbuild but no RHEL -devel packages, so BuildRequires are not checked
# (--nodeps; the build uses Debian's -dev packages) and the spec's fallbacks stand in for the
# %meson macros of meson-rpm-macros. As on RHEL: _initddir /etc/rc.d/init.d, unversioned doc
# directories, and man pages compressed (Debian's brp-compress needs bash, rpm runs it with sh).
set -u
here=$(cd "$(dirname "$0")" && pwd)
source_root=$(cd "$here/../.." && pwd)
spec=$source_root/rpm/ocfkit.spec
failures=0
passes=0
pass() { echo "PASS rpm: $*"; passes=$((passes + 1)); }
fail() { echo "FAIL rpm: $*"; failures=$((failures + 1)); }
phase() { printf '\n== %s (%s)\n' "$*" "$(date +%T)"; }
finish() {
    echo "test-rpm: $passes passed, $failures failed"
    [ "$failures" = 0 ]
    exit $?
}

for tool in rpmbuild rpm meson rpmlint; do
    command -v "$tool" >/dev/null || { fail "$tool is not installed (tests/deps.txt lists its package)"; finish; }
done
work=$(mktemp -d /tmp/ocfkit-rpm-XXXXXX)
# OCFKIT_PKG_KEEP=1 keeps the build tree and logs for a look.
trap '[ -n "${OCFKIT_PKG_KEEP:-}" ] && echo "kept $work" || rm -rf "$work"' EXIT

name=$(sed -n 's/^Name: *//p' "$spec")
version=$(sed -n 's/^Version: *//p' "$spec")
src=$work/$name-$version
mkdir -p "$src" "$work/rpmbuild/SOURCES"

phase "source tarball"
if git -C "$source_root" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$source_root" && git ls-files -z -co --exclude-standard |
        tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -C "$src" -xf -
else
    tar -C "$source_root" --exclude='./build*' --exclude=./.git -cf - . | tar -C "$src" -xf -
fi
tar -C "$work" -czf "$work/rpmbuild/SOURCES/$name-$version.tar.gz" "$name-$version" &&
    pass "$name-$version.tar.gz" || { fail "cannot make the source tarball"; finish; }

# clevervm and heartbeat-compat are packaged once the build installs them.
phase "what the build installs"
expected=(ocfkit-agents)
without=()
if meson setup "$work/probe" "$src" --prefix=/usr --sysconfdir=/etc -Dtests=false > "$work/probe.log" 2>&1 &&
    meson introspect --installed "$work/probe" > "$work/installed.json"; then
    if grep -q '"/usr/sbin/clevervm"' "$work/installed.json"; then
        expected+=(ocfkit-clevervm)
    else
        echo "NOTE: the build installs no /usr/sbin/clevervm yet: building --without clevervm"
        without+=(--without clevervm)
    fi
    if grep -q '"/etc/ha.d/resource.d/' "$work/installed.json"; then
        expected+=(ocfkit-heartbeat)
    else
        echo "NOTE: the build installs nothing in /etc/ha.d/resource.d yet: building --without heartbeat"
        without+=(--without heartbeat)
    fi
else
    fail "meson setup of the source failed: $(tail -5 "$work/probe.log")"
    finish
fi
rm -rf "$work/probe" "$src"

phase "rpmbuild -bb --nodeps"
start=$SECONDS
if rpmbuild -bb --nodeps "${without[@]}" \
    --define "_topdir $work/rpmbuild" \
    --define "_smp_build_ncpus $(nproc)" \
    --define '_initddir %{_sysconfdir}/rc.d/init.d' \
    --define '_docdir_fmt %%{NAME}' \
    --define '__brp_compress bash %{_rpmconfigdir}/brp-compress %{?_prefix}' \
    "$spec" > "$work/build.log" 2>&1; then
    pass "rpmbuild -bb ${without[*]} ($((SECONDS - start)) s)"
else
    fail "rpmbuild exited non-zero after $((SECONDS - start)) s:"
    tail -40 "$work/build.log" | sed 's/^/    /'
    finish
fi
grep -q 'meson setup --buildtype=plain' "$work/build.log" && pass "%meson expanded to meson setup --buildtype=plain" ||
    fail "%meson did not run meson setup"

mapfile -t rpms < <(find "$work/rpmbuild/RPMS" -name '*.rpm' | sort)
built=()
for r in "${rpms[@]}"; do built+=("$(rpm -qp --qf '%{NAME}' "$r" 2>/dev/null)"); done
[ "$(printf '%s\n' "${built[@]}" | sort)" = "$(printf '%s\n' "${expected[@]}" | sort)" ] &&
    pass "built ${built[*]}" || fail "built ${built[*]}, expected ${expected[*]}"
for r in "${rpms[@]}"; do
    echo "  $(basename "$r"): $(du -k "$r" | cut -f1) KiB; Requires: $(rpm -qp --requires "$r" 2>/dev/null |
        grep -v '^rpmlib(\|\.so' | sort -u | tr '\n' ' ')"
done

phase "file lists against layout.txt"
mkdir -p "$work/lists"
for r in "${rpms[@]}"; do
    rpm -qlvp "$r" > "$work/lists/$(rpm -qp --qf '%{NAME}' "$r").list" 2>/dev/null
done
if "$here/check-layout.sh" rpm "$work/lists" > "$work/layout.log"; then
    pass "every file where layout.txt says ($(grep -c ^PASS "$work/layout.log") rules)"
else
    grep ^FAIL "$work/layout.log"
    fail "layout differs from layout.txt"
fi
# The OCF directories are owned (RHEL's resource-agents and pacemaker own them too).
agents_rpm=$(printf '%s\n' "${rpms[@]}" | grep '/ocfkit-agents-')
for d in /usr/lib/ocf /usr/lib/ocf/resource.d /usr/lib/ocf/resource.d/custom; do
    grep -q "^d.* $d\$" "$work/lists/ocfkit-agents.list" && pass "ocfkit-agents owns $d" || fail "ocfkit-agents does not own $d"
done

phase "Requires"
rpm -qp --requires "$agents_rpm" 2>/dev/null > "$work/agents.requires"
grep -q '^pacemaker-cli' "$work/agents.requires" && pass "ocfkit-agents requires pacemaker-cli" ||
    fail "ocfkit-agents does not require pacemaker-cli"
# virtdomain names all of libvirt's ~58 libraries in DT_NEEDED (a load-order optimisation); the
# spec requires only the sonames the agents bind symbols to (tools/packaging/order-only-libs.sh).
sonames=$(sed -n 's/^\([^ (]*\.so[^ (]*\)(.*/\1/p' "$work/agents.requires" | sort -u)
echo "  ocfkit-agents requires $(wc -w <<< "$sonames") sonames: $(tr '\n' ' ' <<< "$sonames")"
if grep -qx 'libvirt.so.0' <<< "$sonames" && [ "$(wc -w <<< "$sonames")" -le 10 ] &&
    ! grep -qx 'libgnutls.so.30\|libxml2.so.2' <<< "$sonames"; then
    pass "ocfkit-agents requires libvirt.so.0, not the libraries it loads for their order"
else
    fail "ocfkit-agents soname requires are not the minimal set"
fi

phase "rpmlint"
rpmlint -c "$source_root/rpm/rpmlint.toml" "$spec" "${rpms[@]}" > "$work/rpmlint.log" 2>&1
rc=$?
grep -E '^[^ ]+: [EW]: |checked;' "$work/rpmlint.log" | sed 's/^/    /'
# Warnings left: unstripped binaries (Debian's rpm has no find-debuginfo; RHEL strips them),
# Source0 (a tarball made from the tree rather than a download) and no-manual-page-for-binary
# clevervm (rpmlint 2.4's FilesCheck records man pages by section, not name; layout.txt checks
# that clevervm.8.gz is there).
[ "$rc" = 0 ] && ! grep -q ': E: ' "$work/rpmlint.log" && pass "rpmlint: no errors" ||
    fail "rpmlint exited $rc: $(grep -c ': E: ' "$work/rpmlint.log") error(s)"

if [[ " ${built[*]} " == *" ocfkit-clevervm "* ]]; then
    phase "clevervm scriptlets"
    # The unit is enabled as the preset says on the first install, disabled on removal, and never
    # started, stopped or restarted: clevervm's start and stop act on every guest of the node.
    scripts=$(rpm -qp --scripts "$(printf '%s\n' "${rpms[@]}" | grep '/ocfkit-clevervm-')" 2>/dev/null)
    if grep -q 'preset clevervm.service' <<< "$scripts" && grep -q 'disable clevervm.service' <<< "$scripts" &&
        ! grep -Eq -- '--now|(start|stop|restart|try-restart|reload-or-restart) clevervm|clevervm (start|stop|restart)' <<< "$scripts"; then
        pass "ocfkit-clevervm presets and disables clevervm.service, never starts or stops it"
    else
        fail "ocfkit-clevervm scriptlets:"$'\n'"$scripts"
    fi
fi
finish
