/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: admin commands: Identify fields, features, log page offsets, AER, bad opcodes. */
#include <stddef.h>
#include "iopath/log.h"
#include "targets/nvme/nvme_internal.h"
#include "tests/unit/targets/nvme/nvme_ut.h"

static uint8_t g_buf[8192];

static uint16_t
identify(struct ut_env *e, uint8_t cns, uint32_t nsid)
{
	struct iop_nvme_cmd cmd;

	memset(g_buf, 0xa5, sizeof(g_buf));
	iop_nvme_host_build_identify(&cmd, cns, nsid, 0);
	return ut_cmd(e->pg, e->admin.qp, &cmd, g_buf, 4096, NULL);
}

static void
test_identify_ctrlr(void)
{
	struct ut_env e;
	struct iop_nvme_id_ctrlr *id = (struct iop_nvme_id_ctrlr *)g_buf;

	ut_env_init(&e, 0);
	CU_ASSERT_EQUAL(identify(&e, IOP_NVME_CNS_CTRLR, 0), 0);
	CU_ASSERT_EQUAL(memcmp(id->sn, "SN1                 ", 20), 0);
	CU_ASSERT_EQUAL(memcmp(id->mn, "MODEL1 ", 7), 0);
	CU_ASSERT_EQUAL(id->cntlid, e.cntlid);
	CU_ASSERT_EQUAL(id->ver, IOP_NVME_VS_1_4);
	CU_ASSERT_EQUAL(id->cntrltype, IOP_NVME_CNTRLTYPE_IO);
	CU_ASSERT_EQUAL(id->mdts, 5);                  /* 128 KiB / 4 KiB = 2^5 */
	CU_ASSERT_EQUAL(id->nn, IOP_NVME_MAX_NS);
	CU_ASSERT_EQUAL(id->sqes, 0x66);
	CU_ASSERT_EQUAL(id->cqes, 0x44);
	CU_ASSERT_EQUAL(id->ioccsz, (64 + 8192) / 16);
	CU_ASSERT_EQUAL(id->iorcsz, 1);
	CU_ASSERT_EQUAL(id->msdbd, 1);
	CU_ASSERT(id->sgls & IOP_NVME_SGLS_SUPPORTED);
	CU_ASSERT(id->sgls & IOP_NVME_SGLS_OFFSET);
	CU_ASSERT(id->oncs & IOP_NVME_ONCS_DSM);
	CU_ASSERT(id->oncs & IOP_NVME_ONCS_WRITE_ZEROES);
	CU_ASSERT(id->vwc & IOP_NVME_VWC_PRESENT);     /* the test backend has a volatile cache */
	CU_ASSERT_EQUAL(id->kas, 10);
	CU_ASSERT_EQUAL(id->aerl, IOP_NVME_MAX_AER - 1);
	CU_ASSERT(id->lpa & IOP_NVME_LPA_EXT_DATA);
	CU_ASSERT_STRING_EQUAL(id->subnqn, UT_NQN);
	CU_ASSERT_EQUAL(g_buf[4096], 0xa5);             /* nothing written past 4 KiB */
	ut_env_fini(&e);
}

