/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: Connect accept/reject (status, IATTR/IPO), properties (CC->CSTS), KATO, teardown. */
#include <stddef.h>
#include <unistd.h>
#include "targets/nvme/nvme_internal.h"
#include "tests/unit/targets/nvme/nvme_ut.h"

#define CONNECT_BAD_PARAM UT_STATUS(IOP_NVME_SCT_COMMAND_SPECIFIC, \
				    IOP_NVMF_SC_CONNECT_INVALID_PARAMETERS)

static void
expect_param(uint16_t st, const struct iop_nvme_cpl *cpl, uint8_t iattr, uint16_t ipo)
{
	CU_ASSERT_EQUAL(UT_SC(st), CONNECT_BAD_PARAM);
	CU_ASSERT(st & IOP_NVME_STATUS_DNR);
	CU_ASSERT_EQUAL(IOP_NVMF_CPL_IATTR(cpl->cdw0), iattr);
	CU_ASSERT_EQUAL(IOP_NVMF_CPL_IPO(cpl->cdw0), ipo);
}

static void
test_connect_admin_accept(void)
{
	struct ut_env e;
	struct ut_qp q2 = {0};
	struct iop_nvme_cpl cpl;

	ut_env_init(&e, 0);
	CU_ASSERT(e.cntlid >= 1 && e.cntlid <= IOP_NVMF_CNTLID_MAX);
	CU_ASSERT_EQUAL(iop_nvme_qpair_qid(e.admin.qp), 0);
	CU_ASSERT_EQUAL(iop_nvme_qpair_size(e.admin.qp), 32);
	CU_ASSERT_PTR_NOT_NULL(iop_nvme_qpair_ctrlr(e.admin.qp));
	CU_ASSERT_STRING_EQUAL(iop_nvme_ctrlr_hostnqn(iop_nvme_qpair_ctrlr(e.admin.qp)), UT_HOST);
	/* a second association gets another controller ID (dynamic model) */
	CU_ASSERT_EQUAL(iop_nvme_qpair_create(e.pg, IOP_NVMF_TRTYPE_TCP, &ut_qp_ops, &q2, &q2.qp), 0);
	CU_ASSERT_EQUAL(ut_connect(e.pg, q2.qp, 0, 31, 0xffff, UT_NQN, UT_HOST, 0, &cpl), 0);
	CU_ASSERT_NOT_EQUAL(cpl.cdw0 & 0xffff, e.cntlid);
	CU_ASSERT_EQUAL(cpl.sqid, 0);
	/* Connect again on a bound queue: Command Sequence Error */
	CU_ASSERT_EQUAL(UT_SC(ut_connect(e.pg, q2.qp, 0, 31, 0xffff, UT_NQN, UT_HOST, 0, &cpl)),
			IOP_NVME_SC_COMMAND_SEQUENCE_ERROR);
	iop_nvme_qpair_destroy(q2.qp);
	ut_env_fini(&e);
}

