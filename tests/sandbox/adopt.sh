#!/bin/bash
# ocfkit adopt against the real single-node sandbox: a stock Filesystem (ext4 on a loop device)
# and a stock VirtualDomain guest are moved onto ocfkit's agents and back while they run.
# Each step is proved from the outside (qemu PID, mount ID in /proc/self/mountinfo), from the
# executor's log (no stop/start/promote/demote/migrate) and from the CIB status (the recurring
# monitor is the new agent's). The plan runs our agents' validate-all: a value virtdomain
# refuses (in a copy of the CIB) keeps the guest's resource on its stock agent with virtdomain's
# reason. Last, a probe that disagrees (the new agent missing on the node) must put everything
# back and name the resource.
#   adopt.sh BUILDDIR [--capture DIR]   (root; exit 77 = skipped)
set -uo pipefail
BUILD=$(cd "${1:?usage: adopt.sh BUILDDIR [--capture DIR]}" && pwd)
CAPTURE=""
[[ ${2:-} == --capture ]] && CAPTURE=$(realpath -m "${3:?--capture needs a directory}")
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
OCFKIT=$BUILD/agents/adopt/ocfkit
NODE=$(uname -n)
WORK=/run/ocfkit-adopt-sandbox
GUEST=ocfkit-adopt-guest
FS=adopt-fs VM=adopt-vm
# A provider of our own: other tests install and remove agents under "custom".
PROVIDER=ocfkit-adopt
OCF_DIR=/usr/lib/ocf/resource.d/$PROVIDER

[[ $(id -u) == 0 ]] || { echo "SKIP: needs root (Pacemaker, libvirtd, loop devices)"; exit 77; }
[[ -x $OCFKIT ]] || { echo "SKIP: ocfkit (adopt) not built in $BUILD"; exit 77; }
for a in gfs2fs virtdomain; do
    [[ -x $BUILD/agents/$a/$a ]] || { echo "SKIP: $a not built in $BUILD"; exit 77; }
done
for t in pcs crm_mon cibadmin crm_diff virsh qemu-system-x86_64 xmllint losetup; do
    command -v "$t" >/dev/null || { echo "SKIP: $t not installed"; exit 77; }
done
for a in heartbeat/Filesystem heartbeat/VirtualDomain; do
    [[ -x /usr/lib/ocf/resource.d/$a ]] || { echo "SKIP: stock $a not installed (resource-agents)"; exit 77; }
done

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }
bad() { failed=$((failed + 1)); echo "not ok - $*"; }

exec 8>/run/ocfkit-sandbox-scenarios.lock
flock -w "${OCFKIT_SANDBOX_WAIT:-600}" 8 || { echo "SKIP: the sandbox stayed busy (scenarios lock)"; exit 77; }
bash "$CLUSTER_SH" status >/dev/null 2>&1 && { echo "SKIP: a sandbox cluster not started by this test is running"; exit 77; }

STARTED_CLUSTER=0 STARTED_LIBVIRTD=0 T0=$SECONDS
teardown() {
    echo "# teardown"
    if ((STARTED_CLUSTER)); then
        bash "$CLUSTER_SH" down >/dev/null 2>&1 || echo "# cluster.sh down failed"
    fi
    remove_domain "$GUEST"
    ((STARTED_LIBVIRTD)) && bash "$LIBVIRTD_SH" down >/dev/null 2>&1
    unmount_all_at "$WORK/shared/mnt"
    unmount_all_at "$WORK/shared"
    release_loops_of "$WORK/fs.img"
    rm -rf "$OCF_DIR" "$WORK"
    echo "# $passed passed, $failed failed ($((SECONDS - T0)) s)"
    ((failed == 0))
}
trap teardown EXIT
trap 'exit 1' INT TERM
rm -rf "$WORK"
mkdir -p "$WORK/shared"

