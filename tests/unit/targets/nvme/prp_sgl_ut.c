/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: PRP/SGL walking over fake guest memory; a PCIe controller driven by registers. */
#include "targets/nvme/nvme_internal.h"
#include "tests/unit/targets/nvme/nvme_ut.h"

/* Guest "physical" memory: 32 pages at GPA 0x100000. Anything else is unmapped. */
#define GBASE  0x100000ull
#define GPAGES 32
static uint8_t g_guest[GPAGES * 4096] __attribute__((aligned(4096)));
static int g_hole = -1;   /* page made unmapped for a test */

static void *
gtr(void *ctx, uint64_t addr, uint64_t len, bool write)
{
	(void)ctx;
	(void)write;
	if (addr < GBASE || len > sizeof(g_guest) || addr - GBASE > sizeof(g_guest) - len) {
		return NULL;
	}
	if (g_hole >= 0) {
		uint64_t hs = GBASE + (uint64_t)g_hole * 4096, he = hs + 4096;

		if (addr < he && addr + len > hs) {
			return NULL;
		}
	}
	return g_guest + (addr - GBASE);
}

static uint64_t
gpa(unsigned int page, unsigned int off)
{
	return GBASE + page * 4096ull + off;
}

static uint64_t *
gptr64(uint64_t a)
{
	return (uint64_t *)(g_guest + (a - GBASE));
}

static void
test_prp_basic(void)
{
	struct iovec iov[64];
	int n;

	/* Test 1: within one page */
	CU_ASSERT_EQUAL(iop_nvme_prp_to_iov(gpa(1, 512), 0, 1024, 4096, gtr, NULL, false, iov, 64,
					    &n), 0);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_PTR_EQUAL(iov[0].iov_base, g_guest + 4096 + 512);
	CU_ASSERT_EQUAL(iov[0].iov_len, 1024);
	/* Test 2: PRP1 with offset crossing into PRP2 (non-adjacent page) */
	CU_ASSERT_EQUAL(iop_nvme_prp_to_iov(gpa(1, 3072), gpa(5, 0), 4096, 4096, gtr, NULL, false,
					    iov, 64, &n), 0);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(iov[0].iov_len, 1024);
	CU_ASSERT_PTR_EQUAL(iov[1].iov_base, g_guest + 5 * 4096);
	CU_ASSERT_EQUAL(iov[1].iov_len, 3072);
	/* Test 3: adjacent guest pages merge into one iovec */
	CU_ASSERT_EQUAL(iop_nvme_prp_to_iov(gpa(1, 0), gpa(2, 0), 8192, 4096, gtr, NULL, false, iov,
					    64, &n), 0);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(iov[0].iov_len, 8192);
	/* Test 4: PRP2 data pointer with an offset */
	CU_ASSERT_EQUAL(iop_nvme_prp_to_iov(gpa(1, 0), gpa(5, 8), 8192, 4096, gtr, NULL, false, iov,
					    64, &n), NVME_ST(GENERIC, INVALID_PRP_OFFSET));
	/* Test 5: PRP1 not dword aligned */
	CU_ASSERT_EQUAL(iop_nvme_prp_to_iov(gpa(1, 2), 0, 16, 4096, gtr, NULL, false, iov, 64, &n),
			NVME_ST(GENERIC, INVALID_PRP_OFFSET));
	/* Test 6: unmapped PRP1, unmapped PRP2 */
	CU_ASSERT_EQUAL(iop_nvme_prp_to_iov(0x1000, 0, 512, 4096, gtr, NULL, false, iov, 64, &n),
			NVME_ST(GENERIC, DATA_TRANSFER_ERROR));
	CU_ASSERT_EQUAL(iop_nvme_prp_to_iov(gpa(1, 0), GBASE + GPAGES * 4096ull, 8192, 4096, gtr,
					    NULL, false, iov, 64, &n),
			NVME_ST(GENERIC, DATA_TRANSFER_ERROR));
	/* Test 7: zero length */
	CU_ASSERT_EQUAL(iop_nvme_prp_to_iov(gpa(1, 0), 0, 0, 4096, gtr, NULL, false, iov, 64, &n),
			NVME_ST(GENERIC, INVALID_FIELD));
}

