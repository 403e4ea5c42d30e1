/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: I/O commands over a RAM backend: read/write/flush/zeroes/DSM, ranges, MDTS, BUSY. */
#include "targets/nvme/nvme_internal.h"
#include "tests/unit/targets/nvme/nvme_ut.h"

static uint8_t g_wbuf[256 * 1024];
static uint8_t g_rbuf[256 * 1024];

static void
rw_cmd(struct iop_nvme_cmd *cmd, uint8_t opc, uint32_t nsid, uint64_t slba, uint32_t nlb)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->opc = opc;
	cmd->nsid = nsid;
	cmd->cdw10 = (uint32_t)slba;
	cmd->cdw11 = (uint32_t)(slba >> 32);
	cmd->cdw12 = nlb - 1;
}

static void
fill(uint8_t *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++) {
		p[i] = (uint8_t)(seed + i * 7 + (i >> 9));
	}
}

static void
test_read_write(void)
{
	struct ut_env e;
	struct iop_nvme_cmd cmd;
	struct ut_req r;

	ut_env_init(&e, 0);
	ut_env_io(&e, 1);
	fill(g_wbuf, 8192, 3);
	rw_cmd(&cmd, IOP_NVME_OPC_WRITE, 1, 100, 16);
	CU_ASSERT_EQUAL(ut_cmd(e.pg, e.io.qp, &cmd, g_wbuf, 8192, NULL), 0);
	CU_ASSERT_EQUAL(memcmp(ut_ram_data(e.be) + 100 * 512, g_wbuf, 8192), 0);
	memset(g_rbuf, 0, sizeof(g_rbuf));
	rw_cmd(&cmd, IOP_NVME_OPC_READ, 1, 100, 16);
	CU_ASSERT_EQUAL(ut_cmd(e.pg, e.io.qp, &cmd, g_rbuf, 8192, NULL), 0);
	CU_ASSERT_EQUAL(memcmp(g_rbuf, g_wbuf, 8192), 0);

	/* a read whose SGL offers more than needed: data_len shrinks to NLB * LBA size */
	memset(&r, 0, sizeof(r));
	rw_cmd(&cmd, IOP_NVME_OPC_READ, 1, 100, 1);
	memset(g_rbuf, 0xee, 2048);
	ut_submit(e.io.qp, &r, &cmd, g_rbuf, 2048);
	while (!r.done) {
		iop_nvme_pg_poll(e.pg);
	}
	CU_ASSERT_EQUAL(iop_nvme_cpl_status(&r.req.cpl), 0);
	CU_ASSERT_EQUAL(r.req.data_len, 512);
	CU_ASSERT_EQUAL(r.req.cpl.sqid, 1);
	CU_ASSERT_EQUAL(memcmp(g_rbuf, g_wbuf, 512), 0);
	CU_ASSERT_EQUAL(g_rbuf[512], 0xee);

	/* scattered buffers (several iovecs) */
	memset(&r, 0, sizeof(r));
	rw_cmd(&cmd, IOP_NVME_OPC_WRITE, 1, 0, 4);
	r.req.cmd = cmd;
	r.req.cmd.flags = IOP_NVME_PSDT_SGL_MPTR_CONTIG << IOP_NVME_PSDT_SHIFT;
	iop_nvme_sgl_set_unkeyed(&r.req.cmd.dptr.sgl1, 0, 2048, IOP_NVME_SGL_ID_TCP_HOSTBUF);
	r.req.qpair = e.io.qp;
	r.req.done = ut_req_done;
	r.req.iov = r.iov;
	r.req.iovmax = 64;
	CU_ASSERT_EQUAL(iop_nvme_req_prepare(&r.req), 0);
	CU_ASSERT_EQUAL(r.req.xfer, IOP_NVME_XFER_H2C);
	CU_ASSERT_EQUAL(r.req.data_len, 2048);
	for (int i = 0; i < 4; i++) {
		r.iov[i].iov_base = g_wbuf + 4096 * i;
		r.iov[i].iov_len = 512;
	}
	r.req.iovcnt = 4;
	iop_nvme_req_exec(&r.req);
	while (!r.done) {
		iop_nvme_pg_poll(e.pg);
	}
	CU_ASSERT_EQUAL(iop_nvme_cpl_status(&r.req.cpl), 0);
	for (int i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL(memcmp(ut_ram_data(e.be) + 512 * i, g_wbuf + 4096 * i, 512), 0);
	}
	ut_env_fini(&e);
}

