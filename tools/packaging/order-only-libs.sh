#!/bin/bash
# Lists the shared libraries that ELF files name in DT_NEEDED only to fix the load order, so that
# the packages leave them out of their dependencies (debian/rules, rpm/ocfkit.spec).
#
# virtdomain lists all of libvirt's libraries as its own DT_NEEDED, most-bound-to first (a
# load-order optimisation: agents/virtdomain/link_order.py). Packaging tools would make each of
# them a dependency of the package (dpkg-shlibdeps warns "useless dependency" for every one),
# although the package of libvirt.so.0 already depends on them. A library is left out when no
# file given binds a symbol to it and a library they do bind to loads it anyway (ldd of that
# library): its dependency is then implied. A library no file uses and nothing loads is kept,
# so that a real linking mistake still shows.
#
# Usage: order-only-libs.sh [--packages | --rpm-regex] FILE|DIR...
#   (default)    SONAME PATH lines
#   --packages   dpkg-shlibdeps -x options: the Debian packages of those libraries that provide
#                no library the files use
#   --rpm-regex  an extended regex for rpm's __requires_exclude matching their soname requires
# Needs readelf, nm (binutils), ldd. Prints nothing when there is nothing to leave out.
set -euo pipefail
mode=list
case "${1:-}" in
    --packages) mode=packages; shift ;;
    --rpm-regex) mode=rpm; shift ;;
esac
[ "$#" -gt 0 ] || { echo "usage: $0 [--packages | --rpm-regex] FILE|DIR..." >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

is_elf() { [ -f "$1" ] && [ ! -L "$1" ] && [ "$(head -c4 "$1" | od -An -c | tr -d ' ')" = 177ELF ]; }
files=()
for arg in "$@"; do
    if [ -d "$arg" ]; then
        while IFS= read -r -d '' f; do is_elf "$f" && files+=("$f"); done < <(find "$arg" -type f -print0 | sort -z)
    elif is_elf "$arg"; then
        files+=("$arg")
    fi
done
[ "${#files[@]}" -gt 0 ] || exit 0

# soname -> path as the loader resolves it for these files; which sonames are used.
declare -A path_of used needed
for f in "${files[@]}"; do
    readelf -d "$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p' > "$work/needed" || true
    [ -s "$work/needed" ] || continue
    while read -r soname _ path _; do
        [ "${path:0:1}" = / ] && path_of[$soname]=$path
    done < <(ldd "$f" 2>/dev/null | awk '$2 == "=>" { print $1, $2, $3 }')
    # The file's undefined dynamic symbols, names without version.
    nm -D -P --undefined-only "$f" 2>/dev/null | awk '{ sub(/@.*/, "", $1); print $1 }' | sort -u > "$work/undef"
    while read -r soname; do
        needed[$soname]=1
        lib=${path_of[$soname]:-}
        # Unresolved or the dynamic loader itself: counted as used (kept).
        if [ -z "$lib" ] || [[ $soname == ld-linux* ]]; then
            used[$soname]=1
            continue
        fi
        nm -D -P --defined-only "$lib" 2>/dev/null | awk '{ sub(/@.*/, "", $1); print $1 }' | sort -u > "$work/def"
        [ -n "$(comm -12 "$work/undef" "$work/def" | head -1)" ] && used[$soname]=1
    done < "$work/needed"
done

# What the used libraries load themselves.
declare -A loaded
for soname in "${!used[@]}"; do
    lib=${path_of[$soname]:-}
    [ -n "$lib" ] || continue
    while read -r dep; do loaded[$dep]=1; done < <(ldd "$lib" 2>/dev/null | awk '$2 == "=>" { print $1 }')
done

order_only=()
for soname in $(printf '%s\n' "${!needed[@]}" | sort); do
    [ -n "${used[$soname]:-}" ] && continue
    if [ -n "${loaded[$soname]:-}" ]; then
        order_only+=("$soname")
    else
        # What dpkg-shlibdeps would warn about, were its warning not turned off for the rest.
        echo "order-only-libs: warning: $soname is linked, but nothing given uses or loads it" >&2
    fi
done
[ "${#order_only[@]}" -gt 0 ] || exit 0

# The Debian package of a library path (dpkg knows it under /lib or /usr/lib: merged /usr).
package_of() {
    local p=$1 real
    real=$(readlink -f "$p")
    for c in "$p" "$real" "/usr${p#/usr}" "${p#/usr}" "/usr${real#/usr}" "${real#/usr}"; do
        dpkg-query -S "$c" 2>/dev/null | sed -n '1s/:.*//p' | grep . && return 0
    done
    return 1
}

case $mode in
list)
    for s in "${order_only[@]}"; do echo "$s ${path_of[$s]}"; done
    ;;
packages)
    declare -A keep
    for s in "${!used[@]}"; do
        [ -n "${path_of[$s]:-}" ] || continue
        p=$(package_of "${path_of[$s]}") && keep[$p]=1
    done
    declare -A drop
    for s in "${order_only[@]}"; do
        p=$(package_of "${path_of[$s]}") || continue
        [ -z "${keep[$p]:-}" ] && drop[$p]=1
    done
    for p in $(printf '%s\n' "${!drop[@]}" | sort); do printf -- '-x%s\n' "$p"; done
    echo "order-only-libs: ${#order_only[@]} libraries only fix the load order (the used ones load them): ${#drop[@]} packages left out of Depends" >&2
    ;;
rpm)
    # rpm's requires: soname() or soname(VERSION), with (64bit) on 64-bit.
    # shellcheck disable=SC2016
    printf '^(%s)\\(\n' "$(printf '%s\n' "${order_only[@]}" | sed 's/[][\.+*?^$(){}|]/\\&/g' | paste -sd'|')"
    ;;
esac
