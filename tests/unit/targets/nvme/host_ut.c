/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: host driver core: CIDs, SQE building, errno mapping, bring-up against the core. */
#include <stdint.h>
#include "targets/nvme/nvme_internal.h"
#include "tests/unit/targets/nvme/nvme_ut.h"

static void
test_hq(void)
{
	struct iop_nvme_hq q;
	struct iop_io io[4];
	struct iop_nvme_cmd cmd;
	struct iop_nvme_cpl cpl = {0};
	uint16_t st;
	int cids[4];

	CU_ASSERT_EQUAL(iop_nvme_hq_init(&q, 1, 0), -EINVAL);
	CU_ASSERT_EQUAL(iop_nvme_hq_init(&q, 1, 3), 0);
	for (int i = 0; i < 3; i++) {
		memset(&io[i], 0, sizeof(io[i]));
		io[i].op = IOP_OP_READ;
		io[i].offset = 4096ull * i;
		io[i].len = 4096;
		cids[i] = iop_nvme_hq_build_io(&q, &io[i], 1, 9, &cmd);
		CU_ASSERT(cids[i] >= 0);
		CU_ASSERT_EQUAL(cmd.cid, cids[i]);
		CU_ASSERT_EQUAL(cmd.opc, IOP_NVME_OPC_READ);
		CU_ASSERT_EQUAL(cmd.nsid, 1);
		CU_ASSERT_EQUAL(iop_nvme_cmd_slba(&cmd), 8ull * i);
		CU_ASSERT_EQUAL(cmd.cdw12, 7);
	}
	CU_ASSERT_EQUAL(q.outstanding, 3);
	/* full */
	memset(&io[3], 0, sizeof(io[3]));
	io[3].op = IOP_OP_FLUSH;
	CU_ASSERT_EQUAL(iop_nvme_hq_build_io(&q, &io[3], 1, 9, &cmd), -EAGAIN);
	/* CQEs in another order; status mapped into io->status */
	cpl.cid = (uint16_t)cids[1];
	iop_nvme_cpl_set_status(&cpl, IOP_NVME_STATUS(0, IOP_NVME_SC_LBA_OUT_OF_RANGE) |
					      IOP_NVME_STATUS_DNR);
	CU_ASSERT_PTR_EQUAL(iop_nvme_hq_complete(&q, &cpl, &st), &io[1]);
	CU_ASSERT_EQUAL(io[1].status, -ERANGE);
	CU_ASSERT_EQUAL(st & 0x7ff, IOP_NVME_SC_LBA_OUT_OF_RANGE);
	/* the same CID again (duplicate CQE) is rejected */
	CU_ASSERT_PTR_NULL(iop_nvme_hq_complete(&q, &cpl, &st));
	/* a fresh command on the released slot gets a different CID (generation) */
	io[3].op = IOP_OP_FLUSH;
	cids[3] = iop_nvme_hq_build_io(&q, &io[3], 1, 9, &cmd);
	CU_ASSERT(cids[3] >= 0);
	CU_ASSERT_NOT_EQUAL(cids[3], cids[1]);
	CU_ASSERT_EQUAL(cids[3] & 0xfff, cids[1] & 0xfff);
	CU_ASSERT_EQUAL(cmd.opc, IOP_NVME_OPC_FLUSH);
	CU_ASSERT_PTR_NULL(iop_nvme_hq_lookup(&q, (uint16_t)cids[1]));
	CU_ASSERT_PTR_EQUAL(iop_nvme_hq_lookup(&q, (uint16_t)cids[3]), &io[3]);
	cpl.cid = (uint16_t)cids[0];
	iop_nvme_cpl_set_status(&cpl, 0);
	CU_ASSERT_PTR_EQUAL(iop_nvme_hq_complete(&q, &cpl, &st), &io[0]);
	CU_ASSERT_EQUAL(io[0].status, 0);
	/* drain the rest */
	CU_ASSERT_EQUAL(iop_nvme_hq_drain(&q, NULL, NULL), 2);
	CU_ASSERT_EQUAL(q.outstanding, 0);
	/* bad I/Os */
	io[0].op = IOP_OP_WRITE;
	io[0].offset = 100;
	CU_ASSERT_EQUAL(iop_nvme_hq_build_io(&q, &io[0], 1, 9, &cmd), -EINVAL);
	io[0].offset = 0;
	io[0].len = 0;
	CU_ASSERT_EQUAL(iop_nvme_hq_build_io(&q, &io[0], 1, 9, &cmd), -EINVAL);
	io[0].len = 65537ull * 512;
	CU_ASSERT_EQUAL(iop_nvme_hq_build_io(&q, &io[0], 1, 9, &cmd), -EINVAL);
	io[0].op = IOP_OP_DISCARD;
	io[0].len = 4096;
	CU_ASSERT_EQUAL(iop_nvme_hq_build_io(&q, &io[0], 1, 9, &cmd), -EINVAL);
	{
		struct iop_nvme_dsm_range r;

		CU_ASSERT(iop_nvme_hq_build_dsm(&q, &io[0], 1, 9, &r, &cmd) >= 0);
		CU_ASSERT_EQUAL(cmd.opc, IOP_NVME_OPC_DATASET_MANAGEMENT);
		CU_ASSERT_EQUAL(r.length, 8);
		CU_ASSERT_EQUAL(cmd.cdw11, IOP_NVME_DSM_AD);
	}
	iop_nvme_hq_fini(&q);
}

