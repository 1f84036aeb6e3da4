# The san topology (OCFKIT_CLUSTER_TOPOLOGY=san), sourced by lib.sh after the pair's
# definitions: three cluster nodes and a storage VM that serves one data LUN and one sbd LUN
# with LIO on two portals, each on its own link, as a SAN array with two controller ports.
#
#   link      segment             storage (san)   node1..3
#   cluster   230.77.0.1:47810    -               eth0 10.77.0.N   corosync, live migration
#   iscsi-a   230.77.1.1:47811    eth0 10.78.1.10 eth1 10.78.1.N   portal A
#   iscsi-b   230.77.2.1:47812    eth1 10.78.2.10 eth2 10.78.2.N   portal B
#
# Each link is a qemu multicast socket on the host's loopback: a shared segment every VM on it
# hears (point-to-point UDP links, as the pair uses, cannot join three nodes). A node's link is
# cut with the monitor's set_link. Every node has an i6300esb watchdog that resets it (qemu's
# -action watchdog=reset) when sbd stops feeding it: that is the fencing, no host helper.

NODES=(node1 node2 node3)
STORAGE=san
VMS=("$STORAGE" "${NODES[@]}")
declare -A NODE_ADDR=([node1]=10.77.0.1 [node2]=10.77.0.2 [node3]=10.77.0.3)
declare -A ISCSI_A=([san]=10.78.1.10 [node1]=10.78.1.1 [node2]=10.78.1.2 [node3]=10.78.1.3)
declare -A ISCSI_B=([san]=10.78.2.10 [node1]=10.78.2.1 [node2]=10.78.2.2 [node3]=10.78.2.3)
declare -A VM_INDEX=([san]=10 [node1]=1 [node2]=2 [node3]=3)
declare -A LINK_GROUP=([cluster]=230.77.0.1:47810 [iscsi-a]=230.77.1.1:47811 [iscsi-b]=230.77.2.1:47812)
declare -A LINK_MAC_BYTE=([cluster]=00 [iscsi-a]=01 [iscsi-b]=02)
# Nodes as small as the pair's (each runs the nested guest); the storage VM only runs LIO.
STORAGE_MEM=${OCFKIT_CLUSTER_SAN_MEM:-320}
SAN_DATA_MB=512
SAN_SBD_MB=16
SAN_IQN=iqn.2026-12.test.ocfkit:san

vm_mem() { if [[ $1 == "$STORAGE" ]]; then echo "$STORAGE_MEM"; else echo "$VM_MEM"; fi; }

# san_nic VM LINK: the netdev and NIC of VM on LINK (its id is the link's name).
san_nic() {
	printf -- '-netdev socket,id=%s,mcast=%s,localaddr=127.0.0.1 ' "$2" "${LINK_GROUP[$2]}"
	printf -- '-device virtio-net-pci,netdev=%s,mac=52:54:00:78:%s:%02x ' "$2" "${LINK_MAC_BYTE[$2]}" "${VM_INDEX[$1]}"
}

vm_devices() {
	local n=$1
	if [[ $n == "$STORAGE" ]]; then
		# After the root disk (if=virtio keeps the command line's order): vdb data, vdc sbd.
		echo "-drive file=$RUN/san-data.img,if=virtio,format=raw,cache=writeback" \
			"-drive file=$RUN/san-sbd.img,if=virtio,format=raw,cache=writeback" \
			"$(san_nic "$n" iscsi-a)" "$(san_nic "$n" iscsi-b)"
	else
		echo "$(san_nic "$n" cluster)" "$(san_nic "$n" iscsi-a)" "$(san_nic "$n" iscsi-b)" \
			"-device i6300esb -action watchdog=reset"
	fi
}

# Kernel command line: ocfkit.addr (eth0), ocfkit.addr1 (eth1), ocfkit.addr2 (eth2). No IPv6:
# a multicast segment echoes each frame to its sender, which IPv6 duplicate address detection
# takes for another host.
vm_addrs() {
	local n=$1
	if [[ $n == "$STORAGE" ]]; then
		echo "ocfkit.addr=${ISCSI_A[$n]}/24 ocfkit.addr1=${ISCSI_B[$n]}/24 ipv6.disable=1"
	else
		echo "ocfkit.addr=${NODE_ADDR[$n]}/24 ocfkit.addr1=${ISCSI_A[$n]}/24 ocfkit.addr2=${ISCSI_B[$n]}/24 ipv6.disable=1"
	fi
}

vm_disks() {
	truncate -s "${SAN_DATA_MB}M" "$RUN/san-data.img"
	truncate -s "${SAN_SBD_MB}M" "$RUN/san-sbd.img"
}

# Every node reaches the other nodes on the cluster link and the storage VM on both portals.
links_check() {
	local n m rc=0
	for n in "${NODES[@]}"; do
		local probe="" want=()
		for m in "${NODES[@]}"; do [[ $m == "$n" ]] || want+=("${NODE_ADDR[$m]}"); done
		want+=("${ISCSI_A[san]}" "${ISCSI_B[san]}")
		for m in "${want[@]}"; do probe+="timeout 5 bash -c '</dev/tcp/$m/9' 2>/dev/null; "; done
		probe+="ip -4 neigh show | grep -v FAILED"
		local out; out=$(gx "$n" "$probe" 60)
		for m in "${want[@]}"; do
			grep -q "^$m .*lladdr" <<< "$out" || { log "$n does not reach $m"; rc=1; }
		done
	done
	(( rc == 0 )) && log "links: every node reaches the other nodes and both portals"
	return $rc
}

# The storage VM is up and its target restored at boot (rtslib-fb-targetctl, enabled by stack).
storage_ready() {
	vm_ready "$STORAGE" && gx "$STORAGE" "test -e /sys/kernel/config/target/iscsi/$SAN_IQN/tpgt_1/enable" 30 >/dev/null
}
