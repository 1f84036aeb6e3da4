#!/bin/bash
# Host side of lab fencing: performs the power requests the guests' fence_ocfkit_lab drops
# into the 9p share, on the target VM's qemu (monitor system_reset/quit, or boot it again).
source "$(dirname "$0")/lib.sh"
PHASE=fenced
dir=$SHARE/fence
mkdir -p "$dir"
declare -A fenced_at=()   # node -> ns timestamp of the last reset/off we did
shopt -s nullglob

ack() { printf 'rc=%s\nmsg=%s\n' "$2" "$3" > "$dir/.$1.ack.tmp"; mv "$dir/.$1.ack.tmp" "$dir/$1.ack"; }

while :; do
	touch "$dir/alive"
	for req in "$dir"/*.req; do
		id=$(basename "$req" .req)
		action=$(sed -n 's/^action=//p' "$req"); target=$(sed -n 's/^target=//p' "$req")
		from=$(sed -n 's/^from=//p' "$req")
		rm -f "$req"
		reqtime=${id%%-*}
		if [[ -z ${NODE_PEER[$target]:-} ]]; then
			ack "$id" 1 "unknown target $target"; continue
		fi
		# A node that was itself reset after asking can no longer have its request carried out
		# (what a real power switch sees from a dead node): refuse, so a fence race has one winner.
		if [[ $action != status && -n ${fenced_at[$from]:-} ]] && (( fenced_at[$from] > reqtime )); then
			log "refused $action $target from $from: $from was fenced after asking"
			echo "$(date +%s) refused $action $target $from" >> "$RUN/fence-events"
			ack "$id" 1 "requester $from was fenced after asking"; continue
		fi
		# The target was already power-cycled after this request was made (the fencer and DRBD's
		# fence-peer handler often ask for the same node within seconds): that satisfies it.
		# Same idea as stonith_admin --tolerance: a power cycle less than 10 s ago also counts
		# (otherwise the second of two near-simultaneous requests resets a node that is booting).
		if [[ $action == reboot || $action == off ]] && [[ -n ${fenced_at[$target]:-} ]] &&
			(( fenced_at[$target] > reqtime || $(date +%s%N) - fenced_at[$target] < 10000000000 )); then
			log "$action $target from $from: already done after the request was made"
			ack "$id" 0 "$target was already power-cycled after the request"; continue
		fi
		case $action in
		status)
			if vm_running "$target"; then ack "$id" 0 "on"; else ack "$id" 2 "off"; fi
			continue ;;
		off)
			vm_stop "$target"; fenced_at[$target]=$(date +%s%N) ;;
		on)
			( vm_start "$target" ) || { ack "$id" 1 "could not start $target"; continue; } ;;
		reboot)
			if vm_running "$target"; then
				rm -f "$SHARE/q/$target/ready"   # so "back" means booted again
				hmp "$target" system_reset >/dev/null
			else
				( vm_start "$target" ) || { ack "$id" 1 "could not start $target"; continue; }
			fi
			fenced_at[$target]=$(date +%s%N) ;;
		*)
			ack "$id" 1 "unsupported action $action"; continue ;;
		esac
		log "did $action $target (asked by $from)"
		echo "$(date +%s) $action $target $from" >> "$RUN/fence-events"
		ack "$id" 0 "$action $target done"
	done
	sleep 0.5
done