static void
test_errno(void)
{
	static const struct {
		uint16_t st;
		int err;
	} t[] = {
		{0, 0},
		{IOP_NVME_STATUS(0, IOP_NVME_SC_INVALID_OPCODE), -EOPNOTSUPP},
		{IOP_NVME_STATUS(0, IOP_NVME_SC_INVALID_FIELD) | IOP_NVME_STATUS_DNR, -EINVAL},
		{IOP_NVME_STATUS(0, IOP_NVME_SC_INVALID_NAMESPACE_OR_FORMAT), -ENXIO},
		{IOP_NVME_STATUS(0, IOP_NVME_SC_LBA_OUT_OF_RANGE), -ERANGE},
		{IOP_NVME_STATUS(0, IOP_NVME_SC_ABORTED_SQ_DELETION), -ECANCELED},
		{IOP_NVME_STATUS(0, IOP_NVME_SC_DATA_TRANSFER_ERROR), -EIO},
		{IOP_NVME_STATUS(0, IOP_NVME_SC_NAMESPACE_IS_WRITE_PROTECTED), -EROFS},
		{IOP_NVME_STATUS(0, IOP_NVME_SC_TRANSIENT_TRANSPORT_ERROR), -EAGAIN},
		{IOP_NVME_STATUS(1, IOP_NVMF_SC_CONNECT_INVALID_HOST), -EACCES},
		{IOP_NVME_STATUS(2, IOP_NVME_SC_UNRECOVERED_READ_ERROR), -EIO},
		{IOP_NVME_STATUS(3, IOP_NVME_SC_ANA_INACCESSIBLE), -ENOLINK},
	};

	for (size_t i = 0; i < IOP_ARRAY_SIZE(t); i++) {
		CU_ASSERT_EQUAL(iop_nvme_status_to_errno(t[i].st), t[i].err);
	}
}

/* -- fabrics bring-up against the core --------------------------------------------------- */

struct fab {
	struct iop_nvme_tgt *tgt;
	struct iop_nvme_pg *pg;
	struct ut_qp admin;
	int admin_cmds;
};

static int
fab_admin(void *ctx, struct iop_nvme_cmd *cmd, void *data, uint32_t len, struct iop_nvme_cpl *cpl)
{
	struct fab *f = ctx;

	f->admin_cmds++;
	ut_cmd(f->pg, f->admin.qp, cmd, data, len, cpl);
	CU_ASSERT_EQUAL(cpl->cid, cmd->cid);
	return 0;
}

static const struct iop_nvme_host_ops fab_ops = {.admin = fab_admin};

