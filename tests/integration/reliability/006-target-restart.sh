#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Description: kill -9 of the target process (file backend, uring:path=F) in the middle of a
# write-heavy verified run, on every transport: the initiator must report the failure and exit
# (no hang); the target restarted on the same file and address serves a new initiator that reads
# back every acknowledged write (verify_state) intact. Then NVMe/TCP with --opts reconnect=10s:
# the initiator rides through the restart (controller brought up again, queues reconnected, I/O
# in flight resubmitted) and ends clean.
# TIMEOUT=180
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

for tr in $(r_transports); do
	[ "$tr" = local ] && continue
	R_ADDR=
	img=$RTMP/$tr.img
	st=$RTMP/$tr.state
	truncate -s 16M "$img"
	r_start "$tr" "tgt-$tr" "uring:path=$img"
	r_run_bg "w-$tr" --rw randrw --rwmixread 10 --bs 4k --iodepth 16 --verify 1 \
		--verify_state "$st" --runtime 30
	wpid=$R_PID
	for _ in $(seq 1 100); do
		[ -s "$st" ] && [ "$(r_acked "$st")" -gt 1000 ] && break
		kill -0 "$wpid" 2>/dev/null || fail "$tr: writer ended early"
		sleep 0.1
	done
	kill -9 "$R_TPID"
	wait "$R_TPID" 2>/dev/null
	RPIDS=("${RPIDS[@]/$R_TPID}")
	t0=$SECONDS
	for _ in $(seq 1 300); do
		kill -0 "$wpid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$wpid" 2>/dev/null && fail "$tr: initiator still running 30 s after its target died"
	wait "$wpid"
	rc=$?
	[ $rc = 0 ] && fail "$tr: initiator exited 0 although its target died"
	n=$(r_acked "$st")
	echo "ok: $tr: initiator gave up in $((SECONDS - t0)) s (exit $rc): $(grep -hE 'ERROR|failed' "$RTMP/w-$tr.log" | head -n 1 | cut -c1-160)"
	# restart on the same file and address
	[ "$tr" = nvmf-tcp ] || rm -f "$R_ADDR"
	r_start "$tr" "tgt2-$tr" "uring:path=$img"
	r_run "r-$tr" --rw read --bs 64k --iodepth 4 --verify 1 --verify_state "$st" ||
		fail "$tr: read-back after the target restart: $(r_counts "$RTMP/r-$tr.out")"
	echo "ok: $tr: $n acknowledged blocks intact after the target's kill -9 and restart"
	r_stop_target
done

# NVMe/TCP with --opts reconnect: the same run survives the target's kill -9 and restart (the
# initiator brings the controller up again, reconnects its queues and resubmits what was in
# flight); the run ends with errors=0 and its end-of-run read-back of every block it wrote clean
if r_transports | grep -qx nvmf-tcp; then
	R_ADDR=
	img=$RTMP/recon.img
	truncate -s 16M "$img"
	r_start nvmf-tcp tgt-recon "uring:path=$img"
	r_run_bg recon --rw randrw --bs 4k --iodepth 16 --numjobs 2 --verify 1 --runtime 5 \
		--verify_state "$RTMP/recon.state" --opts reconnect=10s
	wpid=$R_PID
	sleep 1.5
	kill -9 "$R_TPID"
	wait "$R_TPID" 2>/dev/null
	RPIDS=("${RPIDS[@]/$R_TPID}")
	sleep 0.5
	r_start nvmf-tcp tgt-recon2 "uring:path=$img"
	wait "$wpid" || fail "reconnect run failed: $(r_counts "$RTMP/recon.out")"
	grep -q 'controller .* up again' "$RTMP/recon.log" || fail "no controller re-bring-up"
	grep -q 'errors=0 verify_errors=0' "$RTMP/recon.out" || fail "reconnect: $(r_counts "$RTMP/recon.out")"
	echo "ok: nvmf-tcp reconnect=10s across a target restart: $(grep -o 'queue 1: reconnected.*' "$RTMP/recon.log"), errors=0 verify_errors=0"
	r_run recon-r --rw read --bs 64k --verify 1 --verify_state "$RTMP/recon.state" ||
		fail "read-back after the reconnect run: $(r_counts "$RTMP/recon-r.out")"
	r_stop_target
fi
echo PASS
