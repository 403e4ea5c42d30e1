#!/usr/bin/env bash
# --output-format=fio-json on `iopath run` and `iopath result`: fio's JSON layout (jobs[].read/write
# iops, bw, lat_ns and clat_ns with percentile maps, usr_cpu, sys_cpu), read with jq as fio tooling
# would, and the numbers agree with the iopath.result/1 file of the same run.
# TIMEOUT=60
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
command -v jq >/dev/null || { echo "SKIP: jq not installed (mk/packages.txt lists it)"; exit 77; }

"$IOPATH" run local: --backend null:size=64M --rw randrw --rwmixread 70 --bs 4k --iodepth 4 \
	--number_ios 30000 --output-format=fio-json --json "$tmp/r.json" >"$tmp/fio.json" 2>"$tmp/err" ||
	{ cat "$tmp/err"; fail "iopath run --output-format=fio-json"; }
jq -e . "$tmp/fio.json" >/dev/null || fail "stdout is not one JSON document (text mixed in?)"
check() { jq -e "$1" "$2" >/dev/null || fail "$2: $1 does not hold: $(jq -c "$3" "$2")"; }
f="$tmp/fio.json"
check '."fio version" | type == "string"' "$f" '."fio version"'
check '.jobs | length == 1' "$f" '.jobs | length'
for d in read write; do
	check ".jobs[0].$d.iops > 0 and .jobs[0].$d.bw > 0 and .jobs[0].$d.bw_bytes > 0" "$f" ".jobs[0].$d"
	check ".jobs[0].$d.total_ios > 0 and .jobs[0].$d.io_bytes == .jobs[0].$d.total_ios * 4096" "$f" ".jobs[0].$d"
	for l in lat_ns clat_ns; do
		check ".jobs[0].$d.$l | (.min <= .mean and .mean <= .max and .N > 0)" "$f" ".jobs[0].$d.$l"
		check ".jobs[0].$d.$l.percentile | has(\"50.000000\") and has(\"99.000000\") and has(\"99.900000\")" \
			"$f" ".jobs[0].$d.$l"
		check ".jobs[0].$d.$l.percentile[\"50.000000\"] <= .jobs[0].$d.$l.percentile[\"99.900000\"]" \
			"$f" ".jobs[0].$d.$l.percentile"
	done
done
check '.jobs[0] | (.usr_cpu | type == "number") and (.sys_cpu | type == "number") and .usr_cpu + .sys_cpu > 0' "$f" '.jobs[0] | {usr_cpu, sys_cpu}'
check '.jobs[0]."job options".rw == "randrw" and .jobs[0]."job options".bs == "4096"' "$f" '.jobs[0]."job options"'
# 70 % reads within a wide margin, and totals equal the iopath result of the same run
total=$("$IOPATH" result --get ios "$tmp/r.json")
check ".jobs[0].read.total_ios + .jobs[0].write.total_ios == $total" "$f" '.jobs[0].read.total_ios'
check '.jobs[0].read.total_ios > .jobs[0].write.total_ios' "$f" '.jobs[0].read.total_ios'

# --output FILE, and a bad format is a usage error
"$IOPATH" run local: --backend null:size=64M --number_ios 1000 --output-format=fio-json \
	--output "$tmp/o.json" -q >"$tmp/stdout" || fail "--output"
[ ! -s "$tmp/stdout" ] || fail "--output-format with --output still printed to stdout"
jq -e '.jobs[0].read.iops > 0' "$tmp/o.json" >/dev/null || fail "--output file is not fio JSON"
"$IOPATH" run local: --backend null:size=64M --number_ios 10 --output-format=xml 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "fio-json" "$tmp/err" || fail "bad --output-format not a usage error"

# bench results (iopath.result/1 files) -> one fio document with a job per file
cp "$tmp/r.json" "$tmp/r2.json"
"$IOPATH" result --output-format=fio-json "$tmp/r.json" "$tmp/r2.json" >"$tmp/both.json" ||
	fail "iopath result --output-format=fio-json"
check '.jobs | length == 2' "$tmp/both.json" '.jobs | length'
check '.jobs[1].read.clat_ns.percentile["99.000000"] > 0' "$tmp/both.json" '.jobs[1].read.clat_ns'
# a run directory stands for its result files (skipped.json, fio's raw output left out)
mkdir "$tmp/run"; cp "$tmp/r.json" "$tmp/run/a.json"; cp "$tmp/r.json" "$tmp/run/b.json"
echo '{"schema": "iopath.skipped/1", "transports": [], "cells": []}' >"$tmp/run/skipped.json"
echo '{"fio version": "fio-3.33", "jobs": []}' >"$tmp/run/x.fio.json"
"$IOPATH" result --output-format=fio-json "$tmp/run" >"$tmp/dir.json" || fail "result DIR"
check '.jobs | length == 2' "$tmp/dir.json" '.jobs | length'
# an explicit file that is not a result is an error
"$IOPATH" result --output-format=fio-json "$tmp/run/skipped.json" >/dev/null 2>&1 &&
	fail "skipped.json accepted as a result"
echo PASS