static void
test_bringup_fabrics(void)
{
	struct fab f = {0};
	struct iop_nvme_subsys *ss;
	struct iop_backend *be = ut_ram_new(1 << 20, 4096);
	struct iop_nvme_host_params p = {.fabrics = true, .subnqn = UT_NQN, .hostnqn = UT_HOST,
					 .nr_io_queues = 4, .kato_ms = 5000};
	struct iop_nvme_host_ctrlr hc;
	struct ut_qp io = {0};

	CU_ASSERT_EQUAL_FATAL(iop_nvme_tgt_create(NULL, &f.tgt), 0);
	CU_ASSERT_EQUAL(iop_nvme_subsys_create(f.tgt, UT_NQN, "SERIAL42", NULL, &ss), 0);
	iop_nvme_subsys_allow_any_host(ss, true);
	CU_ASSERT_EQUAL(iop_nvme_subsys_add_ns(ss, be, 3, NULL), 0);
	CU_ASSERT_EQUAL(iop_nvme_pg_create(f.tgt, 0, &f.pg), 0);
	CU_ASSERT_EQUAL(iop_nvme_qpair_create(f.pg, IOP_NVMF_TRTYPE_TCP, &ut_qp_ops, &f.admin,
					      &f.admin.qp), 0);
	CU_ASSERT_EQUAL(iop_nvme_host_bringup(&fab_ops, &f, &p, &hc), 0);
	CU_ASSERT(hc.cntlid >= 1);
	CU_ASSERT_EQUAL(hc.vs, IOP_NVME_VS_1_4);
	CU_ASSERT_EQUAL(hc.mqes, 128);
	CU_ASSERT_EQUAL(hc.nr_io_queues, 4);
	CU_ASSERT_EQUAL(hc.max_xfer, 128 * 1024);
	CU_ASSERT_EQUAL(hc.nsid, 3);
	CU_ASSERT_EQUAL(hc.nsze, 256);
	CU_ASSERT_EQUAL(hc.lba_shift, 12);
	CU_ASSERT_EQUAL(hc.ioccsz, 64 + 8192);
	CU_ASSERT_STRING_EQUAL(hc.sn, "SERIAL42");
	CU_ASSERT_STRING_EQUAL(hc.mn, "iopath NVMe");
	CU_ASSERT_STRING_EQUAL(hc.hostnqn, UT_HOST);
	CU_ASSERT_EQUAL(iop_nvme_ctrlr_kato(iop_nvme_qpair_ctrlr(f.admin.qp)), 5000);
	CU_ASSERT(iop_nvme_ctrlr_csts(iop_nvme_qpair_ctrlr(f.admin.qp)) & IOP_NVME_CSTS_RDY);
	/* an I/O queue with the helper */
	{
		struct fab fio = f;

		fio.admin.qp = NULL;
		CU_ASSERT_EQUAL(iop_nvme_qpair_create(f.pg, IOP_NVMF_TRTYPE_TCP, &ut_qp_ops, &io,
						      &io.qp), 0);
		fio.admin.qp = io.qp;
		CU_ASSERT_EQUAL(iop_nvme_host_connect_io(fab_admin, &fio, &hc, 1, 128), 0);
		CU_ASSERT_EQUAL(iop_nvme_qpair_qid(io.qp), 1);
		iop_nvme_qpair_stop(io.qp);
		iop_nvme_qpair_destroy(io.qp);
		CU_ASSERT_EQUAL(iop_nvme_qpair_create(f.pg, IOP_NVMF_TRTYPE_TCP, &ut_qp_ops, &io,
						      &io.qp), 0);
		fio.admin.qp = io.qp;
		CU_ASSERT_EQUAL(iop_nvme_host_connect_io(fab_admin, &fio, &hc, 9, 128), 0);
		/* a second Connect on a bound queue is refused */
		CU_ASSERT_EQUAL(iop_nvme_host_connect_io(fab_admin, &fio, &hc, 9, 128),
				-ECONNREFUSED);
		iop_nvme_qpair_stop(io.qp);
		iop_nvme_qpair_destroy(io.qp);
	}
	/* shutdown */
	CU_ASSERT_EQUAL(iop_nvme_host_shutdown(&fab_ops, &f, &hc), 0);
	CU_ASSERT_EQUAL(IOP_NVME_CSTS_SHST(iop_nvme_ctrlr_csts(iop_nvme_qpair_ctrlr(f.admin.qp))),
			IOP_NVME_CSTS_SHST_COMPLETE);
	iop_nvme_qpair_stop(f.admin.qp);
	iop_nvme_qpair_destroy(f.admin.qp);

	/* rejected Connect: unknown subsystem */
	CU_ASSERT_EQUAL(iop_nvme_qpair_create(f.pg, IOP_NVMF_TRTYPE_TCP, &ut_qp_ops, &f.admin,
					      &f.admin.qp), 0);
	p.subnqn = "nqn.2024-01.io.iopath:absent";
	CU_ASSERT_EQUAL(iop_nvme_host_bringup(&fab_ops, &f, &p, &hc), -ECONNREFUSED);
	iop_nvme_qpair_destroy(f.admin.qp);
	iop_nvme_pg_destroy(f.pg);
	iop_nvme_tgt_destroy(f.tgt);
	ut_ram_close(be);
}

