#!/bin/sh
# Regenerates simulated-*.xml: real `crm_mon -1 --output-as=xml` (Pacemaker 2.1.5) rendering
# cluster states that crm_simulate computed from a CIB file, for the shapes a single-node
# sandbox cannot show: three nodes, a group, a promotable clone with Promoted and Unpromoted
# instances, a globally-unique clone ("uq:0"), failures (rc 7, rc 9), standby / maintenance /
# offline / unclean nodes, no quorum, no DC, maintenance-mode, unmanaged and disabled
# resources. Nothing runs: crm_mon and crm_simulate read files (CIB_file), no daemon is used.
set -eu

dir=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/ocfkit-parse-cib.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
unset CIB_shadow || true

mon() {  # mon CIBFILE OUTNAME
    CIB_file="$1" crm_mon -1 --output-as=xml > "$dir/$2"
}
cib() {  # cib CIBFILE COMMAND...
    f=$1; shift
    CIB_file="$work/$f" "$@" >/dev/null
}

cibadmin --empty > base.xml
cib base.xml crm_attribute -t crm_config -n stonith-enabled -v false
for i in 1 2 3; do cib base.xml cibadmin -C -o nodes -X "<node id=\"$i\" uname=\"node$i\"/>"; done
pcs -f base.xml resource create solo ocf:pacemaker:Dummy op monitor interval=10s
pcs -f base.xml resource create ga ocf:pacemaker:Dummy --group grp
pcs -f base.xml resource create gb ocf:pacemaker:Dummy --group grp
pcs -f base.xml resource create st ocf:pacemaker:Stateful promotable promoted-max=1 clone-max=3
pcs -f base.xml resource create uq ocf:pacemaker:Dummy clone globally-unique=true clone-max=2

# Configuration only, no node has reported: no DC, nodes offline.
mon base.xml simulated-no-dc.xml

cib base.xml cibadmin --modify --xml-text '<cib have-quorum="1" dc-uuid="2"/>'
crm_simulate -x base.xml -u node1 -u node2 -u node3 -S -O probed.xml >/dev/null
for n in 1 2 3; do cib probed.xml crm_attribute -N "node$n" -n master-st -l reboot -v $((n * 5)); done
crm_simulate -x probed.xml -S -O started.xml >/dev/null
crm_simulate -x started.xml -S -O steady.xml >/dev/null
mon steady.xml simulated-three-node-steady.xml

# Injected monitor failures: solo not running (7) on node1, st failed while promoted (9) on node3.
crm_simulate -x steady.xml -i solo_monitor_10000@node1=7 -i st_monitor_10000@node3=9 -O failed.xml >/dev/null
mon failed.xml simulated-failures-injected.xml
crm_simulate -x failed.xml -S -O recovered.xml >/dev/null
mon recovered.xml simulated-failures-recovered.xml

# node1 standby, node2 in maintenance, node3 down; grp unmanaged, uq-clone disabled.
cp steady.xml nodes.xml
cib nodes.xml crm_attribute -N node1 -n standby -v on
cib nodes.xml crm_attribute -N node2 -n maintenance -v true
cib nodes.xml crm_resource -r uq-clone --meta -p target-role -v Stopped
cib nodes.xml crm_resource -r grp --meta -p is-managed -v false
crm_simulate -x nodes.xml -d node3 -S -O nodes-after.xml >/dev/null
mon nodes-after.xml simulated-node-states.xml

# Fencing enabled, node3 failed and not yet fenced (unclean), quorum lost, maintenance-mode.
cp steady.xml unclean.xml
cib unclean.xml crm_attribute -t crm_config -n stonith-enabled -v true
cib unclean.xml crm_attribute -t crm_config -n maintenance-mode -v true
cib unclean.xml cibadmin --modify --xml-text '<cib have-quorum="0"/>'
crm_simulate -x unclean.xml -f node3 -O unclean-after.xml >/dev/null
mon unclean-after.xml simulated-unclean-no-quorum.xml

ls -l "$dir"/simulated-*.xml
