#!/bin/bash
# The fault table in one run: the stack on the stock agents, the rows on it, `ocfkit adopt
# apply` onto ocfkit's agents, the rows again and the failover phase on the adopted stack, then
# `ocfkit adopt revert` (with the adopt phase's checks), all on one two-node VM cluster.
#
#   sudo tests/cluster/faults.sh [--faults 3,9,K] [--stacks stock,ocfkit] [--no-setup] [--keep]
#
#   --faults LIST   rows to run, in this order (default: all; see faults-phase.sh and
#                   tests/cluster/README.md "Faults side by side")
#   --stacks LIST   stock,ocfkit (default): stock stack, adopt-apply, rows on ocfkit's agents,
#                   adopt-revert. stock or ocfkit alone: that stack built directly, its rows.
#   --no-setup      use the running cluster (no image/boot/stack phases)
#   --keep          leave the VMs running at the end (no teardown)
# The failover phase runs on the adopted stack after its rows, unless rows K and 8 (its two
# scenarios, measured) are both selected. Other environment as run.sh (OCFKIT_CLUSTER_DEBS=DIR to reuse .debs).
# Results: $RUN/faults/results.jsonl, one directory of raw data per row and stack; the tables:
#   tests/cluster/faults-report.py table /var/cache/ocfkit-cluster/run/faults/results.jsonl
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
faults=3,9,1,6,2,4,5,K,8,11s,11l,10,7 stacks=stock,ocfkit setup=1 keep=0
while (( $# )); do
	case $1 in
	--faults) faults=$2; shift ;;
	--stacks) stacks=$2; shift ;;
	--no-setup) setup=0 ;;
	--keep) keep=1 ;;
	*) echo "usage: $0 [--faults LIST] [--stacks stock,ocfkit|stock|ocfkit] [--no-setup] [--keep]" >&2; exit 2 ;;
	esac
	shift
done
phases=()
(( setup )) && phases+=(image boot stack)
case $stacks in
stock,ocfkit)
	stack=stock
	phases+=(faults adopt-apply faults)
	[[ ,$faults, == *,K,* && ,$faults, == *,8,* ]] || phases+=(failover)
	phases+=(adopt-revert) ;;
stock|ocfkit) stack=$stacks; phases+=(faults) ;;
*) echo "--stacks: stock,ocfkit, stock or ocfkit" >&2; exit 2 ;;
esac
(( keep )) || phases+=(teardown)
cache=${OCFKIT_CLUSTER_CACHE:-/var/cache/ocfkit-cluster}
mkdir -p "$cache"
log=$cache/faults-$(date +%Y%m%dT%H%M%S).log
echo "faults.sh: rows $faults, stacks $stacks: run.sh ${phases[*]} (log $log)" >&2
t0=$SECONDS
OCFKIT_CLUSTER_STACK=$stack OCFKIT_CLUSTER_FAULTS=$faults "$here/run.sh" "${phases[@]}" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
echo "faults.sh: whole run $(( (SECONDS - t0) / 60 ))m$(( (SECONDS - t0) % 60 ))s, rc=$rc" | tee -a "$log" >&2
[[ -s $cache/run/faults/results.jsonl ]] && /usr/bin/python3 "$here/faults-report.py" table "$cache/run/faults/results.jsonl" | tee -a "$log"
exit "$rc"
