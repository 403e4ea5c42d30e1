#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Description: an abrupt TCP reset of one NVMe/TCP I/O queue connection (tests/tools/tcp_proxy
# closes it with SO_LINGER 0 both ways) in the middle of a verified run: the initiator must
# report the error on that queue (no hang, no crash, nothing wrong read back on the other queue),
# and the target must keep serving: a new run afterwards writes and verifies cleanly. With
# --opts reconnect=5s the initiator reconnects that queue and the run ends with no error.
# TIMEOUT=90
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

PROXY=$(dirname "$IOPATH")/tests/tools/tcp_proxy
[ -x "$PROXY" ] || fail "tcp_proxy not built ($PROXY)"
r_start nvmf-tcp tgt malloc:size=16M
direct=$R_URI
# connection 0 is the admin queue, 1 and 2 the I/O queues of the two job threads
"$PROXY" 0 127.0.0.1 "$R_ADDR" 2 $((2 * 1024 * 1024)) >"$RTMP/proxy.out" 2>"$RTMP/proxy.log" &
ppid=$!
RPIDS+=("$ppid")
for _ in $(seq 50); do
	grep -q '^ready' "$RTMP/proxy.out" && break
	sleep 0.05
done
pport=$(awk '/^ready/ { print $2 }' "$RTMP/proxy.out")
[ -n "$pport" ] || fail "proxy did not start"
R_URI=nvmf-tcp://127.0.0.1:$pport/$NQN
start=$SECONDS
r_run reset --rw randrw --bs 4k --iodepth 16 --numjobs 2 --verify 1 --runtime 6 && 
	fail "a reset I/O queue went unreported: $(r_counts "$RTMP/reset.out")"
took=$((SECONDS - start))
grep -q '^reset 2 after' "$RTMP/proxy.out" || fail "the proxy did not reset the queue"
[ $took -le 30 ] || fail "initiator took ${took}s to give up"
grep -qiE 'reset|broken|connection|closed|error' "$RTMP/reset.log" "$RTMP/reset.out" ||
	fail "no error message about the reset queue"
grep -q 'verify_errors=0' "$RTMP/reset.out" || fail "verify errors on the surviving queue"
echo "ok: reset reported in ${took}s: $(grep -hiE 'reset|broken|connection' "$RTMP/reset.log" | head -n 1)"
kill -0 "$R_TPID" 2>/dev/null || fail "target died"
# the target keeps serving: directly and through the proxy (which now resets nothing)
R_URI=$direct
r_run after --rw randrw --bs 4k --iodepth 8 --numjobs 2 --verify 1 --runtime 2 ||
	fail "target does not serve after the reset: $(r_counts "$RTMP/after.out")"
R_URI=nvmf-tcp://127.0.0.1:$pport/$NQN
r_run after2 --rw randrw --bs 4k --iodepth 8 --numjobs 2 --verify 1 --runtime 1 ||
	fail "target does not serve through the proxy after the reset"
echo "ok: target serves after the reset ($(r_counts "$RTMP/after.out"))"

# with reconnect=5s the initiator reconnects the reset queue, resubmits what was in flight and
# the run ends clean (every write read back by the end-of-run verify pass)
kill "$ppid"; wait "$ppid" 2>/dev/null
"$PROXY" 0 127.0.0.1 "$R_ADDR" 1 $((2 * 1024 * 1024)) >"$RTMP/proxy2.out" 2>"$RTMP/proxy2.log" &
ppid=$!
RPIDS+=("$ppid")
for _ in $(seq 50); do
	grep -q '^ready' "$RTMP/proxy2.out" && break
	sleep 0.05
done
pport=$(awk '/^ready/ { print $2 }' "$RTMP/proxy2.out")
R_URI=nvmf-tcp://127.0.0.1:$pport/$NQN
r_run recon --rw randrw --bs 4k --iodepth 16 --numjobs 2 --verify 1 --runtime 4 \
	--opts reconnect=5s || fail "reconnect run failed: $(r_counts "$RTMP/recon.out")"
grep -q '^reset 1 after' "$RTMP/proxy2.out" || fail "the proxy did not reset the queue"
# the job threads open their I/O queues in either order: proxy connection 1 is queue 1 or 2
grep -Eq 'queue [12]: reconnected' "$RTMP/recon.log" || fail "the reset I/O queue did not reconnect"
grep -q 'errors=0 verify_errors=0' "$RTMP/recon.out" || fail "reconnect: $(r_counts "$RTMP/recon.out")"
echo "ok: reconnect=5s: $(grep -Eo 'queue [12]: reconnected.*' "$RTMP/recon.log"), errors=0 verify_errors=0"
r_stop_target
echo PASS
