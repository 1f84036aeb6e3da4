#!/bin/bash
# Every pcs command of the user-facing READMEs, run with `pcs -f` against an empty CIB
# (pcs-commands.py). No cluster: pcs only reads the agents' meta-data, which it gets through
# crm_resource from /usr/lib/ocf/resource.d (a compiled-in path, no override), so a private mount
# namespace shows there the stock providers plus ocf:custom shims printing metadata/*.xml.
# The system's resource.d is never written. usage: pcs-commands.sh SOURCE_ROOT [--list]
set -euo pipefail
src=$(cd "${1:?usage: pcs-commands.sh SOURCE_ROOT [--list]}" && pwd)
shift
for t in pcs cibadmin crm_resource unshare python3; do
    command -v "$t" >/dev/null || { echo "SKIP: $t not installed"; exit 77; }
done
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (a private mount namespace)"; exit 77; }

ocf=/usr/lib/ocf/resource.d
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/stock" "$tmp/resource.d/custom"
for x in "$src"/metadata/*.xml; do
    a=$(basename "$x" .xml)
    printf '#!/bin/sh\ncase $1 in meta-data) exec cat %q ;; validate-all) exit 0 ;; esac\nexit 3\n' "$x" >"$tmp/resource.d/custom/$a"
    chmod 0755 "$tmp/resource.d/custom/$a"
done
for p in "$ocf"/*; do
    [ "$(basename "$p")" = custom ] || ln -s "$tmp/stock/$(basename "$p")" "$tmp/resource.d/"
done
exec unshare --mount --propagation private -- /bin/bash -c '
    set -e
    mount --bind "$2" "$1/stock"
    mount --bind "$1/resource.d" "$2"
    exec python3 "$3/tests/docs/pcs-commands.py" "$3" "${@:4}"' sh "$tmp" "$ocf" "$src" "$@"
