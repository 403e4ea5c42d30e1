#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Guest lab: `iopath run nvmf-tcp://127.0.0.1:HOSTPORT/NQN` on the host against the guest kernel's
# nvmet-tcp target (null_blk, memory backed), reached through QEMU's hostfwd. A write pass, then a
# read pass with header and data digests, both with iopath's data verification; the guest then checks that its kernel created a
# controller for us and that the data landed on the null_blk device. QEMU's capture of the guest NIC
# is checked with tshark; GUESTLAB_RECORD=1 stores it as conformance/traces/iopath-host_linux-target.pcap.
# TIMEOUT=300 (the first guest lab test of a run also downloads the kernel and builds the initramfs)
set -u
. "$IOPATH_ROOT/tests/interop/lib/guestlab.sh"
gl_setup

NQN=nqn.2014-08.org.iopath:guestlab-kernel-target
HP=$(gl_free_port) || gl_die "no free port"
gl_net "hostfwd=tcp:127.0.0.1:$HP-10.0.2.15:4420"
gl_qemu_args -object "filter-dump,id=fd0,netdev=n0,file=$GL_WORK/nic.pcap"
gl_env NQN "$NQN"
gl_start <<'EOF_GUEST'
nvmet_tcp_null "$NQN" 10.0.2.15 4420 64 || fail "nvmet-tcp target setup"
echo GUESTLAB-READY
gl_wait_go 150 || fail "the host never said it was done"
dmesg | grep -E 'nvmet: (creating|created) nvm controller' || fail "no controller was created"
z=$(head -c 262144 /dev/zero | md5sum | cut -d' ' -f1)
d=$(dd if=/dev/nullb0 bs=65536 count=4 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)
echo "first 256 KiB of nullb0: $d (zeros: $z)"
[ "$d" != "$z" ] || fail "nothing was written to the null_blk device"
EOF_GUEST
gl_wait_log '^GUESTLAB-READY' 120 || { gl_finish; gl_die "guest target did not come up"; }

URI=nvmf-tcp://127.0.0.1:$HP/$NQN
rc=0
for rw in write read; do
	opts=()
	[ $rw = read ] && opts=(--opts hdgst=1,ddgst=1)
	cat >"$GL_WORK/$rw.fio" <<EOF_JOB
[global]
rw=$rw
bs=32k
size=256k
iodepth=4
verify=1
[guestlab-$rw]
EOF_JOB
	echo "== $IOPATH run $URI ${opts[*]} $rw.fio"
	timeout 120 "$IOPATH" run "$URI" "${opts[@]}" "$GL_WORK/$rw.fio" || { rc=1; echo "iopath run ($rw) failed"; break; }
done
gl_go
gl_finish || gl_die "guest checks failed"
[ $rc -eq 0 ] || gl_die "iopath run against the kernel target failed"
gl_check_nvmetcp_pcap "$GL_WORK/nic.pcap" 4420 digest h2cdata || gl_die "guest NIC capture check failed"
if [ -n "${GUESTLAB_RECORD:-}" ]; then
	cp "$GL_WORK/nic.pcap" "$IOPATH_ROOT/conformance/traces/iopath-host_linux-target.pcap"
	echo "recorded into conformance/traces/"
fi
echo "PASS: iopath run -> kernel nvmet-tcp, data verified"
