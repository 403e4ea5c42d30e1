/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: our NVMe/TCP initiator against our target in one process over loopback: write,
 * read back, flush, write zeroes and discard (Dataset Management) reach the malloc backend, a
 * read past the end fails, several queues work side by side, a reconnect finds the data. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "iopath/backend.h"
#include "iopath/initiator.h"
#include "iopath/log.h"
#include "iopath/target.h"
#include "iopath/util.h"
#include "tests/common/ut.h"

struct lb {
	struct iop_target_cfg tcfg;
	struct iop_target *t;
	const struct iop_initiator_ops *iops;
	struct iop_initiator *ini;
	char uri[128];
};

static int
lb_start(struct lb *lb, unsigned int nr_queues)
{
	const struct iop_target_ops *tops;
	struct iop_initiator_cfg icfg = {.nr_queues = nr_queues, .queue_depth = 8};
	char err[128];
	int rc = -1;

	memset(lb, 0, sizeof(*lb));
	if (iop_backend_open("malloc:size=4M", &lb->tcfg.backends[0], err, sizeof(err))) {
		return -1;
	}
	lb->tcfg.nr_backends = 1;
	lb->tcfg.nr_threads = 2;
	for (int i = 0; i < 8 && rc; i++) {
		snprintf(lb->uri, sizeof(lb->uri), "nvmf-tcp://127.0.0.1:%d/nqn.2026-11.io.iopath:lb",
			 20000 + (int)((iop_now_ns() / 1000 + (uint64_t)i * 7919) % 40000));
		lb->tcfg.uri = lb->uri;
		tops = iop_target_find_uri(lb->uri);
		if (!tops) {
			return -1;
		}
		rc = tops->create(&lb->tcfg, &lb->t);
	}
	if (rc) {
		return rc;
	}
	lb->iops = iop_initiator_find_uri(lb->uri);
	icfg.uri = lb->uri;
	icfg.opts = "hdgst=1,ddgst=1";
	return lb->iops->open(&icfg, &lb->ini);
}

static void
lb_stop(struct lb *lb)
{
	if (lb->ini) {
		lb->iops->close(lb->ini);
	}
	if (lb->t) {
		lb->t->ops->destroy(lb->t);
	}
	iop_backend_close(lb->tcfg.backends[0]);
}

static void
io_done(struct iop_io *io)
{
	*(int *)io->cb_arg = 1;
}

/* Submit one I/O and poll until it completes. \return io->status, or -ETIMEDOUT. */
static int
do_io(struct lb *lb, struct iop_queue *q, uint8_t op, uint64_t off, void *buf, uint64_t len)
{
	struct iop_io io = {.op = op, .offset = off, .cb = io_done};
	uint64_t deadline = iop_now_ns() + 5000000000ull;
	int done = 0, rc;

	io.cb_arg = &done;
	iop_io_set_buf(&io, buf, len);
	if (!buf) {
		io.iov = NULL;
		io.iovcnt = 0;
	}
	rc = lb->iops->submit(q, &io);
	if (rc) {
		return rc;
	}
	while (!done && iop_now_ns() < deadline) {
		rc = lb->iops->poll(q, 1, 0);
		if (rc < 0) {
			return rc;
		}
	}
	return done ? io.status : -ETIMEDOUT;
}

