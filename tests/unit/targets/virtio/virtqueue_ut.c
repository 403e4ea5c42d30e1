/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: split virtqueue device side against the driver side: chains, indirect tables,
 * loops, out-of-range descriptors, oversized chains, corrupt rings, event-index suppression. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "targets/virtio/driver.h"
#include "targets/virtio/virtqueue.h"
#include "tests/common/ut.h"

#define GPA_BASE 0x100000ull
#define MEM_SIZE (1u << 20)
#define QSZ 16

static uint8_t *g_mem;
static struct iop_vmem g_vmem;
static struct iop_vdrv g_drv;
static struct iop_vq g_vq;
static struct iop_vq_elem g_e;

static uint64_t
gpa(const void *p)
{
	return GPA_BASE + (uint64_t)((const uint8_t *)p - g_mem);
}

/* Rings at the start of guest memory, buffers from 64 KiB on. */
static void
setup(bool event_idx)
{
	if (!g_mem) {
		g_mem = aligned_alloc(4096, MEM_SIZE);
	}
	memset(g_mem, 0, MEM_SIZE);
	memset(&g_vmem, 0, sizeof(g_vmem));
	CU_ASSERT_EQUAL(iop_vmem_add_ptr(&g_vmem, g_mem, GPA_BASE, MEM_SIZE, 0x7f0000000000ull), 0);
	iop_vdrv_fini(&g_drv);
	CU_ASSERT_EQUAL(iop_vdrv_init(&g_drv, g_mem, QSZ, event_idx), 0);
	iop_vq_detach(&g_vq);
	memset(&g_vq, 0, sizeof(g_vq));
	g_vq.callfd = -1;
	CU_ASSERT_EQUAL(iop_vq_attach(&g_vq, &g_vmem, QSZ, g_drv.desc, g_drv.avail, g_drv.used, 0,
				      event_idx, true), 0);
}

static void
test_chain(void)
{
	struct iop_vdrv_sg sg[3];
	uint32_t len = 0;

	setup(false);
	sg[0] = (struct iop_vdrv_sg){gpa(g_mem + 65536), 16, false};
	sg[1] = (struct iop_vdrv_sg){gpa(g_mem + 69632), 4096, true};
	sg[2] = (struct iop_vdrv_sg){gpa(g_mem + 73728), 1, true};
	CU_ASSERT_EQUAL(iop_vq_pop(&g_vq, &g_e), 0);
	CU_ASSERT_EQUAL(iop_vdrv_add(&g_drv, sg, 3, (void *)0x1), 0);
	iop_vdrv_publish(&g_drv);
	CU_ASSERT_EQUAL(iop_vq_pop(&g_vq, &g_e), 1);
	CU_ASSERT_EQUAL(g_e.nout, 1);
	CU_ASSERT_EQUAL(g_e.nin, 2);
	CU_ASSERT_EQUAL(g_e.out_len, 16);
	CU_ASSERT_EQUAL(g_e.in_len, 4097);
	CU_ASSERT_PTR_EQUAL(g_e.iov[0].iov_base, g_mem + 65536);
	CU_ASSERT_PTR_EQUAL(g_e.iov[2].iov_base, g_mem + 73728);
	iop_vq_push(&g_vq, g_e.head, 4097);
	CU_ASSERT_PTR_NULL(iop_vdrv_get(&g_drv, &len)); /* not published yet */
	iop_vq_flush(&g_vq);
	CU_ASSERT_PTR_EQUAL(iop_vdrv_get(&g_drv, &len), (void *)0x1);
	CU_ASSERT_EQUAL(len, 4097);
	CU_ASSERT_EQUAL(g_drv.nfree, QSZ);
}

