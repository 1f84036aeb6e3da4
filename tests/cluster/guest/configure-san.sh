# Sourced by configure.sh (in the image chroot) for the san topology: what the storage VM and
# the nodes need whatever their LUN's identity; the stack phase does the rest (san.sh).

# dm-multipath: every SCSI disk (the iSCSI paths) gets a map, the virtio disks none; paths are
# polled every 2 s, and with none left I/O queues 10 s (no_path_retry 5) and then fails, so a
# node that lost both links fails its resources instead of hanging on GFS2 forever.
cat > /etc/multipath.conf <<'MP'
defaults {
	user_friendly_names yes
	find_multipaths no
	polling_interval 2
	no_path_retry 5
}
blacklist {
	devnode "^vd[a-z]"
}
MP
mkdir -p /etc/multipath/conf.d

# open-iscsi: give a dead path to dm-multipath within seconds (the default waits 120 s),
# and log in to the discovered portals at boot.
iscsid=/etc/iscsi/iscsid.conf
sed -i 's/^node.session.timeo.replacement_timeout = .*/node.session.timeo.replacement_timeout = 5/;
	s/^node.conn\[0\].timeo.noop_out_interval = .*/node.conn[0].timeo.noop_out_interval = 2/;
	s/^node.conn\[0\].timeo.noop_out_timeout = .*/node.conn[0].timeo.noop_out_timeout = 5/;
	s/^node.startup = .*/node.startup = automatic/' $iscsid
grep -E '^node\.(session\.timeo\.replacement_timeout|conn\[0\]\.timeo\.noop_out_(interval|timeout)|startup) ' $iscsid

# sbd starts with corosync (its unit is RequiredBy corosync): only once its LUN is there after
# a boot (iSCSI login, multipath map), else corosync would not start and the node not rejoin.
mkdir -p /etc/systemd/system/sbd.service.d
cat > /etc/systemd/system/sbd.service.d/ocfkit-san.conf <<'UNIT'
[Unit]
Wants=open-iscsi.service multipathd.service
After=open-iscsi.service multipathd.service
[Service]
ExecStartPre=/bin/sh -c 'for i in $(seq 180); do [ -b /dev/mapper/mpathsbd ] && exit 0; sleep 1; done; echo "no /dev/mapper/mpathsbd after 180 s"; exit 1'
TimeoutStartSec=300
UNIT
# The emulated watchdog sbd feeds (qemu -device i6300esb).
echo i6300esb > /etc/modules-load.d/ocfkit-san.conf
# The stack phase enables what each VM runs (target on the storage VM, sbd on the nodes).
for u in sbd rtslib-fb-targetctl; do systemctl disable "$u" >/dev/null 2>&1 || true; done

# A clean shutdown stops Pacemaker (the guest moves away, GFS2 is unmounted, the VG stopped)
# before the iSCSI sessions log out and the maps go: units stop in the reverse of this order.
for u in pacemaker corosync; do
	mkdir -p /etc/systemd/system/$u.service.d
	printf '[Unit]\nAfter=open-iscsi.service iscsid.service multipathd.service\n' \
		> /etc/systemd/system/$u.service.d/ocfkit-san.conf
done
