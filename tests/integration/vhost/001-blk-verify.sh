#!/usr/bin/env bash
# Description: vhost-user-blk, our client against our target: data written, flushed and read back
# in polling and interrupt mode, QD 1 and 16; a reconnect sees the same data; read past the end fails.
# TIMEOUT=60
. "$(dirname "$0")/lib.sh"
vh_need_backend malloc
S=$VH_DIR/blk.sock
vh_target t "vhost-user-blk://$S" --backend malloc:size=64M
[ "$(stat -c %a "$S")" = 600 ] || fail "socket mode is $(stat -c %a "$S"), want 600"
"$IOPATH" vhost-check "vhost-user-blk://$S" --qd 16 --region 8M --seed 7 | tee "$VH_DIR/c1" || fail "verify qd16"
grep -q "0 mismatches, 0 I/O errors" "$VH_DIR/c1" || fail "mismatches"
grep -q "read past the end: failed as expected" "$VH_DIR/c1" || fail "read past end"
# packed virtqueues (non power-of-2 size), then a split-ring reconnect reads the same data
"$IOPATH" vhost-check "vhost-user-blk://$S" --opts packed=1,queue_size=100 --qd 16 --region 8M --seed 7 | tee "$VH_DIR/c2" || fail "verify packed"
grep -q "packed" "$VH_DIR/c2" || fail "packed ring not negotiated"
# reconnect: a fresh device on the same backend, data intact
"$IOPATH" vhost-check "vhost-user-blk://$S" --mode check --qd 1 --region 8M --seed 7 || fail "reconnect check"
# a wrong seed must be detected (the check can fail)
if "$IOPATH" vhost-check "vhost-user-blk://$S" --mode check --region 1M --seed 8 >/dev/null 2>&1; then
	fail "check with the wrong pattern passed"
fi
kill "$t_pid"; wait "$t_pid" 2>/dev/null
[ -e "$S" ] && fail "socket left behind after SIGTERM"
# interrupt mode on both sides
vh_target ti "vhost-user-blk://$S" --backend malloc:size=64M --interrupt
"$IOPATH" vhost-check "vhost-user-blk://$S" --qd 4 --region 4M --interrupt || fail "verify interrupt mode"
"$IOPATH" vhost-check "vhost-user-blk://$S" --mode randread --qd 1 --time 0.5 --interrupt || fail "randread interrupt"
echo PASS
