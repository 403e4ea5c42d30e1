/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared checks for the backend unit tests: real I/O through iop_backend_open/submit/poll. */
#ifndef IOPATH_TESTS_BACKEND_UT_COMMON_H
#define IOPATH_TESTS_BACKEND_UT_COMMON_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "iopath/backend.h"
#include "iopath/util.h"
#include "tests/common/ut.h"

struct ut_io {
	struct iop_io io;
	bool done;
	unsigned int ncb;
};

static void __attribute__((unused))
ut_io_cb(struct iop_io *io)
{
	struct ut_io *u = iop_container_of(io, struct ut_io, io);

	u->done = true;
	u->ncb++;
}

static void __attribute__((unused))
ut_io_prep(struct ut_io *u, int op, uint64_t off, void *buf, uint64_t len)
{
	memset(u, 0, sizeof(*u));
	u->io.op = (uint8_t)op;
	u->io.offset = off;
	u->io.cb = ut_io_cb;
	if (buf) {
		iop_io_set_buf(&u->io, buf, len);
	} else {
		u->io.len = len;
	}
	u->io.status = 1; /* must be overwritten */
}

/* Poll until every io in us[0..n) completed (5 s limit). \return true when all completed. */
static bool __attribute__((unused))
ut_wait(struct iop_backend_chan *ch, struct ut_io *us, unsigned int n)
{
	uint64_t deadline = iop_now_ns() + 5000000000ull;

	for (;;) {
		unsigned int left = 0;

		for (unsigned int i = 0; i < n; i++) {
			left += !us[i].done;
		}
		if (!left) {
			return true;
		}
		if (iop_now_ns() > deadline) {
			return false;
		}
		if (ch->be->ops->poll(ch, 64) == 0) {
			usleep(50);
		}
	}
}

/* Submit one I/O and wait for it. \return its status (or 99 when it never completed). */
static int __attribute__((unused))
ut_do(struct iop_backend_chan *ch, int op, uint64_t off, void *buf, uint64_t len)
{
	struct ut_io u;
	enum iop_submit_status st;

	ut_io_prep(&u, op, off, buf, len);
	st = ch->be->ops->submit(ch, &u.io);
	CU_ASSERT(st != IOP_SUBMIT_BUSY);
	if (st == IOP_SUBMIT_DONE) {
		CU_ASSERT(u.done);
	}
	if (!ut_wait(ch, &u, 1)) {
		return 99;
	}
	CU_ASSERT_EQUAL(u.ncb, 1);
	return u.io.status;
}

static void __attribute__((unused))
ut_fill(uint8_t *p, size_t len, uint64_t seed)
{
	for (size_t i = 0; i < len; i += 8) {
		uint64_t v = seed * 0x9e3779b97f4a7c15ull + i;

		memcpy(p + i, &v, 8);
	}
}

static bool __attribute__((unused))
ut_is_zero(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i]) {
			return false;
		}
	}
	return true;
}

static struct iop_backend * __attribute__((unused))
ut_open(const char *spec)
{
	struct iop_backend *be = NULL;
	char err[256] = "";
	int rc = iop_backend_open(spec, &be, err, sizeof(err));

	if (rc) {
		fprintf(stderr, "open %s: %s\n", spec, err);
	}
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(be);
	return be;
}

static struct iop_backend_chan * __attribute__((unused))
ut_chan(struct iop_backend *be, unsigned int depth)
{
	struct iop_backend_chan *ch = NULL;

	CU_ASSERT_EQUAL_FATAL(be->ops->chan_open(be, depth, &ch), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ch);
	CU_ASSERT_PTR_EQUAL(ch->be, be);
	return ch;
}

