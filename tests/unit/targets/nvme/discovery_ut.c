/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: discovery controller: Identify, log page 70h, offsets, host filter, GENCTR, AEN. */
#include <unistd.h>
#include "targets/nvme/nvme_internal.h"
#include "tests/unit/targets/nvme/nvme_ut.h"

static uint8_t g_buf[16384];

struct disc_env {
	struct ut_env e;           /* I/O subsystem UT_NQN, any host */
	struct ut_qp dq;
};

static void
disc_init(struct disc_env *d)
{
	struct iop_nvme_listener l = {.trtype = IOP_NVMF_TRTYPE_TCP, .adrfam = IOP_NVMF_ADRFAM_IPV4,
				      .traddr = "127.0.0.1", .trsvcid = "4420"};
	struct iop_nvme_cpl cpl;

	memset(d, 0, sizeof(*d));
	ut_env_init(&d->e, 0);
	CU_ASSERT_EQUAL(iop_nvme_tgt_add_listener(d->e.tgt, &l), 0);
	CU_ASSERT_EQUAL(iop_nvme_tgt_add_listener(d->e.tgt, &l), -EEXIST);
	CU_ASSERT_EQUAL(iop_nvme_qpair_create(d->e.pg, IOP_NVMF_TRTYPE_TCP, &ut_qp_ops, &d->dq,
					      &d->dq.qp), 0);
	/* discovery: KATO 0 allowed, any host */
	CU_ASSERT_EQUAL(ut_connect(d->e.pg, d->dq.qp, 0, 31, 0xffff, IOP_NVME_DISC_NQN, UT_HOST, 0,
				   &cpl), 0);
	CU_ASSERT_EQUAL(ut_prop_set(d->e.pg, d->dq.qp, IOP_NVME_REG_CC, UT_CC_ENABLE), 0);
}

static void
disc_fini(struct disc_env *d)
{
	iop_nvme_qpair_stop(d->dq.qp);
	iop_nvme_qpair_destroy(d->dq.qp);
	ut_env_fini(&d->e);
}

static uint16_t
disc_log(struct disc_env *d, uint64_t off, uint32_t len)
{
	struct iop_nvme_cmd cmd;

	memset(g_buf, 0xa5, sizeof(g_buf));
	iop_nvme_host_build_get_log(&cmd, IOP_NVME_LOG_DISCOVERY, 0, off, len);
	return ut_cmd(d->e.pg, d->dq.qp, &cmd, g_buf, len, NULL);
}

static void
test_identify(void)
{
	struct disc_env d;
	struct iop_nvme_id_ctrlr *id = (struct iop_nvme_id_ctrlr *)g_buf;
	struct iop_nvme_cmd cmd;
	struct iop_nvme_cpl cpl;

	disc_init(&d);
	iop_nvme_host_build_identify(&cmd, IOP_NVME_CNS_CTRLR, 0, 0);
	CU_ASSERT_EQUAL(ut_cmd(d.e.pg, d.dq.qp, &cmd, g_buf, 4096, NULL), 0);
	CU_ASSERT_EQUAL(id->cntrltype, IOP_NVME_CNTRLTYPE_DISCOVERY);
	CU_ASSERT_EQUAL(id->nn, 0);
	CU_ASSERT_STRING_EQUAL(id->subnqn, IOP_NVME_DISC_NQN);
	CU_ASSERT(id->oaes & IOP_NVME_OAES_DISC_CHANGE);
	/* no namespaces, no I/O queues, no I/O commands */
	iop_nvme_host_build_identify(&cmd, IOP_NVME_CNS_NS, 1, 0);
	CU_ASSERT_EQUAL(UT_SC(ut_cmd(d.e.pg, d.dq.qp, &cmd, g_buf, 4096, NULL)),
			IOP_NVME_SC_INVALID_FIELD);
	memset(&cmd, 0, sizeof(cmd));
	cmd.opc = IOP_NVME_OPC_ABORT;
	CU_ASSERT_EQUAL(UT_SC(ut_cmd(d.e.pg, d.dq.qp, &cmd, NULL, 0, NULL)),
			IOP_NVME_SC_INVALID_OPCODE);
	{
		struct ut_qp q = {0};
		uint16_t st;

		CU_ASSERT_EQUAL(iop_nvme_qpair_create(d.e.pg, IOP_NVMF_TRTYPE_TCP, &ut_qp_ops, &q,
						      &q.qp), 0);
		st = ut_connect(d.e.pg, q.qp, 1, 31, iop_nvme_ctrlr_cntlid(
					iop_nvme_qpair_ctrlr(d.dq.qp)), IOP_NVME_DISC_NQN,
				UT_HOST, 0, &cpl);
		CU_ASSERT_EQUAL(UT_SC(st), UT_STATUS(IOP_NVME_SCT_COMMAND_SPECIFIC,
						     IOP_NVMF_SC_CONNECT_INVALID_PARAMETERS));
		CU_ASSERT_EQUAL(IOP_NVMF_CPL_IPO(cpl.cdw0), 42);
		iop_nvme_qpair_destroy(q.qp);
	}
	disc_fini(&d);
}

