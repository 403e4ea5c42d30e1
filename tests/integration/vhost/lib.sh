# Shared helpers for the vhost-user integration and interop tests (sourced, not run).
set -u
IOPATH=${IOPATH:-$PWD/build/iopath}
VH_DIR=$(mktemp -d /tmp/iop-vhost.XXXXXX)
VH_PIDS=()
vh_cleanup() {
	for p in "${VH_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${VH_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$VH_DIR"
}
trap vh_cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

# vh_target NAME URI ARGS...: start `iopath target`, wait for "ready"; log in $VH_DIR/NAME.log
vh_target() {
	local name=$1; shift
	"$IOPATH" target "$@" >"$VH_DIR/$name.log" 2>&1 &
	VH_PIDS+=($!)
	eval "${name}_pid=$!"
	for _ in $(seq 100); do
		grep -q '^ready' "$VH_DIR/$name.log" && return 0
		kill -0 "$!" 2>/dev/null || break
		sleep 0.05
	done
	cat "$VH_DIR/$name.log"
	fail "target $name did not start"
}

# vh_need_backend NAME: the backend must be in this build
vh_need_backend() {
	"$IOPATH" --list 2>/dev/null | grep -q "^  $1 " || fail "backend $1 missing from this build"
}
