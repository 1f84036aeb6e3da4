#!/bin/bash
# Runs inside a guest: saves real tool output for the current cluster state into
# /host/captures/<state>/<node>/ (one file per command, plus commands.txt with exit codes).
state=$1; shift
what=${*:-drbd dlm lvm crm mount}
out=/host/captures/$state/$(uname -n)
rm -rf "$out"; mkdir -p "$out"
cap() { # cap FILE CMD...
	local f=$1; shift
	timeout 30 "$@" > "$out/$f" 2> "$out/$f.stderr"
	local rc=$?
	[[ -s $out/$f.stderr ]] || rm -f "$out/$f.stderr"
	printf '%s\trc=%s\t%s\n' "$f" "$rc" "$*" >> "$out/commands.txt"
}
for w in $what; do case $w in
drbd)
	cap proc-drbd.txt cat /proc/drbd
	cap drbdsetup-events2-now.txt drbdsetup events2 --now r0
	cap drbdsetup-events2-now-statistics.txt drbdsetup events2 --now --statistics r0
	cap drbdadm-status.txt drbdadm status r0
	cap drbdadm-role.txt drbdadm role r0
	cap drbdadm-cstate.txt drbdadm cstate r0
	cap drbdadm-dstate.txt drbdadm dstate r0
	cap drbdsetup-show.txt drbdsetup show r0
	;;
dlm)
	cap dlm_tool-ls.txt dlm_tool ls
	cap dlm_tool-status.txt dlm_tool status
	cap dlm_tool-lockdebug-lvm_global.txt dlm_tool lockdebug lvm_global
	;;
lvm)
	cap vgs.json vgs --reportformat json --units b -o vg_name,vg_uuid,vg_attr,vg_lock_type,vg_lock_args,vg_size,vg_free,lv_count,pv_count
	cap lvs.json lvs --reportformat json --units b -o lv_name,vg_name,lv_uuid,lv_attr,lv_active,lv_active_locally,lv_active_remotely,lv_active_exclusively,lv_lock_args,lv_size,lv_path,lv_dm_path
	cap pvs.json pvs --reportformat json --units b -o pv_name,vg_name,pv_uuid,pv_attr,pv_size,pv_free
	cap lvmlockctl-info.txt lvmlockctl --info
	;;
crm)
	cap crm_mon.xml crm_mon -1 --output-as=xml --inactive
	;;
san)
	cap iscsiadm-session.txt iscsiadm -m session
	cap iscsiadm-session-P1.txt iscsiadm -m session -P 1
	cap multipath-ll.txt multipath -ll
	cap multipathd-show-paths.txt multipathd show paths
	cap sbd-dump.txt sbd -d /dev/mapper/mpathsbd dump
	cap sbd-list.txt sbd -d /dev/mapper/mpathsbd list
	cap lvm-global-filter.txt lvmconfig devices/global_filter
	;;
gfs2)
	cap gfs2_edit-jindex.txt gfs2_edit -p jindex /dev/vgsan/gfs2lv
	cap tunegfs2-l.txt tunegfs2 -l /dev/vgsan/gfs2lv
	;;
mount)
	cap mountinfo.txt grep -E ' - (gfs2|gfs2meta) ' /proc/self/mountinfo
	cap gfs2-dlm-lockspaces.txt ls /sys/kernel/dlm
	;;
esac; done
echo "captured $state on $(uname -n): $(ls "$out" | wc -l) files"