static void
test_identify_ns(void)
{
	struct ut_env e;
	struct iop_nvme_id_ns *ns = (struct iop_nvme_id_ns *)g_buf;
	uint32_t *list = (uint32_t *)g_buf;
	struct iop_backend *be2 = ut_ram_new(64 * 4096, 4096);
	static const uint8_t zero[16];
	uint8_t *p = g_buf;

	ut_env_init(&e, 0);
	CU_ASSERT_EQUAL(iop_nvme_subsys_add_ns(e.ss, be2, 7, NULL), 0);
	CU_ASSERT_EQUAL(identify(&e, IOP_NVME_CNS_NS, 1), 0);
	CU_ASSERT_EQUAL(ns->nsze, 2048);
	CU_ASSERT_EQUAL(ns->ncap, 2048);
	CU_ASSERT_EQUAL(ns->nlbaf, 0);
	CU_ASSERT_EQUAL(ns->lbaf[0].lbads, 9);
	CU_ASSERT_NOT_EQUAL(memcmp(ns->nguid, zero, 16), 0);
	CU_ASSERT_EQUAL(identify(&e, IOP_NVME_CNS_NS, 7), 0);
	CU_ASSERT_EQUAL(ns->nsze, 64);
	CU_ASSERT_EQUAL(ns->lbaf[0].lbads, 12);
	/* inactive NSID in range: zero-filled, success */
	CU_ASSERT_EQUAL(identify(&e, IOP_NVME_CNS_NS, 3), 0);
	CU_ASSERT_EQUAL(ns->nsze, 0);
	CU_ASSERT_EQUAL(g_buf[4095], 0);
	/* NSID 0 and beyond NN: Invalid Namespace or Format */
	CU_ASSERT_EQUAL(UT_SC(identify(&e, IOP_NVME_CNS_NS, 0)),
			IOP_NVME_SC_INVALID_NAMESPACE_OR_FORMAT);
	CU_ASSERT_EQUAL(UT_SC(identify(&e, IOP_NVME_CNS_NS, 33)),
			IOP_NVME_SC_INVALID_NAMESPACE_OR_FORMAT);
	/* active namespace list, all and above 1 */
	CU_ASSERT_EQUAL(identify(&e, IOP_NVME_CNS_ACTIVE_NS_LIST, 0), 0);
	CU_ASSERT_EQUAL(list[0], 1);
	CU_ASSERT_EQUAL(list[1], 7);
	CU_ASSERT_EQUAL(list[2], 0);
	CU_ASSERT_EQUAL(identify(&e, IOP_NVME_CNS_ACTIVE_NS_LIST, 1), 0);
	CU_ASSERT_EQUAL(list[0], 7);
	CU_ASSERT_EQUAL(list[1], 0);
	CU_ASSERT_EQUAL(UT_SC(identify(&e, IOP_NVME_CNS_ACTIVE_NS_LIST, 0xfffffffe)),
			IOP_NVME_SC_INVALID_NAMESPACE_OR_FORMAT);
	/* descriptor list: NGUID, UUID, CSI, then zero */
	CU_ASSERT_EQUAL(identify(&e, IOP_NVME_CNS_NS_DESC_LIST, 1), 0);
	CU_ASSERT_EQUAL(p[0], IOP_NVME_NIDT_NGUID);
	CU_ASSERT_EQUAL(p[1], 16);
	p += 4 + 16;
	CU_ASSERT_EQUAL(p[0], IOP_NVME_NIDT_UUID);
	CU_ASSERT_EQUAL(p[1], 16);
	CU_ASSERT_EQUAL(p[4 + 6] >> 4, 4);              /* UUID version 4 */
	p += 4 + 16;
	CU_ASSERT_EQUAL(p[0], IOP_NVME_NIDT_CSI);
	CU_ASSERT_EQUAL(p[1], 1);
	CU_ASSERT_EQUAL(p[4], IOP_NVME_CSI_NVM);
	p += 4 + 1;
	CU_ASSERT_EQUAL(p[0], 0);
	CU_ASSERT_EQUAL(UT_SC(identify(&e, IOP_NVME_CNS_NS_DESC_LIST, 3)),
			IOP_NVME_SC_INVALID_NAMESPACE_OR_FORMAT);
	/* NVM command set specific controller / namespace: zero-filled; other CSI refused */
	CU_ASSERT_EQUAL(identify(&e, IOP_NVME_CNS_CSI_CTRLR, 0), 0);
	CU_ASSERT_EQUAL(g_buf[0], 0);
	CU_ASSERT_EQUAL(identify(&e, IOP_NVME_CNS_CSI_NS, 1), 0);
	CU_ASSERT_EQUAL(UT_SC(identify(&e, IOP_NVME_CNS_CSI_NS, 4)),
			IOP_NVME_SC_INVALID_NAMESPACE_OR_FORMAT);
	{
		struct iop_nvme_cmd cmd;

		iop_nvme_host_build_identify(&cmd, IOP_NVME_CNS_CSI_CTRLR, 0, 0);
		cmd.cdw11 = 2u << 24;   /* zoned */
		CU_ASSERT_EQUAL(UT_SC(ut_cmd(e.pg, e.admin.qp, &cmd, g_buf, 4096, NULL)),
				IOP_NVME_SC_INVALID_FIELD);
	}
	/* unsupported CNS */
	CU_ASSERT_EQUAL(UT_SC(identify(&e, 0x1f, 0)), IOP_NVME_SC_INVALID_FIELD);
	ut_env_fini(&e);
	ut_ram_close(be2);
}

