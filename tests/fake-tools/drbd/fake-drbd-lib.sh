# Shared by the fake drbdadm/drbdsetup/modprobe/crm_attribute: a two-node DRBD resource kept in
# $DRBD_FAKE_STATE, seen from node $DRBD_FAKE_NODE (default: this host's name). Output replays
# the formats of drbd-utils 9.22 (DRBD 9 kernels) and of drbdsetup-84/drbdadm-84 with the 8.4
# module (see tests/data/drbd/README.md). Bash builtins only on the hot paths, so a call costs
# one exec, like the real tool.
# shellcheck shell=bash

S=${DRBD_FAKE_STATE:-}
if [[ -z $S || ! -d $S ]]; then
    echo "fake drbd: DRBD_FAKE_STATE does not name a state directory (run drbd-fake init)" >&2
    exit 20
fi
ME=${DRBD_FAKE_NODE:-$HOSTNAME}
read -r KERNEL < "$S/kernel"
read -r RES < "$S/resource"
read -r -a NODES < "$S/nodes"
if [[ ${NODES[0]} == "$ME" ]]; then PEER=${NODES[1]}; MY_ID=0; PEER_ID=1
elif [[ ${NODES[1]} == "$ME" ]]; then PEER=${NODES[0]}; MY_ID=1; PEER_ID=0
else PEER=""; MY_ID=-1; PEER_ID=-1
fi

log_call() { printf '%s %s\n' "$ME" "$*" >> "$S/calls"; }

# "<node|*> <tool> <word> <seconds>" lines in $S/hang: that call sleeps first (deadline tests).
maybe_hang() {
    local tool=$1 word=$2 n t w secs
    [[ -f $S/hang ]] || return 0
    while read -r n t w secs; do
        [[ $n == "*" || $n == "$ME" ]] || continue
        [[ $t == "$tool" && ( $w == "$word" || $w == "*" ) ]] || continue
        sleep "$secs"
    done < "$S/hang"
}

# "<node|*> <tool> <word> <rc> <message>" lines in $S/fail: that call fails so.
maybe_fail() {
    local tool=$1 word=$2 n t w rc msg
    [[ -f $S/fail ]] || return 0
    while read -r n t w rc msg; do
        [[ $n == "*" || $n == "$ME" ]] || continue
        [[ $t == "$tool" && ( $w == "$word" || $w == "*" ) ]] || continue
        printf '%s\n' "$msg" >&2
        exit "$rc"
    done < "$S/fail"
}

# --- locking: noclobber creation is atomic; a dead holder's lock is taken over.
lock() {
    local holder tries=0
    until { set -C; printf '%s\n' $$ > "$S/lock"; } 2>/dev/null; do
        set +C
        holder=""
        read -r holder < "$S/lock" 2>/dev/null
        if [[ -n $holder ]] && ! kill -0 "$holder" 2>/dev/null; then rm -f "$S/lock"; continue; fi
        ((tries++ > 3000)) && { echo "fake drbd: state lock held by $holder" >&2; exit 20; }
        sleep 0.01
    done
    set +C
}
unlock() { rm -f "$S/lock"; }

# --- the whole simulated world lives in one file, replaced atomically (tmp + mv) by mutations,
# so a concurrent reader sees either the old or the new state, never a mix.
# Keys: <node>.{up,role,disk,md,net,gen,base,held,pdsk,sb,discard,loaded}, link, conn, genctr, sync.
NODE_KEYS=(up role disk md net gen base held pdsk sb discard loaded)
declare -A W
load_world() {
    local k v
    W=()
    while IFS='=' read -r k v; do [[ -n $k ]] && W[$k]=$v; done < "$S/world"
}
load_all() {
    load_world
    local k
    for k in "${NODE_KEYS[@]}"; do
        printf -v "A_$k" '%s' "${W[$ME.$k]-}"
        [[ -n $PEER ]] && printf -v "B_$k" '%s' "${W[$PEER.$k]-}"
    done
    LINK=${W[link]:-up} CONN=${W[conn]:-0}
}
save_all() {
    local k out="" v
    for k in "${NODE_KEYS[@]}"; do
        v=A_$k; W[$ME.$k]=${!v}
        if [[ -n $PEER ]]; then v=B_$k; W[$PEER.$k]=${!v}; fi
    done
    W[link]=$LINK W[conn]=$CONN
    for k in "${!W[@]}"; do out+="$k=${W[$k]}"$'\n'; done
    printf '%s' "$out" > "$S/world.$$"
    mv -f "$S/world.$$" "$S/world"
}

new_gen() { W[genctr]=$(( ${W[genctr]:-1} + 1 )); REPLY=${W[genctr]}; }

# --- the connection between the two nodes, decided whenever something may have changed.
# Sync state in $S/sync: "<source> <target> <started-epoch> <percent>".
sync_read() { SYNC_SRC="" SYNC_TGT="" SYNC_T0=0 SYNC_PCT=0; [[ -n ${W[sync]-} ]] && read -r SYNC_SRC SYNC_TGT SYNC_T0 SYNC_PCT <<< "${W[sync]}"; }
sync_write() { W[sync]="$*"; }

