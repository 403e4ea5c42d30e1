/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared checks for the file backends (uring, aio): temp files, sizes, create, open errors. */
#ifndef IOPATH_TESTS_FILE_UT_COMMON_H
#define IOPATH_TESTS_FILE_UT_COMMON_H

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include "tests/unit/targets/backend/backend_ut_common.h"

static char g_ut_dir[64];

/* A fresh temp dir under /tmp (a disk file system, so O_DIRECT works). */
static const char * __attribute__((unused))
ut_dir(void)
{
	if (!g_ut_dir[0]) {
		snprintf(g_ut_dir, sizeof(g_ut_dir), "/tmp/iop_be_ut.XXXXXX");
		if (!mkdtemp(g_ut_dir)) {
			perror("mkdtemp");
			abort();
		}
	}
	return g_ut_dir;
}

static void __attribute__((unused))
ut_dir_cleanup(void)
{
	char cmd[256];

	if (g_ut_dir[0]) {
		/* a loop device left by a failed block-device check */
		snprintf(cmd, sizeof(cmd),
			 "losetup -j '%s/loop.img' 2>/dev/null | cut -d: -f1 | "
			 "xargs -r -n1 losetup -d", g_ut_dir);
		if (system(cmd) != 0) {
			fprintf(stderr, "cannot detach loop devices of %s\n", g_ut_dir);
		}
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_ut_dir);
		if (system(cmd) != 0) {
			fprintf(stderr, "cannot remove %s\n", g_ut_dir);
		}
	}
}

/* spec "<mod>:path=<dir>/<name>,<extra>" into buf. */
static const char * __attribute__((unused))
ut_spec(char *buf, size_t len, const char *mod, const char *name, const char *extra)
{
	snprintf(buf, len, "%s:path=%s/%s%s%s", mod, ut_dir(), name, extra[0] ? "," : "", extra);
	return buf;
}

static void __attribute__((unused))
ut_file_checks(const char *mod)
{
	char spec[256], path[200];
	struct iop_backend *be;
	struct stat st;
	int fd;

	/* Test1: missing file without create=1: -ENOENT, error names the path */
	ut_spec(spec, sizeof(spec), mod, "missing", "");
	snprintf(path, sizeof(path), "%s/missing", ut_dir());
	ut_check_open_fails(spec, -ENOENT, path);
	/* Test2: create=1,size= creates the file with that size */
	ut_spec(spec, sizeof(spec), mod, "created", "create=1,size=2M");
	be = ut_open(spec);
	CU_ASSERT_EQUAL(be->info.size, 2ull << 20);
	iop_backend_close(be);
	snprintf(path, sizeof(path), "%s/created", ut_dir());
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_size, 2 << 20);
	/* Test3: without size= the file's size is used; a larger size= needs create=1 */
	ut_spec(spec, sizeof(spec), mod, "created", "");
	be = ut_open(spec);
	CU_ASSERT_EQUAL(be->info.size, 2ull << 20);
	iop_backend_close(be);
	ut_spec(spec, sizeof(spec), mod, "created", "size=4M");
	ut_check_open_fails(spec, -EINVAL, "created");
	ut_spec(spec, sizeof(spec), mod, "created", "size=4M,create=1");
	be = ut_open(spec);
	CU_ASSERT_EQUAL(be->info.size, 4ull << 20);
	iop_backend_close(be);
	/* Test4: bad sizes and block sizes */
	ut_spec(spec, sizeof(spec), mod, "created", "size=1000");
	ut_check_open_fails(spec, -EINVAL, mod);
	ut_spec(spec, sizeof(spec), mod, "created", "size=12q");
	ut_check_open_fails(spec, -EINVAL, "size");
	ut_spec(spec, sizeof(spec), mod, "created", "bs=1024");
	ut_check_open_fails(spec, -EINVAL, mod);
	ut_spec(spec, sizeof(spec), mod, "created", "bs=4096");
	be = ut_open(spec);
	CU_ASSERT_EQUAL(be->info.block_size, 4096);
	iop_backend_close(be);
	/* Test5: empty file without size=, a directory, no path at all */
	snprintf(path, sizeof(path), "%s/empty", ut_dir());
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	CU_ASSERT(fd >= 0);
	close(fd);
	ut_spec(spec, sizeof(spec), mod, "empty", "");
	ut_check_open_fails(spec, -EINVAL, "empty");
	snprintf(spec, sizeof(spec), "%s:path=%s", mod, ut_dir());
	CU_ASSERT(iop_backend_open(spec, &be, path, sizeof(path)) < 0);
	snprintf(spec, sizeof(spec), "%s:direct=0", mod);
	ut_check_open_fails(spec, -EINVAL, mod);
	/* Test6: buffered (direct=0) works too */
	ut_spec(spec, sizeof(spec), mod, "buffered", "create=1,size=8M,direct=0");
	ut_check_data(spec);
}

