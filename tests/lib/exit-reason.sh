# Sourced by the agents' shell test harnesses.
# full_reason TEXT: the whole exit reason in an agent's stderr TEXT. The ocf-exit-reason line is
# fitted to the 128 bytes Pacemaker keeps; a shortened one (ending " [...]") is completed from the
# dispatcher's log line before it ("ERROR: start failed: <reason> (OCF_...)").
full_reason() {
    local line kept log
    line=$(printf '%s\n' "$1" | sed -n 's/^ocf-exit-reason://p' | tail -1)
    if [[ $line != *' [...]' ]]; then printf '%s' "$line"; return; fi
    kept=${line% \[...\]}
    log=$(printf '%s\n' "$1" | grep -v '^ocf-exit-reason:' | grep -F -- "$kept" | grep ' (OCF_[A-Z_]*)$' | tail -1)
    if [ -z "$log" ]; then printf '%s' "$line"; return; fi
    log=${log#*"$kept"}
    printf '%s%s' "$kept" "${log% (OCF_*}"
}