static void
test_prp_list(void)
{
	struct iovec iov[64];
	uint64_t *list = gptr64(gpa(0, 0));
	int n;

	/* Test 1: PRP1 + list of 3 pages, scattered: 16 KiB starting at offset 0 */
	list[0] = gpa(7, 0);
	list[1] = gpa(9, 0);
	list[2] = gpa(11, 0);
	CU_ASSERT_EQUAL(iop_nvme_prp_to_iov(gpa(3, 0), gpa(0, 0), 16384, 4096, gtr, NULL, true, iov,
					    64, &n), 0);
	CU_ASSERT_EQUAL(n, 4);
	CU_ASSERT_PTR_EQUAL(iov[0].iov_base, g_guest + 3 * 4096);
	CU_ASSERT_PTR_EQUAL(iov[1].iov_base, g_guest + 7 * 4096);
	CU_ASSERT_PTR_EQUAL(iov[3].iov_base, g_guest + 11 * 4096);
	CU_ASSERT_EQUAL(iov[3].iov_len, 4096);
	/* Test 2: PRP1 with offset 512: a fourth list entry carries the 512-byte tail */
	list[3] = gpa(13, 0);
	CU_ASSERT_EQUAL(iop_nvme_prp_to_iov(gpa(3, 512), gpa(0, 0), 16384, 4096, gtr, NULL, true, iov,
					    64, &n), 0);
	CU_ASSERT_EQUAL(n, 5);
	CU_ASSERT_EQUAL(iov[0].iov_len, 3584);
	CU_ASSERT_EQUAL(iov[4].iov_len, 512);
	{
		size_t tot = 0;

		for (int i = 0; i < n; i++) {
			tot += iov[i].iov_len;
		}
		CU_ASSERT_EQUAL(tot, 16384);
	}
	/* Test 3: a list that crosses its page: list at the last two slots of page 0, the last
	 * slot chaining to a second list page (page 2) */
	{
		uint64_t *l1 = gptr64(gpa(0, 4096 - 16)), *l2 = gptr64(gpa(2, 0));

		l1[0] = gpa(20, 0);
		l1[1] = gpa(2, 0);      /* chain */
		l2[0] = gpa(22, 0);
		l2[1] = gpa(24, 0);
		CU_ASSERT_EQUAL(iop_nvme_prp_to_iov(gpa(18, 0), gpa(0, 4096 - 16), 4 * 4096, 4096,
						    gtr, NULL, false, iov, 64, &n), 0);
		CU_ASSERT_EQUAL(n, 4);
		CU_ASSERT_PTR_EQUAL(iov[1].iov_base, g_guest + 20 * 4096);
		CU_ASSERT_PTR_EQUAL(iov[2].iov_base, g_guest + 22 * 4096);
		CU_ASSERT_PTR_EQUAL(iov[3].iov_base, g_guest + 24 * 4096);
		/* the chain pointer must be page aligned */
		l1[1] = gpa(2, 8);
		CU_ASSERT_EQUAL(iop_nvme_prp_to_iov(gpa(18, 0), gpa(0, 4096 - 16), 4 * 4096, 4096,
						    gtr, NULL, false, iov, 64, &n),
				NVME_ST(GENERIC, INVALID_PRP_OFFSET));
		/* chained list page unmapped */
		l1[1] = 0x5000;
		CU_ASSERT_EQUAL(iop_nvme_prp_to_iov(gpa(18, 0), gpa(0, 4096 - 16), 4 * 4096, 4096,
						    gtr, NULL, false, iov, 64, &n),
				NVME_ST(GENERIC, DATA_TRANSFER_ERROR));
	}
	/* Test 4: entry with an offset */
	list[1] = gpa(9, 4);
	CU_ASSERT_EQUAL(iop_nvme_prp_to_iov(gpa(3, 0), gpa(0, 0), 16384, 4096, gtr, NULL, true, iov,
					    64, &n), NVME_ST(GENERIC, INVALID_PRP_OFFSET));
	/* Test 5: entry pointing at an unmapped page (a hole inside guest memory) */
	list[1] = gpa(9, 0);
	g_hole = 9;
	CU_ASSERT_EQUAL(iop_nvme_prp_to_iov(gpa(3, 0), gpa(0, 0), 16384, 4096, gtr, NULL, true, iov,
					    64, &n), NVME_ST(GENERIC, DATA_TRANSFER_ERROR));
	/* Test 6: the list itself unmapped */
	g_hole = 0;
	CU_ASSERT_EQUAL(iop_nvme_prp_to_iov(gpa(3, 0), gpa(0, 0), 16384, 4096, gtr, NULL, true, iov,
					    64, &n), NVME_ST(GENERIC, DATA_TRANSFER_ERROR));
	g_hole = -1;
	/* Test 6b: a list page whose chain entry points at itself, with a huge length: bounded */
	{
		uint64_t *l = gptr64(gpa(2, 0));

		for (int i = 0; i < 512; i++) {
			l[i] = gpa(3, 0);
		}
		l[511] = gpa(2, 0);
		CU_ASSERT_EQUAL(iop_nvme_prp_to_iov(gpa(3, 0), gpa(2, 0), 0xffffffffu, 4096, gtr, NULL,
						    false, iov, 64, &n), NVME_ST(GENERIC, INVALID_FIELD));
	}
	/* Test 7: more entries than iovecs */
	CU_ASSERT_EQUAL(iop_nvme_prp_to_iov(gpa(3, 0), gpa(0, 0), 16384, 4096, gtr, NULL, true, iov,
					    2, &n), NVME_ST(GENERIC, INVALID_FIELD));
}

