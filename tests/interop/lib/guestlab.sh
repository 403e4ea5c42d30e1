# SPDX-License-Identifier: BSD-3-Clause
# Guest lab: boots a Debian 6.12 kernel under QEMU (TCG) with a busybox initramfs so tests meet real
# Linux peers (nvme-tcp, nvmet-tcp, virtio-blk/scsi over vhost-user). Sourced by tests/interop/*.
#
# Typical use (see docs/guestlab.md):
#   . "$IOPATH_ROOT/tests/interop/lib/guestlab.sh"
#   gl_modules MOD...              # optional, before gl_setup: modules beyond GL_MODULES
#   gl_setup                       # work dir, kernel + base initramfs (cached under $BUILD/guestlab)
#   gl_bg_start LOG '^ready ' 15 "$IOPATH" target ...   # optional host-side peer, stopped at exit
#   gl_net hostfwd=tcp:127.0.0.1:P-10.0.2.15:4420   # optional extra -netdev user options
#   gl_qemu_args -device ...       # optional extra QEMU arguments
#   GL_SHARED_MEM=1                # optional: guest RAM in a shared memfd (vhost-user)
#   gl_add_bin "$IOPATH" /bin/iopath   # optional: a host binary (and its libraries) in the guest
#   gl_env NAME VALUE              # optional: a variable for the guest script
#   gl_run <<'EOF'                 # boot, run this as /test.sh, return its exit code
#   ...guest shell script (helpers of guest-fns.sh are loaded)...
#   EOF
# Files the guest writes to /out appear in $GL_OUT. For tests that talk to the guest while it runs:
# gl_start (script on stdin), gl_wait_log PATTERN [SECONDS], gl_go (creates /out/go, which the
# guest's gl_wait_go waits for), gl_finish (waits for the guest, returns its exit code).

