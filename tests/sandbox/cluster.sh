#!/bin/bash
# Single-node corosync + Pacemaker started by hand (no systemd), for the sandbox tier and the demo.
#
#   cluster.sh up                  start corosync and pacemakerd, wait until the node is online with quorum
#   cluster.sh down                stop pacemakerd (it stops the resources), then corosync; remove all state
#   cluster.sh status              print crm_mon -1 (exit 1 when the cluster is not running)
#   cluster.sh install-agents DIR  install the agents built in meson build dir DIR under the OCF root
#   cluster.sh uninstall-agents DIR
#
# The daemons' pids (with start times) are recorded under $OCFKIT_SANDBOX_RUN, so teardown signals
# exactly the processes we started and their descendants, never anything by name.
set -euo pipefail

RUN_DIR=${OCFKIT_SANDBOX_RUN:-/run/ocfkit-sandbox}
LOG_DIR=${OCFKIT_SANDBOX_LOG:-/var/log/ocfkit-sandbox}
CIB_DIR=/var/lib/pacemaker/cib
PE_DIR=/var/lib/pacemaker/pengine
UP_TIMEOUT=${OCFKIT_SANDBOX_UP_TIMEOUT:-90}
DOWN_TIMEOUT=${OCFKIT_SANDBOX_DOWN_TIMEOUT:-120}
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

say() { printf 'cluster.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

[[ $(id -u) -eq 0 ]] || die "must run as root"

# A process is identified by pid and start time (field 22 of /proc/PID/stat), so a reused pid never
# gets our signal.
start_time() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    # shellcheck disable=SC2086
    set -- $stat
    echo "${20}"
}

# Alive and not a zombie waiting for its parent (init here may reap late).
pid_alive() {
    local pid=$1 stat
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 1
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat:0:1} != Z ]]
}

# Writes "pid starttime" records for the given pids to $RUN_DIR/$name.pid.
record_pids() {
    local name=$1 pid st
    shift
    : >"$RUN_DIR/$name.pid.new"
    for pid in "$@"; do
        st=$(start_time "$pid") || continue
        echo "$pid $st" >>"$RUN_DIR/$name.pid.new"
    done
    mv "$RUN_DIR/$name.pid.new" "$RUN_DIR/$name.pid"
}

# Prints the recorded pids of $name that still run the same process.
read_pids() {
    local f=$RUN_DIR/$1.pid pid st
    [[ -s $f ]] || return 0
    while read -r pid st; do
        [[ $(start_time "$pid" 2>/dev/null) == "$st" ]] && echo "$pid"
    done <"$f"
    return 0
}

read_pid() { read_pids "$1" | head -n1; }

# All descendants of the given pids (by parent pid).
descendants() {
    ps -e -o pid=,ppid= | awk -v roots="$*" '
        BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) keep[r[i]] = 1 }
        { parent[$1] = $2 }
        END {
            do { grew = 0
                 for (p in parent) if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; grew = 1 }
            } while (grew)
            for (p in keep) if (p in parent) print p
        }'
}

# Live (not zombie) corosync and pacemakerd processes, whoever started them.
live_daemons() {
    local pid
    for pid in $(pgrep -x corosync; pgrep -x pacemakerd); do
        pid_alive "$pid" && echo -n "$pid "
    done
    return 0
}

any_alive() {
    local pid
    for pid in "$@"; do pid_alive "$pid" && return 0; done
    return 1
}

