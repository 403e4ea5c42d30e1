/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer: NVMe PRP and SGL walking (targets/nvme/prp_sgl.c) over fuzzed guest memory. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include "iopath/nvme.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_BASE 0x100000ull
#define FZ_MEM  (64u * 1024u)

static uint8_t g_mem[FZ_MEM] __attribute__((aligned(4096)));

static void *
fz_translate(void *ctx, uint64_t addr, uint64_t len, bool write)
{
	if (addr < FZ_BASE || len > FZ_MEM || addr - FZ_BASE > FZ_MEM - len) {
		return NULL;
	}
	return g_mem + (addr - FZ_BASE);
}

/*
 * Input: 0 flags (bit0 SGL, bit1 write, bits 2-3 page size 4k<<n), 1-4 len, 5-20 PRP1/PRP2 or
 * SGL1 descriptor; the rest is guest memory at 0x100000 (PRP lists, SGL segments).
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iovec iov[64];
	int cnt = 0;
	uint32_t len;
	uint16_t st;

	if (size < 21) {
		return 0;
	}
	memset(g_mem, 0, sizeof(g_mem));
	memcpy(g_mem, data + 21, size - 21 < FZ_MEM ? size - 21 : FZ_MEM);
	memcpy(&len, data + 1, 4);
	len &= (1u << 22) - 1;
	if (data[0] & 1) {
		struct iop_nvme_sgl_desc d;

		memcpy(&d, data + 5, sizeof(d));
		st = iop_nvme_sgl_to_iov(&d, len, fz_translate, NULL, data[0] & 2, iov, 64, &cnt);
	} else {
		uint64_t prp1, prp2;

		memcpy(&prp1, data + 5, 8);
		memcpy(&prp2, data + 13, 8);
		st = iop_nvme_prp_to_iov(prp1, prp2, len, 4096u << ((data[0] >> 2) & 3), fz_translate,
					 NULL, data[0] & 2, iov, 64, &cnt);
	}
	if (!st) {
		size_t total = 0;

		if (cnt < 0 || cnt > 64) {
			abort();
		}
		for (int i = 0; i < cnt; i++) {
			volatile uint8_t *p = iov[i].iov_base;

			if ((uint8_t *)iov[i].iov_base < g_mem ||
			    (uint8_t *)iov[i].iov_base + iov[i].iov_len > g_mem + FZ_MEM) {
				abort(); /* an iovec outside the translated memory */
			}
			if (iov[i].iov_len) {
				(void)p[iov[i].iov_len - 1];
			}
			total += iov[i].iov_len;
		}
		if (total != len) {
			abort(); /* success must describe exactly len bytes */
		}
	}
	return 0;
}
