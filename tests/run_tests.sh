#!/usr/bin/env bash
# Test runner (liburing style): runs each test with a timeout; 0 pass, 77 skip, else fail.
# usage: tests/run_tests.sh [unit] [integration] [conformance] [interop]   (default: all)
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
export IOPATH=${IOPATH:-$PWD/$BUILD/iopath}
export IOPATH_ROOT=$PWD
LOGDIR=$BUILD/test-logs
mkdir -p "$LOGDIR"
cats=("$@")
[ ${#cats[@]} -eq 0 ] && cats=(unit integration conformance interop)

pass=(); fail=(); skip=(); tout=()
run_one() { # name timeout cmd...
	local name=$1 to=$2; shift 2
	local log=$LOGDIR/$(echo "$name" | tr '/' '_').log
	local t0=$(date +%s%N)
	timeout --kill-after=10 "$to" "$@" >"$log" 2>&1
	local rc=$?
	local ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	local dt=$((ms / 1000)).$(( (ms % 1000) / 100 ))
	case $rc in
	0) pass+=("$name"); echo "PASS    $name (${dt}s)";;
	77) skip+=("$name"); echo "SKIP    $name: $(grep -m1 -i 'skip' "$log" || tail -n1 "$log")";;
	124|137) tout+=("$name"); echo "TIMEOUT $name (${to}s) log: $log"; tail -n 20 "$log" | sed 's/^/    /';;
	*) fail+=("$name"); echo "FAIL    $name (rc=$rc) log: $log"; tail -n 30 "$log" | sed 's/^/    /';;
	esac
}

for cat in "${cats[@]}"; do
	case $cat in
	unit)
		for t in $(find "$BUILD/tests/unit" -type f -name '*_ut' 2>/dev/null | sort); do
			run_one "unit/${t#$BUILD/tests/unit/}" $((120 * ${TIMEOUT_SCALE:-1})) "$t"
		done;;
	integration|conformance|interop)
		for t in $(find "tests/$cat" -type f \( -name '[0-9]*.sh' \) 2>/dev/null | sort); do
			to=$(grep -m1 -o 'TIMEOUT=[0-9]*' "$t" | cut -d= -f2)
			# TIMEOUT_SCALE: slower builds (sanitizers) multiply every test's timeout
			to=$(( ${to:-300} * ${TIMEOUT_SCALE:-1} ))
			run_one "$cat/${t#tests/$cat/}" "$to" bash "$t"
		done;;
	*) echo "unknown test category '$cat'" >&2; exit 2;;
	esac
done

echo
echo "==== summary ===="
[ ${#skip[@]} -gt 0 ] && printf 'skipped: %s\n' "${skip[@]}"
[ ${#tout[@]} -gt 0 ] && printf 'timed out: %s\n' "${tout[@]}"
[ ${#fail[@]} -gt 0 ] && printf 'failed: %s\n' "${fail[@]}"
nf=$(( ${#fail[@]} + ${#tout[@]} ))
echo "tests: ${#pass[@]} passed, $nf failed, ${#skip[@]} skipped"
[ $nf -eq 0 ]
