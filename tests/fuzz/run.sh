#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Run each libFuzzer target for FUZZ_TIME seconds from its seed corpus; print executions and
# coverage per target; exit 1 when one crashed (the input is kept in $FUZZ_BUILD/crashes/).
set -u
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
FUZZ_TIME=${FUZZ_TIME:-60}
out=$FUZZ_BUILD/fuzz-stats.txt
mkdir -p "$FUZZ_BUILD/crashes"
: >"$out"
bad=0
printf '%-30s %10s %8s %8s %s\n' target execs cov ft result | tee -a "$out"
for name in "$@"; do
	bin=$FUZZ_BUILD/fuzz/$name
	seeds=tests/fuzz/corpus/$name
	regress=tests/fuzz/regress/$name  # inputs that once crashed: replayed first
	work=$FUZZ_BUILD/corpus/$name
	mkdir -p "$work" "$seeds"
	log=$FUZZ_BUILD/$name.log
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 "$bin" -max_total_time="$FUZZ_TIME" \
		-print_final_stats=1 -close_fd_mask=3 -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$FUZZ_BUILD/crashes/$name-" "$work" "$seeds" \
		$( [ -d "$regress" ] && echo "$regress") >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
	ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
	res=ok
	if [ $rc -ne 0 ]; then
		res="CRASH (rc $rc, see $log)"
		bad=1
	fi
	printf '%-30s %10s %8s %8s %s\n' "$name" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$res" | tee -a "$out"
done
exit $bad
