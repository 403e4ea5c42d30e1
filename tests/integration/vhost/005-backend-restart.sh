#!/usr/bin/env bash
# Description: the back end is killed (SIGKILL) under load: the front end reports the broken queue
# within seconds instead of hanging; a new back end on the same path replaces the stale socket and
# serves the data the old one wrote to the backing file.
# TIMEOUT=60
. "$(dirname "$0")/lib.sh"
vh_need_backend aio
S=$VH_DIR/r.sock
truncate -s 32M "$VH_DIR/disk.img"
vh_target t1 "vhost-user-blk://$S" --backend "aio:path=$VH_DIR/disk.img"
"$IOPATH" vhost-check "vhost-user-blk://$S" --qd 8 --region 4M --seed 5 || fail "verify"
"$IOPATH" vhost-check "vhost-user-blk://$S" --mode randread --qd 8 --time 30 >"$VH_DIR/c" 2>&1 &
cli=$!
sleep 0.5
kill -9 "$t1_pid"
for _ in $(seq 100); do kill -0 "$cli" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$cli" 2>/dev/null; then
	kill "$cli"; fail "front end still running 5 s after the back end died"
fi
wait "$cli" && fail "front end reported success although the back end died"
cat "$VH_DIR/c"
[ -S "$S" ] || fail "expected the stale socket file to remain after SIGKILL"
vh_target t2 "vhost-user-blk://$S" --backend "aio:path=$VH_DIR/disk.img"
"$IOPATH" vhost-check "vhost-user-blk://$S" --mode check --qd 4 --region 4M --seed 5 || fail "data after restart"
echo PASS
