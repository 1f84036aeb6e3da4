# Shared by scenarios.sh and demo.sh (sourced): crm_mon XML queries with bounded waits, loop
# filesystems and TCG guests that are always accounted for.
# shellcheck shell=bash disable=SC2034

SANDBOX_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SOURCE_ROOT=$(cd "$SANDBOX_DIR/../.." && pwd)
CLUSTER_SH=$SANDBOX_DIR/cluster.sh
LIBVIRTD_SH=$SOURCE_ROOT/tests/lib/libvirtd.sh
SANDBOX_LOG=${OCFKIT_SANDBOX_LOG:-/var/log/ocfkit-sandbox}
VIRSH=(virsh --quiet --connect qemu:///system)
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

# Current crm_mon XML in $CRM_XML; 1 when crm_mon fails.
crm_xml() {
    CRM_XML=$(crm_mon -1 --output-as=xml 2>/dev/null)
}

# Evaluates an XPath expression on $CRM_XML and prints its string value.
xq() {
    xmllint --xpath "$1" - 2>/dev/null <<<"$CRM_XML" || true
}

# wait_xpath SECONDS EXPR: polls crm_mon until the XPath boolean EXPR is true.
wait_xpath() {
    local limit=$1 expr=$2 t0=$SECONDS
    while :; do
        if crm_xml && [[ $(xq "boolean($expr)") == true ]]; then
            return 0
        fi
        ((SECONDS - t0 < limit)) || { echo "  timed out after ${limit}s waiting for $expr" >&2; return 1; }
        sleep 1
    done
}

# XPath for "resource R is started and healthy on this node".
started_xpath() {
    echo "/pacemaker-result/resources//resource[@id='$1'][@role='Started'][@active='true'][@failed='false']/node[@name='$(uname -n)']"
}

stopped_xpath() {
    echo "/pacemaker-result/resources//resource[@id='$1'][@active='false'][@role='Stopped']"
}

# Attaches a fresh ext4 image file to a loop device; prints the device.
make_loop_ext4() {
    local image=$1 size_mb=${2:-64} dev
    mkdir -p "$(dirname "$image")"
    rm -f "$image"
    truncate -s "${size_mb}M" "$image"
    mkfs.ext4 -q -F -L ocfkit-sbx "$image"
    dev=$(losetup --find --show "$image")
    echo "$dev"
}

# Detaches every loop device backed by the image file (by file, so a device attached just before
# a crash is found too).
release_loops_of() {
    local image=$1 dev t0=$SECONDS
    [[ -n $image ]] || return 0
    for dev in $(losetup -n -O NAME -j "$image" 2>/dev/null); do
        losetup -d "$dev" 2>/dev/null || true
    done
    while [[ -n $(losetup -n -O NAME -j "$image" 2>/dev/null) ]] && ((SECONDS - t0 < 10)); do sleep 0.2; done
}

unmount_all_at() {
    local dir=$1 n=0
    while findmnt -rn --mountpoint "$dir" >/dev/null 2>&1 && ((n < 10)); do
        umount "$dir" 2>/dev/null || umount -l "$dir" 2>/dev/null || true
        n=$((n + 1))
    done
}

GUEST_IMAGES_SH=$SOURCE_ROOT/tests/agents/virtdomain/guest-images.sh

# write_guest_xml NAME FILE [CONSOLE_LOG]: a diskless TCG guest. With the virtdomain tests' tiny
# Linux guest (Debian's kernel + a busybox initramfs that ticks on the serial console and powers
# off on the ACPI button) when tests/agents/virtdomain/guest-images.sh can provide it; otherwise a
# firmware-only guest (SeaBIOS finds no boot device and keeps retrying; it ignores ACPI
# shutdown). Prints "linux" or "firmware".
write_guest_xml() {
    local name=$1 file=$2 console=${3:-} images="" os="" devices=""
    mkdir -p "$(dirname "$file")"
    if [[ -f $GUEST_IMAGES_SH ]]; then
        images=$(timeout 600 bash "$GUEST_IMAGES_SH" 2>/dev/null </dev/null 8>&-) || images=""
    fi
    if [[ -n $images && -s $images/vmlinuz && -s $images/initrd.gz ]]; then
        os="<kernel>$images/vmlinuz</kernel>
    <initrd>$images/initrd.gz</initrd>
    <cmdline>console=ttyS0 panic=-1 quiet</cmdline>"
    fi
    if [[ -n $console ]]; then
        mkdir -p "$(dirname "$console")"
        rm -f "$console"
        devices="<serial type='file'><source path='$console'/><target port='0'/></serial>"
    fi
    cat >"$file" <<EOF
<domain type='qemu'>
  <name>$name</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    $os
  </os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    $devices
    <memballoon model='none'/>
  </devices>
</domain>
EOF
    if [[ -n $os ]]; then echo linux; else echo firmware; fi
}

domain_state() {
    timeout 10 "${VIRSH[@]}" domstate "$1" 2>/dev/null | head -n1 || true
}

# The qemu process libvirt started for domain $1 (from libvirt's pid file), if it runs.
qemu_pid() {
    local f=/run/libvirt/qemu/$1.pid pid
    [[ -s $f ]] || return 0
    pid=$(<"$f")
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == qemu-system-x86* ]] && echo "$pid"
    return 0
}

# Destroys and undefines domain $1 through libvirt; kills its recorded qemu if libvirt cannot.
remove_domain() {
    local name=$1 pid
    pid=$(qemu_pid "$name")
    if timeout 5 "${VIRSH[@]}" version >/dev/null 2>&1; then
        timeout 30 "${VIRSH[@]}" destroy "$name" >/dev/null 2>&1 || true
        timeout 30 "${VIRSH[@]}" undefine "$name" >/dev/null 2>&1 || true
    fi
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null || true
    fi
}

# An agent is usable when the build made it and it is installed where Pacemaker looks.
agent_installed() {
    local provider=$1 agent=$2
    [[ -x /usr/lib/ocf/resource.d/$provider/$agent ]]
}
