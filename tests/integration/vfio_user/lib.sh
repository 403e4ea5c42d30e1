# Helpers for the vfio-user integration tests (sourced): start a target, wait, clean up.
set -u
IOPATH=${IOPATH:-build/iopath}
VFU_DIR=$(mktemp -d /tmp/iopath-vfu.XXXXXX)
VFU_SOCK=$VFU_DIR/nvme0
VFU_URI=vfio-user://$VFU_SOCK
VFU_PIDS=()

vfu_cleanup() {
	for p in "${VFU_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${VFU_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	rm -rf "$VFU_DIR"
}
trap vfu_cleanup EXIT

# vfu_start_target [target options...]: start, wait for "ready", set VFU_TGT_PID.
vfu_start_target() {
	"$IOPATH" target "$VFU_URI" "$@" >"$VFU_DIR/target.out" 2>"$VFU_DIR/target.err" &
	VFU_TGT_PID=$!
	VFU_PIDS+=("$VFU_TGT_PID")
	for _ in $(seq 100); do
		grep -q '^ready' "$VFU_DIR/target.out" 2>/dev/null && return 0
		kill -0 "$VFU_TGT_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "target did not start:"; cat "$VFU_DIR/target.err"
	exit 1
}

# vfu_finish: stop the target with SIGTERM; it must exit 0 with no sanitizer report.
vfu_finish() {
	kill -TERM "$VFU_TGT_PID" 2>/dev/null
	wait "$VFU_TGT_PID"
	local rc=$?
	if [ $rc -ne 0 ]; then
		vfu_fail "target exit status $rc"
	fi
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error' "$VFU_DIR/target.err"; then
		vfu_fail "sanitizer report in the target"
	fi
	[ -e "$VFU_SOCK" ] && vfu_fail "socket file left behind"
	echo PASS
}

vfu_fail() {
	echo "FAIL: $*"
	echo "--- target stderr"; tail -n 30 "$VFU_DIR/target.err"
	exit 1
}
