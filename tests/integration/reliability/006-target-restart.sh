#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Description: kill -9 of the target process (file backend, uring:path=F) in the middle of a
# write-heavy verified run, on every transport: the initiator must report the failure and exit
# (no hang); the target restarted on the same file and address serves a new initiator that reads
# back every acknowledged write (verify_state) intact. Then NVMe/TCP with --opts reconnect=10s:
# the initiator rides through the restart (controller brought up again, queues reconnected, I/O
# in flight resubmitted) and ends clean; vfio-user, vhost-user-blk and -scsi likewise with their
# reconnect=TIME (and give up once TIME is over when the target does not come back).
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

# vfio-user, vhost-user-blk/scsi with --opts reconnect: the queue that sees the socket hang up
# reconnects to the socket path and sets the device up again with the same memfd (vfio-user:
# VERSION, DMA_MAP, NVMe bring-up; vhost-user: features, config, memory table); every queue then
# re-creates itself (I/O queue pair / vring) and resubmits what it had in flight
for tr in vfio-user vhost-user-blk vhost-user-scsi; do
	r_transports | grep -qx "$tr" || continue
	R_ADDR=
	img=$RTMP/recon-$tr.img
	truncate -s 16M "$img"
	r_start "$tr" "tgt-recon-$tr" "uring:path=$img"
	r_run_bg "recon-$tr" --rw randrw --bs 4k --iodepth 16 --numjobs 2 --verify 1 --runtime 5 \
		--verify_state "$RTMP/recon-$tr.state" --opts reconnect=10s
	wpid=$R_PID
	sleep 1.5
	kill -9 "$R_TPID"
	wait "$R_TPID" 2>/dev/null
	RPIDS=("${RPIDS[@]/$R_TPID}")
	sleep 0.5
	rm -f "$R_ADDR"
	r_start "$tr" "tgt-recon2-$tr" "uring:path=$img"
	wait "$wpid" || fail "$tr: reconnect run failed: $(r_counts "$RTMP/recon-$tr.out")"
	grep -q 'up again' "$RTMP/recon-$tr.log" || fail "$tr: no controller re-bring-up"
	grep -q 'errors=0 verify_errors=0' "$RTMP/recon-$tr.out" ||
		fail "$tr: reconnect: $(r_counts "$RTMP/recon-$tr.out")"
	echo "ok: $tr reconnect=10s across a target restart: $(grep -o 'queue [0-9]*: reconnected.*' "$RTMP/recon-$tr.log" | paste -sd ';'), errors=0 verify_errors=0"
	r_run "recon-r-$tr" --rw read --bs 64k --verify 1 --verify_state "$RTMP/recon-$tr.state" ||
		fail "$tr: read-back after the reconnect run: $(r_counts "$RTMP/recon-r-$tr.out")"
	# a target that does not come back: the run fails once reconnect=1s is over, no hang
	r_run_bg "recon-gone-$tr" --rw randwrite --bs 4k --iodepth 8 --runtime 20 \
		--opts reconnect=1s
	wpid=$R_PID
	sleep 1
	kill -9 "$R_TPID"
	wait "$R_TPID" 2>/dev/null
	RPIDS=("${RPIDS[@]/$R_TPID}")
	t0=$SECONDS
	wait "$wpid" && fail "$tr: run exited 0 although its target never came back"
	[ $((SECONDS - t0)) -le 10 ] || fail "$tr: gave up only after $((SECONDS - t0)) s"
	grep -q 'could not reconnect within' "$RTMP/recon-gone-$tr.log" ||
		fail "$tr: no reconnect failure message: $(tail -n 3 "$RTMP/recon-gone-$tr.log")"
	echo "ok: $tr reconnect=1s without a restart: gave up in $((SECONDS - t0)) s"
	R_TPID=0
done
echo PASS