static void
test_indirect(void)
{
	struct vring_desc *tbl = (void *)(g_mem + 32768);
	struct iop_vdrv_sg sg = {0};

	setup(false);
	tbl[0] = (struct vring_desc){gpa(g_mem + 65536), 16, VRING_DESC_F_NEXT, 1};
	tbl[1] = (struct vring_desc){gpa(g_mem + 69632), 512, VRING_DESC_F_NEXT, 2};
	tbl[2] = (struct vring_desc){gpa(g_mem + 73728), 1, VRING_DESC_F_WRITE, 0};
	sg.addr = gpa(tbl);
	sg.len = 3 * sizeof(*tbl);
	CU_ASSERT_EQUAL(iop_vdrv_add(&g_drv, &sg, 1, (void *)0x2), 0);
	g_drv.desc[0].flags |= VRING_DESC_F_INDIRECT;
	iop_vdrv_publish(&g_drv);
	CU_ASSERT_EQUAL(iop_vq_pop(&g_vq, &g_e), 1);
	CU_ASSERT_EQUAL(g_e.nout, 2);
	CU_ASSERT_EQUAL(g_e.nin, 1);
	CU_ASSERT_EQUAL(g_e.out_len, 528);

	/* Test: indirect not negotiated -> refused */
	setup(false);
	g_vq.indirect = false;
	CU_ASSERT_EQUAL(iop_vdrv_add(&g_drv, &sg, 1, (void *)0x2), 0);
	g_drv.desc[0].flags |= VRING_DESC_F_INDIRECT;
	iop_vdrv_publish(&g_drv);
	CU_ASSERT_EQUAL(iop_vq_pop(&g_vq, &g_e), -EINVAL);
	CU_ASSERT_EQUAL(g_vq.last_err, IOP_VQ_ERR_LAYOUT);

	/* Test: nested indirect -> refused */
	setup(false);
	tbl[0] = (struct vring_desc){gpa(g_mem + 65536), 16, VRING_DESC_F_NEXT, 1};
	tbl[1] = (struct vring_desc){gpa(g_mem + 69632), 16, VRING_DESC_F_INDIRECT, 0};
	CU_ASSERT_EQUAL(iop_vdrv_add(&g_drv, &sg, 1, (void *)0x2), 0);
	g_drv.desc[0].flags |= VRING_DESC_F_INDIRECT;
	iop_vdrv_publish(&g_drv);
	CU_ASSERT_EQUAL(iop_vq_pop(&g_vq, &g_e), -EINVAL);

	/* Test: loop inside an indirect table -> refused, no hang */
	setup(false);
	tbl[0] = (struct vring_desc){gpa(g_mem + 65536), 16, VRING_DESC_F_NEXT, 1};
	tbl[1] = (struct vring_desc){gpa(g_mem + 69632), 16, VRING_DESC_F_NEXT, 0};
	sg.len = 2 * sizeof(*tbl);
	CU_ASSERT_EQUAL(iop_vdrv_add(&g_drv, &sg, 1, (void *)0x2), 0);
	g_drv.desc[0].flags |= VRING_DESC_F_INDIRECT;
	iop_vdrv_publish(&g_drv);
	CU_ASSERT_EQUAL(iop_vq_pop(&g_vq, &g_e), -EINVAL);
	CU_ASSERT_EQUAL(g_vq.last_err, IOP_VQ_ERR_LOOP);

	/* Test: indirect table itself outside guest memory */
	setup(false);
	sg.addr = GPA_BASE + MEM_SIZE - 16;
	sg.len = 32;
	CU_ASSERT_EQUAL(iop_vdrv_add(&g_drv, &sg, 1, (void *)0x2), 0);
	g_drv.desc[0].flags |= VRING_DESC_F_INDIRECT;
	iop_vdrv_publish(&g_drv);
	CU_ASSERT_EQUAL(iop_vq_pop(&g_vq, &g_e), -EINVAL);
	CU_ASSERT_EQUAL(g_vq.last_err, IOP_VQ_ERR_RANGE);
}

static void
test_loop(void)
{
	struct iop_vdrv_sg sg[2] = {{gpa(g_mem + 65536), 16, false}, {gpa(g_mem + 69632), 16, false}};

	setup(false);
	CU_ASSERT_EQUAL(iop_vdrv_add(&g_drv, sg, 2, (void *)0x3), 0);
	/* second descriptor points back at the head */
	g_drv.desc[1].flags |= VRING_DESC_F_NEXT;
	g_drv.desc[1].next = 0;
	iop_vdrv_publish(&g_drv);
	CU_ASSERT_EQUAL(iop_vq_pop(&g_vq, &g_e), -EINVAL);
	CU_ASSERT_EQUAL(g_vq.last_err, IOP_VQ_ERR_LOOP);
	/* the failed chain is returned; the queue keeps working */
	iop_vq_push(&g_vq, g_e.head, 0);
	iop_vq_flush(&g_vq);
	CU_ASSERT_FALSE(g_vq.broken);
	CU_ASSERT_EQUAL(iop_vq_pop(&g_vq, &g_e), 0);
}

