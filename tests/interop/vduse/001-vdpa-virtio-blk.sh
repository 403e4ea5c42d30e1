#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Guest lab: `iopath target vduse://blk0 --backend malloc:size=64M` inside the guest creates a VDUSE
# virtio-blk device; `vdpa dev add name blk0 mgmtdev vduse` binds it to virtio_vdpa and the Linux
# virtio_blk driver gives /dev/vda: 1 MiB O_DIRECT write + read back (md5), size and read-only
# checks; then `vdpa dev del` and SIGTERM: the daemon must destroy the device (VDUSE_DESTROY_DEV,
# /dev/vduse/blk0 gone) and exit 0. Done with 1 queue (polling) and 2 queues (interrupt mode, left
# attached: the daemon detaches it itself at SIGTERM). Then `iopath run vduse://blk2` (the
# initiator binds the device and drives /dev/vdX) with verified write and read passes.
# TIMEOUT=300
set -u
. "$IOPATH_ROOT/tests/interop/lib/guestlab.sh"
"$IOPATH" --list 2>/dev/null | grep -q 'vduse' || gl_skip "vduse not built (linux/vduse.h missing)"
gl_setup
gl_add_bin "$IOPATH" /bin/iopath
gl_run <<'EOF_GUEST' || gl_die "guest script failed"
modprobe vduse && modprobe virtio_vdpa && modprobe virtio_blk || fail "modprobe vduse/virtio_vdpa/virtio_blk"
wait_for /dev/vduse/control || fail "no /dev/vduse/control"
one() { # name del|self iopath-args...
	local name=$1 how=$2 tgt rc dev
	shift 2
	iopath target "vduse://$name" --backend malloc:size=64M "$@" >/tmp/$name.log 2>&1 &
	tgt=$!
	i=0
	until grep -q "^ready" /tmp/$name.log; do
		i=$((i + 1)); [ $i -lt 100 ] && kill -0 $tgt 2>/dev/null || { cat /tmp/$name.log; fail "vduse target did not start"; }
		sleep 0.1
	done
	[ -c /dev/vduse/$name ] || fail "/dev/vduse/$name missing"
	vdpa dev add name "$name" mgmtdev vduse || { cat /tmp/$name.log; fail "vdpa dev add"; }
	vdpa dev show "$name"
	wait_for /sys/bus/vdpa/devices/$name/driver 10 || fail "vdpa device not bound"
	echo "bound to: $(basename "$(readlink /sys/bus/vdpa/devices/$name/driver)")"
	dev=
	for i in $(seq 100); do
		for b in /sys/bus/vdpa/devices/$name/virtio*/block/*; do
			[ -e "$b" ] && dev=/dev/${b##*/} && break 2
		done
		sleep 0.1
	done
	[ -n "$dev" ] && wait_for "$dev" 10 || { cat /tmp/$name.log; ls /sys/bus/vdpa/devices/$name/ /sys/bus/vdpa/devices/$name/virtio*; fail "no block device on the vdpa device"; }
	echo "$name -> $dev, $(cat /sys/block/${dev#/dev/}/size) sectors, mq: $(ls /sys/block/${dev#/dev/}/mq | tr '\n' ' ')"
	[ "$(cat /sys/block/${dev#/dev/}/size)" = 131072 ] || fail "$dev size is not 64 MiB"
	write_verify "$dev" 1048576 || { cat /tmp/$name.log; fail "data mismatch through VDUSE"; }
	if [ "$how" = del ]; then
		vdpa dev del "$name" || fail "vdpa dev del"
	fi
	kill -TERM $tgt
	wait $tgt
	rc=$?
	cat /tmp/$name.log
	cp /tmp/$name.log /out/
	[ $rc -eq 0 ] || fail "vduse target exited with $rc"
	grep -q "vduse device $name destroyed" /tmp/$name.log || fail "device not destroyed"
	[ ! -e /dev/vduse/$name ] || fail "/dev/vduse/$name still there"
}
one blk0 del
# still attached at SIGTERM: the daemon detaches itself (vdpa dev del), serving meanwhile
one blk1 self --interrupt --opts queues=2
grep -q "detaching from the vDPA bus" /tmp/blk1.log || fail "blk1 was not detached by the daemon"
# the vduse:// initiator: binds the device itself and runs the engine on its /dev/vdX
iopath target vduse://blk2 --backend malloc:size=64M --interrupt >/tmp/blk2.log 2>&1 &
tgt=$!
i=0
until grep -q "^ready" /tmp/blk2.log; do
	i=$((i + 1)); [ $i -lt 100 ] && kill -0 $tgt 2>/dev/null || { cat /tmp/blk2.log; fail "vduse target blk2 did not start"; }
	sleep 0.1
done
for rw in write read; do
	iopath run vduse://blk2 --rw $rw --bs 64k --size 2M --iodepth 4 --verify 1 >/tmp/run.$rw 2>&1
	rc=$?
	cat /tmp/run.$rw
	[ $rc -eq 0 ] && grep -q " errors=0 verify_errors=0" /tmp/run.$rw || fail "iopath run vduse://blk2 ($rw)"
done
[ ! -e /sys/bus/vdpa/devices/blk2 ] || fail "the initiator left blk2 attached"
kill -TERM $tgt
wait $tgt || fail "blk2 target exit status"
cat /tmp/blk2.log
grep -q "vduse device blk2 destroyed" /tmp/blk2.log || fail "blk2 not destroyed"
EOF_GUEST
echo "PASS: VDUSE virtio-blk (iopath) through vdpa/virtio_vdpa, /dev/vda md5 verified, clean teardown"
