#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Guest lab: QEMU's vhost-user-blk-pci (guest virtio-blk driver) against
# `iopath target vhost-user-blk:///SOCK` on the host. The guest writes 1 MiB of random data with
# O_DIRECT, reads it back and compares md5, then the same from two CPUs at once (two queues); the
# host then checks the target's backing file holds the same bytes (uring backend when built).
# GUESTLAB_RECORD=1 keeps the target's --trace of the session (when it writes one) in
# conformance/traces/qemu_iopath-vhost-user-blk.jsonl.
# TIMEOUT=300 (the first guest lab test of a run also downloads the kernel and builds the initramfs)
set -u
. "$IOPATH_ROOT/tests/interop/lib/guestlab.sh"
gl_setup

SOCK=$GL_WORK/vblk.sock
DISK=$GL_WORK/disk.img
truncate -s 64M "$DISK"
backend=malloc:size=64M
"$IOPATH" --list 2>/dev/null | grep -qw uring && backend=uring:path=$DISK
gl_bg_start "$GL_WORK/target.log" '^ready ' 15 "$IOPATH" target "vhost-user-blk://$SOCK" \
	--backend "$backend" --trace "$GL_WORK/session.jsonl" || gl_die "iopath target did not start"
TGT=$GL_BG_PID

# vhost-user: the back end maps guest RAM, so it must live in shared memory (memfd).
GL_SHARED_MEM=1
gl_qemu_args -chardev "socket,id=vu0,path=$SOCK" -device "vhost-user-blk-pci,chardev=vu0,num-queues=2"
gl_env GDEV /dev/vda
gl_env GDRV "virtio_blk"
gl_run <<'EOF_GUEST' || { cat "$GL_WORK/target.log"; gl_die "guest script failed"; }
for m in $GDRV; do modprobe $m || fail "modprobe $m"; done
wait_for $GDEV 20 || { ls /sys/block; fail "no $GDEV"; }
echo "$GDEV: $(cat /sys/class/block/${GDEV#/dev/}/size) sectors"
nq=$(ls /sys/block/vda/mq | wc -l)
[ "$nq" -eq 2 ] || fail "virtio-blk has $nq queues, expected 2"
write_verify $GDEV 1048576 || fail "data read back differs"
write_verify_2cpu $GDEV 1048576 || fail "data read back differs (two CPUs at once)"
cat /tmp/wv2.in0 /tmp/wv2.in1 >/out/data
# Each virtqueue has its own MSI-X vector: both must have seen completions.
for q in 0 1; do
	n=$(awk -v q="-req.$q" 'index($NF, q) { for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i }
		END { print s + 0 }' /proc/interrupts)
	echo "virtqueue $q: $n interrupts"
	[ "$n" -gt 0 ] || { grep virtio /proc/interrupts; fail "no completion on virtqueue $q"; }
done
EOF_GUEST
echo "guest OK; target log:"
cat "$GL_WORK/target.log"
kill -0 "$TGT" 2>/dev/null || gl_die "iopath target died during the test"
gl_bg_stop "$TGT" || gl_die "iopath target exited with an error on SIGTERM"
if [ "${backend%%:*}" = uring ]; then
	cmp "$GL_OUT/data" <(head -c 1048576 "$DISK") ||
		gl_die "the target's backing file does not hold what the guest wrote"
	echo "backing file holds the guest's data"
fi
# The target records the vhost-user session when it supports --trace; keep QEMU's side of it.
if [ -n "${GUESTLAB_RECORD:-}" ] && [ -s "$GL_WORK/session.jsonl" ]; then
	cp "$GL_WORK/session.jsonl" "$IOPATH_ROOT/conformance/traces/qemu_iopath-vhost-user-blk.jsonl"
	echo "recorded into conformance/traces/"
fi
echo "PASS: QEMU vhost-user-blk-pci -> iopath target, md5 verified"
