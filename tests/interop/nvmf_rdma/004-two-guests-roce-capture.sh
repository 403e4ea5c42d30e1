#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Guest lab, two guests on one Ethernet segment (QEMU socket netdev, eth1 in each): soft-RoCE
# (rdma_rxe on eth1) on both, so RoCEv2 really crosses a wire QEMU can capture (inside one guest
# rxe loops back and nothing is on any interface). Guest A runs `iopath target nvmf-rdma` on
# 10.0.3.1 and the kernel nvmet-rdma target on 10.0.3.11; guest B runs (a) the Linux nvme-rdma host
# against iopath (write + read back, md5) and (b) `iopath run nvmf-rdma` against nvmet-rdma
# (verified write and read passes). QEMU's filter-dump of A's eth1 is split per target address and
# both captures are checked with tshark's RoCEv2 / NVMe-oF RDMA decoders (tests/interop/lib:
# gl_check_roce_pcap). GUESTLAB_RECORD=1 stores them as conformance/traces/rdma/*_rdma.pcap.
# TIMEOUT=400
set -u
. "$IOPATH_ROOT/tests/interop/lib/guestlab.sh"
"$IOPATH" --list 2>/dev/null | grep -q 'nvmf-rdma' || gl_skip "nvmf-rdma not built (rdma-core headers missing)"
command -v tshark >/dev/null || gl_die "tshark not installed (make deps)"
gl_setup
gl_add_bin "$IOPATH" /bin/iopath
gl_add_ibverbs
NQN=nqn.2026-11.io.iopath:roce-iopath
KNQN=nqn.2026-11.io.iopath:roce-kernel
P=$(gl_free_port) || gl_die "no free port"
gl_env NQN "$NQN"
gl_env KNQN "$KNQN"

# Guest A: both targets, captured.
gl_qemu_args -netdev "socket,id=n1,listen=127.0.0.1:$P" \
	-device virtio-net-pci,netdev=n1,mac=52:54:00:00:03:01,romfile= \
	-object "filter-dump,id=fd1,netdev=n1,file=$GL_WORK/roce.pcap"
gl_start <<'EOF_GUEST'
ip link set eth1 up && ip addr add 10.0.3.1/24 dev eth1 && ip addr add 10.0.3.11/24 dev eth1 ||
	fail "eth1"
modprobe crc32_generic && modprobe crc32-pclmul && modprobe rdma_rxe && modprobe ib_uverbs &&
	modprobe rdma_ucm || fail "rdma modules"
rdma link add rxe1 type rxe netdev eth1 && wait_for /sys/class/infiniband/rxe1 || fail "rxe on eth1"
nvmet_null rdma "$KNQN" 10.0.3.11 4420 64 || fail "nvmet-rdma target setup"
iopath target "nvmf-rdma://10.0.3.1:4420/$NQN" --backend malloc:size=64M --interrupt \
	>/tmp/tgt.log 2>&1 &
TGT=$!
i=0
until grep -q listening /tmp/tgt.log; do
	i=$((i + 1)); [ $i -lt 100 ] && kill -0 $TGT 2>/dev/null || { cat /tmp/tgt.log; fail "target did not start"; }
	sleep 0.1
done
echo GUESTLAB-READY
gl_wait_go 300 || fail "the host never said it was done"
kill -TERM $TGT
wait $TGT
rc=$?
cat /tmp/tgt.log
[ $rc -eq 0 ] || fail "iopath target exited with $rc"
for k in "RDMA READ" "RDMA WRITE" "SEND WITH INVALIDATE"; do
	grep -Eq "$k [1-9]" /tmp/tgt.log || fail "target stats show no $k"
done
dmesg | grep -E 'nvmet: (creating|created) nvm controller' || fail "nvmet saw no controller"
EOF_GUEST
gl_wait_log '^GUESTLAB-READY' 150 || { gl_finish; gl_die "guest A did not come up"; }
A_PID=$GL_QEMU_PID A_LOG=$GL_LOG A_OUT=$GL_OUT A_WORK=$GL_WORK A_T0=$GL_T0
trap 'kill $A_PID 2>/dev/null; wait $A_PID 2>/dev/null; gl_cleanup; [ -n "${GUESTLAB_KEEP:-}" ] || rm -rf "$A_WORK"' EXIT

