#!/usr/bin/env bash
# Description: `iopath run vfio-user://` (the engine) with verify, 2 queues, polling and interrupt.
# TIMEOUT=90
. "$(dirname "$0")/lib.sh"
vfu_start_target --backend malloc:size=32M
"$IOPATH" run "$VFU_URI" --rw randwrite --bs 4k --iodepth 8 --numjobs 2 --size 8M --verify 1 \
	-q --json "$VFU_DIR/w.json" || vfu_fail "write+verify run"
grep -q '"verify": *true' "$VFU_DIR"/w*.json || vfu_fail "verify not on in the result"
"$IOPATH" run "$VFU_URI" --rw randread --bs 16k --iodepth 4 --runtime 1 --interrupt -q \
	--json "$VFU_DIR/r.json" || vfu_fail "interrupt-mode read run"
grep -q '"transport": *"vfio-user"' "$VFU_DIR"/r*.json || vfu_fail "result lacks transport"
vfu_finish