# --- setup: our agents, libvirtd, the cluster, the two stock resources ---------------------------
mkdir -p "$OCF_DIR"
install -m 0755 "$BUILD/agents/gfs2fs/gfs2fs" "$BUILD/agents/virtdomain/virtdomain" "$OCF_DIR/"
if ! bash "$LIBVIRTD_SH" status >/dev/null 2>&1; then
    bash "$LIBVIRTD_SH" up >/dev/null 8>&- || { echo "SKIP: libvirtd cannot start"; exit 77; }
    STARTED_LIBVIRTD=1
fi
bash "$CLUSTER_SH" up || { bad "cluster.sh up"; exit 1; }
STARTED_CLUSTER=1
# As on a systemd host: the mount propagates into qemu's mount namespace and back.
mount --bind "$WORK/shared" "$WORK/shared" && mount --make-shared "$WORK/shared"
mkdir -p "$WORK/shared/mnt"
LOOP=$(make_loop_ext4 "$WORK/fs.img" 32) || { bad "loop ext4"; exit 1; }
write_guest_xml "$GUEST" "$WORK/$GUEST.xml" >/dev/null
chmod -R a+rX "$WORK"
# The file system as a clone (one node: force_clones for a local file system) and the guest in a
# group, as clusters have them.
pcs resource create $FS ocf:heartbeat:Filesystem device="$LOOP" directory="$WORK/shared/mnt" fstype=ext4 \
    force_clones=true op monitor interval=5s clone >/dev/null
pcs resource create $VM ocf:heartbeat:VirtualDomain config="$WORK/$GUEST.xml" hypervisor=qemu:///system \
    op monitor interval=5s --group adopt-group >/dev/null
if wait_xpath 60 "$(started_xpath $FS)" && wait_xpath 120 "$(started_xpath $VM)"; then
    ok "stock Filesystem and VirtualDomain started ($((SECONDS - T0)) s)"
else
    bad "stock resources did not start"
    exit 1
fi

# --- what is checked after each step ----------------------------------------------------------------
mount_id() { awk -v m="$WORK/shared/mnt" '$5 == m { print $1 }' /proc/self/mountinfo; }
log_mark() { echo $(($(wc -l <"$SANDBOX_LOG/pacemaker.log") + 1)); }
# Executor actions other than monitors (probes are monitors) on our two resources since MARK.
actions_since() {
    tail -n +"$1" "$SANDBOX_LOG/pacemaker.log" |
        grep -E "rsc:($FS|$VM) action:(start|stop|promote|demote|migrate_to|migrate_from|reload|reload-agent) " || true
}
# The agent of each resource in the CIB's history and its recurring monitor's rc there.
monitor_by() {  # ID AGENT_TYPE: a recurring monitor by that agent has succeeded
    local xml
    xml=$(cibadmin --query --scope status 2>/dev/null)
    [[ $(xmllint --xpath "boolean(//node_state[@uname='$NODE']//lrm_resource[@id='$1' or starts-with(@id, '$1:')][@type='$2']/lrm_rsc_op[@operation='monitor'][@interval='5000'][@rc-code='0'])" - <<<"$xml" 2>/dev/null) == true ]]
}
agent_in_cib() {  # ID: class:provider:type of the primitive
    local xml
    xml=$(cibadmin --query --scope resources 2>/dev/null)
    xmllint --xpath "concat(//primitive[@id='$1']/@class, ':', //primitive[@id='$1']/@provider, ':', //primitive[@id='$1']/@type)" - <<<"$xml"
}
# The log check can fail: it sees the stock agents' own starts (counted by call id: Pacemaker
# 3.0 in the Debian 13 root writes each executor line twice to the log).
[[ $(actions_since 1 | grep -oE "rsc:($FS|$VM) action:start call_id:[0-9]+" | sort -u | wc -l) == 2 ]] && ok "the executor's log shows the two starts" ||
    bad "the executor's log check does not see the starts: $(actions_since 1)"