/* -- PCIe bring-up: registers + an admin queue whose "guest memory" is our own ------------ */

struct pci {
	struct iop_nvme_pg *pg;
	struct iop_nvme_ctrlr *c;
	struct iop_nvme_qpair *aq;
	struct ut_qp aqu;
	uint16_t qsize;
};

static void *
pci_tr(void *ctx, uint64_t addr, uint64_t len, bool write)
{
	(void)ctx;
	(void)len;
	(void)write;
	return (void *)(uintptr_t)addr;   /* identity: guest addresses are our pointers */
}

static int
pci_enable(void *ctx, struct iop_nvme_ctrlr *c)
{
	struct pci *p = ctx;

	return iop_nvme_qpair_create_pcie(p->pg, c, 0, p->qsize, &ut_qp_ops, &p->aqu, &p->aq);
}

static const struct iop_nvme_pcie_ops pci_ops = {.enable = pci_enable, .translate = pci_tr};

static int
pci_admin(void *ctx, struct iop_nvme_cmd *cmd, void *data, uint32_t len, struct iop_nvme_cpl *cpl)
{
	struct pci *p = ctx;
	struct ut_req r;

	memset(&r, 0, sizeof(r));
	r.req.cmd = *cmd;
	if (len) {
		uint64_t a = (uint64_t)(uintptr_t)data;

		r.req.cmd.dptr.prp.prp1 = a;
		if ((a & 4095) + len > 4096) {
			CU_ASSERT((a & 4095) + len <= 8192);
			r.req.cmd.dptr.prp.prp2 = (a | 4095) + 1;
		}
	}
	r.req.qpair = p->aq;
	r.req.done = ut_req_done;
	r.req.iov = r.iov;
	r.req.iovmax = 64;
	iop_nvme_req_prepare(&r.req);
	iop_nvme_req_exec(&r.req);
	for (int i = 0; i < 100 && !r.done; i++) {
		iop_nvme_pg_poll(p->pg);
	}
	*cpl = r.req.cpl;
	return r.done ? 0 : -ETIMEDOUT;
}

static int
pci_reg_read(void *ctx, uint32_t off, unsigned int size, uint64_t *val)
{
	*val = 0;
	return iop_nvme_ctrlr_reg_read(((struct pci *)ctx)->c, off, val, size);
}

static int
pci_reg_write(void *ctx, uint32_t off, unsigned int size, uint64_t val)
{
	return iop_nvme_ctrlr_reg_write(((struct pci *)ctx)->c, off, &val, size);
}

static int
pci_setup_aq(void *ctx, uint16_t qsize)
{
	struct pci *p = ctx;
	uint32_t aqa = (uint32_t)(qsize - 1) << 16 | (qsize - 1u);

	p->qsize = qsize;
	return iop_nvme_ctrlr_reg_write(p->c, IOP_NVME_REG_AQA, &aqa, 4);
}

static const struct iop_nvme_host_ops pci_host_ops = {
	.admin = pci_admin, .reg_read = pci_reg_read, .reg_write = pci_reg_write,
	.setup_admin_queue = pci_setup_aq,
};

