#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Description: keep alive both ways: the initiator feeds a 1 s KATO (Keep Alive every 500 ms)
# through a 3 s run; a raw host that connects with KATO 1 s and then goes silent is
# dropped by the target, which keeps serving.
# TIMEOUT=60
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/bad_pdus.hex"

start_target tgt --backend malloc:size=16M --interrupt
# Without Keep Alive the target would drop this controller after 1 s (see the silent host below).
"$IOPATH" run "$(URI)?kato=1000" -q --interrupt --rw randread --bs 4k --iodepth 2 --runtime 3 \
	>"$TMP/run.out" 2>"$TMP/run.log" || fail "3 s run with KATO 1 s failed"
grep -qi "keep-alive timeout" "$TMP/tgt.log" && fail "target saw a keep-alive timeout"
echo "ok: 3 s run with KATO 1 s"

send_hex() {
	printf '%b' "$(echo -n "$1" | sed 's/../\\x&/g')" >&3 2>/dev/null
}
exec 3<>"/dev/tcp/127.0.0.1/$PORT" || fail "cannot connect"
send_hex "$ICREQ"
send_hex "$CONNECT_KATO1S"
t0=$(date +%s%N)
timeout 10 cat <&3 >"$TMP/silent.bin"
rc=$?
exec 3<&-
ms=$((($(date +%s%N) - t0) / 1000000))
[ $rc -ne 124 ] || fail "silent host with KATO 1 s still connected after 10 s"
R=$(od -An -v -tx1 "$TMP/silent.bin" | tr -d ' \n')
[ "${R:0:2}" = "01" ] && [ "${R:256:2}" = "05" ] && [ "${R:300:4}" = "0000" ] ||
	fail "silent host: Connect did not succeed: ${R:0:64}... ${R:256:48}"
[ $ms -ge 900 ] || fail "silent host dropped after $ms ms, before its KATO"
echo "ok: silent host (KATO 1 s) dropped after $ms ms"
"$IOPATH" run "$(URI)" -q --interrupt --rw randwrite --bs 4k --size 1M --verify 1 \
	>"$TMP/after.out" 2>"$TMP/after.log" || fail "target no longer serves after dropping a host"
stop_target
echo PASS
