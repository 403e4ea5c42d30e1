#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Description: our initiator against our target, data verified: in-capsule 4k writes, R2T/H2CData
# for 64k writes, C2HData reads, header+data digests, several queues over two poll groups.
# TIMEOUT=120
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

start_target tgt --backend malloc:size=64M --threads 2

run() { # name args...
	local name=$1
	shift
	"$IOPATH" run "$(URI)" -q --json "$TMP/$name.json" "$@" >"$TMP/$name.out" \
		2>"$TMP/$name.log" || fail "$name: iopath run failed ($*)"
	grep -q '"iops"' "$TMP/$name.json" || fail "$name: no result JSON"
	echo "ok: $name"
}

# 1: 4k random writes (in-capsule), read back and checked, digests on, 2 queues
run w4k --rw randwrite --bs 4k --iodepth 8 --numjobs 2 --size 4M --verify 1 \
	--opts hdgst=1,ddgst=1
# 2: 64k sequential writes: above IOCCSZ, so R2T + H2CData; digests on
run w64k --rw write --bs 64k --iodepth 4 --size 8M --verify 1 --opts hdgst=1,ddgst=1
# 3: 128k (MDTS) mixed, no digests, SQ flow control kept (CapsuleResp after C2HData)
run rw128k --rw randrw --bs 128k --iodepth 2 --size 8M --verify 1 --opts sqfc_disable=0
# 4: options in the URI query (as `iopath bench` templates can carry them): digests negotiated
"$IOPATH" run "$(URI)?hdgst=1&ddgst=1" -q --rw randwrite --bs 4k --size 1M --verify 1 \
	--trace "$TMP/q.pcap" >"$TMP/q.out" 2>"$TMP/q.log" || fail "URI query options run failed"
if command -v tshark >/dev/null; then
	tshark -r "$TMP/q.pcap" -d "tcp.port==4420,nvme-tcp" -T fields -e nvme-tcp.icresp.digest \
		2>/dev/null | grep -qx 3 || fail "URI query: digests not negotiated"
fi
echo "ok: URI query options"
# 5: small H2CData PDUs: the target limits MAXH2CDATA (second target) so one R2T needs 4 PDUs;
# CPDA 3 and HPDA 7 make both sides pad data to 16 and 32 bytes
stop_target
start_target tgt2 --backend malloc:size=16M --opts max_h2c_data=16k,in_capsule=1k,cpda=3
run h2c16k --rw write --bs 64k --iodepth 2 --size 4M --verify 1 --opts hdgst=1,ddgst=1,hpda=7
grep -q "descriptor\|error" "$TMP/h2c16k.log" && fail "h2c16k logged errors"
stop_target
# 6: two namespaces: --nsid 2 reaches the second (8 MiB, 4 KiB blocks)
start_target tgt3 --backend malloc:size=16M --backend malloc:size=8M,bs=4096
run ns2 --nsid 2 --rw randwrite --bs 4k --verify 1
grep -q '"size": *8388608' "$TMP/ns2.json" || fail "ns2: not the 8 MiB namespace"
stop_target
echo PASS
