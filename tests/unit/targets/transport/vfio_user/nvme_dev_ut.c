/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: vfio-user NVMe device glue without sockets: enable, admin/IO queues in "client"
 * memory, phase wrap, CQ full back-pressure, MSI-X vectors, bounced fd-less data, bad doorbells. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "tests/common/ut.h"
#include "iopath/backend.h"
#include "iopath/nvme_spec.h"
#include "iopath/target.h"
#include "targets/transport/vfio_user/vfu_internal.h"

#define MEM_IOVA  0x10000000ull
#define MEM_SIZE  (1u << 20)
#define DATA_IOVA 0x80000000ull  /* fd-less region, reached through dma_rw */

static uint32_t g_db[1024];
static uint8_t *g_mem;            /* client memory mapped with an fd */
static uint8_t g_data[65536];     /* client memory mapped without one */
static unsigned int g_irqs[VFU_MAX_VECTORS];
static unsigned int g_dma_reads, g_dma_writes;

static void
ut_irq(void *arg, uint32_t vec)
{
	g_irqs[vec]++;
}

static int
ut_dma_rw(void *arg, bool write, uint64_t iova, void *buf, uint64_t len)
{
	if (iova < DATA_IOVA || iova + len > DATA_IOVA + sizeof(g_data)) {
		return -EFAULT;
	}
	if (write) {
		memcpy(g_data + (iova - DATA_IOVA), buf, len);
		g_dma_writes++;
	} else {
		memcpy(buf, g_data + (iova - DATA_IOVA), len);
		g_dma_reads++;
	}
	return 0;
}

static uint32_t
reg32(struct vfu_nvme *n, uint32_t off)
{
	uint32_t v = 0;

	CU_ASSERT_EQUAL(vfu_nvme_reg_access(n, off, &v, 4, false), 0);
	return v;
}

static void
wreg(struct vfu_nvme *n, uint32_t off, uint64_t v, uint32_t len)
{
	CU_ASSERT_EQUAL(vfu_nvme_reg_access(n, off, &v, len, true), 0);
}

/* Queue layout in g_mem: admin SQ 0x0000, admin CQ 0x1000, I/O SQ 0x2000, I/O CQ 0x3000,
 * buffers from 0x10000. Admin queues have 4 entries. */
struct ut_q {
	uint16_t qid, size, tail, head;
	uint8_t phase;
	struct iop_nvme_cmd *sq;
	struct iop_nvme_cpl *cq;
};

static void
q_submit(struct ut_q *q, struct iop_nvme_cmd *c)
{
	q->sq[q->tail] = *c;
	q->tail = (uint16_t)((q->tail + 1) % q->size);
	g_db[2 * q->qid] = q->tail;
}

/* Next CQE if present (consumes it and updates the head doorbell when ack). */
static bool
q_reap(struct ut_q *q, struct iop_nvme_cpl *out, bool ack)
{
	struct iop_nvme_cpl *e = &q->cq[q->head];

	if ((e->status & 1) != q->phase) {
		return false;
	}
	*out = *e;
	if (++q->head == q->size) {
		q->head = 0;
		q->phase ^= 1;
	}
	if (ack) {
		g_db[2 * q->qid + 1] = q->head;
	}
	return true;
}

static uint16_t
admin(struct vfu_nvme *n, struct ut_q *q, struct iop_nvme_cmd *c)
{
	struct iop_nvme_cpl cpl;

	q_submit(q, c);
	for (int i = 0; i < 100; i++) {
		vfu_nvme_poll(n);
		if (q_reap(q, &cpl, true)) {
			CU_ASSERT_EQUAL(cpl.cid, c->cid);
			return cpl.status >> 1;
		}
	}
	CU_FAIL("no completion");
	return 0xffff;
}

