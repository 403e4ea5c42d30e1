#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The committed RoCEv2 recordings of test 004 (conformance/traces/rdma/, re-recorded with
# GUESTLAB_RECORD=1) must stay what they claim: tshark decodes the RDMA CM exchange with NVMe
# private data, NVMe capsules (Connect, Write, Read), RDMA READ/WRITE data, and for the Linux host
# against iopath, SEND WITH INVALIDATE responses; nothing malformed (gl_check_roce_pcap).
# TIMEOUT=60
set -u
. "$IOPATH_ROOT/tests/interop/lib/guestlab.sh"
command -v tshark >/dev/null || gl_die "tshark not installed (make deps)"
rc=0
for e in linux-host_iopath-target_rdma.pcap:inv iopath-host_linux-target_rdma.pcap:; do
	f=$IOPATH_ROOT/conformance/traces/rdma/${e%%:*}
	[ -e "$f" ] || { echo "missing $f (record it: GUESTLAB_RECORD=1 tests/interop/nvmf_rdma/004-*.sh)"; rc=1; continue; }
	gl_check_roce_pcap "$f" ${e##*:} || { echo "FAIL: $f"; rc=1; }
	"$IOPATH" conform check "$f" --expect "$f.expect" -q || { echo "FAIL: RDMA rules on $f"; rc=1; }
done
[ $rc -eq 0 ] && echo "PASS: committed RoCEv2 traces decode as NVMe/RDMA"
exit $rc
