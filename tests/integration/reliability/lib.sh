# SPDX-License-Identifier: BSD-3-Clause
# Helpers sourced by the reliability tests: start a target of any transport, kill, verify.
# (Not a test itself: run_tests.sh only runs files named NNN-*.sh.)
set -u
: "${IOPATH:?IOPATH must point at the iopath binary}"
NQN=nqn.2026-11.io.iopath:reliab
RTMP=$(mktemp -d /tmp/iopath-reliab.XXXXXX)
RPIDS=()

r_cleanup() {
	for p in "${RPIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	for p in "${RPIDS[@]}"; do wait "$p" 2>/dev/null; done
	[ -n "${KEEP_TMP:-}" ] && echo "kept $RTMP" || rm -rf "$RTMP"
}
trap r_cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	for f in "$RTMP"/*.log; do
		[ -f "$f" ] && { echo "--- $f"; tail -n 15 "$f"; } >&2
	done
	exit 1
}

# The in-tree transports these tests cover; each must be in the build (initiator and target):
# one that vanished fails the test instead of being left out.
R_TRANSPORTS="local nvmf-tcp vfio-user vhost-user-blk vhost-user-scsi"
for _t in $R_TRANSPORTS; do
	"$IOPATH" --list 2>/dev/null | sed -n '/^initiators/,$p' | grep -q "^  $_t " ||
		fail "transport $_t missing from this build"
done
unset _t

r_transports() {
	local t
	for t in $R_TRANSPORTS; do
		echo "$t"
	done
}

# r_start TRANSPORT NAME BACKEND [target args...]: start a target (none for local:), set
# R_URI (what `iopath run` takes), R_TPID (0 for local:), R_BACKEND (local: --backend).
# Reuses R_ADDR (port or socket path) when set, so a restarted target keeps its address.
r_start() {
	local tr=$1 name=$2 be=$3 i t
	shift 3
	R_TPID=0
	if [ "$tr" = local ]; then
		R_URI=local:
		R_BACKEND=$be
		return 0
	fi
	for i in 1 2 3 4 5 6 7 8; do
		case $tr in
		nvmf-tcp)
			[ -n "${R_ADDR:-}" ] || R_ADDR=$((20000 + RANDOM % 40000))
			R_URI=nvmf-tcp://127.0.0.1:$R_ADDR/$NQN ;;
		*)
			[ -n "${R_ADDR:-}" ] || R_ADDR=$RTMP/$name.sock
			R_URI=$tr://$R_ADDR ;;
		esac
		"$IOPATH" target "$R_URI" --backend "$be" "$@" >"$RTMP/$name.out" 2>"$RTMP/$name.log" &
		R_TPID=$!
		for t in $(seq 1 200); do
			if grep -q '^ready' "$RTMP/$name.out" 2>/dev/null; then
				RPIDS+=("$R_TPID")
				return 0
			fi
			kill -0 "$R_TPID" 2>/dev/null || break
			sleep 0.05
		done
		kill -9 "$R_TPID" 2>/dev/null
		wait "$R_TPID" 2>/dev/null
		if [ "$tr" = nvmf-tcp ] && grep -qi 'in use' "$RTMP/$name.log"; then
			R_ADDR=
			continue
		fi
		fail "$tr target $name did not start"
	done
	fail "$tr: no free port"
}

# r_run NAME ARGS...: iopath run R_URI (+ --backend for local:) ARGS, output in $RTMP/NAME.*
r_run() {
	local name=$1
	shift
	if [ "$R_URI" = local: ]; then
		set -- --backend "$R_BACKEND" "$@"
	fi
	"$IOPATH" run "$R_URI" -q "$@" >"$RTMP/$name.out" 2>"$RTMP/$name.log"
}

# r_run_bg NAME ARGS...: as r_run, in the background; R_PID is the iopath process itself
r_run_bg() {
	local name=$1
	shift
	if [ "$R_URI" = local: ]; then
		set -- --backend "$R_BACKEND" "$@"
	fi
	"$IOPATH" run "$R_URI" -q "$@" >"$RTMP/$name.out" 2>"$RTMP/$name.log" &
	R_PID=$!
	RPIDS+=("$R_PID")
}

# r_stop_target: SIGTERM; it must exit 0 and print no sanitizer report
r_stop_target() {
	[ "$R_TPID" = 0 ] && return 0
	kill -TERM "$R_TPID" 2>/dev/null
	wait "$R_TPID"
	local rc=$?
	RPIDS=("${RPIDS[@]/$R_TPID}")
	[ $rc -eq 0 ] || fail "target exited with $rc"
	r_no_sanitizer "$RTMP"/*.log
}

r_no_sanitizer() {
	if grep -lE 'AddressSanitizer|LeakSanitizer|runtime error:' "$@" 2>/dev/null; then
		fail "sanitizer report"
	fi
}

# r_errors FILE: "errors=N verify_errors=M" from a run's output
r_counts() {
	grep -o 'errors=[0-9]* verify_errors=[0-9]*' "$1" | tail -n 1
}

# r_acked STATEFILE: number of 512-byte blocks with an acknowledged write recorded
r_acked() {
	od -An -v -t u8 -w8 "$1" | awk '$1 != 0 { n++ } END { print n + 0 }'
}
