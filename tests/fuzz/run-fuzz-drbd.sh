#!/bin/sh
# usage: run-fuzz-drbd.sh BUILDDIR SECONDS [drbd_events2|drbd_status_json|drbd_proc|drbd_dump_xml ...]
# drbd-dual's parser fuzz targets, seeded from tests/data/drbd, run like run-fuzz.sh runs the
# core ones: one line per target, non-zero on a crash, leak, hang or missing target.
set -u
[ $# -ge 2 ] || { echo "usage: $0 BUILDDIR SECONDS [TARGET...]" >&2; exit 2; }
build=$1 seconds=$2
shift 2
[ $# -gt 0 ] || set -- drbd_events2 drbd_status_json drbd_proc drbd_dump_xml
here=$(cd "$(dirname "$0")" && pwd)
data=$here/../data/drbd
status=0
for target in "$@"; do
    exe=$build/tests/fuzz/fuzz-$target
    if [ ! -x "$exe" ]; then
        echo "fuzz-$target: MISSING ($exe; configure with CXX=clang++ -Dfuzz=true)"
        status=1
        continue
    fi
    work=$(mktemp -d "${TMPDIR:-/tmp}/ocfkit-fuzz-$target.XXXXXX")
    mkdir -p "$work/corpus" "$build/fuzz-artifacts/$target"
    case $target in
        drbd_events2) cp "$data"/*events2*.txt "$work/corpus/" ;;
        drbd_status_json) cp "$data"/*.json "$data"/84-status-json-unsupported.txt "$work/corpus/" ;;
        drbd_proc) cp "$data"/*proc-drbd*.txt "$work/corpus/" ;;
        drbd_dump_xml) cp "$data"/*.xml "$work/corpus/" ;;
    esac
    "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
        -artifact_prefix="$build/fuzz-artifacts/$target/" -dict="$here/drbd.dict" "$work/corpus" > "$work/log" 2>&1
    rc=$?
    runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 runs in \2 s/p' "$work/log" | tail -n 1)
    cov=$(grep -o 'cov: [0-9]*' "$work/log" | tail -n 1)
    if [ $rc -eq 0 ]; then
        echo "fuzz-$target: ok, ${runs:-? runs}, ${cov:-cov: ?}, corpus $(ls "$work/corpus" | wc -l)"
    else
        echo "fuzz-$target: FAILED (rc $rc)"
        grep -m 5 -E 'ERROR|SUMMARY|runtime error|deadly signal' "$work/log" | sed 's/^/  /'
        cp "$work/log" "$build/fuzz-artifacts/$target/last-run.log"
        status=1
    fi
    rm -rf "$work"
done
exit $status