static void
test_sgl(void)
{
	struct iovec iov[64];
	struct iop_nvme_sgl_desc s1, *seg = (struct iop_nvme_sgl_desc *)(void *)(g_guest + 4096 * 4);
	struct iop_nvme_sgl_desc *seg2 = (struct iop_nvme_sgl_desc *)(void *)(g_guest + 4096 * 6);
	int n;

	/* Test 1: one data block */
	iop_nvme_sgl_set_unkeyed(&s1, gpa(8, 100), 3000, 0);
	CU_ASSERT_EQUAL(iop_nvme_sgl_to_iov(&s1, 3000, gtr, NULL, false, iov, 64, &n), 0);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_PTR_EQUAL(iov[0].iov_base, g_guest + 8 * 4096 + 100);
	/* Test 2: data block shorter than the transfer */
	CU_ASSERT_EQUAL(iop_nvme_sgl_to_iov(&s1, 4000, gtr, NULL, false, iov, 64, &n),
			NVME_ST(GENERIC, DATA_SGL_LENGTH_INVALID));
	/* Test 3: last segment with two blocks */
	iop_nvme_sgl_set_unkeyed(&seg[0], gpa(10, 0), 1000, 0);
	iop_nvme_sgl_set_unkeyed(&seg[1], gpa(12, 0), 3096, 0);
	iop_nvme_sgl_set_unkeyed(&s1, gpa(4, 0), 32,
				 IOP_NVME_SGL_ID(IOP_NVME_SGL_TYPE_LAST_SEGMENT, 0));
	CU_ASSERT_EQUAL(iop_nvme_sgl_to_iov(&s1, 4096, gtr, NULL, true, iov, 64, &n), 0);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(iov[1].iov_len, 3096);
	/* Test 4: segment chaining to a last segment */
	iop_nvme_sgl_set_unkeyed(&seg[0], gpa(10, 0), 1000, 0);
	iop_nvme_sgl_set_unkeyed(&seg[1], gpa(6, 0), 16,
				 IOP_NVME_SGL_ID(IOP_NVME_SGL_TYPE_LAST_SEGMENT, 0));
	iop_nvme_sgl_set_unkeyed(&seg2[0], gpa(14, 0), 3096, 0);
	iop_nvme_sgl_set_unkeyed(&s1, gpa(4, 0), 32, IOP_NVME_SGL_ID(IOP_NVME_SGL_TYPE_SEGMENT, 0));
	CU_ASSERT_EQUAL(iop_nvme_sgl_to_iov(&s1, 4096, gtr, NULL, true, iov, 64, &n), 0);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_PTR_EQUAL(iov[1].iov_base, g_guest + 14 * 4096);
	/* Test 5: a segment descriptor inside a last segment */
	iop_nvme_sgl_set_unkeyed(&s1, gpa(4, 0), 32,
				 IOP_NVME_SGL_ID(IOP_NVME_SGL_TYPE_LAST_SEGMENT, 0));
	CU_ASSERT_EQUAL(iop_nvme_sgl_to_iov(&s1, 4096, gtr, NULL, true, iov, 64, &n),
			NVME_ST(GENERIC, INVALID_SGL_SEG_DESCRIPTOR));
	/* Test 6: a segment that points at itself stops after the bound */
	iop_nvme_sgl_set_unkeyed(&seg[0], gpa(4, 0), 16, IOP_NVME_SGL_ID(IOP_NVME_SGL_TYPE_SEGMENT, 0));
	iop_nvme_sgl_set_unkeyed(&s1, gpa(4, 0), 16, IOP_NVME_SGL_ID(IOP_NVME_SGL_TYPE_SEGMENT, 0));
	CU_ASSERT_EQUAL(iop_nvme_sgl_to_iov(&s1, 4096, gtr, NULL, true, iov, 64, &n),
			NVME_ST(GENERIC, INVALID_NUM_SGL_DESCIRPTORS));
	/* Test 7: bit bucket, keyed descriptors rejected; unmapped block */
	iop_nvme_sgl_set_unkeyed(&s1, gpa(8, 0), 512, IOP_NVME_SGL_ID(IOP_NVME_SGL_TYPE_BIT_BUCKET, 0));
	CU_ASSERT_EQUAL(iop_nvme_sgl_to_iov(&s1, 512, gtr, NULL, true, iov, 64, &n),
			NVME_ST(GENERIC, SGL_DESCRIPTOR_TYPE_INVALID));
	iop_nvme_sgl_set_keyed(&s1, gpa(8, 0), 512, 0x1234, 0);
	CU_ASSERT_EQUAL(iop_nvme_sgl_keyed_len(&s1), 512);
	CU_ASSERT_EQUAL(iop_nvme_sgl_keyed_key(&s1), 0x1234);
	CU_ASSERT_EQUAL(iop_nvme_sgl_to_iov(&s1, 512, gtr, NULL, true, iov, 64, &n),
			NVME_ST(GENERIC, SGL_DESCRIPTOR_TYPE_INVALID));
	iop_nvme_sgl_set_unkeyed(&s1, 0x2000, 512, 0);
	CU_ASSERT_EQUAL(iop_nvme_sgl_to_iov(&s1, 512, gtr, NULL, true, iov, 64, &n),
			NVME_ST(GENERIC, DATA_TRANSFER_ERROR));
}

