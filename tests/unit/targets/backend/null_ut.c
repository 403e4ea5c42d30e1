/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: null backend: inline/poll completion, bounds, BUSY at depth, bad options, cost. */
#include "tests/unit/targets/backend/backend_ut_common.h"

static void
test_null_inline(void)
{
	struct iop_backend *be = ut_open("null:size=1G,bs=4096");
	struct iop_backend_chan *ch = ut_chan(be, 1);
	uint8_t buf[4096];
	struct ut_io u;

	CU_ASSERT_EQUAL(be->info.size, 1ull << 30);
	CU_ASSERT_EQUAL(be->info.block_size, 4096);
	CU_ASSERT_STRING_EQUAL(be->spec, "null:size=1G,bs=4096");
	/* Inline: callback already ran when submit returns DONE; depth never limits. */
	for (int i = 0; i < 3; i++) {
		ut_io_prep(&u, IOP_OP_READ, 4096, buf, sizeof(buf));
		CU_ASSERT_EQUAL(be->ops->submit(ch, &u.io), IOP_SUBMIT_DONE);
		CU_ASSERT(u.done);
		CU_ASSERT_EQUAL(u.io.status, 0);
	}
	CU_ASSERT_EQUAL(be->ops->poll(ch, 16), 0);
	CU_ASSERT_EQUAL(be->ops->chan_fd(ch), -1);
	CU_ASSERT_EQUAL(iop_backend_chan_register_mem(ch, buf, sizeof(buf)), -EOPNOTSUPP);
	be->ops->chan_close(ch);
	iop_backend_close(be);
}

static void
test_null_bounds(void)
{
	ut_check_bounds("null:size=1M");
	ut_check_bounds("null:size=1M,completion=poll");
}

static void
test_null_busy(void)
{
	ut_check_busy("null:size=1M,completion=poll");
}

static void
test_null_bad_options(void)
{
	/* Test1: block size other than 512/4096 */
	ut_check_open_fails("null:bs=1000", -EINVAL, "bs");
	/* Test2: malformed size, size not a multiple of bs, size below one page */
	ut_check_open_fails("null:size=abc", -EINVAL, "size");
	ut_check_open_fails("null:size=4097,bs=512", -EINVAL, "null");
	ut_check_open_fails("null:size=1k", -ERANGE, "size");
	/* Test3: unknown option and unknown completion mode */
	ut_check_open_fails("null:sise=1G", -ENOENT, "sise");
	ut_check_open_fails("null:completion=never", -EINVAL, "completion");
}

/* The engine expects millions of I/Os per second through null: keep submit in the ns range. */
static void
test_null_cost(void)
{
	struct iop_backend *be = ut_open("null:size=1G");
	struct iop_backend_chan *ch = ut_chan(be, 1);
	uint8_t buf[4096];
	struct ut_io u;
	const unsigned int n = 2000000;
	uint64_t t0, dt;

	ut_io_prep(&u, IOP_OP_READ, 0, buf, sizeof(buf));
	t0 = iop_now_ns();
	for (unsigned int i = 0; i < n; i++) {
		u.io.offset = (uint64_t)(i & 1023) * 4096;
		be->ops->submit(ch, &u.io);
	}
	dt = iop_now_ns() - t0;
	CU_ASSERT_EQUAL(u.ncb, n);
	printf("\nnull submit+callback: %.1f ns per I/O\n", (double)dt / n);
	/* Generous bound for a loaded shared machine; typically ~2-5 ns. */
	CU_ASSERT(dt / n < 500);
	be->ops->chan_close(ch);
	iop_backend_close(be);
}

IOP_UT_MAIN("null", IOP_UT(test_null_inline), IOP_UT(test_null_bounds), IOP_UT(test_null_busy),
	    IOP_UT(test_null_bad_options), IOP_UT(test_null_cost))
