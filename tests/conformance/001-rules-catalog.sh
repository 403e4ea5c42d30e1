#!/usr/bin/env bash
# Description: the rule catalog is valid, large enough per family, and RULES.md is in sync with it.
# TIMEOUT=30
set -u
cd "$IOPATH_ROOT"
"$IOPATH" conform rules --validate || { echo "catalog invalid"; exit 1; }
tmp=$(mktemp); trap 'rm -f "$tmp"' EXIT
"$IOPATH" conform rules --markdown >"$tmp"
if ! diff -u conformance/RULES.md "$tmp"; then
	echo "conformance/RULES.md is stale: run '$IOPATH conform rules --markdown > conformance/RULES.md'"
	exit 1
fi
n() { "$IOPATH" conform rules --rules "$1" | wc -l; }
tcpfab=$(( $(n TCP) + $(n FAB) )); vfu=$(n VFU); vhu=$(n VHU)
echo "TCP+FAB $tcpfab, VFU $vfu, VHU $vhu"
[ "$tcpfab" -ge 60 ] && [ "$vfu" -ge 25 ] && [ "$vhu" -ge 15 ] || { echo "too few rules"; exit 1; }
# Every rule has an ID, spec, section, level, method and text (6 tab-separated non-empty fields).
"$IOPATH" conform rules | awk -F'\t' 'NF != 6 { print "bad row: " $0; bad = 1 }
	{ for (i = 1; i <= NF; i++) if ($i == "") { print "empty field: " $0; bad = 1 } }
	END { exit bad }'