static void
test_out_of_range(void)
{
	struct iop_vdrv_sg sg = {GPA_BASE + MEM_SIZE - 8, 16, false};

	/* Test 1: buffer crosses the end of guest memory */
	setup(false);
	CU_ASSERT_EQUAL(iop_vdrv_add(&g_drv, &sg, 1, (void *)0x4), 0);
	iop_vdrv_publish(&g_drv);
	CU_ASSERT_EQUAL(iop_vq_pop(&g_vq, &g_e), -EINVAL);
	CU_ASSERT_EQUAL(g_vq.last_err, IOP_VQ_ERR_RANGE);

	/* Test 2: address wraps around 2^64 */
	setup(false);
	sg.addr = ~0ull - 4;
	CU_ASSERT_EQUAL(iop_vdrv_add(&g_drv, &sg, 1, (void *)0x4), 0);
	iop_vdrv_publish(&g_drv);
	CU_ASSERT_EQUAL(iop_vq_pop(&g_vq, &g_e), -EINVAL);

	/* Test 3: next index beyond the ring */
	setup(false);
	sg.addr = gpa(g_mem + 65536);
	CU_ASSERT_EQUAL(iop_vdrv_add(&g_drv, &sg, 1, (void *)0x4), 0);
	g_drv.desc[0].flags |= VRING_DESC_F_NEXT;
	g_drv.desc[0].next = QSZ + 3;
	iop_vdrv_publish(&g_drv);
	CU_ASSERT_EQUAL(iop_vq_pop(&g_vq, &g_e), -EINVAL);
	CU_ASSERT_EQUAL(g_vq.last_err, IOP_VQ_ERR_RANGE);

	/* Test 4: readable after writable */
	setup(false);
	{
		struct iop_vdrv_sg two[2] = {{gpa(g_mem + 65536), 16, true},
					     {gpa(g_mem + 69632), 16, false}};

		CU_ASSERT_EQUAL(iop_vdrv_add(&g_drv, two, 2, (void *)0x4), 0);
	}
	iop_vdrv_publish(&g_drv);
	CU_ASSERT_EQUAL(iop_vq_pop(&g_vq, &g_e), -EINVAL);
	CU_ASSERT_EQUAL(g_vq.last_err, IOP_VQ_ERR_LAYOUT);

	/* Test 5: avail index jumps more than the ring size: the ring is corrupt */
	setup(false);
	g_drv.avail->idx = QSZ + 5;
	CU_ASSERT_EQUAL(iop_vq_pop(&g_vq, &g_e), -EPIPE);
	CU_ASSERT_TRUE(g_vq.broken);

	/* Test 6: head index out of range in the avail ring */
	setup(false);
	g_drv.avail->ring[0] = QSZ;
	g_drv.avail->idx = 1;
	CU_ASSERT_EQUAL(iop_vq_pop(&g_vq, &g_e), -EPIPE);
}

