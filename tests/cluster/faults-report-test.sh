#!/bin/bash
# faults-report.py against rows recorded on the VM cluster: tests/data/cluster-faults/<row>/
# holds the row's raw data as faults-phase.sh left it and expected.json, what the report made of
# it when its numbers were checked against the logs by hand. Fails on any difference, and when
# no recorded row is found.
set -u
root=${1:?usage: faults-report-test.sh SOURCE_ROOT}
report=$root/tests/cluster/faults-report.py
n=0 bad=0 all=$(mktemp)
trap 'rm -f "$all"' EXIT
for d in "$root"/tests/data/cluster-faults/*/; do
	[[ -e $d/expected.json ]] || continue
	n=$((n + 1))
	got=$(python3 "$report" row "$d") || { echo "FAIL: faults-report.py row $d"; bad=1; continue; }
	if python3 -c 'import json, sys; sys.exit(json.loads(sys.argv[1]) != json.load(open(sys.argv[2])))' "$got" "$d/expected.json"; then
		echo "ok: $(basename "$d")"
	else
		echo "FAIL: $(basename "$d"): differs from expected.json"
		diff <(python3 -m json.tool --sort-keys "$d/expected.json") <(python3 -m json.tool --sort-keys <<< "$got") | head -40
		bad=1
	fi
	printf '%s\n' "$got" >> "$all"
done
(( n )) || { echo "FAIL: no recorded rows"; exit 1; }
table=$(python3 "$report" table "$all") || { echo "FAIL: faults-report.py table"; bad=1; }
grep -q '^| K | ' <<< "$table" || { echo "FAIL: the table has no row K"; bad=1; }
exit $bad
