#!/usr/bin/env bash
# Description: vfio-user I/O buffers mapped without an fd: the server moves data with DMA_READ/WRITE.
# TIMEOUT=60
. "$(dirname "$0")/lib.sh"
vfu_start_target --backend malloc:size=32M --trace "$VFU_DIR/srv.jsonl"
# Written through DMA_READ messages, read back by an ordinary (fd-mapped) client and vice versa.
"$IOPATH" vfio-user-check write "$VFU_URI" --opts dma=msg --seed 4 --count 64 || vfu_fail "write"
"$IOPATH" vfio-user-check verify "$VFU_URI" --seed 4 --count 64 || vfu_fail "verify (fd)"
"$IOPATH" vfio-user-check verify "$VFU_URI" --opts dma=msg --seed 4 --count 64 ||
	vfu_fail "verify (msg)"
# 128 KiB I/O (PRP list in fd memory, data split in DMA messages), interrupt mode.
"$IOPATH" vfio-user-check write "$VFU_URI" --opts dma=msg --interrupt --seed 8 --count 8 \
	--bs 131072 || vfu_fail "128K write (interrupt)"
"$IOPATH" vfio-user-check verify "$VFU_URI" --seed 8 --count 8 --bs 131072 || vfu_fail "128K verify"
# The engine with its own verify, several in flight.
"$IOPATH" run "$VFU_URI" --opts dma=msg --rw randwrite --iodepth 4 --size 2M --verify 1 -q ||
	vfu_fail "engine run with dma=msg"
grep -q '"cmd_name":"DMA_READ","msg_size":32,"flags":0' "$VFU_DIR/srv.jsonl" ||
	vfu_fail "no DMA_READ command in the trace"
grep -q '"cmd_name":"DMA_WRITE".*"type":"reply"' "$VFU_DIR/srv.jsonl" ||
	vfu_fail "no DMA_WRITE reply in the trace"
vfu_finish
