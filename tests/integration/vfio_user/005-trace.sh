#!/usr/bin/env bash
# Description: vfio-user --trace from both ends writes JSON Lines in the shared trace format.
# TIMEOUT=60
. "$(dirname "$0")/lib.sh"
vfu_start_target --backend null:size=1G --trace "$VFU_DIR/server.jsonl"
"$IOPATH" vfio-user-check verify "$VFU_URI" --count 0 --trace "$VFU_DIR/client.jsonl" ||
	vfu_fail "client run"
for end in server client; do
	f=$VFU_DIR/$end.jsonl
	[ -s "$f" ] || vfu_fail "$end trace empty"
	for field in seq dir msg_id cmd cmd_name msg_size flags error_no type no_reply error nfds \
		header_hex payload_hex payload_len decoded; do
		grep -q "\"$field\":" "$f" || vfu_fail "$end trace lacks field $field"
	done
	for cmd in VERSION DEVICE_GET_INFO DEVICE_GET_REGION_INFO DMA_MAP REGION_WRITE \
		REGION_READ DEVICE_RESET DMA_UNMAP; do
		grep -q "\"cmd_name\":\"$cmd\"" "$f" || vfu_fail "$end trace lacks $cmd"
	done
	grep -q '"dir":"c2s"' "$f" && grep -q '"dir":"s2c"' "$f" || vfu_fail "$end: directions"
	# DMA_MAP carries the memfd, the BAR0 region info reply carries the doorbell fd
	grep '"cmd_name":"DMA_MAP","msg_size":48,"flags":0' "$f" | grep -q '"nfds":1' ||
		vfu_fail "$end: DMA_MAP without fd"
done
# Every line is one JSON object (checked with python3 when available).
if command -v python3 >/dev/null; then
	python3 -c 'import json,sys
for f in sys.argv[1:]:
    for l in open(f): json.loads(l)' "$VFU_DIR/server.jsonl" "$VFU_DIR/client.jsonl" ||
		vfu_fail "invalid JSON"
fi
vfu_finish
