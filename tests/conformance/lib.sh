#!/usr/bin/env bash
# Helpers for conformance tests: start an in-tree target on a free port / private socket, clean up.
# shellcheck disable=SC2034
CT_TMP=$(mktemp -d)
CT_PIDS=()
ct_cleanup() {
	for p in "${CT_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	rm -rf "$CT_TMP"
}
trap ct_cleanup EXIT

# ct_has_target SCHEME: 0 when this build registers a target for SCHEME.
ct_has_target() {
	"$IOPATH" --list | sed -n '/^targets/,$p' | grep -q "^  $1 "
}

# ct_need_target SCHEME: an in-tree target must be in the build; its absence fails the test
# (a transport that vanished from the build is a failure, not a skip).
ct_need_target() {
	ct_has_target "$1" || { echo "FAIL: no $1 target in this build"; exit 1; }
}

# ct_start URI: run `iopath target URI` on a malloc backend, wait for its "ready" line.
ct_start() {
	local log="$CT_TMP/target.$RANDOM.log" i
	"$IOPATH" target "$1" --backend malloc:size=64M >"$log" 2>&1 &
	CT_PIDS+=($!)
	for i in $(seq 200); do
		grep -q '^ready' "$log" && return 0
		kill -0 "${CT_PIDS[-1]}" 2>/dev/null || break
		sleep 0.05
	done
	cat "$log"
	return 1
}

# ct_start_tcp NQN: start an nvmf-tcp target on a random free port; sets CT_URI.
ct_start_tcp() {
	local try port
	for try in 1 2 3 4 5; do
		port=$(( (RANDOM % 40000) + 20000 ))
		CT_URI="nvmf-tcp://127.0.0.1:$port/$1"
		ct_start "$CT_URI" && return 0
	done
	return 1
}
