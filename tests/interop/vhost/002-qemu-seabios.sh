#!/usr/bin/env bash
# Description: QEMU's vhost-user-blk-pci and vhost-user-scsi-pci (TCG) against `iopath target`, with
# SeaBIOS's virtio-blk / virtio-scsi drivers as the guest driver: the BIOS boots a sector from our
# back end that reads a marker sector, writes it elsewhere, reads it back and compares; the test then
# checks the backing file (the write went through our target to the backend).
# TIMEOUT=120
. "$(dirname "$0")/../../integration/vhost/lib.sh"
QEMU=$(command -v qemu-system-x86_64) || { echo "SKIP: qemu-system-x86_64 not installed"; exit 77; }
command -v as >/dev/null && command -v ld >/dev/null || fail "binutils (as, ld) missing"
vh_need_backend aio
HERE=$(cd "$(dirname "$0")" && pwd)
as --32 -o "$VH_DIR/boot.o" "$HERE/boot.S" || fail "assemble"
ld -m elf_i386 -Ttext 0x7c00 --oformat binary -e _start -o "$VH_DIR/boot.bin" "$VH_DIR/boot.o" || fail "link"
[ "$(stat -c %s "$VH_DIR/boot.bin")" = 512 ] || fail "boot sector is not 512 bytes"

boot() { # KIND(blk|scsi)
	local kind=$1 img=$VH_DIR/$1.img sock=$VH_DIR/$1.sock qpid
	truncate -s 16M "$img"
	dd if="$VH_DIR/boot.bin" of="$img" conv=notrunc status=none
	printf 'IOPATH-SECTOR-1!' | dd of="$img" bs=512 seek=1 conv=notrunc status=none
	vh_target "t$kind" "vhost-user-$kind://$sock" --backend "aio:path=$img"
	"$QEMU" -M q35,accel=tcg -display none -serial stdio -m 128 -net none -no-reboot \
		-object memory-backend-memfd,id=mem,size=128M,share=on -numa node,memdev=mem \
		-chardev "socket,id=c0,path=$sock" -device "vhost-user-$kind-pci,chardev=c0" \
		>"$VH_DIR/q$kind.log" 2>&1 &
	qpid=$!
	VH_PIDS+=($qpid)
	for _ in $(seq 400); do
		grep -aq 'IOPATH-BOOT' "$VH_DIR/q$kind.log" && break
		kill -0 "$qpid" 2>/dev/null || break
		sleep 0.2
	done
	kill "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null
	grep -aq 'IOPATH-BOOT-OK' "$VH_DIR/q$kind.log" || {
		tr '\r' '\n' <"$VH_DIR/q$kind.log" | tail -20; cat "$VH_DIR/t$kind.log"; fail "$kind: guest did not boot OK"; }
	cmp -s <(dd if="$img" bs=512 skip=1 count=1 status=none) <(dd if="$img" bs=512 skip=2 count=1 status=none) ||
		fail "$kind: the guest's write is not in the backing file"
	grep -q ERROR "$VH_DIR/t$kind.log" && { cat "$VH_DIR/t$kind.log"; fail "$kind: target logged errors"; }
	echo "$kind: SeaBIOS booted from iopath's vhost-user-$kind back end, read and write verified"
}
boot blk
boot scsi
echo PASS