static void
test_log_page(void)
{
	struct disc_env d;
	struct iop_nvmf_disc_log_hdr *h = (struct iop_nvmf_disc_log_hdr *)g_buf;
	struct iop_nvmf_disc_log_entry *e = (struct iop_nvmf_disc_log_entry *)(h + 1);
	struct iop_nvme_subsys *closed, *mine;
	uint64_t gen;

	disc_init(&d);
	CU_ASSERT_EQUAL(disc_log(&d, 0, 3 * 1024), 0);
	gen = h->genctr;
	CU_ASSERT(gen > 0);
	CU_ASSERT_EQUAL(h->genctr, iop_nvme_tgt_genctr(d.e.tgt));
	CU_ASSERT_EQUAL(h->numrec, 2);          /* discovery itself + UT_NQN */
	CU_ASSERT_EQUAL(h->recfmt, 0);
	CU_ASSERT_EQUAL(e[0].subtype, IOP_NVMF_SUBTYPE_DISCOVERY_CURRENT);
	CU_ASSERT_STRING_EQUAL(e[0].subnqn, IOP_NVME_DISC_NQN);
	CU_ASSERT_EQUAL(e[1].subtype, IOP_NVMF_SUBTYPE_NVME);
	CU_ASSERT_EQUAL(e[1].trtype, IOP_NVMF_TRTYPE_TCP);
	CU_ASSERT_EQUAL(e[1].adrfam, IOP_NVMF_ADRFAM_IPV4);
	CU_ASSERT_EQUAL(e[1].cntlid, 0xffff);
	CU_ASSERT_EQUAL(e[1].portid, 1);
	CU_ASSERT_STRING_EQUAL(e[1].subnqn, UT_NQN);
	CU_ASSERT_EQUAL(memcmp(e[1].traddr, "127.0.0.1 ", 10), 0);  /* space padded */
	CU_ASSERT_EQUAL(memcmp(e[1].trsvcid, "4420 ", 5), 0);
	CU_ASSERT_EQUAL(e[1].tsas.tcp.sectype, IOP_NVMF_TCP_SECTYPE_NONE);

	/* subsystems: one closed to us (hidden), one open to us: GENCTR moves */
	CU_ASSERT_EQUAL(iop_nvme_subsys_create(d.e.tgt, "nqn.2024-01.io.iopath:closed", NULL, NULL,
					       &closed), 0);
	CU_ASSERT_EQUAL(iop_nvme_subsys_add_host(closed, "nqn.2024-01.io.iopath:someone-else"), 0);
	CU_ASSERT_EQUAL(iop_nvme_subsys_create(d.e.tgt, "nqn.2024-01.io.iopath:mine", NULL, NULL,
					       &mine), 0);
	CU_ASSERT_EQUAL(iop_nvme_subsys_add_host(mine, UT_HOST), 0);
	CU_ASSERT(iop_nvme_tgt_genctr(d.e.tgt) > gen);
	/* header only first (as hosts do), then the entries with an offset */
	CU_ASSERT_EQUAL(disc_log(&d, 0, 1024), 0);
	CU_ASSERT_EQUAL(h->numrec, 3);
	CU_ASSERT(h->genctr > gen);
	CU_ASSERT_EQUAL(g_buf[1024], 0xa5);
	CU_ASSERT_EQUAL(disc_log(&d, 3 * 1024, 1024), 0);    /* the third entry alone */
	CU_ASSERT_STRING_EQUAL(((struct iop_nvmf_disc_log_entry *)g_buf)->subnqn,
			       "nqn.2024-01.io.iopath:mine");
	/* beyond the end: zeroes */
	CU_ASSERT_EQUAL(disc_log(&d, 4 * 1024, 1024), 0);
	CU_ASSERT_EQUAL(g_buf[0], 0);
	CU_ASSERT_EQUAL(UT_SC(disc_log(&d, 6 * 1024, 1024)), IOP_NVME_SC_INVALID_FIELD);
	/* a second listener doubles the entries */
	{
		struct iop_nvme_listener l2 = {.trtype = IOP_NVMF_TRTYPE_TCP,
					       .adrfam = IOP_NVMF_ADRFAM_IPV4,
					       .traddr = "127.0.0.2", .trsvcid = "4421"};

		gen = iop_nvme_tgt_genctr(d.e.tgt);
		CU_ASSERT_EQUAL(iop_nvme_tgt_add_listener(d.e.tgt, &l2), 0);
		CU_ASSERT_EQUAL(disc_log(&d, 0, 1024), 0);
		CU_ASSERT_EQUAL(h->numrec, 6);
		CU_ASSERT_EQUAL(h->genctr, gen + 1);
		CU_ASSERT_EQUAL(iop_nvme_tgt_remove_listener(d.e.tgt, IOP_NVMF_TRTYPE_TCP,
							     "127.0.0.2", "4421"), 0);
		CU_ASSERT_EQUAL(iop_nvme_tgt_genctr(d.e.tgt), gen + 2);
		CU_ASSERT_EQUAL(iop_nvme_tgt_remove_listener(d.e.tgt, IOP_NVMF_TRTYPE_TCP,
							     "127.0.0.2", "4421"), -ENOENT);
	}
	disc_fini(&d);
}