/* ------------------------------------------------------------------------------------------ */
/* PCIe controller: registers, enable hook, admin and I/O through PRPs into guest memory      */

struct pcie_fake {
	int enables, disables, shutdowns, cq_creates, sq_creates, sq_deletes;
	struct iop_nvme_pcie_queue last;
	struct iop_nvme_req *pending;
};

static int
pf_enable(void *ctx, struct iop_nvme_ctrlr *c)
{
	((struct pcie_fake *)ctx)->enables++;
	(void)c;
	return 0;
}

static void
pf_disable(void *ctx, struct iop_nvme_ctrlr *c)
{
	((struct pcie_fake *)ctx)->disables++;
	(void)c;
}

static void
pf_shutdown(void *ctx, struct iop_nvme_ctrlr *c)
{
	((struct pcie_fake *)ctx)->shutdowns++;
	(void)c;
}

static uint16_t
pf_create_cq(void *ctx, struct iop_nvme_req *req, const struct iop_nvme_pcie_queue *q)
{
	struct pcie_fake *f = ctx;

	(void)req;
	f->cq_creates++;
	f->last = *q;
	return 0;
}

static uint16_t
pf_create_sq(void *ctx, struct iop_nvme_req *req, const struct iop_nvme_pcie_queue *q)
{
	struct pcie_fake *f = ctx;

	(void)req;
	f->sq_creates++;
	f->last = *q;
	return 0;
}

