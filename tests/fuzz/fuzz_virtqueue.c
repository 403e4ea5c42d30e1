/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer: virtio descriptor chains (split and packed rings, indirect tables) in guest memory. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "targets/virtio/mem.h"
#include "targets/virtio/virtqueue.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_GPA  0x10000u
#define FZ_MEM  65536u

/*
 * Input: byte 0 flags (bit0 packed, bit1 event_idx, bit2 indirect, bits 3-5 log2 size - 1),
 * byte 1-2 base; the rest is guest memory from GPA 0x10000: descriptor table at +0, avail (or
 * driver event) at +4096, used (or device event) at +8192, data buffers anywhere.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t mem[FZ_MEM] __attribute__((aligned(4096)));
	struct iop_vmem vm;
	struct iop_vq vq;
	struct iop_vq_elem e;
	uint16_t qsize, base;
	int rc;

	if (size < 3) {
		return 0;
	}
	memset(mem, 0, sizeof(mem));
	memcpy(mem, data + 3, size - 3 < FZ_MEM ? size - 3 : FZ_MEM);
	memset(&vm, 0, sizeof(vm));
	memset(&vq, 0, sizeof(vq));
	vq.callfd = -1;
	if (iop_vmem_add_ptr(&vm, mem, FZ_GPA, FZ_MEM, 0x7f0000000000ull)) {
		return 0;
	}
	qsize = (uint16_t)(1u << (((data[0] >> 3) & 7) + 1));
	base = (uint16_t)(data[1] | data[2] << 8);
	if (data[0] & 1) {
		rc = iop_vq_attach_packed(&vq, &vm, qsize, mem, mem + 4096, mem + 8192, base,
					  data[0] & 4);
	} else {
		rc = iop_vq_attach(&vq, &vm, qsize, mem, mem + 4096, mem + 8192, base, data[0] & 2,
				   data[0] & 4);
	}
	if (rc) {
		iop_vmem_clear(&vm);
		return 0;
	}
	for (int i = 0; i < 512 && !vq.broken; i++) {
		rc = iop_vq_pop(&vq, &e);
		if (rc == 0 || rc == -EPIPE) {
			break;
		}
		if (rc == 1) {
			/* touch every byte the chain hands out: an iovec outside guest memory is a bug */
			for (unsigned int k = 0; k < (unsigned int)e.nout + e.nin; k++) {
				volatile uint8_t *p = e.iov[k].iov_base;

				if (e.iov[k].iov_len) {
					(void)p[0];
					(void)p[e.iov[k].iov_len - 1];
				}
			}
		}
		iop_vq_push(&vq, e.head, 0);
		if (i % 8 == 7) {
			iop_vq_flush(&vq);
		}
	}
	iop_vq_flush(&vq);
	iop_vq_detach(&vq);
	iop_vmem_clear(&vm);
	return 0;
}
