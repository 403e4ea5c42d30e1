#!/usr/bin/env bash
# Description: iopath's vhost-user-blk front end (`iopath run` through the engine, and vhost-check)
# against qemu-storage-daemon's vhost-user-blk export: null-co for speed, then a file with data
# written, read back, and read again after a qemu-storage-daemon restart (the data went to the file).
# TIMEOUT=90
. "$(dirname "$0")/../../integration/vhost/lib.sh"
QSD=$(command -v qemu-storage-daemon) || { echo "SKIP: qemu-storage-daemon not installed (qemu-system-common)"; exit 77; }
qsd() { # SOCK BLOCKDEV-ARGS...
	local sock=$1; shift
	"$QSD" "$@" --export "type=vhost-user-blk,id=e0,node-name=n0,addr.type=unix,addr.path=$sock,writable=on" \
		>>"$VH_DIR/qsd.log" 2>&1 &
	VH_PIDS+=($!)
	qsd_pid=$!
	for _ in $(seq 100); do [ -S "$sock" ] && return 0; sleep 0.05; done
	cat "$VH_DIR/qsd.log"; fail "qemu-storage-daemon did not start"
}
S=$VH_DIR/qsd.sock
qsd "$S" --blockdev driver=null-co,node-name=n0,size=1073741824,read-zeroes=on
"$IOPATH" vhost-check "vhost-user-blk://$S" --mode randread --qd 1 --time 0.5 | tee "$VH_DIR/n" || fail "randread on null-co"
grep -q "1073741824 bytes" "$VH_DIR/n" || fail "capacity from GET_CONFIG"
"$IOPATH" run "vhost-user-blk://$S" --rw randread --bs 4k --iodepth 16 --runtime 1 \
	--json "$VH_DIR/run.json" -q >"$VH_DIR/run.txt" 2>&1 || { cat "$VH_DIR/run.txt"; fail "iopath run on null-co"; }
grep -q '"schema": *"iopath.result/1"' "$VH_DIR/run.json" || fail "no result JSON"
grep -q "errors=0" "$VH_DIR/run.txt" || { cat "$VH_DIR/run.txt"; fail "errors in iopath run"; }
"$IOPATH" vhost-check "vhost-user-blk://$S" --mode randwrite --qd 16 --time 0.5 || fail "randwrite on null-co"
kill "$qsd_pid"; wait "$qsd_pid" 2>/dev/null; rm -f "$S"
truncate -s 32M "$VH_DIR/disk.img"
qsd "$S" --blockdev "driver=file,node-name=f0,filename=$VH_DIR/disk.img" --blockdev driver=raw,node-name=n0,file=f0
"$IOPATH" run "vhost-user-blk://$S" --rw randwrite --bs 4k --iodepth 8 --size 8m --runtime 1 --verify 1 \
	-q >"$VH_DIR/run2.txt" 2>&1 || { cat "$VH_DIR/run2.txt"; fail "iopath run --verify through qsd"; }
grep -q "errors=0 verify_errors=0" "$VH_DIR/run2.txt" || { cat "$VH_DIR/run2.txt"; fail "verify errors"; }
"$IOPATH" vhost-check "vhost-user-blk://$S" --qd 8 --region 16M --seed 99 || fail "verify through qsd"
kill "$qsd_pid"; wait "$qsd_pid" 2>/dev/null; rm -f "$S"
qsd "$S" --blockdev "driver=file,node-name=f0,filename=$VH_DIR/disk.img" --blockdev driver=raw,node-name=n0,file=f0
"$IOPATH" vhost-check "vhost-user-blk://$S" --mode check --qd 4 --region 16M --seed 99 || fail "data not in the file"
echo PASS
