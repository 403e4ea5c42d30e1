#!/usr/bin/env bash
# The regression gate (plots/gate.sh) on local: and vfio-user: gate-update writes a baseline; the
# gate holds the untouched metrics against it and fails with a table naming metric, baseline, new value and tolerance
# when the baseline is doctored (instructions per I/O halved, IOPS ratio of a transport raised,
# a metric the run no longer produces).
# TIMEOUT=120
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
grep -q __asan_init "$IOPATH" &&
	{ echo "SKIP: sanitizer build: valgrind cannot run AddressSanitizer binaries (make gate runs on the normal build)"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: jq not installed (mk/packages.txt lists it)"; exit 77; }
command -v valgrind >/dev/null || perf stat -x, -e instructions:u true 2>&1 | grep -qE '^[0-9]+,' ||
	{ echo "SKIP: neither valgrind nor perf instructions"; exit 77; }
export IOPATH GATE_TRANSPORTS="local vfio-user" GATE_RUNS=1 GATE_RETRY=0 GATE_BASELINE="$tmp/base.json" \
	GATE_N1=500 GATE_N2=2500
gate="$IOPATH_ROOT/plots/gate.sh"

"$gate" --update >"$tmp/update.log" 2>&1 || { cat "$tmp/update.log"; fail "gate --update"; }
jq -e '.schema == "iopath.gate/1" and ([.metrics[].name] | index("instr/IO initiator local") != null)
	and ([.metrics[].name] | index("iops_ratio vfio-user qd1") != null)' "$tmp/base.json" >/dev/null ||
	fail "baseline lacks metrics: $(cat "$tmp/base.json")"
ins=$(jq '.metrics[] | select(.name == "instr/IO initiator local") | .value' "$tmp/base.json")
awk -v v="$ins" 'BEGIN { exit !(v > 50 && v < 5000) }' || fail "instr/IO local = $ins, implausible"


# doctor the baseline: a regression of each kind must fail, naming the metric
jq '(.metrics[] | select(.name == "instr/IO initiator local") | .value) |= (. / 2)
    | (.metrics[] | select(.name == "iops_ratio vfio-user qd16") | .value) |= (. * 1000)
    | .metrics += [{"kind": "ins", "name": "instr/IO initiator gone-transport", "value": 100}]' \
	"$tmp/base.json" >"$tmp/bad.json"
GATE_BASELINE="$tmp/bad.json" "$gate" >"$tmp/bad.log" 2>&1
rc=$?
cat "$tmp/bad.log"
[ $rc -eq 1 ] || fail "gate exit $rc against a doctored baseline, expected 1"
grep -q "^metric .*baseline .*new .*tolerance .*status" "$tmp/bad.log" || fail "no table header"
grep -E "^instr/IO initiator local .* <= \+10% of baseline +FAIL" "$tmp/bad.log" >/dev/null ||
	fail "instruction regression not reported"
grep -E "^iops_ratio vfio-user qd16 .* >= x0.1 of baseline +FAIL" "$tmp/bad.log" >/dev/null ||
	fail "IOPS ratio regression not reported"
grep -E "^instr/IO initiator gone-transport .* missing .*FAIL" "$tmp/bad.log" >/dev/null ||
	fail "missing metric not reported"
grep -q "gate: FAIL ([0-9]* metric" "$tmp/bad.log" || fail "no failure summary"
# the metrics left alone hold against the fresh baseline (same machine, minutes apart)
grep -E "^instr/IO initiator vfio-user .* ok$" "$tmp/bad.log" >/dev/null ||
	fail "untouched instruction metric not ok against its own baseline"

echo PASS