/* Write distinct patterns at queue depth 8 (single buffers and a 3-segment iovec), read back. */
static void __attribute__((unused))
ut_check_data(const char *spec)
{
	enum { NB = 16, BS = 4096 };
	struct iop_backend *be = ut_open(spec);
	struct iop_backend_chan *ch = ut_chan(be, 8);
	uint8_t *wbuf = aligned_alloc(4096, NB * BS), *rbuf = aligned_alloc(4096, NB * BS);
	struct ut_io us[NB];
	unsigned int next = 0;

	ut_fill(wbuf, NB * BS, 7);
	memset(rbuf, 0xee, NB * BS);
	/* Keep up to 8 in flight; BUSY means poll and retry. */
	while (next < NB) {
		ut_io_prep(&us[next], IOP_OP_WRITE, (uint64_t)next * BS * 3, wbuf + next * BS, BS);
		if (be->ops->submit(ch, &us[next].io) == IOP_SUBMIT_BUSY) {
			be->ops->poll(ch, 8);
			continue;
		}
		next++;
	}
	CU_ASSERT_FATAL(ut_wait(ch, us, NB));
	for (unsigned int i = 0; i < NB; i++) {
		CU_ASSERT_EQUAL(us[i].io.status, 0);
		CU_ASSERT_EQUAL(us[i].ncb, 1);
	}
	CU_ASSERT_EQUAL(ut_do(ch, IOP_OP_FLUSH, 0, NULL, 0), 0);
	for (unsigned int i = 0; i < NB; i++) {
		CU_ASSERT_EQUAL(ut_do(ch, IOP_OP_READ, (uint64_t)i * BS * 3, rbuf + i * BS, BS), 0);
	}
	CU_ASSERT(memcmp(wbuf, rbuf, NB * BS) == 0);

	/* Vectored: write 3 blocks from 3 segments, read them back as one buffer. */
	{
		struct iovec iov[3] = {
			{wbuf + 5 * BS, BS}, {wbuf + 9 * BS, BS}, {wbuf + 2 * BS, BS},
		};
		struct ut_io u;

		ut_io_prep(&u, IOP_OP_WRITE, 1 << 20, NULL, 3 * BS);
		u.io.iov = iov;
		u.io.iovcnt = 3;
		CU_ASSERT(be->ops->submit(ch, &u.io) != IOP_SUBMIT_BUSY);
		CU_ASSERT_FATAL(ut_wait(ch, &u, 1));
		CU_ASSERT_EQUAL(u.io.status, 0);
		memset(rbuf, 0, 3 * BS);
		CU_ASSERT_EQUAL(ut_do(ch, IOP_OP_READ, 1 << 20, rbuf, 3 * BS), 0);
		CU_ASSERT(memcmp(rbuf, wbuf + 5 * BS, BS) == 0);
		CU_ASSERT(memcmp(rbuf + BS, wbuf + 9 * BS, BS) == 0);
		CU_ASSERT(memcmp(rbuf + 2 * BS, wbuf + 2 * BS, BS) == 0);
	}
	free(wbuf);
	free(rbuf);
	be->ops->chan_close(ch);
	iop_backend_close(be);
}

/* DISCARD and WRITE_ZEROES over written data read back zeroes; neighbours stay intact. */
static void __attribute__((unused))
ut_check_zeroes(const char *spec)
{
	enum { LEN = 256 * 1024 };
	struct iop_backend *be = ut_open(spec);
	struct iop_backend_chan *ch = ut_chan(be, 4);
	uint8_t *w = aligned_alloc(4096, LEN), *r = aligned_alloc(4096, LEN);
	static const int ops[] = {IOP_OP_DISCARD, IOP_OP_WRITE_ZEROES};

	CU_ASSERT(be->info.discard);
	CU_ASSERT(be->info.write_zeroes);
	for (unsigned int k = 0; k < 2; k++) {
		uint64_t base = 4ull << 20;

		ut_fill(w, LEN, 100 + k);
		CU_ASSERT_EQUAL(ut_do(ch, IOP_OP_WRITE, base, w, LEN), 0);
		/* Small range (memset path) and a large one (page release path). */
		CU_ASSERT_EQUAL(ut_do(ch, ops[k], base + 4096, NULL, 8192), 0);
		CU_ASSERT_EQUAL(ut_do(ch, ops[k], base + 65536, NULL, 131072), 0);
		CU_ASSERT_EQUAL(ut_do(ch, IOP_OP_READ, base, r, LEN), 0);
		CU_ASSERT(memcmp(r, w, 4096) == 0);
		CU_ASSERT(ut_is_zero(r + 4096, 8192));
		CU_ASSERT(memcmp(r + 12288, w + 12288, 65536 - 12288) == 0);
		CU_ASSERT(ut_is_zero(r + 65536, 131072));
		CU_ASSERT(memcmp(r + 196608, w + 196608, LEN - 196608) == 0);
	}
	free(w);
	free(r);
	be->ops->chan_close(ch);
	iop_backend_close(be);
}