# Guest B: the hosts. Own work dir, same overlay files.
GL_WORK=$(mktemp -d "${TMPDIR:-/tmp}/guestlab.XXXXXX")
GL_OUT=$GL_WORK/out GL_LOG=$GL_WORK/serial.log GL_QEMU_PID=
mkdir -p "$GL_OUT"
GL_QEMU_EXTRA=(-netdev "socket,id=n1,connect=127.0.0.1:$P"
	-device virtio-net-pci,netdev=n1,mac=52:54:00:00:03:02,romfile=)
gl_start <<'EOF_GUEST'
ip link set eth1 up && ip addr add 10.0.3.2/24 dev eth1 || fail "eth1"
modprobe crc32_generic && modprobe crc32-pclmul && modprobe rdma_rxe && modprobe ib_uverbs &&
	modprobe rdma_ucm || fail "rdma modules"
rdma link add rxe1 type rxe netdev eth1 && wait_for /sys/class/infiniband/rxe1 || fail "rxe on eth1"
ping -c 1 -W 5 10.0.3.1 >/dev/null && ping -c 1 -W 5 10.0.3.11 >/dev/null || fail "no route to guest A over eth1"
modprobe nvme-rdma || fail "modprobe nvme-rdma"
# (a) Linux host -> iopath target
nvme connect -t rdma -a 10.0.3.1 -s 4420 -n "$NQN" || fail "nvme connect -t rdma to iopath"
dev=$(nvme_dev_for "$NQN") || fail "no namespace block device"
write_verify "$dev" 131072 || fail "data mismatch: Linux host -> iopath target"
nvme disconnect -n "$NQN" >/dev/null || fail "nvme disconnect"
# (b) iopath host -> Linux target
for rw in write read; do
	iopath run "nvmf-rdma://10.0.3.11:4420/$KNQN" --rw $rw --bs 32k --size 128k --iodepth 2 \
		--verify 1 >/tmp/$rw.out 2>&1; rc=$?
	cat /tmp/$rw.out
	[ $rc -eq 0 ] && grep -q " errors=0 verify_errors=0" /tmp/$rw.out ||
		fail "iopath run $rw against nvmet-rdma"
done
EOF_GUEST
rcb=0
gl_finish || rcb=1
touch "$A_OUT/go"
# Guest A's log (gl_finish reads the current guest's variables).
B_LOG=$GL_LOG
GL_QEMU_PID=$A_PID GL_LOG=$A_LOG GL_T0=$A_T0
rca=0
gl_finish || rca=1
[ $rcb -eq 0 ] || gl_die "guest B (hosts) failed; its log is above guest A's"
[ $rca -eq 0 ] || gl_die "guest A (targets) failed"

# Split the wire capture per target address and check each with tshark.
tshark -n -r "$A_WORK/roce.pcap" -Y 'ip.addr == 10.0.3.1' -w "$A_WORK/linux-host_iopath-target_rdma.pcap" 2>/dev/null
tshark -n -r "$A_WORK/roce.pcap" -Y 'ip.addr == 10.0.3.11' -w "$A_WORK/iopath-host_linux-target_rdma.pcap" 2>/dev/null
rc=0
gl_check_roce_pcap "$A_WORK/linux-host_iopath-target_rdma.pcap" inv || rc=1
gl_check_roce_pcap "$A_WORK/iopath-host_linux-target_rdma.pcap" || rc=1
# ... and with iopath's own RoCEv2 decoder and the RDMA rules (no MUST rule may fail)
for f in linux-host_iopath-target_rdma.pcap iopath-host_linux-target_rdma.pcap; do
	"$IOPATH" conform check "$A_WORK/$f" || { echo "FAIL: RDMA rules on $f"; rc=1; }
done
[ $rc -eq 0 ] || gl_die "RoCEv2 captures failed the checks"
if [ -n "${GUESTLAB_RECORD:-}" ]; then
	mkdir -p "$IOPATH_ROOT/conformance/traces/rdma"
	cp "$A_WORK/linux-host_iopath-target_rdma.pcap" "$A_WORK/iopath-host_linux-target_rdma.pcap" \
		"$IOPATH_ROOT/conformance/traces/rdma/"
	gl_log "recorded conformance/traces/rdma/{linux-host_iopath-target,iopath-host_linux-target}_rdma.pcap"
fi
echo "PASS: two guests over RoCEv2: Linux host -> iopath target and iopath host -> Linux target, data verified, captures decode"
