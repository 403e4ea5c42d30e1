#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Description: bounded soak (iopath run --soak) over loopback NVMe/TCP and vhost-user-blk: RSS and
# open fds of initiator and target sampled every second for ~10 s must stay flat; a bound of 0
# on a workload that does grow (a lazily allocated RAM disk being filled) must fail.
# TIMEOUT=120
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

for tr in nvmf-tcp vhost-user-blk; do
	r_transports | grep -qx "$tr" || continue
	R_ADDR=
	r_start "$tr" "tgt-$tr" malloc:size=8M
	# fill the RAM disk first: its pages are then allocated, so the soak sees a steady state
	r_run "fill-$tr" --rw write --bs 128k --iodepth 4 || fail "$tr: fill failed"
	r_run "soak-$tr" --rw randrw --bs 4k --iodepth 16 --verify 1 --runtime 10 --soak 1s \
		--target-pid "$R_TPID" || fail "$tr: soak failed: $(grep soak: "$RTMP/soak-$tr.out")"
	grep -q "soak: target pid $R_TPID: .*: flat" "$RTMP/soak-$tr.out" || fail "$tr: no target sample"
	grep -q "soak: initiator pid .*: flat" "$RTMP/soak-$tr.out" || fail "$tr: no initiator sample"
	grep -q 'errors=0 verify_errors=0' "$RTMP/soak-$tr.out" || fail "$tr: I/O errors"
	grep "soak:" "$RTMP/soak-$tr.out"
	r_stop_target
done

# the check can fail: filling a lazily allocated 64 MiB RAM disk grows RSS past a 0 bound
R_URI=local: R_BACKEND=malloc:size=64M
r_run grow --rw write --bs 128k --iodepth 4 --runtime 3 --soak 300ms --soak-max-rss 0 &&
	fail "RSS growth not reported"
grep -q "soak: initiator .*GREW" "$RTMP/grow.out" || fail "no GREW line: $(cat "$RTMP/grow.out")"
# a soak must be bounded
"$IOPATH" run local: --backend null:size=1M --soak 1s >/dev/null 2>&1 && fail "--soak without --runtime accepted"
echo "ok: growth detected, unbounded soak refused"
echo PASS
