#!/bin/bash
# Regenerates lvmconfig-<conf>.txt/.rc from conf/<conf>/lvm.conf with the real lvmconfig of this
# host (the keys the clvm agent asks for, in one call, as it does), plus one section dump.
set -u
cd "$(dirname "$0")"
keys="global/use_lvmlockd global/locking_type global/fallback_to_local_locking global/use_lvmetad devices/write_cache_state devices/filter devices/global_filter devices/use_devicesfile"
export LVM_SUPPRESS_FD_WARNINGS=1
for d in conf/*/; do
    name=$(basename "$d")
    LVM_SYSTEM_DIR=$PWD/$d lvmconfig --type full $keys > "lvmconfig-$name.txt" 2> /dev/null
    echo $? > "lvmconfig-$name.rc"
done
LVM_SYSTEM_DIR=$PWD/conf/lvmlockd-good lvmconfig --type full devices > lvmconfig-section-devices.txt 2> /dev/null
echo $? > lvmconfig-section-devices.rc
lvmconfig --version | head -1 > lvmconfig-version.txt
