#!/usr/bin/env bash
# Description: `iopath bench` on a small local: matrix (+ fio reference when installed): per-cell
# JSON (iopath.result/1), summary.csv, skipped.json naming unavailable transports, plots, errors.
# TIMEOUT=90
set -u
: "${IOPATH:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cat >"$tmp/small.matrix" <<'M'
[global]
transports = local, nvmf-rdma, no-such-transport-here
uri.no-such-transport-here = no-such-transport-here://x
backend = malloc:size=64M
ramp_time = 100ms
runtime = 800ms

[qd]
rw = randread, randwrite
bs = 4k
iodepth = 1, 4

[bs]
rw = randread
bs = 4k, 16k
iodepth = 4

[fio]
tool = fio
rw = randread
bs = 4k
iodepth = 1
M

"$IOPATH" bench --matrix "$tmp/small.matrix" --results "$tmp/res" --plots "$tmp/plots" \
	>"$tmp/out" 2>"$tmp/err"
rc=$?
cat "$tmp/out"
[ $rc -eq 0 ] || { cat "$tmp/err"; fail "bench exited $rc"; }
run=$(readlink "$tmp/res/latest")
dir="$tmp/res/$run"
[ -d "$dir" ] || fail "no run directory"
grep -q "estimated total time" "$tmp/out" || fail "no time estimate printed"
# 4 qd cells + 1 new bs cell (4k qd4 randread is shared with [qd])
for c in local-malloc-randread-4k-qd1-j1 local-malloc-randread-4k-qd4-j1 \
	 local-malloc-randwrite-4k-qd1-j1 local-malloc-randwrite-4k-qd4-j1 \
	 local-malloc-randread-16k-qd4-j1; do
	f="$dir/$c.json"
	[ -s "$f" ] || fail "missing $f"
	python3 - "$f" <<'P' || fail "bad JSON in $f"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == "iopath.result/1", d["schema"]
assert d["iops"] > 0 and d["ios"] > 0, "no I/O"
assert d["lat_ns"]["percentile"]["99.0"] >= d["lat_ns"]["percentile"]["50.0"] > 0
assert d["errors"] == 0
assert d["endpoint"]["transport"] == "local"
P
	grep -q "\] $c " "$tmp/out" || fail "no progress line for $c"
done
[ "$(grep -c . "$dir/summary.csv")" -ge 6 ] || fail "summary.csv has too few rows"
python3 - "$dir/skipped.json" <<'P' || fail "skipped.json"
import json, sys
d = json.load(open(sys.argv[1]))
t = {x["transport"]: x["reason"] for x in d["transports"]}
assert "nvmf-rdma" in t and t["nvmf-rdma"], t
assert "not in this build" in t["no-such-transport-here"], t
assert all(x["status"] == "skipped" for x in d["cells"]), d["cells"]
P
ls "$tmp/plots"/iops_vs_qd-malloc-randread-*.png "$tmp/plots"/lat_vs_qd-malloc-randread-*.png \
	"$tmp/plots"/bw_vs_bs-malloc-randread-*.png >/dev/null || fail "plots missing"
if command -v fio >/dev/null; then
	[ -s "$dir/fio-null-randread-4k-qd1-j1.json" ] || fail "no fio reference row"
	grep -q "fio" "$dir/comparison.txt" || fail "no comparison"
fi

# bad input: unknown job option in a matrix names the file and option, exit 2
printf '[a]\nbogus_option = 1\n' >"$tmp/bad.matrix"
"$IOPATH" bench --matrix "$tmp/bad.matrix" --results "$tmp/res" >"$tmp/out2" 2>&1
[ $? -eq 2 ] || fail "bad matrix not rejected with 2"
grep -q "bogus_option" "$tmp/out2" || fail "message does not name the option"
"$IOPATH" bench --transports nope --dry-run >"$tmp/out3" 2>&1
[ $? -eq 2 ] || fail "unknown --transports not rejected"
echo PASS