QEMU0=$(qemu_pid "$GUEST") MID0=$(mount_id)
[[ -n $QEMU0 && -n $MID0 ]] && ok "guest qemu pid $QEMU0, mount id $MID0" || { bad "no qemu pid or mount id"; exit 1; }
# same_everything WHAT FS_TYPE VM_TYPE MARK
same_everything() {
    local what=$1 fs_type=$2 vm_type=$3 mark=$4 acts
    [[ $(qemu_pid "$GUEST") == "$QEMU0" ]] && ok "$what: same qemu pid" || bad "$what: qemu pid $(qemu_pid "$GUEST"), was $QEMU0"
    [[ $(mount_id) == "$MID0" ]] && ok "$what: same mount id" || bad "$what: mount id '$(mount_id)', was $MID0"
    acts=$(actions_since "$mark")
    [[ -z $acts ]] && ok "$what: no start/stop/promote/demote/migrate in the executor's log" || bad "$what: executor ran: $acts"
    [[ $(agent_in_cib $FS) == *":$fs_type" && $(agent_in_cib $VM) == *":$vm_type" ]] &&
        ok "$what: CIB has $fs_type and $vm_type" || bad "$what: CIB has $(agent_in_cib $FS) and $(agent_in_cib $VM)"
    local t0=$SECONDS
    while ! { monitor_by $FS "$fs_type" && monitor_by $VM "$vm_type"; } && ((SECONDS - t0 < 60)); do sleep 1; done
    monitor_by $FS "$fs_type" && monitor_by $VM "$vm_type" &&
        ok "$what: recurring monitors run by $fs_type and $vm_type" || bad "$what: no successful recurring monitor by $fs_type/$vm_type"
    crm_xml
    [[ $(xq "string(/pacemaker-result/summary/cluster_options/@maintenance-mode)") == false ]] &&
        ok "$what: maintenance-mode off" || bad "$what: maintenance-mode still on"
    [[ $(xq "count(/pacemaker-result/failures/failure)") == 0 ]] && ok "$what: no failed actions" || bad "$what: failed actions: $(crm_mon -1 | sed -n '/Failed/,$p' | tr '\n' ' ')"
}
run_ocfkit() {  # WHAT ARGS...: RC, OUT (stdout+stderr) and the time it took
    local what=$1 t0=$SECONDS
    shift
    OUT=$("$OCFKIT" "$@" --provider "$PROVIDER" 2>&1)
    RC=$?
    echo "$OUT" | sed 's/^/#   /'
    echo "# $what: rc $RC in $((SECONDS - t0)) s"
}

# --- plan ----------------------------------------------------------------------------------------
[[ -n $CAPTURE ]] && { mkdir -p "$CAPTURE"; cibadmin --query | xmllint --format - >"$CAPTURE/sandbox-stock.xml"; }
run_ocfkit plan adopt plan
[[ $RC == 0 ]] && ok "plan: both convert (rc 0)" || bad "plan rc $RC, want 0"
grep -q "^$FS in clone $FS-clone: ocf:heartbeat:Filesystem -> ocf:$PROVIDER:gfs2fs: converts" <<<"$OUT" &&
    ok "plan names $FS (in its clone) -> gfs2fs" || bad "plan for $FS"
grep -q "^$VM in group adopt-group: ocf:heartbeat:VirtualDomain -> ocf:$PROVIDER:virtdomain: converts" <<<"$OUT" &&
    ok "plan names $VM (in its group) -> virtdomain" || bad "plan for $VM"
# Our agents' own validate-all ran on this node and accepted what they would get.
grep -q "^  checked: ocf:$PROVIDER:gfs2fs validate-all accepts these parameters" <<<"$OUT" &&
    grep -q "^  checked: ocf:$PROVIDER:virtdomain validate-all accepts these parameters" <<<"$OUT" &&
    ok "plan ran gfs2fs's and virtdomain's validate-all: both accept" || bad "plan did not report our agents' validate-all"
# virtdomain's call_timeout from the stock monitor's timeout (none set: Pacemaker's 20 s).
grep -q "^  param call_timeout: added as 20 (the monitor's timeout, 20 s" <<<"$OUT" &&
    ok "plan gives virtdomain call_timeout 20 (the stock monitor's timeout)" || bad "plan: no call_timeout from the monitor's timeout"
