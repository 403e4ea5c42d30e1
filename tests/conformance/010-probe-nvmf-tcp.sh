#!/usr/bin/env bash
# Description: active probes against the in-tree nvmf-tcp target: every bad input gets the spec's
# reaction (TermReq FES, Connect/command status) and a good client is served after each probe.
# TIMEOUT=120
set -u
cd "$IOPATH_ROOT"
. tests/conformance/lib.sh
ct_need_target nvmf-tcp
ct_start_tcp nqn.2024-01.io.iopath:conform || { echo "target did not start"; exit 1; }
"$IOPATH" conform probe "$CT_URI" --json "$CT_TMP/p.json" >"$CT_TMP/out"
rc=$?
cat "$CT_TMP/out"
grep -Eq 'served a good client after ([0-9]+) of \1 probes' "$CT_TMP/out" || { echo "target did not survive every probe"; exit 1; }
for r in TCP-005 TCP-013 TCP-022 TCP-046 FAB-005 FAB-014; do
	grep -Eq "^  pass +$r " "$CT_TMP/out" || { echo "$r not passed"; exit 1; }
done
[ $rc -eq 0 ] || { echo "a MUST rule failed (exit $rc)"; exit 1; }
