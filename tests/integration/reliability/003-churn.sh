#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Description: many clients connect and disconnect in a loop (short runs, some killed -9 mid-run,
# some bare connect/close) while another client runs verified I/O; that one must see errors=0 and
# verify_errors=0 and the target must stay up. NVMe/TCP and vhost-user (blk, scsi) serve several
# clients at once; vfio-user serves one at a time, so there the churners only connect and drop.
# TIMEOUT=150
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

churn() { # transport: runs for CHURN_S seconds
	local tr=$1 end=$((SECONDS + 6)) i=0 pid
	while [ $SECONDS -lt $end ]; do
		i=$((i + 1))
		case $tr in
		vfio-user)
			# connect and close without a word, then connect, send garbage, close
			timeout 0.5 socat -u /dev/null "UNIX-CONNECT:$R_ADDR" 2>/dev/null
			head -c 64 /dev/urandom | timeout 0.5 socat -u - "UNIX-CONNECT:$R_ADDR" 2>/dev/null ;;
		nvmf-tcp)
			timeout 2 socat -u /dev/null "TCP:127.0.0.1:$R_ADDR" 2>/dev/null ;&
		*)
			# the second half of the device is the churners' own
			"$IOPATH" run "$R_URI" -q --rw randrw --bs 4k --iodepth 4 --offset 8M \
				--size 8M --number_ios 200 --verify 1 >/dev/null 2>&1 &
			pid=$!
			if [ $((i % 3)) = 0 ]; then
				sleep 0.0$((RANDOM % 9))
				kill -9 "$pid" 2>/dev/null
			fi
			wait "$pid" 2>/dev/null ;;
		esac
	done
	echo "$i"
}

for tr in $(r_transports); do
	[ "$tr" = local ] && continue
	command -v socat >/dev/null || { [ "$tr" = vfio-user ] && continue; }
	R_ADDR=
	r_start "$tr" "tgt-$tr" malloc:size=16M
	r_run_bg "main-$tr" --rw randrw --bs 4k --iodepth 8 --offset 0 --size 8M --verify 1 \
		--runtime 8
	main=$R_PID
	sleep 0.5
	n=$(churn "$tr")
	wait "$main"
	rc=$?
	[ $rc = 0 ] || fail "$tr: main run failed ($rc): $(r_counts "$RTMP/main-$tr.out")"
	grep -q 'errors=0 verify_errors=0' "$RTMP/main-$tr.out" || fail "$tr: main run disturbed"
	kill -0 "$R_TPID" 2>/dev/null || fail "$tr: target died"
	# and it still serves a fresh client
	r_run "after-$tr" --rw randrw --bs 4k --size 4M --verify 1 --number_ios 500 ||
		fail "$tr: target does not serve after the churn"
	echo "ok: $tr: $n churn rounds, main run undisturbed"
	r_stop_target
done
echo PASS