static void
test_connect_reject(void)
{
	struct ut_env e;
	struct ut_qp q = {0};
	struct iop_nvme_cpl cpl;
	struct iop_nvme_cmd cmd;
	struct iop_nvmf_connect_data d;
	static const uint8_t hostid[16] = {1, 2, 3, 4};
	struct iop_nvme_subsys *ss2;
	uint16_t st;

	ut_env_init(&e, 0);
	CU_ASSERT_EQUAL(iop_nvme_qpair_create(e.pg, IOP_NVMF_TRTYPE_TCP, &ut_qp_ops, &q, &q.qp), 0);

	/* Test 1: unknown subsystem NQN -> Invalid Parameters, data offset 256 */
	st = ut_connect(e.pg, q.qp, 0, 31, 0xffff, "nqn.2024-01.io.iopath:nope", UT_HOST, 0, &cpl);
	expect_param(st, &cpl, 1, 256);
	/* Test 2: admin SQSIZE below 31 (32 entries minimum) -> SQE offset 44 */
	st = ut_connect(e.pg, q.qp, 0, 30, 0xffff, UT_NQN, UT_HOST, 0, &cpl);
	expect_param(st, &cpl, 0, 44);
	/* Test 3: SQSIZE above MQES */
	st = ut_connect(e.pg, q.qp, 0, 128, 0xffff, UT_NQN, UT_HOST, 0, &cpl);
	expect_param(st, &cpl, 0, 44);
	/* Test 4: admin Connect with a fixed CNTLID in the dynamic model -> data offset 16 */
	st = ut_connect(e.pg, q.qp, 0, 31, 5, UT_NQN, UT_HOST, 0, &cpl);
	expect_param(st, &cpl, 1, 16);
	/* Test 5: RECFMT != 0 -> Connect Incompatible Format */
	iop_nvme_host_build_connect(&cmd, &d, 0, 32, 0xffff, 0, UT_NQN, UT_HOST, hostid);
	((struct iop_nvmf_connect_cmd *)&cmd)->recfmt = 1;
	st = ut_cmd(e.pg, q.qp, &cmd, &d, sizeof(d), &cpl);
	CU_ASSERT_EQUAL(UT_SC(st), UT_STATUS(IOP_NVME_SCT_COMMAND_SPECIFIC,
					     IOP_NVMF_SC_CONNECT_INCOMPATIBLE_FORMAT));
	/* Test 6: host NQN without NUL in 256 bytes -> data offset 512 */
	iop_nvme_host_build_connect(&cmd, &d, 0, 32, 0xffff, 0, UT_NQN, UT_HOST, hostid);
	memset(d.hostnqn, 'a', sizeof(d.hostnqn));
	st = ut_cmd(e.pg, q.qp, &cmd, &d, sizeof(d), &cpl);
	expect_param(st, &cpl, 1, 512);
	/* Test 6b: a host NQN that is not an NQN ("nqn." prefix) -> data offset 512 */
	st = ut_connect(e.pg, q.qp, 0, 31, 0xffff, UT_NQN, "not an nqn", 0, &cpl);
	expect_param(st, &cpl, 1, 512);
	/* Test 7: short Connect data */
	iop_nvme_host_build_connect(&cmd, &d, 0, 32, 0xffff, 0, UT_NQN, UT_HOST, hostid);
	st = ut_cmd(e.pg, q.qp, &cmd, &d, 512, &cpl);
	CU_ASSERT_EQUAL(UT_SC(st), IOP_NVME_SC_DATA_SGL_LENGTH_INVALID);
	/* Test 8: host not on the subsystem's list -> Connect Invalid Host, IPO hostnqn */
	CU_ASSERT_EQUAL(iop_nvme_subsys_create(e.tgt, "nqn.2024-01.io.iopath:closed", NULL, NULL,
					       &ss2), 0);
	st = ut_connect(e.pg, q.qp, 0, 31, 0xffff, "nqn.2024-01.io.iopath:closed", UT_HOST, 0, &cpl);
	CU_ASSERT_EQUAL(UT_SC(st), UT_STATUS(IOP_NVME_SCT_COMMAND_SPECIFIC,
					     IOP_NVMF_SC_CONNECT_INVALID_HOST));
	CU_ASSERT_EQUAL(IOP_NVMF_CPL_IATTR(cpl.cdw0), 1);
	CU_ASSERT_EQUAL(IOP_NVMF_CPL_IPO(cpl.cdw0), 512);
	CU_ASSERT_EQUAL(iop_nvme_subsys_add_host(ss2, UT_HOST), 0);
	CU_ASSERT_EQUAL(ut_connect(e.pg, q.qp, 0, 31, 0xffff, "nqn.2024-01.io.iopath:closed",
				   UT_HOST, 0, &cpl), 0);
	/* the subsystem has a controller now: cannot be removed */
	CU_ASSERT_EQUAL(iop_nvme_subsys_destroy(ss2), -EBUSY);
	iop_nvme_qpair_stop(q.qp);
	iop_nvme_qpair_destroy(q.qp);
	CU_ASSERT_EQUAL(iop_nvme_subsys_destroy(ss2), 0);
	ut_env_fini(&e);
}

