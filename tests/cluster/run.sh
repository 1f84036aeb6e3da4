#!/bin/bash
# Two-node qemu cluster tier: real DRBD dual-primary, DLM, lvmlockd, GFS2, a libvirt guest on
# GFS2 and real fencing, configured with pcs over the ocfkit agents.
#
#   tests/cluster/run.sh [phase...]      (as root; default: image boot stack verify clevervm
#                                         failover captures teardown)
#
# Phases: image  debootstrap + kernel + base image (cached in /var/cache/ocfkit-cluster)
#         boot   fresh overlays + DRBD disks, start both VMs and the host fencing loop
#         up     start the VMs again on their existing disks
#         stack  this build's .debs installed in both guests, corosync/pacemaker via pcs, the
#                resource stack
#         verify GFS2 on both, cross-node I/O, DRBD Primary/Primary, guest live migration
#         clevervm  tests/agents/clevervm/cluster-tier.sh: status, cleanup, migrate, unmigrate
#         failover  qemu killed -> fenced -> survivor keeps GFS2 -> rejoin; link cut
#         adopt     (stack on the stock agents) ocfkit adopt plan, apply, revert with the guest
#                   running; adopt-apply / adopt-revert do one half each
#         faults    the fault table's rows (OCFKIT_CLUSTER_FAULTS=3,9,...) on the running stack;
#                   faults.sh runs them on the stock stack and, after adopt-apply, on ocfkit's
#         heartbeat the real heartbeat v1 daemon (crm off, haresources over ocfkit's wrappers)
#                   instead of Pacemaker: handover and failover; on fresh VMs:
#                   run.sh image boot heartbeat teardown (tests/cluster/heartbeat.sh)
#         captures  copy captured tool output into tests/data/cluster-captures/
#         teardown  stop the VMs (through their monitor) and the fencing loop
# Host packages: host-packages.txt (the missing ones are installed with apt-get first;
#   OCFKIT_CLUSTER_HOST_DEPS=0 skips that).
# OCFKIT_CLUSTER_TOPOLOGY=san: three nodes on one iSCSI LUN instead (san-topology.sh, san.sh);
#   default phases there: image boot stack verify journals san-faults captures teardown.
# Environment: OCFKIT_BUILD_DIR (meson build for the fallback when the .debs do not build, and
#   for clevervm when its package is not installed; default /work/build-cluster),
#   OCFKIT_CLUSTER_RELEASE=12|13 (guests from Debian 12, default, or Debian 13; own cache each),
#   OCFKIT_CLUSTER_CACHE, OCFKIT_CLUSTER_KEEP=1 (leave VMs running on failure),
#   OCFKIT_CLUSTER_STACK=stock|ocfkit (stack on the stock agents although ours are installed;
#   default ocfkit), OCFKIT_CLUSTER_DEBS=DIR (.debs build-debs.sh made earlier: no rebuild).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
for f in image boot stack verify clevervm failover adopt faults-phase heartbeat captures; do
	[[ -e $here/$f.sh ]] && source "$here/$f.sh"
done

# The san topology's phases replace the pair's where they differ (san.sh).
if [[ $TOPOLOGY == san ]]; then source "$here/san.sh"; fi

[[ $(id -u) == 0 ]] || die "run as root (debootstrap, chroot, qemu)"
if (( $# == 0 )); then
	if [[ $TOPOLOGY == san ]]; then set -- image boot stack verify journals san-faults captures teardown
	else set -- image boot stack verify clevervm failover captures teardown; fi
fi
for p in "$@"; do declare -F "${p}_phase" >/dev/null || die "unknown phase $p"; done
[[ ${OCFKIT_CLUSTER_HOST_DEPS:-1} == 0 ]] || host_deps || die "host packages missing (host-packages.txt)"

rc=0
for p in "$@"; do
	if ! run_phase "$p" "${p}_phase"; then rc=1; break; fi
done
print_times
if (( rc )) && [[ ${OCFKIT_CLUSTER_KEEP:-0} != 1 && " $* " == *" teardown "* ]]; then
	run_phase teardown teardown_phase
fi
exit $rc
