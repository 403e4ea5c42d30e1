#!/usr/bin/env bash
# Description: every trace in conformance/traces/ meets its .expect file (expected verdicts and
# positions; no unexpected MUST failure).
# TIMEOUT=60
set -u
cd "$IOPATH_ROOT"
rc=0; n=0
for t in conformance/traces/*.pcap conformance/traces/*.jsonl conformance/traces/rdma/*.pcap; do
	[ -e "$t" ] || continue
	n=$((n + 1))
	if [ -e "$t.expect" ]; then
		"$IOPATH" conform check "$t" --expect "$t.expect" -q || { echo "FAIL $t"; rc=1; }
	else
		"$IOPATH" conform check "$t" -q || { echo "FAIL $t (MUST rule failed, no .expect)"; rc=1; }
	fi
done
[ $n -ge 4 ] || { echo "fixtures missing ($n)"; exit 1; }
exit $rc
