#!/bin/sh
# /init of the tiny Linux test guest (busybox-static in an initramfs, Debian's kernel).
# - Prints "tick <boot_id> <n>" on the serial console every second: after a save/restore the
#   same boot_id continues with the next n, which proves the RAM state survived.
# - Powers off on the ACPI power button (what virDomainShutdown with mode acpi sends), unless
#   the kernel command line says ocfkit.acpi=ignore.
# - "ocfkit.agent" on the serial port is not emulated: there is no guest agent here.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
insmod /lib/modules/evdev.ko
insmod /lib/modules/button.ko

boot_id=$(cat /proc/sys/kernel/random/boot_id)
echo "ocfkit-guest up boot_id=$boot_id" >/dev/ttyS0

power_button_event() {
    for d in /sys/class/input/input*; do
        [ "$(cat "$d/name" 2>/dev/null)" = "Power Button" ] || continue
        for e in "$d"/event*; do
            [ -e "$e" ] && echo "/dev/input/${e##*/}" && return 0
        done
    done
    return 1
}

if ! grep -q 'ocfkit.acpi=ignore' /proc/cmdline; then
    (
        dev=
        while [ -z "$dev" ]; do dev=$(power_button_event) || sleep 0.2; done
        echo "ocfkit-guest watching $dev for the power button" >/dev/ttyS0
        # One input_event is 24 bytes on x86_64; any event from this device is a press.
        if ! dd if="$dev" of=/dev/null bs=24 count=1 2>/dev/null; then
            echo "ocfkit-guest cannot read $dev; ACPI is ignored" >/dev/ttyS0
            exit 0
        fi
        echo "ocfkit-guest power button: powering off" >/dev/ttyS0
        poweroff -f
    ) &
fi

n=0
while :; do
    echo "tick $boot_id $n" >/dev/ttyS0
    n=$((n + 1))
    sleep 1
done
