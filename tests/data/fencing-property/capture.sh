#!/bin/bash
# Captures what this node's Pacemaker tools say about the fencing properties, for each way they can
# be set in a CIB (written by hand here, as pcs --force or cibadmin would leave it; no cluster
# needs to run: CIB_file). Usage: capture.sh DIR   (DIR: pacemaker-2.1 or pacemaker-3.0 below here)
# Each CASE-fencing-G / CASE-stonith-G is `crm_attribute -t crm_config -n NAME -G -q`,
# CASE-crm_mon is `crm_mon -1 --output-as=xml`: NAME.out is stdout then a line rc=N, NAME.err stderr.
set -eu
out=$(cd "$(dirname "$0")" && pwd)/${1:?usage: capture.sh DIR}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

capture() {  # NAME CMD...
    local rc=0
    "${@:2}" > "$out/$1.out" 2> "$out/$1.err" || rc=$?
    echo "rc=$rc" >> "$out/$1.out"
}

# case: nvpairs (name=value ...)
cases=(
    "unset:"
    "stonith-false:stonith-enabled=false"
    "fencing-false:fencing-enabled=false"
    "fencing-true-stonith-false:fencing-enabled=true stonith-enabled=false"
    "fencing-false-stonith-true:fencing-enabled=false stonith-enabled=true"
    "fencing-invalid:fencing-enabled=maybe"
)
for c in "${cases[@]}"; do
    name=${c%%:*}
    pairs=""
    for nv in ${c#*:}; do
        pairs="$pairs      <nvpair id=\"o-${nv%%=*}\" name=\"${nv%%=*}\" value=\"${nv#*=}\"/>
"
    done
    cat > "$tmp/cib.xml" <<CIB
<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config><cluster_property_set id="cib-bootstrap-options">
$pairs    </cluster_property_set></crm_config>
    <nodes/><resources/><constraints/>
  </configuration>
  <status/>
</cib>
CIB
    export CIB_file=$tmp/cib.xml
    capture "$name-fencing-G" crm_attribute -t crm_config -n fencing-enabled -G -q
    capture "$name-stonith-G" crm_attribute -t crm_config -n stonith-enabled -G -q
    capture "$name-crm_mon" crm_mon -1 --output-as=xml
done
crm_mon --version | head -1 > "$out/VERSION"
