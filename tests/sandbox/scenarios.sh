#!/bin/bash
# Sandbox tier: the built agents under a real single-node Pacemaker, driven through pcs exactly as
# users type it and checked through `crm_mon --output-as=xml` (XPath, never human text).
#
#   scenarios.sh BUILDDIR [SCENARIO...]
#
# Installs BUILDDIR's agents under the OCF root (restoring what was there afterwards), starts the
# cluster (and libvirtd when virtdomain is built), runs each scenario, prints PASS/FAIL/SKIP per
# scenario and tears everything down even when a scenario fails. Exit: 0 all ran passed, 1 a
# failure, 77 (meson's skip) when not root.
set -uo pipefail

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

if [[ $(id -u) -ne 0 ]]; then
    echo "SKIP sandbox (needs root: starts corosync, Pacemaker, libvirtd, loop devices)"
    exit 77
fi

BUILD=${1:?usage: scenarios.sh BUILDDIR [SCENARIO...] | scenarios.sh --cleanup}
if [[ $BUILD == --cleanup ]]; then
    BUILD=""
else
    BUILD=$(cd "$BUILD" && pwd)
fi
shift
ONLY=("$@")

NODE=$(uname -n)
WORK=/run/ocfkit-sandbox-scenarios
IMAGE_DIR=/var/tmp/ocfkit-sandbox-scenarios
GUEST=ocfkit-sbx-guest
declare -A BUILT=()
if [[ -n $BUILD ]]; then
    PROVIDER=$(meson introspect "$BUILD" --buildoptions | python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="provider"))')
    OCF_ROOT=$(meson introspect "$BUILD" --buildoptions | python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="ocf_root"))')
    # Agents the build declares (meson's install plan): name -> built file.
    while IFS=$'\t' read -r name path; do
        [[ -x $path ]] && BUILT[$name]=$path
    done < <(meson introspect "$BUILD" --targets | python3 -c '
import json, sys
for t in json.load(sys.stdin):
    if t["type"] == "executable" and t.get("installed") and "/resource.d/" in (t.get("install_filename") or [""])[0]:
        for f, dest in zip(t["filename"], t["install_filename"]):
            print(dest.rsplit("/", 1)[1], f, sep="\t")
')
    TESTAGENT=$BUILD/tests/testagent/ocfkit-test
fi

PASSED=0 FAILED=0 SKIPPED=0 SCENARIO_PID="" SCENARIO_NAME=""
# Everything a run creates is recorded here ("kind value") before it is created, so cleanup needs
# no other state: scenarios run in subshells, and cleanup may run in another process.
REGISTRY=/run/ocfkit-sandbox-scenarios.registry
BACKUP_DIR=/run/ocfkit-sandbox-scenarios.ocf-backup

register() { echo "$*" >>"$REGISTRY"; }
registered() { [[ -f $REGISTRY ]] && awk -v k="$1" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "$REGISTRY"; }

log() { printf '%s\n' "$*"; }

wanted() {
    ((${#ONLY[@]} == 0)) && return 0
    local s
    for s in "${ONLY[@]}"; do [[ $s == "$1" ]] && return 0; done
    return 1
}

# run_scenario NAME FUNCTION: runs it in a subshell so a failed assertion ends only that scenario.
run_scenario() {
    local name=$1 fn=$2 t0=$SECONDS rc
    [[ $name == cluster-up ]] || wanted "$name" || return 0
    log "--- $name"
    SCENARIO_NAME=$name
    ( set -eE; trap 'log "  command failed (line $LINENO): $BASH_COMMAND"' ERR; "$fn" ) &
    SCENARIO_PID=$!
    wait "$SCENARIO_PID"
    rc=$?
    SCENARIO_PID="" SCENARIO_NAME=""
    if ((rc == 0)); then
        log "PASS $name ($((SECONDS - t0))s)"
        PASSED=$((PASSED + 1))
    elif ((rc == 77)); then
        SKIPPED=$((SKIPPED + 1))
    else
        log "FAIL $name ($((SECONDS - t0))s)"
        FAILED=$((FAILED + 1))
        diagnostics
    fi
}

skip() {
    log "SKIP $1 ($2)"
    exit 77
}

diagnostics() {
    log "  crm_mon:"
    crm_mon -1 --include=failcounts,operations 2>&1 | sed 's/^/    /'
    log "  pacemaker.log (last 30 lines):"
    tail -n 30 "$SANDBOX_LOG/pacemaker.log" 2>/dev/null | sed 's/^/    /'
}

fail() {
    log "  assertion failed: $*"
    exit 1
}

# Deletes a resource and waits until Pacemaker has stopped and forgotten it.
delete_resource() {
    local id=$1
    pcs resource delete "$id" >/dev/null 2>&1 || pcs resource delete "$id" --force >/dev/null 2>&1 || true
    wait_xpath 120 "count(/pacemaker-result/resources//resource[@id='$id']) = 0" ||
        fail "$id still known to the cluster 120s after pcs resource delete"
}

# --------------------------------------------------------------------------------------------- setup

# Installs a file under the OCF root; the file it replaces is kept and put back by cleanup.
install_agent_file() {
    local src=$1 dest=$2 backup
    backup=$BACKUP_DIR/$(tr / % <<<"$dest")
    mkdir -p "$(dirname "$dest")"
    register installed "$dest"
    [[ -e $dest && ! -e $backup ]] && cp -a "$dest" "$backup"
    install -m 0755 "$src" "$dest"
}

install_agents() {
    local name
    mkdir -p "$BACKUP_DIR"
    for name in "${!BUILT[@]}"; do
        install_agent_file "${BUILT[$name]}" "$OCF_ROOT/resource.d/$PROVIDER/$name"
    done
    [[ -x $TESTAGENT ]] && install_agent_file "$TESTAGENT" "$OCF_ROOT/resource.d/ocfkit-test/ocfkit-test"
    return 0
}

# Undoes everything the registry lists; needs nothing else, so it also runs detached after an
# interruption and at the start of the next run after a crash.
cleanup_all() {
    local id image dir dest backup
    if [[ -n $(registered cluster) ]]; then
        if "$CLUSTER_SH" status >/dev/null 2>&1; then
            # Deleting first lets Pacemaker stop them in order; cluster down would stop them too.
            for id in $(registered resource); do
                timeout 60 pcs resource delete "$id" --force >/dev/null 2>&1 || true
            done
        fi
        "$CLUSTER_SH" down || log "  cluster.sh down failed"
    fi
    # What the cluster should have undone already; done again in case it could not.
    [[ -z $(registered guest) ]] || remove_domain "$GUEST"
    if [[ -n $(registered libvirtd) ]]; then bash "$LIBVIRTD_SH" down >/dev/null || true; fi
    # Innermost first: mounts are registered parent before child.
    for dir in $(registered mount | tac); do unmount_all_at "$dir"; done
    for image in $(registered loop); do release_loops_of "$image"; done
    for dest in $(registered installed); do
        backup=$BACKUP_DIR/$(tr / % <<<"$dest")
        if [[ -e $backup ]]; then cp -a "$backup" "$dest"; else rm -f "$dest"; fi
        rmdir "$(dirname "$dest")" 2>/dev/null || true
    done
}

# Lists what cleanup_all should have removed and is still there.
leftovers() {
    local image dir
    for dir in $(registered mount); do
        findmnt -rn --mountpoint "$dir" >/dev/null && echo "mount at $dir"
    done
    for image in $(registered loop); do
        [[ -n $(losetup -n -O NAME -j "$image") ]] && echo "loop device $(losetup -n -O NAME -j "$image") on $image"
    done
    [[ -n $(qemu_pid "$GUEST") ]] && echo "qemu of $GUEST (pid $(qemu_pid "$GUEST"))"
    ls /run/ocfkit-sandbox/*.pid >/dev/null 2>&1 && echo "cluster pid files in /run/ocfkit-sandbox"
    return 0
}

forget_all() {
    rm -rf "$WORK" "$IMAGE_DIR" "$BACKUP_DIR" "$REGISTRY"
}

teardown() {
    local rc=$?
    trap - EXIT INT TERM
    log "--- teardown"
    cleanup_all
    local left
    left=$(leftovers)
    forget_all
    if [[ -n $left ]]; then
        log "  LEFT BEHIND: ${left//$'\n'/; }"
        log "FAIL teardown"
        FAILED=$((FAILED + 1))
    else
        log "PASS teardown (no process, mount or loop device left)"
        PASSED=$((PASSED + 1))
    fi
    log ""
    log "sandbox: $PASSED passed, $FAILED failed, $SKIPPED skipped"
    if ((FAILED)); then exit 1; fi
    exit "$rc"
}

# meson test (on timeout) and CI signal the whole process group and SIGKILL it 0.5 s later: the
# cleanup continues in a session of its own, holding the run lock (fd 8) until it is done.
interrupted() {
    trap - EXIT INT TERM
    [[ -n $SCENARIO_PID ]] && kill -TERM "$SCENARIO_PID" 2>/dev/null
    log "FAIL ${SCENARIO_NAME:-sandbox} (interrupted)"
    log "sandbox: $PASSED passed, $((FAILED + 1)) failed, $SKIPPED skipped"
    mkdir -p "$SANDBOX_LOG"
    setsid bash "$0" --cleanup </dev/null >>"$SANDBOX_LOG/scenarios-cleanup.log" 2>&1 &
    log "cleanup continues in the background (log: $SANDBOX_LOG/scenarios-cleanup.log)"
    exit 1
}

# ------------------------------------------------------------------------------------- scenarios

sc_cluster_up() {
    local t0=$SECONDS
    "$CLUSTER_SH" up
    crm_xml
    [[ $(xq "string(/pacemaker-result/summary/current_dc/@with_quorum)") == true ]] || fail "no quorum"
    [[ $(xq "string(/pacemaker-result/nodes/node[@name='$NODE']/@online)") == true ]] || fail "node $NODE not online"
    [[ $(xq "string(/pacemaker-result/summary/cluster_options/@stonith-enabled)") == false ]] || fail "stonith enabled"
    log "  node $NODE online with quorum after $((SECONDS - t0))s"
}

# Every parameter and action of the agent's meta-data shows in `pcs resource describe`.
describe_one() {
    local provider=$1 agent=$2 out params p
    out=$(pcs resource describe "ocf:$provider:$agent" --full 2>&1) || fail "pcs resource describe ocf:$provider:$agent: $out"
    local short
    short=$(OCF_RA_VERSION_MAJOR=1 OCF_RA_VERSION_MINOR=1 "$OCF_ROOT/resource.d/$provider/$agent" meta-data |
        xmllint --xpath 'string(/resource-agent/shortdesc)' -)
    head -n1 <<<"$out" | grep -qxF "ocf:$provider:$agent - $short" ||
        fail "first line of describe is '$(head -n1 <<<"$out")', expected 'ocf:$provider:$agent - $short'"
    params=$("$OCF_ROOT/resource.d/$provider/$agent" meta-data |
        xmllint --xpath '/resource-agent/parameters/parameter/@name' - 2>/dev/null | sed -E 's/ *name="([^"]*)"/\1\n/g')
    [[ -n $params ]] || fail "meta-data of $agent lists no parameter"
    for p in $params; do
        # pcs 0.11: "  name (required): description"; pcs 0.12: "  name (required)", details below.
        grep -qE "^  $p( \([^)]*\))*(: |$)" <<<"$out" || fail "describe of ocf:$provider:$agent does not list parameter $p"
    done
    # Operations Pacemaker schedules by default (meta-data and validate-all are not listed by pcs).
    local actions a
    actions=$(OCF_RA_VERSION_MAJOR=1 OCF_RA_VERSION_MINOR=1 "$OCF_ROOT/resource.d/$provider/$agent" meta-data |
        xmllint --xpath '/resource-agent/actions/action/@name' - 2>/dev/null | sed -E 's/ *name="([^"]*)"/\1\n/g' | grep -v '^$' | sort -u)
    for a in start stop monitor; do
        grep -qx "$a" <<<"$actions" || fail "meta-data of $agent declares no $a action"
    done
    for a in $actions; do
        [[ $a == meta-data || $a == validate-all ]] && continue
        grep -qE "^  $a:$" <<<"$out" || fail "describe of ocf:$provider:$agent does not list operation $a"
    done
    log "  ocf:$provider:$agent: $(wc -w <<<"$params") parameters, operations $(grep -vxE 'meta-data|validate-all' <<<"$actions" | tr '\n' ' ')listed"
}

sc_describe() {
    local agent n=0
    for agent in $(printf '%s\n' "${!BUILT[@]}" | sort); do
        describe_one "$PROVIDER" "$agent"
        n=$((n + 1))
    done
    if [[ -x $TESTAGENT ]]; then describe_one ocfkit-test ocfkit-test; n=$((n + 1)); fi
    ((n > 0)) || skip describe "no agent built"
    pcs resource describe "ocf:$PROVIDER:no-such-agent" >/dev/null 2>&1 && fail "describe of a missing agent succeeded"
    return 0
}

# Lines of pacemaker.log written since line $1 that match the extended regex $2.
log_since() {
    tail -n +"$1" "$SANDBOX_LOG/pacemaker.log" | grep -E "$2" || true
}

# waits_log MARK SECONDS REGEX: until pacemaker.log has a matching line after MARK.
# (Pacemaker 2.1 logs "Result of ... operation ...: ok", 3.0 "...: OK".)
wait_log() {
    local mark=$1 limit=$2 re=$3 t0=$SECONDS
    until [[ -n $(log_since "$mark" "$re") ]]; do
        ((SECONDS - t0 < limit)) || { echo "  timed out after ${limit}s waiting for pacemaker.log: $re" >&2; return 1; }
        sleep 1
    done
}

# expect_reload ID PARAM=VALUE: pcs changes a reloadable parameter; Pacemaker must run
# reload-agent and neither stop nor start. Pacemaker 2.1 records a reload-agent in the CIB as a
# new start, so the executor's log tells which action really ran.
expect_reload() {
    local id=$1 change=$2 mark
    mark=$(($(wc -l <"$SANDBOX_LOG/pacemaker.log") + 1))
    pcs resource update "$id" "$change"
    wait_log "$mark" 60 "Result of reload-agent operation for $id on $NODE: (ok|OK)" ||
        fail "no successful reload-agent of $id after $change"
    wait_xpath 30 "$(started_xpath "$id")" || fail "$id not started after the reload"
    [[ -z $(log_since "$mark" "rsc:$id action:(stop|start) ") ]] ||
        fail "the executor ran stop or start of $id for reloadable $change: $(log_since "$mark" "rsc:$id action:(stop|start) ")"
}

# A cleanup erases the resource's history: until the new probe is recorded crm_mon shows it
# Stopped although it runs, so wait for the probe's verdict as well.
cleanup_resource() {
    local id=$1
    pcs resource cleanup "$id" >/dev/null 2>&1
    wait_xpath 30 "count(/pacemaker-result/failures/failure[starts-with(@op_key, '${id}_')]) = 0" ||
        fail "failure not cleared by cleanup"
    wait_xpath 60 "$(started_xpath "$id")" || fail "$id not seen running again after the cleanup's probe"
}

# disable_resource ID SECONDS: Stopped in crm_mon and a successful stop in the executor's log
# (a Stopped role alone can be a history not yet rebuilt).
disable_resource() {
    local id=$1 limit=$2 mark
    mark=$(($(wc -l <"$SANDBOX_LOG/pacemaker.log") + 1))
    pcs resource disable "$id"
    wait_log "$mark" "$limit" "Result of stop operation for $id on $NODE: (ok|OK)" || fail "no successful stop of $id after disable"
    wait_xpath 30 "$(stopped_xpath "$id")" || fail "$id not stopped after disable"
}

# expect_restart ID PARAM=VALUE: a non-reloadable change must stop and start, not reload.
expect_restart() {
    local id=$1 change=$2 mark
    mark=$(($(wc -l <"$SANDBOX_LOG/pacemaker.log") + 1))
    pcs resource update "$id" "$change"
    wait_log "$mark" 90 "Result of start operation for $id on $NODE: (ok|OK)" || fail "$change did not restart $id"
    [[ -n $(log_since "$mark" "Result of stop operation for $id on $NODE: (ok|OK)") ]] || fail "restart without a stop"
    [[ -z $(log_since "$mark" "rsc:$id action:reload-agent ") ]] || fail "reload-agent for non-reloadable $change"
    wait_xpath 30 "$(started_xpath "$id")" || fail "$id not started after the restart"
}

# Declares the agent this parameter reloadable (OCF 1.1 meta-data)?
reloadable() {
    OCF_RA_VERSION_MAJOR=1 OCF_RA_VERSION_MINOR=1 "$OCF_ROOT/resource.d/$PROVIDER/$1" meta-data |
        xmllint --xpath "boolean(/resource-agent/parameters/parameter[@name='$2'][@reloadable='1'])" - | grep -qx true
}

# A reloadable parameter change is applied with reload-agent, without a restart; a non-reloadable
# one restarts the resource (so the check can tell the two apart). Pacemaker 2.1 records a
# reload-agent in the CIB as a new start, so the executor's log tells which action really ran.
sc_reload_agent() {
    [[ -x $TESTAGENT ]] || skip reload-agent "test agent not built"
    local id=sbx-reload state=$WORK/reload.state inode
    register resource "$id"
    pcs resource create "$id" ocf:ocfkit-test:ocfkit-test state="$state" message=one op monitor interval=5s
    wait_xpath 60 "$(started_xpath "$id")" || fail "$id not started"
    [[ $(sed -n 2p "$state") == one ]] || fail "state file says '$(sed -n 2p "$state")', expected 'one'"
    inode=$(stat -c %i "$state")
    expect_reload "$id" message=two
    [[ $(sed -n 2p "$state") == two ]] || fail "state file says '$(sed -n 2p "$state")', expected 'two'"
    [[ $(stat -c %i "$state") == "$inode" ]] || fail "state file was recreated (stop + start)"
    log "  message=two applied by reload-agent; no stop, no start"
    # Contrast: start_delay_ms is not reloadable, so Pacemaker must stop and start the resource.
    expect_restart "$id" start_delay_ms=10
    log "  start_delay_ms=10 restarted it (stop + start, no reload-agent)"
    delete_resource "$id"
    [[ ! -e $state ]] || fail "state file left after delete"
}

# A start that fails with a reason longer than the 128 bytes Pacemaker keeps: crm_mon's failure
# holds exactly the agent's fitted line, and pacemaker.log the whole reason. The helper program
# does not exist, so start fails with 5, which bans the resource from the only node: nothing
# retries while the CIB is read (and stop succeeds: no state file).
sc_exit_reason() {
    [[ -x $TESTAGENT ]] || skip exit-reason "test agent not built"
    local id=sbx-reason state=$WORK/reason.state mark err want got
    local helper="/nonexistent/ocfkit-sandbox-helper with a name long enough to push the reason past the 128 bytes Pacemaker keeps"
    # The line the agent writes, from the agent itself run with the same parameters.
    err=$(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin OCF_ROOT="$OCF_ROOT" OCFKIT_CLUSTER=standalone OCF_RESOURCE_INSTANCE="$id" \
        OCF_RESKEY_state="$state" OCF_RESKEY_helper="$helper" "$TESTAGENT" start 2>&1 >/dev/null) && fail "start succeeded"
    want=$(sed -n 's/^ocf-exit-reason://p' <<<"$err" | tail -1)
    [[ $want == *' [...]' ]] && (($(printf '%s' "$want" | wc -c) <= 128)) || fail "the agent's line is not fitted: '$want'"
    mark=$(($(wc -l <"$SANDBOX_LOG/pacemaker.log") + 1))
    register resource "$id"
    pcs resource create "$id" ocf:ocfkit-test:ocfkit-test state="$state" helper="$helper" op monitor interval=5s
    wait_xpath 60 "/pacemaker-result/failures/failure[@op_key='${id}_start_0'][@exitcode='5']" ||
        fail "no failed start (rc 5) of $id recorded"
    # Pacemaker 2.1.5's crm_mon escapes exitreason twice: ' arrives as &apos;.
    got=$(xq "string(/pacemaker-result/failures/failure[@op_key='${id}_start_0']/@exitreason)")
    got=${got//&apos;/\'}
    [[ $got == "$want" ]] || fail "crm_mon shows the reason '$got', the agent wrote '$want'"
    wait_log "$mark" 30 "start failed: .*Pacemaker keeps'' could not be started" ||
        fail "the whole reason of $id's failed start is not in pacemaker.log"
    log "  failed start: crm_mon shows the agent's fitted reason ($(printf '%s' "$got" | wc -c) bytes), pacemaker.log the whole one"
    delete_resource "$id"
    crm_resource --cleanup --resource "$id" >/dev/null 2>&1 || true
    wait_xpath 30 "count(/pacemaker-result/failures/failure[starts-with(@op_key, '${id}_')]) = 0" ||
        fail "the failed start of deleted $id is still listed"
}

# Parameter name among the agent's meta-data, first of the candidates that it declares.
agent_param() {
    local agent=$1 p
    shift
    for p in "$@"; do
        if "$OCF_ROOT/resource.d/$PROVIDER/$agent" meta-data |
            xmllint --xpath "boolean(/resource-agent/parameters/parameter[@name='$p'])" - | grep -qx true; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

sc_gfs2fs() {
    [[ -n ${BUILT[gfs2fs]:-} ]] || skip gfs2fs "agent not built"
    local id=sbx-fs
    local LOOP_IMAGE=$IMAGE_DIR/fs.img PARENT=$WORK/shared MOUNTPOINT=$WORK/shared/mnt-fs LOOP_DEV
    # Without systemd every mount here is private: a mount namespace made while the file system
    # is mounted (qemu under libvirt, a test's unshare) keeps a copy our umount does not reach,
    # and gfs2fs's stop then finds the file system still active. Under a shared parent, as on a
    # systemd host, the umount propagates into such copies.
    mkdir -p "$PARENT"
    register mount "$PARENT"
    mount --bind "$PARENT" "$PARENT"
    mount --make-shared "$PARENT"
    mkdir -p "$MOUNTPOINT"
    register mount "$MOUNTPOINT"
    register loop "$LOOP_IMAGE"
    LOOP_DEV=$(make_loop_ext4 "$LOOP_IMAGE" 64)
    log "  $LOOP_DEV backs $LOOP_IMAGE"
    register resource "$id"
    pcs resource create "$id" "ocf:$PROVIDER:gfs2fs" device="$LOOP_DEV" directory="$MOUNTPOINT" fstype=ext4 \
        op monitor interval=5s
    wait_xpath 60 "$(started_xpath "$id")" || fail "$id not started"
    [[ $(findmnt -rn -o SOURCE --mountpoint "$MOUNTPOINT") == "$LOOP_DEV" ]] || fail "$LOOP_DEV not mounted at $MOUNTPOINT"
    echo data >"$MOUNTPOINT/probe" || fail "cannot write to the mounted filesystem"
    log "  started: $LOOP_DEV mounted at $MOUNTPOINT"

    # Reload: the stop-tuning parameters are reloadable, so no umount/mount may happen (the
    # executor's log shows every action it ran). Done before any cleanup: Pacemaker 2.1.5 restarts
    # instead of reloading when the last recorded operation is a probe, as it is after a cleanup
    # of a failure or a refresh.
    if reloadable gfs2fs signal_delay; then
        expect_reload "$id" signal_delay=3
        findmnt -rn --mountpoint "$MOUNTPOINT" >/dev/null || fail "not mounted after the reload"
        log "  signal_delay=3 applied by reload-agent; no umount, no mount"
    else
        log "  gfs2fs declares signal_delay not reloadable: reload not checked"
    fi
    expect_restart "$id" options=noatime
    findmnt -rn -o OPTIONS --mountpoint "$MOUNTPOINT" | tr , '\n' | grep -qx noatime || fail "not remounted with noatime"
    log "  options=noatime (not reloadable): stop + start, mounted with noatime"

    # Behind the cluster's back: the recurring monitor must notice and Pacemaker must remount.
    local t0=$SECONDS
    umount "$MOUNTPOINT"
    wait_xpath 60 "/pacemaker-result/failures/failure[@op_key='${id}_monitor_5000'][@exitcode='7']" ||
        fail "no failed monitor (rc 7) after umount behind the cluster's back"
    wait_xpath 60 "$(started_xpath "$id")" || fail "$id not restarted after the failed monitor"
    findmnt -rn --mountpoint "$MOUNTPOINT" >/dev/null || fail "not mounted again after recovery"
    [[ $(<"$MOUNTPOINT/probe") == data ]] || fail "remounted filesystem lost its file"
    [[ $(xq "string(/pacemaker-result/node_history/node[@name='$NODE']/resource_history[@id='$id']/@fail-count)") == 1 ]] ||
        fail "fail-count is not 1"
    log "  umount behind its back: detected and remounted in $((SECONDS - t0))s"
    cleanup_resource "$id"


    disable_resource "$id" 60
    ! findmnt -rn --mountpoint "$MOUNTPOINT" >/dev/null || fail "still mounted after disable"
    pcs resource enable "$id"
    wait_xpath 60 "$(started_xpath "$id")" || fail "$id not started after enable"
    delete_resource "$id"
    ! findmnt -rn --mountpoint "$MOUNTPOINT" >/dev/null || fail "still mounted after delete"
    log "  disable/enable/delete: unmounted, mounted, unmounted"
}

# The boot id the tiny Linux guest printed on its serial console ("" until it has booted).
guest_boot_id() {
    sed -n 's/^ocfkit-guest up boot_id=//p' "$1" 2>/dev/null | tail -n1
}

# wait_guest_boot CONSOLE SECONDS NOT_ID: until the console shows a boot id other than NOT_ID.
wait_guest_boot() {
    local console=$1 limit=$2 not=${3:-} t0=$SECONDS id
    while :; do
        id=$(guest_boot_id "$console")
        [[ -n $id && $id != "$not" ]] && { echo "$id"; return 0; }
        ((SECONDS - t0 < limit)) || return 1
        sleep 1
    done
}

sc_virtdomain() {
    [[ -n ${BUILT[virtdomain]:-} ]] || skip virtdomain "agent not built"
    [[ -f $LIBVIRTD_SH ]] || skip virtdomain "tests/lib/libvirtd.sh missing"
    if ! bash "$LIBVIRTD_SH" status >/dev/null 2>&1; then
        register libvirtd started
        bash "$LIBVIRTD_SH" up 8>&- || fail "libvirtd did not start"
    fi
    local id=sbx-vm config=$WORK/$GUEST.xml console=$SANDBOX_LOG/$GUEST.console.log kind boot1 boot2
    register guest "$GUEST"
    remove_domain "$GUEST"
    kind=$(write_guest_xml "$GUEST" "$config" "$console")
    log "  guest: $kind ($([[ $kind == linux ]] && echo "Debian kernel + busybox initramfs" || echo "SeaBIOS only, no boot device"))"
    register resource "$id"
    local t0=$SECONDS
    pcs resource create "$id" "ocf:$PROVIDER:virtdomain" config="$config" op monitor interval=5s
    wait_xpath 120 "$(started_xpath "$id")" || fail "$id not started"
    [[ $(domain_state "$GUEST") == running ]] || fail "libvirt says $GUEST is '$(domain_state "$GUEST")'"
    local qpid
    qpid=$(qemu_pid "$GUEST")
    [[ -n $qpid ]] || fail "no qemu process for $GUEST"
    tr '\0' ' ' <"/proc/$qpid/cmdline" | grep -q -- '-accel tcg' || fail "qemu of $GUEST does not run with -accel tcg"
    log "  started in $((SECONDS - t0))s: $GUEST running under TCG (qemu pid $qpid)"
    if [[ $kind == linux ]]; then
        boot1=$(wait_guest_boot "$console" 180) || fail "guest printed no boot id on its console within 180s"
        log "  guest booted (boot_id $boot1) after $((SECONDS - t0))s"
    fi

    t0=$SECONDS
    timeout 30 "${VIRSH[@]}" destroy "$GUEST" >/dev/null || fail "virsh destroy failed"
    wait_xpath 60 "/pacemaker-result/failures/failure[@op_key='${id}_monitor_5000'][@exitcode='7']" ||
        fail "no failed monitor (rc 7) after virsh destroy behind the cluster's back"
    wait_xpath 120 "$(started_xpath "$id")" || fail "$id not restarted after the failed monitor"
    [[ $(domain_state "$GUEST") == running ]] || fail "$GUEST not running after recovery"
    [[ $(qemu_pid "$GUEST") != "$qpid" ]] || fail "same qemu pid after recovery"
    [[ $(xq "string(/pacemaker-result/node_history/node[@name='$NODE']/resource_history[@id='$id']/@fail-count)") == 1 ]] ||
        fail "fail-count is not 1"
    log "  virsh destroy behind its back: detected and restarted in $((SECONDS - t0))s"
    if [[ $kind == linux ]]; then
        boot2=$(wait_guest_boot "$console" 180 "$boot1") || fail "restarted guest did not boot within 180s"
        log "  guest booted again (boot_id $boot2) after $((SECONDS - t0))s"
    fi
    cleanup_resource "$id"

    t0=$SECONDS
    disable_resource "$id" 180
    [[ $(domain_state "$GUEST") != running ]] || fail "$GUEST still running after disable"
    [[ -z $(qemu_pid "$GUEST") ]] || fail "qemu of $GUEST still running after disable"
    log "  disable: guest stopped in $((SECONDS - t0))s"
    delete_resource "$id"
}

# ------------------------------------------------------------------------------------------ main

exec 8>/run/ocfkit-sandbox-scenarios.lock
flock -w 1800 8 || { echo "FAIL sandbox (another scenarios.sh run held the lock for 30 min)"; exit 1; }
if [[ -f $REGISTRY ]]; then
    log "cleaning up after an interrupted run: $(tr '\n' ' ' <"$REGISTRY")"
    cleanup_all
    left=$(leftovers)
    forget_all
    [[ -z $left ]] || { log "FAIL cleanup: still there: ${left//$'\n'/; }"; exit 1; }
fi
[[ -z $BUILD ]] && exit 0

if "$CLUSTER_SH" status >/dev/null 2>&1; then
    log "FAIL sandbox (a sandbox cluster is already running, e.g. the demo: stop it with tests/sandbox/demo.sh down)"
    exit 1
fi
trap teardown EXIT
trap interrupted INT TERM
mkdir -p "$WORK" "$IMAGE_DIR"
log "build $BUILD, provider $PROVIDER, OCF root $OCF_ROOT, agents built: $( ((${#BUILT[@]})) && echo "${!BUILT[*]}" || echo none)"
install_agents

register cluster started
run_scenario cluster-up sc_cluster_up
if crm_xml && [[ $(xq "string(/pacemaker-result/summary/current_dc/@with_quorum)") == true ]]; then
    run_scenario describe sc_describe
    run_scenario reload-agent sc_reload_agent
    run_scenario exit-reason sc_exit_reason
    run_scenario gfs2fs sc_gfs2fs
    run_scenario virtdomain sc_virtdomain
else
    log "FAIL remaining scenarios (cluster not up)"
    FAILED=$((FAILED + 1))
fi