# TERM to the leader and a long grace (pacemakerd stops resources first); then TERM and KILL to
# whatever of the leader's tree and the recorded helpers is left.
stop_daemon() {
    local name=$1 grace=$2 leader tree t0
    leader=$(read_pid "$name")
    # shellcheck disable=SC2207
    tree=($(read_pids "$name-children"))
    if [[ -n $leader ]]; then
        # shellcheck disable=SC2207
        tree+=($(descendants "$leader"))
        say "stopping $name (pid $leader)"
        kill -TERM "$leader" 2>/dev/null || true
        t0=$SECONDS
        while pid_alive "$leader" && ((SECONDS - t0 < grace)); do sleep 0.5; done
        pid_alive "$leader" && say "$name did not stop within ${grace}s"
    fi
    ((${#tree[@]})) || { rm -f "$RUN_DIR/$name.pid" "$RUN_DIR/$name-children.pid"; return 0; }
    t0=$SECONDS
    while any_alive "${tree[@]}" && ((SECONDS - t0 < 10)); do sleep 0.5; done
    if any_alive "${tree[@]}"; then
        say "killing what is left of $name: $(for p in "${tree[@]}"; do pid_alive "$p" && echo -n "$p "; done)"
        kill -TERM "${tree[@]}" 2>/dev/null || true
        sleep 2
        kill -KILL "${tree[@]}" 2>/dev/null || true
        t0=$SECONDS
        while any_alive "${tree[@]}" && ((SECONDS - t0 < 10)); do sleep 0.2; done
        ! any_alive "${tree[@]}" || die "processes of $name survive SIGKILL: ${tree[*]}"
    fi
    rm -f "$RUN_DIR/$name.pid" "$RUN_DIR/$name-children.pid"
}

# Daemons must not inherit our lock (fd 9) or a caller's (e.g. scenarios.sh's run lock): they
# would hold it for their whole life.
close_inherited_fds() {
    local fd
    for fd in /proc/"$BASHPID"/fd/*; do
        fd=${fd##*/}
        ((fd > 2)) && eval "exec $fd>&-" 2>/dev/null
    done
    return 0
}

running() {
    pid_alive "$(read_pid pacemakerd)" && pid_alive "$(read_pid corosync)"
}

# True once crm_mon reports a DC with quorum and our node online.
cluster_ready() {
    local xml
    xml=$(crm_mon --output-as=xml 2>/dev/null) || return 1
    [[ $(xmllint --xpath 'string(/pacemaker-result/summary/current_dc/@with_quorum)' - <<<"$xml" 2>/dev/null) == true ]] || return 1
    [[ $(xmllint --xpath "string(/pacemaker-result/nodes/node[@name='$(uname -n)']/@online)" - <<<"$xml" 2>/dev/null) == true ]]
}

write_corosync_conf() {
    cat >"$RUN_DIR/corosync.conf" <<EOF
# Written by ocfkit tests/sandbox/cluster.sh: one node on loopback.
totem {
    version: 2
    cluster_name: ocfkit-sandbox
    transport: knet
    crypto_cipher: none
    crypto_hash: none
}
nodelist {
    node {
        ring0_addr: 127.0.0.1
        name: $(uname -n)
        nodeid: 1
    }
}
quorum {
    provider: corosync_votequorum
}
logging {
    to_logfile: yes
    logfile: $LOG_DIR/corosync.log
    to_stderr: no
    to_syslog: no
    timestamp: on
}
EOF
}

# A CIB with fencing off and a short DC deadtime brings the node online in seconds instead of ~22 s.
seed_cib() {
    local f=$RUN_DIR/cib-seed.xml
    cibadmin --empty >"$f"
    CIB_file=$f crm_attribute -t crm_config -n stonith-enabled -v false
    CIB_file=$f crm_attribute -t crm_config -n dc-deadtime -v 2s
    CIB_file=$f crm_attribute -t crm_config -n cluster-recheck-interval -v 1min
    mkdir -p "$CIB_DIR"
    rm -f "$CIB_DIR"/cib*
    install -o hacluster -g haclient -m 0600 "$f" "$CIB_DIR/cib.xml"
}

remove_state() {
    rm -f "$CIB_DIR"/cib* "$PE_DIR"/pe-* "$RUN_DIR/cib-seed.xml" "$RUN_DIR/corosync.conf"
}

cmd_up() {
    mkdir -p "$RUN_DIR" "$LOG_DIR"
    exec 9>"$RUN_DIR/lock"
    flock -w 60 9 || die "another cluster.sh holds $RUN_DIR/lock"
    if running; then
        say "already running (corosync $(read_pid corosync), pacemakerd $(read_pid pacemakerd))"
        wait_ready
        return 0
    fi
    # Half a cluster (one daemon died) is stopped first, so up always starts from a clean state.
    stop_daemon pacemakerd "$DOWN_TIMEOUT"
    stop_daemon corosync 30
    # A daemon that just exited can linger as a zombie until init reaps it (pgrep still lists it),
    # and one stopped by another script may take a moment: only a live one after 15 s is foreign.
    local t=$SECONDS others
    while others=$(live_daemons) && [[ -n $others ]]; do
        ((SECONDS - t < 15)) || die "a corosync or pacemakerd not started by this script is running (pid $others); refusing to start a second one"
        sleep 0.5
    done
    remove_state
    # One log per cluster run (the previous one kept as .1), so logs never grow without bound.
    local f
    for f in pacemaker.log corosync.log corosync.out pacemakerd.out; do
        [[ -e $LOG_DIR/$f ]] && mv -f "$LOG_DIR/$f" "$LOG_DIR/$f.1"
    done
    write_corosync_conf
    seed_cib
    local t0=$SECONDS
    (close_inherited_fds; exec setsid corosync -f -c "$RUN_DIR/corosync.conf" >>"$LOG_DIR/corosync.out" 2>&1 </dev/null) &
    record_pids corosync $!
    # pacemakerd refuses to start until corosync's IPC answers.
    local t1=$SECONDS
    until corosync-cfgtool -s >/dev/null 2>&1; do
        pid_alive "$(read_pid corosync)" || die "corosync exited; see $LOG_DIR/corosync.log and corosync.out"
        ((SECONDS - t1 < 30)) || die "corosync not answering after 30s"
        sleep 0.2
    done
    (close_inherited_fds; PCMK_logfile=$LOG_DIR/pacemaker.log PCMK_logfacility=none \
        exec setsid /usr/sbin/pacemakerd >>"$LOG_DIR/pacemakerd.out" 2>&1 </dev/null) &
    record_pids pacemakerd $!
    wait_ready
    # pacemakerd's subdaemons detach into sessions of their own; record them in case pacemakerd dies.
    # shellcheck disable=SC2046
    record_pids pacemakerd-children $(descendants "$(read_pid pacemakerd)" | grep -vx "$(read_pid pacemakerd)")
    say "cluster up in $((SECONDS - t0))s (corosync $(read_pid corosync), pacemakerd $(read_pid pacemakerd))"
}

wait_ready() {
    local t0=$SECONDS
    until cluster_ready; do
        running || die "a cluster daemon exited; see $LOG_DIR/"
        ((SECONDS - t0 < UP_TIMEOUT)) || die "node not online with quorum after ${UP_TIMEOUT}s"
        sleep 0.5
    done
}

cmd_down() {
    mkdir -p "$RUN_DIR"
    exec 9>"$RUN_DIR/lock"
    flock -w 60 9 || die "another cluster.sh holds $RUN_DIR/lock"
    # pacemakerd stops every resource before it exits, so it goes first and gets a long grace.
    stop_daemon pacemakerd "$DOWN_TIMEOUT"
    stop_daemon corosync 30
    remove_state
    rm -f "$RUN_DIR/lock"
    rmdir "$RUN_DIR" 2>/dev/null || true
    say "cluster down"
}

cmd_status() {
    if ! running; then
        echo "ocfkit sandbox cluster: not running"
        return 1
    fi
    crm_mon -1
}

# Prints "name<TAB>path" for each agent executable the build made, from meson's own install plan.
built_agents() {
    local build=$1
    meson introspect "$build" --targets | python3 -c '
import json, sys
for t in json.load(sys.stdin):
    if t["type"] == "executable" and t.get("installed") and "/resource.d/" in (t.get("install_filename") or [""])[0]:
        for f, dest in zip(t["filename"], t["install_filename"]):
            print(dest.rsplit("/", 1)[1], f, sep="\t")
'
}

build_option() {
    meson introspect "$1" --buildoptions | python3 -c '
import json, sys
name = sys.argv[1]
for o in json.load(sys.stdin):
    if o["name"] == name:
        print(o["value"])
' "$2"
}

cmd_install_agents() {
    local build=${1:?usage: cluster.sh install-agents BUILDDIR}
    [[ -f $build/meson-info/meson-info.json ]] || die "$build is not a meson build dir"
    local provider ocf_root dir n=0
    provider=$(build_option "$build" provider)
    ocf_root=$(build_option "$build" ocf_root)
    dir=$ocf_root/resource.d/$provider
    mkdir -p "$dir"
    while IFS=$'\t' read -r name path; do
        [[ -x $path ]] || continue
        install -m 0755 "$path" "$dir/$name"
        echo "installed $dir/$name"
        n=$((n + 1))
    done < <(built_agents "$build")
    # The test agent (never installed by meson) goes under a provider of its own.
    if [[ -x $build/tests/testagent/ocfkit-test ]]; then
        mkdir -p "$ocf_root/resource.d/ocfkit-test"
        install -m 0755 "$build/tests/testagent/ocfkit-test" "$ocf_root/resource.d/ocfkit-test/ocfkit-test"
        echo "installed $ocf_root/resource.d/ocfkit-test/ocfkit-test"
    fi
    say "$n agent(s) installed under $dir"
}

cmd_uninstall_agents() {
    local build=${1:?usage: cluster.sh uninstall-agents BUILDDIR}
    local provider ocf_root dir
    provider=$(build_option "$build" provider)
    ocf_root=$(build_option "$build" ocf_root)
    dir=$ocf_root/resource.d/$provider
    while IFS=$'\t' read -r name _; do
        rm -f "$dir/$name"
    done < <(built_agents "$build")
    rmdir "$dir" 2>/dev/null || true
    rm -f "$ocf_root/resource.d/ocfkit-test/ocfkit-test"
    rmdir "$ocf_root/resource.d/ocfkit-test" 2>/dev/null || true
}

case ${1:-} in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
install-agents) cmd_install_agents "${2:-}" ;;
uninstall-agents) cmd_uninstall_agents "${2:-}" ;;
*) die "usage: cluster.sh up|down|status|install-agents BUILDDIR|uninstall-agents BUILDDIR" ;;
esac