/* Interrupt mode: the channel fd becomes readable once a completion is ready, and poll()
 * drains it so it does not stay readable without new completions. */
static void __attribute__((unused))
ut_check_event_fd(const char *mod)
{
	char spec[256];
	struct iop_backend *be = ut_open(ut_spec(spec, sizeof(spec), mod, "evfd",
						  "create=1,size=1M"));
	struct iop_backend_chan *ch = ut_chan(be, 2);
	uint8_t *buf = aligned_alloc(4096, 4096);
	int fd = be->ops->chan_fd(ch);
	struct pollfd p = {.fd = fd, .events = POLLIN};
	struct ut_io u;

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(be->ops->chan_fd(ch), fd);
	CU_ASSERT_EQUAL(poll(&p, 1, 0), 0);
	ut_io_prep(&u, IOP_OP_READ, 0, buf, 4096);
	CU_ASSERT_EQUAL(be->ops->submit(ch, &u.io), IOP_SUBMIT_QUEUED);
	CU_ASSERT_EQUAL(be->ops->poll(ch, 0), 0); /* submits only */
	CU_ASSERT_EQUAL(poll(&p, 1, 5000), 1);
	CU_ASSERT_EQUAL(be->ops->poll(ch, 4), 1);
	CU_ASSERT(u.done);
	CU_ASSERT_EQUAL(u.io.status, 0);
	CU_ASSERT_EQUAL(poll(&p, 1, 0), 0);
	free(buf);
	be->ops->chan_close(ch);
	iop_backend_close(be);
}

/*
 * Block devices: a loop device over a 16 MiB file (losetup needs root and the loop driver; when
 * either is missing the check says so and returns). Size comes from the device; size= larger than
 * the device is refused; data, discard and write-zeroes work as on files.
 */
static void __attribute__((unused))
ut_check_bdev(const char *mod)
{
	char img[200], cmd[400], dev[64] = "", spec[256];
	struct iop_backend *be;
	FILE *f;
	int fd;

	snprintf(img, sizeof(img), "%s/loop.img", ut_dir());
	fd = open(img, O_CREAT | O_RDWR, 0644);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(ftruncate(fd, 16 << 20), 0);
	close(fd);
	snprintf(cmd, sizeof(cmd), "losetup -f --show '%s' 2>/dev/null", img);
	f = popen(cmd, "r");
	if (f) {
		if (!fgets(dev, sizeof(dev), f)) {
			dev[0] = '\0';
		}
		pclose(f);
	}
	dev[strcspn(dev, "\n")] = '\0';
	if (strncmp(dev, "/dev/loop", 9)) {
		printf("(no loop device here: block device path not exercised) ");
		return;
	}
	snprintf(spec, sizeof(spec), "%s:path=%s", mod, dev);
	be = ut_open(spec);
	CU_ASSERT_EQUAL(be->info.size, 16ull << 20);
	CU_ASSERT(be->info.block_size == 512 || be->info.block_size == 4096);
	iop_backend_close(be);
	ut_check_data(spec);
	ut_check_zeroes(spec);
	ut_check_bounds(spec);
	snprintf(spec, sizeof(spec), "%s:path=%s,size=32M", mod, dev);
	ut_check_open_fails(spec, -EINVAL, dev);
	snprintf(cmd, sizeof(cmd), "losetup -d '%s'", dev);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

/* A file truncated behind the backend's back: reads come back short and report -EIO. */
static void __attribute__((unused))
ut_check_short_read(const char *mod)
{
	char spec[256], path[200];
	struct iop_backend *be = ut_open(ut_spec(spec, sizeof(spec), mod, "shrunk",
						  "create=1,size=1M"));
	struct iop_backend_chan *ch = ut_chan(be, 2);
	uint8_t *buf = aligned_alloc(4096, 4096);

	snprintf(path, sizeof(path), "%s/shrunk", ut_dir());
	CU_ASSERT_EQUAL(ut_do(ch, IOP_OP_READ, 65536, buf, 4096), 0);
	CU_ASSERT_EQUAL(truncate(path, 0), 0);
	CU_ASSERT_EQUAL(ut_do(ch, IOP_OP_READ, 65536, buf, 4096), -EIO);
	free(buf);
	be->ops->chan_close(ch);
	iop_backend_close(be);
}

#endif
