#!/usr/bin/env bash
# make conformance: passive check of every trace, active probes of every startable in-tree target,
# then the rules x implementations table. Exit 1 when a MUST rule fails (fixtures: beyond .expect).
set -u
cd "$(dirname "$0")/.."
IOPATH=${IOPATH:-build/iopath}
out=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$out"; }
trap cleanup EXIT
rc=0; n=0; reports=()

for t in conformance/traces/*.pcap conformance/traces/*.jsonl conformance/traces/rdma/*.pcap; do
	[ -e "$t" ] || continue
	n=$((n + 1)); r="$out/$n.json"
	if [ -e "$t.expect" ]; then
		"$IOPATH" conform check "$t" --json "$r" --expect "$t.expect" -q || { echo "MUST failure (beyond $t.expect): $t"; rc=1; }
	else
		"$IOPATH" conform check "$t" --json "$r" -q || { echo "MUST failure: $t"; rc=1; }
	fi
	[ -s "$r" ] && reports+=("$r")
done

# Start a target, wait for "ready", probe it, stop it.  $1 scheme, $2 URI, $3 probe URI
probe_target() {
	local uri=$1 log="$out/target.$2.log" r="$out/probe.$2.json" i
	"$IOPATH" target "$uri" --backend malloc:size=64M >"$log" 2>&1 &
	local pid=$!; pids+=("$pid")
	for i in $(seq 100); do grep -q '^ready' "$log" && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	if ! grep -q '^ready' "$log"; then
		echo "target $uri did not start:"; tail -n 5 "$log"; rc=1; return
	fi
	if "$IOPATH" conform probe "$uri" --json "$r" >"$out/probe.$2.txt" 2>&1; then
		echo "probe $uri: $(tail -n 2 "$out/probe.$2.txt" | tr '\n' ' ')"
	else
		grep -E '^  fail|^      at' "$out/probe.$2.txt"
		echo "MUST failure: probe $uri"; rc=1
	fi
	[ -s "$r" ] && reports+=("$r")
	kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
}

list=$("$IOPATH" --list)
targets=$(echo "$list" | sed -n '/^targets/,$p' | awk 'NR > 1 && /^  [a-z]/ { print $1 }')
for s in $targets; do
	case $s in
	nvmf-tcp) port=$(( (RANDOM % 30000) + 20000 ))
		probe_target "nvmf-tcp://127.0.0.1:$port/nqn.2024-01.io.iopath:conform" nvmf-tcp;;
	vfio-user) probe_target "vfio-user://$out/vfu.sock" vfio-user;;
	vhost-user-blk) probe_target "vhost-user-blk://$out/vhb.sock" vhost-user-blk;;
	vhost-user-scsi) probe_target "vhost-user-scsi://$out/vhs.sock" vhost-user-scsi;;
	*) echo "no probes for target scheme '$s' yet";;
	esac
done

# CONFORM_REPORTS=DIR: keep every JSON report (iopath.conform/1) there, e.g. for `make plots`
if [ -n "${CONFORM_REPORTS:-}" ]; then
	mkdir -p "$CONFORM_REPORTS"
	i=0; for r in "${reports[@]}"; do i=$((i + 1)); cp "$r" "$CONFORM_REPORTS/$(printf %02d $i).json"; done
fi

echo
"$IOPATH" conform table "${reports[@]}"
echo
[ $rc -eq 0 ] && echo "conformance: no unexpected MUST failure" || echo "conformance: MUST failures (see above)"
exit $rc
