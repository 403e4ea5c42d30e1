#!/usr/bin/env bash
# Description: vfio-user: malformed messages get error replies with the right errno; target serves on.
# TIMEOUT=60
. "$(dirname "$0")/lib.sh"
vfu_start_target --backend malloc:size=16M
"$IOPATH" vfio-user-check bad "$VFU_SOCK" || vfu_fail "bad-message probe"
"$IOPATH" vfio-user-check write "$VFU_URI" --seed 9 --count 64 || vfu_fail "good client write"
"$IOPATH" vfio-user-check verify "$VFU_URI" --seed 9 --count 64 || vfu_fail "good client verify"
kill -0 "$VFU_TGT_PID" || vfu_fail "target died"
vfu_finish
