#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Guest lab self-test: the cached 6.12 guest boots, has eth0 at 10.0.2.15, loads modules (busybox
# modprobe on the decompressed closure; VDUSE control node), writes files back to the host over 9p, and runs our iopath binary
# (copied in with its libraries, as the VDUSE and NVMe/RDMA tests need) with the same output as on
# the host.
# TIMEOUT=300 (the first guest lab test of a run also downloads the kernel and builds the initramfs)
set -u
. "$IOPATH_ROOT/tests/interop/lib/guestlab.sh"
[ -x "$IOPATH" ] || gl_die "no iopath binary at $IOPATH (make)"
gl_setup
gl_add_bin "$IOPATH" /bin/iopath
gl_env KVER "$GL_KVER"
gl_run <<'EOF_GUEST' || gl_die "guest script failed"
[ "$(uname -r)" = "$KVER" ] || fail "kernel $(uname -r), expected $KVER"
ip addr show eth0 | grep -q 'inet 10.0.2.15/24' || fail "eth0 not configured"
modprobe loop || fail "modprobe loop"
head -c 1048576 /dev/urandom >/tmp/img
wait_for /dev/loop0 && losetup /dev/loop0 /tmp/img || fail "losetup"
cmp /tmp/img /dev/loop0 || fail "loop device content differs"
losetup -d /dev/loop0
# VDUSE (issue 8): the control node and the vdpa tool are there.
modprobe vduse && modprobe virtio_vdpa || fail "modprobe vduse/virtio_vdpa"
wait_for /dev/vduse/control || fail "no /dev/vduse/control"
vdpa mgmtdev show || fail "vdpa tool"
iopath --list >/out/list.txt 2>&1 || { cat /out/list.txt; fail "iopath does not run in the guest"; }
echo "iopath runs in the guest"
EOF_GUEST
"$IOPATH" --list >"$GL_WORK/list.txt" 2>&1
diff -u "$GL_WORK/list.txt" "$GL_OUT/list.txt" || gl_die "iopath --list differs between host and guest"
echo "PASS: guest lab boots, networks, loads modules, returns files, runs iopath"