reconcile() {
    local want=0 rs now pct src tgt
    if [[ -z $PEER ]]; then return; fi
    [[ $A_up == 1 && $B_up == 1 && $A_net == 1 && $B_net == 1 && $LINK == up && $A_loaded == 1 && $B_loaded == 1 ]] && want=1
    if [[ $CONN == 1 && $want == 0 ]]; then
        CONN=0
        # A Primary that loses its peer starts a new data generation (a new current UUID).
        if [[ $A_up == 1 && $A_role == Primary ]]; then new_gen; A_gen=$REPLY; fi
        if [[ $B_up == 1 && $B_role == Primary ]]; then new_gen; B_gen=$REPLY; fi
        sync_write ""
    fi
    if [[ $CONN == 0 && $want == 1 ]]; then handshake; fi
    sync_read
    if [[ $CONN == 1 && -n $SYNC_SRC ]]; then
        rs=${W[resync_seconds]:-0}
        pct=$SYNC_PCT
        if ((rs > 0)); then
            now=${EPOCHSECONDS}
            pct=$(( (now - SYNC_T0) * 100 / rs ))
            ((pct > 100)) && pct=100
            ((pct < SYNC_PCT)) && pct=$SYNC_PCT
        fi
        if ((pct >= 100)); then
            finish_sync
        elif [[ $pct != "$SYNC_PCT" ]]; then
            sync_write "$SYNC_SRC" "$SYNC_TGT" "$SYNC_T0" "$pct"
        fi
    fi
}

behind() { [[ $1 == Inconsistent || $1 == Outdated || $1 == Consistent ]]; }

handshake() {
    local src="" a_changed=0 b_changed=0
    [[ $A_gen != "$A_base" ]] && a_changed=1
    [[ $B_gen != "$B_base" ]] && b_changed=1
    if [[ $A_disk == Diskless || $B_disk == Diskless ]]; then
        src=none
    elif behind "$A_disk" && [[ $B_disk == UpToDate ]]; then src=B
    elif behind "$B_disk" && [[ $A_disk == UpToDate ]]; then src=A
    elif [[ $a_changed == 1 && $b_changed == 1 ]]; then
        if [[ $A_discard == 1 ]]; then src=B
        elif [[ $B_discard == 1 ]]; then src=A
        else
            # Split-brain: both sides wrote while apart. after-sb-*pri disconnect: StandAlone.
            A_net=0 B_net=0 A_sb=1 B_sb=1
            printf '%s split-brain detected, dropping connection\n' "$EPOCHSECONDS" >> "$S/kernel.log"
            return
        fi
    elif [[ $a_changed == 1 ]]; then src=A
    elif [[ $b_changed == 1 ]]; then src=B
    else src=none
    fi
    A_discard=0 B_discard=0 A_sb=0 B_sb=0 A_pdsk="" B_pdsk=""
    if [[ $src == A || $src == B ]]; then
        local tgt=B srcnode=$ME tgtnode=$PEER
        [[ $src == B ]] && { tgt=A; srcnode=$PEER; tgtnode=$ME; }
        local trole=${tgt}_role
        if [[ ${!trole} == Primary ]]; then
            # "I shall become SyncTarget, but I am primary!": DRBD drops the connection.
            A_net=0 B_net=0 A_sb=1 B_sb=1
            printf '%s sync target would be Primary, dropping connection\n' "$EPOCHSECONDS" >> "$S/kernel.log"
            return
        fi
        printf -v "${tgt}_disk" Inconsistent
        printf -v "${tgt}_md" Inconsistent
        sync_write "$srcnode" "$tgtnode" "$EPOCHSECONDS" 0
    else
        [[ $A_disk == Consistent ]] && A_disk=UpToDate
        [[ $B_disk == Consistent ]] && B_disk=UpToDate
        A_base=$A_gen B_base=$B_gen
        if [[ $A_gen != "$B_gen" ]]; then B_gen=$A_gen B_base=$A_gen A_base=$A_gen; fi
    fi
    CONN=1
}

finish_sync() {
    local tp sp
    if [[ $SYNC_TGT == "$ME" ]]; then tp=A sp=B; else tp=B sp=A; fi
    printf -v "${tp}_disk" UpToDate
    printf -v "${tp}_md" UpToDate
    local g=${sp}_gen
    printf -v "${tp}_gen" '%s' "${!g}"
    printf -v "${tp}_base" '%s' "${!g}"
    printf -v "${sp}_base" '%s' "${!g}"
    sync_write ""
}

