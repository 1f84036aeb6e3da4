#!/bin/bash
# The test libvirtd, started by hand without systemd: up | down | status | restart | pid.
# Shared by every test tier that needs libvirt on this host (virtdomain tests, sandbox).
# Idempotent: `up` on a running daemon and `down` on a stopped one succeed and do nothing.
# The daemon serves the default qemu:///system socket (/run/libvirt/libvirt-sock);
# its PID lives in /run/ocfkit-test/libvirtd.pid, its log in /run/ocfkit-test/libvirtd.log.
set -euo pipefail

STATE_DIR=/run/ocfkit-test
PID_FILE=$STATE_DIR/libvirtd.pid
VIRTLOGD_PID_FILE=$STATE_DIR/virtlogd.pid
LOG_FILE=$STATE_DIR/libvirtd.log
CONF_FILE=$STATE_DIR/libvirtd.conf
SOCKET=/run/libvirt/libvirt-sock
VIRSH=(virsh --quiet --connect qemu:///system)

die() { echo "libvirtd.sh: $*" >&2; exit 1; }

# pid_from FILE COMM: the PID recorded in FILE when that process still runs as COMM.
pid_from() {
    [[ -r $1 ]] || return 1
    local pid
    pid=$(<"$1")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    # The PID must still be that daemon, not a recycled number.
    [[ $(cat /proc/"$pid"/comm 2>/dev/null) == "$2" ]] || return 1
    # A killed daemon stays a zombie until PID 1 reaps it, which can take a while here.
    [[ $(awk '{print $3}' /proc/"$pid"/stat 2>/dev/null) != Z ]] || return 1
    echo "$pid"
}
running_pid() { pid_from "$PID_FILE" libvirtd; }

# Daemons must not inherit a caller's descriptors (a test's flock on fd 9 would be held for the
# daemon's whole life, blocking every later holder of that lock).
without_inherited_fds() {
    (
        for fd in /proc/"$BASHPID"/fd/*; do
            fd=${fd##*/}
            ((fd > 2)) && eval "exec $fd>&-" 2>/dev/null
        done
        exec "$@"
    )
}

# qemu's console/log output goes through virtlogd (qemu.conf stdio_handler default "logd").
virtlogd_up() {
    pid_from "$VIRTLOGD_PID_FILE" virtlogd >/dev/null && return 0
    rm -f "$VIRTLOGD_PID_FILE"
    without_inherited_fds virtlogd --daemon --pid-file "$VIRTLOGD_PID_FILE"
    local i
    for i in $(seq 1 50); do
        [[ -S /run/libvirt/virtlogd-sock ]] && return 0
        sleep 0.1
    done
    die "virtlogd did not create /run/libvirt/virtlogd-sock within 5 s"
}

virtlogd_down() {
    local pid
    pid=$(pid_from "$VIRTLOGD_PID_FILE" virtlogd) || { rm -f "$VIRTLOGD_PID_FILE"; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    rm -f "$VIRTLOGD_PID_FILE"
}

ensure_user() {
    # Debian's qemu driver runs guests as libvirt-qemu:kvm and refuses to start without them.
    getent group kvm >/dev/null || groupadd --system kvm
    getent group libvirt-qemu >/dev/null || groupadd --system libvirt-qemu
    if ! getent passwd libvirt-qemu >/dev/null; then
        useradd --system --gid kvm --home-dir /var/lib/libvirt --no-create-home \
            --shell /usr/sbin/nologin --comment "Libvirt Qemu" libvirt-qemu
    fi
    getent group libvirt >/dev/null || groupadd --system libvirt
    # Without udev /dev/kvm stays root-only: libvirt then finds KVM "enabled when probing but
    # not available now" on every call, throws its capability cache away and re-probes qemu
    # for ~50 s per domain start. Debian's udev rule gives it to group kvm; do the same.
    # (Guests stay type='qemu' (TCG): nested KVM hangs on these machines.)
    if [[ -c /dev/kvm ]]; then
        chgrp kvm /dev/kvm
        chmod 0660 /dev/kvm
    fi
}

answers() {
    # One cheap RPC, bounded: a stopped (SIGSTOP) daemon must not hang the caller.
    timeout 5 "${VIRSH[@]}" list --all --name >/dev/null 2>&1
}

up() {
    [[ $EUID -eq 0 ]] || die "must run as root"
    command -v libvirtd >/dev/null || die "libvirtd is not installed (apt-get install libvirt-daemon libvirt-daemon-driver-qemu)"
    if pid=$(running_pid); then
        mkdir -p /run/libvirt
        virtlogd_up
        if [[ $(awk '{print $3}' /proc/"$pid"/stat) == T ]]; then
            kill -CONT "$pid"   # a test left it stopped: wake it rather than start a second one
        fi
        answers || die "libvirtd (pid $pid) runs but does not answer; see $LOG_FILE"
        return 0
    fi
    if [[ -S $SOCKET ]] && answers; then
        die "a libvirtd not started by this script already serves $SOCKET; stop it first"
    fi
    ensure_user
    mkdir -p "$STATE_DIR" /var/lib/libvirt /var/cache/libvirt /var/log/libvirt/qemu /run/libvirt
    cat >"$CONF_FILE" <<CONF
# Written by tests/lib/libvirtd.sh
log_outputs = "3:file:$LOG_FILE"
unix_sock_group = "root"
unix_sock_rw_perms = "0770"
# Keepalive from the server side, so a vanished client is noticed quickly.
keepalive_interval = 5
keepalive_count = 5
CONF
    virtlogd_up
    rm -f "$PID_FILE"
    without_inherited_fds libvirtd --daemon --config "$CONF_FILE" --pid-file "$PID_FILE"
    local i
    for i in $(seq 1 100); do
        if running_pid >/dev/null && [[ -S $SOCKET ]] && answers; then
            echo "libvirtd up (pid $(running_pid))"
            return 0
        fi
        sleep 0.1
    done
    die "libvirtd did not come up within 10 s; see $LOG_FILE"
}

down() {
    local pid
    if ! pid=$(running_pid); then
        rm -f "$PID_FILE"
        virtlogd_down
        return 0
    fi
    kill -CONT "$pid" 2>/dev/null || true
    kill -TERM "$pid" 2>/dev/null || true
    local i
    for i in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "libvirtd (pid $pid) ignored TERM for 10 s; killing it" >&2
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$PID_FILE"
    # Guests keep running without libvirtd (it reattaches on the next start); virtlogd holds
    # their console logs, so it goes only when no qemu is left.
    if ! pgrep -x qemu-system-x86 >/dev/null && ! pgrep -f '^/usr/bin/qemu-system' >/dev/null; then
        virtlogd_down
    fi
    echo "libvirtd down"
}

status() {
    local pid
    if pid=$(running_pid); then
        if answers; then
            echo "libvirtd running (pid $pid)"
            return 0
        fi
        echo "libvirtd (pid $pid) does not answer"
        return 1
    fi
    echo "libvirtd not running"
    return 3
}

case "${1:-}" in
up) up ;;
down) down ;;
restart) down; up ;;
status) status ;;
pid) running_pid ;;
*) echo "usage: $0 {up|down|restart|status|pid}" >&2; exit 2 ;;
esac