/* Beyond the end -> -ERANGE, unaligned offset/length or iovec mismatch -> -EINVAL. */
static void __attribute__((unused))
ut_check_bounds(const char *spec)
{
	struct iop_backend *be = ut_open(spec);
	struct iop_backend_chan *ch = ut_chan(be, 4);
	uint64_t size = be->info.size;
	uint32_t bs = be->info.block_size;
	uint8_t *buf = aligned_alloc(4096, 8192);

	memset(buf, 0, 8192);
	CU_ASSERT(size > 0);
	CU_ASSERT(bs == 512 || bs == 4096);
	/* Test1: last block is fine, one past the end is not */
	CU_ASSERT_EQUAL(ut_do(ch, IOP_OP_WRITE, size - bs, buf, bs), 0);
	CU_ASSERT_EQUAL(ut_do(ch, IOP_OP_READ, size - bs, buf, bs), 0);
	CU_ASSERT_EQUAL(ut_do(ch, IOP_OP_READ, size, buf, bs), -ERANGE);
	CU_ASSERT_EQUAL(ut_do(ch, IOP_OP_WRITE, size - bs, buf, 2 * bs), -ERANGE);
	CU_ASSERT_EQUAL(ut_do(ch, IOP_OP_DISCARD, size - bs, NULL, 2 * bs), -ERANGE);
	CU_ASSERT_EQUAL(ut_do(ch, IOP_OP_READ, UINT64_MAX - bs + 1, buf, bs), -ERANGE);
	/* Test2: misaligned offset and length, zero length */
	CU_ASSERT_EQUAL(ut_do(ch, IOP_OP_READ, 100, buf, bs), -EINVAL);
	CU_ASSERT_EQUAL(ut_do(ch, IOP_OP_WRITE, 0, buf, bs + 1), -EINVAL);
	CU_ASSERT_EQUAL(ut_do(ch, IOP_OP_WRITE_ZEROES, 0, NULL, 0), -EINVAL);
	/* Test3: iovec total differs from len */
	{
		struct ut_io u;

		ut_io_prep(&u, IOP_OP_READ, 0, buf, bs);
		u.io.len = 2 * bs;
		CU_ASSERT(be->ops->submit(ch, &u.io) != IOP_SUBMIT_BUSY);
		CU_ASSERT(ut_wait(ch, &u, 1));
		CU_ASSERT_EQUAL(u.io.status, -EINVAL);
	}
	/* Test4: unknown op */
	CU_ASSERT_EQUAL(ut_do(ch, IOP_OP_MAX, 0, buf, bs), -EINVAL);
	free(buf);
	be->ops->chan_close(ch);
	iop_backend_close(be);
}

/*
 * A channel of depth 4 with 4 queued I/Os answers BUSY (io untouched, no callback); after
 * poll() reaps, the same I/O is accepted and completes.
 */
static void __attribute__((unused))
ut_check_busy(const char *spec)
{
	enum { D = 4 };
	struct iop_backend *be = ut_open(spec);
	struct iop_backend_chan *ch = ut_chan(be, D);
	uint8_t *buf = aligned_alloc(4096, (D + 1) * 4096);
	struct ut_io us[D + 1];

	memset(buf, 0x5a, (D + 1) * 4096);
	for (unsigned int i = 0; i < D; i++) {
		ut_io_prep(&us[i], IOP_OP_READ, (uint64_t)i * 4096, buf + i * 4096, 4096);
		CU_ASSERT_EQUAL(be->ops->submit(ch, &us[i].io), IOP_SUBMIT_QUEUED);
	}
	ut_io_prep(&us[D], IOP_OP_READ, (uint64_t)D * 4096, buf + D * 4096, 4096);
	CU_ASSERT_EQUAL(be->ops->submit(ch, &us[D].io), IOP_SUBMIT_BUSY);
	CU_ASSERT_FALSE(us[D].done);
	CU_ASSERT_EQUAL(us[D].io.status, 1);
	/* Reap at least one, then the retry is accepted. */
	{
		uint64_t deadline = iop_now_ns() + 5000000000ull;
		int got = 0;

		while (got == 0 && iop_now_ns() < deadline) {
			got = be->ops->poll(ch, 1);
			CU_ASSERT(got >= 0 && got <= 1);
		}
		CU_ASSERT_EQUAL(got, 1);
	}
	CU_ASSERT_EQUAL(be->ops->submit(ch, &us[D].io), IOP_SUBMIT_QUEUED);
	CU_ASSERT(ut_wait(ch, us, D + 1));
	for (unsigned int i = 0; i <= D; i++) {
		CU_ASSERT_EQUAL(us[i].io.status, 0);
		CU_ASSERT_EQUAL(us[i].ncb, 1);
	}
	CU_ASSERT_EQUAL(be->ops->poll(ch, 16), 0);
	free(buf);
	be->ops->chan_close(ch);
	iop_backend_close(be);
}

/* iop_backend_open must fail with rc and an error message containing needle. */
static void __attribute__((unused))
ut_check_open_fails(const char *spec, int rc, const char *needle)
{
	struct iop_backend *be = NULL;
	char err[256] = "";

	CU_ASSERT_EQUAL(iop_backend_open(spec, &be, err, sizeof(err)), rc);
	CU_ASSERT_PTR_NULL(be);
	if (needle && !strstr(err, needle)) {
		fprintf(stderr, "error for '%s' was '%s', expected '%s' in it\n", spec, err,
			needle);
		CU_FAIL("error message does not name the problem");
	}
}

#endif
