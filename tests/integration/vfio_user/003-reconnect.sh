#!/usr/bin/env bash
# Description: vfio-user: a client killed with -9 mid-I/O; the next client sees the data intact.
# TIMEOUT=60
. "$(dirname "$0")/lib.sh"
vfu_start_target --backend malloc:size=32M
"$IOPATH" vfio-user-check write "$VFU_URI" --seed 21 --count 256 || vfu_fail "write"
for round in 1 2; do
	"$IOPATH" vfio-user-check hammer "$VFU_URI" --count 256 --qd 16 --secs 30 \
		>/dev/null 2>&1 &
	hp=$!
	VFU_PIDS+=("$hp")
	sleep 0.7
	kill -0 "$hp" 2>/dev/null || vfu_fail "hammer client ended early (round $round)"
	kill -9 "$hp"
	wait "$hp" 2>/dev/null
	"$IOPATH" vfio-user-check verify "$VFU_URI" --seed 21 --count 256 ||
		vfu_fail "data lost after killed client (round $round)"
done
# Kills at random points of the bring-up (VERSION, region info, DMA_MAP, CC.EN, queue creation).
for d in 0.001 0.005 0.01 0.02 0.04 0.08; do
	"$IOPATH" vfio-user-check hammer "$VFU_URI" --count 256 --qd 4 --secs 30 >/dev/null 2>&1 &
	hp=$!
	VFU_PIDS+=("$hp")
	sleep "$d"
	kill -9 "$hp" 2>/dev/null
	wait "$hp" 2>/dev/null
done
"$IOPATH" vfio-user-check verify "$VFU_URI" --seed 21 --count 256 ||
	vfu_fail "data lost after clients killed during bring-up"
grep -q "gone" "$VFU_DIR/target.err" || vfu_fail "target did not notice the dead client"
# New writes still work.
"$IOPATH" vfio-user-check write "$VFU_URI" --seed 22 --count 64 || vfu_fail "write after"
"$IOPATH" vfio-user-check verify "$VFU_URI" --seed 22 --count 64 || vfu_fail "verify after"
kill -0 "$VFU_TGT_PID" || vfu_fail "target died"
vfu_finish
