#!/bin/bash
# Checks package listings against layout.txt.
# Usage: check-layout.sh FORMAT DIR   (FORMAT deb|rpm; DIR holds <package>.list for each package
# built, as `dpkg-deb -c` or `rpm -qlvp` print them). Prints PASS/FAIL lines; exits 1 on a failure.
# The packages were built on this machine: a layout line for debN applies when it runs Debian N.
set -u
format=$1
dir=$2
here=$(cd "$(dirname "$0")" && pwd)
layout=$here/layout.txt
failures=0
release=$(. /etc/os-release && echo "${ID:-}${VERSION_ID:-}")
release_format=
[ "$format" = deb ] && [[ $release == debian* ]] && release_format=deb${release#debian}
fail() { echo "FAIL layout ($format): $*"; failures=$((failures + 1)); }

agents=$(sed -n 's/^agents-list: *//p' "$layout")
# Expanded layout: package, pattern, mode.
rules=()
while read -r pkg formats path mode; do
    case "$pkg" in '' | '#'* | agents-list:) continue ;; esac
    [[ ",$formats," == *",$format,"* ]] || { [ -n "$release_format" ] && [[ ",$formats," == *",$release_format,"* ]]; } ||
        continue
    if [[ $path == *@AGENT@* ]]; then
        for a in $agents; do rules+=("$pkg|${path//@AGENT@/$a}|${mode:-}"); done
    else
        rules+=("$pkg|$path|${mode:-}")
    fi
done < "$layout"

# A listing as "mode path" lines for files and symlinks (directories left out).
entries() {  # package
    local f=$dir/ocfkit-$1.list
    if [ "$format" = deb ]; then
        # -rwxr-xr-x root/root  123 2026-11-23 20:30 ./usr/sbin/x [-> target]
        awk '$1 !~ /^d/ { p = $6; sub(/^\./, "", p); print $1, p }' "$f"
    else
        # -rwxr-xr-x 1 root root 123 Nov 23 20:30 /usr/sbin/x [-> target]
        awk '$1 !~ /^d/ && $1 != "(contains" { print $1, $9 }' "$f"
    fi
}

for list in "$dir"/ocfkit-*.list; do
    pkg=$(basename "$list" .list)
    pkg=${pkg#ocfkit-}
    mapfile -t files < <(entries "$pkg")
    [ "${#files[@]}" -gt 0 ] || fail "ocfkit-$pkg ships no files"
    # Every line of this package matches a shipped file with the right mode.
    for r in "${rules[@]}"; do
        IFS='|' read -r rpkg pattern mode <<< "$r"
        [ "$rpkg" = "$pkg" ] || continue
        matched=0
        for e in "${files[@]}"; do
            fmode=${e%% *} fpath=${e#* }
            # shellcheck disable=SC2053
            [[ $fpath == $pattern ]] || continue
            matched=$((matched + 1))
            [ -z "$mode" ] || [ "$fmode" = "$mode" ] || fail "ocfkit-$pkg: $fpath has mode $fmode, want $mode"
        done
        [ "$matched" -gt 0 ] && echo "PASS layout ($format): ocfkit-$pkg ships $pattern" ||
            fail "ocfkit-$pkg does not ship $pattern"
    done
    # Every shipped file is one the layout expects.
    for e in "${files[@]}"; do
        fpath=${e#* }
        known=0
        for r in "${rules[@]}"; do
            IFS='|' read -r rpkg pattern mode <<< "$r"
            # shellcheck disable=SC2053
            [ "$rpkg" = "$pkg" ] && [[ $fpath == $pattern ]] && known=1 && break
        done
        [ "$known" = 1 ] || fail "ocfkit-$pkg ships $fpath, which layout.txt does not list"
    done
done
[ "$failures" = 0 ]
