#!/usr/bin/env bash
# Description: tshark (independent decoder and CRC32C oracle) and iopath agree, frame by frame, on
# NVMe/TCP PDU types and header/data digest verdicts for every pcap in conformance/traces/.
# TIMEOUT=60
set -u
cd "$IOPATH_ROOT"
command -v tshark >/dev/null || { echo "skip: tshark not installed"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
rc=0
for t in conformance/traces/*.pcap; do
	[ -e "$t" ] || continue
	# decode as NVMe/TCP every port a connection was opened to (recorded targets use random ports)
	dec=(-d tcp.port==4420,nvme-tcp)
	for p in $(tshark -r "$t" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' -T fields -e tcp.dstport 2>/dev/null | sort -u); do
		dec+=(-d "tcp.port==$p,nvme-tcp")
	done
	tshark -r "$t" "${dec[@]}" -o nvme-tcp.check_hdgst:TRUE \
		-o nvme-tcp.check_ddgst:TRUE -T fields -e frame.number -e nvme-tcp.type \
		-e nvme-tcp.hdgst.status -e nvme-tcp.ddgst.status -E occurrence=a 2>/dev/null |
		awk -F'\t' '$2 != ""' >"$tmp/tshark"
	"$IOPATH" conform check "$t" --pdus >"$tmp/ours"
	if ! diff -u "$tmp/tshark" "$tmp/ours"; then
		echo "DISAGREE $t (- tshark, + iopath)"; rc=1
	else
		echo "agree $t: $(wc -l <"$tmp/ours") frames with PDUs, $(awk -F"\t" "\$3 ~ /0/ || \$4 ~ /0/" "$tmp/ours" | wc -l) with a bad digest"
	fi
	[ -s "$tmp/ours" ] || { echo "no PDUs decoded from $t"; rc=1; }
done
exit $rc
