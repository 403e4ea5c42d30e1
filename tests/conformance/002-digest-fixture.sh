#!/usr/bin/env bash
# Description: check on nvmetcp_digest.pcap reports the bad data digest (frame 11), the bad header
# digest (frame 12) as failures of TCP-021/TCP-020, sees the C2HTermReq FES 03h, exits 1 (MUST).
# TIMEOUT=30
set -u
cd "$IOPATH_ROOT"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$IOPATH" conform check conformance/traces/nvmetcp_digest.pcap --json "$tmp/r.json" >"$tmp/out"
rc=$?
cat "$tmp/out"
[ $rc -eq 1 ] || { echo "expected exit 1 (MUST rule failed), got $rc"; exit 1; }
grep -Eq '^  fail +TCP-021 ' "$tmp/out" || { echo "TCP-021 not failed"; exit 1; }
grep -Eq '^      at frame 11 .*C2HData: expected DDGST' "$tmp/out" || { echo "no ddgst failure at frame 11"; exit 1; }
grep -Eq '^  fail +TCP-020 ' "$tmp/out" || { echo "TCP-020 not failed"; exit 1; }
grep -Eq '^      at frame 12 .*CapsuleCmd: expected HDGST' "$tmp/out" || { echo "no hdgst failure at frame 12"; exit 1; }
grep -Eq '^  pass +TCP-022 ' "$tmp/out" || { echo "TCP-022 (TermReq FES 03h) not passed"; exit 1; }
grep -Eq 'event +frame 13 .*C2HTermReq FES 03h' "$tmp/out" || { echo "C2HTermReq FES 03h not seen"; exit 1; }
# JSON report: schema, per-rule verdicts and the failure positions.
tr -d " \n" <"$tmp/r.json" | grep -q "\"schema\":\"iopath.conform/1\"" || { echo "bad JSON schema"; exit 1; }
tr -d ' \n' <"$tmp/r.json" >"$tmp/flat"
grep -q '"id":"TCP-020","level":"MUST"[^]]*"verdict":"fail"[^]]*"frame":12' "$tmp/flat" || { echo "JSON lacks TCP-020 fail at frame 12"; exit 1; }
grep -q '"id":"TCP-021","level":"MUST"[^]]*"verdict":"fail"[^]]*"frame":11' "$tmp/flat" || { echo "JSON lacks TCP-021 fail at frame 11"; exit 1; }
# The clean fixture has no digest failure.
"$IOPATH" conform check conformance/traces/nvmetcp_good.pcap >"$tmp/good"
grep -Eq '^  (fail) +TCP-02[01] ' "$tmp/good" && { echo "digest failure on the good fixture"; exit 1; }
exit 0
