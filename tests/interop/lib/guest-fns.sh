# SPDX-License-Identifier: BSD-3-Clause
# Guest-side helpers for guest lab test scripts: `. /etc/guestlab-fns.sh` inside /test.sh.

fail() { echo "GUEST FAIL: $*"; dmesg | tail -n 30; exit 1; }

# Waits (up to $1 s, default 60) for the host to create /out/go (gl_go on the host side).
gl_wait_go() {
	local i=0 n=$((${1:-60} * 5))
	while [ ! -e /out/go ]; do
		i=$((i + 1)); [ $i -le $n ] || return 1
		sleep 0.2
	done
}

# Waits for a path to appear (device node, sysfs entry), up to $2 s (default 10).
wait_for() {
	local i=0 n=$((${2:-10} * 10))
	while [ ! -e "$1" ]; do
		i=$((i + 1)); [ $i -le $n ] || return 1
		sleep 0.1
	done
}

# nvmet_null TRTYPE NQN ADDR PORT [SIZE_MB]: kernel NVMe-oF target (tcp or rdma) exporting a
# memory-backed null_blk; the first call creates the device and subsystem, each call adds a port.
nvmet_null() {
	local tr=$1 nqn=$2 addr=$3 port=$4 size=${5:-64} cfs=/sys/kernel/config/nvmet
	local nb=/sys/kernel/config/nullb/nullb0 p
	modprobe null_blk nr_devices=0 || return 1
	modprobe "nvmet-$tr" || return 1
	if [ ! -d "$nb" ]; then
		mkdir "$nb" && echo 1 >"$nb/memory_backed" && echo "$size" >"$nb/size" &&
			echo 4096 >"$nb/blocksize" && echo 1 >"$nb/power" || return 1
		wait_for /dev/nullb0 || return 1
	fi
	if [ ! -d "$cfs/subsystems/$nqn" ]; then
		mkdir "$cfs/subsystems/$nqn" || return 1
		echo 1 >"$cfs/subsystems/$nqn/attr_allow_any_host"
		mkdir "$cfs/subsystems/$nqn/namespaces/1"
		echo -n /dev/nullb0 >"$cfs/subsystems/$nqn/namespaces/1/device_path"
		echo 1 >"$cfs/subsystems/$nqn/namespaces/1/enable" || return 1
	fi
	p=1
	while [ -d "$cfs/ports/$p" ]; do p=$((p + 1)); done
	mkdir "$cfs/ports/$p"
	echo "$tr" >"$cfs/ports/$p/addr_trtype"
	echo ipv4 >"$cfs/ports/$p/addr_adrfam"
	echo "$addr" >"$cfs/ports/$p/addr_traddr"
	echo "$port" >"$cfs/ports/$p/addr_trsvcid"
	ln -s "$cfs/subsystems/$nqn" "$cfs/ports/$p/subsystems/$nqn" || return 1
}

nvmet_tcp_null() { nvmet_null tcp "$@"; }

# Soft-RoCE on eth0 as rxe0 (the crc32 modules first, as rdma_rxe needs them). RDMA traffic to the
# guest's own address loops back inside rxe: a capture on lo or eth0 sees none of it.
rxe_up() {
	modprobe crc32_generic && modprobe crc32-pclmul && modprobe rdma_rxe || return 1
	modprobe ib_uverbs && modprobe rdma_ucm || return 1
	rdma link add rxe0 type rxe netdev eth0 || return 1
	wait_for /sys/class/infiniband/rxe0 10
}

# The block device of the first namespace of the NVMe-oF controller for NQN, e.g. /dev/nvme0n1.
nvme_dev_for() {
	local c
	for c in /sys/class/nvme/nvme*; do
		[ "$(cat "$c/subsysnqn" 2>/dev/null)" = "$1" ] || continue
		c=${c##*/}
		wait_for "/dev/${c}n1" 10 && { echo "/dev/${c}n1"; return 0; }
	done
	return 1
}

# write_verify DEV BYTES [SEEK]: writes random data (kept in /tmp/wv.in) with O_DIRECT at 64 KiB
# block SEEK (default 0), reads it back with O_DIRECT and compares md5.
write_verify() {
	local dev=$1 bytes=$2 seek=${3:-0} bs=65536 a b
	head -c "$bytes" /dev/urandom >/tmp/wv.in
	dd if=/tmp/wv.in of="$dev" bs=$bs seek="$seek" oflag=direct conv=fsync,notrunc 2>/tmp/wv.err ||
		{ cat /tmp/wv.err; return 1; }
	echo 3 >/proc/sys/vm/drop_caches
	dd if="$dev" of=/tmp/wv.out bs=$bs skip="$seek" count=$((bytes / bs)) iflag=direct 2>/tmp/wv.err ||
		{ cat /tmp/wv.err; return 1; }
	a=$(md5sum </tmp/wv.in | cut -d' ' -f1)
	b=$(md5sum </tmp/wv.out | cut -d' ' -f1)
	echo "write_verify $dev $bytes bytes: wrote $a read $b"
	[ "$a" = "$b" ]
}

# write_verify_2cpu DEV BYTES: like write_verify, but two halves written and read at once from CPU 0
# and CPU 1, so a multi-queue device gets requests on two queues.
write_verify_2cpu() {
	local dev=$1 half=$(($2 / 2)) bs=65536 i a b rc=0
	for i in 0 1; do
		head -c $half /dev/urandom >/tmp/wv2.in$i
	done
	for i in 0 1; do
		taskset $((i + 1)) dd if=/tmp/wv2.in$i of="$dev" bs=$bs seek=$((i * half / bs)) oflag=direct \
			conv=fsync,notrunc 2>/tmp/wv2.err$i &
	done
	wait || rc=1
	echo 3 >/proc/sys/vm/drop_caches
	for i in 0 1; do
		taskset $((i + 1)) dd if="$dev" of=/tmp/wv2.out$i bs=$bs skip=$((i * half / bs)) \
			count=$((half / bs)) iflag=direct 2>/tmp/wv2.err$i &
	done
	wait || rc=1
	for i in 0 1; do
		a=$(md5sum </tmp/wv2.in$i | cut -d' ' -f1)
		b=$(md5sum </tmp/wv2.out$i | cut -d' ' -f1)
		echo "write_verify_2cpu $dev half $i (cpu $i): wrote $a read $b"
		[ "$a" = "$b" ] || rc=1
	done
	return $rc
}
