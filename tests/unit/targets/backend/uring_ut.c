/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: uring backend: O_DIRECT data, fixed buffers, sqpoll, zeroes, bounds, BUSY. */
#include "tests/unit/targets/backend/file_ut_common.h"

static void
test_uring_data(void)
{
	char spec[256];

	ut_check_data(ut_spec(spec, sizeof(spec), "uring", "data", "create=1,size=16M"));
}

static void
test_uring_sqpoll(void)
{
	char spec[256];

	ut_check_data(ut_spec(spec, sizeof(spec), "uring", "sqpoll", "create=1,size=16M,sqpoll=1"));
}

static void
test_uring_zeroes(void)
{
	char spec[256];

	ut_check_zeroes(ut_spec(spec, sizeof(spec), "uring", "zeroes", "create=1,size=16M"));
}

static void
test_uring_bounds(void)
{
	char spec[256];

	ut_check_bounds(ut_spec(spec, sizeof(spec), "uring", "bounds", "create=1,size=1M"));
}

static void
test_uring_busy(void)
{
	char spec[256];

	ut_check_busy(ut_spec(spec, sizeof(spec), "uring", "busy", "create=1,size=1M"));
}

/* Registered memory goes through READ_FIXED/WRITE_FIXED and must carry the same data. */
static void
test_uring_fixed_buffers(void)
{
	enum { LEN = 1 << 20 };
	char spec[256];
	struct iop_backend *be = ut_open(ut_spec(spec, sizeof(spec), "uring", "fixed",
						  "create=1,size=16M"));
	struct iop_backend_chan *ch = ut_chan(be, 4);
	uint8_t *arena = aligned_alloc(4096, LEN), *plain = aligned_alloc(4096, 65536);

	CU_ASSERT_EQUAL(iop_backend_chan_register_mem(ch, arena, LEN), 0);
	ut_fill(arena, 65536, 11);
	CU_ASSERT_EQUAL(ut_do(ch, IOP_OP_WRITE, 1 << 20, arena, 65536), 0);
	/* read back into unregistered memory, then into another part of the arena */
	CU_ASSERT_EQUAL(ut_do(ch, IOP_OP_READ, 1 << 20, plain, 65536), 0);
	CU_ASSERT(memcmp(plain, arena, 65536) == 0);
	memset(arena + 65536, 0, 65536);
	CU_ASSERT_EQUAL(ut_do(ch, IOP_OP_READ, 1 << 20, arena + 65536, 65536), 0);
	CU_ASSERT(memcmp(arena + 65536, arena, 65536) == 0);
	/* a buffer straddling the end of the region falls back to a plain read */
	CU_ASSERT_EQUAL(iop_backend_chan_register_mem(ch, plain, 4096), 0);
	iop_backend_chan_unregister_mem(ch, plain);
	CU_ASSERT_EQUAL(ut_do(ch, IOP_OP_READ, 1 << 20, plain, 65536), 0);
	CU_ASSERT(memcmp(plain, arena, 65536) == 0);
	iop_backend_chan_unregister_mem(ch, arena);
	be->ops->chan_close(ch);
	iop_backend_close(be);
	free(arena);
	free(plain);
}

/* A file system refusing O_DIRECT falls back to buffered I/O with a notice. */
static void
test_uring_direct_fallback(void)
{
	static const char *const dirs[] = {"/dev/shm", "/run", NULL};
	char path[128], spec[256];
	int fd = -1;

	for (int i = 0; dirs[i]; i++) {
		snprintf(path, sizeof(path), "%s/iop_be_ut_%d", dirs[i], (int)getpid());
		fd = open(path, O_CREAT | O_RDWR | O_DIRECT, 0644);
		if (fd < 0 && errno == EINVAL) {
			break;
		}
		if (fd >= 0) {
			close(fd);
			unlink(path);
		}
		fd = -1;
		path[0] = '\0';
	}
	if (!path[0]) {
		printf("(no file system here refuses O_DIRECT; fallback not exercised) ");
		return;
	}
	unlink(path);
	snprintf(spec, sizeof(spec), "uring:path=%s,create=1,size=4M", path);
	ut_check_data(spec);
	unlink(path);
}

static void
test_uring_kernel_error(void)
{
	ut_check_short_read("uring");
}

static void
test_uring_event_fd(void)
{
	ut_check_event_fd("uring");
}

static void
test_uring_bdev(void)
{
	ut_check_bdev("uring");
}

static void
test_uring_files(void)
{
	ut_file_checks("uring");
	ut_dir_cleanup();
}

IOP_UT_MAIN("uring", IOP_UT(test_uring_data), IOP_UT(test_uring_sqpoll), IOP_UT(test_uring_zeroes),
	    IOP_UT(test_uring_bounds), IOP_UT(test_uring_busy), IOP_UT(test_uring_fixed_buffers),
	    IOP_UT(test_uring_direct_fallback), IOP_UT(test_uring_kernel_error),
	    IOP_UT(test_uring_event_fd), IOP_UT(test_uring_bdev), IOP_UT(test_uring_files))
