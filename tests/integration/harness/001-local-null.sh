#!/usr/bin/env bash
# Description: iopath run local: + null backend for ~1 s; the JSON result is read back with
# type checks (iopath result) and its figures are checked; bad input gives clean errors.
# TIMEOUT=60
set -u
IOPATH=${IOPATH:-build/iopath}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# 1. the run itself: human summary on stdout, JSON written, exit 0
"$IOPATH" run local: --backend null:size=1G --rw randread --bs 4k --iodepth 1 --runtime 1 \
	--json "$tmp/r.json" --csv "$tmp/summary.csv" --fio-json "$tmp/fio.json" \
	>"$tmp/out" 2>"$tmp/err" ||
	{ cat "$tmp/err"; fail "iopath run exited non-zero"; }
cat "$tmp/out"
grep -q 'IOPS=' "$tmp/out" || fail "no IOPS line in the summary"
grep -q 'lat percentiles (ns): p50=' "$tmp/out" || fail "no latency percentiles in the summary"
grep -q 'cpu (cores): initiator' "$tmp/out" || fail "no CPU line in the summary"

# 2. the JSON reads back with every field type-checked
"$IOPATH" result "$tmp/r.json" || fail "result JSON does not validate"
grep -q '"schema": "iopath.result/1"' "$tmp/r.json" || fail "schema string missing"
get() { "$IOPATH" result --get "$1" "$tmp/r.json"; }
[ "$(get transport)" = local ] || fail "transport is '$(get transport)'"
[ "$(get rw)" = randread ] || fail "rw is '$(get rw)'"
[ "$(get bs)" = 4096 ] || fail "bs is '$(get bs)'"
[ "$(get errors)" = 0 ] || fail "errors: $(get errors) $(get error_msg)"
[ "$(get runtime_ns)" = 1000000000 ] || fail "runtime_ns is $(get runtime_ns), expected 1 s"
ios=$(get ios)
[ "$ios" -gt 100000 ] || fail "only $ios I/Os in 1 s on the null backend"
[ "$(get read.ios)" = "$ios" ] || fail "read.ios differs from ios"
[ "$(get write.ios)" = 0 ] || fail "a randread job wrote"
[ "$(get lat.n)" = "$ios" ] || fail "histogram count $(get lat.n) != ios $ios"
p50=$(get lat.p50); p99=$(get lat.p99); max=$(get lat.max)
[ "$p50" -gt 0 ] && [ "$p50" -le "$p99" ] && [ "$p99" -le "$max" ] ||
	fail "percentiles out of order: p50=$p50 p99=$p99 max=$max"
# one busy thread: more than nothing (even on a loaded CI box), at most about one core
awk -v c="$(get cpu.total)" 'BEGIN { exit !(c > 0.02 && c < 1.5) }' ||
	fail "initiator CPU $(get cpu.total) cores is implausible for one busy thread"
[ "$(sed -n 1p "$tmp/summary.csv" | cut -d, -f1-3)" = "cell,transport,backend" ] ||
	fail "summary.csv header"
[ "$(wc -l <"$tmp/summary.csv")" = 2 ] || fail "summary.csv should hold header + 1 row"
grep -q '"jobname": "run"' "$tmp/fio.json" && grep -q '"99.000000"' "$tmp/fio.json" &&
	grep -q "\"total_ios\": $ios" "$tmp/fio.json" || fail "fio-compatible JSON"

# 3. a fixed I/O count with QD 32 and 2 jobs is exact
"$IOPATH" run -q local: --backend null:size=64M --rw randwrite --iodepth 32 --numjobs 2 \
	--number_ios 50000 --json "$tmp/n.json" >/dev/null || fail "number_ios run failed"
[ "$("$IOPATH" result --get ios "$tmp/n.json")" = 100000 ] || fail "number_ios not exact"

# 4. a fio job file runs unchanged (ioengine/direct/group_reporting accepted with a notice)
cat >"$tmp/job.fio" <<'FIO'
[global]
ioengine=libaio
direct=1
bs=4k
size=64m
runtime=200ms
time_based
group_reporting
[rr]
rw=randread
iodepth=4
[sw]
rw=write
bs=128k
FIO
"$IOPATH" run local: --backend null:size=64M "$tmp/job.fio" --json "$tmp/j.json" \
	>"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err"; fail "fio job file did not run"; }
grep -q "ioengine' ignored" "$tmp/err" || fail "no notice for the ignored ioengine option"
"$IOPATH" result "$tmp/j-rr.json" "$tmp/j-sw.json" || fail "per-job JSON files"
[ "$("$IOPATH" result --get bs "$tmp/j-sw.json")" = 131072 ] || fail "section bs not applied"

# 5. bad input: clear message, non-zero exit, never a crash
expect_err() { # pattern args...
	local pat=$1; shift
	"$IOPATH" "$@" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	[ $rc -ne 0 ] && [ $rc -lt 128 ] || fail "'$*' exited $rc"
	grep -q -- "$pat" "$tmp/err" || { cat "$tmp/err"; fail "'$*': no message matching '$pat'"; }
}
expect_err "unknown option '--frobnicate'" run local: --backend null --frobnicate 3
expect_err "bad value '4q' for bs" run local: --backend null --bs 4q
expect_err "cannot read job file" run local: --backend null "$tmp/missing.fio"
expect_err "not an endpoint URI" run not-a-uri --backend null
expect_err "no initiator for 'bogus:'" run bogus://x
expect_err "unknown backend 'nope'" run local: --backend nope:size=1G
expect_err "needs a backend" run local:
expect_err "missing URI" run
expect_err "not a multiple of the device block size" run local: --backend null:size=1M --bs 100
expect_err "more than half of this machine's memory" run local: --backend null \
	--iodepth 65536 --numjobs 256 --bs 1m
printf '[a]\nrate_iops=5\n' >"$tmp/bad.fio"
expect_err "bad.fio:2: unknown option 'rate_iops'" run local: --backend null "$tmp/bad.fio"
echo '{"schema": "iopath.result/1"}' >"$tmp/bad.json"
expect_err "missing field" result "$tmp/bad.json"
"$IOPATH" run --help | grep -q 'usage: iopath run' || fail "run --help"
echo "PASS"
