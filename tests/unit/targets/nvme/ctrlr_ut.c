/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: a controller shared by two poll-group threads; CNTLIDs; options; random commands. */
#include <pthread.h>
#include <stdatomic.h>
#include "targets/nvme/nvme_internal.h"
#include "tests/unit/targets/nvme/nvme_ut.h"

/*
 * Thread A owns the admin queue (its own poll group): SMART log, Identify, Keep Alive in a loop.
 * Thread B owns an I/O queue on a second poll group: writes and reads with verification.
 * The main thread adds a namespace and a listener meanwhile. Then A destroys the admin queue and
 * B must get the disconnect callback (from A's thread), stop and destroy its queue; the
 * controller is freed once both are gone. Run under -fsanitize=thread to check the locking.
 */

struct mt {
	struct iop_nvme_tgt *tgt;
	struct iop_nvme_subsys *ss;
	struct iop_nvme_pg *pga, *pgb;
	struct ut_qp a;
	struct iop_nvme_qpair *ioqp;
	atomic_int io_disconnect;
	atomic_int phase;          /* 0 running, 1 admin stop requested, 2 done */
	atomic_int errors;
	uint16_t cntlid;
	atomic_int io_ready;
};

static void
mt_io_disconnect(struct iop_nvme_qpair *qp, void *ctx, int reason)
{
	struct mt *m = ctx;

	(void)qp;
	(void)reason;
	atomic_store(&m->io_disconnect, 1);   /* forwarded to thread B by the flag */
}

static const struct iop_nvme_qpair_ops mt_io_ops = {.disconnect = mt_io_disconnect};

struct mt_req {
	struct iop_nvme_req req;
	struct iovec iov[1];
	volatile int done;
};

static void
mt_done(struct iop_nvme_req *req)
{
	((struct mt_req *)req)->done = 1;
}

static uint16_t
mt_cmd(struct iop_nvme_pg *pg, struct iop_nvme_qpair *qp, const struct iop_nvme_cmd *cmd,
       void *buf, uint32_t len, struct iop_nvme_cpl *cpl)
{
	struct mt_req r;

	memset(&r, 0, sizeof(r));
	r.req.cmd = *cmd;
	r.req.cmd.flags = IOP_NVME_PSDT_SGL_MPTR_CONTIG << IOP_NVME_PSDT_SHIFT;
	iop_nvme_sgl_set_unkeyed(&r.req.cmd.dptr.sgl1, 0, len, IOP_NVME_SGL_ID_TCP_HOSTBUF);
	r.req.qpair = qp;
	r.req.done = mt_done;
	r.req.iov = r.iov;
	r.req.iovmax = 1;
	iop_nvme_req_prepare(&r.req);
	if (r.req.data_len) {
		r.iov[0].iov_base = buf;
		r.iov[0].iov_len = r.req.data_len;
		r.req.iovcnt = 1;
	}
	iop_nvme_req_exec(&r.req);
	while (!r.done) {
		iop_nvme_pg_poll(pg);
	}
	if (cpl) {
		*cpl = r.req.cpl;
	}
	return iop_nvme_cpl_status(&r.req.cpl);
}

static void *
mt_admin_thread(void *arg)
{
	struct mt *m = arg;
	static uint8_t buf[4096];
	struct iop_nvme_cmd cmd;
	int i = 0;

	while (!atomic_load(&m->io_ready)) {
		iop_nvme_pg_poll(m->pga);
	}
	for (; i < 300; i++) {
		iop_nvme_host_build_get_log(&cmd, IOP_NVME_LOG_HEALTH, 0xffffffff, 0, 512);
		if (mt_cmd(m->pga, m->a.qp, &cmd, buf, 512, NULL)) {
			atomic_fetch_add(&m->errors, 1);
		}
		iop_nvme_host_build_identify(&cmd, IOP_NVME_CNS_ACTIVE_NS_LIST, 0, 0);
		if (mt_cmd(m->pga, m->a.qp, &cmd, buf, 4096, NULL)) {
			atomic_fetch_add(&m->errors, 1);
		}
		iop_nvme_host_build_keep_alive(&cmd);
		if (mt_cmd(m->pga, m->a.qp, &cmd, NULL, 0, NULL)) {
			atomic_fetch_add(&m->errors, 1);
		}
	}
	/* end of the association: admin queue goes away on thread A */
	iop_nvme_qpair_stop(m->a.qp);
	iop_nvme_qpair_destroy(m->a.qp);
	m->a.qp = NULL;
	atomic_store(&m->phase, 2);
	return NULL;
}