static void
test_connect_io(void)
{
	struct ut_env e;
	struct ut_qp q = {0}, q2 = {0};
	struct iop_nvme_cpl cpl;
	uint16_t st;

	ut_env_init(&e, 0);
	CU_ASSERT_EQUAL(iop_nvme_qpair_create(e.pg, IOP_NVMF_TRTYPE_TCP, &ut_qp_ops, &q, &q.qp), 0);
	/* Test 1: unknown controller ID -> data offset 16 */
	st = ut_connect(e.pg, q.qp, 1, 127, e.cntlid + 100, UT_NQN, UT_HOST, 0, &cpl);
	expect_param(st, &cpl, 1, 16);
	/* Test 2: another host NQN for the same controller -> data offset 16 */
	st = ut_connect(e.pg, q.qp, 1, 127, e.cntlid, UT_NQN, "nqn.2024-01.io.iopath:other", 0,
			&cpl);
	expect_param(st, &cpl, 1, 16);
	/* Test 3: QID beyond the queues allocated -> SQE offset 42 */
	st = ut_connect(e.pg, q.qp, 17, 127, e.cntlid, UT_NQN, UT_HOST, 0, &cpl);
	expect_param(st, &cpl, 0, 42);
	/* Test 4: SQSIZE 0 -> SQE offset 44 */
	st = ut_connect(e.pg, q.qp, 1, 0, e.cntlid, UT_NQN, UT_HOST, 0, &cpl);
	expect_param(st, &cpl, 0, 44);
	/* Test 5: good */
	CU_ASSERT_EQUAL(ut_connect(e.pg, q.qp, 1, 127, e.cntlid, UT_NQN, UT_HOST, 0, &cpl), 0);
	CU_ASSERT_EQUAL(cpl.cdw0 & 0xffff, e.cntlid);
	CU_ASSERT_EQUAL(cpl.sqid, 1);
	CU_ASSERT_EQUAL(iop_nvme_qpair_qid(q.qp), 1);
	CU_ASSERT_EQUAL(iop_nvme_qpair_size(q.qp), 128);
	/* Test 6: same QID again -> SQE offset 42 */
	CU_ASSERT_EQUAL(iop_nvme_qpair_create(e.pg, IOP_NVMF_TRTYPE_TCP, &ut_qp_ops, &q2, &q2.qp), 0);
	st = ut_connect(e.pg, q2.qp, 1, 127, e.cntlid, UT_NQN, UT_HOST, 0, &cpl);
	expect_param(st, &cpl, 0, 42);
	iop_nvme_qpair_destroy(q2.qp);
	/* Test 7: a disabled controller (CC.EN=0) takes no I/O queue: Command Sequence Error */
	CU_ASSERT_EQUAL(ut_prop_set(e.pg, e.admin.qp, IOP_NVME_REG_CC, 0), 0);
	CU_ASSERT_EQUAL(q.disconnects, 1);      /* reset dropped the I/O queue */
	CU_ASSERT_EQUAL(q.last_reason, -ECONNRESET);
	CU_ASSERT_EQUAL(iop_nvme_qpair_create(e.pg, IOP_NVMF_TRTYPE_TCP, &ut_qp_ops, &q2, &q2.qp), 0);
	st = ut_connect(e.pg, q2.qp, 2, 127, e.cntlid, UT_NQN, UT_HOST, 0, &cpl);
	CU_ASSERT_EQUAL(UT_SC(st), IOP_NVME_SC_COMMAND_SEQUENCE_ERROR);
	iop_nvme_qpair_destroy(q2.qp);
	iop_nvme_qpair_destroy(q.qp);
	ut_env_fini(&e);
}

