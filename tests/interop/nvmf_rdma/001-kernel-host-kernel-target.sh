#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Guest lab: soft-RoCE (rdma_rxe on eth0) with the Linux nvmet-rdma target (null_blk) and nvme-rdma
# host inside one guest; data written and read back with md5. Guards the lab the NVMe/RDMA interop
# tests (issue 8) stand on: rxe, the RDMA CM, rdma tool and the nvme-rdma modules.
# TIMEOUT=300 (the first guest lab test of a run also downloads the kernel and builds the initramfs)
set -u
. "$IOPATH_ROOT/tests/interop/lib/guestlab.sh"
gl_setup
gl_run <<'EOF_GUEST' || gl_die "guest script failed"
NQN=nqn.2014-08.org.iopath:guestlab-kernel-rdma
rxe_up || fail "soft-RoCE set-up"
rdma link show
nvmet_null rdma "$NQN" 10.0.2.15 4421 64 || fail "nvmet-rdma target setup"
modprobe nvme-rdma || fail "modprobe nvme-rdma"
nvme discover -t rdma -a 10.0.2.15 -s 4421 >/tmp/disc.txt || fail "nvme discover over RDMA"
grep -q "subnqn: *$NQN" /tmp/disc.txt || { cat /tmp/disc.txt; fail "discovery log lacks $NQN"; }
nvme connect -t rdma -a 10.0.2.15 -s 4421 -n "$NQN" || fail "nvme connect -t rdma"
dev=$(nvme_dev_for "$NQN") || fail "no namespace block device"
write_verify "$dev" 262144 || fail "data mismatch over NVMe/RDMA"
nvme disconnect -n "$NQN" >/dev/null || fail "nvme disconnect"
EOF_GUEST
echo "PASS: kernel nvme-rdma host <-> kernel nvmet-rdma target over rxe, md5 verified"
