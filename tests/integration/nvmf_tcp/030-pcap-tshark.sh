#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Description: sessions recorded with --trace on both sides decode in tshark as nvme-tcp with every
# header and data digest judged good, no malformed packets, no TCP warnings.
# TIMEOUT=90
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
command -v tshark >/dev/null || { echo "SKIP: tshark not installed"; exit 77; }

start_target tgt --backend malloc:size=16M --trace "$TMP/target.pcap"
"$IOPATH" run "$(URI)" -q --rw randwrite --bs 8k --iodepth 4 --size 1M --verify 1 \
	--trace "$TMP/host.pcap" --opts hdgst=1,ddgst=1 >"$TMP/run.out" 2>"$TMP/run.log" ||
	fail "run 1 failed"
"$IOPATH" run "$(URI)" -q --rw write --bs 64k --iodepth 2 --size 1M \
	--trace "$TMP/host2.pcap" --opts hdgst=1,ddgst=1 >"$TMP/run2.out" 2>"$TMP/run2.log" ||
	fail "run 2 failed"
stop_target

check() { # file
	local f=$1 fields bad good types
	[ -s "$f" ] || fail "$f is empty"
	fields=$(tshark -r "$f" -d "tcp.port==4420,nvme-tcp" -o nvme-tcp.check_hdgst:TRUE \
		-o nvme-tcp.check_ddgst:TRUE -T fields -E 'separator=;' -e nvme-tcp.type \
		-e nvme-tcp.hdgst.status -e nvme-tcp.ddgst.status -e _ws.malformed \
		-e _ws.expert.severity 2>"$TMP/tshark.log") || fail "tshark failed on $f"
	[ -n "$fields" ] || fail "no packets decoded in $f"
	types=$(echo "$fields" | cut -d';' -f1 | tr ',' '\n' | sort -u | tr '\n' ' ')
	good=$(echo "$fields" | cut -d';' -f2,3 | tr ',;' '\n\n' | grep -c '^1$')
	bad=$(echo "$fields" | cut -d';' -f2,3 | tr ',;' '\n\n' | grep -c '^0$')
	[ "$bad" -eq 0 ] || fail "$f: $bad digests judged bad"
	[ "$good" -gt 50 ] || fail "$f: only $good digests checked"
	if echo "$fields" | cut -d';' -f4 | grep -q .; then
		echo "$fields" | awk -F';' '$4 != ""' | head -5
		fail "$f: malformed packets"
	fi
	# expert severities: 2097152 chat, 4194304 note; warnings/errors are larger
	echo "$fields" | cut -d';' -f5 | tr ',' '\n' | awk '$1 > 4194304 {e=1} END {exit !e}' &&
		fail "$f: tshark expert warnings"
	for t in 0 1 4 5 7; do
		echo " $types" | grep -q " $t " || fail "$f: no PDU of type $t (types: $types)"
	done
	echo "ok: $f: PDU types $types, $good digests good"
}
# Negative control: the same counting flags the fixture whose frames 11/12 carry bad digests.
FIX=$IOPATH_ROOT/tests/unit/targets/transport/nvmf_tcp/nvmetcp_digest.pcap
nbad=$(tshark -r "$FIX" -d tcp.port==4420,nvme-tcp -o nvme-tcp.check_hdgst:TRUE \
	-o nvme-tcp.check_ddgst:TRUE -T fields -e nvme-tcp.hdgst.status -e nvme-tcp.ddgst.status \
	2>/dev/null | tr ',\t' '\n\n' | grep -c '^0$')
[ "$nbad" -eq 2 ] || fail "negative control: $nbad bad digests found in the fixture, want 2"
check "$TMP/target.pcap"
check "$TMP/host.pcap"
check "$TMP/host2.pcap"
# 64k writes go through R2T (9) and H2CData (6)
tshark -r "$TMP/host2.pcap" -d "tcp.port==4420,nvme-tcp" -T fields -e nvme-tcp.type 2>/dev/null |
	tr ',' '\n' | grep -qx 9 || fail "no R2T in host2.pcap"
tshark -r "$TMP/host2.pcap" -d "tcp.port==4420,nvme-tcp" -T fields -e nvme-tcp.type 2>/dev/null |
	tr ',' '\n' | grep -qx 6 || fail "no H2CData in host2.pcap"
echo PASS