static void
test_sequence(void)
{
	struct ut_env e;
	struct ut_qp q = {0};
	struct iop_nvme_cmd cmd;
	struct iop_nvme_cpl cpl;
	uint8_t buf[4096];

	ut_env_init(&e, 0);
	/* before Connect: anything else is a Command Sequence Error */
	CU_ASSERT_EQUAL(iop_nvme_qpair_create(e.pg, IOP_NVMF_TRTYPE_TCP, &ut_qp_ops, &q, &q.qp), 0);
	iop_nvme_host_build_identify(&cmd, IOP_NVME_CNS_CTRLR, 0, 0);
	CU_ASSERT_EQUAL(UT_SC(ut_cmd(e.pg, q.qp, &cmd, buf, sizeof(buf), &cpl)),
			IOP_NVME_SC_COMMAND_SEQUENCE_ERROR);
	CU_ASSERT_EQUAL(cpl.cid, cmd.cid);
	iop_nvme_host_build_prop_get(&cmd, IOP_NVME_REG_CAP, 8);
	CU_ASSERT_EQUAL(UT_SC(ut_cmd(e.pg, q.qp, &cmd, NULL, 0, &cpl)),
			IOP_NVME_SC_COMMAND_SEQUENCE_ERROR);
	/* after Connect, before CC.EN: admin commands fail, properties work */
	CU_ASSERT_EQUAL(ut_connect(e.pg, q.qp, 0, 31, 0xffff, UT_NQN, UT_HOST, 0, &cpl), 0);
	iop_nvme_host_build_identify(&cmd, IOP_NVME_CNS_CTRLR, 0, 0);
	CU_ASSERT_EQUAL(UT_SC(ut_cmd(e.pg, q.qp, &cmd, buf, sizeof(buf), &cpl)),
			IOP_NVME_SC_COMMAND_SEQUENCE_ERROR);
	/* capsules must use SGLs (PSDT 01b) and no fused operations: Invalid Field */
	CU_ASSERT_EQUAL(ut_prop_set(e.pg, q.qp, IOP_NVME_REG_CC, UT_CC_ENABLE), 0);
	{
		static struct ut_req r;
		static const uint8_t bad_flags[] = {0x00, 0x80, 0xc0, 0x41, 0x42};

		for (size_t i = 0; i < sizeof(bad_flags); i++) {
			memset(&r, 0, sizeof(r));
			iop_nvme_host_build_identify(&r.req.cmd, IOP_NVME_CNS_CTRLR, 0, 0);
			r.req.cmd.flags = bad_flags[i];
			iop_nvme_sgl_set_unkeyed(&r.req.cmd.dptr.sgl1, 0, 4096,
						 IOP_NVME_SGL_ID_TCP_HOSTBUF);
			r.req.qpair = q.qp;
			r.req.done = ut_req_done;
			CU_ASSERT_EQUAL(UT_SC(iop_nvme_req_prepare(&r.req)), IOP_NVME_SC_INVALID_FIELD);
			CU_ASSERT_EQUAL(r.req.data_len, 0);     /* no data is to be moved */
			iop_nvme_req_exec(&r.req);
			CU_ASSERT_EQUAL(r.done, 1);
			CU_ASSERT_EQUAL(UT_SC(iop_nvme_cpl_status(&r.req.cpl)),
					IOP_NVME_SC_INVALID_FIELD);
		}
	}
	/* unknown fabrics command type */
	memset(&cmd, 0, sizeof(cmd));
	cmd.opc = IOP_NVME_OPC_FABRIC;
	((struct iop_nvmf_cmd *)&cmd)->fctype = 0x7c;
	CU_ASSERT_EQUAL(UT_SC(ut_cmd(e.pg, q.qp, &cmd, NULL, 0, &cpl)), IOP_NVME_SC_INVALID_OPCODE);
	iop_nvme_qpair_destroy(q.qp);
	ut_env_fini(&e);
}

