#!/usr/bin/env bash
# Description: replay the Linux kernel host's half of linux-host_linux-target.pcap (discovery,
# admin and I/O queues, writes then reads) against the in-tree nvmf-tcp target with the same
# 4 KiB LBA format: statuses and read-back data match the Linux target's, except log pages the
# recorded host only asked for because the Linux target advertised them.
# TIMEOUT=60
set -u
cd "$IOPATH_ROOT"
. tests/conformance/lib.sh
ct_need_target nvmf-tcp
started=
for try in 1 2 3 4 5; do
	port=$(( (RANDOM % 40000) + 20000 ))
	uri="nvmf-tcp://127.0.0.1:$port/nqn.2024-01.io.iopath:replay"
	"$IOPATH" target "$uri" --backend malloc:size=256M,bs=4096 >"$CT_TMP/t.log" 2>&1 &
	CT_PIDS+=($!)
	for i in $(seq 100); do grep -q '^ready' "$CT_TMP/t.log" && { started=1; break; }; sleep 0.05; done
	[ -n "$started" ] && break
done
[ -n "$started" ] || { cat "$CT_TMP/t.log"; echo "target did not start"; exit 1; }
"$IOPATH" conform replay conformance/traces/linux-host_linux-target.pcap "$uri" >"$CT_TMP/out"
cat "$CT_TMP/out"
read -r nmatch ndiff < <(sed -n 's/^replay: \([0-9]*\) exchanges match, \([0-9]*\) differ$/\1 \2/p' "$CT_TMP/out")
[ -n "${nmatch:-}" ] || { echo "no replay summary"; exit 1; }
[ "$nmatch" -ge 45 ] || { echo "only $nmatch exchanges match"; exit 1; }
# the only tolerated differences: Get Log Page (admin opcode 02h) of a log the target lacks
if grep '^  DIFFER' "$CT_TMP/out" | grep -v 'got SCT 1h SC 09h'; then
	echo "unexpected differences"; exit 1
fi
# reads of blocks written during the replay were compared byte for byte
grep -q 'match.*SC 00h, data' "$CT_TMP/out" || { echo "no data-carrying exchange matched"; exit 1; }
