#!/usr/bin/env bash
# Description: record a live vhost-user-blk session (iopath front end through `conform record`,
# fds passed through, I/O verified) and check it: every VHU rule it exercises passes.
# TIMEOUT=60
set -u
cd "$IOPATH_ROOT"
. tests/conformance/lib.sh
ct_need_target vhost-user-blk
ct_start "vhost-user-blk://$CT_TMP/vb.sock" || { echo "target did not start"; exit 1; }
"$IOPATH" conform record --listen "$CT_TMP/px.sock" --upstream "$CT_TMP/vb.sock" \
	--out "$CT_TMP/t.jsonl" --proto vhost-user >"$CT_TMP/rec.log" 2>&1 &
rec=$!; CT_PIDS+=($rec)
for i in $(seq 100); do grep -q '^ready' "$CT_TMP/rec.log" && break; sleep 0.05; done
"$IOPATH" run "vhost-user-blk://$CT_TMP/px.sock" --rw randwrite --bs 4k --iodepth 4 \
	--number_ios 200 --verify 1 -q >"$CT_TMP/run.log" 2>&1 || { cat "$CT_TMP/run.log"; echo "I/O through the recorder failed"; exit 1; }
for i in $(seq 100); do kill -0 $rec 2>/dev/null || break; sleep 0.05; done
"$IOPATH" conform check "$CT_TMP/t.jsonl" --json "$CT_TMP/r.json" >"$CT_TMP/out"
rc=$?
cat "$CT_TMP/out"
[ $rc -eq 0 ] || { echo "MUST rule failed on a live session"; exit 1; }
n=$(grep -cE '^  pass ' "$CT_TMP/out")
[ "$n" -ge 10 ] || { echo "only $n rules exercised"; exit 1; }
grep -q '"nfds": 1' "$CT_TMP/t.jsonl" || { echo "no file descriptors recorded"; exit 1; }
