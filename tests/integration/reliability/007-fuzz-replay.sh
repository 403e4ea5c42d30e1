#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Description: replays the fuzz seed corpora and committed crash inputs (tests/fuzz/corpus/<target>/,
# tests/fuzz/regress/<target>/) through the normal build: each session input is sent as one client
# to a live target (which must keep serving, checked by a verified run after them), each trace
# goes through `iopath conform check`, each job/matrix file through its parser; no input may
# crash a process (exit by signal) or leave a sanitizer report.
# TIMEOUT=180
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
command -v socat >/dev/null || { echo "SKIP: socat not installed"; exit 77; }
ROOT=${IOPATH_ROOT:-$PWD}

inputs() { # target name: corpus and regression files
	ls "$ROOT/tests/fuzz/corpus/$1"/* "$ROOT/tests/fuzz/regress/$1"/* 2>/dev/null
}
no_signal() { # rc what
	[ "$1" -lt 128 ] || fail "$2: killed by signal $(($1 - 128))"
}

for pair in nvmf-tcp:fuzz_session_nvmf_tcp vfio-user:fuzz_session_vfio_user \
	vhost-user-blk:fuzz_session_vhost_user_blk vhost-user-scsi:fuzz_session_vhost_user_scsi; do
	tr=${pair%%:*}
	name=${pair#*:}
	r_transports | grep -qx "$tr" || continue
	R_ADDR=
	if [ "$tr" = nvmf-tcp ]; then
		# the seeds speak to this subsystem
		NQN=nqn.2024-01.io.example:harness-subsys
	fi
	r_start "$tr" "tgt-$tr" malloc:size=4M
	n=0
	for f in $(inputs "$name"); do
		if [ "$tr" = nvmf-tcp ]; then
			timeout 5 socat -u "OPEN:$f" "TCP:127.0.0.1:$R_ADDR" 2>/dev/null
		else
			timeout 5 socat -u "OPEN:$f" "UNIX-CONNECT:$R_ADDR" 2>/dev/null
		fi
		n=$((n + 1))
		kill -0 "$R_TPID" 2>/dev/null || fail "$tr: target died on $f"
	done
	r_run "after-$tr" --rw randrw --bs 4k --size 1M --number_ios 300 --verify 1 ||
		fail "$tr: target does not serve after the replay"
	echo "ok: $tr: $n inputs replayed, target serves"
	r_stop_target
done

n=0
for f in $(inputs fuzz_trace); do
	"$IOPATH" conform check -q "$f" >/dev/null 2>"$RTMP/trace.log"
	no_signal $? "conform check $f"
	n=$((n + 1))
done
r_no_sanitizer "$RTMP/trace.log"
echo "ok: $n traces checked"
n=0
for f in $(inputs fuzz_jobfile); do
	"$IOPATH" run local: --backend null:size=1M --runtime 0.1 "$f" >/dev/null 2>"$RTMP/job.log"
	no_signal $? "job file $f"
	n=$((n + 1))
done
for f in $(inputs fuzz_matrix); do
	"$IOPATH" bench --matrix "$f" --dry-run >/dev/null 2>"$RTMP/matrix.log"
	no_signal $? "matrix $f"
	n=$((n + 1))
done
echo "ok: $n job/matrix files parsed"
echo PASS
