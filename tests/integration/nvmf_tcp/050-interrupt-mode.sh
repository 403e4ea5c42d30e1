#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Description: interrupt (epoll) mode on the target and poll()-waiting initiator: data verified,
# and an idle target sleeps instead of spinning (CPU time well under the wall time).
# TIMEOUT=60
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

start_target tgt --backend malloc:size=16M --interrupt --threads 2
"$IOPATH" run "$(URI)" -q --interrupt --rw randwrite --bs 16k --iodepth 4 --numjobs 2 \
	--size 4M --verify 1 --opts hdgst=1 >"$TMP/run.out" 2>"$TMP/run.log" || fail "run failed"
t0=$(awk '{print $14 + $15}' "/proc/$TPID/stat")
sleep 1
t1=$(awk '{print $14 + $15}' "/proc/$TPID/stat")
# clock ticks (normally 100/s): an idle interrupt-mode target uses (almost) none
[ $((t1 - t0)) -lt 20 ] || fail "idle target used $((t1 - t0)) ticks in 1 s"
stop_target
echo PASS
