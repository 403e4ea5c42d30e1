#!/usr/bin/env bash
# iopath plot: PNG + SVG plots and report.html from two result dirs (before/after), every <img>
# is a real PNG, the tables and conformance/skipped sections are there, and headless Chromium
# renders the page to a non-trivial screenshot.
# TIMEOUT=90
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

command -v gnuplot >/dev/null || { echo "SKIP: gnuplot not installed (mk/packages.txt: gnuplot-nox)"; exit 77; }

# two small "runs": local:+null at QD 1 and 4, 4k and 64k at QD 4 (short, fixed I/O count)
for run in before after; do
	d="$tmp/res/2026-$run"; mkdir -p "$d"
	for c in "4k 1" "4k 4" "64k 4"; do
		set -- $c
		"$IOPATH" run local: --backend null:size=64M --rw randread --bs "$1" --iodepth "$2" \
			--number_ios 20000 -q --json "$d/local-null-randread-$1-qd$2-j1.json" >/dev/null ||
			fail "iopath run $c"
	done
	cat >"$d/skipped.json" <<JSON
{"schema": "iopath.skipped/1", "transports": [{"transport": "nvmf-rdma", "reason": "no RDMA device (/sys/class/infiniband is empty)", "cells": 2}],
 "cells": [{"cell": "vfio-user-null-randread-4k-qd1-j1", "transport": "vfio-user", "status": "failed", "reason": "target exited: test reason"}]}
JSON
done
# a conformance report for the table
mkdir -p "$tmp/conf"
"$IOPATH" conform check "$IOPATH_ROOT/conformance/traces/iopath_vhost_user_blk.jsonl" \
	--json "$tmp/conf/01.json" -q >/dev/null || fail "conform check"

out="$tmp/plots"
"$IOPATH" plot --out "$out" --conform "$tmp/conf" "$tmp/res/2026-before" "$tmp/res/2026-after" \
	>"$tmp/plot.log" 2>&1 || { cat "$tmp/plot.log"; fail "iopath plot"; }
html="$out/report.html"
[ -s "$html" ] || fail "no report.html"
for p in iops_vs_qd lat_vs_qd per_core cores_per_gbps spectrum bw_vs_bs; do
	ls "$out/$p"-null-randread-*.png "$out/$p"-null-randread-*.svg >/dev/null 2>&1 ||
		fail "missing $p plot (png and svg)"
done
# both runs labelled in the comparison plots
grep -q "2026-before" "$out/plot-data/plots-body.gp" && grep -q "2026-after" "$out/plot-data/plots-body.gp" ||
	fail "the two runs are not labelled by run id"
grep -q "ylabel 'IOPS (I/Os per second" "$out/plot-data/plots-body.gp" || fail "IOPS axis unlabelled"

# every <img> resolves to a valid PNG, every linked SVG is an SVG
n=0
for src in $(grep -o '<img src="[^"]*"' "$html" | sed 's/<img src="//; s/"$//'); do
	f="$out/$src"; n=$((n + 1))
	[ -s "$f" ] || fail "img $src does not exist"
	[ "$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || fail "img $src is not a PNG"
done
[ "$n" -ge 6 ] || fail "only $n images in the report"
for href in $(grep -o 'href="[^"#]*\.svg"' "$html" | sed 's/href="//; s/"$//'); do
	grep -q "<svg" "$out/$href" || fail "$href is not an SVG"
done
grep -q "<th>commit</th>" "$html" && grep -q "<th>CPU model</th>" "$html" || fail "environment table missing"
grep -q "<th>p99.9 µs</th>" "$html" && grep -q "IOPS/core tgt" "$html" || fail "metric table columns missing"
grep -q "no RDMA device" "$html" && grep -q "target exited: test reason" "$html" || fail "skipped.json not in the report"
grep -q "<td>VHU-001</td>" "$html" || fail "conformance table missing"
grep -qi "<script" "$html" && fail "the report must not need scripts"

# headless Chromium: the page loads and renders to a screenshot with content
if ! command -v chromium >/dev/null; then
	echo "SKIP: chromium not installed (mk/packages.txt lists it; apt-get install chromium)"
	exit 77
fi
ud=$(mktemp -d -p "$tmp")
timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$ud" --screenshot="$tmp/shot.png" --window-size=1280,2000 \
	"file://$html" >"$tmp/chromium.log" 2>&1
[ -s "$tmp/shot.png" ] || { tail -5 "$tmp/chromium.log"; fail "chromium produced no screenshot"; }
[ "$(head -c 8 "$tmp/shot.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || fail "screenshot is not a PNG"
w=$(od -An -tu1 -j16 -N8 "$tmp/shot.png" | awk '{ print $3 * 256 + $4, $7 * 256 + $8 }')
[ "$w" = "1280 2000" ] || fail "screenshot is $w, expected 1280 2000"
# a blank 1280x2000 page compresses to a few KiB; tables and plots make it far larger
sz=$(stat -c %s "$tmp/shot.png")
[ "$sz" -gt 50000 ] || fail "screenshot is only $sz bytes: page looks empty"
# and the DOM Chromium built has the report's sections
timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$ud" --dump-dom "file://$html" >"$tmp/dom.html" 2>>"$tmp/chromium.log"
grep -q 'id="conformance"' "$tmp/dom.html" && grep -c '<img' "$tmp/dom.html" | grep -qv '^0$' ||
	fail "chromium's DOM lacks the report"
echo "PASS ($n images, screenshot $sz bytes)"