static void
test_flush_zeroes_dsm(void)
{
	struct ut_env e;
	struct iop_nvme_cmd cmd;
	struct iop_nvme_dsm_range rng[2] = {
		{.slba = 10, .length = 2}, {.slba = 20, .length = 1},
	};
	static const uint8_t zero[1024];
	unsigned int before;

	ut_env_init(&e, 0);
	ut_env_io(&e, 1);
	memset(ut_ram_data(e.be), 0x5a, 1 << 20);
	/* flush one namespace and every namespace */
	before = ut_ram_ops[IOP_OP_FLUSH];
	rw_cmd(&cmd, IOP_NVME_OPC_FLUSH, 1, 0, 1);
	cmd.cdw10 = cmd.cdw11 = cmd.cdw12 = 0;
	CU_ASSERT_EQUAL(ut_cmd(e.pg, e.io.qp, &cmd, NULL, 0, NULL), 0);
	cmd.nsid = 0xffffffff;
	CU_ASSERT_EQUAL(ut_cmd(e.pg, e.io.qp, &cmd, NULL, 0, NULL), 0);
	CU_ASSERT_EQUAL(ut_ram_ops[IOP_OP_FLUSH], before + 2);
	/* a FUA write on a volatile-cache backend is followed by a flush */
	before = ut_ram_ops[IOP_OP_FLUSH];
	rw_cmd(&cmd, IOP_NVME_OPC_WRITE, 1, 30, 1);
	cmd.cdw12 |= IOP_NVME_RW_FUA;
	CU_ASSERT_EQUAL(ut_cmd(e.pg, e.io.qp, &cmd, g_wbuf, 512, NULL), 0);
	CU_ASSERT_EQUAL(ut_ram_ops[IOP_OP_FLUSH], before + 1);
	CU_ASSERT_EQUAL(memcmp(ut_ram_data(e.be) + 30 * 512, g_wbuf, 512), 0);
	memset(ut_ram_data(e.be) + 30 * 512, 0x5a, 512);
	/* write zeroes of 4 blocks at 4 */
	rw_cmd(&cmd, IOP_NVME_OPC_WRITE_ZEROES, 1, 4, 4);
	CU_ASSERT_EQUAL(ut_cmd(e.pg, e.io.qp, &cmd, NULL, 0, NULL), 0);
	CU_ASSERT_EQUAL(memcmp(ut_ram_data(e.be) + 4 * 512, zero, 1024), 0);
	CU_ASSERT_EQUAL(ut_ram_data(e.be)[8 * 512], 0x5a);
	CU_ASSERT_EQUAL(ut_ram_data(e.be)[4 * 512 - 1], 0x5a);
	/* DSM deallocate of two ranges */
	memset(&cmd, 0, sizeof(cmd));
	cmd.opc = IOP_NVME_OPC_DATASET_MANAGEMENT;
	cmd.nsid = 1;
	cmd.cdw10 = 1;                  /* two ranges */
	cmd.cdw11 = IOP_NVME_DSM_AD;
	CU_ASSERT_EQUAL(ut_cmd(e.pg, e.io.qp, &cmd, rng, sizeof(rng), NULL), 0);
	CU_ASSERT_EQUAL(memcmp(ut_ram_data(e.be) + 10 * 512, zero, 1024), 0);
	CU_ASSERT_EQUAL(memcmp(ut_ram_data(e.be) + 20 * 512, zero, 512), 0);
	CU_ASSERT_EQUAL(ut_ram_data(e.be)[12 * 512], 0x5a);
	CU_ASSERT_EQUAL(ut_ram_data(e.be)[21 * 512], 0x5a);
	/* DSM whose second range leaves the namespace */
	rng[1].slba = 2047;
	rng[1].length = 2;
	CU_ASSERT_EQUAL(UT_SC(ut_cmd(e.pg, e.io.qp, &cmd, rng, sizeof(rng), NULL)),
			IOP_NVME_SC_LBA_OUT_OF_RANGE);
	/* DSM with fewer range bytes than NR says */
	CU_ASSERT_EQUAL(UT_SC(ut_cmd(e.pg, e.io.qp, &cmd, rng, 16, NULL)),
			IOP_NVME_SC_DATA_SGL_LENGTH_INVALID);
	/* attribute-only DSM: nothing to do */
	cmd.cdw11 = IOP_NVME_DSM_IDR;
	CU_ASSERT_EQUAL(ut_cmd(e.pg, e.io.qp, &cmd, rng, sizeof(rng), NULL), 0);
	ut_env_fini(&e);
}

