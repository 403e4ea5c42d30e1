#!/usr/bin/env bash
# Description: data verification end to end: write a file with verify headers through local: +
# uring, read it back clean, corrupt one block on disk, and see the read job catch it (with the
# offset) and exit non-zero; a fio job file with write + read sections does the same on aio.
# TIMEOUT=60
set -u
IOPATH=${IOPATH:-build/iopath}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
f=$tmp/disk
truncate -s 8M "$f"

# 1. write every block once (one pass, 2 jobs on disjoint halves), then read back: clean
"$IOPATH" run -q local: --backend "uring:path=$f" --rw write --bs 16k --iodepth 8 --numjobs 2 \
	--verify --json "$tmp/w.json" >/dev/null || fail "verified write failed"
[ "$("$IOPATH" result --get verify_errors "$tmp/w.json")" = 0 ] || fail "write pass verify"
[ "$("$IOPATH" result --get ios "$tmp/w.json")" = 512 ] || fail "8 MiB / 16 KiB = 512 writes"
"$IOPATH" run -q local: --backend "uring:path=$f" --rw randread --bs 4k --iodepth 4 \
	--number_ios 4000 --verify --json "$tmp/r.json" >/dev/null || fail "clean read-back failed"
[ "$("$IOPATH" result --get verify_errors "$tmp/r.json")" = 0 ] || fail "clean data flagged"

# 2. flip bytes inside the block at 5 MiB + 1536 (a 512-byte verify block) on disk
printf 'XXXX' | dd of="$f" bs=1 seek=$((5 * 1048576 + 1536 + 200)) conv=notrunc status=none
"$IOPATH" run local: --backend "uring:path=$f" --rw read --bs 64k --verify \
	--json "$tmp/c.json" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc = 1 ] || fail "corrupted read exited $rc, expected 1"
[ "$("$IOPATH" result --get verify_errors "$tmp/c.json")" = 1 ] || fail "exactly one bad block"
"$IOPATH" result --get error_msg "$tmp/c.json" | grep -q "bad crc32c at offset $((5 * 1048576 + 1536))" ||
	fail "offset of the bad block not reported: $("$IOPATH" result --get error_msg "$tmp/c.json")"
grep -q "verify_errors=1" "$tmp/out" || fail "summary does not show the verify error"

# 3. a fio job file: write, then (stonewall) read, aio backend, fio's verify=crc32c
truncate -s 0 "$f"; truncate -s 4M "$f"
cat >"$tmp/v.fio" <<'FIO'
[global]
ioengine=libaio
direct=1
bs=8k
verify=crc32c
[write]
rw=write
iodepth=4
[read]
stonewall
rw=randread
number_ios=2000
FIO
"$IOPATH" run -q local: --backend "aio:path=$f" "$tmp/v.fio" --json "$tmp/v.json" >/dev/null ||
	fail "fio verify job file"
[ "$("$IOPATH" result --get verify_errors "$tmp/v-read.json")" = 0 ] || fail "aio read-back"
[ "$("$IOPATH" result --get ios "$tmp/v-read.json")" = 2000 ] || fail "number_ios in job file"
echo PASS
