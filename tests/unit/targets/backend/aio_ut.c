/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: aio backend: O_DIRECT data, discard/write-zeroes, bounds, BUSY, open errors. */
#include "tests/unit/targets/backend/file_ut_common.h"

static void
test_aio_data(void)
{
	char spec[256];

	ut_check_data(ut_spec(spec, sizeof(spec), "aio", "data", "create=1,size=16M"));
}

static void
test_aio_zeroes(void)
{
	char spec[256];

	ut_check_zeroes(ut_spec(spec, sizeof(spec), "aio", "zeroes", "create=1,size=16M"));
}

static void
test_aio_bounds(void)
{
	char spec[256];

	ut_check_bounds(ut_spec(spec, sizeof(spec), "aio", "bounds", "create=1,size=1M"));
}

static void
test_aio_busy(void)
{
	char spec[256];

	ut_check_busy(ut_spec(spec, sizeof(spec), "aio", "busy", "create=1,size=1M"));
}

static void
test_aio_kernel_error(void)
{
	ut_check_short_read("aio");
}

static void
test_aio_event_fd(void)
{
	ut_check_event_fd("aio");
}

static void
test_aio_bdev(void)
{
	ut_check_bdev("aio");
}

static void
test_aio_files(void)
{
	ut_file_checks("aio");
	ut_dir_cleanup();
}

IOP_UT_MAIN("aio", IOP_UT(test_aio_data), IOP_UT(test_aio_zeroes), IOP_UT(test_aio_bounds),
	    IOP_UT(test_aio_busy), IOP_UT(test_aio_kernel_error), IOP_UT(test_aio_event_fd),
	    IOP_UT(test_aio_bdev), IOP_UT(test_aio_files))