static void
test_errors(void)
{
	struct ut_env e;
	struct iop_nvme_cmd cmd;
	struct iop_nvme_cpl cpl;

	ut_env_init(&e, 0);
	ut_env_io(&e, 1);
	/* Test 1: last block OK, one past the end out of range (1 MiB = 2048 blocks) */
	rw_cmd(&cmd, IOP_NVME_OPC_READ, 1, 2047, 1);
	CU_ASSERT_EQUAL(ut_cmd(e.pg, e.io.qp, &cmd, g_rbuf, 512, NULL), 0);
	rw_cmd(&cmd, IOP_NVME_OPC_READ, 1, 2047, 2);
	CU_ASSERT_EQUAL(UT_SC(ut_cmd(e.pg, e.io.qp, &cmd, g_rbuf, 1024, &cpl)),
			IOP_NVME_SC_LBA_OUT_OF_RANGE);
	CU_ASSERT(iop_nvme_cpl_dnr(&cpl));
	/* Test 2: SLBA overflow does not wrap */
	rw_cmd(&cmd, IOP_NVME_OPC_WRITE, 1, 0xffffffffffffffffull, 2);
	CU_ASSERT_EQUAL(UT_SC(ut_cmd(e.pg, e.io.qp, &cmd, g_wbuf, 1024, NULL)),
			IOP_NVME_SC_LBA_OUT_OF_RANGE);
	rw_cmd(&cmd, IOP_NVME_OPC_WRITE_ZEROES, 1, 2040, 16);
	CU_ASSERT_EQUAL(UT_SC(ut_cmd(e.pg, e.io.qp, &cmd, NULL, 0, NULL)),
			IOP_NVME_SC_LBA_OUT_OF_RANGE);
	/* Test 3: beyond MDTS (128 KiB): 257 blocks of 512 */
	rw_cmd(&cmd, IOP_NVME_OPC_READ, 1, 0, 257);
	CU_ASSERT_EQUAL(UT_SC(ut_cmd(e.pg, e.io.qp, &cmd, g_rbuf, 257 * 512, NULL)),
			IOP_NVME_SC_INVALID_FIELD);
	/* Test 4: SGL shorter than NLB */
	rw_cmd(&cmd, IOP_NVME_OPC_WRITE, 1, 0, 8);
	CU_ASSERT_EQUAL(UT_SC(ut_cmd(e.pg, e.io.qp, &cmd, g_wbuf, 2048, NULL)),
			IOP_NVME_SC_DATA_SGL_LENGTH_INVALID);
	/* Test 5: namespaces 0 and 9 do not exist */
	rw_cmd(&cmd, IOP_NVME_OPC_READ, 9, 0, 1);
	CU_ASSERT_EQUAL(UT_SC(ut_cmd(e.pg, e.io.qp, &cmd, g_rbuf, 512, NULL)),
			IOP_NVME_SC_INVALID_NAMESPACE_OR_FORMAT);
	rw_cmd(&cmd, IOP_NVME_OPC_FLUSH, 0, 0, 1);
	CU_ASSERT_EQUAL(UT_SC(ut_cmd(e.pg, e.io.qp, &cmd, NULL, 0, NULL)),
			IOP_NVME_SC_INVALID_NAMESPACE_OR_FORMAT);
	/* Test 6: unknown I/O opcode; admin opcode on an I/O queue */
	rw_cmd(&cmd, 0x7d, 1, 0, 1);
	CU_ASSERT_EQUAL(UT_SC(ut_cmd(e.pg, e.io.qp, &cmd, g_rbuf, 512, NULL)),
			IOP_NVME_SC_INVALID_OPCODE);
	rw_cmd(&cmd, IOP_NVME_OPC_COMPARE, 1, 0, 1);
	CU_ASSERT_EQUAL(UT_SC(ut_cmd(e.pg, e.io.qp, &cmd, g_rbuf, 512, NULL)),
			IOP_NVME_SC_INVALID_OPCODE);
	iop_nvme_host_build_identify(&cmd, IOP_NVME_CNS_CTRLR, 0, 0);
	CU_ASSERT_EQUAL(UT_SC(ut_cmd(e.pg, e.io.qp, &cmd, g_rbuf, 4096, NULL)),
			IOP_NVME_SC_INVALID_OPCODE);
	/* Test 7: in-capsule data larger than the target accepts; bit bucket SGL */
	{
		struct ut_req r;

		memset(&r, 0, sizeof(r));
		rw_cmd(&r.req.cmd, IOP_NVME_OPC_WRITE, 1, 0, 32);
		r.req.cmd.flags = IOP_NVME_PSDT_SGL_MPTR_CONTIG << IOP_NVME_PSDT_SHIFT;
		iop_nvme_sgl_set_unkeyed(&r.req.cmd.dptr.sgl1, 0, 16384, IOP_NVME_SGL_ID_INCAPSULE);
		r.req.qpair = e.io.qp;
		r.req.done = ut_req_done;
		CU_ASSERT_EQUAL(UT_SC(iop_nvme_req_prepare(&r.req)),
				IOP_NVME_SC_DATA_SGL_LENGTH_INVALID);
		CU_ASSERT_EQUAL(r.req.data_len, 0);
		iop_nvme_req_exec(&r.req);
		CU_ASSERT_EQUAL(r.done, 1);
		CU_ASSERT_EQUAL(UT_SC(iop_nvme_cpl_status(&r.req.cpl)),
				IOP_NVME_SC_DATA_SGL_LENGTH_INVALID);
		r.done = 0;
		iop_nvme_sgl_set_unkeyed(&r.req.cmd.dptr.sgl1, 0, 4096,
					 IOP_NVME_SGL_ID(IOP_NVME_SGL_TYPE_BIT_BUCKET, 0));
		CU_ASSERT_EQUAL(UT_SC(iop_nvme_req_prepare(&r.req)),
				IOP_NVME_SC_SGL_DESCRIPTOR_TYPE_INVALID);
	}
	/* a stopped queue aborts new commands */
	iop_nvme_qpair_stop(e.io.qp);
	rw_cmd(&cmd, IOP_NVME_OPC_READ, 1, 0, 1);
	CU_ASSERT_EQUAL(UT_SC(ut_cmd(e.pg, e.io.qp, &cmd, g_rbuf, 512, &cpl)),
			IOP_NVME_SC_ABORTED_SQ_DELETION);
	CU_ASSERT_FALSE(iop_nvme_cpl_dnr(&cpl));
	ut_env_fini(&e);
}

