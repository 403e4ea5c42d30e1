#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Description: security boundaries: vfio-user and vhost-user sockets (and the vhost-user-scsi
# control socket) are created mode 0600 whatever the umask; an NVMe/TCP Connect from a host not in
# allow_host, or to a subsystem the target does not have, is refused while allowed hosts work.
# TIMEOUT=90
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

umask 000
for tr in vfio-user vhost-user-blk vhost-user-scsi; do
	r_transports | grep -qx "$tr" || continue
	R_ADDR=
	r_start "$tr" "tgt-$tr" malloc:size=1M
	mode=$(stat -c %a "$R_ADDR")
	[ "$mode" = 600 ] || fail "$tr: socket $R_ADDR has mode $mode, not 600"
	if [ -e "$R_ADDR.ctl" ]; then
		mode=$(stat -c %a "$R_ADDR.ctl")
		[ "$mode" = 600 ] || fail "$tr: control socket has mode $mode, not 600"
	fi
	echo "ok: $tr socket mode 0600 (umask 000)"
	r_stop_target
done
umask 022

A=nqn.2026-11.io.iopath:host-a
B=nqn.2026-11.io.iopath:host-b
R_ADDR=
r_start nvmf-tcp tgt-acl malloc:size=4M --opts "allow_host=$A+nqn.2026-11.io.iopath:host-c"
r_run allowed --rw randrw --bs 4k --number_ios 200 --verify 1 --opts "hostnqn=$A" ||
	fail "allowed host refused"
echo "ok: allowed host connects"
r_run denied --rw read --bs 4k --number_ios 10 --opts "hostnqn=$B" &&
	fail "host not in allow_host connected"
grep -qi "connect\|host\|refused\|invalid" "$RTMP/denied.log" "$RTMP/denied.out" ||
	fail "denied host: no error message"
echo "ok: other host refused: $(grep -hi 'connect' "$RTMP/denied.log" | head -n 1)"
# unknown subsystem: same port, another NQN
good=$R_URI
R_URI=nvmf-tcp://127.0.0.1:$R_ADDR/nqn.2026-11.io.iopath:no-such-subsystem
r_run unknown --rw read --bs 4k --number_ios 10 --opts "hostnqn=$A" &&
	fail "Connect to an unknown subsystem accepted"
echo "ok: unknown subsystem refused: $(grep -hi 'connect' "$RTMP/unknown.log" | head -n 1)"
R_URI=$good
r_run again --rw randrw --bs 4k --number_ios 200 --verify 1 --opts "hostnqn=$A" ||
	fail "target stopped serving after refusals"
r_stop_target
# a bad allow_host value (an NQN longer than 223 bytes) is refused at start-up
"$IOPATH" target "nvmf-tcp://127.0.0.1:$((20000 + RANDOM % 40000))/$NQN" --backend null:size=1M --opts "allow_host=nqn.x:$(printf %0300d 0)" \
	>"$RTMP/badacl.out" 2>"$RTMP/badacl.log" && fail "bad allow_host accepted"
grep -q "allow_host" "$RTMP/badacl.log" || fail "bad allow_host: no message"
echo PASS
