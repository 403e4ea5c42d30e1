#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Guest lab: the guest kernel's nvme-tcp host (nvme discover, nvme connect, without and with header
# and data digests) against `iopath target nvmf-tcp://127.0.0.1:PORT/NQN` on the host, reached through
# QEMU's guestfwd (10.0.2.100:4420 -> socat -> 127.0.0.1:PORT); data written from the guest is read
# back with md5 verification, and the host compares it with the target's file backend. The target's
# --trace and QEMU's capture of the guest NIC are both checked with tshark; GUESTLAB_RECORD=1 stores
# the target's trace as conformance/traces/linux-host_iopath-target.pcap.
# TIMEOUT=300 (the first guest lab test of a run also downloads the kernel and builds the initramfs)
set -u
. "$IOPATH_ROOT/tests/interop/lib/guestlab.sh"
gl_setup

NQN=nqn.2014-08.org.iopath:guestlab-iopath-target
DISK=$GL_WORK/disk.img
truncate -s 64M "$DISK"
backend=malloc:size=64M
"$IOPATH" --list 2>/dev/null | grep -qw uring && backend=uring:path=$DISK
for try in 1 2 3; do
	PORT=$(gl_free_port) || gl_die "no free port"
	# A recording for conformance/traces/ uses the IANA port, as every other trace there does.
	[ -n "${GUESTLAB_RECORD:-}" ] && [ $try -eq 1 ] && PORT=4420
	gl_bg_start "$GL_WORK/target.log" '^ready ' 15 "$IOPATH" target "nvmf-tcp://127.0.0.1:$PORT/$NQN" \
		--backend "$backend" --trace "$GL_WORK/target.pcap" && break
	[ $try -lt 3 ] || gl_die "iopath target did not start"
done
TGT=$GL_BG_PID
gl_net "guestfwd=tcp:10.0.2.100:4420-cmd:socat - TCP:127.0.0.1:$PORT"
gl_qemu_args -object "filter-dump,id=fd0,netdev=n0,file=$GL_WORK/nic.pcap"

gl_env NQN "$NQN"
gl_run <<'EOF_GUEST' || { cat "$GL_WORK/target.log"; gl_die "guest script failed"; }
modprobe nvme-tcp || fail "modprobe nvme-tcp"
nvme discover -t tcp -a 10.0.2.100 -s 4420 >/tmp/disc.txt || fail "nvme discover"
cat /tmp/disc.txt
grep -q "subnqn: *$NQN" /tmp/disc.txt || fail "discovery log page lacks $NQN"
off=0
for mode in plain digest; do
	opts=
	[ $mode = digest ] && opts="--hdr-digest --data-digest"
	nvme connect -t tcp -a 10.0.2.100 -s 4420 -n "$NQN" $opts || fail "nvme connect ($mode)"
	dev=$(nvme_dev_for "$NQN") || fail "no namespace block device ($mode)"
	nvme id-ctrl "$dev" | grep -E '^(sn|mn|subnqn) ' || fail "nvme id-ctrl"
	write_verify "$dev" 262144 $off || fail "data read back differs ($mode)"
	cp /tmp/wv.in /out/data.$mode
	nvme disconnect -n "$NQN" >/dev/null || fail "nvme disconnect ($mode)"
	off=$((off + 4))
done
EOF_GUEST
echo "guest OK; target log:"
cat "$GL_WORK/target.log"
kill -0 "$TGT" 2>/dev/null || gl_die "iopath target died during the test"
gl_bg_stop "$TGT" || gl_die "iopath target exited with an error on SIGTERM"

if [ "${backend%%:*}" = uring ]; then
	cat "$GL_OUT/data.plain" "$GL_OUT/data.digest" | cmp - <(head -c 524288 "$DISK") ||
		gl_die "the target's backing file does not hold what the guest wrote"
	echo "backing file holds the guest's data"
fi
gl_check_nvmetcp_pcap "$GL_WORK/target.pcap" "$PORT" digest h2cdata || gl_die "target trace check failed"
gl_check_nvmetcp_pcap "$GL_WORK/nic.pcap" 4420 digest h2cdata || gl_die "guest NIC capture check failed"
if [ -n "${GUESTLAB_RECORD:-}" ]; then
	cp "$GL_WORK/target.pcap" "$IOPATH_ROOT/conformance/traces/linux-host_iopath-target.pcap"
	echo "recorded into conformance/traces/"
fi
echo "PASS: kernel nvme-tcp host -> iopath target, md5 verified, traces decode"