# A value the stock agent passes on but virtdomain refuses (a virsh migrate flag it does not
# know), in a copy of the CIB: the resource stays at plan time with virtdomain's own reason.
cibadmin --query >"$WORK/cib-postcopy.xml"
sed -i "s|\(<nvpair [^>]*name=\"config\"[^>]*/>\)|\1<nvpair id=\"$VM-ia-migrate_options\" name=\"migrate_options\" value=\"--postcopy\"/>|" \
    "$WORK/cib-postcopy.xml"
grep -q 'value="--postcopy"' "$WORK/cib-postcopy.xml" || bad "could not add migrate_options to the CIB copy"
run_ocfkit "plan with a value virtdomain refuses" adopt plan --cib-file "$WORK/cib-postcopy.xml"
[[ $RC == 1 ]] && ok "plan: a refused value makes rc 1" || bad "plan with migrate_options=--postcopy: rc $RC, want 1"
grep -q "^$VM in group adopt-group: .*: STAYS on its stock agent" <<<"$OUT" &&
    grep -q "^  why it stays: ocf:$PROVIDER:virtdomain refuses these parameters (validate-all: not configured): .*'--postcopy'" <<<"$OUT" &&
    ok "plan: $VM stays, with virtdomain's own exit reason" || bad "plan did not keep $VM with virtdomain's reason"