static void
test_queues(void)
{
	struct iop_target_cfg cfg = {0};
	struct vfu_dma dma;
	struct vfu_nvme_env env = {.dma = &dma, .db = g_db, .irq = ut_irq, .dma_rw = ut_dma_rw};
	struct vfu_nvme *n;
	struct ut_q aq, iq;
	struct iop_nvme_cmd c;
	struct iop_nvme_cpl cpl;
	char err[128];
	int fd = memfd_create("nvme_dev_ut", 0);
	uint16_t st;

	CU_ASSERT_FATAL(fd >= 0 && ftruncate(fd, MEM_SIZE) == 0);
	g_mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CU_ASSERT_FATAL(g_mem != MAP_FAILED);
	vfu_dma_init(&dma, 0);
	CU_ASSERT_EQUAL_FATAL(vfu_dma_add(&dma, MEM_IOVA, MEM_SIZE, 0, 3, fd), 0);
	CU_ASSERT_EQUAL_FATAL(vfu_dma_add(&dma, DATA_IOVA, sizeof(g_data), 0, 3, -1), 0);
	CU_ASSERT_EQUAL_FATAL(iop_backend_open("malloc:size=1M,bs=512", &cfg.backends[0], err,
					       sizeof(err)), 0);
	cfg.nr_backends = 1;
	CU_ASSERT_EQUAL_FATAL(vfu_nvme_create(&cfg, &env, &n), 0);

	/* Test1: enable with admin queues in mapped memory. */
	aq = (struct ut_q){.qid = 0, .size = 4, .phase = 1, .sq = (void *)g_mem,
			   .cq = (void *)(g_mem + 0x1000)};
	wreg(n, IOP_NVME_REG_AQA, 3 | 3u << 16, 4);
	wreg(n, IOP_NVME_REG_ASQ, MEM_IOVA, 8);
	wreg(n, IOP_NVME_REG_ACQ, MEM_IOVA + 0x1000, 8);
	wreg(n, IOP_NVME_REG_CC, 1 | 6u << 16 | 4u << 20, 4);
	CU_ASSERT_EQUAL(reg32(n, IOP_NVME_REG_CSTS) & 3, 1);

	/* Test2: six Identify commands through a 4-entry queue: the phase flips at the wrap. */
	for (uint16_t i = 0; i < 6; i++) {
		memset(&c, 0, sizeof(c));
		c.opc = IOP_NVME_OPC_IDENTIFY;
		c.cid = (uint16_t)(10 + i);
		c.cdw10 = 1;
		c.dptr.prp.prp1 = MEM_IOVA + 0x8000;
		CU_ASSERT_EQUAL(admin(n, &aq, &c), 0);
	}
	CU_ASSERT_EQUAL(aq.phase, 0); /* wrapped once */
	CU_ASSERT(g_irqs[0] >= 6);
	CU_ASSERT(memcmp(g_mem + 0x8000 + 24, "iopath", 6) == 0); /* model number */

	/* Test3: CQ full: 3 commands without moving the head; the 4th waits for room. */
	for (uint16_t i = 0; i < 4; i++) {
		memset(&c, 0, sizeof(c));
		c.opc = IOP_NVME_OPC_IDENTIFY;
		c.cid = (uint16_t)(100 + i);
		c.cdw10 = 1;
		c.dptr.prp.prp1 = MEM_IOVA + 0x8000;
		q_submit(&aq, &c);
		vfu_nvme_poll(n);
	}
	for (int k = 0; k < 3; k++) {
		CU_ASSERT(q_reap(&aq, &cpl, false));
		CU_ASSERT_EQUAL(cpl.cid, 100 + k);
	}
	CU_ASSERT_FALSE(q_reap(&aq, &cpl, false)); /* 4th held back: CQ has room for 3 */
	g_db[1] = aq.head;                          /* consume */
	vfu_nvme_poll(n);
	CU_ASSERT(q_reap(&aq, &cpl, true));
	CU_ASSERT_EQUAL(cpl.cid, 103);

	/* Test4: I/O queues; CQ with vector 3; bad vector and unmapped queue memory refused. */
	memset(&c, 0, sizeof(c));
	c.opc = IOP_NVME_OPC_SET_FEATURES;
	c.cid = 1;
	c.cdw10 = IOP_NVME_FEAT_NUMBER_OF_QUEUES;
	c.cdw11 = 3 | 3u << 16;
	CU_ASSERT_EQUAL(admin(n, &aq, &c), 0);
	memset(&c, 0, sizeof(c));
	c.opc = IOP_NVME_OPC_CREATE_IO_CQ;
	c.cid = 2;
	c.dptr.prp.prp1 = MEM_IOVA + 0x3000;
	c.cdw10 = 1 | 7u << 16;
	c.cdw11 = 3 | 999u << 16;
	st = admin(n, &aq, &c);
	CU_ASSERT_EQUAL(st & 0x7ff, IOP_NVME_STATUS(IOP_NVME_SCT_COMMAND_SPECIFIC,
						    IOP_NVME_SC_INVALID_INTERRUPT_VECTOR));
	c.cdw11 = 3 | 3u << 16;
	c.cdw10 = 1 | 511u << 16;                     /* 8 KiB of CQ ... */
	c.dptr.prp.prp1 = MEM_IOVA + MEM_SIZE - 4096; /* ... from the last mapped page */
	st = admin(n, &aq, &c);
	CU_ASSERT_EQUAL(st & 0x7ff, IOP_NVME_STATUS(IOP_NVME_SCT_GENERIC,
						    IOP_NVME_SC_DATA_TRANSFER_ERROR));
	c.cdw10 = 1 | 7u << 16;
	c.dptr.prp.prp1 = MEM_IOVA + 0x3000;
	CU_ASSERT_EQUAL(admin(n, &aq, &c), 0);
	memset(&c, 0, sizeof(c));
	c.opc = IOP_NVME_OPC_CREATE_IO_SQ;
	c.cid = 3;
	c.dptr.prp.prp1 = MEM_IOVA + 0x2000;
	c.cdw10 = 1 | 7u << 16;
	c.cdw11 = 1 | 1u << 16;
	CU_ASSERT_EQUAL(admin(n, &aq, &c), 0);
	iq = (struct ut_q){.qid = 1, .size = 8, .phase = 1, .sq = (void *)(g_mem + 0x2000),
			   .cq = (void *)(g_mem + 0x3000)};

	/* Test5: write from fd-less memory (DMA_READ), read back into it (DMA_WRITE). */
	for (unsigned int i = 0; i < 4096; i++) {
		g_data[i] = (uint8_t)(i * 7);
	}
	memset(&c, 0, sizeof(c));
	c.opc = IOP_NVME_OPC_WRITE;
	c.cid = 7;
	c.nsid = 1;
	c.dptr.prp.prp1 = DATA_IOVA;
	c.cdw12 = 7; /* 8 x 512 */
	q_submit(&iq, &c);
	memset(g_irqs, 0, sizeof(g_irqs));
	for (int i = 0; i < 10 && !q_reap(&iq, &cpl, true); i++) {
		vfu_nvme_poll(n);
	}
	CU_ASSERT_EQUAL(cpl.cid, 7);
	CU_ASSERT_EQUAL(cpl.status >> 1, 0);
	CU_ASSERT_EQUAL(cpl.sqid, 1);
	CU_ASSERT(g_dma_reads >= 1);
	CU_ASSERT_EQUAL(g_irqs[3], 1);
	memset(g_data, 0, 8192);
	c.opc = IOP_NVME_OPC_READ;
	c.cid = 8;
	c.dptr.prp.prp1 = DATA_IOVA + 4096;
	q_submit(&iq, &c);
	for (int i = 0; i < 10 && !q_reap(&iq, &cpl, true); i++) {
		vfu_nvme_poll(n);
	}
	CU_ASSERT_EQUAL(cpl.cid, 8);
	CU_ASSERT_EQUAL(cpl.status >> 1, 0);
	CU_ASSERT(g_dma_writes >= 1);
	CU_ASSERT_EQUAL(g_data[4096 + 100], (uint8_t)(100 * 7));

	/* Test6: a read whose buffer lies outside every mapping: Data Transfer Error. */
	c.cid = 9;
	c.dptr.prp.prp1 = 0x7000000000ull;
	q_submit(&iq, &c);
	for (int i = 0; i < 10 && !q_reap(&iq, &cpl, true); i++) {
		vfu_nvme_poll(n);
	}
	CU_ASSERT_EQUAL(cpl.cid, 9);
	CU_ASSERT_EQUAL((cpl.status >> 1) & 0x7ff,
			IOP_NVME_STATUS(IOP_NVME_SCT_GENERIC, IOP_NVME_SC_DATA_TRANSFER_ERROR));

	/* Test7: an SQ tail doorbell beyond the queue is ignored (no fetch, no crash). */
	g_db[2] = 200;
	CU_ASSERT_EQUAL(vfu_nvme_poll(n), 0);
	g_db[2] = iq.tail;

	/* Test8: reset drops the queues; the doorbells of dropped queues are not looked at. */
	vfu_nvme_reset(n);
	CU_ASSERT_EQUAL(reg32(n, IOP_NVME_REG_CSTS) & 1, 0);
	g_db[2] = (uint16_t)(iq.tail + 1);
	CU_ASSERT_EQUAL(vfu_nvme_poll(n), 0);

	vfu_nvme_destroy(n);
	iop_backend_close(cfg.backends[0]);
	vfu_dma_fini(&dma); /* closes fd */
	munmap(g_mem, MEM_SIZE);
}

IOP_UT_MAIN("vfio_user_nvme_dev", IOP_UT(test_queues))