static void
test_properties(void)
{
	struct ut_env e;
	struct iop_nvme_ctrlr *c;
	uint16_t st;
	uint64_t v;

	ut_env_init(&e, 0);
	c = iop_nvme_qpair_ctrlr(e.admin.qp);
	v = ut_prop_get(e.pg, e.admin.qp, IOP_NVME_REG_CAP, 8, &st);
	CU_ASSERT_EQUAL(st, 0);
	CU_ASSERT_EQUAL(IOP_NVME_CAP_MQES(v), 127);
	CU_ASSERT((v & IOP_NVME_CAP_CQR) != 0);
	CU_ASSERT((v & IOP_NVME_CAP_CSS_NVM) != 0);
	CU_ASSERT(IOP_NVME_CAP_TO(v) > 0);
	v = ut_prop_get(e.pg, e.admin.qp, IOP_NVME_REG_VS, 4, &st);
	CU_ASSERT_EQUAL(v, IOP_NVME_VS_1_4);
	/* wrong size, unknown offset */
	ut_prop_get(e.pg, e.admin.qp, IOP_NVME_REG_CAP, 4, &st);
	CU_ASSERT_EQUAL(UT_SC(st), IOP_NVME_SC_INVALID_FIELD);
	ut_prop_get(e.pg, e.admin.qp, 0x40, 4, &st);
	CU_ASSERT_EQUAL(UT_SC(st), IOP_NVME_SC_INVALID_FIELD);
	/* NSSR is not offered (CAP.NSSRS = 0) */
	CU_ASSERT_EQUAL(UT_SC(ut_prop_set(e.pg, e.admin.qp, IOP_NVME_REG_NSSR, IOP_NVME_NSSR_MAGIC)),
			IOP_NVME_SC_INVALID_FIELD);
	CU_ASSERT_EQUAL(iop_nvme_ctrlr_csts(c), IOP_NVME_CSTS_RDY);
	/* VS is read-only */
	CU_ASSERT_EQUAL(UT_SC(ut_prop_set(e.pg, e.admin.qp, IOP_NVME_REG_VS, 0)),
			IOP_NVME_SC_INVALID_FIELD);
	/* enabled by ut_env_init */
	v = ut_prop_get(e.pg, e.admin.qp, IOP_NVME_REG_CSTS, 4, &st);
	CU_ASSERT_EQUAL(v, IOP_NVME_CSTS_RDY);
	CU_ASSERT_EQUAL(ut_prop_get(e.pg, e.admin.qp, IOP_NVME_REG_CC, 4, &st), UT_CC_ENABLE);
	/* shutdown notification -> SHST complete, RDY stays */
	CU_ASSERT_EQUAL(ut_prop_set(e.pg, e.admin.qp, IOP_NVME_REG_CC,
				    UT_CC_ENABLE | (1u << IOP_NVME_CC_SHN_SHIFT)), 0);
	v = ut_prop_get(e.pg, e.admin.qp, IOP_NVME_REG_CSTS, 4, &st);
	CU_ASSERT_EQUAL(IOP_NVME_CSTS_SHST(v), IOP_NVME_CSTS_SHST_COMPLETE);
	/* disable -> RDY 0, SHST cleared */
	CU_ASSERT_EQUAL(ut_prop_set(e.pg, e.admin.qp, IOP_NVME_REG_CC, 0), 0);
	CU_ASSERT_EQUAL(iop_nvme_ctrlr_csts(c), 0);
	/* enabling with IOSQES 0 on an I/O controller -> CFS, not RDY */
	CU_ASSERT_EQUAL(ut_prop_set(e.pg, e.admin.qp, IOP_NVME_REG_CC, IOP_NVME_CC_EN), 0);
	v = iop_nvme_ctrlr_csts(c);
	CU_ASSERT(v & IOP_NVME_CSTS_CFS);
	CU_ASSERT_FALSE(v & IOP_NVME_CSTS_RDY);
	CU_ASSERT_EQUAL(ut_prop_set(e.pg, e.admin.qp, IOP_NVME_REG_CC, 0), 0);
	CU_ASSERT_EQUAL(ut_prop_set(e.pg, e.admin.qp, IOP_NVME_REG_CC, UT_CC_ENABLE), 0);
	CU_ASSERT_EQUAL(iop_nvme_ctrlr_csts(c), IOP_NVME_CSTS_RDY);
	ut_env_fini(&e);
}

