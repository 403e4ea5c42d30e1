#!/usr/bin/env bash
# Description: replay the host half of nvmetcp_digest.pcap against the in-tree nvmf-tcp target: the
# ICReq exchange matches and the recorded bad header digest again draws a C2HTermReq FES 03h.
# TIMEOUT=60
set -u
cd "$IOPATH_ROOT"
. tests/conformance/lib.sh
ct_need_target nvmf-tcp
ct_start_tcp nqn.2024-01.io.iopath:replay || { echo "target did not start"; exit 1; }
"$IOPATH" conform replay conformance/traces/nvmetcp_digest.pcap "$CT_URI" --json "$CT_TMP/r.json" >"$CT_TMP/out"
cat "$CT_TMP/out"
grep -Eq '^  match +4 +ICReq/ICResp' "$CT_TMP/out" || { echo "ICReq exchange differs"; exit 1; }
grep -Eq '^  match +12 .*expected C2HTermReq FES 03h, got C2HTermReq FES 03h' "$CT_TMP/out" || { echo "bad header digest not answered with FES 03h"; exit 1; }
grep -q '"schema":"iopath.replay/1"' <(tr -d ' \n' <"$CT_TMP/r.json") || { echo "bad JSON"; exit 1; }
