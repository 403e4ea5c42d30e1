#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Description: on a host without /dev/vduse (CI), `iopath target vduse://NAME` and `iopath run
# vduse://NAME` say "no /dev/vduse (needs the vduse kernel module)" and exit non-zero; bad device
# names and backend counts are refused first; `iopath bench --dry-run` lists vduse as skipped.
# TIMEOUT=30
set -u
: "${IOPATH:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
"$IOPATH" --list | grep -q vduse || { echo "SKIP: vduse not built"; exit 77; }
[ -e /dev/vduse/control ] && { echo "SKIP: this host has /dev/vduse/control"; exit 77; }
msg="no /dev/vduse (needs the vduse kernel module)"
timeout 10 "$IOPATH" target vduse://blk0 --backend null:size=1G >"$tmp/t" 2>&1 && fail "target started"
grep -qF "$msg" "$tmp/t" || { cat "$tmp/t"; fail "target message"; }
timeout 10 "$IOPATH" run vduse://blk0 --rw read --size 4k >"$tmp/r" 2>&1 && fail "initiator ran"
grep -qF "$msg" "$tmp/r" || { cat "$tmp/r"; fail "initiator message"; }
timeout 10 "$IOPATH" target "vduse://a%20b" --backend null:size=1G >"$tmp/n" 2>&1 && fail "bad name accepted"
timeout 10 "$IOPATH" target vduse://blk0 --backend null:size=1G --backend null:size=1G >"$tmp/n2" 2>&1 &&
	fail "two backends accepted"
grep -q "exactly one --backend" "$tmp/n2" || { cat "$tmp/n2"; fail "backend count message"; }
"$IOPATH" bench --quick --dry-run --results "$tmp/res" >"$tmp/b" 2>&1 || { cat "$tmp/b"; fail "bench dry run"; }
grep -E "skipped: +vduse +no /dev/vduse" "$tmp/b" || { cat "$tmp/b"; fail "bench does not list vduse as skipped"; }
echo "PASS: vduse reports the missing kernel module plainly"
