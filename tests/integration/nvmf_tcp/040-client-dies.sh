#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Description: initiators killed with SIGKILL in the middle of I/O (reads and R2T writes in flight)
# are cleaned up by the target, which keeps serving: a new client then writes and verifies.
# TIMEOUT=90
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

start_target tgt --backend malloc:size=32M --threads 2
for i in 1 2 3; do
	"$IOPATH" run "$(URI)" -q --rw randrw --bs 64k --iodepth 16 --numjobs 2 --runtime 20 \
		>"$TMP/victim$i.out" 2>"$TMP/victim$i.log" &
	v=$!
	sleep 0.7
	kill -0 "$v" || fail "victim $i ended early"
	kill -KILL "$v"
	wait "$v" 2>/dev/null
	kill -0 "$TPID" || fail "target died after client $i was killed"
done
# A half-open raw connection that sent only half a PDU header, then vanished.
exec 3<>"/dev/tcp/127.0.0.1/$PORT" && printf '\x00\x00\x80' >&3 && exec 3<&-
"$IOPATH" run "$(URI)" -q --rw randwrite --bs 4k --iodepth 8 --numjobs 2 --size 4M --verify 1 \
	>"$TMP/after.out" 2>"$TMP/after.log" || fail "client after the killed ones failed"
kill -0 "$TPID" || fail "target died"
stop_target
echo PASS
