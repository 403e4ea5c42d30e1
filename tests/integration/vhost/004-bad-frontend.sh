#!/usr/bin/env bash
# Description: garbage on the socket, a message with an oversized payload, an unknown request and a
# front end killed in the middle of I/O: each ends that connection only; the target keeps serving
# a well-behaved front end running at the same time.
# TIMEOUT=60
. "$(dirname "$0")/lib.sh"
vh_need_backend malloc
command -v socat >/dev/null || { echo "SKIP: socat not installed"; exit 77; }
S=$VH_DIR/bad.sock
vh_target t "vhost-user-blk://$S" --backend malloc:size=64M
"$IOPATH" vhost-check "vhost-user-blk://$S" --mode randwrite --qd 4 --time 3 >"$VH_DIR/good" 2>&1 &
good=$!
sleep 0.3
# 1: garbage (bad version bits)
head -c 64 /dev/urandom | socat -t 1 - "UNIX-CONNECT:$S" >/dev/null 2>&1
# 2: SET_MEM_TABLE header announcing a 1 MiB payload
printf '\x05\x00\x00\x00\x01\x00\x00\x00\x00\x00\x10\x00' | socat -t 1 - "UNIX-CONNECT:$S" >/dev/null 2>&1
# 3: unknown request 999
printf '\xe7\x03\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00' | socat -t 1 - "UNIX-CONNECT:$S" >/dev/null 2>&1
# 4: a front end killed while I/O is in flight
"$IOPATH" vhost-check "vhost-user-blk://$S" --mode randread --qd 8 --time 10 >/dev/null 2>&1 &
victim=$!
sleep 0.5
kill -9 "$victim"; wait "$victim" 2>/dev/null
wait "$good" || { cat "$VH_DIR/good"; fail "the well-behaved front end failed"; }
cat "$VH_DIR/good"
grep -q "errors=0" "$VH_DIR/good" || fail "errors on the good front end"
kill -0 "$t_pid" || fail "target died"
grep -q "bad message" "$VH_DIR/t.log" || fail "no error logged for the bad messages"
grep -q "unsupported request 999" "$VH_DIR/t.log" || fail "unknown request not reported"
# and it still accepts new front ends
"$IOPATH" vhost-check "vhost-user-blk://$S" --qd 8 --region 4M || fail "verify after the bad front ends"
echo PASS
