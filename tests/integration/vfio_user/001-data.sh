#!/usr/bin/env bash
# Description: vfio-user client vs server (polling): write patterns, read back, verify; socket 0600.
# TIMEOUT=60
. "$(dirname "$0")/lib.sh"
vfu_start_target --backend malloc:size=64M
mode=$(stat -c %a "$VFU_SOCK")
[ "$mode" = 600 ] || vfu_fail "socket mode $mode, want 600"
"$IOPATH" vfio-user-check write "$VFU_URI" --seed 11 --count 512 || vfu_fail "write"
"$IOPATH" vfio-user-check verify "$VFU_URI" --seed 11 --count 512 || vfu_fail "verify"
# A wrong seed must be caught (the check can fail).
if "$IOPATH" vfio-user-check verify "$VFU_URI" --seed 12 --count 4 >/dev/null 2>&1; then
	vfu_fail "verify with the wrong seed passed"
fi
# Large blocks (PRP lists) and a short QD run.
"$IOPATH" vfio-user-check write "$VFU_URI" --seed 5 --count 16 --bs 131072 || vfu_fail "128K write"
"$IOPATH" vfio-user-check verify "$VFU_URI" --seed 5 --count 16 --bs 131072 || vfu_fail "128K verify"
"$IOPATH" vfio-user-check bench "$VFU_URI" --qd 8 --secs 1 | tee "$VFU_DIR/bench.json"
grep -q '"iops":[1-9]' "$VFU_DIR/bench.json" || vfu_fail "bench did no I/O"
kill -0 "$VFU_TGT_PID" || vfu_fail "target died"
vfu_finish