# --- views of one node (prefix X, peer prefix Y)
conn_state9() {  # X Y -> REPLY: DRBD 9 / events2 connection name
    local x=$1 up=${1}_up net=${1}_net
    if [[ ${!net} != 1 ]]; then REPLY=StandAlone
    elif [[ $CONN == 1 ]]; then REPLY=Connected
    else REPLY=Connecting
    fi
}
repl_state() {  # X -> REPLY: Established / SyncSource / SyncTarget / Off
    local node=$2
    if [[ $CONN != 1 ]]; then REPLY=Off; return; fi
    sync_read
    if [[ $SYNC_SRC == "$node" ]]; then REPLY=SyncSource
    elif [[ $SYNC_TGT == "$node" ]]; then REPLY=SyncTarget
    else REPLY=Established
    fi
}
cs84() {  # X node -> REPLY: 8.4 /proc/drbd cs
    local net=${1}_net
    if [[ ${!net} != 1 ]]; then REPLY=StandAlone; return; fi
    if [[ $CONN != 1 ]]; then REPLY=WFConnection; return; fi
    repl_state "$1" "$2"
    [[ $REPLY == Established ]] && REPLY=Connected
}
peer_view() {  # X Y -> PV_role PV_disk
    local net=${1}_net
    if [[ $CONN == 1 ]]; then
        local r=${2}_role d=${2}_disk
        PV_role=${!r} PV_disk=${!d}
    else
        local p=${1}_pdsk
        PV_role=Unknown PV_disk=${!p:-DUnknown}
    fi
}

read_config_flags() {  # sets CFG_two CFG_fencing CFG_minor CFG_disk CFG_has_host
    CFG_two=no CFG_fencing=dont-care CFG_has_host=0
    local line
    while IFS= read -r line; do
        case $line in
            *'"allow-two-primaries" value="yes"'*) CFG_two=yes ;;
            *'"fencing" value="'*) line=${line#*\"fencing\" value=\"}; CFG_fencing=${line%%\"*} ;;
            *"<host name=\"$ME\">"*) CFG_has_host=1 ;;
        esac
    done < "$S/config.xml"
}

write_proc() {  # regenerate $S/<node>/proc for every node, only where it changed
    local n x y node
    for node in "${NODES[@]}"; do
        if [[ $node == "$ME" ]]; then x=A y=B; else x=B y=A; fi
        local loaded=${x}_loaded
        if [[ ${!loaded} != 1 ]]; then
            [[ -e $S/$node/proc ]] && rm -f "$S/$node/proc"
            continue
        fi
        proc_text "$x" "$y" "$node"
        local old=""
        [[ -f $S/$node/proc ]] && old=$(<"$S/$node/proc")
        if [[ "$old"$'\n' != "$REPLY" ]]; then
            printf '%s' "$REPLY" > "$S/$node/proc.tmp"
            mv -f "$S/$node/proc.tmp" "$S/$node/proc"
        fi
    done
}

proc_text() {  # X Y node -> REPLY
    local x=$1 y=$2 node=$3 out
    if [[ $KERNEL == 9 ]]; then
        out=$'version: 9.2.2 (api:2/proto:86-121)\nGIT-hash: 0ed0a4d8e2f4d4f4e5a8c3d6b1e9f7a2c4b6d8e0 build by buildd@debian, 2023-01-11 10:12:04\nTransports (api:18): tcp (9.2.2)\n'
        REPLY=$out
        return
    fi
    out=$'version: 8.4.11 (api:1/proto:86-101)\nsrcversion: F73C670A7EC572DB9CF3E5B \n'
    local up=${x}_up
    if [[ ${!up} == 1 ]]; then
        local role=${x}_role disk=${x}_disk net=${x}_net proto="C"
        [[ ${!net} != 1 ]] && proto=" "
        cs84 "$x" "$node"; local cs=$REPLY
        peer_view "$x" "$y"
        local v
        for ((v = 0; v < VOLUMES; v++)); do
            out+=$(printf '%2d: cs:%s ro:%s/%s ds:%s/%s %s r-----' "$v" "$cs" "${!role}" "$PV_role" "${!disk}" "$PV_disk" "$proto")$'\n'
            local oos=0
            sync_read
            [[ -n $SYNC_SRC && $CONN == 1 ]] && oos=$(( 262144 * (100 - SYNC_PCT) / 100 ))
            out+="    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:$oos"$'\n'
            if [[ $cs == SyncSource || $cs == SyncTarget ]]; then
                local bar="" i
                for ((i = 0; i < 20; i++)); do if ((i < SYNC_PCT / 5)); then bar+="="; elif ((i == SYNC_PCT / 5)); then bar+=">"; else bar+="."; fi; done
                out+=$(printf '\t[%s] sync'"'"'ed: %3d.%d%% (%d/%d)K' "$bar" "$SYNC_PCT" 0 "$oos" 262144)$'\n'
                out+=$'\tfinish: 0:00:31 speed: 8,448 (8,448) K/sec\n'
            fi
        done
    fi
    REPLY=$out
}

VOLUMES=1
[[ -f $S/volumes ]] && read -r VOLUMES < "$S/volumes"