static uint16_t
features(struct ut_env *e, bool set, uint8_t fid, uint32_t cdw11, uint32_t *cdw0)
{
	struct iop_nvme_cmd cmd;
	struct iop_nvme_cpl cpl;
	uint16_t st;

	if (set) {
		iop_nvme_host_build_set_features(&cmd, fid, cdw11);
	} else {
		iop_nvme_host_build_get_features(&cmd, fid, cdw11);
	}
	st = ut_cmd(e->pg, e->admin.qp, &cmd, NULL, 0, &cpl);
	if (cdw0) {
		*cdw0 = cpl.cdw0;
	}
	return st;
}

static void
test_features(void)
{
	struct ut_env e;
	struct iop_nvme_cmd cmd;
	uint32_t v;

	ut_env_init(&e, 0);
	/* Number of Queues: the allocation (16) is reported 0's based */
	CU_ASSERT_EQUAL(features(&e, true, IOP_NVME_FEAT_NUMBER_OF_QUEUES,
				 IOP_NVME_NQ_VALUE(4, 4), &v), 0);
	CU_ASSERT_EQUAL(IOP_NVME_NQ_NSQ(v), 16);
	CU_ASSERT_EQUAL(IOP_NVME_NQ_NCQ(v), 16);
	CU_ASSERT_EQUAL(UT_SC(features(&e, true, IOP_NVME_FEAT_NUMBER_OF_QUEUES, 0xffff, &v)),
			IOP_NVME_SC_INVALID_FIELD);
	CU_ASSERT_EQUAL(features(&e, false, IOP_NVME_FEAT_NUMBER_OF_QUEUES, 0, &v), 0);
	CU_ASSERT_EQUAL(IOP_NVME_NQ_NSQ(v), 16);
	/* once an I/O queue exists: Command Sequence Error */
	ut_env_io(&e, 1);
	CU_ASSERT_EQUAL(UT_SC(features(&e, true, IOP_NVME_FEAT_NUMBER_OF_QUEUES,
				       IOP_NVME_NQ_VALUE(2, 2), &v)),
			IOP_NVME_SC_COMMAND_SEQUENCE_ERROR);
	/* Keep Alive Timer */
	CU_ASSERT_EQUAL(features(&e, true, IOP_NVME_FEAT_KEEP_ALIVE_TIMER, 5000, NULL), 0);
	CU_ASSERT_EQUAL(features(&e, false, IOP_NVME_FEAT_KEEP_ALIVE_TIMER, 0, &v), 0);
	CU_ASSERT_EQUAL(v, 5000);
	/* Volatile Write Cache */
	CU_ASSERT_EQUAL(features(&e, false, IOP_NVME_FEAT_VOLATILE_WRITE_CACHE, 0, &v), 0);
	CU_ASSERT_EQUAL(v, 1);
	CU_ASSERT_EQUAL(features(&e, true, IOP_NVME_FEAT_VOLATILE_WRITE_CACHE, 0, NULL), 0);
	CU_ASSERT_EQUAL(features(&e, false, IOP_NVME_FEAT_VOLATILE_WRITE_CACHE, 0, &v), 0);
	CU_ASSERT_EQUAL(v, 0);
	/* Async Event Configuration keeps supported bits only */
	CU_ASSERT_EQUAL(features(&e, true, IOP_NVME_FEAT_ASYNC_EVENT_CONFIG, 0xffffffff, NULL), 0);
	CU_ASSERT_EQUAL(features(&e, false, IOP_NVME_FEAT_ASYNC_EVENT_CONFIG, 0, &v), 0);
	CU_ASSERT_EQUAL(v, IOP_NVME_AEC_NS_ATTR | IOP_NVME_AEC_SMART_MASK);
	/* Arbitration / Power Management */
	CU_ASSERT_EQUAL(features(&e, false, IOP_NVME_FEAT_ARBITRATION, 0, &v), 0);
	CU_ASSERT_EQUAL(features(&e, true, IOP_NVME_FEAT_POWER_MANAGEMENT, 0, NULL), 0);
	CU_ASSERT_EQUAL(UT_SC(features(&e, true, IOP_NVME_FEAT_POWER_MANAGEMENT, 3, NULL)),
			IOP_NVME_SC_INVALID_FIELD);
	/* SEL: default vs current, capabilities, reserved selector */
	{
		static const struct {
			uint8_t fid, sel;
			uint16_t sc;
			uint32_t v;
		} t[] = {
			{IOP_NVME_FEAT_KEEP_ALIVE_TIMER, IOP_NVME_FEAT_SEL_DEFAULT, 0, 0},
			{IOP_NVME_FEAT_KEEP_ALIVE_TIMER, IOP_NVME_FEAT_SEL_SAVED, 0, 5000},
			{IOP_NVME_FEAT_KEEP_ALIVE_TIMER, IOP_NVME_FEAT_SEL_SUPPORTED, 0, 1u << 2},
			{IOP_NVME_FEAT_VOLATILE_WRITE_CACHE, IOP_NVME_FEAT_SEL_DEFAULT, 0, 1},
			{IOP_NVME_FEAT_ARBITRATION, 4, IOP_NVME_SC_INVALID_FIELD, 0},
		};
		struct iop_nvme_cpl cpl;

		for (size_t i = 0; i < IOP_ARRAY_SIZE(t); i++) {
			iop_nvme_host_build_get_features(&cmd, t[i].fid, 0);
			cmd.cdw10 |= (uint32_t)t[i].sel << 8;
			CU_ASSERT_EQUAL(UT_SC(ut_cmd(e.pg, e.admin.qp, &cmd, NULL, 0, &cpl)), t[i].sc);
			if (!t[i].sc) {
				CU_ASSERT_EQUAL(cpl.cdw0, t[i].v);
			}
		}
	}
	/* Host Identifier: the 16-byte host ID of Connect, EXHID required */
	{
		static const uint8_t hostid[16] = {1, 2, 3, 4};
		uint8_t hid[16];

		iop_nvme_host_build_get_features(&cmd, IOP_NVME_FEAT_HOST_IDENTIFIER, 1);
		CU_ASSERT_EQUAL(ut_cmd(e.pg, e.admin.qp, &cmd, hid, sizeof(hid), NULL), 0);
		CU_ASSERT_EQUAL(memcmp(hid, hostid, 16), 0);
		iop_nvme_host_build_get_features(&cmd, IOP_NVME_FEAT_HOST_IDENTIFIER, 0);
		CU_ASSERT_EQUAL(UT_SC(ut_cmd(e.pg, e.admin.qp, &cmd, hid, sizeof(hid), NULL)),
				IOP_NVME_SC_INVALID_FIELD);
	}
	/* unknown feature, saveable request */
	CU_ASSERT_EQUAL(UT_SC(features(&e, false, 0x7e, 0, NULL)), IOP_NVME_SC_INVALID_FIELD);
	iop_nvme_host_build_set_features(&cmd, IOP_NVME_FEAT_ARBITRATION, 0);
	cmd.cdw10 |= IOP_NVME_FEAT_SV;
	CU_ASSERT_EQUAL(UT_SC(ut_cmd(e.pg, e.admin.qp, &cmd, NULL, 0, NULL)),
			UT_STATUS(IOP_NVME_SCT_COMMAND_SPECIFIC,
				  IOP_NVME_SC_FEATURE_ID_NOT_SAVEABLE));
	ut_env_fini(&e);
}

