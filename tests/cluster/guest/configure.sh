#!/bin/bash
# Runs inside the guest rootfs chroot after guest/rootfs/ was copied over it: turns a
# debootstrapped Debian 12 into a lab cluster node image (same image for both nodes).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive LC_ALL=C

# Debian enables the cluster daemons at install and ships a one-node corosync.conf; Pacemaker
# (via the agents) starts dlm/lvmlockd/drbd, and corosync is configured by pcs later.
for u in corosync pacemaker pcsd pcsd-ruby dlm lvmlockd lvmlocks drbd libvirt-guests \
	corosync-notifyd e2scrub_all.timer e2scrub_reap fstrim.timer apt-daily.timer \
	apt-daily-upgrade.timer man-db.timer; do
	systemctl disable "$u" >/dev/null 2>&1 || true
done
systemctl mask getty@tty1.service >/dev/null
systemctl enable ocfkit-cmdq.service ocfkit-lab-net.service libvirtd-tcp.socket >/dev/null
systemctl set-default multi-user.target >/dev/null
rm -f /etc/corosync/corosync.conf /etc/hostname
passwd -d root >/dev/null

# journald in RAM: less root-disk traffic under emulation; the serial console keeps a log.
mkdir -p /etc/systemd/journald.conf.d
printf '[Journal]\nStorage=volatile\nRuntimeMaxUse=48M\nForwardToConsole=no\n' \
	> /etc/systemd/journald.conf.d/ocfkit-lab.conf

# LVM: shared VGs through lvmlockd; only DRBD devices may hold PVs (the backing disk would
# otherwise show up as a duplicate PV). san: only the multipath maps, never their iSCSI paths
# (sd*), which carry the same PV.
lvmconf=/etc/lvm/lvm.conf
grep -q '^\s*use_lvmlockd = 1' $lvmconf || sed -i '0,/^global {/s//global {\n\tuse_lvmlockd = 1/' $lvmconf
if [ "${OCFKIT_TOPOLOGY:-pair}" = san ]; then
	grep -q 'global_filter = \[ "a|\^/dev/mapper/mpath' $lvmconf ||
		sed -i '0,/^devices {/s//devices {\n\tglobal_filter = [ "a|^\/dev\/mapper\/mpath|", "r|.*|" ]/' $lvmconf
else
	grep -q 'global_filter = \[ "a|\^/dev/drbd' $lvmconf ||
		sed -i '0,/^devices {/s//devices {\n\tglobal_filter = [ "a|^\/dev\/drbd.*|", "r|.*|" ]/' $lvmconf
fi
lvmconfig global/use_lvmlockd devices/global_filter

[ "${OCFKIT_TOPOLOGY:-pair}" = san ] && . /tmp/configure-san.sh

# libvirt: plain TCP between the two nodes over the private link (for live migration), no
# default NAT network, qemu as root (images on GFS2).
sed -i 's/^#\?auth_tcp = .*/auth_tcp = "none"/' /etc/libvirt/libvirtd.conf
grep -q '^auth_tcp = "none"' /etc/libvirt/libvirtd.conf || echo 'auth_tcp = "none"' >> /etc/libvirt/libvirtd.conf
cat >> /etc/libvirt/qemu.conf <<'QEMU'
# ocfkit lab
user = "root"
group = "root"
dynamic_ownership = 0
security_driver = "none"
QEMU
rm -f /etc/libvirt/qemu/networks/autostart/default.xml

# DRBD: no usage reporting from a lab.
sed -i 's/usage-count yes/usage-count no/' /etc/drbd.d/global_common.conf

# Debian 13: dlm-controld's dlm_stonith loads libstonithd.so.26, the name Pacemaker 3.0.0's
# stonith-ng.h still gives, but 3.0.0 ships libstonithd.so.56 (fixed in Pacemaker's 3.0 branch).
# Without the old name dlm_controld never learns that a failed node was fenced, and DLM,
# lvmlockd and GFS2 wait for that forever. Same API (stonith_api_kick, stonith_api_time).
lib=/usr/lib/x86_64-linux-gnu
if [ -e $lib/libstonithd.so.56 ] && [ ! -e $lib/libstonithd.so.26 ]; then
	ln -s libstonithd.so.56 $lib/libstonithd.so.26
	echo "libstonithd.so.26 -> libstonithd.so.56 (dlm_stonith)"
fi

# Small initramfs that only needs to find the virtio root disk.
sed -i 's/^MODULES=.*/MODULES=list/' /etc/initramfs-tools/initramfs.conf
update-initramfs -u -k all >/dev/null
echo "kernel: $(ls /lib/modules)"
