#!/usr/bin/env bash
# Description: replay libvfio-user's sample client half against the in-tree vfio-user target: the
# VERSION exchange matches and the read of region 0xdeadbeef fails with EINVAL as recorded.
# TIMEOUT=60
set -u
cd "$IOPATH_ROOT"
. tests/conformance/lib.sh
ct_need_target vfio-user
ct_start "vfio-user://$CT_TMP/vfu.sock" || { echo "target did not start"; exit 1; }
"$IOPATH" conform replay conformance/traces/sample_client_server_src.jsonl "vfio-user://$CT_TMP/vfu.sock" >"$CT_TMP/out"
cat "$CT_TMP/out"
grep -Eq '^  match +1 +VERSION' "$CT_TMP/out" || { echo "VERSION exchange differs"; exit 1; }
grep -Eq '^  match +3 +REGION_READ .*expected error errno 22' "$CT_TMP/out" || { echo "bad region read not failed with EINVAL"; exit 1; }
