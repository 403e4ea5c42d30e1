#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Guest lab /init: mounts the basics, brings up lo and eth0 (10.0.2.15/24), mounts the host's /out
# (9p), runs /test.sh, prints "GUESTLAB-RESULT rc=N" on the console and powers off.
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /dev/shm
modprobe configfs && mount -t configfs configfs /sys/kernel/config
ip link set lo up
if modprobe virtio_net && [ -e /sys/class/net/eth0 ]; then
	ip link set eth0 up
	ip addr add 10.0.2.15/24 dev eth0
	ip route add default via 10.0.2.2
fi
modprobe 9pnet_virtio && modprobe 9p &&
	mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 out /out
cd /
echo "GUESTLAB-BOOTED $(cut -d' ' -f1 /proc/uptime)s"
# Watchdog: shortly before the host's time limit, show where a stuck script hangs.
wd=$(sed -n 's/.*guestlab.watchdog=\([0-9]*\).*/\1/p' /proc/cmdline)
if [ -n "$wd" ]; then
	(sleep "$wd"; echo "GUESTLAB-WATCHDOG: /test.sh still running after ${wd}s; tasks and blocked tasks:"
	 ps | grep -v " \\[" ; echo w >/proc/sysrq-trigger; dmesg | tail -n 80) &
	wdpid=$!
fi
sh /test.sh </dev/null
rc=$?
[ -n "$wd" ] && kill "$wdpid" 2>/dev/null
echo "GUESTLAB-END $(cut -d" " -f1 /proc/uptime)s"
sync
echo "GUESTLAB-RESULT rc=$rc"
umount /out 2>/dev/null
poweroff -f
