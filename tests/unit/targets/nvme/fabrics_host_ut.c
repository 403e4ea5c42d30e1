/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: fabrics host helpers: queue sizing, in-capsule limit, sync outcome, keep alive. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "iopath/nvmf_host.h"
#include "tests/common/ut.h"

static void
test_io_qsize(void)
{
	struct iop_nvme_host_ctrlr c = {.nr_io_queues = 2, .mqes = 64};
	uint32_t qsize = 0;

	CU_ASSERT_EQUAL(iop_nvmf_host_io_qsize(&c, 0, 31, &qsize), 0);
	CU_ASSERT_EQUAL(qsize, 32);
	CU_ASSERT_EQUAL(iop_nvmf_host_io_qsize(&c, 1, 128, &qsize), 0);
	CU_ASSERT_EQUAL(qsize, 64); /* capped by MQES */
	CU_ASSERT_EQUAL(iop_nvmf_host_io_qsize(&c, 2, 8, &qsize), -EINVAL);
}

static void
test_icd_and_params(void)
{
	struct iop_nvme_host_ctrlr c = {.ioccsz = 64 + 8192};
	struct iop_nvme_host_params hp;

	CU_ASSERT_EQUAL(iop_nvmf_host_icd_max(&c), 8192);
	c.ioccsz = 64;
	CU_ASSERT_EQUAL(iop_nvmf_host_icd_max(&c), 0);
	c.ioccsz = 0;
	CU_ASSERT_EQUAL(iop_nvmf_host_icd_max(&c), 0);
	memset(&hp, 0xff, sizeof(hp));
	iop_nvmf_host_params_init(&hp, "nqn.sub", NULL, 0, 1500, 3);
	CU_ASSERT(hp.fabrics);
	CU_ASSERT_STRING_EQUAL(hp.subnqn, "nqn.sub");
	CU_ASSERT_PTR_NULL(hp.hostnqn);
	CU_ASSERT_EQUAL(hp.admin_qsize, 32);
	CU_ASSERT_EQUAL(hp.nr_io_queues, 1); /* at least one */
	CU_ASSERT_EQUAL(hp.kato_ms, 1500);
	CU_ASSERT_EQUAL(hp.nsid, 3);
	CU_ASSERT_EQUAL(hp.timeout_ms, 0);
}

static void
test_sync_and_xfer(void)
{
	struct iop_nvmf_sync s = {0};
	struct iop_nvme_cpl cpl = {0};
	struct iop_nvme_cmd cmd = {0};

	CU_ASSERT_EQUAL(iop_nvmf_sync_result(&s, 0, &cpl), -ETIMEDOUT);
	CU_ASSERT_EQUAL(iop_nvmf_sync_result(&s, -ECONNRESET, &cpl), -ECONNRESET);
	s.done = true;
	s.err = -EPROTO;
	CU_ASSERT_EQUAL(iop_nvmf_sync_result(&s, 0, &cpl), -EPROTO);
	s.err = 0;
	s.cpl.cdw0 = 77;
	CU_ASSERT_EQUAL(iop_nvmf_sync_result(&s, 0, &cpl), 0);
	CU_ASSERT_EQUAL(cpl.cdw0, 77);
	cmd.opc = 0x02; /* Read */
	CU_ASSERT_EQUAL(iop_nvmf_cmd_xfer(&cmd), IOP_NVME_XFER_C2H);
	cmd.opc = 0x01; /* Write */
	CU_ASSERT_EQUAL(iop_nvmf_cmd_xfer(&cmd), IOP_NVME_XFER_H2C);
	iop_nvme_host_build_prop_get(&cmd, 0, 8);
	CU_ASSERT_EQUAL(iop_nvmf_cmd_xfer(&cmd), IOP_NVME_XFER_NONE);
	iop_nvme_host_build_disconnect(&cmd);
	CU_ASSERT_EQUAL(cmd.opc, IOP_NVME_OPC_FABRIC);
}

/* A fake admin queue: Get Features answers KATO, Keep Alive is counted. */
struct ka_fake {
	uint32_t kato;
	int get_rc;
	unsigned int keep_alives;
};

static int
ka_fake_send(void *ctx, struct iop_nvme_cmd *cmd, void *data, uint32_t len,
	     struct iop_nvme_cpl *cpl)
{
	struct ka_fake *f = ctx;

	(void)data;
	(void)len;
	memset(cpl, 0, sizeof(*cpl));
	if (cmd->opc == IOP_NVME_OPC_KEEP_ALIVE) {
		f->keep_alives++;
		return 0;
	}
	cpl->cdw0 = f->kato;
	return f->get_rc;
}

static void
test_keep_alive(void)
{
	struct iop_nvmf_ka ka;
	struct ka_fake f = {.kato = 100};
	unsigned int n;

	/* the controller's KATO (100 ms) wins: Keep Alive every 50 ms */
	iop_nvmf_ka_init(&ka);
	iop_nvmf_ka_start(&ka, "ut", ka_fake_send, &f, 0);
	CU_ASSERT(ka.running);
	CU_ASSERT_EQUAL(ka.period_ms, 50);
	usleep(180000);
	pthread_mutex_lock(&ka.lock);
	n = f.keep_alives;
	pthread_mutex_unlock(&ka.lock);
	CU_ASSERT(n >= 1 && n <= 4); /* 3 expected; a loaded machine may run late */
	iop_nvmf_ka_fini(&ka);
	/* no KATO anywhere: no thread */
	f = (struct ka_fake){.kato = 0};
	iop_nvmf_ka_init(&ka);
	iop_nvmf_ka_start(&ka, "ut", ka_fake_send, &f, 0);
	CU_ASSERT(!ka.running);
	iop_nvmf_ka_fini(&ka);
	/* Get Features fails: fall back to what was asked at Connect */
	f = (struct ka_fake){.kato = 0, .get_rc = -EIO};
	iop_nvmf_ka_init(&ka);
	iop_nvmf_ka_start(&ka, "ut", ka_fake_send, &f, 400);
	CU_ASSERT(ka.running);
	CU_ASSERT_EQUAL(ka.period_ms, 200);
	iop_nvmf_ka_fini(&ka);
	CU_ASSERT_EQUAL(f.keep_alives, 0);
}

IOP_UT_MAIN("nvmf_host", IOP_UT(test_io_qsize), IOP_UT(test_icd_and_params),
	    IOP_UT(test_sync_and_xfer), IOP_UT(test_keep_alive))
