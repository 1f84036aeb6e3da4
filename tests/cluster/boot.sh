# Phases "boot" (fresh disks), "up" (existing disks) and "teardown". Sourced by run.sh.

fenced_running() { [[ -s $RUN/fenced.pid ]] && kill -0 "$(cat "$RUN/fenced.pid")" 2>/dev/null; }
fenced_start() {
	# san: sbd and each node's watchdog fence; there is no host-side fence helper.
	[[ $TOPOLOGY == pair ]] || return 0
	fenced_running && return 0
	setsid bash "$CLUSTER_DIR/fenced.sh" >> "$RUN/fenced.log" 2>&1 < /dev/null &
	echo $! > "$RUN/fenced.pid"
	log "host fencing loop started (pid $!)"
}
fenced_stop() {
	fenced_running || return 0
	kill "$(cat "$RUN/fenced.pid")"
	rm -f "$RUN/fenced.pid"
}

# vms_start_and_wait [storage-first]: storage-first (san, existing disks): the storage VM serves
# its target before the nodes boot, since their boot-time iSCSI login gives up after a few tries.
vms_start_and_wait() {
	fenced_start
	local n
	if [[ ${1:-} == storage-first && -n ${STORAGE:-} ]]; then
		vm_start "$STORAGE"
		wait_for 600 2 "$STORAGE serves its iSCSI target" storage_ready ||
			{ tail -30 "$RUN/$STORAGE.console.log" >&2; die "$STORAGE does not serve its target"; }
	fi
	for n in "${VMS[@]}"; do vm_start "$n"; done
	for n in "${VMS[@]}"; do
		wait_for 600 1 "$n command queue ready" vm_ready "$n" ||
			{ tail -30 "$RUN/$n.console.log" >&2; die "$n did not boot"; }
	done
	for n in "${VMS[@]}"; do
		gx "$n" 'echo "$(uname -n) $(uname -r) $(ip -br -4 addr | grep -v ^lo | tr -s " " | paste -sd" ")"' 60 ||
			die "$n unreachable"
	done
}

boot_phase() {
	[[ -s $CACHE/base.img ]] || die "no base image: run the image phase first"
	local n
	for n in "${VMS[@]}"; do vm_stop "$n"; done
	fenced_stop
	rm -rf "$RUN"
	mkdir -p "$SHARE"/{fence,agents,captures,work}
	for n in "${VMS[@]}"; do
		mkdir -p "$SHARE/q/$n"
		qemu-img create -q -f qcow2 -F raw -b "$CACHE/base.img" "$RUN/$n-root.qcow2"
	done
	vm_disks
	vms_start_and_wait
	links_check
}

up_phase() {
	[[ -s $RUN/node1-root.qcow2 ]] || die "no VM disks: run the boot phase first"
	vms_start_and_wait storage-first
}

teardown_phase() {
	local n
	for n in "${VMS[@]}"; do
		if vm_running "$n"; then log "stopping $n"; vm_stop "$n"; fi
	done
	fenced_stop
	log "VMs stopped; disks kept in $RUN (boot recreates them, up reuses them)"
}
