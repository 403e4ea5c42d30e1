# SPDX-License-Identifier: BSD-3-Clause
# Helpers sourced by the NVMe/TCP integration tests: start a target on a free port, clean up.
# (Not a test itself: run_tests.sh only runs files named NNN-*.sh.)

: "${IOPATH:?IOPATH must point at the iopath binary}"
NQN=${NQN:-nqn.2026-11.io.iopath:nvmftcp-test}
TMP=$(mktemp -d /tmp/iopath-nvmftcp.XXXXXX)
PIDS=()

cleanup() {
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	[ -n "${KEEP_TMP:-}" ] && echo "kept $TMP" || rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	for f in "$TMP"/*.log; do
		[ -f "$f" ] && { echo "--- $f"; tail -n 20 "$f"; } >&2
	done
	exit 1
}

# start_target NAME [target args...]: sets PORT and TPID; logs in $TMP/NAME.log
start_target() {
	local name=$1 i
	shift
	for i in 1 2 3 4 5 6 7 8; do
		PORT=$((20000 + RANDOM % 40000))
		"$IOPATH" target "nvmf-tcp://127.0.0.1:$PORT/$NQN" "$@" >"$TMP/$name.out" \
			2>"$TMP/$name.log" &
		TPID=$!
		local t
		for t in $(seq 1 100); do
			grep -q '^ready' "$TMP/$name.out" 2>/dev/null && { PIDS+=("$TPID"); return 0; }
			kill -0 "$TPID" 2>/dev/null || break
			sleep 0.05
		done
		kill "$TPID" 2>/dev/null
		wait "$TPID" 2>/dev/null
		grep -q -i 'in use' "$TMP/$name.log" || fail "target did not start"
	done
	fail "no free port found"
}

# stop_target: SIGTERM and check it exits cleanly
stop_target() {
	kill -TERM "$TPID" 2>/dev/null
	wait "$TPID"
	local rc=$?
	PIDS=("${PIDS[@]/$TPID}")
	[ $rc -eq 0 ] || fail "target exited with $rc"
}

URI() { echo "nvmf-tcp://127.0.0.1:$PORT/$NQN"; }

# json_get FILE EXPR: a value from a result JSON (python-free: jq if present, else grep)
need_json_field() {
	grep -q "\"$2\"" "$1" || fail "no $2 in $1"
}
