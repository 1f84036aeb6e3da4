#!/bin/sh
# usage: run-fuzz.sh BUILDDIR SECONDS [TARGET...]
# Runs each parser fuzz target (default: every fuzz-* built in BUILDDIR/tests/fuzz) for SECONDS
# (OCFKIT_FUZZ_SECONDS, when set, wins: run-all.sh and meson test pass it that way), seeded from
# the golden fixtures in tests/data. Prints one line per target; exits non-zero when any target
# crashed, leaked, hung or is missing. Crash inputs are kept in BUILDDIR/fuzz-artifacts/<target>/.
set -u

if [ $# -lt 2 ]; then
    echo "usage: $0 BUILDDIR SECONDS [TARGET...]" >&2
    exit 2
fi
build=$1 seconds=${OCFKIT_FUZZ_SECONDS:-$2}
shift 2
here=$(cd "$(dirname "$0")" && pwd)
data=$here/../data
if [ $# -eq 0 ]; then
    for exe in "$build"/tests/fuzz/fuzz-*; do
        [ -x "$exe" ] && set -- "$@" "${exe##*/fuzz-}"
    done
    [ $# -gt 0 ] || { echo "no fuzz targets in $build/tests/fuzz (configure with CXX=clang++ -Dfuzz=true)"; exit 1; }
fi

seeds() {  # seeds TARGET DIR: copy the fixtures that fit TARGET into DIR
    case $1 in
        mountinfo) cp "$data"/mountinfo/*.txt "$2"/ ;;
        crm_mon) cp "$data"/crm_mon/*.xml "$2"/ ;;
        json|lvm_report) cp "$data"/lvm/*.json "$data"/lvm/*.txt "$2"/ ;;
        drbd_events2) cp "$data"/drbd/*events2*.txt "$2"/ ;;
        drbd_status_json) cp "$data"/drbd/*.json "$data"/drbd/84-status-json-unsupported.txt "$2"/ ;;
        drbd_proc) cp "$data"/drbd/*proc-drbd*.txt "$2"/ ;;
        drbd_dump_xml) cp "$data"/drbd/*.xml "$2"/ ;;
        dlm_tool)  # the same name in several state folders: keep them apart
            for f in "$data"/dlm/*.txt "$data"/dlm/*/*.txt; do
                cp "$f" "$2/$(echo "${f#"$data"/dlm/}" | tr / _)"
            done ;;
        lvm_text) cp "$data"/lvm-config/*.txt "$2"/ ;;
        gfs2_tunegfs2) cp "$data"/gfs2/tunegfs2-*.txt "$2"/ ;;
        gfs2_jindex) cp "$data"/gfs2/jindex-*.txt "$2"/ ;;
        gfs2_cmap) cp "$data"/gfs2/cmapctl-*.txt "$2"/ ;;
        gfs2_proc_filesystems) cp "$data"/gfs2/proc-filesystems.txt "$2"/ ;;
        gfs2_fdinfo) cp "$data"/gfs2/fdinfo-*.txt "$2"/ ;;
        gfs2fs_config) cp "$here"/seeds/gfs2fs_config/*.txt "$2"/ ;;  # parameter sets, not tool output
        *) return 1 ;;
    esac
}

dict_for() {  # the target's own dictionary, else its family's (drbd_events2 -> drbd.dict)
    for d in "$here/$1.dict" "$here/${1%%_*}.dict"; do
        if [ -f "$d" ]; then echo "-dict=$d"; return; fi
    done
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
        echo "fuzz-$target: no seeds known for this target (add them to seeds() in $0)"
        status=1
        rm -rf "$work"
        continue
    fi
    # shellcheck disable=SC2046
    "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$build/fuzz-artifacts/$target/" $(dict_for "$target") \
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