static void
test_bringup_pcie(void)
{
	struct iop_nvme_tgt *tgt;
	struct iop_nvme_subsys *ss;
	struct iop_backend *be = ut_ram_new(1 << 20, 512);
	struct iop_nvme_host_params hp = {.fabrics = false, .nr_io_queues = 2};
	struct iop_nvme_host_ctrlr hc;
	struct pci p = {0};

	CU_ASSERT_EQUAL_FATAL(iop_nvme_tgt_create(NULL, &tgt), 0);
	CU_ASSERT_EQUAL(iop_nvme_subsys_create(tgt, UT_NQN, NULL, NULL, &ss), 0);
	CU_ASSERT_EQUAL(iop_nvme_subsys_add_ns(ss, be, 1, NULL), 0);
	CU_ASSERT_EQUAL(iop_nvme_pg_create(tgt, 0, &p.pg), 0);
	CU_ASSERT_EQUAL(iop_nvme_ctrlr_create_pcie(ss, &pci_ops, &p, &p.c), 0);
	CU_ASSERT_EQUAL(iop_nvme_host_bringup(&pci_host_ops, &p, &hp, &hc), 0);
	CU_ASSERT_PTR_NOT_NULL(p.aq);
	CU_ASSERT_EQUAL(hc.cntlid, iop_nvme_ctrlr_cntlid(p.c));
	CU_ASSERT_STRING_EQUAL(hc.subnqn, UT_NQN);
	CU_ASSERT_EQUAL(hc.nsid, 1);
	CU_ASSERT_EQUAL(hc.nsze, 2048);
	CU_ASSERT_EQUAL(hc.lba_shift, 9);
	CU_ASSERT_EQUAL(hc.nr_io_queues, 2);
	CU_ASSERT_EQUAL(hc.ioccsz, 0);
	CU_ASSERT_EQUAL(iop_nvme_host_shutdown(&pci_host_ops, &p, &hc), 0);
	iop_nvme_qpair_stop(p.aq);
	iop_nvme_qpair_destroy(p.aq);
	iop_nvme_ctrlr_destroy_pcie(p.c);
	iop_nvme_pg_destroy(p.pg);
	iop_nvme_tgt_destroy(tgt);
	ut_ram_close(be);
}

/* -- bring-up failure paths over fake registers ----------------------------------------- */

struct fakereg {
	uint32_t csts;
	uint32_t cc;
	int reads;
};

static int
fr_read(void *ctx, uint32_t off, unsigned int size, uint64_t *val)
{
	struct fakereg *f = ctx;

	(void)size;
	f->reads++;
	switch (off) {
	case IOP_NVME_REG_CAP:
		*val = 63 | (1ull << IOP_NVME_CAP_TO_SHIFT) | IOP_NVME_CAP_CSS_NVM;
		return 0;
	case IOP_NVME_REG_VS:
		*val = IOP_NVME_VS_1_4;
		return 0;
	case IOP_NVME_REG_CC:
		*val = f->cc;
		return 0;
	case IOP_NVME_REG_CSTS:
		*val = f->csts;
		return 0;
	default:
		return -EINVAL;
	}
}

static int
fr_write(void *ctx, uint32_t off, unsigned int size, uint64_t val)
{
	struct fakereg *f = ctx;

	(void)size;
	if (off == IOP_NVME_REG_CC) {
		f->cc = (uint32_t)val;
	}
	return 0;
}

static int
fr_admin(void *ctx, struct iop_nvme_cmd *cmd, void *data, uint32_t len, struct iop_nvme_cpl *cpl)
{
	(void)ctx;
	(void)cmd;
	(void)data;
	(void)len;
	(void)cpl;
	return -ECONNRESET;     /* the transport died */
}

static const struct iop_nvme_host_ops fr_ops = {
	.admin = fr_admin, .reg_read = fr_read, .reg_write = fr_write,
};