static uint16_t
pf_delete_sq(void *ctx, struct iop_nvme_req *req, uint16_t qid)
{
	struct pcie_fake *f = ctx;

	(void)qid;
	f->sq_deletes++;
	f->pending = req;
	return IOP_NVME_IN_PROGRESS;
}

static uint16_t
pf_delete_cq(void *ctx, struct iop_nvme_req *req, uint16_t qid)
{
	(void)ctx;
	(void)req;
	(void)qid;
	return 0;
}

static const struct iop_nvme_pcie_ops pf_ops = {
	.enable = pf_enable, .disable = pf_disable, .shutdown = pf_shutdown,
	.create_cq = pf_create_cq, .create_sq = pf_create_sq, .delete_sq = pf_delete_sq,
	.delete_cq = pf_delete_cq, .translate = gtr,
};

static uint32_t
reg32(struct iop_nvme_ctrlr *c, uint32_t off)
{
	uint32_t v = 0xdeadbeef;

	CU_ASSERT_EQUAL(iop_nvme_ctrlr_reg_read(c, off, &v, 4), 0);
	return v;
}

static void
wreg32(struct iop_nvme_ctrlr *c, uint32_t off, uint32_t v)
{
	CU_ASSERT_EQUAL(iop_nvme_ctrlr_reg_write(c, off, &v, 4), 0);
}

/* PCIe-style submit: PRPs in the SQE, prepare() walks them. */
static uint16_t
pcie_cmd(struct iop_nvme_pg *pg, struct iop_nvme_qpair *qp, struct iop_nvme_cmd *cmd,
	 struct iop_nvme_cpl *cpl)
{
	static struct ut_req r;

	memset(&r, 0, sizeof(r));
	r.req.cmd = *cmd;
	r.req.qpair = qp;
	r.req.done = ut_req_done;
	r.req.iov = r.iov;
	r.req.iovmax = 64;
	iop_nvme_req_prepare(&r.req);
	iop_nvme_req_exec(&r.req);
	for (int i = 0; i < 100 && !r.done; i++) {
		iop_nvme_pg_poll(pg);
	}
	CU_ASSERT_EQUAL(r.done, 1);
	if (cpl) {
		*cpl = r.req.cpl;
	}
	return iop_nvme_cpl_status(&r.req.cpl);
}

