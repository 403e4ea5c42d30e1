#!/usr/bin/env bash
# Description: tshark's InfiniBand/RoCEv2 dissector and iopath's RoCEv2 decoder agree, packet by
# packet, on BTH opcode, destination QP, PSN, RETH (VA, R_Key, DMA length), IETH, the CM REQ/REP
# local QPNs, the REQ's NVMe private data and the REP's CRQSIZE (nvme-rdma dissector) for every capture in conformance/traces/rdma/; each capture decodes as RoCE.
# TIMEOUT=60
set -u
cd "$IOPATH_ROOT"
command -v tshark >/dev/null || { echo "skip: tshark not installed"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
rc=0; n=0
for t in conformance/traces/rdma/*.pcap; do
	[ -e "$t" ] || continue
	n=$((n + 1))
	"$IOPATH" conform check "$t" --pdus -q >"$tmp/iopath.txt" || { echo "FAIL $t: check failed"; rc=1; }
	# tshark prints a repeated IETH twice ("k,k"): keep the first.
	tshark -r "$t" -d udp.port==4791,infiniband -Y infiniband -T fields -e frame.number \
		-e infiniband.bth.opcode -e infiniband.bth.destqp -e infiniband.bth.psn \
		-e infiniband.reth.va -e infiniband.reth.r_key -e infiniband.reth.dmalen \
		-e infiniband.ieth -e infiniband.cm.req.localqpn -e infiniband.cm.rep.localqpn \
		-e infiniband.cm.req.ip_cm.private -e nvme-rdma.cm.rsp.crqsize \
		2>/dev/null | awk -F'\t' 'BEGIN { OFS = "\t" } { sub(/,.*/, "", $8); print }' >"$tmp/tshark.txt"
	[ -s "$tmp/tshark.txt" ] || { echo "FAIL $t: tshark decoded no RoCEv2 packet"; rc=1; continue; }
	if diff -u "$tmp/tshark.txt" "$tmp/iopath.txt" >"$tmp/diff"; then
		echo "ok $t: $(wc -l <"$tmp/iopath.txt") RoCEv2 packets agree"
	else
		echo "FAIL $t: iopath and tshark disagree"; head -20 "$tmp/diff"; rc=1
	fi
done
[ $n -ge 2 ] || { echo "RoCEv2 captures missing ($n)"; exit 1; }
exit $rc
