/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: iop_nvme_tgt_setup_subsys: namespaces in order, host allow list, failures. */
#include "tests/unit/targets/nvme/nvme_ut.h"

#define SU_NQN "nqn.2024-01.io.iopath:su"
#define SU_HOST_A "nqn.2014-08.org.nvmexpress:uuid:a"
#define SU_HOST_B "nqn.2014-08.org.nvmexpress:uuid:b"

static void
test_setup_any_host(void)
{
	struct iop_backend *be[2] = {ut_ram_new(1 << 20, 512), ut_ram_new(1 << 20, 4096)};
	struct iop_nvme_tgt_opts o;
	struct iop_nvme_tgt *tgt = NULL;
	struct iop_nvme_subsys *ss = NULL;

	iop_nvme_tgt_opts_default(&o);
	CU_ASSERT_EQUAL(iop_nvme_tgt_setup_subsys(&o, SU_NQN, NULL, be, 2, &tgt, &ss), 0);
	CU_ASSERT_PTR_NOT_NULL(tgt);
	CU_ASSERT_PTR_EQUAL(iop_nvme_subsys_find(tgt, SU_NQN), ss);
	CU_ASSERT(iop_nvme_subsys_host_allowed(ss, SU_HOST_A));
	CU_ASSERT(iop_nvme_subsys_host_allowed(ss, SU_HOST_B));
	/* namespaces 1 and 2 are taken, 3 is the next free one */
	CU_ASSERT_EQUAL(iop_nvme_subsys_add_ns(ss, be[0], 1, NULL), -EEXIST);
	CU_ASSERT_EQUAL(iop_nvme_subsys_add_ns(ss, be[0], 2, NULL), -EEXIST);
	CU_ASSERT_EQUAL(iop_nvme_subsys_remove_ns(ss, 3), -ENOENT);
	iop_nvme_tgt_destroy(tgt);
	ut_ram_close(be[0]);
	ut_ram_close(be[1]);
}

static void
test_setup_allow_list(void)
{
	struct iop_backend *be = ut_ram_new(1 << 20, 512);
	struct iop_nvme_tgt_opts o;
	struct iop_nvme_tgt *tgt = NULL;
	struct iop_nvme_subsys *ss = NULL;

	iop_nvme_tgt_opts_default(&o);
	CU_ASSERT_EQUAL(iop_nvme_tgt_setup_subsys(&o, SU_NQN, SU_HOST_A, &be, 1, &tgt, &ss), 0);
	CU_ASSERT(iop_nvme_subsys_host_allowed(ss, SU_HOST_A));
	CU_ASSERT(!iop_nvme_subsys_host_allowed(ss, SU_HOST_B));
	iop_nvme_tgt_destroy(tgt);
	tgt = NULL;
	ss = NULL;
	CU_ASSERT_EQUAL(iop_nvme_tgt_setup_subsys(&o, SU_NQN, SU_HOST_A "+" SU_HOST_B, &be, 1, &tgt,
						  &ss), 0);
	CU_ASSERT(iop_nvme_subsys_host_allowed(ss, SU_HOST_A));
	CU_ASSERT(iop_nvme_subsys_host_allowed(ss, SU_HOST_B));
	iop_nvme_tgt_destroy(tgt);
	/* an empty list allows nobody (as the TCP target's allow_host= always did) */
	tgt = NULL;
	CU_ASSERT_EQUAL(iop_nvme_tgt_setup_subsys(&o, SU_NQN, "", &be, 1, &tgt, &ss), 0);
	CU_ASSERT(!iop_nvme_subsys_host_allowed(ss, SU_HOST_A));
	iop_nvme_tgt_destroy(tgt);
	ut_ram_close(be);
}

static void
test_setup_failures(void)
{
	struct iop_backend *be = ut_ram_new(1 << 20, 512);
	struct iop_backend *bad = ut_ram_new(1 << 20, 1000); /* block size not a power of two */
	struct iop_backend *two[2] = {be, bad};
	struct iop_nvme_tgt_opts o;
	struct iop_nvme_tgt *tgt = NULL;
	struct iop_nvme_subsys *ss = NULL;

	iop_nvme_tgt_opts_default(&o);
	/* bad NQN: the target exists (for the caller's teardown), the subsystem does not */
	CU_ASSERT_EQUAL(iop_nvme_tgt_setup_subsys(&o, "", NULL, &be, 1, &tgt, &ss), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(tgt);
	iop_nvme_tgt_destroy(tgt);
	/* a host listed twice */
	tgt = NULL;
	CU_ASSERT_EQUAL(iop_nvme_tgt_setup_subsys(&o, SU_NQN, SU_HOST_A "+" SU_HOST_A, &be, 1, &tgt,
						  &ss), -EEXIST);
	iop_nvme_tgt_destroy(tgt);
	/* unusable second backend */
	tgt = NULL;
	CU_ASSERT_EQUAL(iop_nvme_tgt_setup_subsys(&o, SU_NQN, NULL, two, 2, &tgt, &ss), -EINVAL);
	CU_ASSERT_EQUAL(iop_nvme_subsys_add_ns(ss, be, 1, NULL), -EEXIST);
	iop_nvme_tgt_destroy(tgt);
	ut_ram_close(be);
	ut_ram_close(bad);
}

IOP_UT_MAIN("nvme_subsys", IOP_UT(test_setup_any_host), IOP_UT(test_setup_allow_list),
	    IOP_UT(test_setup_failures))
