/* SPDX-License-Identifier: BSD-3-Clause */
/* Boot sector for the SeaBIOS interop test: reads LBA 1 through int 13h (the BIOS virtio driver),
 * checks its marker, writes it to LBA 2, reads LBA 2 back, compares, prints the verdict on COM1. */
	.code16
	.globl _start
_start:
	cli
	xorw %ax, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw $0x7c00, %sp
	sti
	movb %dl, drive
	/* read LBA 1 (CHS 0/0/2) to 0x8000 */
	movw $0x0201, %ax
	movw $0x0002, %cx
	xorb %dh, %dh
	movb drive, %dl
	movw $0x8000, %bx
	int $0x13
	jc fail
	movw $0x8000, %si
	movw $expect, %di
	movw $16, %cx
	cld
	repe cmpsb
	jne fail
	/* write it to LBA 2 (CHS 0/0/3), read LBA 2 back to 0x9000, compare 512 bytes */
	movw $0x0301, %ax
	movw $0x0003, %cx
	xorb %dh, %dh
	movb drive, %dl
	movw $0x8000, %bx
	int $0x13
	jc fail
	movw $0x0201, %ax
	movw $0x0003, %cx
	xorb %dh, %dh
	movb drive, %dl
	movw $0x9000, %bx
	int $0x13
	jc fail
	movw $0x8000, %si
	movw $0x9000, %di
	movw $512, %cx
	repe cmpsb
	jne fail
	movw $okmsg, %si
	jmp print
fail:
	movw $failmsg, %si
print:
	movw $0x3f8, %dx
1:	lodsb
	testb %al, %al
	jz 2f
	outb %al, %dx
	jmp 1b
2:	cli
	hlt
	jmp 2b
drive:	.byte 0
expect:	.ascii "IOPATH-SECTOR-1!"
okmsg:	.asciz "\r\nIOPATH-BOOT-OK\r\n"
failmsg: .asciz "\r\nIOPATH-BOOT-FAIL\r\n"
	.org 510
	.byte 0x55, 0xaa
