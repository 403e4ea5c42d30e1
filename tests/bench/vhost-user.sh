#!/usr/bin/env bash
# vhost-user-blk benchmark: our client against our back end (polling and interrupt mode) and against
# qemu-storage-daemon, null backends on both; 4 KiB randread/randwrite at QD 1 and 32.
# Prints IOPS, mean latency, back-end CPU (cores: CPU-ns of all its threads from
# /proc/PID/task/*/schedstat over the run) and IOPS per back-end core. A polling back end uses a
# whole core by design: compare IOPS per core at QD32 (saturation), or use the interrupt-mode row.
# usage: tests/bench/vhost-user.sh [SECONDS]   (IOPATH=path/to/iopath; CPU_TGT=1 CPU_INI=0 pin the
# back end and the client with taskset, unset = no pinning)
set -u
cd "$(dirname "$0")/../.."
IOPATH=${IOPATH:-$PWD/build/iopath}
SECS=${1:-3}
TS_TGT=(); TS_INI=()
[ -n "${CPU_TGT:-}" ] && TS_TGT=(taskset -c "$CPU_TGT")
[ -n "${CPU_INI:-}" ] && TS_INI=(taskset -c "$CPU_INI")
D=$(mktemp -d /tmp/iop-vhbench.XXXXXX)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill $p 2>/dev/null; done; wait 2>/dev/null; rm -rf "$D"' EXIT
# CPU time of every thread of a process in ns (schedstat: finer than the 10 ms ticks of stat)
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {print s + 0}'; }

start_ours() { # MODE(poll|irq)
	local extra=()
	[ "$1" = irq ] && extra=(--interrupt)
	rm -f "$D/s.sock"
	"${TS_TGT[@]}" "$IOPATH" target "vhost-user-blk://$D/s.sock" --backend null:size=1G \
		"${extra[@]}" >"$D/t.log" 2>&1 &
	TGT=$!; PIDS+=($TGT)
	for _ in $(seq 100); do grep -q ready "$D/t.log" && return; sleep 0.05; done
	echo "target did not start" >&2; exit 1
}

start_qsd() {
	rm -f "$D/s.sock"
	"${TS_TGT[@]}" qemu-storage-daemon \
		--blockdev driver=null-co,node-name=n0,size=1073741824 \
		--export "type=vhost-user-blk,id=e0,node-name=n0,addr.type=unix,addr.path=$D/s.sock,writable=on" \
		>"$D/q.log" 2>&1 &
	TGT=$!; PIDS+=($TGT)
	for _ in $(seq 100); do [ -S "$D/s.sock" ] && return; sleep 0.05; done
	echo "qemu-storage-daemon did not start" >&2; exit 1
}

stop_tgt() { kill "$TGT"; wait "$TGT" 2>/dev/null; }

run_cell() { # NAME MODE QD
	local t0 t1 out iops lat cores
	t0=$(cpu_ns "$TGT")
	out=$("${TS_INI[@]}" "$IOPATH" vhost-check "vhost-user-blk://$D/s.sock" --mode "$2" \
		--qd "$3" --time "$SECS" --region 1G 2>&1 | grep iops=)
	t1=$(cpu_ns "$TGT")
	iops=$(sed -n 's/.*iops=\([0-9]*\).*/\1/p' <<<"$out")
	lat=$(sed -n 's/.*lat_mean_us=\([0-9.]*\).*/\1/p' <<<"$out")
	cores=$(awk -v a="$t0" -v b="$t1" -v s="$SECS" 'BEGIN{printf "%.3f", (b-a)/1e9/s}')
	awk -v n="$1" -v m="$2" -v q="$3" -v i="${iops:-0}" -v l="${lat:-0}" -v c="$cores" \
		'BEGIN{printf "%-22s %-9s %4s %10d %10.1f %8s %14.0f\n", n, m, q, i, l, c, (c>0? i/c : 0)}'
}

printf "%-22s %-9s %4s %10s %10s %8s %14s\n" backend-end mode qd iops lat_us tgt_cores iops/tgt_core
for tgt in ours-poll ours-irq qsd; do
	case $tgt in
	ours-poll) start_ours poll;;
	ours-irq) start_ours irq;;
	qsd) command -v qemu-storage-daemon >/dev/null || { echo "qsd: not installed"; continue; }; start_qsd;;
	esac
	for mode in randread randwrite; do
		for qd in 1 32; do
			run_cell "$tgt" "$mode" "$qd"
		done
	done
	stop_tgt
done
