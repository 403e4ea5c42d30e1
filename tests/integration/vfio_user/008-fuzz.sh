#!/usr/bin/env bash
# Description: vfio-user: 2000 random messages (random commands, flags, payloads, lying sizes); the
# target keeps accepting clients, exits cleanly (no sanitizer report) and still serves data.
# TIMEOUT=90
. "$(dirname "$0")/lib.sh"
vfu_start_target --backend malloc:size=16M
"$IOPATH" vfio-user-check write "$VFU_URI" --seed 31 --count 32 || vfu_fail "write"
"$IOPATH" vfio-user-check fuzz "$VFU_SOCK" --seed "${VFU_FUZZ_SEED:-$RANDOM}" --count 2000 ||
	vfu_fail "fuzz (server stopped accepting)"
kill -0 "$VFU_TGT_PID" || vfu_fail "target died"
"$IOPATH" vfio-user-check verify "$VFU_URI" --seed 31 --count 32 || vfu_fail "data after fuzz"
vfu_finish
