#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Description: LUN hotplug on a running vhost-user-scsi controller seen by a real Linux guest (guest
# lab: QEMU vhost-user-scsi-pci, guest virtio_scsi + sd): LUN 1 added through PATH.ctl appears as a
# new disk (transport-reset RESCAN event), takes md5-verified I/O, and disappears when removed
# (REMOVED event) while LUN 0 keeps working.
# TIMEOUT=300 (the first guest lab test of a run also downloads the kernel and builds the initramfs)
set -u
. "$IOPATH_ROOT/tests/interop/lib/guestlab.sh"
command -v socat >/dev/null || gl_die "socat missing (mk/packages.txt)"
gl_setup

SOCK=$GL_WORK/vscsi.sock
gl_bg_start "$GL_WORK/target.log" '^ready ' 15 "$IOPATH" target "vhost-user-scsi://$SOCK" \
	--backend malloc:size=32M || gl_die "iopath target did not start"
TGT=$GL_BG_PID
ctl() { echo "$1" | socat -t 5 - "UNIX-CONNECT:$SOCK.ctl"; }

GL_SHARED_MEM=1
gl_qemu_args -chardev "socket,id=vu0,path=$SOCK" -device "vhost-user-scsi-pci,chardev=vu0"
gl_start <<'EOF_GUEST'
for m in virtio_scsi sd_mod; do modprobe $m || fail "modprobe $m"; done
wait_for /dev/sda 20 || { ls /sys/block; fail "no /dev/sda"; }
[ -e /dev/sdb ] && fail "/dev/sdb exists before the hot add"
echo HOTPLUG-READY
gl_wait_go 120 || fail "no go from the host (add)"
rm -f /out/go
wait_for /dev/sdb 30 || { ls /sys/block; fail "hot-added LUN did not appear"; }
echo "/dev/sdb: $(cat /sys/class/block/sdb/size) sectors"
[ "$(cat /sys/class/block/sdb/size)" = 32768 ] || fail "hot-added LUN has the wrong size"
write_verify /dev/sdb 1048576 || fail "data read back differs on the hot-added LUN"
echo HOTPLUG-ADDED-OK
gl_wait_go 120 || fail "no go from the host (remove)"
i=0
while [ -e /sys/block/sdb ]; do
	i=$((i + 1)); [ $i -le 300 ] || fail "removed LUN still present"
	sleep 0.1
done
echo HOTPLUG-REMOVED-OK
write_verify /dev/sda 1048576 || fail "LUN 0 broken after the hotplug"
EOF_GUEST
gl_wait_log HOTPLUG-READY 200 || { gl_finish; gl_die "guest not ready"; }
[ "$(ctl 'add 1 malloc:size=16M')" = ok ] || gl_die "hot add refused"
gl_go
gl_wait_log 'HOTPLUG-ADDED-OK|fail' 90
[ "$(ctl 'remove 1')" = ok ] || gl_die "hot remove refused"
gl_go
gl_finish || { cat "$GL_WORK/target.log"; gl_die "guest script failed"; }
grep -q HOTPLUG-REMOVED-OK "$GL_LOG" || gl_die "no removal seen by the guest"
cat "$GL_WORK/target.log"
kill -0 "$TGT" 2>/dev/null || gl_die "iopath target died during the test"
gl_bg_stop "$TGT" || gl_die "iopath target exited with an error on SIGTERM"
echo "PASS: Linux guest saw LUN 1 hot-added (I/O verified) and hot-removed on iopath's vhost-user-scsi"
