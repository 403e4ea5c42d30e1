#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Guest lab: `iopath bench` where the host has an RDMA device (rxe on eth0) and /dev/vduse: the
# nvmf-rdma and vduse cells run (target process started by bench, results written) instead of
# being skipped. Figures under TCG mean nothing; the test checks that the cells produce results.
# TIMEOUT=300
set -u
. "$IOPATH_ROOT/tests/interop/lib/guestlab.sh"
"$IOPATH" --list 2>/dev/null | grep -q 'nvmf-rdma' || gl_skip "nvmf-rdma not built (rdma-core headers missing)"
gl_setup
gl_add_bin "$IOPATH" /bin/iopath
gl_add_ibverbs
cat >"$GL_WORK/m.matrix" <<'M'
[global]
transports = nvmf-rdma, vduse
backend = malloc:size=64M
ramp_time = 100ms
runtime = 700ms

[qd]
rw = randread
bs = 4k
iodepth = 4
M
gl_add_file "$GL_WORK/m.matrix" /m.matrix
gl_run <<'EOF_GUEST' || gl_die "guest script failed"
rxe_up || fail "soft-RoCE set-up"
modprobe vduse && modprobe virtio_vdpa && modprobe virtio_blk || fail "vduse modules"
wait_for /dev/vduse/control || fail "no /dev/vduse/control"
iopath bench --matrix /m.matrix --results /tmp/res --plots /tmp/plots >/tmp/b.out 2>/tmp/b.err
rc=$?
cat /tmp/b.out
[ $rc -eq 0 ] || { cat /tmp/b.err; fail "bench exited $rc"; }
grep -E "skipped: +(nvmf-rdma|vduse)" /tmp/b.out && fail "a transport was skipped"
csv=/tmp/res/latest/summary.csv
[ -s $csv ] || fail "no summary.csv"
cat $csv
ls /tmp/res/latest/
grep -q "^nvmf-rdma-" $csv || grep -q ",nvmf-rdma," $csv || fail "no nvmf-rdma row in summary.csv"
grep -q "^vduse-" $csv || grep -q ",vduse," $csv || fail "no vduse row in summary.csv"
ls /tmp/res/latest/ | grep -q "^nvmf-rdma-.*\.json$" || fail "no nvmf-rdma cell result"
ls /tmp/res/latest/ | grep -q "^vduse-.*\.json$" || fail "no vduse cell result"
grep -q "2 cells ok, 0 failed" /tmp/b.out || fail "not every cell ran"
EOF_GUEST
echo "PASS: bench runs nvmf-rdma and vduse cells where the devices exist"