static void *
mt_io_thread(void *arg)
{
	struct mt *m = arg;
	static uint8_t wbuf[4096], rbuf[4096];
	struct iop_nvme_cmd cmd;
	struct iop_nvme_cpl cpl;
	struct iop_nvmf_connect_data d;
	static const uint8_t hostid[16] = {1, 2, 3, 4};
	unsigned int n = 0;

	if (iop_nvme_qpair_create(m->pgb, IOP_NVMF_TRTYPE_TCP, &mt_io_ops, m, &m->ioqp)) {
		atomic_fetch_add(&m->errors, 1);
		return NULL;
	}
	iop_nvme_host_build_connect(&cmd, &d, 1, 64, m->cntlid, 0, UT_NQN, UT_HOST, hostid);
	if (mt_cmd(m->pgb, m->ioqp, &cmd, &d, sizeof(d), &cpl)) {
		atomic_fetch_add(&m->errors, 1);
	}
	atomic_store(&m->io_ready, 1);
	while (!atomic_load(&m->io_disconnect)) {
		memset(wbuf, (int)(n & 0xff), sizeof(wbuf));
		memset(&cmd, 0, sizeof(cmd));
		cmd.opc = IOP_NVME_OPC_WRITE;
		cmd.nsid = 1;
		cmd.cdw10 = n % 256 * 8;
		cmd.cdw12 = 7;
		if (mt_cmd(m->pgb, m->ioqp, &cmd, wbuf, 4096, NULL)) {
			atomic_fetch_add(&m->errors, 1);
		}
		cmd.opc = IOP_NVME_OPC_READ;
		if (mt_cmd(m->pgb, m->ioqp, &cmd, rbuf, 4096, NULL) || memcmp(rbuf, wbuf, 4096)) {
			atomic_fetch_add(&m->errors, 1);
		}
		n++;
	}
	/* the disconnect request arrived from thread A: tear down on our own thread */
	while (iop_nvme_qpair_stop(m->ioqp)) {
		iop_nvme_pg_poll(m->pgb);
	}
	iop_nvme_qpair_destroy(m->ioqp);
	m->ioqp = NULL;
	return NULL;
}

