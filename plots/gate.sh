#!/usr/bin/env bash
# make gate / make gate-update: run the fixed gate matrix (workloads/gate.matrix) and compare
# noise-tolerant figures with results/baselines/gate.json: each transport's IOPS as a ratio to
# local: in the same run, and instructions per I/O (perf stat instructions:u, else callgrind)
# of the initiator and the target process over a fixed I/O count. See docs/report.md.
# Usage: plots/gate.sh [--update]   (env: IOPATH, GATE_BASELINE, GATE_OUT, GATE_TRANSPORTS)
set -u
cd "$(dirname "$0")/.."
IOPATH=${IOPATH:-build/iopath}
BASE=${GATE_BASELINE:-results/baselines/gate.json}
TRANSPORTS=${GATE_TRANSPORTS:-local nvmf-tcp vfio-user vhost-user-blk}
update=0
[ "${1:-}" = "--update" ] && update=1
# Tolerances: IOPS ratios on a shared noisy machine are generous (new >= baseline * RATIO_MIN);
# instruction counts are nearly deterministic (new <= baseline * (1 + INS_TOL)).
RATIO_MIN=${GATE_RATIO_MIN:-0.1}
INS_TOL=${GATE_INS_TOL:-0.10}
INS_TOL_TGT=${GATE_INS_TOL_TGT:-0.20}
N1=${GATE_N1:-2000}
N2=${GATE_N2:-10000}

tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
die() { echo "gate: $*" >&2; exit 2; }
command -v jq >/dev/null || die "jq is not installed (mk/packages.txt)"
[ -x "$IOPATH" ] || die "$IOPATH not built (make)"
metrics="$tmp/metrics.tsv"   # kind <tab> name <tab> value
: >"$metrics"