static uint16_t
get_log(struct ut_env *e, uint8_t lid, uint64_t off, uint32_t len, uint32_t bufl)
{
	struct iop_nvme_cmd cmd;

	memset(g_buf, 0xa5, sizeof(g_buf));
	iop_nvme_host_build_get_log(&cmd, lid, 0xffffffff, off, len);
	return ut_cmd(e->pg, e->admin.qp, &cmd, g_buf, bufl, NULL);
}

static void
test_log_pages(void)
{
	struct ut_env e;
	struct iop_nvme_cmd cmd;
	struct iop_nvme_health_log *h = (struct iop_nvme_health_log *)g_buf;
	struct iop_nvme_error_log *el = (struct iop_nvme_error_log *)g_buf;
	struct iop_nvme_cmd_effects_log *fx = (struct iop_nvme_cmd_effects_log *)g_buf;
	uint8_t data[4096] = {1};
	uint64_t cnt;

	ut_env_init(&e, 0);
	ut_env_io(&e, 1);
	/* two 8-block writes */
	for (int i = 0; i < 2; i++) {
		memset(&cmd, 0, sizeof(cmd));
		cmd.opc = IOP_NVME_OPC_WRITE;
		cmd.nsid = 1;
		cmd.cdw12 = 7;
		CU_ASSERT_EQUAL(ut_cmd(e.pg, e.io.qp, &cmd, data, 4096, NULL), 0);
	}
	/* SMART */
	CU_ASSERT_EQUAL(get_log(&e, IOP_NVME_LOG_HEALTH, 0, 512, 512), 0);
	memcpy(&cnt, h->host_write_commands, 8);
	CU_ASSERT_EQUAL(cnt, 2);
	memcpy(&cnt, h->data_units_written, 8);
	CU_ASSERT_EQUAL(cnt, 1);                        /* 8 KiB rounds up to one unit */
	CU_ASSERT_EQUAL(h->avail_spare, 100);
	/* a failing command lands in the error log */
	memset(&cmd, 0, sizeof(cmd));
	cmd.opc = 0x7e;
	cmd.cid = 0x1234;
	CU_ASSERT_EQUAL(UT_SC(ut_cmd(e.pg, e.admin.qp, &cmd, NULL, 0, NULL)),
			IOP_NVME_SC_INVALID_OPCODE);
	CU_ASSERT_EQUAL(get_log(&e, IOP_NVME_LOG_ERROR, 0, 64, 64), 0);
	CU_ASSERT_EQUAL(el[0].error_count, 1);
	CU_ASSERT_EQUAL(el[0].cid, 0x1234);
	CU_ASSERT_EQUAL(el[0].sqid, 0);
	CU_ASSERT_EQUAL((el[0].status >> 1) & 0x7ff, IOP_NVME_SC_INVALID_OPCODE);
	CU_ASSERT_EQUAL(g_buf[64], 0xa5);               /* exactly NUMD dwords */
	/* commands supported and effects; full page, then 8 bytes at offset 8 (LPOL) */
	CU_ASSERT_EQUAL(get_log(&e, IOP_NVME_LOG_COMMAND_EFFECTS, 0, 4096, 4096), 0);
	CU_ASSERT_EQUAL(fx->acs[IOP_NVME_OPC_IDENTIFY], IOP_NVME_CSE_CSUPP);
	CU_ASSERT_EQUAL(fx->acs[IOP_NVME_OPC_CREATE_IO_SQ], 0);      /* fabrics: no */
	CU_ASSERT_EQUAL(fx->iocs[IOP_NVME_OPC_WRITE], IOP_NVME_CSE_CSUPP | IOP_NVME_CSE_LBCC);
	CU_ASSERT_EQUAL(get_log(&e, IOP_NVME_LOG_COMMAND_EFFECTS, 6 * 4, 8, 8), 0);
	CU_ASSERT_EQUAL(((uint32_t *)g_buf)[0], IOP_NVME_CSE_CSUPP); /* acs[6] Identify */
	CU_ASSERT_EQUAL(((uint32_t *)g_buf)[1], 0);                  /* acs[7] */
	/* offset into the I/O part: iocs[1] (Write) is at 1024 + 4 */
	CU_ASSERT_EQUAL(get_log(&e, IOP_NVME_LOG_COMMAND_EFFECTS, 1028, 4, 4), 0);
	CU_ASSERT_EQUAL(((uint32_t *)g_buf)[0], IOP_NVME_CSE_CSUPP | IOP_NVME_CSE_LBCC);
	/* reading past the end of a 512-byte page zero-fills */
	CU_ASSERT_EQUAL(get_log(&e, IOP_NVME_LOG_HEALTH, 256, 512, 512), 0);
	CU_ASSERT_EQUAL(g_buf[511], 0);
	/* offset beyond the page, unaligned offset */
	CU_ASSERT_EQUAL(UT_SC(get_log(&e, IOP_NVME_LOG_HEALTH, 516, 4, 4)),
			IOP_NVME_SC_INVALID_FIELD);
	CU_ASSERT_EQUAL(UT_SC(get_log(&e, IOP_NVME_LOG_HEALTH, 2, 4, 4)),
			IOP_NVME_SC_INVALID_FIELD);
	/* NUMD larger than the buffer the host described */
	CU_ASSERT_EQUAL(UT_SC(get_log(&e, IOP_NVME_LOG_HEALTH, 0, 512, 256)),
			IOP_NVME_SC_DATA_SGL_LENGTH_INVALID);
	/* NUMD of 2^32 dwords does not wrap to a zero-length transfer */
	iop_nvme_host_build_get_log(&cmd, IOP_NVME_LOG_HEALTH, 0xffffffff, 0, 4);
	cmd.cdw10 |= 0xffffu << 16;
	cmd.cdw11 = 0xffff;
	CU_ASSERT_EQUAL(UT_SC(ut_cmd(e.pg, e.admin.qp, &cmd, g_buf, 512, NULL)),
			IOP_NVME_SC_DATA_SGL_LENGTH_INVALID);
	/* NUMDU: a 256 KiB request is beyond MDTS for this target (128 KiB) */
	CU_ASSERT_EQUAL(UT_SC(get_log(&e, IOP_NVME_LOG_COMMAND_EFFECTS, 0, 256 * 1024, 256 * 1024)),
			IOP_NVME_SC_INVALID_FIELD);
	/* discovery log on an I/O controller and an unknown page */
	CU_ASSERT_EQUAL(UT_SC(get_log(&e, IOP_NVME_LOG_DISCOVERY, 0, 1024, 1024)),
			UT_STATUS(IOP_NVME_SCT_COMMAND_SPECIFIC, IOP_NVME_SC_INVALID_LOG_PAGE));
	CU_ASSERT_EQUAL(UT_SC(get_log(&e, 0xc9, 0, 4, 4)),
			UT_STATUS(IOP_NVME_SCT_COMMAND_SPECIFIC, IOP_NVME_SC_INVALID_LOG_PAGE));
	/* firmware slot */
	CU_ASSERT_EQUAL(get_log(&e, IOP_NVME_LOG_FIRMWARE_SLOT, 0, 512, 512), 0);
	CU_ASSERT_EQUAL(g_buf[0], 1);
	CU_ASSERT_EQUAL(memcmp(g_buf + 8, "1.0     ", 8), 0);
	ut_env_fini(&e);
}