static void
test_two_threads(void)
{
	struct mt m;
	struct iop_backend *be = ut_ram_new(1 << 20, 512), *be2 = ut_ram_new(1 << 16, 512);
	struct iop_nvme_listener l = {.trtype = IOP_NVMF_TRTYPE_TCP, .adrfam = IOP_NVMF_ADRFAM_IPV4,
				      .traddr = "127.0.0.1", .trsvcid = "4420"};
	struct iop_nvme_cpl cpl;
	pthread_t ta, tb;

	memset(&m, 0, sizeof(m));
	ut_ram_inline = 0;
	CU_ASSERT_EQUAL_FATAL(iop_nvme_tgt_create(NULL, &m.tgt), 0);
	CU_ASSERT_EQUAL(iop_nvme_subsys_create(m.tgt, UT_NQN, NULL, NULL, &m.ss), 0);
	iop_nvme_subsys_allow_any_host(m.ss, true);
	CU_ASSERT_EQUAL(iop_nvme_subsys_add_ns(m.ss, be, 1, NULL), 0);
	CU_ASSERT_EQUAL(iop_nvme_pg_create(m.tgt, 0, &m.pga), 0);
	CU_ASSERT_EQUAL(iop_nvme_pg_create(m.tgt, 0, &m.pgb), 0);
	/* admin Connect + enable done here, before thread A takes the queue over */
	CU_ASSERT_EQUAL(iop_nvme_qpair_create(m.pga, IOP_NVMF_TRTYPE_TCP, &ut_qp_ops, &m.a, &m.a.qp),
			0);
	CU_ASSERT_EQUAL(ut_connect(m.pga, m.a.qp, 0, 31, 0xffff, UT_NQN, UT_HOST, 0, &cpl), 0);
	m.cntlid = (uint16_t)cpl.cdw0;
	CU_ASSERT_EQUAL(ut_prop_set(m.pga, m.a.qp, IOP_NVME_REG_CC, UT_CC_ENABLE), 0);

	CU_ASSERT_EQUAL(pthread_create(&ta, NULL, mt_admin_thread, &m), 0);
	CU_ASSERT_EQUAL(pthread_create(&tb, NULL, mt_io_thread, &m), 0);
	/* configuration changes from a third thread */
	while (!atomic_load(&m.io_ready)) {
		sched_yield();
	}
	CU_ASSERT_EQUAL(iop_nvme_subsys_add_ns(m.ss, be2, 2, NULL), 0);
	CU_ASSERT_EQUAL(iop_nvme_tgt_add_listener(m.tgt, &l), 0);
	CU_ASSERT_EQUAL(iop_nvme_subsys_add_host(m.ss, "nqn.2024-01.io.iopath:h2"), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	CU_ASSERT_EQUAL(atomic_load(&m.errors), 0);
	CU_ASSERT_EQUAL(atomic_load(&m.io_disconnect), 1);
	/* the controller is gone: the subsystem can be removed */
	CU_ASSERT_EQUAL(m.ss->nctrlrs, 0);
	CU_ASSERT_EQUAL(iop_nvme_subsys_remove_ns(m.ss, 2), 0);
	iop_nvme_pg_destroy(m.pga);
	iop_nvme_pg_destroy(m.pgb);
	iop_nvme_tgt_destroy(m.tgt);
	ut_ram_close(be);
	ut_ram_close(be2);
}

static void
test_cntlid_wrap(void)
{
	struct iop_nvme_tgt *tgt;
	struct iop_nvme_subsys *ss;
	struct iop_nvme_ctrlr *c1, *c2, *c3;

	CU_ASSERT_EQUAL_FATAL(iop_nvme_tgt_create(NULL, &tgt), 0);
	CU_ASSERT_EQUAL(iop_nvme_subsys_create(tgt, UT_NQN, NULL, NULL, &ss), 0);
	CU_ASSERT_EQUAL(iop_nvme_subsys_create(tgt, UT_NQN, NULL, NULL, NULL), -EEXIST);
	CU_ASSERT_EQUAL(iop_nvme_subsys_create(tgt, IOP_NVME_DISC_NQN, NULL, NULL, NULL), -EINVAL);
	CU_ASSERT_EQUAL(iop_nvme_subsys_create(tgt, "has space", NULL, NULL, NULL), -EINVAL);
	CU_ASSERT_PTR_EQUAL(iop_nvme_subsys_find(tgt, UT_NQN), ss);
	CU_ASSERT_PTR_NULL(iop_nvme_subsys_find(tgt, "nqn.x"));
	CU_ASSERT_PTR_NOT_NULL(iop_nvme_subsys_find(tgt, IOP_NVME_DISC_NQN));
	/* IDs are reused only when free; wrap at FFEFh skips those in use */
	CU_ASSERT_EQUAL(nvme_ctrlr_alloc(ss, true, NULL, NULL, &c1), 0);
	CU_ASSERT_EQUAL(c1->cntlid, 1);
	ss->next_cntlid = IOP_NVMF_CNTLID_MAX;
	CU_ASSERT_EQUAL(nvme_ctrlr_alloc(ss, true, NULL, NULL, &c2), 0);
	CU_ASSERT_EQUAL(c2->cntlid, IOP_NVMF_CNTLID_MAX);
	CU_ASSERT_EQUAL(nvme_ctrlr_alloc(ss, true, NULL, NULL, &c3), 0);
	CU_ASSERT_EQUAL(c3->cntlid, 2);
	iop_nvme_ctrlr_destroy_pcie(c1);
	iop_nvme_ctrlr_destroy_pcie(c2);
	iop_nvme_ctrlr_destroy_pcie(c3);
	CU_ASSERT_EQUAL(iop_nvme_subsys_destroy(ss), 0);
	iop_nvme_tgt_destroy(tgt);
}

static void
test_tgt_opts(void)
{
	struct iop_nvme_tgt_opts o;
	struct iop_nvme_tgt *tgt;

	iop_nvme_tgt_opts_default(&o);
	o.max_io_size = 3000;
	CU_ASSERT_EQUAL(iop_nvme_tgt_create(&o, &tgt), -EINVAL);
	iop_nvme_tgt_opts_default(&o);
	o.max_queue_depth = 1;
	CU_ASSERT_EQUAL(iop_nvme_tgt_create(&o, &tgt), -EINVAL);
	iop_nvme_tgt_opts_default(&o);
	o.max_io_queues = 0;
	CU_ASSERT_EQUAL(iop_nvme_tgt_create(&o, &tgt), -EINVAL);
	iop_nvme_tgt_opts_default(&o);
	o.max_io_size = 1 << 20;
	o.serial = "S-42";
	CU_ASSERT_EQUAL_FATAL(iop_nvme_tgt_create(&o, &tgt), 0);
	CU_ASSERT_EQUAL(iop_nvme_tgt_opts(tgt)->max_io_size, 1u << 20);
	CU_ASSERT_STRING_EQUAL(iop_nvme_tgt_opts(tgt)->serial, "S-42");
	{
		struct iop_nvme_subsys *ss;
		struct iop_backend *be = ut_ram_new(1 << 20, 512);

		CU_ASSERT_EQUAL(iop_nvme_subsys_create(tgt, UT_NQN, NULL, NULL, &ss), 0);
		be->info.max_io = 65536;        /* below max_io_size 1 MiB */
		CU_ASSERT_EQUAL(iop_nvme_subsys_add_ns(ss, be, 1, NULL), -EINVAL);
		be->info.max_io = 0;
		be->info.block_size = 1000;
		CU_ASSERT_EQUAL(iop_nvme_subsys_add_ns(ss, be, 1, NULL), -EINVAL);
		be->info.block_size = 512;
		CU_ASSERT_EQUAL(iop_nvme_subsys_add_ns(ss, be, 33, NULL), -EINVAL);
		CU_ASSERT_EQUAL(iop_nvme_subsys_add_ns(ss, be, 1, NULL), 0);
		CU_ASSERT_EQUAL(iop_nvme_subsys_add_ns(ss, be, 1, NULL), -EEXIST);
		CU_ASSERT_EQUAL(iop_nvme_subsys_remove_ns(ss, 1), 0);
		CU_ASSERT_EQUAL(iop_nvme_subsys_remove_ns(ss, 1), -ENOENT);
		ut_ram_close(be);
	}
	iop_nvme_tgt_destroy(tgt);
}

/* -- robustness: random commands never crash, hang or complete twice ---------------------- */

static uint64_t g_rng = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(void)
{
	g_rng ^= g_rng << 13;
	g_rng ^= g_rng >> 7;
	g_rng ^= g_rng << 17;
	return (uint32_t)g_rng;
}

struct fz_req {
	struct iop_nvme_req req;
	struct iovec iov[8];
	int done;
};

static void
fz_done(struct iop_nvme_req *req)
{
	((struct fz_req *)req)->done++;
}

static void
fz_fill(struct iop_nvme_cmd *cmd, bool admin)
{
	static const uint8_t admin_ops[] = {0x00, 0x01, 0x02, 0x04, 0x05, 0x06, 0x08, 0x09, 0x0a,
					    0x0c, 0x18, 0x7c, 0x80, 0xff};
	static const uint8_t io_ops[] = {0x00, 0x01, 0x02, 0x05, 0x08, 0x09, 0x0c, 0x7f, 0x93};
	static const uint32_t nsids[] = {0, 1, 2, 3, 0xffffffff, 0xfffffffe};
	uint32_t *dw = (uint32_t *)cmd;

	for (int i = 0; i < 16; i++) {
		dw[i] = rnd();
	}
	cmd->opc = admin ? admin_ops[rnd() % sizeof(admin_ops)] : io_ops[rnd() % sizeof(io_ops)];
	if (rnd() % 4) {
		cmd->nsid = nsids[rnd() % IOP_ARRAY_SIZE(nsids)];
	}
	if (rnd() % 2) {
		cmd->cdw12 &= 0x3f;     /* small NLB most of the time */
		cmd->cdw11 = 0;
		cmd->cdw10 &= 0x7ff;
	}
	if (cmd->opc == IOP_NVME_OPC_GET_LOG_PAGE && rnd() % 2) {
		cmd->cdw11 &= 0xffff0000;
		cmd->cdw10 &= 0x03ffffff;
		cmd->cdw13 = 0;
		cmd->cdw12 &= 0x1ffc;
	}
}

static void
test_fuzz_fabrics(void)
{
	static uint8_t buf[256 * 1024];
	static const uint8_t sgl_ids[] = {IOP_NVME_SGL_ID_INCAPSULE, IOP_NVME_SGL_ID_TCP_HOSTBUF,
					  IOP_NVME_SGL_ID_KEYED, 0x00, 0x20, 0x30, 0x10, 0xf0};
	struct ut_env e;

	ut_env_init(&e, 0);
	ut_env_io(&e, 1);
	for (int n = 0; n < 20000; n++) {
		struct fz_req r;
		bool admin = n % 3 == 0;
		struct iop_nvme_qpair *qp = admin ? e.admin.qp : e.io.qp;
		uint16_t cid = (uint16_t)n;

		memset(&r, 0, sizeof(r));
		fz_fill(&r.req.cmd, admin);
		if (admin && (r.req.cmd.opc == IOP_NVME_OPC_ASYNC_EVENT_REQUEST)) {
			r.req.cmd.opc = IOP_NVME_OPC_KEEP_ALIVE;  /* held ones are tested elsewhere */
		}
		r.req.cmd.cid = cid;
		r.req.cmd.flags = (uint8_t)(rnd() % 4 ? IOP_NVME_PSDT_SGL_MPTR_CONTIG << 6 : 0);
		r.req.cmd.dptr.sgl1.unkeyed.id = sgl_ids[rnd() % sizeof(sgl_ids)];
		r.req.cmd.dptr.sgl1.unkeyed.length = rnd() % 3 ? rnd() % (64 * 1024) : rnd();
		if (rnd() % 2) {
			r.req.cmd.dptr.sgl1.address = 0;
		}
		r.req.qpair = qp;
		r.req.done = fz_done;
		r.req.iov = r.iov;
		r.req.iovmax = 8;
		iop_nvme_req_prepare(&r.req);
		CU_ASSERT_FATAL(r.req.data_len <= sizeof(buf));
		if (r.req.data_len) {
			r.iov[0].iov_base = buf;
			r.iov[0].iov_len = r.req.data_len;
			r.req.iovcnt = 1;
		}
		iop_nvme_req_exec(&r.req);
		for (int i = 0; i < 100 && !r.done; i++) {
			iop_nvme_pg_poll(e.pg);
		}
		CU_ASSERT_EQUAL_FATAL(r.done, 1);
		CU_ASSERT_EQUAL(r.req.cpl.cid, cid);
		CU_ASSERT(r.req.data_len <= sizeof(buf));
	}
	CU_ASSERT_EQUAL(iop_nvme_qpair_inflight(e.io.qp), 0);
	CU_ASSERT_EQUAL(iop_nvme_qpair_inflight(e.admin.qp), 0);
	ut_env_fini(&e);
}

/* PCIe: random PRP/SGL pointers into 64 KiB of "guest memory" with everything else unmapped. */
static uint8_t g_fz_guest[64 * 1024] __attribute__((aligned(4096)));

static void *
fz_tr(void *ctx, uint64_t addr, uint64_t len, bool write)
{
	(void)ctx;
	(void)write;
	if (addr < 0x10000 || len > sizeof(g_fz_guest) || addr - 0x10000 > sizeof(g_fz_guest) - len) {
		return NULL;
	}
	return g_fz_guest + (addr - 0x10000);
}

static uint16_t
fz_q(void *ctx, struct iop_nvme_req *req, const struct iop_nvme_pcie_queue *q)
{
	(void)ctx;
	(void)req;
	(void)q;
	return 0;
}

static uint16_t
fz_del(void *ctx, struct iop_nvme_req *req, uint16_t qid)
{
	(void)ctx;
	(void)req;
	(void)qid;
	return 0;
}

static const struct iop_nvme_pcie_ops fz_pcie_ops = {
	.create_cq = fz_q, .create_sq = fz_q, .delete_sq = fz_del, .delete_cq = fz_del,
	.translate = fz_tr,
};

static uint64_t
fz_addr(void)
{
	switch (rnd() % 4) {
	case 0:
		return rnd();
	case 1:
		return 0x10000 + (rnd() % 16) * 4096ull;
	default:
		return 0x10000 + rnd() % (64 * 1024);
	}
}

static void
test_fuzz_pcie(void)
{
	struct iop_nvme_tgt *tgt;
	struct iop_nvme_subsys *ss;
	struct iop_backend *be = ut_ram_new(1 << 20, 512);
	struct iop_nvme_pg *pg;
	struct iop_nvme_ctrlr *c;
	struct iop_nvme_qpair *aq, *ioq;
	struct ut_qp aqu = {0}, ioqu = {0};
	uint32_t cc = UT_CC_ENABLE;

	ut_ram_inline = 0;
	CU_ASSERT_EQUAL_FATAL(iop_nvme_tgt_create(NULL, &tgt), 0);
	CU_ASSERT_EQUAL(iop_nvme_subsys_create(tgt, UT_NQN, NULL, NULL, &ss), 0);
	CU_ASSERT_EQUAL(iop_nvme_subsys_add_ns(ss, be, 1, NULL), 0);
	CU_ASSERT_EQUAL(iop_nvme_pg_create(tgt, 0, &pg), 0);
	CU_ASSERT_EQUAL_FATAL(iop_nvme_ctrlr_create_pcie(ss, &fz_pcie_ops, NULL, &c), 0);
	CU_ASSERT_EQUAL(iop_nvme_ctrlr_reg_write(c, IOP_NVME_REG_CC, &cc, 4), 0);
	CU_ASSERT_EQUAL_FATAL(iop_nvme_qpair_create_pcie(pg, c, 0, 32, &ut_qp_ops, &aqu, &aq), 0);
	CU_ASSERT_EQUAL_FATAL(iop_nvme_qpair_create_pcie(pg, c, 1, 64, &ut_qp_ops, &ioqu, &ioq), 0);
	for (int n = 0; n < 20000; n++) {
		struct fz_req r;
		bool admin = n % 3 == 0;

		memset(&r, 0, sizeof(r));
		fz_fill(&r.req.cmd, admin);
		if (admin && r.req.cmd.opc == IOP_NVME_OPC_ASYNC_EVENT_REQUEST) {
			r.req.cmd.opc = IOP_NVME_OPC_KEEP_ALIVE;
		}
		r.req.cmd.cid = (uint16_t)n;
		r.req.cmd.flags = (uint8_t)((rnd() % 4 == 0 ? 1 : rnd() % 8 == 0 ? 2 : 0) << 6);
		r.req.cmd.dptr.prp.prp1 = fz_addr();
		r.req.cmd.dptr.prp.prp2 = fz_addr();
		if (iop_nvme_cmd_psdt(&r.req.cmd) == 1) {
			r.req.cmd.dptr.sgl1.unkeyed.id = (uint8_t)((rnd() % 6) << 4);
			r.req.cmd.dptr.sgl1.unkeyed.length = rnd() % 8192;
		}
		if (rnd() % 3 == 0) {
			/* a plausible PRP list in guest memory */
			uint64_t *l = (uint64_t *)(void *)(g_fz_guest + 4096 * (rnd() % 16));

			for (int i = 0; i < 8; i++) {
				l[i] = fz_addr();
			}
		}
		r.req.qpair = admin ? aq : ioq;
		r.req.done = fz_done;
		r.req.iov = r.iov;
		r.req.iovmax = 8;
		iop_nvme_req_prepare(&r.req);
		CU_ASSERT_FATAL(r.req.iovcnt <= 8);
		for (int i = 0; i < r.req.iovcnt; i++) {
			uint8_t *b = r.iov[i].iov_base;

			CU_ASSERT_FATAL(b >= g_fz_guest &&
					b + r.iov[i].iov_len <= g_fz_guest + sizeof(g_fz_guest));
		}
		iop_nvme_req_exec(&r.req);
		for (int i = 0; i < 100 && !r.done; i++) {
			iop_nvme_pg_poll(pg);
		}
		CU_ASSERT_EQUAL_FATAL(r.done, 1);
		CU_ASSERT_EQUAL(r.req.cpl.cid, (uint16_t)n);
		/* keep the controller enabled: random Set Features may not break the run */
		if (!(iop_nvme_ctrlr_csts(c) & IOP_NVME_CSTS_RDY)) {
			CU_FAIL("controller left ready state");
			break;
		}
	}
	iop_nvme_qpair_stop(ioq);
	iop_nvme_qpair_destroy(ioq);
	iop_nvme_qpair_stop(aq);
	iop_nvme_qpair_destroy(aq);
	iop_nvme_ctrlr_destroy_pcie(c);
	iop_nvme_pg_destroy(pg);
	iop_nvme_tgt_destroy(tgt);
	ut_ram_close(be);
}

IOP_UT_MAIN("nvme_ctrlr", IOP_UT(test_two_threads), IOP_UT(test_cntlid_wrap),
	    IOP_UT(test_tgt_opts), IOP_UT(test_fuzz_fabrics), IOP_UT(test_fuzz_pcie))
