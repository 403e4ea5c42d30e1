#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The guest lab's committed NVMe/TCP recordings (conformance/traces/, re-recorded by
# tests/interop/record-traces.sh) must stay what they claim: tshark decodes each as nvme-tcp with
# ICReq/ICResp, capsules, R2T/H2CData and C2HData, nothing malformed, every digest good, and the
# digest recordings do use header and data digests.
# TIMEOUT=60
set -u
. "$IOPATH_ROOT/tests/interop/lib/guestlab.sh"
rc=0
for e in linux-host_linux-target.pcap:nodigest linux-host_linux-target_digest.pcap:digest \
	linux-host_iopath-target.pcap:digest iopath-host_linux-target.pcap:digest; do
	f=$IOPATH_ROOT/conformance/traces/${e%%:*}
	if [ ! -e "$f" ]; then
		echo "missing $f (record it with tests/interop/record-traces.sh)"; rc=1; continue
	fi
	gl_check_nvmetcp_pcap "$f" auto "${e##*:}" h2cdata || { echo "FAIL: $f"; rc=1; }
done
[ $rc -eq 0 ] && echo "PASS: committed guest lab traces decode as NVMe/TCP"
exit $rc
