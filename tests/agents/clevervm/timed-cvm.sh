# Sourced by the clevervm shell tests: runs clevervm with the test's config and times it.
# Needs CVM, WORK, ok() and bad(); CVM_TIMEOUT (seconds) caps a run that would hang.
# shellcheck shell=bash

# cvm ARGS...: sets RC, OUT, ERR and SECS (wall time).
cvm() {
    local t0 t1
    t0=$(date +%s.%N)
    OUT=$(timeout "${CVM_TIMEOUT:-60}" "$CVM" --config "$WORK/clevervm.conf" "$@" 2>"$WORK/err")
    RC=$?
    t1=$(date +%s.%N)
    ERR=$(cat "$WORK/err")
    SECS=$(python3 -c "print(f'{$t1 - $t0:.2f}')")
}

# expect RC MAX-SECONDS WHAT
expect() {
    if [[ $RC == "$1" ]] && python3 -c "import sys; sys.exit(0 if $SECS < $2 else 1)"; then
        ok "$3 -> rc $RC in ${SECS}s"
    else
        bad "$3 -> rc $RC in ${SECS}s (want rc $1 within $2 s); stderr: $(tail -n3 <<<"$ERR")"
    fi
}