static void
test_pcie_ctrlr(void)
{
	struct iop_nvme_tgt *tgt;
	struct iop_nvme_subsys *ss;
	struct iop_backend *be = ut_ram_new(1 << 20, 512);
	struct iop_nvme_pg *pg;
	struct iop_nvme_ctrlr *c;
	struct iop_nvme_qpair *aq, *ioq;
	struct pcie_fake f = {0};
	struct ut_qp aqu = {0}, ioqu = {0};
	struct iop_nvme_cmd cmd;
	struct iop_nvme_cpl cpl;
	uint64_t cap, asq = gpa(30, 0);
	struct iop_nvme_id_ctrlr *id = (struct iop_nvme_id_ctrlr *)(void *)(g_guest + 16 * 4096);

	ut_ram_inline = 0;
	CU_ASSERT_EQUAL_FATAL(iop_nvme_tgt_create(NULL, &tgt), 0);
	CU_ASSERT_EQUAL_FATAL(iop_nvme_subsys_create(tgt, UT_NQN, NULL, NULL, &ss), 0);
	CU_ASSERT_EQUAL(iop_nvme_subsys_add_ns(ss, be, 1, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(iop_nvme_pg_create(tgt, 64, &pg), 0);
	CU_ASSERT_EQUAL_FATAL(iop_nvme_ctrlr_create_pcie(ss, &pf_ops, &f, &c), 0);

	/* registers */
	CU_ASSERT_EQUAL(iop_nvme_ctrlr_reg_read(c, IOP_NVME_REG_CAP, &cap, 8), 0);
	CU_ASSERT_EQUAL(IOP_NVME_CAP_MQES(cap), 127);
	CU_ASSERT_EQUAL(IOP_NVME_CAP_DSTRD(cap), 0);
	CU_ASSERT_EQUAL(reg32(c, 4), (uint32_t)(cap >> 32));      /* upper half of CAP */
	CU_ASSERT_EQUAL(reg32(c, IOP_NVME_REG_VS), IOP_NVME_VS_1_4);
	CU_ASSERT_EQUAL(reg32(c, IOP_NVME_REG_CSTS), 0);
	CU_ASSERT_EQUAL(reg32(c, 0x800), 0);                        /* unimplemented */
	CU_ASSERT_EQUAL(iop_nvme_ctrlr_reg_read(c, 0x1000, &cap, 4), -ERANGE);
	CU_ASSERT_EQUAL(iop_nvme_ctrlr_reg_read(c, 0x2, &cap, 4), -EINVAL);
	wreg32(c, IOP_NVME_REG_VS, 0);                             /* ignored */
	CU_ASSERT_EQUAL(reg32(c, IOP_NVME_REG_VS), IOP_NVME_VS_1_4);
	wreg32(c, IOP_NVME_REG_AQA, (31u << 16) | 31u);
	CU_ASSERT_EQUAL(iop_nvme_ctrlr_reg_write(c, IOP_NVME_REG_ASQ, &asq, 8), 0);
	wreg32(c, IOP_NVME_REG_ACQ, (uint32_t)gpa(31, 0));
	wreg32(c, IOP_NVME_REG_ACQ + 4, 0);
	CU_ASSERT_EQUAL(reg32(c, IOP_NVME_REG_AQA), (31u << 16) | 31u);
	CU_ASSERT_EQUAL(reg32(c, IOP_NVME_REG_ASQ), (uint32_t)asq);
	CU_ASSERT_EQUAL(reg32(c, IOP_NVME_REG_ACQ), (uint32_t)gpa(31, 0));
	wreg32(c, IOP_NVME_REG_INTMS, 0x3);
	wreg32(c, IOP_NVME_REG_INTMC, 0x1);
	CU_ASSERT_EQUAL(reg32(c, IOP_NVME_REG_INTMS), 0x2);
	/* enable: hook runs, RDY set; AQA is now read-only */
	wreg32(c, IOP_NVME_REG_CC, UT_CC_ENABLE);
	CU_ASSERT_EQUAL(f.enables, 1);
	CU_ASSERT_EQUAL(reg32(c, IOP_NVME_REG_CSTS), IOP_NVME_CSTS_RDY);
	wreg32(c, IOP_NVME_REG_AQA, 0);
	CU_ASSERT_EQUAL(reg32(c, IOP_NVME_REG_AQA), (31u << 16) | 31u);
	wreg32(c, IOP_NVME_REG_NSSR, IOP_NVME_NSSR_MAGIC);         /* CAP.NSSRS = 0: ignored */
	CU_ASSERT_EQUAL(reg32(c, IOP_NVME_REG_CSTS), IOP_NVME_CSTS_RDY);
	CU_ASSERT_EQUAL(f.disables, 0);

	CU_ASSERT_EQUAL(iop_nvme_qpair_create_pcie(pg, c, 0, 32, &ut_qp_ops, &aqu, &aq), 0);
	CU_ASSERT_EQUAL(iop_nvme_qpair_create_pcie(pg, c, 0, 32, &ut_qp_ops, &aqu, &aq), -EEXIST);
	/* Identify controller into guest page 16 through PRP1 */
	iop_nvme_host_build_identify(&cmd, IOP_NVME_CNS_CTRLR, 0, 0);
	cmd.dptr.prp.prp1 = gpa(16, 0);
	CU_ASSERT_EQUAL(pcie_cmd(pg, aq, &cmd, &cpl), 0);
	CU_ASSERT_EQUAL(id->cntlid, iop_nvme_ctrlr_cntlid(c));
	CU_ASSERT_STRING_EQUAL(id->subnqn, UT_NQN);
	CU_ASSERT_EQUAL(id->ioccsz, 0);
	CU_ASSERT_EQUAL(id->sgls, IOP_NVME_SGLS_SUPPORTED);
	/* fused operations are not supported */
	cmd.flags = 1;
	CU_ASSERT_EQUAL(UT_SC(pcie_cmd(pg, aq, &cmd, &cpl)), IOP_NVME_SC_INVALID_FIELD);
	cmd.flags = 0;
	/* Identify into unmapped memory: Data Transfer Error, nothing written */
	cmd.dptr.prp.prp1 = 0x4000;
	CU_ASSERT_EQUAL(UT_SC(pcie_cmd(pg, aq, &cmd, &cpl)), IOP_NVME_SC_DATA_TRANSFER_ERROR);
	/* Create I/O CQ / SQ */
	memset(&cmd, 0, sizeof(cmd));
	cmd.opc = IOP_NVME_OPC_CREATE_IO_CQ;
	cmd.cdw10 = 1 | (63u << 16);
	cmd.cdw11 = IOP_NVME_QCREATE_PC | IOP_NVME_QCREATE_CQ_IEN | (1u << 16);
	cmd.dptr.prp.prp1 = gpa(26, 0);
	CU_ASSERT_EQUAL(pcie_cmd(pg, aq, &cmd, &cpl), 0);
	CU_ASSERT_EQUAL(f.cq_creates, 1);
	CU_ASSERT_EQUAL(f.last.qid, 1);
	CU_ASSERT_EQUAL(f.last.qsize, 64);
	CU_ASSERT_EQUAL(f.last.iv, 1);
	CU_ASSERT(f.last.ien);
	cmd.cdw10 = 1 | (4096u << 16);          /* too big */
	CU_ASSERT_EQUAL(UT_SC(pcie_cmd(pg, aq, &cmd, &cpl)),
			UT_STATUS(IOP_NVME_SCT_COMMAND_SPECIFIC, IOP_NVME_SC_INVALID_QUEUE_SIZE));
	cmd.cdw10 = 0 | (63u << 16);            /* qid 0 */
	CU_ASSERT_EQUAL(UT_SC(pcie_cmd(pg, aq, &cmd, &cpl)),
			UT_STATUS(IOP_NVME_SCT_COMMAND_SPECIFIC,
				  IOP_NVME_SC_INVALID_QUEUE_IDENTIFIER));
	cmd.cdw10 = 1 | (63u << 16);
	cmd.cdw11 = 0;                          /* not contiguous */
	CU_ASSERT_EQUAL(UT_SC(pcie_cmd(pg, aq, &cmd, &cpl)), IOP_NVME_SC_INVALID_FIELD);
	memset(&cmd, 0, sizeof(cmd));
	cmd.opc = IOP_NVME_OPC_CREATE_IO_SQ;
	cmd.cdw10 = 1 | (63u << 16);
	cmd.cdw11 = IOP_NVME_QCREATE_PC | (1u << 16);
	cmd.dptr.prp.prp1 = gpa(27, 0);
	CU_ASSERT_EQUAL(pcie_cmd(pg, aq, &cmd, &cpl), 0);
	CU_ASSERT_EQUAL(f.sq_creates, 1);
	CU_ASSERT_EQUAL(f.last.cqid, 1);
	CU_ASSERT_EQUAL(iop_nvme_qpair_create_pcie(pg, c, 1, 64, &ut_qp_ops, &ioqu, &ioq), 0);

	/* Write 8 KiB from guest pages 10/12 (PRP1 + PRP2), read back through a PRP list */
	memset(g_guest + 10 * 4096, 0x11, 4096);
	memset(g_guest + 12 * 4096, 0x22, 4096);
	memset(&cmd, 0, sizeof(cmd));
	cmd.opc = IOP_NVME_OPC_WRITE;
	cmd.nsid = 1;
	cmd.cdw12 = 15;
	cmd.dptr.prp.prp1 = gpa(10, 0);
	cmd.dptr.prp.prp2 = gpa(12, 0);
	CU_ASSERT_EQUAL(pcie_cmd(pg, ioq, &cmd, &cpl), 0);
	CU_ASSERT_EQUAL(ut_ram_data(be)[0], 0x11);
	CU_ASSERT_EQUAL(ut_ram_data(be)[4096], 0x22);
	{
		uint64_t *list = gptr64(gpa(1, 0));

		memset(g_guest + 20 * 4096, 0, 3 * 4096);
		list[0] = gpa(21, 0);
		list[1] = gpa(22, 0);
		cmd.opc = IOP_NVME_OPC_READ;
		cmd.cdw12 = 23;                 /* 12 KiB */
		memcpy(ut_ram_data(be) + 8192, g_guest + 10 * 4096, 4096);
		cmd.dptr.prp.prp1 = gpa(20, 0);
		cmd.dptr.prp.prp2 = gpa(1, 0);
		CU_ASSERT_EQUAL(pcie_cmd(pg, ioq, &cmd, &cpl), 0);
		CU_ASSERT_EQUAL(g_guest[20 * 4096], 0x11);
		CU_ASSERT_EQUAL(g_guest[21 * 4096], 0x22);
		CU_ASSERT_EQUAL(g_guest[22 * 4096], 0x11);
		/* list entry unmapped: Data Transfer Error */
		list[1] = 0x3000;
		CU_ASSERT_EQUAL(UT_SC(pcie_cmd(pg, ioq, &cmd, &cpl)),
				IOP_NVME_SC_DATA_TRANSFER_ERROR);
		/* out of range checked before any data moves */
		cmd.cdw10 = 2047;
		list[1] = gpa(22, 0);
		CU_ASSERT_EQUAL(UT_SC(pcie_cmd(pg, ioq, &cmd, &cpl)), IOP_NVME_SC_LBA_OUT_OF_RANGE);
	}
	/* Delete SQ completes later through iop_nvme_req_complete */
	{
		static struct ut_req r;

		memset(&r, 0, sizeof(r));
		r.req.cmd.opc = IOP_NVME_OPC_DELETE_IO_SQ;
		r.req.cmd.cdw10 = 1;
		r.req.qpair = aq;
		r.req.done = ut_req_done;
		iop_nvme_req_prepare(&r.req);
		iop_nvme_req_exec(&r.req);
		CU_ASSERT_EQUAL(r.done, 0);
		CU_ASSERT_PTR_EQUAL(f.pending, &r.req);
		iop_nvme_req_complete(f.pending, 0);
		CU_ASSERT_EQUAL(r.done, 1);
	}
	iop_nvme_qpair_stop(ioq);
	iop_nvme_qpair_destroy(ioq);
	/* keep-alive expiry on PCIe: controller fatal status */
	iop_nvme_host_build_set_features(&cmd, IOP_NVME_FEAT_KEEP_ALIVE_TIMER, 1000);
	CU_ASSERT_EQUAL(pcie_cmd(pg, aq, &cmd, &cpl), 0);
	CU_ASSERT_FALSE(nvme_ctrlr_check_kato(c, iop_now_ns() + 500000000ull));
	CU_ASSERT_TRUE(nvme_ctrlr_check_kato(c, iop_now_ns() + 1500000000ull));
	CU_ASSERT(reg32(c, IOP_NVME_REG_CSTS) & IOP_NVME_CSTS_CFS);
	CU_ASSERT_EQUAL(aqu.disconnects, 1);
	/* shutdown then reset */
	wreg32(c, IOP_NVME_REG_CC, UT_CC_ENABLE | (1u << IOP_NVME_CC_SHN_SHIFT));
	CU_ASSERT_EQUAL(f.shutdowns, 1);
	CU_ASSERT_EQUAL(IOP_NVME_CSTS_SHST(reg32(c, IOP_NVME_REG_CSTS)), IOP_NVME_CSTS_SHST_COMPLETE);
	wreg32(c, IOP_NVME_REG_CC, 0);
	CU_ASSERT_EQUAL(f.disables, 1);
	CU_ASSERT_EQUAL(reg32(c, IOP_NVME_REG_CSTS), 0);
	iop_nvme_qpair_stop(aq);
	iop_nvme_qpair_destroy(aq);
	iop_nvme_ctrlr_destroy_pcie(c);
	iop_nvme_pg_destroy(pg);
	iop_nvme_tgt_destroy(tgt);
	ut_ram_close(be);
}

IOP_UT_MAIN("nvme_prp_sgl", IOP_UT(test_prp_basic), IOP_UT(test_prp_list), IOP_UT(test_sgl),
	    IOP_UT(test_pcie_ctrlr))
