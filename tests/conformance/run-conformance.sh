#!/bin/bash
# OCF checklist + ocf-tester for one built agent. Usage: run-conformance.sh AGENT_PATH NAME
set -u
agent=$1
name=$2
here=$(cd "$(dirname "$0")" && pwd)
source_root=$(cd "$here/../.." && pwd)
rad=/usr/share/resource-agents
failures=0
pass() { echo "PASS $name: $*"; }
failed() { echo "FAIL $name: $*"; failures=$((failures + 1)); }

WORK=$(mktemp -d /tmp/ocfkit-conformance-XXXXXX)
chmod 755 "$WORK"
export WORK BUILDDIR=${BUILDDIR:-} SOURCE_ROOT=$source_root
cleanup() {
    [ -x "$here/$name.teardown" ] && "$here/$name.teardown" >/dev/null 2>&1
    rm -rf "$WORK"
}
trap cleanup EXIT

# The agent must be readable and executable by nobody (ocf-tester checks this as well).
agent_copy=$WORK/$name
cp "$agent" "$agent_copy" && chmod 755 "$agent_copy"

# 1. meta-data as nobody with an empty environment
if out=$(cd / && setpriv --reuid=nobody --regid=nogroup --clear-groups env -i "$agent_copy" meta-data 2>"$WORK/md.err"); then
    [ -n "$out" ] && pass "meta-data as nobody, empty environment" || failed "meta-data printed nothing"
else
    failed "meta-data as nobody exited $? ($(tail -1 "$WORK/md.err"))"
fi
env -i "$agent_copy" meta-data > "$WORK/md10.xml"
env -i OCF_RA_VERSION_MAJOR=1 OCF_RA_VERSION_MINOR=1 "$agent_copy" meta-data > "$WORK/md11.xml"
if (cd "$rad" && xmllint --noout --valid - < "$WORK/md10.xml") 2>"$WORK/dtd.err"; then
    pass "meta-data valid against ra-api-1.dtd"
else
    failed "meta-data invalid against ra-api-1.dtd: $(head -3 "$WORK/dtd.err" | tr '\n' ' ')"
fi
if xmllint --noout --relaxng "$rad/metadata.rng" "$WORK/md10.xml" 2>"$WORK/rng.err"; then
    pass "meta-data valid against metadata.rng"
else
    failed "meta-data invalid against metadata.rng: $(head -3 "$WORK/rng.err" | tr '\n' ' ')"
fi
if [ -f /usr/share/pcs/data/ocf-1.1.rng ]; then
    if xmllint --noout --relaxng /usr/share/pcs/data/ocf-1.1.rng "$WORK/md11.xml" 2>"$WORK/rng11.err" &&
        grep -q '<version>1.1</version>' "$WORK/md11.xml"; then
        pass "OCF 1.1 meta-data valid against pcs ocf-1.1.rng"
    else
        failed "OCF 1.1 meta-data invalid: $(head -3 "$WORK/rng11.err" | tr '\n' ' ')"
    fi
fi
if [ -f "$source_root/metadata/$name.xml" ]; then
    if diff -u "$source_root/metadata/$name.xml" "$WORK/md10.xml" > "$WORK/md.diff"; then
        pass "meta-data matches metadata/$name.xml"
    else
        failed "meta-data drifted from metadata/$name.xml (regenerate on purpose): $(head -12 "$WORK/md.diff" | tr '\n' ' ')"
    fi
fi
undocumented=$(xmllint --xpath "//parameter[not(normalize-space(shortdesc)) or not(normalize-space(longdesc))]/@name" "$WORK/md10.xml" 2>/dev/null)
[ -z "$undocumented" ] && pass "every parameter documented" || failed "parameters without descriptions: $undocumented"
# Pacemaker 3.0 removed the Master/Slave role names: the actions name Promoted/Unpromoted.
legacy=$(cat "$WORK/md10.xml" "$WORK/md11.xml" | grep -o -E '(role="(Master|Slave)"|master-(max|node-max))' | sort -u | tr '\n' ' ')
[ -z "$legacy" ] && pass "meta-data without Master/Slave role names" || failed "meta-data uses Pacemaker 2's names: $legacy"
# Nor does Pacemaker 3.0 pass HA_mcp, PCMK_mcp, HA_quorum_type or PCMK_quorum_type: nothing may read them.
gone=$(grep -a -o -E '\b(HA_mcp|PCMK_mcp|HA_quorum_type|PCMK_quorum_type)\b' "$agent_copy" | sort -u | tr '\n' ' ')
[ -z "$gone" ] && pass "reads none of the variables Pacemaker 3.0 no longer sets" || failed "reads $gone, which Pacemaker 3.0 no longer sets"