static void
test_busy_and_inline(void)
{
	struct ut_env e;
	struct ut_req r[8];
	struct iop_nvme_cmd cmd;

	ut_env_init(&e, 0);
	ut_env_io(&e, 1);
	/* BUSY twice: the I/O waits in the poll group and completes later */
	ut_ram_busy = 2;
	for (int i = 0; i < 8; i++) {
		rw_cmd(&cmd, IOP_NVME_OPC_WRITE, 1, (uint64_t)i * 8, 8);
		cmd.cid = (uint16_t)i;
		fill(g_wbuf + 4096 * i, 4096, (unsigned int)i);
		ut_submit(e.io.qp, &r[i], &cmd, g_wbuf + 4096 * i, 4096);
	}
	CU_ASSERT_EQUAL(iop_nvme_qpair_inflight(e.io.qp), 8);
	CU_ASSERT_EQUAL(iop_nvme_qpair_stop(e.io.qp), 8);   /* still in the backend */
	for (int n = 0; n < 100 && iop_nvme_qpair_inflight(e.io.qp); n++) {
		iop_nvme_pg_poll(e.pg);
	}
	CU_ASSERT_EQUAL(iop_nvme_qpair_inflight(e.io.qp), 0);
	for (int i = 0; i < 8; i++) {
		CU_ASSERT_EQUAL(r[i].done, 1);
		CU_ASSERT_EQUAL(iop_nvme_cpl_status(&r[i].req.cpl), 0);
		CU_ASSERT_EQUAL(r[i].req.cpl.cid, i);
	}
	CU_ASSERT_EQUAL(memcmp(ut_ram_data(e.be), g_wbuf, 8 * 4096), 0);
	iop_nvme_qpair_destroy(e.io.qp);
	e.io.qp = NULL;
	/* inline-completing backend: done runs inside exec */
	memset(&e.io, 0, sizeof(e.io));
	ut_env_io(&e, 2);
	ut_ram_inline = 1;
	rw_cmd(&cmd, IOP_NVME_OPC_READ, 1, 0, 8);
	ut_submit(e.io.qp, &r[0], &cmd, g_rbuf, 4096);
	CU_ASSERT_EQUAL(r[0].done, 1);
	CU_ASSERT_EQUAL(memcmp(g_rbuf, g_wbuf, 4096), 0);
	ut_ram_inline = 0;
	ut_env_fini(&e);
}

