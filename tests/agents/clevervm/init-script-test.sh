#!/bin/bash
# shellcheck disable=SC2015  # ok() never fails, so A && ok || bad is if-then-else
# The init script's LSB dispatch (no root, no cluster): every action reaches the program with its
# arguments and the program's exit code; reload is 3 (unimplemented), an unknown or missing
# action 2 with the usage, a missing program 5 (4 for status). A stand-in program records its
# arguments: what it does with them is tested against the real program elsewhere.
#   init-script-test.sh BUILT_INIT_SCRIPT
set -u
INIT=${1:?usage: init-script-test.sh BUILT_INIT_SCRIPT}
WORK=$(mktemp -d /tmp/ocfkit-cvm-init-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }
bad() { failed=$((failed + 1)); echo "not ok - $*"; }

prog=$(sed -n 's/^CLEVERVM=//p' "$INIT")
[[ $prog == /*/clevervm ]] && ok "the script runs $prog" || bad "no CLEVERVM=/.../clevervm line: '$prog'"

# The script with the program replaced by a recorder that exits with $FAKE_RC.
cat >"$WORK/clevervm" <<'SH'
#!/bin/sh
printf '%s\n' "$*" >"$FAKE_LOG"
exit "${FAKE_RC:-0}"
SH
chmod +x "$WORK/clevervm"
sed "s|^CLEVERVM=.*|CLEVERVM=$WORK/clevervm|" "$INIT" >"$WORK/init"
sed "s|^CLEVERVM=.*|CLEVERVM=$WORK/missing/clevervm|" "$INIT" >"$WORK/init-missing"
export FAKE_LOG=$WORK/log

run() {  # SCRIPT ARGS...: sets RC, ERR, GOT (the program's arguments, "-" when not run)
    local script=$1
    shift
    rm -f "$FAKE_LOG"
    ERR=$(sh "$WORK/$script" "$@" 2>&1 >/dev/null)
    RC=$?
    GOT=$(cat "$FAKE_LOG" 2>/dev/null || echo -)
}

for action in start stop restart force-reload try-restart condrestart status forcestart forcestop cleanup migrate unmigrate; do
    run init "$action"
    [[ $RC == 0 && $GOT == "$action" ]] && ok "$action reaches the program" || bad "$action -> rc $RC, program got '$GOT'"
done
# Arguments and exit codes pass through unchanged.
run init status --json
[[ $GOT == "status --json" ]] && ok "status --json passes its argument" || bad "status --json -> '$GOT'"
run init cleanup --no-wait web db
[[ $GOT == "cleanup --no-wait web db" ]] && ok "cleanup passes its resources" || bad "cleanup -> '$GOT'"
# Called by sysvinit's rc at boot or shutdown: the program hears it (Pacemaker's guests are left to
# Pacemaker then); an operator's call, without rc's variables, does not.
PREVLEVEL=N RUNLEVEL=2 run init start
[[ $GOT == "start --from-init" ]] && ok "rc at boot: start --from-init" || bad "rc at boot -> '$GOT'"
PREVLEVEL=2 RUNLEVEL=0 run init stop
[[ $GOT == "stop --from-init" ]] && ok "rc at halt: stop --from-init" || bad "rc at halt -> '$GOT'"
PREVLEVEL=2 RUNLEVEL=6 run init stop
[[ $GOT == "stop --from-init" ]] && ok "rc at reboot: stop --from-init" || bad "rc at reboot -> '$GOT'"
PREVLEVEL=2 RUNLEVEL=3 run init start
[[ $GOT == "start" ]] && ok "rc changing runlevel later: a plain start" || bad "rc 2->3 -> '$GOT'"
PREVLEVEL=N RUNLEVEL=2 run init stop
[[ $GOT == "stop" ]] && ok "stop during boot is an operator's" || bad "stop at boot -> '$GOT'"
for rc in 1 3 4 6 7; do
    FAKE_RC=$rc run init status
    [[ $RC == "$rc" ]] && ok "the program's exit code $rc is the script's" || bad "program rc $rc -> script rc $RC"
done
# What the script answers itself.
run init reload
[[ $RC == 3 && $GOT == - && $ERR == *"not implemented"* ]] && ok "reload -> 3 (unimplemented), program not run" || bad "reload -> rc $RC, '$GOT', $ERR"
run init frobnicate
[[ $RC == 2 && $GOT == - && $ERR == "Usage: /etc/init.d/clevervm {start|stop|"* ]] && ok "unknown action -> 2 with the usage" || bad "frobnicate -> rc $RC: $ERR"
run init
[[ $RC == 2 && $ERR == Usage:* ]] && ok "no action -> 2 with the usage" || bad "no action -> rc $RC"
run init help
[[ $RC == 0 && $ERR == Usage:* ]] && ok "help -> usage, 0" || bad "help -> rc $RC"
run init-missing start
[[ $RC == 5 && $ERR == *"is not installed"* ]] && ok "start without the program -> 5" || bad "start without the program -> rc $RC"
run init-missing status
[[ $RC == 4 ]] && ok "status without the program -> 4 (unknown)" || bad "status without the program -> rc $RC"
run init-missing reload
[[ $RC == 3 ]] && ok "reload without the program -> 3" || bad "reload without the program -> rc $RC"
# Debian runs init scripts with dash; LSB says /bin/sh.
if command -v dash >/dev/null; then
    dash -n "$INIT" && ok "dash parses the script" || bad "dash syntax error"
    rm -f "$FAKE_LOG"
    dash "$WORK/init" migrate --no-wait >/dev/null 2>&1
    [[ $(cat "$FAKE_LOG" 2>/dev/null) == "migrate --no-wait" ]] && ok "dash runs the dispatch" || bad "dash: program got '$(cat "$FAKE_LOG" 2>/dev/null)'"
fi
if command -v checkbashisms >/dev/null; then
    checkbashisms "$INIT" && ok "checkbashisms: clean" || bad "checkbashisms complains"
fi
echo "$passed passed, $failed failed"
((failed == 0))