static void
test_aer(void)
{
	struct ut_env e;
	struct ut_req aer[IOP_NVME_MAX_AER + 1];
	struct iop_nvme_cmd cmd;
	struct iop_nvme_ctrlr *c;
	struct iop_backend *be2 = ut_ram_new(4096 * 4, 512);
	uint32_t *list = (uint32_t *)g_buf;

	ut_env_init(&e, 0);
	c = iop_nvme_qpair_ctrlr(e.admin.qp);
	CU_ASSERT_EQUAL(features(&e, true, IOP_NVME_FEAT_ASYNC_EVENT_CONFIG, IOP_NVME_AEC_NS_ATTR,
				 NULL), 0);
	memset(&cmd, 0, sizeof(cmd));
	cmd.opc = IOP_NVME_OPC_ASYNC_EVENT_REQUEST;
	for (int i = 0; i < IOP_NVME_MAX_AER; i++) {
		cmd.cid = (uint16_t)(100 + i);
		ut_submit(e.admin.qp, &aer[i], &cmd, NULL, 0);
		CU_ASSERT_EQUAL(aer[i].done, 0);        /* held */
	}
	CU_ASSERT_EQUAL(iop_nvme_qpair_inflight(e.admin.qp), IOP_NVME_MAX_AER);
	/* one too many */
	ut_submit(e.admin.qp, &aer[IOP_NVME_MAX_AER], &cmd, NULL, 0);
	CU_ASSERT_EQUAL(aer[IOP_NVME_MAX_AER].done, 1);
	CU_ASSERT_EQUAL(UT_SC(iop_nvme_cpl_status(&aer[IOP_NVME_MAX_AER].req.cpl)),
			UT_STATUS(IOP_NVME_SCT_COMMAND_SPECIFIC,
				  IOP_NVME_SC_ASYNC_EVENT_REQUEST_LIMIT_EXCEEDED));
	/* a namespace appears: one AER completes with the notice */
	CU_ASSERT_EQUAL(iop_nvme_subsys_add_ns(e.ss, be2, 5, NULL), 0);
	nvme_ctrlr_deliver_events(c);
	{
		int done = 0, idx = -1;

		for (int i = 0; i < IOP_NVME_MAX_AER; i++) {
			if (aer[i].done) {
				done++;
				idx = i;
			}
		}
		CU_ASSERT_EQUAL(done, 1);
		if (idx >= 0) {
			CU_ASSERT_EQUAL(iop_nvme_cpl_status(&aer[idx].req.cpl), 0);
			CU_ASSERT_EQUAL(aer[idx].req.cpl.cdw0,
					IOP_NVME_AER_CDW0(IOP_NVME_AER_TYPE_NOTICE,
							  IOP_NVME_AER_NOTICE_NS_ATTR_CHANGED,
							  IOP_NVME_LOG_CHANGED_NS_LIST));
		}
	}
	/* masked until the Changed Namespace List is read */
	CU_ASSERT_EQUAL(iop_nvme_subsys_remove_ns(e.ss, 5), -EBUSY);
	CU_ASSERT_EQUAL(get_log(&e, IOP_NVME_LOG_CHANGED_NS_LIST, 0, 4096, 4096), 0);
	CU_ASSERT_EQUAL(list[0], 5);
	CU_ASSERT_EQUAL(list[1], 0);
	CU_ASSERT_EQUAL(get_log(&e, IOP_NVME_LOG_CHANGED_NS_LIST, 0, 4096, 4096), 0);
	CU_ASSERT_EQUAL(list[0], 0);                    /* cleared by the read */
	/* Abort of a held AER aborts it; of an unknown CID reports "not aborted" */
	{
		struct iop_nvme_cpl cpl;
		int victim = -1, left = 0;

		for (int i = 0; i < IOP_NVME_MAX_AER; i++) {
			if (!aer[i].done) {
				victim = i;
			}
		}
		CU_ASSERT_FATAL(victim >= 0);
		memset(&cmd, 0, sizeof(cmd));
		cmd.opc = IOP_NVME_OPC_ABORT;
		cmd.cdw10 = (uint32_t)(100 + victim) << 16;
		CU_ASSERT_EQUAL(ut_cmd(e.pg, e.admin.qp, &cmd, NULL, 0, &cpl), 0);
		CU_ASSERT_EQUAL(cpl.cdw0 & 1, 0);
		CU_ASSERT_EQUAL(aer[victim].done, 1);
		CU_ASSERT_EQUAL(UT_SC(iop_nvme_cpl_status(&aer[victim].req.cpl)),
				IOP_NVME_SC_ABORTED_BY_REQUEST);
		CU_ASSERT_FALSE(iop_nvme_cpl_dnr(&aer[victim].req.cpl));
		CU_ASSERT_EQUAL(ut_cmd(e.pg, e.admin.qp, &cmd, NULL, 0, &cpl), 0);
		CU_ASSERT_EQUAL(cpl.cdw0 & 1, IOP_NVME_ABORT_NOT_ABORTED);
		for (int i = 0; i < IOP_NVME_MAX_AER; i++) {
			left += !aer[i].done;
		}
		CU_ASSERT_EQUAL(left, IOP_NVME_MAX_AER - 2);
	}
	/* teardown aborts the held ones */
	iop_nvme_qpair_stop(e.admin.qp);
	for (int i = 0; i < IOP_NVME_MAX_AER; i++) {
		CU_ASSERT_EQUAL(aer[i].done, 1);
	}
	CU_ASSERT_EQUAL(iop_nvme_qpair_inflight(e.admin.qp), 0);
	ut_env_fini(&e);
	ut_ram_close(be2);
}

