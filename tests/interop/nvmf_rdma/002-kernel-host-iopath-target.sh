#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Guest lab: the Linux nvme-rdma host against `iopath target nvmf-rdma://10.0.2.15:4420/NQN` running
# inside the guest on soft-RoCE (rdma_rxe on eth0): discover, connect, 1 MiB O_DIRECT write + read
# back (md5), in-capsule and keyed-SGL writes, SEND WITH INVALIDATE for every response, capsules
# through the shared receive queue; then the target must stop cleanly on SIGTERM. Again with
# srq=0 (a receive queue per connection; polling mode).
# TIMEOUT=300
set -u
. "$IOPATH_ROOT/tests/interop/lib/guestlab.sh"
"$IOPATH" --list 2>/dev/null | grep -q 'nvmf-rdma' || gl_skip "nvmf-rdma not built (rdma-core headers missing)"
gl_setup
gl_add_bin "$IOPATH" /bin/iopath
gl_add_ibverbs
gl_run <<'EOF_GUEST' || gl_die "guest script failed"
NQN=nqn.2026-11.io.iopath:guestlab-rdma
rxe_up || fail "soft-RoCE set-up"
iopath target "nvmf-rdma://10.0.2.15:4420/$NQN" --backend malloc:size=64M --interrupt \
	>/tmp/tgt.log 2>&1 &
TGT=$!
i=0
until grep -q listening /tmp/tgt.log; do
	i=$((i + 1)); [ $i -lt 100 ] && kill -0 $TGT 2>/dev/null || { cat /tmp/tgt.log; fail "target did not start"; }
	sleep 0.1
done
cat /tmp/tgt.log
modprobe nvme-rdma || fail "modprobe nvme-rdma"
nvme discover -t rdma -a 10.0.2.15 -s 4420 >/tmp/disc.txt || { cat /tmp/tgt.log; fail "nvme discover over RDMA"; }
cat /tmp/disc.txt
grep -q "subnqn: *$NQN" /tmp/disc.txt || fail "discovery log lacks $NQN"
grep -q "trtype: *rdma" /tmp/disc.txt || fail "discovery log entry is not rdma"
nvme connect -t rdma -a 10.0.2.15 -s 4420 -n "$NQN" || { cat /tmp/tgt.log; fail "nvme connect -t rdma"; }
dev=$(nvme_dev_for "$NQN") || fail "no namespace block device"
nvme list
write_verify "$dev" 1048576 || { cat /tmp/tgt.log; fail "data mismatch over NVMe/RDMA"; }
# Small writes travel in the capsule (IOCCSZ 8 KiB): 4 KiB blocks at an offset, then read back.
head -c 16384 /dev/urandom >/tmp/small.in
dd if=/tmp/small.in of="$dev" bs=4096 seek=300 oflag=direct conv=fsync 2>/dev/null || fail "4k writes"
dd if="$dev" of=/tmp/small.out bs=4096 skip=300 count=4 iflag=direct 2>/dev/null || fail "4k reads"
cmp /tmp/small.in /tmp/small.out || fail "4k in-capsule data mismatch"
echo "4k in-capsule writes verified"
nvme disconnect -n "$NQN" >/dev/null || fail "nvme disconnect"
kill -TERM $TGT
wait $TGT
rc=$?
cat /tmp/tgt.log
cp /tmp/tgt.log /out/target.log
[ $rc -eq 0 ] || fail "target exited with $rc"
# Every path was taken: in-capsule writes, RDMA READ (keyed writes), RDMA WRITE (reads) and
# SEND WITH INVALIDATE (Linux asks for remote invalidation of its fast-registration keys); the
# capsules came through the shared receive queue.
for k in "in-capsule writes" "RDMA READ" "RDMA WRITE" "SEND WITH INVALIDATE"; do
	grep -Eq "$k [1-9]" /tmp/tgt.log || fail "target stats show no $k"
done
grep -q "shared receive queue of" /tmp/tgt.log && grep -q "(through the SRQ)" /tmp/tgt.log ||
	fail "no shared receive queue"
# The same with a receive queue per connection (srq=0).
iopath target "nvmf-rdma://10.0.2.15:4421/$NQN" --backend malloc:size=64M --opts srq=0 \
	>/tmp/tgt2.log 2>&1 &
TGT=$!
i=0
until grep -q listening /tmp/tgt2.log; do
	i=$((i + 1)); [ $i -lt 100 ] && kill -0 $TGT 2>/dev/null || { cat /tmp/tgt2.log; fail "srq=0 target did not start"; }
	sleep 0.1
done
nvme connect -t rdma -a 10.0.2.15 -s 4421 -n "$NQN" || fail "nvme connect (srq=0)"
dev=$(nvme_dev_for "$NQN") || fail "no namespace block device (srq=0)"
write_verify "$dev" 524288 || { cat /tmp/tgt2.log; fail "data mismatch (srq=0)"; }
nvme disconnect -n "$NQN" >/dev/null || fail "nvme disconnect (srq=0)"
kill -TERM $TGT
wait $TGT || fail "srq=0 target exit status"
cat /tmp/tgt2.log
if grep -q "shared receive queue of" /tmp/tgt2.log; then fail "srq=0 still used an SRQ"; fi
EOF_GUEST
echo "PASS: kernel nvme-rdma host -> iopath nvmf-rdma target (in the guest, rxe), md5 verified"
