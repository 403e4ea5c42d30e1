#!/usr/bin/env bash
# Description: active probes against the in-tree vhost-user-blk and -scsi back ends: unknown
# request, oversized payload and malformed memory tables are rejected, the back end survives.
# TIMEOUT=60
set -u
cd "$IOPATH_ROOT"
. tests/conformance/lib.sh
for s in vhost-user-blk vhost-user-scsi; do
	ct_need_target $s
	ct_start "$s://$CT_TMP/$s.sock" || { echo "$s target did not start"; exit 1; }
	"$IOPATH" conform probe "$s://$CT_TMP/$s.sock" --json "$CT_TMP/$s.json" >"$CT_TMP/out"
	rc=$?
	cat "$CT_TMP/out"
	grep -Eq 'served a good client after ([0-9]+) of \1 probes' "$CT_TMP/out" || { echo "$s did not survive every probe"; exit 1; }
	for r in VHU-001 VHU-007 VHU-013 VHU-014; do
		grep -Eq "^  pass +$r " "$CT_TMP/out" || { echo "$s: $r not passed"; exit 1; }
	done
	[ $rc -eq 0 ] || { echo "$s: a MUST rule failed (exit $rc)"; exit 1; }
done
