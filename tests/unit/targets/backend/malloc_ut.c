/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: malloc backend: data round trip, discard/write-zeroes, bounds, BUSY, bad options. */
#include "tests/unit/targets/backend/backend_ut_common.h"

static void
test_malloc_data(void)
{
	ut_check_data("malloc:size=8M");
	ut_check_data("malloc:size=8M,bs=4096,completion=poll");
}

static void
test_malloc_zeroes(void)
{
	ut_check_zeroes("malloc:size=8M");
	ut_check_zeroes("malloc:size=8M,completion=poll");
}

static void
test_malloc_bounds(void)
{
	ut_check_bounds("malloc:size=1M");
	ut_check_bounds("malloc:size=1M,bs=4096,completion=poll");
}

static void
test_malloc_busy(void)
{
	ut_check_busy("malloc:size=1M,completion=poll");
}

/* Fresh RAM disk reads zeroes; data written through one channel is seen by another. */
static void
test_malloc_channels(void)
{
	struct iop_backend *be = ut_open("malloc:size=64M");
	struct iop_backend_chan *a = ut_chan(be, 2), *b = ut_chan(be, 2);
	uint8_t *w = aligned_alloc(4096, 8192), *r = aligned_alloc(4096, 8192);

	CU_ASSERT_EQUAL(be->info.block_size, 512);
	memset(r, 0xff, 8192);
	CU_ASSERT_EQUAL(ut_do(b, IOP_OP_READ, 60ull << 20, r, 8192), 0);
	CU_ASSERT(ut_is_zero(r, 8192));
	ut_fill(w, 8192, 3);
	CU_ASSERT_EQUAL(ut_do(a, IOP_OP_WRITE, 512, w, 8192), 0);
	CU_ASSERT_EQUAL(ut_do(b, IOP_OP_READ, 512, r, 8192), 0);
	CU_ASSERT(memcmp(w, r, 8192) == 0);
	free(w);
	free(r);
	be->ops->chan_close(a);
	be->ops->chan_close(b);
	iop_backend_close(be);
}

static void
test_malloc_bad_options(void)
{
	ut_check_open_fails("malloc:size=1x", -EINVAL, "size");
	ut_check_open_fails("malloc:size=6000", -EINVAL, "malloc");
	ut_check_open_fails("malloc:bs=2048", -EINVAL, "malloc");
	ut_check_open_fails("malloc:path=/tmp/x", -ENOENT, "path");
}

IOP_UT_MAIN("malloc", IOP_UT(test_malloc_data), IOP_UT(test_malloc_zeroes),
	    IOP_UT(test_malloc_bounds), IOP_UT(test_malloc_busy), IOP_UT(test_malloc_channels),
	    IOP_UT(test_malloc_bad_options))