grep -q "^$FS in clone $FS-clone: .*: converts" <<<"$OUT" && ok "plan: $FS still converts" || bad "plan: $FS no longer converts"
OUT=$("$OCFKIT" adopt plan --json --provider "$PROVIDER")
[[ $(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["convert"], d["stay"])' <<<"$OUT") == "2 0" ]] &&
    ok "plan --json: 2 convert, 0 stay" || bad "plan --json: $OUT"

# --- apply ---------------------------------------------------------------------------------------
mark=$(log_mark)
run_ocfkit apply adopt apply --save-dir "$WORK/saved" --timeout 300
[[ $RC == 0 ]] && ok "apply rc 0" || bad "apply rc $RC, want 0"
SAVED=$(sed -n 's/^saved the CIB to \([^ ]*\) .*/\1/p' <<<"$OUT" | head -n1)
[[ -s $SAVED && $(stat -c %a "$SAVED") == 600 ]] && ok "apply saved the CIB first ($SAVED, mode 600)" || bad "no saved CIB: '$SAVED'"
grep -q "probes done: 2/2" <<<"$OUT" && ok "apply showed probe progress" || bad "no probe progress"
grep -q "history since the re-probe: probes and monitors only" <<<"$OUT" && ok "apply checked the history itself" ||
    bad "apply did not report its history check"
same_everything apply gfs2fs virtdomain "$mark"
[[ -n $CAPTURE ]] && cibadmin --query --scope status | xmllint --format - >"$CAPTURE/status-after-apply.xml"

# --- revert --------------------------------------------------------------------------------------
mark=$(log_mark)
run_ocfkit revert adopt revert --save-dir "$WORK/saved" --timeout 300 "$SAVED"
[[ $RC == 0 ]] && ok "revert rc 0" || bad "revert rc $RC, want 0"
same_everything revert Filesystem VirtualDomain "$mark"

# --- a probe that disagrees: the new agent is missing on the node ----------------------------------
mv "$OCF_DIR/virtdomain" "$WORK/virtdomain.away"
mark=$(log_mark)
run_ocfkit "apply without virtdomain" adopt apply --save-dir "$WORK/saved" --timeout 300
[[ $RC == 4 ]] && ok "apply with a disagreeing probe: rc 4" || bad "apply with a disagreeing probe: rc $RC, want 4"
grep -q "$VM on $NODE.*not installed" <<<"$OUT" && ok "the message names $VM and its probe's 'not installed'" ||
    bad "no message naming $VM and 'not installed'"
same_everything "put back" Filesystem VirtualDomain "$mark"
mv "$WORK/virtdomain.away" "$OCF_DIR/virtdomain"

# --- refusals: nothing changes ----------------------------------------------------------------------
conf_sum() { cibadmin --query --scope configuration | md5sum; }
# A node that is offline (known to the CIB, never up).
cibadmin --create --scope nodes --xml-text '<node id="99" uname="adopt-ghost"/>' >/dev/null
wait_xpath 30 "/pacemaker-result/nodes/node[@name='adopt-ghost'][@online='false']" >/dev/null
before=$(conf_sum)
run_ocfkit "apply with a node offline" adopt apply --save-dir "$WORK/saved" --timeout 60
[[ $RC == 3 ]] && grep -q "refused: node adopt-ghost is offline" <<<"$OUT" && ok "a node offline: refused (rc 3)" ||
    bad "offline node not refused: rc $RC"
[[ $(conf_sum) == "$before" ]] && ok "refused: configuration unchanged" || bad "refused apply changed the configuration"
cibadmin --delete --scope nodes --xml-text '<node id="99"/>' >/dev/null
wait_xpath 30 "count(/pacemaker-result/nodes/node[@name='adopt-ghost']) = 0" >/dev/null
# A transition in progress: a resource whose start takes a while (crm_resource --wait sees its
# start pending from the moment it is configured).
pcs resource create adopt-slow ocf:heartbeat:Delay startdelay=8 stopdelay=0 op start timeout=60s >/dev/null
run_ocfkit "apply while a resource starts" adopt apply --save-dir "$WORK/saved" --timeout 60
[[ $RC == 3 ]] && grep -q "refused: a transition is in progress" <<<"$OUT" && ok "a transition in progress: refused (rc 3)" ||
    bad "transition in progress not refused: rc $RC"
wait_xpath 60 "$(started_xpath adopt-slow)" >/dev/null || bad "adopt-slow did not start"
pcs resource delete adopt-slow >/dev/null 2>&1
wait_xpath 60 "count(/pacemaker-result/resources//resource[@id='adopt-slow']) = 0" >/dev/null
# A failed action on a resource to convert.
crm_resource --fail --resource $FS --node "$NODE" >/dev/null 2>&1
wait_xpath 30 "/pacemaker-result/failures/failure[starts-with(@op_key, '${FS}_')]" >/dev/null 2>&1
before=$(conf_sum)
run_ocfkit "apply with a failed action" adopt apply --save-dir "$WORK/saved" --timeout 60
[[ $RC == 3 ]] && grep -q "refused: $FS has a failed action" <<<"$OUT" && ok "a failed action: refused (rc 3)" ||
    bad "failed action not refused: rc $RC"
[[ $(conf_sum) == "$before" ]] && ok "refused: configuration unchanged" || bad "refused apply changed the configuration"

# The one versioned update, against the live CIB manager (adopt-cib-patch checks it on a file):
# a crm_diff patch made from the CIB as read is refused (exit 103) once the configuration moved on.
cibadmin --query >"$WORK/patch-old.xml"
epoch=$(grep -om1 ' epoch="[0-9]*"' "$WORK/patch-old.xml" | tr -dc 0-9)
sed -e "0,/ epoch=\"$epoch\"/s// epoch=\"$((epoch + 1))\"/" -e 's/ type="VirtualDomain"/ type="virtdomain"/' \
    "$WORK/patch-old.xml" >"$WORK/patch-new.xml"
crm_diff --original "$WORK/patch-old.xml" --new "$WORK/patch-new.xml" >"$WORK/patch.xml"
crm_attribute --type crm_config --name adopt-test-marker --update 1 >/dev/null
cibadmin --patch --xml-file "$WORK/patch.xml" >/dev/null 2>&1
rc=$?
crm_attribute --type crm_config --name adopt-test-marker --delete >/dev/null
[[ $rc == 103 && $(agent_in_cib $VM) == *:VirtualDomain ]] && ok "the live CIB refuses a patch made before a change (exit 103)" ||
    bad "the live CIB took or failed a stale patch otherwise: exit $rc, $VM is $(agent_in_cib $VM)"
exit 0