static void
test_disc_aen(void)
{
	struct disc_env d;
	struct ut_req aer;
	struct iop_nvme_cmd cmd;

	disc_init(&d);
	iop_nvme_host_build_set_features(&cmd, IOP_NVME_FEAT_ASYNC_EVENT_CONFIG,
					 IOP_NVME_AEC_DISC_CHANGE);
	CU_ASSERT_EQUAL(ut_cmd(d.e.pg, d.dq.qp, &cmd, NULL, 0, NULL), 0);
	memset(&cmd, 0, sizeof(cmd));
	cmd.opc = IOP_NVME_OPC_ASYNC_EVENT_REQUEST;
	ut_submit(d.dq.qp, &aer, &cmd, NULL, 0);
	CU_ASSERT_EQUAL(aer.done, 0);
	CU_ASSERT_EQUAL(iop_nvme_subsys_create(d.e.tgt, "nqn.2024-01.io.iopath:new", NULL, NULL,
					       NULL), 0);
	/* delivered from the poll group's periodic tick */
	for (int i = 0; i < 200 && !aer.done; i++) {
		iop_nvme_pg_poll(d.e.pg);
		usleep(1000);
	}
	CU_ASSERT_EQUAL(aer.done, 1);
	CU_ASSERT_EQUAL(aer.req.cpl.cdw0, IOP_NVME_AER_CDW0(IOP_NVME_AER_TYPE_NOTICE,
							    IOP_NVME_AER_NOTICE_DISC_CHANGE,
							    IOP_NVME_LOG_DISCOVERY));
	disc_fini(&d);
}

IOP_UT_MAIN("nvme_discovery", IOP_UT(test_identify), IOP_UT(test_log_page),
	    IOP_UT(test_disc_aen))