static void
test_loopback_ops(void)
{
	struct lb lb;
	struct iop_queue *q = NULL;
	uint8_t *w, *r;
	size_t len = 64 * 1024;

	iop_log_set_quiet(true);
	CU_ASSERT_EQUAL_FATAL(lb_start(&lb, 1), 0);
	CU_ASSERT_EQUAL(lb.ini->size, 4u << 20);
	CU_ASSERT_EQUAL_FATAL(lb.iops->queue_open(lb.ini, 0, 8, &q), 0);
	w = aligned_alloc(4096, len);
	r = aligned_alloc(4096, len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	for (size_t i = 0; i < len; i++) {
		w[i] = (uint8_t)(i * 7 + 1);
	}
	/* 1: 4k in-capsule write and 64k R2T write, read back */
	CU_ASSERT_EQUAL(do_io(&lb, q, IOP_OP_WRITE, 0, w, 4096), 0);
	CU_ASSERT_EQUAL(do_io(&lb, q, IOP_OP_WRITE, 65536, w, len), 0);
	memset(r, 0, len);
	CU_ASSERT_EQUAL(do_io(&lb, q, IOP_OP_READ, 0, r, 4096), 0);
	CU_ASSERT_EQUAL(memcmp(r, w, 4096), 0);
	CU_ASSERT_EQUAL(do_io(&lb, q, IOP_OP_READ, 65536, r, len), 0);
	CU_ASSERT_EQUAL(memcmp(r, w, len), 0);
	/* 2: flush */
	CU_ASSERT_EQUAL(do_io(&lb, q, IOP_OP_FLUSH, 0, NULL, 0), 0);
	/* 3: write zeroes over the first 8k of the 64k block */
	CU_ASSERT_EQUAL(do_io(&lb, q, IOP_OP_WRITE_ZEROES, 65536, w, 8192), 0);
	CU_ASSERT_EQUAL(do_io(&lb, q, IOP_OP_READ, 65536, r, len), 0);
	CU_ASSERT(r[0] == 0 && r[8191] == 0);
	CU_ASSERT_EQUAL(memcmp(r + 8192, w + 8192, len - 8192), 0);
	/* 4: discard (DSM deallocate) of the next 16k: malloc reads back zeroes */
	CU_ASSERT_EQUAL(do_io(&lb, q, IOP_OP_DISCARD, 65536 + 16384, w, 16384), 0);
	CU_ASSERT_EQUAL(do_io(&lb, q, IOP_OP_READ, 65536 + 16384, r, 16384), 0);
	CU_ASSERT(r[0] == 0 && r[16383] == 0);
	/* 5: a read past the end fails (LBA out of range), the queue stays usable */
	CU_ASSERT_NOT_EQUAL(do_io(&lb, q, IOP_OP_READ, (4u << 20) - 4096, r, 8192), 0);
	CU_ASSERT_EQUAL(do_io(&lb, q, IOP_OP_READ, 0, r, 4096), 0);
	CU_ASSERT_EQUAL(memcmp(r, w, 4096), 0);
	lb.iops->queue_close(q);
	free(w);
	free(r);
	lb_stop(&lb);
}

static void
test_loopback_queues(void)
{
	struct lb lb;
	struct iop_queue *q[3] = {NULL};
	static uint8_t buf[3][4096], rb[4096];

	iop_log_set_quiet(true);
	CU_ASSERT_EQUAL_FATAL(lb_start(&lb, 3), 0);
	for (unsigned int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL_FATAL(lb.iops->queue_open(lb.ini, i, 4, &q[i]), 0);
		memset(buf[i], 'a' + (int)i, sizeof(buf[i]));
		CU_ASSERT_EQUAL(do_io(&lb, q[i], IOP_OP_WRITE, i * 4096, buf[i], 4096), 0);
	}
	/* each queue reads what another one wrote */
	for (unsigned int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(do_io(&lb, q[i], IOP_OP_READ, ((i + 1) % 3) * 4096, rb, 4096), 0);
		CU_ASSERT_EQUAL(memcmp(rb, buf[(i + 1) % 3], 4096), 0);
	}
	/* a fourth queue beyond what was asked for is refused */
	{
		struct iop_queue *extra = NULL;

		CU_ASSERT_NOT_EQUAL(lb.iops->queue_open(lb.ini, 40, 4, &extra), 0);
	}
	for (unsigned int i = 0; i < 3; i++) {
		lb.iops->queue_close(q[i]);
	}
	/* a new association (fresh controller, same backend) sees the data */
	lb.iops->close(lb.ini);
	lb.ini = NULL;
	{
		struct iop_initiator_cfg icfg = {.uri = lb.uri, .nr_queues = 1, .queue_depth = 4};
		struct iop_queue *nq = NULL;

		CU_ASSERT_EQUAL_FATAL(lb.iops->open(&icfg, &lb.ini), 0);
		CU_ASSERT_EQUAL_FATAL(lb.iops->queue_open(lb.ini, 0, 4, &nq), 0);
		CU_ASSERT_EQUAL(do_io(&lb, nq, IOP_OP_READ, 2 * 4096, rb, 4096), 0);
		CU_ASSERT_EQUAL(memcmp(rb, buf[2], 4096), 0);
		lb.iops->queue_close(nq);
	}
	lb_stop(&lb);
}

IOP_UT_MAIN("nvmf_tcp_loopback", IOP_UT(test_loopback_ops), IOP_UT(test_loopback_queues))