static void
test_bringup_failures(void)
{
	struct iop_nvme_host_params p = {.fabrics = false, .timeout_ms = 20};
	struct iop_nvme_host_ctrlr hc;
	struct fakereg f = {0};
	uint64_t t0;

	/* Test 1: CSTS.CFS while waiting for RDY -> -EIO at once */
	f.csts = IOP_NVME_CSTS_CFS;
	CU_ASSERT_EQUAL(iop_nvme_host_bringup(&fr_ops, &f, &p, &hc), -EIO);
	CU_ASSERT(f.cc & IOP_NVME_CC_EN);
	CU_ASSERT_EQUAL(IOP_NVME_CC_IOSQES(f.cc), 6);
	CU_ASSERT_EQUAL(IOP_NVME_CC_IOCQES(f.cc), 4);
	/* Test 2: RDY never comes -> -ETIMEDOUT after about timeout_ms */
	memset(&f, 0, sizeof(f));
	t0 = iop_now_ns();
	CU_ASSERT_EQUAL(iop_nvme_host_bringup(&fr_ops, &f, &p, &hc), -ETIMEDOUT);
	CU_ASSERT(iop_now_ns() - t0 >= 20000000ull);
	CU_ASSERT(f.reads > 2);
	/* Test 3: ready, but the admin transport fails -> its errno */
	memset(&f, 0, sizeof(f));
	f.csts = IOP_NVME_CSTS_RDY;
	CU_ASSERT_EQUAL(iop_nvme_host_bringup(&fr_ops, &f, &p, &hc), -ECONNRESET);
	/* Test 4: an enabled controller is disabled first (waits for RDY = 0: never -> timeout) */
	f.cc = IOP_NVME_CC_EN;
	f.csts = IOP_NVME_CSTS_RDY;
	CU_ASSERT_EQUAL(iop_nvme_host_bringup(&fr_ops, &f, &p, &hc), -ETIMEDOUT);
	CU_ASSERT_EQUAL(f.cc, 0);
}

static void
test_bringup_no_namespace(void)
{
	struct fab f = {0};
	struct iop_nvme_subsys *ss;
	struct iop_nvme_host_params p = {.fabrics = true, .subnqn = UT_NQN, .hostnqn = UT_HOST};
	struct iop_nvme_host_ctrlr hc;

	CU_ASSERT_EQUAL_FATAL(iop_nvme_tgt_create(NULL, &f.tgt), 0);
	CU_ASSERT_EQUAL(iop_nvme_subsys_create(f.tgt, UT_NQN, NULL, NULL, &ss), 0);
	iop_nvme_subsys_allow_any_host(ss, true);
	CU_ASSERT_EQUAL(iop_nvme_pg_create(f.tgt, 0, &f.pg), 0);
	CU_ASSERT_EQUAL(iop_nvme_qpair_create(f.pg, IOP_NVMF_TRTYPE_TCP, &ut_qp_ops, &f.admin,
					      &f.admin.qp), 0);
	CU_ASSERT_EQUAL(iop_nvme_host_bringup(&fab_ops, &f, &p, &hc), -ENXIO);
	iop_nvme_qpair_stop(f.admin.qp);
	iop_nvme_qpair_destroy(f.admin.qp);
	/* a generated host NQN/ID when none is given */
	CU_ASSERT_EQUAL(iop_nvme_qpair_create(f.pg, IOP_NVMF_TRTYPE_TCP, &ut_qp_ops, &f.admin,
					      &f.admin.qp), 0);
	p.hostnqn = NULL;
	p.nsid = 1;
	CU_ASSERT_EQUAL(iop_nvme_host_bringup(&fab_ops, &f, &p, &hc), -ENXIO);
	CU_ASSERT_EQUAL(strncmp(hc.hostnqn, "nqn.2014-08.org.nvmexpress:uuid:", 32), 0);
	CU_ASSERT_EQUAL(strlen(hc.hostnqn), 32 + 36);
	iop_nvme_qpair_stop(f.admin.qp);
	iop_nvme_qpair_destroy(f.admin.qp);
	iop_nvme_pg_destroy(f.pg);
	iop_nvme_tgt_destroy(f.tgt);
}

IOP_UT_MAIN("nvme_host", IOP_UT(test_hq), IOP_UT(test_errno), IOP_UT(test_bringup_fabrics),
	    IOP_UT(test_bringup_pcie), IOP_UT(test_bringup_failures),
	    IOP_UT(test_bringup_no_namespace))
