#!/usr/bin/env bash
# Description: vfio-user interrupt mode: MSI-X eventfds + doorbell ioeventfd, and INTx; data verified.
# TIMEOUT=60
. "$(dirname "$0")/lib.sh"
vfu_start_target --backend malloc:size=32M --interrupt
"$IOPATH" vfio-user-check write "$VFU_URI" --interrupt --seed 3 --count 256 || vfu_fail "write"
"$IOPATH" vfio-user-check verify "$VFU_URI" --interrupt --seed 3 --count 256 || vfu_fail "verify"
"$IOPATH" vfio-user-check bench "$VFU_URI" --interrupt --qd 4 --secs 1 | tee "$VFU_DIR/b.json"
grep -q '"iops":[1-9]' "$VFU_DIR/b.json" || vfu_fail "no I/O in interrupt mode"
# Legacy INTx (automasked, unmasked by SET_IRQS after each interrupt), two queues sharing it.
"$IOPATH" run "$VFU_URI" --interrupt --opts irq=intx --rw randrw --iodepth 8 --numjobs 2 \
	--offset 16M --size 4M --runtime 1 --verify 1 -q || vfu_fail "INTx run with verify"
# A polling client against the interrupt-mode server still works (server scans doorbells).
"$IOPATH" vfio-user-check verify "$VFU_URI" --seed 3 --count 64 || vfu_fail "polling client"
vfu_finish
