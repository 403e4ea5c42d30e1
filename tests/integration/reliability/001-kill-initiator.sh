#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Description: kill -9 of the initiator in the middle of a write-heavy run, on every transport;
# a new initiator then reads the whole device and checks every write that was acknowledged
# (verify_state) is there, whole and not older. The target must keep serving. For local: a
# lost write planted afterwards must be caught (the check can fail).
# TIMEOUT=180
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

for tr in $(r_transports); do
	R_ADDR=
	st=$RTMP/$tr.state
	if [ "$tr" = local ]; then
		truncate -s 16M "$RTMP/disk.img"
		r_start local tgt "uring:path=$RTMP/disk.img"
	else
		r_start "$tr" "tgt-$tr" malloc:size=16M
	fi
	# write-heavy: 90% writes, deep queue, then SIGKILL
	r_run_bg "w-$tr" --rw randrw --rwmixread 10 --bs 4k --iodepth 32 --verify 1 \
		--verify_state "$st" --runtime 30
	wpid=$R_PID
	for _ in $(seq 1 100); do
		[ -s "$st" ] && [ "$(r_acked "$st")" -gt 2000 ] && break
		kill -0 "$wpid" 2>/dev/null || fail "$tr: writer ended early"
		sleep 0.1
	done
	kill -9 "$wpid"
	wait "$wpid" 2>/dev/null
	n=$(r_acked "$st")
	[ "$n" -gt 0 ] || fail "$tr: no acknowledged write recorded"
	if [ "$R_TPID" != 0 ]; then
		kill -0 "$R_TPID" 2>/dev/null || fail "$tr: target died with its client"
	fi
	# a new initiator reads back everything (64k reads) against the state
	r_run "r-$tr" --rw read --bs 64k --iodepth 4 --verify 1 --verify_state "$st" ||
		fail "$tr: read-back after kill -9 failed: $(r_counts "$RTMP/r-$tr.out")"
	grep -q 'errors=0 verify_errors=0' "$RTMP/r-$tr.out" || fail "$tr: $(r_counts "$RTMP/r-$tr.out")"
	echo "ok: $tr: $n acknowledged 512-byte blocks verified after kill -9"
	r_stop_target
done

# the check is real: zero one acknowledged block of the local disk, then a block with an
# older (but well-formed) content: both must be reported
if [ -f "$RTMP/local.state" ]; then
	blk=$(od -An -v -t u8 -w8 "$RTMP/local.state" | awk '$1 != 0 { print NR - 1; exit }')
	cp "$RTMP/disk.img" "$RTMP/disk.bak"
	dd if=/dev/zero of="$RTMP/disk.img" bs=512 seek="$blk" count=1 conv=notrunc status=none
	R_URI=local: R_BACKEND="uring:path=$RTMP/disk.img"
	r_run lost --rw read --bs 64k --verify 1 --verify_state "$RTMP/local.state" &&
		fail "a zeroed acknowledged block was not caught"
	grep -q "verify_errors=1 " "$RTMP/lost.out" || fail "lost block: $(r_counts "$RTMP/lost.out")"
	echo "ok: zeroed acknowledged block caught"
	# older content: rewrite the disk with verify (sequence restarts at 0), keep the old state
	cp "$RTMP/disk.bak" "$RTMP/disk.img"
	r_run older --rw write --bs 4k --size 64k --verify 1 --verify_state "$RTMP/older.state" ||
		fail "rewrite failed"
	# the rewrite's sequence numbers are 0..15; older than what the state acknowledged
	[ "$(od -An -v -t u8 -w8 -N 1024 "$RTMP/local.state" | awk '$1 > 16' | wc -l)" -gt 0 ] ||
		fail "no acknowledged block in the first 64k to test with"
	r_run stale --rw read --bs 64k --size 64k --verify 1 --verify_state "$RTMP/local.state" &&
		fail "older writes in acknowledged blocks not caught"
	grep -q "lost write" "$RTMP/stale.log" || fail "stale: no lost-write message"
	echo "ok: older content caught ($(r_counts "$RTMP/stale.out"))"
fi
echo PASS