static void
test_sqhd(void)
{
	struct ut_env e;
	struct iop_nvme_cmd cmd;
	struct iop_nvme_cpl cpl;

	ut_env_init(&e, 0);
	ut_env_io(&e, 1);
	/* SQ head after Connect (entry 0) is 1, then advances and wraps at 128 */
	for (int i = 0; i < 130; i++) {
		rw_cmd(&cmd, IOP_NVME_OPC_FLUSH, 1, 0, 1);
		cmd.cdw10 = cmd.cdw11 = cmd.cdw12 = 0;
		CU_ASSERT_EQUAL(ut_cmd(e.pg, e.io.qp, &cmd, NULL, 0, &cpl), 0);
		CU_ASSERT_EQUAL(cpl.sqhd, (i + 2) % 128);
	}
	ut_env_fini(&e);
}

/* The tree's malloc backend (both completion modes) behind the core: data round trip. */
static void
test_malloc_backend(void)
{
	static const char *const specs[] = {"malloc:size=1M,bs=4096,completion=inline",
					    "malloc:size=1M,bs=4096,completion=poll"};

	for (size_t s = 0; s < IOP_ARRAY_SIZE(specs); s++) {
		struct iop_nvme_tgt *tgt;
		struct iop_nvme_subsys *ss;
		struct iop_backend *be;
		struct iop_nvme_pg *pg;
		struct ut_qp a = {0}, q = {0};
		struct iop_nvme_cmd cmd;
		struct iop_nvme_cpl cpl;
		char err[256];

		CU_ASSERT_EQUAL_FATAL(iop_backend_open(specs[s], &be, err, sizeof(err)), 0);
		CU_ASSERT_EQUAL_FATAL(iop_nvme_tgt_create(NULL, &tgt), 0);
		CU_ASSERT_EQUAL(iop_nvme_subsys_create(tgt, UT_NQN, NULL, NULL, &ss), 0);
		iop_nvme_subsys_allow_any_host(ss, true);
		CU_ASSERT_EQUAL(iop_nvme_subsys_add_ns(ss, be, 1, NULL), 0);
		CU_ASSERT_EQUAL(iop_nvme_pg_create(tgt, 0, &pg), 0);
		CU_ASSERT_EQUAL(iop_nvme_qpair_create(pg, IOP_NVMF_TRTYPE_TCP, &ut_qp_ops, &a, &a.qp),
				0);
		CU_ASSERT_EQUAL(ut_connect(pg, a.qp, 0, 31, 0xffff, UT_NQN, UT_HOST, 0, &cpl), 0);
		CU_ASSERT_EQUAL(ut_prop_set(pg, a.qp, IOP_NVME_REG_CC, UT_CC_ENABLE), 0);
		CU_ASSERT_EQUAL(iop_nvme_qpair_create(pg, IOP_NVMF_TRTYPE_TCP, &ut_qp_ops, &q, &q.qp),
				0);
		CU_ASSERT_EQUAL(ut_connect(pg, q.qp, 1, 63, (uint16_t)cpl.cdw0, UT_NQN, UT_HOST, 0,
					   NULL), 0);
		fill(g_wbuf, 65536, (unsigned int)s + 11);
		rw_cmd(&cmd, IOP_NVME_OPC_WRITE, 1, 17, 16);
		CU_ASSERT_EQUAL(ut_cmd(pg, q.qp, &cmd, g_wbuf, 65536, NULL), 0);
		memset(g_rbuf, 0, 65536);
		rw_cmd(&cmd, IOP_NVME_OPC_READ, 1, 17, 16);
		CU_ASSERT_EQUAL(ut_cmd(pg, q.qp, &cmd, g_rbuf, 65536, NULL), 0);
		CU_ASSERT_EQUAL(memcmp(g_rbuf, g_wbuf, 65536), 0);
		rw_cmd(&cmd, IOP_NVME_OPC_WRITE_ZEROES, 1, 18, 2);
		CU_ASSERT_EQUAL(ut_cmd(pg, q.qp, &cmd, NULL, 0, NULL), 0);
		rw_cmd(&cmd, IOP_NVME_OPC_READ, 1, 17, 4);
		CU_ASSERT_EQUAL(ut_cmd(pg, q.qp, &cmd, g_rbuf, 16384, NULL), 0);
		CU_ASSERT_EQUAL(memcmp(g_rbuf, g_wbuf, 4096), 0);
		CU_ASSERT_EQUAL(g_rbuf[4096], 0);
		CU_ASSERT_EQUAL(g_rbuf[3 * 4096 - 1], 0);
		CU_ASSERT_EQUAL(memcmp(g_rbuf + 3 * 4096, g_wbuf + 3 * 4096, 4096), 0);
		rw_cmd(&cmd, IOP_NVME_OPC_READ, 1, 256, 1);  /* 1 MiB / 4 KiB = 256 blocks */
		CU_ASSERT_EQUAL(UT_SC(ut_cmd(pg, q.qp, &cmd, g_rbuf, 4096, NULL)),
				IOP_NVME_SC_LBA_OUT_OF_RANGE);
		iop_nvme_qpair_stop(q.qp);
		iop_nvme_qpair_destroy(q.qp);
		iop_nvme_qpair_stop(a.qp);
		iop_nvme_qpair_destroy(a.qp);
		iop_nvme_pg_destroy(pg);
		iop_nvme_tgt_destroy(tgt);
		iop_backend_close(be);
	}
}

IOP_UT_MAIN("nvme_io", IOP_UT(test_malloc_backend), IOP_UT(test_read_write),
	    IOP_UT(test_flush_zeroes_dsm),
	    IOP_UT(test_errors), IOP_UT(test_busy_and_inline), IOP_UT(test_sqhd))
