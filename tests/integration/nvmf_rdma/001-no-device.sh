#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Description: on a host without an RDMA device (CI), the nvmf-rdma target and initiator say
# "no RDMA device (ibv_get_device_list returned none)" and exit non-zero at once; bad URIs are
# refused; `iopath bench --dry-run` lists nvmf-rdma as skipped with its reason. (With an RDMA
# device this test has nothing to show: the guest lab tests cover the functional side.)
# TIMEOUT=30
set -u
: "${IOPATH:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
"$IOPATH" --list | grep -q nvmf-rdma || { echo "SKIP: nvmf-rdma not built"; exit 77; }
ls /sys/class/infiniband/* >/dev/null 2>&1 && { echo "SKIP: this host has an RDMA device"; exit 77; }
msg="no RDMA device (ibv_get_device_list returned none)"
timeout 10 "$IOPATH" target nvmf-rdma://127.0.0.1:4420/nqn.2026-11.io.iopath:t \
	--backend null:size=1G >"$tmp/t" 2>&1 && fail "target started without a device"
grep -qF "$msg" "$tmp/t" || { cat "$tmp/t"; fail "target message"; }
timeout 10 "$IOPATH" run nvmf-rdma://127.0.0.1:4420/nqn.2026-11.io.iopath:t --rw read --size 4k \
	>"$tmp/r" 2>&1 && fail "initiator ran without a device"
grep -qF "$msg" "$tmp/r" || { cat "$tmp/r"; fail "initiator message"; }
timeout 10 "$IOPATH" target nvmf-rdma://127.0.0.1:4420 --backend null:size=1G >"$tmp/u" 2>&1 &&
	fail "URI without NQN accepted"
grep -q "needs address and subsystem NQN" "$tmp/u" || { cat "$tmp/u"; fail "bad URI message"; }
"$IOPATH" bench --quick --dry-run --results "$tmp/res" >"$tmp/b" 2>&1 || { cat "$tmp/b"; fail "bench dry run"; }
grep -E "skipped: +nvmf-rdma +no RDMA device" "$tmp/b" || { cat "$tmp/b"; fail "bench does not list nvmf-rdma as skipped"; }
echo "PASS: nvmf-rdma reports the missing RDMA device plainly"
