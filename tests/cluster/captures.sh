# Phase "captures": copy the tool output captured during stack/verify/failover into the unit
# test fixtures (tests/data/cluster-captures/[debian13/]<state>/<node>/), with the guest's versions.
captures_phase() {
	local src=$SHARE/captures dst=$CAPTURES_DIR
	[[ -d $src ]] && [[ -n $(ls "$src") ]] || die "nothing captured yet (run stack/verify/failover)"
	mkdir -p "$dst"
	local s
	for s in "$src"/*/; do
		s=$(basename "$s")
		rm -rf "${dst:?}/$s"
		cp -a "$src/$s" "$dst/$s"
		log "captured state $s: $(find "$dst/$s" -type f | wc -l) files"
	done
	grep -E '^(drbd-utils|lvm2|lvm2-lockd|dlm-controld|gfs2-utils|pacemaker|corosync|pcs|libvirt-daemon|open-iscsi|multipath-tools|sbd|targetcli-fb|fence-agents|linux-image-[0-9].*) ' \
		"$CACHE/guest-versions.txt" > "$dst/VERSIONS" || true
	gx node1 'cat /proc/drbd | head -1; uname -r' 30 >> "$dst/VERSIONS" 2>/dev/null || true
}
