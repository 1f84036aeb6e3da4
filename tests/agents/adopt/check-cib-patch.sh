#!/bin/bash
# The contract adopt's one CIB update rests on, checked with Pacemaker's own tools on a CIB file
# (CIB_file: the same patch code as the cluster's CIB manager, no daemon, no root): the patch
# `crm_diff --original OLD --new NEW` makes is applied by `cibadmin --patch --xml-file` only at
# OLD's version. After a configuration change (epoch) or a status update (num_updates) it exits
# 103 and changes nothing: adopt aborts on the first and reads again on the second.
#   check-cib-patch.sh CIB_FIXTURE   (exit 77 = skipped)
set -u
fixture=${1:?usage: check-cib-patch.sh CIB_FIXTURE}
for t in crm_diff cibadmin crm_attribute; do
    command -v "$t" >/dev/null || { echo "SKIP: $t not installed"; exit 77; }
done
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
fail=0
check() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fail=1; fi; }
# What apply writes: one primitive on another agent, the epoch one on.
cp "$fixture" "$dir/old.xml"
epoch=$(grep -om1 ' epoch="[0-9]*"' "$dir/old.xml" | tr -dc 0-9)
sed -e "0,/ epoch=\"$epoch\"/s// epoch=\"$((epoch + 1))\"/" \
    -e 's/class="ocf" type="VirtualDomain" provider="heartbeat"/class="ocf" type="virtdomain" provider="custom"/' \
    "$dir/old.xml" >"$dir/new.xml"
check "the rewritten CIB differs in the agent" "grep -q 'type=\"virtdomain\" provider=\"custom\"' '$dir/new.xml'"
crm_diff --original "$dir/old.xml" --new "$dir/new.xml" >"$dir/patch.xml"
check "crm_diff exits 1 (documents differ) with a patch" "[[ $? == 1 && -s '$dir/patch.xml' ]]"
agent() { grep -c 'type="virtdomain" provider="custom"' "$1"; }
patch_rc() { CIB_file=$1 cibadmin --patch --xml-file "$dir/patch.xml" >/dev/null 2>&1; echo $?; }

cp "$dir/old.xml" "$dir/live.xml"
rc=$(patch_rc "$dir/live.xml")
# (The file-based CIB counts its own epoch on top: only "later" is checked.)
now=$(grep -om1 ' epoch="[0-9]*"' "$dir/live.xml" | tr -dc 0-9)
check "at the version read: applied (exit $rc), epoch $epoch -> $now" "[[ $rc == 0 && \$(agent '$dir/live.xml') == 1 && $now -gt $epoch ]]"

cp "$dir/old.xml" "$dir/live.xml"
CIB_file=$dir/live.xml crm_attribute --type crm_config --name adopt-test --update 1 >/dev/null 2>&1
rc=$(patch_rc "$dir/live.xml")
check "after a configuration change: exit 103 (got $rc), nothing applied" "[[ $rc == 103 && \$(agent '$dir/live.xml') == 0 ]]"

cp "$dir/old.xml" "$dir/live.xml"
node=$(grep -om1 '<node_state id="[^"]*"' "$dir/live.xml" | sed 's/.*id="//; s/"//')
CIB_file=$dir/live.xml cibadmin --modify --scope status \
    --xml-text "<status><node_state id=\"$node\" expected=\"adopt-test\"/></status>" >/dev/null 2>&1
check "the status update moved num_updates only" \
    "grep -q ' epoch=\"$epoch\"' '$dir/live.xml' && ! grep -q \"\$(grep -om1 ' num_updates=\"[0-9]*\"' '$dir/old.xml')\" '$dir/live.xml'"
rc=$(patch_rc "$dir/live.xml")
check "after a status update: exit 103 (got $rc), nothing applied" "[[ $rc == 103 && \$(agent '$dir/live.xml') == 0 ]]"
exit $fail
