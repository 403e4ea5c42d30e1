#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Guest lab: `iopath run nvmf-rdma://10.0.2.15:4420/NQN` inside the guest against the Linux
# nvmet-rdma target (null_blk, memory backed) on soft-RoCE (rdma_rxe on eth0): a verified write pass
# (keyed SGLs: the target RDMA READs our buffers), a verified read pass (RDMA WRITE), a 4 KiB write
# pass with in-capsule data, each in polling and interrupt mode; the null_blk device must hold data.
# TIMEOUT=300
set -u
. "$IOPATH_ROOT/tests/interop/lib/guestlab.sh"
"$IOPATH" --list 2>/dev/null | grep -q 'nvmf-rdma' || gl_skip "nvmf-rdma not built (rdma-core headers missing)"
gl_setup
gl_add_bin "$IOPATH" /bin/iopath
gl_add_ibverbs
gl_run <<'EOF_GUEST' || gl_die "guest script failed"
NQN=nqn.2026-11.io.iopath:guestlab-kernel-rdma
URI=nvmf-rdma://10.0.2.15:4420/$NQN
rxe_up || fail "soft-RoCE set-up"
nvmet_null rdma "$NQN" 10.0.2.15 4420 64 || fail "nvmet-rdma target setup"
run() { # name iopath-args...
	local n=$1
	shift
	echo "== iopath run $URI $*"
	iopath run "$URI" "$@" >/tmp/$n.out 2>&1; local rc=$?
	cat /tmp/$n.out
	[ $rc -eq 0 ] || fail "iopath run $n failed (rc $rc)"
	grep -q " errors=0 verify_errors=0" /tmp/$n.out || fail "I/O or verify errors in $n"
	return 0
}
run write --rw write --bs 32k --size 1M --iodepth 4 --verify 1
run read --rw read --bs 32k --size 1M --iodepth 4 --verify 1
run write-irq --interrupt --rw write --bs 64k --size 1M --offset 1M --iodepth 8 --verify 1
run read-irq --interrupt --rw read --bs 64k --size 1M --offset 1M --iodepth 8 --verify 1
run small --rw write --bs 4k --size 256k --offset 2M --iodepth 8 --verify 1
run small-read --rw read --bs 4k --size 256k --offset 2M --iodepth 8 --verify 1
run keyed --opts in_capsule=0 --rw write --bs 4k --size 64k --offset 3M --verify 1
run keyed-read --rw read --bs 4k --size 64k --offset 3M --verify 1
dmesg | grep -E 'nvmet: (creating|created) nvm controller' || fail "no controller was created"
z=$(head -c 1048576 /dev/zero | md5sum | cut -d' ' -f1)
d=$(dd if=/dev/nullb0 bs=65536 count=16 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)
[ "$d" != "$z" ] || fail "nothing was written to the null_blk device"
EOF_GUEST
echo "PASS: iopath nvmf-rdma host -> kernel nvmet-rdma target (in the guest, rxe), data verified"