# 1. the gate matrix through the bench runner: IOPS ratios to local: per queue depth; with
#    GATE_RUNS > 1 (gate-update: 3) the median ratio of that many runs
runs=${GATE_RUNS:-1}
[ $update = 1 ] && runs=${GATE_RUNS:-3}
for r in $(seq "$runs"); do
	echo "gate: running workloads/gate.matrix (transports: $TRANSPORTS) [$r/$runs]"
	"$IOPATH" bench --matrix gate --transports "$(echo $TRANSPORTS | tr ' ' ,)" \
		--results "$tmp/res$r" --plots "$tmp/plots" >"$tmp/bench.log" 2>&1 ||
		{ tail -n 20 "$tmp/bench.log"; die "iopath bench failed"; }
	run="$tmp/res$r/latest"
	declare -A local_iops=()
	for f in "$run"/*.json; do
		[ "$(basename "$f")" = skipped.json ] && continue
		read -r t qd iops < <(jq -r '"\(.endpoint.transport) \(.job.iodepth) \(.iops)"' "$f")
		[ "$t" = local ] && local_iops[$qd]=$iops
	done
	for f in "$run"/*.json; do
		[ "$(basename "$f")" = skipped.json ] && continue
		read -r t qd iops < <(jq -r '"\(.endpoint.transport) \(.job.iodepth) \(.iops)"' "$f")
		[ "$t" = local ] && continue
		l=${local_iops[$qd]:-0}
		[ "$l" = 0 ] && die "no local: cell at QD $qd to compare $t with"
		printf 'iops_ratio %s qd%s\t%s\n' "$t" "$qd" "$(awk -v a="$iops" -v b="$l" 'BEGIN { printf "%.6g", a / b }')" >>"$tmp/ratios.tsv"
	done
done
# median per metric name
sort -t $'\t' -k1,1 -k2,2g "$tmp/ratios.tsv" | awk -F '\t' '
	{ v[$1] = v[$1] " " $2; n[$1]++; if (!($1 in seen)) { seen[$1] = 1; order[++k] = $1 } }
	END { for (i = 1; i <= k; i++) { split(substr(v[order[i]], 2), a, " ");
		printf "ratio\t%s\t%s\n", order[i], a[int((n[order[i]] + 1) / 2)] } }' >>"$metrics"
jq -r '.cells[] | select(.status != "skipped" or true) | "\(.transport)\t\(.status)\t\(.reason)"' \
	"$run/skipped.json" >"$tmp/skipped.tsv" 2>/dev/null || true

# 2. instructions per I/O at QD 1: (count(N2) - count(N1)) / (N2 - N1) removes start-up cost;
#    initiator and target both in interrupt mode so no busy-poll loop adds timing-dependent work
method=none
if command -v perf >/dev/null && perf stat -x, -e instructions:u true 2>&1 | grep -qE '^[0-9]+,'; then
	method=perf
elif command -v valgrind >/dev/null; then
	method=callgrind
fi
# run PROG... under the counter; prints the count of user instructions
count() {
	local out="$1"; shift
	if [ $method = perf ]; then
		perf stat -x, -e instructions:u -o "$out.perf" -- "$@" >/dev/null 2>"$out.err" || return 1
		grep instructions "$out.perf" | cut -d, -f1
	else
		valgrind --tool=callgrind --callgrind-out-file="$out" "$@" >/dev/null 2>"$out.err" || return 1
		sed -n 's/^totals: //p' "$out"
	fi
}
uri_of() {
	case $1 in
	local) echo "local:";;
	nvmf-tcp) echo "nvmf-tcp://127.0.0.1:$(( (RANDOM % 30000) + 20000 ))/nqn.2026-01.io.iopath:gate";;
	vfio-user) echo "vfio-user://$tmp/nvme-$2";;
	vhost-user-blk) echo "vhost-user-blk://$tmp/vblk-$2.sock";;
	*) return 1;;
	esac
}
# one measurement: $1 transport, $2 I/O count; prints "initiator target" instruction counts
measure() {
	local t=$1 n=$2 uri pid="" ini tgt=0 log i try
	for try in 1 2 3; do
		uri=$(uri_of "$t" "$n.$try") || return 1
		[ "$t" = local ] && break
		log="$tmp/target-$t-$n.$try.log"
		: >"$log"
		if [ $method = callgrind ]; then
			valgrind --tool=callgrind --callgrind-out-file="$tmp/tgt-$t-$n.cg" \
				"$IOPATH" target "$uri" --backend null:size=1G --interrupt >"$log" 2>&1 &
		else
			perf stat -x, -e instructions:u -o "$tmp/tgt-$t-$n.perf" -- \
				"$IOPATH" target "$uri" --backend null:size=1G --interrupt >"$log" 2>&1 &
		fi
		pid=$!; pids+=("$pid")
		for i in $(seq 300); do grep -q '^ready' "$log" && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
		grep -q '^ready' "$log" && break
		kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid=""
	done
	[ "$t" = local ] || [ -n "$pid" ] || { echo "gate: target $t did not start" >&2; return 1; }
	ini=$(count "$tmp/ini-$t-$n.cg" "$IOPATH" run "$uri" --backend null:size=1G --rw randread \
		--bs 4k --iodepth 1 --number_ios "$n" --interrupt -q) || {
		echo "gate: $t initiator failed: $(tail -n 3 "$tmp/ini-$t-$n.cg.err")" >&2; return 1; }
	if [ -n "$pid" ]; then
		kill -TERM "$pid"; wait "$pid" 2>/dev/null
		if [ $method = callgrind ]; then
			tgt=$(sed -n 's/^totals: //p' "$tmp/tgt-$t-$n.cg")
		else
			tgt=$(grep instructions "$tmp/tgt-$t-$n.perf" | cut -d, -f1)
		fi
	fi
	echo "$ini ${tgt:-0}"
}
if [ $method != none ]; then
	echo "gate: instructions per I/O with $method ($N1 and $N2 I/Os, QD 1, interrupt mode)"
	for t in $TRANSPORTS; do
		a=$(measure "$t" $N1) && b=$(measure "$t" $N2) || { echo "gate: no instruction count for $t" >&2; continue; }
		read -r i1 t1 <<<"$a"; read -r i2 t2 <<<"$b"
		printf 'ins\tinstr/IO initiator %s\t%s\n' "$t" "$(awk -v a="$i1" -v b="$i2" -v n=$((N2 - N1)) 'BEGIN { printf "%.1f", (b - a) / n }')" >>"$metrics"
		[ "$t" = local ] || printf 'ins_tgt\tinstr/IO target %s\t%s\n' "$t" "$(awk -v a="$t1" -v b="$t2" -v n=$((N2 - N1)) 'BEGIN { printf "%.1f", (b - a) / n }')" >>"$metrics"
	done
else
	echo "gate: neither perf instructions nor valgrind available: IOPS ratios only"
fi

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ $update = 1 ]; then
	mkdir -p "$(dirname "$BASE")"
	jq -R -s --arg method "$method" --arg commit "$commit" --arg date "$(date -u +%FT%TZ)" \
		--arg cpu "$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1)" '
		{schema: "iopath.gate/1", commit: $commit, date: $date, cpu_model: $cpu,
		 instructions_method: $method,
		 metrics: [split("\n")[] | select(length > 0) | split("\t") |
			   {kind: .[0], name: .[1], value: (.[2] | tonumber)}]}' "$metrics" >"$BASE.tmp" &&
		mv "$BASE.tmp" "$BASE" || die "cannot write $BASE"
	echo "gate: baselines written to $BASE ($(wc -l <"$metrics") metrics, commit $commit)"
	column -t -s $'\t' "$metrics" 2>/dev/null || cat "$metrics"
	exit 0
fi

[ -s "$BASE" ] || die "no baseline $BASE (make gate-update writes it)"
bmethod=$(jq -r .instructions_method "$BASE")
fails=0
printf '%-38s %14s %14s  %-22s %s\n' metric baseline new tolerance status
while IFS=$'\t' read -r kind name val; do
	base=$(jq -r --arg n "$name" '.metrics[] | select(.name == $n) | .value' "$BASE")
	if [ -z "$base" ]; then
		printf '%-38s %14s %14s  %-22s %s\n' "$name" "-" "$val" "-" "new (not in baseline)"
		continue
	fi
	case $kind in
	ratio) tol=">= x$RATIO_MIN of baseline"
		st=$(awk -v n="$val" -v b="$base" -v m="$RATIO_MIN" 'BEGIN { print (n >= b * m) ? "ok" : "FAIL" }');;
	ins|ins_tgt)
		t=$INS_TOL; [ $kind = ins_tgt ] && t=$INS_TOL_TGT
		tol="<= +$(awk -v t="$t" 'BEGIN { printf "%g", t * 100 }')% of baseline"
		if [ "$bmethod" != "$method" ]; then
			st="skip (baseline by $bmethod)"
		else
			st=$(awk -v n="$val" -v b="$base" -v t="$t" 'BEGIN { print (n <= b * (1 + t)) ? (n < b * (1 - 2 * t) ? "ok (better: gate-update?)" : "ok") : "FAIL" }')
		fi;;
	esac
	[ "$st" = FAIL ] && fails=$((fails + 1))
	printf '%-38s %14s %14s  %-22s %s\n' "$name" "$base" "$val" "$tol" "$st"
done <"$metrics"
# a baseline metric that this run did not produce (a transport stopped working) also fails
for name in $(jq -r '.metrics[].name | @base64' "$BASE"); do
	n=$(echo "$name" | base64 -d)
	if ! cut -f2 "$metrics" | grep -qxF "$n"; then
		printf '%-38s %14s %14s  %-22s %s\n' "$n" "$(jq -r --arg n "$n" '.metrics[] | select(.name == $n) | .value' "$BASE")" "missing" "-" "FAIL"
		fails=$((fails + 1))
	fi
done
if [ -s "$tmp/skipped.tsv" ] && grep -qv $'\tskipped\t' "$tmp/skipped.tsv"; then
	echo "cells that failed:"; grep -v $'\tskipped\t' "$tmp/skipped.tsv"
fi
echo "baseline: $BASE (commit $(jq -r .commit "$BASE"), $(jq -r .date "$BASE")); this run: commit $commit"
if [ $fails -gt 0 ]; then
	echo "gate: FAIL ($fails metric(s) out of tolerance)"
	exit 1
fi
echo "gate: ok"