static void
test_oversized(void)
{
	struct vring_desc *tbl = (void *)(g_mem + 32768);
	struct iop_vdrv_sg sg;

	/* Test 1: more segments than IOP_VQ_MAX_IOV through an indirect table */
	setup(false);
	for (unsigned int i = 0; i < IOP_VQ_MAX_IOV + 1; i++) {
		tbl[i] = (struct vring_desc){gpa(g_mem + 65536 + 16 * i), 16,
					     i < IOP_VQ_MAX_IOV ? VRING_DESC_F_NEXT : 0,
					     (uint16_t)(i + 1)};
	}
	sg = (struct iop_vdrv_sg){gpa(tbl), (IOP_VQ_MAX_IOV + 1) * 16, false};
	CU_ASSERT_EQUAL(iop_vdrv_add(&g_drv, &sg, 1, (void *)0x5), 0);
	g_drv.desc[0].flags |= VRING_DESC_F_INDIRECT;
	iop_vdrv_publish(&g_drv);
	CU_ASSERT_EQUAL(iop_vq_pop(&g_vq, &g_e), -EINVAL);
	CU_ASSERT_EQUAL(g_vq.last_err, IOP_VQ_ERR_TOO_BIG);

	/* Test 2: total length above IOP_VQ_MAX_BYTES (lengths overlap the same memory) */
	setup(false);
	tbl[0] = (struct vring_desc){gpa(g_mem), MEM_SIZE, VRING_DESC_F_NEXT, 1};
	for (unsigned int i = 1; i < 40; i++) {
		tbl[i] = (struct vring_desc){gpa(g_mem), MEM_SIZE, i < 39 ? VRING_DESC_F_NEXT : 0,
					     (uint16_t)(i + 1)};
	}
	sg = (struct iop_vdrv_sg){gpa(tbl), 40 * 16, false};
	CU_ASSERT_EQUAL(iop_vdrv_add(&g_drv, &sg, 1, (void *)0x5), 0);
	g_drv.desc[0].flags |= VRING_DESC_F_INDIRECT;
	iop_vdrv_publish(&g_drv);
	CU_ASSERT_EQUAL(iop_vq_pop(&g_vq, &g_e), -EINVAL);
	CU_ASSERT_EQUAL(g_vq.last_err, IOP_VQ_ERR_TOO_BIG);
}

static void
test_event_idx(void)
{
	struct iop_vdrv_sg sg = {gpa(g_mem + 65536), 16, true};
	int efd = eventfd(0, EFD_NONBLOCK);
	uint64_t v;

	setup(true);
	g_vq.callfd = efd;
	/* driver keeps interrupts off (used_event behind): no signal */
	iop_vdrv_irq_enable(&g_drv, false);
	CU_ASSERT_EQUAL(iop_vdrv_add(&g_drv, &sg, 1, (void *)0x6), 0);
	/* device polls: after a pop the driver is told not to kick */
	iop_vq_kick_enable(&g_vq, false);
	CU_ASSERT_FALSE(iop_vdrv_publish(&g_drv));
	CU_ASSERT_EQUAL(iop_vq_pop(&g_vq, &g_e), 1);
	iop_vq_push(&g_vq, g_e.head, 1);
	CU_ASSERT_FALSE(iop_vq_flush(&g_vq));
	CU_ASSERT_EQUAL(read(efd, &v, 8), -1);
	CU_ASSERT_PTR_NOT_NULL(iop_vdrv_get(&g_drv, NULL));
	/* driver asks for an interrupt at the next used entry */
	CU_ASSERT_FALSE(iop_vdrv_irq_enable(&g_drv, true));
	CU_ASSERT_EQUAL(iop_vdrv_add(&g_drv, &sg, 1, (void *)0x7), 0);
	/* device sleeps: asks for kicks, so publishing wants one */
	CU_ASSERT_FALSE(iop_vq_kick_enable(&g_vq, true));
	CU_ASSERT_TRUE(iop_vdrv_publish(&g_drv));
	CU_ASSERT_EQUAL(iop_vq_pop(&g_vq, &g_e), 1);
	iop_vq_push(&g_vq, g_e.head, 1);
	CU_ASSERT_TRUE(iop_vq_flush(&g_vq));
	CU_ASSERT_EQUAL(read(efd, &v, 8), 8);
	close(efd);
	/* the spec's example values */
	CU_ASSERT_TRUE(iop_vring_need_event(5, 6, 5));
	CU_ASSERT_FALSE(iop_vring_need_event(6, 6, 5));
	CU_ASSERT_TRUE(iop_vring_need_event(0xffff, 1, 0xfffe));
}

/* ---- packed rings ---- */

static void
setup_packed(uint16_t size)
{
	setup(false);
	iop_vdrv_fini(&g_drv);
	CU_ASSERT_EQUAL(iop_vdrv_init_packed(&g_drv, g_mem, size), 0);
	memset(&g_vq, 0, sizeof(g_vq));
	g_vq.callfd = -1;
	CU_ASSERT_EQUAL(iop_vq_attach_packed(&g_vq, &g_vmem, size, g_drv.area_desc,
					     g_drv.area_driver, g_drv.area_device, 0x80008000u, true),
			0);
}

