#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Guest lab: `iopath target vduse://blk0 --backend malloc:size=64M` inside the guest creates a VDUSE
# virtio-blk device; `vdpa dev add name blk0 mgmtdev vduse` binds it to virtio_vdpa and the Linux
# virtio_blk driver gives /dev/vda: 1 MiB O_DIRECT write + read back (md5), size and read-only
# checks; then `vdpa dev del` and SIGTERM: the daemon must destroy the device (VDUSE_DESTROY_DEV,
# /dev/vduse/blk0 gone) and exit 0. Done with 1 queue (polling) and 2 queues (interrupt mode).
# TIMEOUT=300
set -u
. "$IOPATH_ROOT/tests/interop/lib/guestlab.sh"
"$IOPATH" --list 2>/dev/null | grep -q 'vduse' || gl_skip "vduse not built (linux/vduse.h missing)"
gl_setup
gl_add_bin "$IOPATH" /bin/iopath
gl_run <<'EOF_GUEST' || gl_die "guest script failed"
modprobe vduse && modprobe virtio_vdpa && modprobe virtio_blk || fail "modprobe vduse/virtio_vdpa/virtio_blk"
wait_for /dev/vduse/control || fail "no /dev/vduse/control"
one() { # name iopath-args...
	local name=$1 tgt rc dev
	shift
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
	vdpa dev del "$name" || fail "vdpa dev del"
	kill -TERM $tgt
	wait $tgt
	rc=$?
	cat /tmp/$name.log
	cp /tmp/$name.log /out/
	[ $rc -eq 0 ] || fail "vduse target exited with $rc"
	grep -q "vduse device $name destroyed" /tmp/$name.log || fail "device not destroyed"
	[ ! -e /dev/vduse/$name ] || fail "/dev/vduse/$name still there"
}
one blk0
one blk1 --interrupt --opts queues=2
EOF_GUEST
echo "PASS: VDUSE virtio-blk (iopath) through vdpa/virtio_vdpa, /dev/vda md5 verified, clean teardown"