static void
test_misc_admin(void)
{
	struct ut_env e;
	struct iop_nvme_cmd cmd;
	struct iop_nvme_cpl cpl;

	ut_env_init(&e, 0);
	memset(&cmd, 0, sizeof(cmd));
	cmd.opc = IOP_NVME_OPC_ABORT;
	cmd.cdw10 = 1 | 5u << 16;
	CU_ASSERT_EQUAL(ut_cmd(e.pg, e.admin.qp, &cmd, NULL, 0, &cpl), 0);
	CU_ASSERT_EQUAL(cpl.cdw0 & 1, IOP_NVME_ABORT_NOT_ABORTED);
	/* PCIe queue commands are not fabrics commands */
	cmd.opc = IOP_NVME_OPC_CREATE_IO_SQ;
	CU_ASSERT_EQUAL(UT_SC(ut_cmd(e.pg, e.admin.qp, &cmd, NULL, 0, &cpl)),
			IOP_NVME_SC_INVALID_OPCODE);
	CU_ASSERT(iop_nvme_cpl_dnr(&cpl));
	cmd.opc = IOP_NVME_OPC_FORMAT_NVM;
	iop_log_enable("nvme");         /* the failure is also logged with --log=nvme */
	CU_ASSERT_EQUAL(UT_SC(ut_cmd(e.pg, e.admin.qp, &cmd, NULL, 0, &cpl)),
			IOP_NVME_SC_INVALID_OPCODE);
	iop_log_enable("");
	CU_ASSERT_STRING_EQUAL(iop_nvme_status_str(IOP_NVME_SC_INVALID_OPCODE),
			       "Invalid Command Opcode");
	ut_env_fini(&e);
}

IOP_UT_MAIN("nvme_admin", IOP_UT(test_identify_ctrlr), IOP_UT(test_identify_ns),
	    IOP_UT(test_features), IOP_UT(test_log_pages), IOP_UT(test_aer),
	    IOP_UT(test_misc_admin))