static void
test_kato(void)
{
	struct ut_env e;
	struct iop_nvme_ctrlr *c;
	struct iop_nvme_cmd cmd;
	uint64_t t0;

	ut_env_init(&e, 1500);
	ut_env_io(&e, 1);
	c = iop_nvme_qpair_ctrlr(e.admin.qp);
	CU_ASSERT_EQUAL(iop_nvme_ctrlr_kato(c), 2000);  /* rounded up to the 1 s granularity */
	t0 = iop_now_ns();
	CU_ASSERT_FALSE(nvme_ctrlr_check_kato(c, t0 + 1000000000ull));
	/* a Keep Alive restarts the timer */
	iop_nvme_host_build_keep_alive(&cmd);
	CU_ASSERT_EQUAL(ut_cmd(e.pg, e.admin.qp, &cmd, NULL, 0, NULL), 0);
	t0 = iop_now_ns();
	CU_ASSERT_FALSE(nvme_ctrlr_check_kato(c, t0 + 1900000000ull));
	CU_ASSERT_EQUAL(e.admin.disconnects, 0);
	CU_ASSERT_TRUE(nvme_ctrlr_check_kato(c, t0 + 2100000000ull));
	CU_ASSERT_EQUAL(e.admin.disconnects, 1);
	CU_ASSERT_EQUAL(e.admin.last_reason, -ETIMEDOUT);
	CU_ASSERT_EQUAL(e.io.disconnects, 1);
	CU_ASSERT_EQUAL(e.io.last_reason, -ETIMEDOUT);
	/* reported once */
	CU_ASSERT_FALSE(nvme_ctrlr_check_kato(c, t0 + 5000000000ull));
	CU_ASSERT_EQUAL(e.admin.disconnects, 1);
	ut_env_fini(&e);
}

static void
test_kato_poll(void)
{
	struct ut_env e;
	uint64_t t0;

	/* real time through iop_nvme_pg_poll: 1 s KATO, no keep alive */
	ut_env_init(&e, 1000);
	t0 = iop_now_ns();
	while (!e.admin.disconnects && iop_now_ns() - t0 < 3000000000ull) {
		iop_nvme_pg_poll(e.pg);
		usleep(1000);
	}
	CU_ASSERT_EQUAL(e.admin.disconnects, 1);
	CU_ASSERT(iop_now_ns() - t0 >= 1000000000ull);
	ut_env_fini(&e);
}

static void
test_teardown(void)
{
	struct ut_env e;

	ut_env_init(&e, 0);
	ut_env_io(&e, 3);
	/* admin queue goes away: the association ends, I/O queues are told to go */
	iop_nvme_qpair_stop(e.admin.qp);
	iop_nvme_qpair_destroy(e.admin.qp);
	e.admin.qp = NULL;
	CU_ASSERT_EQUAL(e.io.disconnects, 1);
	CU_ASSERT_EQUAL(e.io.last_reason, -ECONNRESET);
	CU_ASSERT_EQUAL(iop_nvme_subsys_destroy(e.ss), -EBUSY);  /* I/O queue holds it */
	iop_nvme_qpair_stop(e.io.qp);
	iop_nvme_qpair_destroy(e.io.qp);
	e.io.qp = NULL;
	CU_ASSERT_EQUAL(iop_nvme_subsys_remove_ns(e.ss, 1), 0);
	CU_ASSERT_EQUAL(iop_nvme_subsys_destroy(e.ss), 0);
	ut_env_fini(&e);
}

static void
test_disconnect_cmd(void)
{
	struct ut_env e;
	struct iop_nvme_cmd cmd;

	ut_env_init(&e, 0);
	ut_env_io(&e, 1);
	iop_nvme_host_build_disconnect(&cmd);
	CU_ASSERT_EQUAL(ut_cmd(e.pg, e.io.qp, &cmd, NULL, 0, NULL), 0);
	CU_ASSERT_EQUAL(e.io.disconnects, 1);
	CU_ASSERT_EQUAL(e.io.last_reason, -ESHUTDOWN);
	ut_env_fini(&e);
}

IOP_UT_MAIN("nvme_fabrics", IOP_UT(test_connect_admin_accept), IOP_UT(test_connect_reject),
	    IOP_UT(test_connect_io), IOP_UT(test_sequence), IOP_UT(test_properties),
	    IOP_UT(test_kato), IOP_UT(test_kato_poll), IOP_UT(test_teardown),
	    IOP_UT(test_disconnect_cmd))
