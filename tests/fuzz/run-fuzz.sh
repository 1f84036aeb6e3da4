#!/bin/sh
# usage: run-fuzz.sh BUILDDIR SECONDS [TARGET...]
# Runs each parser fuzz target (default: all) for SECONDS, seeded from the golden fixtures in
# tests/data. Prints one line per target; exits non-zero when any target crashed, leaked, hung
# or is missing. Crash inputs are kept in BUILDDIR/fuzz-artifacts/<target>/.
set -u

if [ $# -lt 2 ]; then
    echo "usage: $0 BUILDDIR SECONDS [mountinfo|crm_mon|json|lvm_report ...]" >&2
    exit 2
fi
build=$1 seconds=$2
shift 2
[ $# -gt 0 ] || set -- mountinfo crm_mon json lvm_report
here=$(cd "$(dirname "$0")" && pwd)
data=$here/../data

seeds() {  # seeds TARGET DIR: copy the fixtures that fit TARGET into DIR
    case $1 in
        mountinfo) cp "$data"/mountinfo/*.txt "$2"/ ;;
        crm_mon) cp "$data"/crm_mon/*.xml "$2"/ ;;
        json|lvm_report)
            for f in "$data"/lvm/*.json "$data"/lvm/*.txt; do cp "$f" "$2"/; done ;;
        *) return 1 ;;
    esac
}

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
    if ! seeds "$target" "$work/corpus"; then
        echo "fuzz-$target: unknown target"
        status=1
        rm -rf "$work"
        continue
    fi
    dict=
    [ -f "$here/$target.dict" ] && dict="-dict=$here/$target.dict"
    "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$build/fuzz-artifacts/$target/" $dict \
        "$work/corpus" > "$work/log" 2>&1
    rc=$?
    runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 runs in \2 s/p' "$work/log" | tail -n 1)
    cov=$(grep -o 'cov: [0-9]*' "$work/log" | tail -n 1)
    corpus=$(ls "$work/corpus" | wc -l)
    if [ $rc -eq 0 ]; then
        echo "fuzz-$target: ok, ${runs:-? runs}, ${cov:-cov: ?}, corpus $corpus"
    else
        artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$work/log" | tail -n 1)
        echo "fuzz-$target: FAILED (rc $rc) ${artifact:+artifact $artifact}"
        grep -m 5 -E 'ERROR|SUMMARY|runtime error|deadly signal' "$work/log" | sed 's/^/  /'
        cp "$work/log" "$build/fuzz-artifacts/$target/last-run.log"
        status=1
    fi
    rm -rf "$work"
done
exit $status