static void
test_packed_wrap(void)
{
	struct iop_vdrv_sg sg[3];
	struct iop_vq_elem *pend = calloc(4, sizeof(*pend));
	uint32_t len;
	unsigned int got = 0;

	/* size 6 (not a power of 2), 2-3 descriptor chains, completions out of order, many wraps */
	setup_packed(6);
	sg[0] = (struct iop_vdrv_sg){gpa(g_mem + 65536), 16, false};
	sg[1] = (struct iop_vdrv_sg){gpa(g_mem + 69632), 512, true};
	sg[2] = (struct iop_vdrv_sg){gpa(g_mem + 73728), 1, true};
	for (uintptr_t i = 1; i <= 100; i += 2) {
		unsigned int n1 = (i % 3) ? 3 : 2;

		CU_ASSERT_EQUAL_FATAL(iop_vdrv_add(&g_drv, sg, n1, (void *)i), 0);
		CU_ASSERT_EQUAL_FATAL(iop_vdrv_add(&g_drv, sg, 2, (void *)(i + 1)), 0);
		iop_vdrv_publish(&g_drv);
		CU_ASSERT_EQUAL_FATAL(iop_vq_pop(&g_vq, &pend[0]), 1);
		CU_ASSERT_EQUAL(pend[0].nout + pend[0].nin, n1);
		CU_ASSERT_EQUAL_FATAL(iop_vq_pop(&g_vq, &pend[1]), 1);
		CU_ASSERT_EQUAL(iop_vq_pop(&g_vq, &pend[2]), 0);
		/* second request completes first */
		iop_vq_push(&g_vq, pend[1].head, 7);
		iop_vq_push(&g_vq, pend[0].head, 9);
		iop_vq_flush(&g_vq);
		CU_ASSERT_PTR_EQUAL(iop_vdrv_get(&g_drv, &len), (void *)(i + 1));
		CU_ASSERT_EQUAL(len, 7);
		CU_ASSERT_PTR_EQUAL(iop_vdrv_get(&g_drv, &len), (void *)i);
		CU_ASSERT_EQUAL(len, 9);
		CU_ASSERT_PTR_NULL(iop_vdrv_get(&g_drv, &len));
		got += 2;
	}
	CU_ASSERT_EQUAL(got, 100);
	CU_ASSERT_EQUAL(g_drv.nfree, 6);
	/* base for GET_VRING_BASE round-trips */
	CU_ASSERT_EQUAL(iop_vq_base(&g_vq) & 0x7fff, g_vq.last_avail);
	free(pend);
}

