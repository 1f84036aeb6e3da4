#!/bin/sh
# Regenerates host-*.json: real lvm2 JSON reports from this host, where the kernel has no
# device-mapper. A loop device becomes a PV of a throwaway VG; LVs are created without
# activation (activation needs device-mapper). lvm runs with its own LVM_SYSTEM_DIR so neither
# /etc/lvm nor other users of lvm on this machine are touched. Run as root.
set -eu

dir=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/ocfkit-parse-lvm.XXXXXX)
dev= vg=ocfkit_parse_vg
export LVM_SYSTEM_DIR="$work/etc" LVM_SUPPRESS_FD_WARNINGS=1
cleanup() {
    if [ -n "$dev" ]; then
        lvm vgremove -f -y "$vg" >/dev/null 2>&1 || true
        lvm pvremove -y "$dev" >/dev/null 2>&1 || true
        losetup -d "$dev" || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

truncate -s 64M "$work/pv.img"
dev=$(losetup -f --show "$work/pv.img")
mkdir -p "$work/etc/archive" "$work/etc/backup" "$work/etc/cache"
cat > "$work/etc/lvm.conf" <<EOF
devices {
    filter = [ "a|^$dev\$|", "r|.*|" ]
    use_devicesfile = 0
    obtain_device_list_from_udev = 0
}
global { use_lvmlockd = 0 }
activation { udev_sync = 0 udev_rules = 0 }
backup { backup = 0 archive = 0 }
EOF

# run NAME CMD...: stdout to host-NAME.json (or .out), stderr and rc to the log.
run() {
    name=$1; shift
    rc=0
    "$@" > "$work/out" 2> "$work/err" || rc=$?
    ext=json; case "$name" in *-text) ext=out ;; esac  # not a report: not parsed by the tests
    cp "$work/out" "$dir/host-$name.$ext"
    printf '%s\t%s\trc=%s\tstderr=%s\n' "host-$name.$ext" "$*" "$rc" "$(tr '\n' ' ' < "$work/err")" >> "$work/log"
}

lvm pvcreate -q "$dev" >/dev/null 2>&1
lvm vgcreate -q "$vg" "$dev" >/dev/null 2>&1
# Without device-mapper the LV cannot be activated or zeroed (--driverloaded n: metadata only);
# lvs then shows the state as unknown (lv_attr "-wi-XX----").
lvm vgchange -q --addtag site_a --addtag "tag.two" "$vg" >/dev/null 2>&1
lvm lvcreate -q --driverloaded n -an -Zn -L 8m -n lv_one "$vg" >/dev/null 2>&1
lvm lvcreate -q --driverloaded n -an -Zn -L 12m -n lv_two --addtag t1 --addtag t2 "$vg" >/dev/null 2>&1

run version-text lvm version
run pvs lvm pvs --reportformat json
run vgs lvm vgs --reportformat json
run lvs lvm lvs --reportformat json
run vgs-fields lvm vgs --reportformat json -o vg_name,vg_attr,vg_lock_type,vg_lock_args,vg_shared,vg_systemid,vg_tags
run lvs-fields lvm lvs --reportformat json -o lv_name,vg_name,lv_attr,lv_active,lv_active_locally,lv_active_exclusively,lv_size,lv_tags
run lvs-units lvm lvs --reportformat json --units b --nosuffix -o lv_name,lv_size,seg_count
run fullreport lvm fullreport --reportformat json
run vgs-with-log lvm vgs --reportformat json --config "log { report_command_log = 1 }"
run vgs-missing lvm vgs --reportformat json no_such_vg

sed "s|$dev|LOOPDEV|g" "$work/log" > "$dir/capture-host.log"
cat "$dir/capture-host.log"