# Per-agent environment and arguments
ra_args=()
declare -a env_assign=()
if [ -x "$here/$name.setup" ]; then
    if ! setup_out=$("$here/$name.setup"); then
        failed "setup script failed"
        exit 1
    fi
    while IFS= read -r line; do
        case "$line" in
            "-o "*) ra_args+=(-o "${line#-o }") ;;
            export\ *=*) env_assign+=("${line#export }") ;;
            [A-Za-z_]*=*) env_assign+=("$line") ;;
        esac
    done <<< "$setup_out"
fi
if [ -f "$here/$name.args" ]; then
    while IFS= read -r line; do
        line=${line//\$\{WORK\}/$WORK}
        case "$line" in "-o "*) ra_args+=(-o "${line#-o }") ;; esac
    done < "$here/$name.args"
fi
for a in "${env_assign[@]}"; do export "${a?}"; done
reskeys=()
for ((i = 1; i < ${#ra_args[@]}; i += 2)); do
    kv=${ra_args[$i]}
    reskeys+=("OCF_RESKEY_${kv%%=*}=${kv#*=}")
done
export OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=conformance-$name
run_action() {  # action [extra env...]; prints rc
    local action=$1
    shift
    env "${reskeys[@]}" OCF_RESKEY_CRM_meta_timeout=20000 "$@" "$agent_copy" "$action" > "$WORK/out" 2> "$WORK/err"
    echo $?
}

rc=$(run_action frobnicate)
[ "$rc" = 3 ] && pass "unknown action -> 3" || failed "unknown action -> $rc (want 3)"
rc=$(run_action stop)
[ "$rc" = 0 ] && pass "stop of a stopped resource -> 0" || failed "stop of a stopped resource -> $rc: $(tail -1 "$WORK/err")"
rc=$(run_action monitor OCF_RESKEY_CRM_meta_interval=10000)
[ "$rc" = 7 ] && pass "monitor of a stopped resource -> 7" || failed "monitor of a stopped resource -> $rc: $(tail -1 "$WORK/err")"

# A probe with every system tool hidden.
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
    envfile=$WORK/probe.env
    : > "$envfile"
    for kv in "${reskeys[@]}"; do printf '%s\0' "$kv" >> "$envfile"; done
    for a in "${env_assign[@]}"; do printf '%s\0' "$a" >> "$envfile"; done
    printf '%s\0' OCF_RESKEY_CRM_meta_interval=0 OCF_RESKEY_CRM_meta_timeout=20000 \
        "OCF_RESOURCE_INSTANCE=$OCF_RESOURCE_INSTANCE" "OCF_ROOT=$OCF_ROOT" >> "$envfile"
    # Hide the tools inside a private mount namespace, then exec the agent with only its variables.
    unshare --mount --propagation private -- /bin/bash -c '
        mapfile -d "" vars < "$1"
        mount -t tmpfs hidden /usr/sbin || exit 99
        mount -t tmpfs hidden /usr/bin || exit 99
        for v in $(compgen -e); do unset "$v"; done
        for v in "${vars[@]}"; do export "$v"; done
        exec "$2" monitor' probe "$envfile" "$agent_copy" > "$WORK/out" 2> "$WORK/err"
    rc=$?
    case "$rc" in
        7 | 5) pass "probe with system tools hidden -> $rc" ;;
        *) failed "probe with system tools hidden -> $rc (want 7 or 5): $(tail -1 "$WORK/err")" ;;
    esac
fi

# 2. ocf-tester
timeout_s=300
[ -f "$here/$name.timeout" ] && timeout_s=$(cat "$here/$name.timeout")
if timeout "$timeout_s" ocf-tester -n "conformance-$name" "${ra_args[@]}" "$agent_copy" > "$WORK/tester.out" 2>&1; then
    pass "ocf-tester ($(tail -1 "$WORK/tester.out"))"
else
    rc=$?
    [ "$rc" = 124 ] && failed "ocf-tester timed out after ${timeout_s}s" || failed "ocf-tester exited $rc"
    sed 's/^/    /' "$WORK/tester.out"
fi

echo "$name: $failures check(s) failed"
[ "$failures" = 0 ]