static void
test_packed_bad(void)
{
	struct vring_packed_desc *tbl;
	struct iop_vdrv_sg sg[2];
	uint32_t len;

	/* Test 1: buffer outside guest memory: refused, returned with length 0 */
	setup_packed(8);
	sg[0] = (struct iop_vdrv_sg){GPA_BASE + MEM_SIZE - 4, 16, false};
	CU_ASSERT_EQUAL(iop_vdrv_add(&g_drv, sg, 1, (void *)1), 0);
	CU_ASSERT_EQUAL(iop_vq_pop(&g_vq, &g_e), -EINVAL);
	CU_ASSERT_EQUAL(g_vq.last_err, IOP_VQ_ERR_RANGE);
	iop_vq_push(&g_vq, g_e.head, 0);
	iop_vq_flush(&g_vq);
	CU_ASSERT_PTR_EQUAL(iop_vdrv_get(&g_drv, &len), (void *)1);
	CU_ASSERT_EQUAL(len, 0);

	/* Test 2: indirect table */
	tbl = (void *)(g_mem + 32768);
	tbl[0] = (struct vring_packed_desc){gpa(g_mem + 65536), 16, 0, 0};
	tbl[1] = (struct vring_packed_desc){gpa(g_mem + 69632), 1, 0, VRING_DESC_F_WRITE};
	sg[0] = (struct iop_vdrv_sg){gpa(tbl), 32, false};
	CU_ASSERT_EQUAL(iop_vdrv_add(&g_drv, sg, 1, (void *)2), 0);
	g_drv.pdesc[1].flags |= VRING_DESC_F_INDIRECT;
	CU_ASSERT_EQUAL(iop_vq_pop(&g_vq, &g_e), 1);
	CU_ASSERT_EQUAL(g_e.nout, 1);
	CU_ASSERT_EQUAL(g_e.nin, 1);
	iop_vq_push(&g_vq, g_e.head, 1);

	/* Test 3: a chain running into a descriptor that is not available: ring broken */
	setup_packed(8);
	sg[0] = (struct iop_vdrv_sg){gpa(g_mem + 65536), 16, false};
	CU_ASSERT_EQUAL(iop_vdrv_add(&g_drv, sg, 1, (void *)3), 0);
	g_drv.pdesc[0].flags |= VRING_DESC_F_NEXT;
	CU_ASSERT_EQUAL(iop_vq_pop(&g_vq, &g_e), -EPIPE);
	CU_ASSERT_TRUE(g_vq.broken);

	/* Test 4: every descriptor says NEXT: no end, no hang */
	setup_packed(4);
	for (int i = 0; i < 4; i++) {
		g_drv.pdesc[i] = (struct vring_packed_desc){gpa(g_mem + 65536), 16, 0,
			(uint16_t)(VRING_DESC_F_NEXT | (1u << VRING_PACKED_DESC_F_AVAIL))};
	}
	CU_ASSERT_EQUAL(iop_vq_pop(&g_vq, &g_e), -EPIPE);
	CU_ASSERT_TRUE(g_vq.broken);

	/* Test 5: buffer id out of range */
	setup_packed(4);
	CU_ASSERT_EQUAL(iop_vdrv_add(&g_drv, sg, 1, (void *)5), 0);
	g_drv.pdesc[0].id = 9;
	CU_ASSERT_EQUAL(iop_vq_pop(&g_vq, &g_e), -EPIPE);
}

static void
test_packed_notify(void)
{
	struct iop_vdrv_sg sg = {0};
	int efd = eventfd(0, EFD_NONBLOCK);
	uint64_t v;

	setup_packed(8);
	sg = (struct iop_vdrv_sg){gpa(g_mem + 65536), 16, true};
	g_vq.callfd = efd;
	/* device polls: no kicks wanted */
	iop_vq_kick_enable(&g_vq, false);
	CU_ASSERT_EQUAL(iop_vdrv_add(&g_drv, &sg, 1, (void *)1), 0);
	CU_ASSERT_FALSE(iop_vdrv_publish(&g_drv));
	/* driver polls: no interrupt */
	iop_vdrv_irq_enable(&g_drv, false);
	CU_ASSERT_EQUAL(iop_vq_pop(&g_vq, &g_e), 1);
	iop_vq_push(&g_vq, g_e.head, 1);
	CU_ASSERT_FALSE(iop_vq_flush(&g_vq));
	CU_ASSERT_EQUAL(read(efd, &v, 8), -1);
	CU_ASSERT_PTR_NOT_NULL(iop_vdrv_get(&g_drv, NULL));
	/* both sides sleep: kick and interrupt */
	CU_ASSERT_FALSE(iop_vq_kick_enable(&g_vq, true));
	CU_ASSERT_FALSE(iop_vdrv_irq_enable(&g_drv, true));
	CU_ASSERT_EQUAL(iop_vdrv_add(&g_drv, &sg, 1, (void *)2), 0);
	CU_ASSERT_TRUE(iop_vdrv_publish(&g_drv));
	CU_ASSERT_EQUAL(iop_vq_pop(&g_vq, &g_e), 1);
	iop_vq_push(&g_vq, g_e.head, 1);
	CU_ASSERT_TRUE(iop_vq_flush(&g_vq));
	CU_ASSERT_EQUAL(read(efd, &v, 8), 8);
	close(efd);
	iop_vq_detach(&g_vq);
}

static uint64_t g_rng = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(void)
{
	g_rng ^= g_rng << 13;
	g_rng ^= g_rng >> 7;
	g_rng ^= g_rng << 17;
	return (uint32_t)g_rng;
}

