/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: soak sampling: RSS/fd readings of self and another pid track real changes; bounds judged. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness/soak.h"
#include "tests/common/ut.h"

static void
test_sample_self(void)
{
	uint64_t rss0, fds0, rss1, fds1;
	int fds[8];
	size_t big = 32u << 20;
	volatile char *p;

	CU_ASSERT_EQUAL(iop_soak_sample(0, &rss0, &fds0), 0);
	CU_ASSERT(rss0 > 0);
	CU_ASSERT(fds0 >= 3);
	for (int i = 0; i < 8; i++) {
		fds[i] = open("/dev/null", O_RDONLY);
	}
	p = malloc(big);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	for (size_t o = 0; o < big; o += 4096) {
		p[o] = 1; /* touch every page: RSS grows by about 32 MiB */
	}
	CU_ASSERT_EQUAL(iop_soak_sample(0, &rss1, &fds1), 0);
	CU_ASSERT_EQUAL(fds1, fds0 + 8);
	CU_ASSERT(rss1 >= rss0 + big / 2);
	free((void *)p);
	for (int i = 0; i < 8; i++) {
		close(fds[i]);
	}
	CU_ASSERT_EQUAL(iop_soak_sample(0, &rss1, &fds1), 0);
	CU_ASSERT_EQUAL(fds1, fds0);
}

static void
test_sample_other(void)
{
	uint64_t rss, fds;

	CU_ASSERT_EQUAL(iop_soak_sample(getppid(), &rss, &fds), 0);
	CU_ASSERT(rss > 0);
	/* a pid that does not exist */
	CU_ASSERT(iop_soak_sample(4194304 + 1, &rss, &fds) < 0);
}

static void
test_within(void)
{
	struct iop_soak_cfg cfg = {.interval_ns = 1, .max_rss = 1 << 20, .max_fds = 2};
	struct iop_soak_proc p = {.rss0 = 10 << 20, .rss_last = 11 << 20, .fds0 = 5, .fds_last = 7};

	CU_ASSERT(iop_soak_within(&cfg, &p));
	p.rss_last++;
	CU_ASSERT(!iop_soak_within(&cfg, &p));
	p.rss_last = 9 << 20; /* shrinking is fine */
	CU_ASSERT(iop_soak_within(&cfg, &p));
	p.fds_last = 8;
	CU_ASSERT(!iop_soak_within(&cfg, &p));
}

static void
test_thread(void)
{
	struct iop_soak_cfg cfg;
	struct iop_soak *s = NULL;
	char buf[2048];
	FILE *f;

	iop_opts_defaults(iop_soak_options(), &cfg);
	cfg.interval_ns = 20000000; /* 20 ms */
	CU_ASSERT_EQUAL_FATAL(iop_soak_start(&cfg, &s), 0);
	usleep(150000);
	f = fmemopen(buf, sizeof(buf), "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(iop_soak_stop(s, f), 0);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "initiator pid"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, ": ok"));
	/* stopped before two samples: not enough to judge, reported as a failure */
	CU_ASSERT_EQUAL_FATAL(iop_soak_start(&cfg, &s), 0);
	f = fmemopen(buf, sizeof(buf), "w");
	CU_ASSERT_EQUAL(iop_soak_stop(s, f), 1);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "fewer than 2 samples"));
}

IOP_UT_MAIN("soak", IOP_UT(test_sample_self), IOP_UT(test_sample_other), IOP_UT(test_within),
	    IOP_UT(test_thread))
