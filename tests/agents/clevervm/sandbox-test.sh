#!/bin/bash
# clevervm against the real single-node sandbox: Pacemaker (tests/sandbox/cluster.sh), libvirtd
# (tests/lib/libvirtd.sh) and TCG guests. A promotable Stateful clone stands in for the DRBD
# clone (no DRBD module here); guest A runs under our virtdomain agent colocated with its
# promoted instance. Every command runs and is checked through crm_mon XML and libvirt:
# status (text, --json, LSB codes), stop/start (hibernate/resume), cleanup, forcestop/forcestart,
# migrate (a ban) and unmigrate (its removal), bad config and usage codes, the init script, and
# clevervm as an lsb:clevervm resource managing guest B.
#   sandbox-test.sh BUILDDIR        (root; exit 77 = skipped)
set -uo pipefail
BUILD=$(cd "${1:?usage: sandbox-test.sh BUILDDIR}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
SOURCE_ROOT=$(cd "$HERE/../../.." && pwd)
source "$SOURCE_ROOT/tests/sandbox/lib.sh"
CVM=$BUILD/agents/clevervm/clevervm
INIT_IN=$SOURCE_ROOT/agents/clevervm/clevervm.init
NODE=$(uname -n)
WORK=/run/ocfkit-clevervm-sandbox
GUEST_A=cvm-sbx-a GUEST_B=cvm-sbx-b
RSC_A=cvm-guest-a CLONE=cvm-drbd-clone

[[ $(id -u) == 0 ]] || { echo "SKIP: needs root (Pacemaker, libvirtd, loop devices)"; exit 77; }
[[ -x $CVM ]] || { echo "SKIP: clevervm not built in $BUILD"; exit 77; }
for t in pcs crm_mon virsh qemu-system-x86_64 xmllint python3 losetup; do
    command -v "$t" >/dev/null || { echo "SKIP: $t not installed"; exit 77; }
done
VIRTDOMAIN=$(find "$BUILD/agents/virtdomain" -maxdepth 1 -name virtdomain -type f -perm -u+x 2>/dev/null | head -n1)
[[ -n $VIRTDOMAIN ]] || { echo "SKIP: virtdomain agent not built (guest A runs under it)"; exit 77; }

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }
bad() { failed=$((failed + 1)); echo "not ok - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

# One sandbox at a time: the scenarios' run lock serialises us with tests/sandbox/scenarios.sh.
exec 8>/run/ocfkit-sandbox-scenarios.lock
flock -w "${OCFKIT_SANDBOX_WAIT:-600}" 8 || { echo "SKIP: the sandbox stayed busy (scenarios lock)"; exit 77; }
if bash "$CLUSTER_SH" status >/dev/null 2>&1; then
    # Someone else's cluster (a demo, a debugging session): never reuse or tear it down.
    t0=$SECONDS
    while bash "$CLUSTER_SH" status >/dev/null 2>&1 && ((SECONDS - t0 < ${OCFKIT_SANDBOX_WAIT:-600})); do sleep 10; done
    bash "$CLUSTER_SH" status >/dev/null 2>&1 && { echo "SKIP: a sandbox cluster not started by this test is running"; exit 77; }
fi

STARTED_CLUSTER=0 STARTED_LIBVIRTD=0 LOOP="" 
BACKUPS=$WORK/backup
restore_file() {  # PATH: put back what was there before the test (or remove ours)
    local b=$BACKUPS/$(tr / % <<<"$1")
    if [[ -e $b ]]; then cp -a "$b" "$1"; else rm -f "$1"; fi
}
save_file() {
    mkdir -p "$BACKUPS"
    local b=$BACKUPS/$(tr / % <<<"$1")
    [[ -e $1 && ! -e $b ]] && cp -a "$1" "$b"
    return 0
}
# A provider of our own: other tests install and remove agents under "custom" meanwhile.
PROVIDER=ocfkit-clevervm
OCF_DIR=/usr/lib/ocf/resource.d/$PROVIDER
teardown() {
    echo "# teardown"
    if ((STARTED_CLUSTER)); then
        bash "$CLUSTER_SH" down >/dev/null 2>&1 || echo "# cluster.sh down failed"
    fi
    for g in $GUEST_A $GUEST_B; do
        timeout 30 virsh -q -c qemu:///system destroy "$g" >/dev/null 2>&1
        timeout 30 virsh -q -c qemu:///system managedsave-remove "$g" >/dev/null 2>&1
        timeout 30 virsh -q -c qemu:///system undefine --managed-save "$g" >/dev/null 2>&1
    done
    ((STARTED_LIBVIRTD)) && bash "$LIBVIRTD_SH" down >/dev/null 2>&1
    mountpoint -q "$WORK/mnt" && umount "$WORK/mnt"
    [[ -n $LOOP ]] && losetup -d "$LOOP" 2>/dev/null
    for f in $OCF_DIR/virtdomain /etc/init.d/clevervm /etc/ocfkit/clevervm.conf; do restore_file "$f"; done
    rmdir /etc/ocfkit $OCF_DIR 2>/dev/null
    rm -rf "$WORK"
}
trap teardown EXIT
rm -rf "$WORK"
mkdir -p "$WORK/guests" "$WORK/mnt"

# --- setup: our agent, libvirtd, the cluster, a loop-mounted file system, two guests ----------
save_file $OCF_DIR/virtdomain
mkdir -p $OCF_DIR
install -m 0755 "$VIRTDOMAIN" $OCF_DIR/virtdomain
if ! bash "$LIBVIRTD_SH" status >/dev/null 2>&1; then
    bash "$LIBVIRTD_SH" up >/dev/null || { echo "SKIP: libvirtd cannot start"; exit 77; }
    STARTED_LIBVIRTD=1
fi
bash "$CLUSTER_SH" up || { bad "cluster.sh up"; exit 1; }
STARTED_CLUSTER=1
pcs property set stonith-enabled=false >/dev/null
LOOP=$(make_loop_ext4 "$WORK/fs.img" 64) && mount "$LOOP" "$WORK/mnt" || { bad "loop ext4"; exit 1; }
for g in $GUEST_A $GUEST_B; do
    write_guest_xml "$g" "$WORK/guests/$g.xml"
    # A fixed UUID: virtdomain persistent=true redefines on every start, which libvirt refuses
    # for a UUID-less XML once the domain exists ("already exists with uuid").
    sed -i "s|<name>$g</name>|&\\n  <uuid>$(python3 -c 'import uuid; print(uuid.uuid4())')</uuid>|" "$WORK/guests/$g.xml"
done
chmod -R a+rX "$WORK"
# Guest B is defined persistently (a managed save needs it); guest A is defined by virtdomain.
virsh -q -c qemu:///system define "$WORK/guests/$GUEST_B.xml" >/dev/null

cat >"$WORK/clevervm.conf" <<CONF
# clevervm sandbox test
promotable = $CLONE
guests = $GUEST_A:$RSC_A
mounts = $WORK/mnt
wait = 90
CONF
cvm() {  # ARGS...: runs clevervm with the test config; sets RC, OUT, ERR
    OUT=$("$CVM" --config "$WORK/clevervm.conf" "$@" 2>"$WORK/err")
    RC=$?
    ERR=$(cat "$WORK/err")
}
expect_rc() {  # WANT WHAT
    if [[ $RC == "$1" ]]; then ok "$2 -> $RC"; else bad "$2 -> $RC, want $1; stderr: $ERR"; fi
}
dom_state() { timeout 10 virsh -q -c qemu:///system domstate "$1" 2>/dev/null | head -n1; }
managed_save() { timeout 10 virsh -q -c qemu:///system dominfo "$1" 2>/dev/null | awk -F': *' '/^Managed save/ {print $2}'; }
guest_started() { started_xpath "$RSC_A"; }
promoted_here="/pacemaker-result/resources/clone[@id='$CLONE']/resource[@role='Promoted']/node[@name='$NODE']"

pcs resource create cvm-drbd ocf:pacemaker:Stateful promotable op monitor interval=5s role=Promoted \
    op monitor interval=6s role=Unpromoted >/dev/null
pcs resource create $RSC_A ocf:$PROVIDER:virtdomain config="$WORK/guests/$GUEST_A.xml" persistent=true \
    shutdown_timeout=2 op monitor interval=5s >/dev/null
pcs constraint colocation add $RSC_A with Promoted $CLONE >/dev/null
pcs constraint order promote $CLONE then start $RSC_A >/dev/null
wait_xpath 120 "$(guest_started)" && wait_xpath 30 "$promoted_here" || { bad "stack did not come up"; exit 1; }
ok "stack up: $CLONE promoted on $NODE, $RSC_A started"

# --- status ------------------------------------------------------------------------------------
cvm status
expect_rc 0 "status with guest A running here"
check "status names the node, the DC and quorum" grep -q "DC $NODE, partition with quorum" <<<"$OUT"
check "status lists the promotable clone as Promoted" grep -Eq "^  $CLONE +cvm-drbd +ocf:pacemaker:Stateful +Promoted +$NODE\$" <<<"$OUT"
check "status lists guest A running with its resource" grep -Eq "^  $GUEST_A +running +no +$RSC_A Started on $NODE\$" <<<"$OUT"
df_line=$(df -B1 --output=size,used,avail "$WORK/mnt" | tail -n1)
read -r df_size df_used df_avail <<<"$df_line"
cvm status --json
expect_rc 0 "status --json"
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)" <<<"$OUT"; }
check "JSON: guest A running, no managed save" test "$(json "d['guests'][0]['state'], d['guests'][0]['managed_save']")" == "running False"
check "JSON: size/used/free equal df's ($df_size $df_used $df_avail)" \
    test "$(json "d['filesystems'][0]['size_bytes'], d['filesystems'][0]['used_bytes'], d['filesystems'][0]['free_bytes']")" == "$df_size $df_used $df_avail"
check "JSON: fstype ext4 on $LOOP" test "$(json "d['filesystems'][0]['fstype'], d['filesystems'][0]['device']")" == "ext4 $LOOP"
check "JSON: cluster has quorum, DC $NODE" test "$(json "d['cluster']['quorum'], d['cluster']['dc']")" == "True $NODE"

# --- stop (hibernate) / start (resume) directly through libvirt -------------------------------
# Pacemaker's monitor must not see the hibernation before the checks below have: in maintenance
# the resource's recurring monitor is cancelled, so the order of events no longer depends on load.
pcs resource meta $RSC_A maintenance=true >/dev/null
if wait_xpath 60 "/pacemaker-result/resources//resource[@id='$RSC_A'][@managed='false']" &&
    timeout 90 crm_resource --wait >/dev/null 2>&1; then
    ok "$RSC_A in maintenance (its monitor cancelled) for the hibernation checks"
else
    bad "$RSC_A did not enter maintenance"
fi
cvm stop
expect_rc 0 "stop (hibernate guest A)"
check "guest A shut off with a managed save image" test "$(dom_state $GUEST_A) $(managed_save $GUEST_A)" == "shut off yes"
check "stop warns that Pacemaker may undo it" grep -q "managed by Pacemaker resource $RSC_A; the cluster may start it again" <<<"$ERR"
cvm status
expect_rc 3 "status right after the hibernation (LSB stopped)"
check "status shows the managed save" grep -Eq "^  $GUEST_A +shut off +yes" <<<"$OUT"
# The warning is true: once managed again, the monitor finds the guest gone and Pacemaker recovers it.
pcs resource meta $RSC_A maintenance=false >/dev/null
if wait_xpath 60 "/pacemaker-result/failures/failure[starts-with(@op_key,'${RSC_A}_monitor')]" && wait_xpath 90 "$(guest_started)"; then
    ok "Pacemaker undid the hibernation (monitor failure, then restarted)"
else
    bad "Pacemaker did not recover guest A"
fi
cvm status
check "status shows the failure and the migration summary" grep -Eq "^  ${RSC_A}_monitor_5000 +$NODE +[Nn]ot running \\(7\\)" <<<"$OUT"
check "migration summary has a fail count for $RSC_A" grep -Eq "^  $NODE +$RSC_A +1 " <<<"$OUT"

# --- cleanup ----------------------------------------------------------------------------------
cvm cleanup
expect_rc 0 "cleanup"
if wait_xpath 30 "not(/pacemaker-result/failures/failure) and not(//resource_history[@fail-count])"; then ok "no failures or fail counts left"; else bad "failures remain after cleanup"; fi

# --- forcestop / start / stop / forcestart ----------------------------------------------------
cvm forcestop
expect_rc 0 "forcestop (target-role Stopped, waits)"
crm_xml
check "$RSC_A stopped in the cluster" test "$(xq "boolean($(stopped_xpath $RSC_A))")" == true
check "target-role is Stopped in the CIB" test "$(crm_resource --resource $RSC_A --meta --get-parameter target-role 2>/dev/null)" == Stopped
check "guest A not running" test "$(dom_state $GUEST_A)" != running
cvm status
expect_rc 3 "status after forcestop"
cvm start
expect_rc 0 "start (directly, while Pacemaker wants it stopped)"
check "guest A running after start" test "$(dom_state $GUEST_A)" == running
check "start warns that Pacemaker may undo it" grep -q "may stop or move it again" <<<"$ERR"
cvm start
expect_rc 0 "start again (already running)"
cvm stop
expect_rc 0 "stop (hibernate) again"
check "guest A hibernated" test "$(dom_state $GUEST_A) $(managed_save $GUEST_A)" == "shut off yes"
cvm stop
expect_rc 0 "stop of a stopped guest"
cvm forcestart
expect_rc 0 "forcestart (target-role Started, waits)"
crm_xml
check "$RSC_A started by Pacemaker" test "$(xq "boolean($(guest_started))")" == true
check "guest A resumed from its managed save (image consumed)" test "$(dom_state $GUEST_A) $(managed_save $GUEST_A)" == "running no"
cvm status
expect_rc 0 "status after forcestart"

# --- migrate (ban) / unmigrate (remove it) ----------------------------------------------------
cvm migrate
expect_rc 0 "migrate"
crm_xml
check "crm_mon lists the ban of the promoted role on $NODE" \
    test "$(xq "boolean(/pacemaker-result/bans/ban[@resource='$CLONE'][@node='$NODE'][@promoted-only='true'])")" == true
check "$CLONE no longer promoted on $NODE" test "$(xq "boolean($promoted_here)")" == false
check "$RSC_A (colocated with the promoted DRBD) left $NODE" test "$(xq "boolean($(guest_started))")" == false
cvm status
expect_rc 3 "status after migrate (guest gone from this node)"
check "status marks the node unfit" grep -q "$NODE is marked unfit (clevervm migrate)" <<<"$OUT"
check "status lists the ban" grep -Eq "^  $CLONE +$NODE +promoted role +-INFINITY +cli-ban-$CLONE-on-$NODE\$" <<<"$OUT"
crm_mon -1 --output-as=xml >"$BUILD/clevervm-sandbox-ban.xml" 2>/dev/null
cvm unmigrate
expect_rc 0 "unmigrate"
check "unmigrate mentions stickiness" grep -q "stickiness" <<<"$OUT"
crm_xml
check "the ban is gone" test "$(xq "boolean(/pacemaker-result/bans/ban)")" == false
if wait_xpath 90 "$promoted_here" && wait_xpath 90 "$(guest_started)"; then ok "promotion and guest A back on $NODE (the only node)"; else bad "stack did not return after unmigrate"; fi
cvm status --json
check "JSON after unmigrate: not banned, no bans" test "$(json "d['node_banned'], len(d['bans'])")" == "False 0"

# --- usage and configuration errors ------------------------------------------------------------
cvm frobnicate
expect_rc 2 "unknown command"
cvm reload
expect_rc 3 "reload (unimplemented)"
echo "guests = $GUEST_A" >"$WORK/bad.conf"
echo "promotable: $CLONE" >>"$WORK/bad.conf"
OUT=$("$CVM" --config "$WORK/bad.conf" status 2>&1); RC=$?
expect_rc 4 "status with a malformed config (LSB status: unknown)"
check "the error names file and line" grep -q "bad configuration: $WORK/bad.conf:2: expected 'key = value'" <<<"$OUT"
OUT=$("$CVM" --config "$WORK/bad.conf" cleanup 2>&1); RC=$?
expect_rc 6 "cleanup with a malformed config (LSB: not configured)"
OUT=$("$CVM" --config "$WORK/missing.conf" start 2>&1); RC=$?
expect_rc 6 "start with a missing config file"
OUT=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$CVM" --config "$WORK/clevervm.conf" stop 2>&1); RC=$?
expect_rc 4 "stop as an unprivileged user"
check "guest A untouched by the refused stop" test "$(dom_state $GUEST_A)" == running

# --- the init script and lsb:clevervm under Pacemaker -----------------------------------------
save_file /etc/init.d/clevervm
save_file /etc/ocfkit/clevervm.conf
sed "s|@SBINDIR@/clevervm|$CVM|" "$INIT_IN" >/etc/init.d/clevervm
chmod 0755 /etc/init.d/clevervm
for field in Provides Required-Start Required-Stop Default-Start Default-Stop Short-Description; do
    check "init script LSB header has $field" grep -q "^# $field:" /etc/init.d/clevervm
done
mkdir -p /etc/ocfkit
printf 'guests = %s\nmounts = %s\n' "$GUEST_B" "$WORK/mnt" >/etc/ocfkit/clevervm.conf
/etc/init.d/clevervm status >/dev/null 2>&1; RC=$?
expect_rc 3 "/etc/init.d/clevervm status (guest B stopped)"
if command -v service >/dev/null; then
    service clevervm status >/dev/null 2>&1; RC=$?
    expect_rc 3 "service clevervm status"
    OUT=$(service clevervm status --json 2>/dev/null); RC=$?
    expect_rc 3 "service clevervm status --json"
    check "service clevervm status --json: guest B shut off" test "$(json "d['guests'][0]['name'], d['guests'][0]['state']")" == "$GUEST_B shut off"
    service clevervm start >/dev/null 2>&1; RC=$?
    expect_rc 0 "service clevervm start (guest B)"
    check "guest B running after service clevervm start" test "$(dom_state $GUEST_B)" == running
    service clevervm stop >/dev/null 2>&1; RC=$?
    expect_rc 0 "service clevervm stop (guest B hibernated)"
    check "guest B hibernated by service clevervm stop" test "$(dom_state $GUEST_B) $(managed_save $GUEST_B)" == "shut off yes"
    service clevervm cleanup --no-wait >/dev/null 2>&1; RC=$?
    expect_rc 0 "service clevervm cleanup --no-wait"
    service clevervm reload >/dev/null 2>&1; RC=$?
    expect_rc 3 "service clevervm reload (LSB: unimplemented)"
    ERR=$(service clevervm frobnicate 2>&1 >/dev/null); RC=$?
    expect_rc 2 "service clevervm frobnicate (LSB: invalid argument)"
    check "the init script prints its usage" grep -q "^Usage: /etc/init.d/clevervm {start|stop|restart|force-reload|" <<<"$ERR"
fi
pcs resource create cvm-lsb lsb:clevervm op monitor interval=5s >/dev/null
if wait_xpath 90 "$(started_xpath cvm-lsb)"; then ok "lsb:clevervm started by Pacemaker"; else bad "lsb:clevervm did not start"; fi
check "guest B running (started by clevervm under Pacemaker)" test "$(dom_state $GUEST_B)" == running
sleep 6
crm_xml
check "lsb:clevervm monitor keeps it Started, no failures" \
    test "$(xq "boolean($(started_xpath cvm-lsb)) and not(/pacemaker-result/failures/failure[starts-with(@op_key,'cvm-lsb')])")" == true
pcs resource disable cvm-lsb >/dev/null
if wait_xpath 90 "$(stopped_xpath cvm-lsb)"; then ok "lsb:clevervm stopped by Pacemaker"; else bad "lsb:clevervm did not stop"; fi
check "guest B hibernated by the lsb stop" test "$(dom_state $GUEST_B) $(managed_save $GUEST_B)" == "shut off yes"
/etc/init.d/clevervm status >/dev/null 2>&1; RC=$?
expect_rc 3 "/etc/init.d/clevervm status after the lsb stop"
pcs resource delete cvm-lsb >/dev/null 2>&1

echo "$passed passed, $failed failed"
((failed == 0))