/* Random descriptor tables, indirect tables and ring indices: pop must return, never crash,
 * and every chain it accepts must lie in guest memory. */
static void
test_fuzz(void)
{
	unsigned int accepted = 0, refused = 0, broken = 0;

	for (int round = 0; round < 3000; round++) {
		bool packed = round & 1;
		uint8_t *m;

		if (packed) {
			setup_packed((uint16_t)(1 + rnd() % 16));
		} else {
			setup(round & 2);
		}
		m = g_mem;
		(void)m;
		/* plausible but random descriptors: mostly in memory, small lengths, random flags
		 * and links; a random indirect table at 32 KiB */
		for (int i = 0; i < 64; i++) {
			uint64_t addr = (rnd() % 8) ? GPA_BASE + rnd() % (MEM_SIZE + 4096) : rnd();
			uint32_t len = (rnd() % 8) ? rnd() % 8192 : rnd();
			uint16_t fl = (uint16_t)(rnd() & (VRING_DESC_F_NEXT | VRING_DESC_F_WRITE |
							  ((rnd() % 4) ? 0 : VRING_DESC_F_INDIRECT)));
			uint16_t nx = (uint16_t)(rnd() % 20);
			struct vring_desc *ind = (void *)(g_mem + 32768);

			if ((rnd() % 5) == 0) {
				addr = gpa(ind);
				len = 16 * (rnd() % 24);
			}
			ind[i % 32] = (struct vring_desc){addr, len, (uint16_t)(fl & ~VRING_DESC_F_INDIRECT),
							  nx};
			if (packed) {
				struct vring_packed_desc *d = &g_drv.pdesc[i % g_vq.size];

				d->addr = addr;
				d->len = len;
				d->id = (uint16_t)(rnd() % (g_vq.size + 2));
				d->flags = (uint16_t)(fl | ((rnd() % 6) ? 1u << VRING_PACKED_DESC_F_AVAIL : 0) |
						      ((rnd() % 6) ? 0 : 1u << VRING_PACKED_DESC_F_USED));
			} else {
				g_drv.desc[i % QSZ] = (struct vring_desc){addr, len, fl, nx};
				g_drv.avail->ring[i % QSZ] = (uint16_t)(rnd() % (QSZ + 2));
			}
		}
		if (!packed) {
			g_drv.avail->idx = (uint16_t)(rnd() % (QSZ + 3));
		}
		for (int k = 0; k < 8; k++) {
			struct iop_vq_elem *e = &g_e;
			int rc = iop_vq_pop(&g_vq, e);

			if (rc == 1) {
				accepted++;
				for (unsigned int j = 0; j < (unsigned int)(e->nout + e->nin); j++) {
					uint8_t *b = e->iov[j].iov_base;

					CU_ASSERT_FATAL(e->iov[j].iov_len == 0 ||
							(b >= g_mem && b + e->iov[j].iov_len <= g_mem + MEM_SIZE));
				}
				iop_vq_push(&g_vq, e->head, 0);
			} else if (rc == -EINVAL) {
				refused++;
				iop_vq_push(&g_vq, e->head, 0);
			} else if (rc == -EPIPE) {
				broken++;
				break;
			} else {
				break;
			}
			iop_vq_flush(&g_vq);
		}
	}
	printf("fuzz: %u accepted, %u refused, %u broken rings\n", accepted, refused, broken);
	CU_ASSERT(accepted > 0 && refused > 0 && broken > 0);
}

static void
test_cleanup(void)
{
	iop_vq_detach(&g_vq);
	iop_vdrv_fini(&g_drv);
	free(g_mem);
	g_mem = NULL;
}

IOP_UT_MAIN("virtqueue", IOP_UT(test_chain), IOP_UT(test_indirect), IOP_UT(test_loop),
	    IOP_UT(test_out_of_range), IOP_UT(test_oversized), IOP_UT(test_event_idx),
	    IOP_UT(test_packed_wrap), IOP_UT(test_packed_bad), IOP_UT(test_packed_notify),
	    IOP_UT(test_fuzz), IOP_UT(test_cleanup))
