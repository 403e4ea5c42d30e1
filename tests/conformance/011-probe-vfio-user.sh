#!/usr/bin/env bash
# Description: active probes against the in-tree vfio-user target: malformed/out-of-sequence
# messages get error replies with the right errno (EEXIST for DMA_MAP overlap), target survives.
# TIMEOUT=120
set -u
cd "$IOPATH_ROOT"
. tests/conformance/lib.sh
ct_need_target vfio-user
ct_start "vfio-user://$CT_TMP/vfu.sock" || { echo "target did not start"; exit 1; }
"$IOPATH" conform probe "vfio-user://$CT_TMP/vfu.sock" --json "$CT_TMP/p.json" >"$CT_TMP/out"
rc=$?
cat "$CT_TMP/out"
grep -Eq 'served a good client after ([0-9]+) of \1 probes' "$CT_TMP/out" || { echo "target did not survive every probe"; exit 1; }
for r in VFU-010 VFU-014 VFU-020; do
	grep -Eq "^  pass +$r " "$CT_TMP/out" || { echo "$r not passed"; exit 1; }
done
[ $rc -eq 0 ] || { echo "a MUST rule failed (exit $rc)"; exit 1; }
