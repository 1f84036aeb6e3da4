# Phase "image": Debian 12 or 13 guest rootfs with the topology's packages (debootstrap, cached),
# kernel + initramfs, base image. Sourced by run.sh.

image_phase() {
	local pkgs pkghash guesthash
	local lists=("$GUEST_PACKAGES")
	[[ -n $GUEST_PACKAGES_EXTRA ]] && lists+=("$GUEST_PACKAGES_EXTRA")
	pkgs=$(cat "${lists[@]}" | grep -v '^#' | grep . | paste -sd,)
	if [[ -n $GUEST_PACKAGES_EXTRA ]]; then
		pkghash=$(cat "${lists[@]}" | sha256sum | cut -c1-16)
	else
		pkghash=$(sha256sum "$GUEST_PACKAGES" | cut -c1-16)  # as before: the pair's caches stay valid
	fi
	guesthash=$( (echo "$pkghash"; cd "$CLUSTER_DIR/guest" && find . -type f | sort | xargs sha256sum) |
		sha256sum | cut -c1-16)
	mkdir -p "$CACHE"
	# A current base image needs no rootfs (its stamp covers the package list): a cache seeded
	# with another cache's base.img, base.stamp, vmlinuz and initrd.img skips debootstrap.
	if [[ $(cat "$CACHE/base.stamp" 2>/dev/null) == "$guesthash" && -s $CACHE/base.img ]]; then
		log "cached base image $CACHE/base.img ($guesthash)"
		return 0
	fi

	if [[ $(cat "$CACHE/debootstrap/.ocfkit-stamp" 2>/dev/null) != "$pkghash" ]]; then
		log "debootstrap $SUITE (package list $pkghash); takes a few minutes"
		rm -rf "$CACHE/debootstrap.tmp" "$CACHE/debootstrap"
		nice -n 5 debootstrap --variant=minbase --include="$pkgs" "$SUITE" \
			"$CACHE/debootstrap.tmp" http://deb.debian.org/debian > "$CACHE/debootstrap.log" 2>&1 ||
			{ tail -20 "$CACHE/debootstrap.log" >&2; die "debootstrap failed (log: $CACHE/debootstrap.log)"; }
		echo "$pkghash" > "$CACHE/debootstrap.tmp/.ocfkit-stamp"
		mv "$CACHE/debootstrap.tmp" "$CACHE/debootstrap"
	else
		log "cached debootstrap rootfs $CACHE/debootstrap (package list $pkghash)"
	fi

	log "configuring rootfs copy"
	rm -rf "$CACHE/rootfs"
	cp -a "$CACHE/debootstrap" "$CACHE/rootfs"
	cp -a "$CLUSTER_DIR/guest/rootfs/." "$CACHE/rootfs/"
	cp "$CLUSTER_DIR"/guest/configure*.sh "$CACHE/rootfs/tmp/"
	mount -t proc proc "$CACHE/rootfs/proc"
	local rc=0
	chroot "$CACHE/rootfs" /usr/bin/env OCFKIT_TOPOLOGY="$TOPOLOGY" /bin/bash /tmp/configure.sh || rc=$?
	umount "$CACHE/rootfs/proc"
	(( rc == 0 )) || die "guest configure.sh failed"
	rm -f "$CACHE"/rootfs/tmp/configure*.sh
	cp -L "$CACHE/rootfs/vmlinuz" "$CACHE/vmlinuz"
	cp -L "$CACHE/rootfs/initrd.img" "$CACHE/initrd.img"
	# Package versions, for the capture README.
	chroot "$CACHE/rootfs" dpkg-query -W -f '${Package} ${Version}\n' > "$CACHE/guest-versions.txt"
	log "mkfs.ext4 base image"
	rm -f "$CACHE/base.img"
	# Small root journal: a hard-reset node replays it quickly under emulation.
	mkfs.ext4 -q -F -L root -m 0 -J size=16 -d "$CACHE/rootfs" "$CACHE/base.img" 4G ||
		die "mkfs.ext4 -d failed"
	echo "$guesthash" > "$CACHE/base.stamp"
	rm -rf "$CACHE/rootfs"
	ls -la "$CACHE/vmlinuz" "$CACHE/initrd.img" "$CACHE/base.img" >&2
}