GL_KSERIES=${GUESTLAB_KSERIES:-6.12}
GL_TIMEOUT=${GUESTLAB_TIMEOUT:-120}
GL_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
GL_ROOT=${IOPATH_ROOT:-$(cd "$GL_LIB/../../.." && pwd)}
GL_BUILD=${BUILD:-build}
case $GL_BUILD in /*) ;; *) GL_BUILD=$GL_ROOT/$GL_BUILD;; esac
GL_CACHE=${GUESTLAB_CACHE:-$GL_BUILD/guestlab}

# Every module any interop test needs; one base image serves them all. The closure is computed.
GL_MODULES=(configfs virtio_net 9pnet_virtio 9p crc32c_generic crc32c-intel crc32_generic
	crc32-pclmul null_blk loop nvme-tcp nvmet-tcp nvme-rdma nvmet-rdma rdma_rxe ib_uverbs rdma_ucm
	virtio_blk virtio_scsi sd_mod vduse virtio_vdpa vdpa)
# Host tools copied in with their libraries when installed (nvme-cli, tcpdump, iproute2's rdma and
# vdpa); the first existing path of each tool wins.
GL_TOOLS=(nvme tcpdump rdma vdpa)
GL_HOSTNQN_UUID=5a4b1c2d-7e8f-4a0b-9c1d-2e3f4a5b6c7d

GL_QEMU_EXTRA=()
GL_NET_EXTRA=
GL_OVERLAY_FILES=()
GL_QEMU_PID=
GL_WORK=
GL_BG_PIDS=()
GL_ENV=

gl_log() { echo "guestlab: $*" >&2; }
gl_die() { echo "guestlab: FAIL: $*" >&2; exit 1; }
gl_skip() { echo "SKIP: $*"; exit 77; }

# Run "$@" under an exclusive lock on the cache so parallel tests build each thing once.
gl_locked() {
	mkdir -p "$GL_CACHE"
	(flock 9 && "$@") 9>"$GL_CACHE/.lock"
}

# Newest 6.12 Debian kernel image package name apt can fetch, e.g. linux-image-6.12.117+deb12-amd64.
gl_kernel_pkg() {
	local re="^linux-image-${GL_KSERIES//./\\.}\\.[0-9]+\\+(deb12|bpo)-amd64\$" p
	p=$(apt-cache depends "linux-image-$GL_KSERIES-amd64" 2>/dev/null |
		awk '/Depends:/ {print $2}' | grep -E "$re" | head -n1)
	if [ -z "$p" ]; then
		for p in $(apt-cache pkgnames "linux-image-$GL_KSERIES." 2>/dev/null | grep -E "$re" | sort -rV); do
			apt-cache policy "$p" 2>/dev/null | grep -q 'Candidate: [0-9]' && break
			p=
		done
	fi
	echo "$p"
}

# Prints the cache folder of the guest kernel, downloading and unpacking it first if needed.
gl_fetch_kernel() {
	local pkg dir tmp kver
	# Reuse the newest cached kernel so repeated runs do not touch the network.
	dir=$(ls -d "$GL_CACHE"/kernel-*/ok 2>/dev/null | sort -V | tail -n1)
	if [ -n "$dir" ] && [ -z "${GUESTLAB_KPKG:-}" ]; then
		dirname "$dir"
		return 0
	fi
	pkg=${GUESTLAB_KPKG:-$(gl_kernel_pkg)}
	if [ -z "$pkg" ] && [ "$(id -u)" -eq 0 ]; then
		gl_log "no linux-image-$GL_KSERIES.* known to apt; running apt-get update"
		apt-get update -qq >/dev/null 2>&1
		pkg=$(gl_kernel_pkg)
	fi
	[ -n "$pkg" ] || gl_die "apt knows no linux-image-$GL_KSERIES.*+deb12-amd64 package: the apt sources" \
		"need bookworm-security (or bookworm-backports); see /etc/apt/sources.list*"
	dir=$GL_CACHE/kernel-${pkg#linux-image-}
	if [ ! -e "$dir/ok" ]; then
		gl_log "downloading $pkg (once; cached in $dir)"
		tmp=$(mktemp -d "$GL_CACHE/dl.XXXXXX")
		(cd "$tmp" && apt-get download "$pkg" >/dev/null 2>"$tmp/err") ||
			{ cat "$tmp/err" >&2; rm -rf "$tmp"; gl_die "apt-get download $pkg failed"; }
		rm -rf "$dir" && mkdir -p "$dir"
		dpkg -x "$tmp"/*.deb "$dir/root" || { rm -rf "$tmp"; gl_die "dpkg -x failed"; }
		rm -rf "$tmp"
		kver=$(ls "$dir/root/lib/modules")
		depmod -b "$dir/root" "$kver" || gl_die "depmod on the extracted kernel failed"
		touch "$dir/ok"
	fi
	echo "$dir"
}

# Copy an executable and every library ldd lists (plus the loader) into staging root $1.
gl_copy_bin() { # root src dst
	local root=$1 src=$2 dst=$3 lib
	mkdir -p "$root$(dirname "$dst")"
	cp -L "$src" "$root$dst"
	for lib in $(ldd "$src" 2>/dev/null | awk '/=> \// {print $3} /^[[:space:]]*\/[^ ]*ld-linux/ {print $1}'); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

gl_mkcpio() { # dir out
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$2"
}

# Sets GL_KVER, GL_VMLINUZ and GL_BASE (the base initramfs for this kernel, module list, tools and
# lib version) from GL_KDIR.
gl_base_vars() {
	local t
	GL_KVER=$(ls "$GL_KDIR/root/lib/modules")
	GL_VMLINUZ=$GL_KDIR/root/boot/vmlinuz-$GL_KVER
	GL_BASE=$GL_CACHE/base-$( {
		echo "$GL_KVER ${GL_MODULES[*]}"
		for t in "${GL_TOOLS[@]}"; do
			t=$(PATH=/usr/sbin:/usr/bin:/sbin:/bin command -v "$t") && ls -lL "$t"
		done
		cat "$GL_LIB/guestlab.sh" "$GL_LIB/guest-init.sh" "$GL_LIB/guest-fns.sh"
	} | md5sum | cut -c1-12).cpio
}

gl_build_base() {
	local stage kroot=$GL_KDIR/root mods m f t rel
	[ -e "$GL_BASE" ] && return 0
	gl_log "building base initramfs $GL_BASE"
	stage=$(mktemp -d "$GL_CACHE/stage.XXXXXX")
	mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,out,etc/nvme,lib64,root}
	cp /bin/busybox "$stage/bin/busybox"
	for f in $(/bin/busybox --list-full); do
		[ -e "$stage/$f" ] || ln -s /bin/busybox "$stage/$f"
	done
	for t in "${GL_TOOLS[@]}"; do
		f=$(PATH=/usr/sbin:/usr/bin:/sbin:/bin command -v "$t") && gl_copy_bin "$stage" "$f" "$f"
	done
	# Modules: dependency closure, decompressed, with a fresh depmod in the staging tree.
	mods=
	for m in "${GL_MODULES[@]}"; do
		f=$(modprobe -d "$kroot" -S "$GL_KVER" --show-depends "$m") ||
			gl_die "module $m is not in the $GL_KVER kernel"
		mods+=" $(echo "$f" | awk '$1 == "insmod" {print $2}')"
	done
	for f in $(echo $mods | tr ' ' '\n' | sort -u); do
		rel=${f#$kroot/}
		mkdir -p "$stage/$(dirname "$rel")"
		case $f in
		*.xz) xz -dc "$f" >"$stage/${rel%.xz}";;
		*.zst) zstd -qdc "$f" >"$stage/${rel%.zst}";;
		*) cp "$f" "$stage/$rel";;
		esac
	done
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		cp "$kroot/lib/modules/$GL_KVER/$f" "$stage/lib/modules/$GL_KVER/"
	done
	depmod -b "$stage" "$GL_KVER" || gl_die "depmod in the initramfs failed"
	cp "$GL_LIB/guest-init.sh" "$stage/init" && chmod 755 "$stage/init"
	cp "$GL_LIB/guest-fns.sh" "$stage/etc/guestlab-fns.sh"
	echo "nqn.2014-08.org.nvmexpress:uuid:$GL_HOSTNQN_UUID" >"$stage/etc/nvme/hostnqn"
	echo "$GL_HOSTNQN_UUID" >"$stage/etc/nvme/hostid"
	echo "root:x:0:0:root:/root:/bin/sh" >"$stage/etc/passwd"
	echo "root:x:0:" >"$stage/etc/group"
	gl_mkcpio "$stage" "$GL_BASE.tmp" && mv "$GL_BASE.tmp" "$GL_BASE"
	rm -rf "$stage"
	# Bases unused for a day (an earlier lib version or module list) are dead weight.
	find "$GL_CACHE" -maxdepth 1 -name 'base-*.cpio' -mtime +0 -delete
}

gl_cleanup() {
	local p
	for p in "${GL_BG_PIDS[@]}"; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	if [ -n "$GL_QEMU_PID" ] && kill -0 "$GL_QEMU_PID" 2>/dev/null; then
		kill "$GL_QEMU_PID" 2>/dev/null
		wait "$GL_QEMU_PID" 2>/dev/null
	fi
	[ -n "${GUESTLAB_KEEP:-}" ] && { gl_log "kept $GL_WORK"; return; }
	[ -n "$GL_WORK" ] && rm -rf "$GL_WORK"
}

# Sets up the work dir ($GL_WORK, $GL_OUT for files from the guest, $GL_LOG the serial log), fetches
# the kernel and builds the base initramfs. Skips (77) only when QEMU cannot run at all.
gl_setup() {
	command -v qemu-system-x86_64 >/dev/null || gl_skip "qemu-system-x86_64 not installed"
	qemu-system-x86_64 -version >/dev/null 2>&1 || gl_skip "qemu-system-x86_64 does not start"
	local t
	for t in busybox cpio depmod modprobe xz flock apt-get dpkg; do
		command -v "$t" >/dev/null || [ -x "/bin/$t" ] || gl_die "missing host tool $t (make deps)"
	done
	mkdir -p "$GL_CACHE"
	GL_KDIR=$(gl_locked gl_fetch_kernel) || exit 1
	gl_base_vars
	[ -e "$GL_BASE" ] || gl_locked gl_build_base || exit 1
	touch "$GL_BASE"  # in use: keeps it from being pruned
	GL_WORK=$(mktemp -d "${TMPDIR:-/tmp}/guestlab.XXXXXX")
	GL_OUT=$GL_WORK/out
	GL_LOG=${GUESTLAB_LOG:-$GL_WORK/serial.log}
	mkdir -p "$GL_OUT"
	trap 'gl_cleanup' EXIT
	trap 'exit 1' INT TERM
}

# More kernel modules (with their dependencies) in the base image; call before gl_setup. A different
# list gets its own cached base image, so prefer adding common needs to GL_MODULES above.
gl_modules() { GL_MODULES+=("$@"); }
gl_qemu_args() { GL_QEMU_EXTRA+=("$@"); }
# Sets a variable for the guest script: gl_env NAME VALUE.
gl_env() { GL_ENV+="$1=$(printf '%q' "$2")"$'\n'; }
gl_net() { GL_NET_EXTRA+=",$1"; }
# A host file copied into the guest at DST (the test's overlay).
gl_add_file() { GL_OVERLAY_FILES+=("file:$1:$2"); }
# A host executable plus its libraries copied into the guest at DST.
gl_add_bin() { GL_OVERLAY_FILES+=("bin:$1:$2"); }

# Userspace RDMA for our binary in the guest: libibverbs finds its soft-RoCE provider through
# /etc/libibverbs.d (ldd does not list it: it is dlopen()ed).
gl_add_ibverbs() {
	local d=/etc/libibverbs.d f
	for f in "$d/rxe.driver" /usr/lib/x86_64-linux-gnu/libibverbs/librxe-rdmav*.so; do
		[ -e "$f" ] || gl_die "$f missing (rdma-core / ibverbs-providers; make deps)"
	done
	gl_add_file "$d/rxe.driver" "$d/rxe.driver"
	for f in /usr/lib/x86_64-linux-gnu/libibverbs/librxe-rdmav*.so; do
		gl_add_bin "$f" "$f"
	done
}

# Starts a host process (e.g. `iopath target ...`) in the background with stdout+stderr in LOG and
# waits until a line of its output matches PATTERN; it is killed when the test ends. GL_BG_PID is set.
gl_bg_start() { # log pattern seconds cmd...
	local log=$1 pat=$2 deadline=$((SECONDS + $3))
	shift 3
	"$@" >"$log" 2>&1 </dev/null &
	GL_BG_PID=$!
	GL_BG_PIDS+=("$GL_BG_PID")
	while ! grep -Eq "$pat" "$log"; do
		if ! kill -0 "$GL_BG_PID" 2>/dev/null; then
			gl_log "'$*' exited before printing '$pat':"; cat "$log" >&2; return 1
		fi
		[ $SECONDS -lt $deadline ] || { gl_log "'$*' printed no '$pat':"; cat "$log" >&2; return 1; }
		sleep 0.1
	done
}

# Stops a process started with gl_bg_start (SIGTERM, then waits) and returns its exit status.
gl_bg_stop() { # pid
	kill "$1" 2>/dev/null
	wait "$1"
}

# A free TCP port on 127.0.0.1 in 20000-60000 (random; callers retry if a race loses it).
gl_free_port() {
	local p i
	for i in $(seq 50); do
		p=$((20000 + RANDOM % 40000))
		ss -Htln "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

gl_build_overlay() { # script-file
	local ov=$GL_WORK/overlay e kind src dst
	rm -rf "$ov" && mkdir -p "$ov"
	cp "$1" "$ov/test.sh" && chmod 755 "$ov/test.sh"
	for e in "${GL_OVERLAY_FILES[@]}"; do
		IFS=: read -r kind src dst <<<"$e"
		case $kind in
		file) mkdir -p "$ov$(dirname "$dst")" && cp -L "$src" "$ov$dst";;
		bin) gl_copy_bin "$ov" "$src" "$dst";;
		esac
	done
	gl_mkcpio "$ov" "$GL_WORK/overlay.cpio"
	cat "$GL_BASE" "$GL_WORK/overlay.cpio" >"$GL_WORK/initrd.cpio"
}

# Writes the script on stdin as /test.sh into the initramfs and sets GL_QEMU_CMD; SERIAL is QEMU's
# -serial argument (the log file by default).
gl_prepare() { # [serial]
	{ printf '%s' "$GL_ENV"; echo '. /etc/guestlab-fns.sh'; cat; } >"$GL_WORK/test.sh"
	gl_build_overlay "$GL_WORK/test.sh"
	: >"$GL_LOG"
	rm -f "$GL_OUT/go"
	local mem=(-m 1024)
	# vhost-user back ends need the guest RAM in shared memory they can map.
	[ -n "${GL_SHARED_MEM:-}" ] && mem=(-m 1024 -object memory-backend-memfd,id=mem,size=1024M,share=on
		-machine memory-backend=mem)
	GL_QEMU_CMD=(timeout --kill-after=5 "$GL_TIMEOUT" qemu-system-x86_64 -accel tcg,thread=multi
		-cpu max -smp 2 "${mem[@]}" -nographic -no-reboot -nodefaults -monitor none
		-serial "${1:-file:$GL_LOG}" -kernel "$GL_VMLINUZ" -initrd "$GL_WORK/initrd.cpio"
		-append "console=ttyS0 rdinit=/init panic=-1 quiet no_timer_check guestlab.watchdog=$((GL_TIMEOUT - 20)) ${GUESTLAB_APPEND:-}"
		-netdev "user,id=n0,restrict=on$GL_NET_EXTRA" -device virtio-net-pci,netdev=n0,romfile=
		-virtfs "local,path=$GL_OUT,mount_tag=out,security_model=none,id=out"
		"${GL_QEMU_EXTRA[@]}")
}

# Boots the guest in the background with the script on stdin as /test.sh.
gl_start() {
	gl_prepare
	"${GL_QEMU_CMD[@]}" >"$GL_WORK/qemu.err" 2>&1 </dev/null &
	GL_QEMU_PID=$!
	GL_T0=$(date +%s%N)
}

# Waits until the serial log matches PATTERN (extended regex); fails if the guest ends first.
gl_wait_log() { # pattern [seconds]
	local deadline=$((SECONDS + ${2:-90}))
	while ! grep -Eq "$1" "$GL_LOG" 2>/dev/null; do
		kill -0 "$GL_QEMU_PID" 2>/dev/null || { gl_log "guest ended before '$1'"; return 1; }
		[ $SECONDS -lt $deadline ] || { gl_log "timed out waiting for '$1'"; return 1; }
		sleep 0.2
	done
}

# Lets a guest blocked in gl_wait_go continue.
gl_go() { touch "$GL_OUT/go"; }

# Waits for QEMU to end; prints the serial log; returns the guest script's exit code (1 if none).
gl_finish() {
	local qrc rc
	wait "$GL_QEMU_PID"
	qrc=$?
	GL_QEMU_PID=
	local ms=$(( ($(date +%s%N) - GL_T0) / 1000000 ))
	echo "----- guest serial log ($GL_LOG) -----"
	tr -d '\r' <"$GL_LOG"
	echo "----- end of guest log; QEMU rc=$qrc after $((ms / 1000)).$((ms % 1000 / 100))s -----"
	[ -s "$GL_WORK/qemu.err" ] && { echo "qemu stderr:"; cat "$GL_WORK/qemu.err"; }
	rc=$(tr -d '\r' <"$GL_LOG" | sed -n 's/^GUESTLAB-RESULT rc=\([0-9]*\)$/\1/p' | tail -n1)
	if [ -z "$rc" ]; then
		[ $qrc -eq 124 ] && gl_log "guest timed out after ${GL_TIMEOUT}s"
		gl_log "no GUESTLAB-RESULT line: the guest did not finish its script"
		return 1
	fi
	return "$rc"
}

# Boots the guest with the script on stdin and returns its exit code.
gl_run() {
	gl_start
	gl_finish
}

# Checks an NVMe/TCP pcap with the host's tshark (an independent decoder): it must decode as nvme-tcp
# on PORT with ICReq/ICResp, command and response capsules and C2HData, nothing malformed, every
# header and data digest judged good (status 1; tshark reports a wrong one as 0); with "digest",
# digests must be in use; with "h2cdata", writes must have gone through R2T and H2CData.
gl_check_nvmetcp_pcap() { # file port|auto digest|nodigest [h2cdata]
	local f=$1 port=$2 want=${3:-} out types t n bad need="0 1 4 5 7"
	[ "${4:-}" = h2cdata ] && need="$need 6 9"
	command -v tshark >/dev/null || gl_die "tshark not installed (make deps)"
	[ -s "$f" ] || { gl_log "$f: missing or empty"; return 1; }
	if [ "$port" = auto ]; then # the server port of the first connection
		port=$(tshark -n -r "$f" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' -T fields \
			-e tcp.dstport 2>/dev/null | head -n1)
		[ -n "$port" ] || { gl_log "$f: no TCP connection set-up in the trace"; return 1; }
	fi
	# One pass: per frame the PDU types, digest verdicts, malformed marks and expert severities.
	local all
	all=$(tshark -n -r "$f" -d "tcp.port==$port,nvme-tcp" -o nvme-tcp.check_hdgst:TRUE \
		-o nvme-tcp.check_ddgst:TRUE -T fields -E occurrence=a -E separator=';' \
		-e frame.number -e nvme-tcp.type -e nvme-tcp.hdgst.status -e nvme-tcp.ddgst.status \
		-e _ws.malformed -e _ws.expert.severity 2>/dev/null) ||
		{ gl_log "$f: tshark cannot read it:"; tshark -n -r "$f" -c 1 >/dev/null; return 1; }
	out=$(echo "$all" | awk -F';' '$2 != "" {print $2 ";" $3 ";" $4}')
	n=$(echo "$out" | grep -c .)
	types=$(echo "$out" | cut -d';' -f1 | tr ',' '\n' | grep . | sort -un | tr '\n' ' ')
	gl_log "$f: $n frames with NVMe/TCP PDUs, PDU types: $types"
	# 0 ICReq, 1 ICResp, 4 CapsuleCmd, 5 CapsuleResp, 7 C2HData, 6 H2CData, 9 R2T
	for t in $need; do
		echo " $types" | grep -q " $t " || { gl_log "$f: no PDU of type $t"; return 1; }
	done
	# Expert severity Error is 0x800000 (malformed frames carry it too).
	bad=$(echo "$all" | awk -F';' '{ split($6, sv, ","); e = ($5 != "")
		for (i in sv) if (sv[i] + 0 >= 8388608) e = 1
		if (e) print $1 }' | head -n 5 | tr '\n' ' ')
	[ -z "$bad" ] || { gl_log "$f: malformed or error frames: $bad"; return 1; }
	# Every digest present must be judged good; "digest" also demands that digests were used.
	local hd dd
	hd=$(echo "$out" | cut -d';' -f2 | tr ',' '\n' | grep . | sort | uniq -c | tr -s ' \n' ' ')
	dd=$(echo "$out" | cut -d';' -f3 | tr ',' '\n' | grep . | sort | uniq -c | tr -s ' \n' ' ')
	[ -n "$hd$dd" ] && gl_log "$f: digest status counts (count status): header:$hd data:$dd"
	echo "$out" | cut -d';' -f2,3 | tr ',;' '\n\n' | grep . | grep -qv '^1$' &&
		{ gl_log "$f: a digest is wrong"; return 1; }
	if [ "$want" = digest ] && { [ -z "$hd" ] || [ -z "$dd" ]; }; then
		gl_log "$f: header and data digests not both in use"
		return 1
	fi
	return 0
}

# Checks a RoCEv2 pcap of an NVMe/RDMA session with the host's tshark (RoCEv2 + its NVMe-oF RDMA
# dissector, an independent decoder): the RDMA CM REQs carry NVMe RDMA private data (RECFMT 0,
# an admin and an I/O queue ID, HSQSIZE < HRQSIZE), the REPs decode with a CRQSIZE, command
# capsules decode as NVMe (Fabrics Connect, Write, Read), data moves with RDMA READ (request and
# responses) and RDMA WRITE, responses as SENDs, nothing malformed. With "inv", some response must
# be SEND WITH INVALIDATE (the host asked for it).
gl_check_roce_pcap() { # file [inv]
	local f=$1 want=${2:-} all ops n bad
	command -v tshark >/dev/null || gl_die "tshark not installed (make deps)"
	[ -s "$f" ] || { gl_log "$f: missing or empty"; return 1; }
	all=$(tshark -n -r "$f" -T fields -E occurrence=a -E separator=';' -e frame.number \
		-e infiniband.bth.opcode -e infiniband.cm.req.ip_cm.private -e nvme-rdma.cm.rsp.crqsize \
		-e nvme.fabrics.cmd.fctype -e nvme.cmd.opc -e _ws.malformed -e _ws.expert.severity \
		2>/dev/null) || { gl_log "$f: tshark cannot read it"; return 1; }
	n=$(echo "$all" | awk -F';' '$2 != ""' | grep -c .)
	ops=$(echo "$all" | cut -d';' -f2 | tr ',' '\n' | grep . | sort -un | tr '\n' ' ')
	gl_log "$f: $n RoCEv2 frames, BTH opcodes: $ops"
	[ "$n" -gt 0 ] || { gl_log "$f: no RoCEv2 frames"; return 1; }
	# RC: 4 SEND Only, 6-8/10 RDMA WRITE First/Middle/Last/Only, 12 RDMA READ Request,
	# 13-16 RDMA READ Response, 17 Acknowledge, 23 SEND Only with Invalidate; 100 UD SEND Only (CM)
	local t need="4 12 17 100"
	[ "$want" = inv ] && need="$need 23"
	for t in $need; do
		echo " $ops" | grep -q " $t " || { gl_log "$f: no BTH opcode $t"; return 1; }
	done
	echo " $ops" | grep -Eq " (6|10) " || { gl_log "$f: no RDMA WRITE"; return 1; }
	echo " $ops" | grep -Eq " (13|16) " || { gl_log "$f: no RDMA READ Response"; return 1; }
	# CM REQ private data after the IP CM header: RECFMT, QID, HRQSIZE, HSQSIZE (LE 16-bit each)
	local pd
	pd=$(echo "$all" | cut -d';' -f3 | grep . | cut -c1-16 | while read -r h; do
		le() { echo $((16#${h:$1+2:2}${h:$1:2})); }
		echo "$(le 0) $(le 4) $(le 8) $(le 12)"
	done)
	gl_log "$f: CM REQ private data (RECFMT QID HRQSIZE HSQSIZE): $(echo "$pd" | tr '\n' '|')"
	echo "$pd" | awk '$1 != 0 || $4 >= $3 || $4 < 1 { bad = 1 } END { exit bad || NR < 2 }' ||
		{ gl_log "$f: CM REQ private data missing or out of rule"; return 1; }
	echo "$pd" | awk '$2 == 0 { a = 1 } $2 > 0 { i = 1 } END { exit !(a && i) }' ||
		{ gl_log "$f: no admin and I/O queue CM REQs"; return 1; }
	echo "$all" | cut -d';' -f4 | grep -q '[1-9]' || { gl_log "$f: no CM REP with CRQSIZE"; return 1; }
	echo "$all" | cut -d';' -f5 | tr ',' '\n' | grep -qx 0x01 ||
		{ gl_log "$f: no Fabrics Connect capsule decoded"; return 1; }
	local opc
	opc=$(echo "$all" | cut -d';' -f6 | tr ',' '\n' | grep . | sort -u | tr '\n' ' ')
	gl_log "$f: NVMe opcodes in capsules: $opc"
	for t in 0x01 0x02; do
		echo " $opc" | grep -q " $t " || { gl_log "$f: no NVMe command $t decoded"; return 1; }
	done
	bad=$(echo "$all" | awk -F';' '{ split($8, sv, ","); e = ($7 != "")
		for (i in sv) if (sv[i] + 0 >= 8388608) e = 1
		if (e) print $1 }' | tr '\n' ' ')
	if [ -n "$bad" ]; then
		# tshark 4.0's NVMe dissector nests each Commands Supported and Effects entry one level
		# deeper than the last and hits its tree depth limit in the RDMA WRITE segments after the
		# first of that 4 KiB log page: a decoder limit, not a wire fault. Only those are forgiven.
		local known
		known=$(tshark -n -r "$f" -Y '_ws.malformed && nvme.cmd.get_logpage.cmd_and_eff.cseds' \
			-T fields -e frame.number 2>/dev/null | tr '\n' ' ')
		for t in $known; do
			bad=$(echo " $bad " | sed "s/ $t / /")
		done
		bad=$(echo $bad)
		[ -n "$known" ] && gl_log "$f: frames $known: tshark 4.0 tree depth limit on the Commands Supported and Effects log (decoder limit, forgiven)"
	fi
	[ -z "$bad" ] || { gl_log "$f: malformed or error frames: $bad"; return 1; }
	return 0
}
