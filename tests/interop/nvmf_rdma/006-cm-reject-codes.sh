#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Guest lab: RDMA CM connection requests with bad NVMe private data (`iopath run --opts
# cm_fault=...`: RECFMT 1, QID FFF0h, HSQSIZE 4095, HRQSIZE 1) against
# `iopath target nvmf-rdma` and, for comparison, the Linux nvmet-rdma target in the same guest.
# iopath's target must reject each with the NVMe RDMA reject status of the fault and keep serving
# (a verified run afterwards, also after a host was SIGKILLed mid-run); the kernel's verdicts are
# printed and the ones the binding spells out and Linux checks (RECFMT, HSQSIZE) must agree. (A short private data length cannot be sent
# over RoCE: the IB CM hands the receiver the whole zero-padded private data area.)
# TIMEOUT=300
set -u
. "$IOPATH_ROOT/tests/interop/lib/guestlab.sh"
"$IOPATH" --list 2>/dev/null | grep -q 'nvmf-rdma' || gl_skip "nvmf-rdma not built (rdma-core headers missing)"
gl_setup
gl_add_bin "$IOPATH" /bin/iopath
gl_add_ibverbs
gl_run <<'EOF_GUEST' || gl_die "guest script failed"
NQN=nqn.2026-11.io.iopath:rej
KNQN=nqn.2026-11.io.iopath:rej-kernel
rxe_up || fail "soft-RoCE set-up"
nvmet_null rdma "$KNQN" 10.0.2.15 4421 64 || fail "nvmet-rdma target setup"
iopath target "nvmf-rdma://10.0.2.15:4420/$NQN" --backend malloc:size=16M --interrupt >/tmp/tgt.log 2>&1 &
TGT=$!
i=0
until grep -q listening /tmp/tgt.log; do
	i=$((i + 1)); [ $i -lt 100 ] && kill -0 $TGT 2>/dev/null || { cat /tmp/tgt.log; fail "target did not start"; }
	sleep 0.1
done
# status the initiator reports for a reject, or "none"
status() { sed -n 's/.*rejected by the controller: status \([0-9]*\).*/\1/p' "$1" | head -n1 | grep . || echo none; }
for e in recfmt:2 qid:3 hsqsize:4 hrqsize:5; do
	f=${e%%:*} want=${e##*:}
	iopath run "nvmf-rdma://10.0.2.15:4420/$NQN" --opts cm_fault=$f --rw read --size 4k >/tmp/i.$f 2>&1 &&
		fail "iopath target accepted a CM REQ with bad $f"
	iopath run "nvmf-rdma://10.0.2.15:4421/$KNQN" --opts cm_fault=$f --rw read --size 4k >/tmp/k.$f 2>&1
	krc=$?
	got=$(status /tmp/i.$f) kgot=$(status /tmp/k.$f)
	echo "cm_fault=$f: iopath target status $got (want $want), Linux nvmet-rdma status $kgot (run rc $krc)"
	[ "$got" = "$want" ] || { cat /tmp/i.$f; fail "iopath target: wrong reject status for $f"; }
	case $f in recfmt|hsqsize)
		[ "$kgot" = "$want" ] || { cat /tmp/k.$f; fail "Linux nvmet-rdma answers $f with $kgot, not $want"; };;
	esac
done
# A host that dies mid-run (SIGKILL with I/O in flight) must not take the target down.
iopath run "nvmf-rdma://10.0.2.15:4420/$NQN" --rw randread --bs 4k --iodepth 8 --runtime 30 \
	>/tmp/dying 2>&1 &
P=$!
sleep 3
kill -9 $P
wait $P
i=0
until grep -q "qid 1 closed" /tmp/tgt.log; do
	i=$((i + 1)); [ $i -lt 100 ] || { cat /tmp/tgt.log; fail "target never noticed the dead host"; }
	sleep 0.1
done
iopath run "nvmf-rdma://10.0.2.15:4420/$NQN" --rw write --bs 4k --size 64k --verify 1 >/tmp/ok 2>&1 &&
	grep -q " errors=0 verify_errors=0" /tmp/ok || { cat /tmp/ok /tmp/tgt.log; fail "target no longer serves after rejects"; }
kill -TERM $TGT
wait $TGT || fail "target exit status"
cat /tmp/tgt.log
grep -q "rejected connects 4" /tmp/tgt.log || fail "target did not count 4 rejects"
# A well-behaved host at full queue depth is never mistaken for one overrunning its queue (the
# next command may arrive before the previous response's SEND completion is reaped).
if grep -q "more commands outstanding" /tmp/tgt.log; then fail "queue overrun reported for a good host"; fi
EOF_GUEST
echo "PASS: NVMe RDMA CM reject codes (iopath target; Linux nvmet-rdma compared)"
