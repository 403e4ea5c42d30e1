#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Description: malformed ICReq/PDUs from a raw client get a C2HTermReq with the spec's FES/FEI and
# the connection closed; a data digest error fails only that command; a good client keeps working.
# TIMEOUT=90
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/bad_pdus.hex"

start_target tgt --backend malloc:size=64M

# A good client runs throughout.
"$IOPATH" run "$(URI)" --rw randrw --bs 4k --iodepth 4 --runtime 6 --verify 1 -q \
	>"$TMP/good.out" 2>"$TMP/good.log" &
GOOD=$!
PIDS+=("$GOOD")

send_hex() {
	printf '%b' "$(echo -n "$1" | sed 's/../\\x&/g')" >&3 2>/dev/null
}

# probe PDU...: send the PDUs on a fresh connection, read until the target closes (3 s max).
probe() {
	exec 3<>"/dev/tcp/127.0.0.1/$PORT" || fail "cannot connect"
	for p in "$@"; do
		send_hex "$p"
	done
	timeout 3 cat <&3 >"$TMP/reply.bin"
	RC=$?
	exec 3<&-
	R=$(od -An -v -tx1 "$TMP/reply.bin" | tr -d ' \n')
}

# expect_term WHAT FES FEI: the reply is exactly one C2HTermReq, then EOF.
expect_term() {
	local what=$1 fes=$2 fei=$3
	[ "$RC" -ne 124 ] || fail "$what: connection not closed after the error"
	# the ICResp of a good ICReq comes first: skip it
	[ "${R:0:6}" = "010080" ] && R=${R:256}
	[ "${R:0:2}" = "03" ] || fail "$what: expected C2HTermReq, got '${R:0:48}'"
	[ "${R:4:2}" = "18" ] || fail "$what: TermReq HLEN ${R:4:2}"
	local plen=$((16#${R:14:2}${R:12:2}${R:10:2}${R:8:2}))
	[ $((${#R} / 2)) -eq "$plen" ] || fail "$what: $((${#R} / 2)) bytes, PLEN $plen"
	[ "${R:16:4}" = "$(printf '%02x00' "$fes")" ] || fail "$what: FES ${R:16:4}, want $fes"
	[ "${R:20:8}" = "$(printf '%02x000000' "$fei")" ] || fail "$what: FEI ${R:20:8}, want $fei"
	echo "ok: $what -> C2HTermReq FES $fes FEI $fei, closed"
}

# 1: unsupported PFV -> FES 06h (unsupported parameter), FEI = offset of PFV
probe "$ICREQ_PFV1";            expect_term "ICReq PFV 1" 6 8
# 2: ICReq HLEN 127 -> FES 01h, FEI 2 (hlen)
probe "$ICREQ_HLEN127";         expect_term "ICReq HLEN 127" 1 2
# 3: a command before ICReq -> FES 02h (PDU sequence error)
probe "$CMD_NODATA";            expect_term "CapsuleCmd before ICReq" 2 0
# 4: a reserved PDU type after IC -> FES 01h, FEI 0
probe "$ICREQ" "$TYPE_0B";      expect_term "PDU type 0x0b" 1 0
# 5: PDO inside the header -> FES 01h, FEI 3
probe "$ICREQ" "$CMD_BADPDO";   expect_term "PDO 16" 1 3
# 6: header digest error -> FES 03h
probe "$ICREQ_HDGST" "$CMD_BAD_HDGST"; expect_term "header digest" 3 0
# 7: H2CData without an R2T -> FES 01h, FEI 10 (TTAG)
probe "$ICREQ" "$H2C_NO_R2T";   expect_term "H2CData without R2T" 1 10
# 8: second ICReq -> FES 02h
probe "$ICREQ" "$ICREQ";        expect_term "second ICReq" 2 0
# 9: H2CTermReq from the host: the target closes without a reply
probe "$ICREQ" "$H2C_TERM"
[ "$RC" -ne 124 ] || fail "H2CTermReq: connection not closed"
# (the ICResp may or may not have left before the TermReq was read: nothing else may come)
[ ${#R} -eq 0 ] || { [ "${R:0:2}" = "01" ] && [ ${#R} -eq 256 ]; } ||
	fail "H2CTermReq: expected at most the ICResp, got ${#R} hex"
echo "ok: H2CTermReq -> closed silently"
# 10: malformed TermReq (PLEN 200) -> closed, no TermReq back
probe "$ICREQ" "$TERM_PLEN200"
[ "$RC" -ne 124 ] || fail "bad TermReq: connection not closed"
[ ${#R} -eq 0 ] || { [ "${R:0:2}" = "01" ] && [ ${#R} -eq 256 ]; } ||
	fail "bad TermReq: expected at most the ICResp, got ${#R} hex"
echo "ok: malformed TermReq -> closed silently"
# 11: a client that connects and vanishes without a byte
exec 3<>"/dev/tcp/127.0.0.1/$PORT" && exec 3<&-

# 12: data digest error in a command capsule: that command fails with Transient Transport
# Error (SCT 0, SC 22h), the connection stays and the next command succeeds.
exec 3<>"/dev/tcp/127.0.0.1/$PORT" || fail "cannot connect"
send_hex "$ICREQ_DDGST"
R=$(timeout 3 dd bs=1 count=128 status=none <&3 | od -An -v -tx1 | tr -d ' \n')
[ "${R:0:2}" = "01" ] && [ "${R:22:2}" = "02" ] || fail "ICResp without data digest: ${R:0:32}"
send_hex "$CONNECT_BAD_DDGST"
R=$(timeout 3 dd bs=1 count=24 status=none <&3 | od -An -v -tx1 | tr -d ' \n')
[ "${R:0:2}" = "05" ] || fail "ddgst: expected CapsuleResp, got '$R'"
[ "${R:40:4}" = "0100" ] || fail "ddgst: CQE for cid ${R:40:4}"
[ "${R:44:4}" = "4400" ] || fail "ddgst: status ${R:44:4}, want 4400 (transient transport error)"
send_hex "$CONNECT_GOOD_DDGST"
R=$(timeout 3 dd bs=1 count=24 status=none <&3 | od -An -v -tx1 | tr -d ' \n')
[ "${R:0:2}" = "05" ] && [ "${R:40:4}" = "0200" ] || fail "good Connect: reply '$R'"
[ "${R:44:4}" = "0000" ] || fail "good Connect after digest error: status ${R:44:4}"
echo "ok: data digest error -> Transient Transport Error, connection kept, next Connect ok"
# 13: an unknown admin opcode: Invalid Command Opcode (SC 01h) with DNR, connection kept
send_hex "$CMD_UNKNOWN_OPC"
R=$(timeout 3 dd bs=1 count=24 status=none <&3 | od -An -v -tx1 | tr -d ' \n')
[ "${R:0:2}" = "05" ] && [ "${R:40:4}" = "0300" ] || fail "unknown opcode: reply '$R'"
[ "${R:44:4}" = "0280" ] || fail "unknown opcode: status ${R:44:4}, want 0280 (DNR, SC 01h)"
exec 3<&-
echo "ok: unknown admin opcode -> Invalid Command Opcode, DNR"

wait "$GOOD" || fail "the good client failed while others misbehaved"
PIDS=("${PIDS[@]/$GOOD}")
kill -0 "$TPID" || fail "target died"
stop_target
echo "PASS"
