#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Guest lab: the Linux nvme-tcp host against the Linux nvmet-tcp target (null_blk) inside one guest,
# over lo, without and with header+data digests; data written and read back with md5. The sessions
# are captured with tcpdump and checked with the host's tshark; GUESTLAB_RECORD=1 stores them as
# conformance/traces/linux-host_linux-target{,_digest}.pcap (tests/interop/record-traces.sh).
# TIMEOUT=300 (the first guest lab test of a run also downloads the kernel and builds the initramfs)
set -u
. "$IOPATH_ROOT/tests/interop/lib/guestlab.sh"
gl_setup

gl_run <<'EOF_GUEST' || gl_die "guest script failed"
NQN=nqn.2014-08.org.iopath:guestlab-kernel-target
nvmet_tcp_null "$NQN" 127.0.0.1 4420 64 || fail "nvmet-tcp target setup"
modprobe nvme-tcp || fail "modprobe nvme-tcp"
for mode in plain digest; do
	: >/tmp/td.err
	tcpdump -Z root -i lo -n -s 0 -U --immediate-mode -B 8192 -w /tmp/$mode.pcap 'tcp port 4420' 2>/tmp/td.err &
	td=$!
	i=0; until grep -q listening /tmp/td.err; do i=$((i+1)); [ $i -lt 100 ] || fail "tcpdump"; sleep 0.1; done
	nvme discover -t tcp -a 127.0.0.1 -s 4420 >/tmp/disc.txt || fail "nvme discover"
	grep -q "subnqn: *$NQN" /tmp/disc.txt || { cat /tmp/disc.txt; fail "discovery log lacks $NQN"; }
	opts=
	[ $mode = digest ] && opts="--hdr-digest --data-digest"
	nvme connect -t tcp -a 127.0.0.1 -s 4420 -n "$NQN" $opts || fail "nvme connect ($mode)"
	dev=$(nvme_dev_for "$NQN") || fail "no namespace block device"
	write_verify "$dev" 65536 || fail "data mismatch on $dev ($mode)"
	nvme disconnect -n "$NQN" >/dev/null || fail "nvme disconnect"
	sleep 0.3
	kill -INT $td; wait $td
	cat /tmp/td.err
	grep -q '^0 packets dropped by kernel' /tmp/td.err || fail "tcpdump lost packets"
	cp /tmp/$mode.pcap /out/ || fail "copy trace"
	echo "$mode session: OK"
done
EOF_GUEST

for mode in plain digest; do
	gl_check_nvmetcp_pcap "$GL_OUT/$mode.pcap" 4420 $([ $mode = digest ] && echo digest || echo nodigest) h2cdata ||
		gl_die "$mode trace does not decode as expected"
done
if [ -n "${GUESTLAB_RECORD:-}" ]; then
	cp "$GL_OUT/plain.pcap" "$IOPATH_ROOT/conformance/traces/linux-host_linux-target.pcap"
	cp "$GL_OUT/digest.pcap" "$IOPATH_ROOT/conformance/traces/linux-host_linux-target_digest.pcap"
	echo "recorded into conformance/traces/"
fi
echo "PASS: kernel nvme-tcp host <-> kernel nvmet-tcp target, md5 verified, traces decode"
