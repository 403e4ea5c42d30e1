/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: the engine against an in-memory test initiator: counts, time limits, ramp, mix,
 * -EAGAIN, I/O errors, verify catching a corrupted block, bad jobs, target CPU sampling. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "iopath/engine.h"
#include "iopath/log.h"
#include "iopath/option.h"
#include "harness/engine_internal.h"
#include "tests/common/ut.h"

/* ---- test initiator "utmem": data in memory; completion inline or from poll ---- */

#define UTMEM_SIZE (4u << 20)

struct utmem_opts {
	bool queued;            /* complete from poll() instead of inline */
	uint64_t busy;          /* every Nth submit returns -EAGAIN */
	uint64_t corrupt;       /* flip a byte in reads covering this offset (+1; 0 = off) */
	uint64_t fail;          /* fail I/O at this offset with -EIO (+1; 0 = off) */
	bool failq;             /* queue_open fails */
	bool noread;            /* reads return success without data (like the null backend) */
	uint64_t drop;          /* every Nth I/O is accepted and never completed */
	uint64_t bsz;           /* block size */
};

static const struct iop_option utmem_opt_tbl[] = {
	{"queued", NULL, IOP_OPT_BOOL, offsetof(struct utmem_opts, queued), "0"},
	{"busy", NULL, IOP_OPT_UINT, offsetof(struct utmem_opts, busy), "0"},
	{"corrupt", NULL, IOP_OPT_UINT, offsetof(struct utmem_opts, corrupt), "0"},
	{"fail", NULL, IOP_OPT_UINT, offsetof(struct utmem_opts, fail), "0"},
	{"failq", NULL, IOP_OPT_BOOL, offsetof(struct utmem_opts, failq), "0"},
	{"noread", NULL, IOP_OPT_BOOL, offsetof(struct utmem_opts, noread), "0"},
	{"drop", NULL, IOP_OPT_UINT, offsetof(struct utmem_opts, drop), "0"},
	{"bsz", NULL, IOP_OPT_UINT, offsetof(struct utmem_opts, bsz), "512"},
	{NULL},
};

static uint8_t g_store[UTMEM_SIZE]; /* persists across opens, like a file */
static uint64_t g_queue_mask;       /* queue indexes opened since the last reset */
static unsigned int g_nr_queues;    /* cfg->nr_queues of the last open */

struct utmem_ini {
	struct iop_initiator ini;
	struct utmem_opts o;
};

struct utmem_queue {
	struct iop_queue q;
	struct utmem_opts o;
	unsigned int depth, n;
	uint64_t submits, accepted;
	struct iop_io **pending;
};

static int
utmem_open(const struct iop_initiator_cfg *cfg, struct iop_initiator **out)
{
	struct utmem_ini *u = calloc(1, sizeof(*u));
	char err[128];

	if (!u) {
		return -ENOMEM;
	}
	iop_opts_defaults(utmem_opt_tbl, &u->o);
	if (iop_opts_parse_kv(utmem_opt_tbl, &u->o, cfg->opts, err, sizeof(err))) {
		free(u);
		return -EINVAL;
	}
	g_nr_queues = cfg->nr_queues;
	u->ini.size = UTMEM_SIZE;
	u->ini.block_size = (uint32_t)u->o.bsz;
	snprintf(u->ini.desc, sizeof(u->ini.desc), "utmem");
	*out = &u->ini;
	return 0;
}

static void
utmem_close(struct iop_initiator *ini)
{
	free(ini);
}

static int
utmem_queue_open(struct iop_initiator *ini, unsigned int idx, unsigned int depth,
		 struct iop_queue **out)
{
	struct utmem_ini *u = (struct utmem_ini *)ini;
	struct utmem_queue *q;

	if (idx < 64) {
		__atomic_fetch_or(&g_queue_mask, 1ull << idx, __ATOMIC_RELAXED);
	}
	if (u->o.failq) {
		return -ENOSPC;
	}
	q = calloc(1, sizeof(*q));
	q->pending = calloc(depth, sizeof(*q->pending));
	q->q.ini = ini;
	q->o = u->o;
	q->depth = depth;
	*out = &q->q;
	return 0;
}

static void
utmem_queue_close(struct iop_queue *q_)
{
	struct utmem_queue *q = (struct utmem_queue *)q_;

	free(q->pending);
	free(q);
}

static void
utmem_exec(struct utmem_queue *q, struct iop_io *io)
{
	uint8_t *buf = io->iov[0].iov_base;

	io->status = 0;
	if (q->o.fail && io->offset == q->o.fail - 1) {
		io->status = -EIO;
	} else if (io->op == IOP_OP_WRITE) {
		memcpy(g_store + io->offset, buf, io->len);
	} else if (!q->o.noread) {
		memcpy(buf, g_store + io->offset, io->len);
		if (q->o.corrupt && q->o.corrupt - 1 >= io->offset &&
		    q->o.corrupt - 1 < io->offset + io->len) {
			buf[q->o.corrupt - 1 - io->offset + 100] ^= 0x55;
		}
	}
	io->cb(io);
}

static int
utmem_submit(struct iop_queue *q_, struct iop_io *io)
{
	struct utmem_queue *q = (struct utmem_queue *)q_;

	if (io->offset + io->len > UTMEM_SIZE || io->len != io->iov[0].iov_len) {
		return -EINVAL;
	}
	if (q->o.busy && ++q->submits % q->o.busy == 0) {
		return -EAGAIN;
	}
	if (q->o.drop && ++q->accepted % q->o.drop == 0) {
		return 0; /* lost: never completes */
	}
	if (!q->o.queued) {
		utmem_exec(q, io);
		return 0;
	}
	if (q->n == q->depth) {
		return -EAGAIN;
	}
	q->pending[q->n++] = io;
	return 0;
}

static int
utmem_poll(struct iop_queue *q_, unsigned int max, unsigned int timeout_us)
{
	struct utmem_queue *q = (struct utmem_queue *)q_;
	unsigned int n = IOP_MIN(max, q->n);

	for (unsigned int i = 0; i < n; i++) {
		utmem_exec(q, q->pending[i]);
	}
	memmove(q->pending, q->pending + n, (q->n - n) * sizeof(*q->pending));
	q->n -= n;
	return (int)n;
}

static const struct iop_initiator_ops utmem_ops = {
	.scheme = "utmem",
	.help = "unit-test memory initiator",
	.open = utmem_open,
	.close = utmem_close,
	.queue_open = utmem_queue_open,
	.queue_close = utmem_queue_close,
	.submit = utmem_submit,
	.poll = utmem_poll,
};
IOP_INITIATOR_REGISTER(utmem_ops)

/* ---- helpers ---- */

static struct iop_result *g_r;

static int
run(const char *opts, const char *jobopts, const struct iop_engine_ext *ext)
{
	struct iop_initiator_cfg cfg = {.uri = "utmem:", .opts = opts};
	struct iop_job job;
	char err[128];
	int rc;

	iop_job_init(&job);
	CU_ASSERT_EQUAL_FATAL(iop_opts_parse_kv(iop_job_options(), &job, jobopts, err,
						sizeof(err)), 0);
	rc = iop_engine_run(&job, &cfg, ext, g_r);
	iop_job_free(&job);
	return rc;
}

static void
test_number_ios(void)
{
	/* Test1: inline completions, 2 jobs, exact count each */
	CU_ASSERT_EQUAL_FATAL(run("", "rw=randread,iodepth=4,numjobs=2,number_ios=1000", NULL), 0);
	CU_ASSERT_EQUAL(g_r->ios, 2000);
	CU_ASSERT_EQUAL(g_r->read.ios, 2000);
	CU_ASSERT_EQUAL(g_r->write.ios, 0);
	CU_ASSERT_EQUAL(g_r->bytes, 2000 * 4096);
	CU_ASSERT_EQUAL(g_r->hist.count, 2000);
	CU_ASSERT_EQUAL(g_r->lat.n, 2000);
	CU_ASSERT(g_r->runtime_ns > 0);
	CU_ASSERT(g_r->iops > 0);
	CU_ASSERT(g_r->lat.min <= g_r->lat.p50 && g_r->lat.p50 <= g_r->lat.max);
	CU_ASSERT_EQUAL(g_r->errors, 0);
	CU_ASSERT_STRING_EQUAL(g_r->transport, "utmem");
	CU_ASSERT_STRING_EQUAL(g_r->rw, "randread");
	CU_ASSERT_EQUAL(g_r->iodepth, 4);
	CU_ASSERT_EQUAL(g_r->numjobs, 2);
	CU_ASSERT_FALSE(g_r->target_measured);
	/* Test2: completions from poll, QD 16 */
	CU_ASSERT_EQUAL_FATAL(run("queued", "rw=randwrite,iodepth=16,number_ios=5000", NULL), 0);
	CU_ASSERT_EQUAL(g_r->write.ios, 5000);
	CU_ASSERT_EQUAL(g_r->read.ios, 0);
}

static void
test_one_pass(void)
{
	/* no runtime, no number_ios: one pass over size (fio's default) */
	CU_ASSERT_EQUAL_FATAL(run("", "rw=read,bs=4k,size=1m,iodepth=2", NULL), 0);
	CU_ASSERT_EQUAL(g_r->ios, 256);
	CU_ASSERT_EQUAL(g_r->size, 1 << 20);
}

static void
test_time_and_ramp(void)
{
	/* Test1: time based: the window is exactly the runtime */
	CU_ASSERT_EQUAL_FATAL(run("queued", "rw=randread,runtime=200ms,time_based", NULL), 0);
	CU_ASSERT_EQUAL(g_r->runtime_ns, 200000000ull);
	CU_ASSERT(g_r->ios > 100);
	CU_ASSERT(g_r->cpu_ini.usr + g_r->cpu_ini.sys > 0.0);
	CU_ASSERT(g_r->cpu_threads.usr + g_r->cpu_threads.sys > 0.0);
	CU_ASSERT(g_r->cpu_threads.usr + g_r->cpu_threads.sys < 1.1); /* one thread */
	/* Test2: ramp time is excluded from the window and the counts */
	CU_ASSERT_EQUAL_FATAL(run("", "rw=randread,ramp_time=150ms,runtime=100ms,time_based",
				  NULL), 0);
	CU_ASSERT_EQUAL(g_r->runtime_ns, 100000000ull);
	CU_ASSERT_EQUAL(g_r->ramp_ns, 150000000ull);
	/* Test3: ramp + number_ios: exactly number_ios measured */
	CU_ASSERT_EQUAL_FATAL(run("", "rw=randread,ramp_time=50ms,number_ios=777", NULL), 0);
	CU_ASSERT_EQUAL(g_r->ios, 777);
}

static void
test_mix_and_busy(void)
{
	double frac;

	CU_ASSERT_EQUAL_FATAL(run("busy=3", "rw=randrw,rwmixread=70,iodepth=8,number_ios=20000",
				  NULL), 0);
	CU_ASSERT_EQUAL(g_r->ios, 20000);
	frac = (double)g_r->read.ios / (double)g_r->ios;
	CU_ASSERT(fabs(frac - 0.70) < 0.03);
	CU_ASSERT_EQUAL(g_r->read.hist.count + g_r->write.hist.count, 20000);
	CU_ASSERT_EQUAL(g_r->errors, 0);
	/* sequential mixed */
	CU_ASSERT_EQUAL_FATAL(run("queued,busy=5", "rw=rw,rwmixread=0,number_ios=100", NULL), 0);
	CU_ASSERT_EQUAL(g_r->write.ios, 100);
}

static void
test_verify(void)
{
	/* Test1: write the first 1 MiB with verify headers (one pass) and read back: clean */
	CU_ASSERT_EQUAL_FATAL(run("queued", "rw=write,size=1m,bs=8k,iodepth=4,verify", NULL), 0);
	CU_ASSERT_EQUAL(g_r->ios, 128);
	CU_ASSERT_EQUAL(g_r->verify_errors, 0);
	CU_ASSERT_EQUAL_FATAL(run("", "rw=randread,size=1m,bs=4k,iodepth=4,verify,number_ios=2000",
				  NULL), 0);
	CU_ASSERT_EQUAL(g_r->verify_errors, 0);
	CU_ASSERT_EQUAL(g_r->errors, 0);
	/* Test2: the initiator corrupts the data of block 40960: caught, offset reported */
	CU_ASSERT_EQUAL_FATAL(run("corrupt=40961", "rw=read,size=1m,bs=4k,verify", NULL), 0);
	CU_ASSERT_EQUAL(g_r->verify_errors, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(g_r->error_msg, "bad crc32c at offset 40960"));
	/* Test3: randrw with verify, 2 jobs (disjoint slices), read-back pass at the end */
	CU_ASSERT_EQUAL_FATAL(run("queued", "rw=randrw,size=2m,numjobs=2,iodepth=8,verify,"
				  "number_ios=3000", NULL), 0);
	CU_ASSERT_EQUAL(g_r->verify_errors, 0);
	CU_ASSERT_EQUAL(g_r->ios, 6000);
	/* Test4: a device that returns no data on read fails verification even though the
	 * buffer held a valid block of the same offset from this slot's own write before */
	CU_ASSERT_EQUAL_FATAL(run("noread", "rw=rw,size=4k,bs=4k,verify,number_ios=4", NULL), 0);
	CU_ASSERT(g_r->verify_errors > 0);
	/* Test5: reading never-written space with verify is an error (no header) */
	memset(g_store + (3u << 20), 0, 1u << 20);
	CU_ASSERT_EQUAL_FATAL(run("", "rw=read,offset=3m,size=64k,verify", NULL), 0);
	CU_ASSERT_EQUAL(g_r->verify_errors, 128); /* 16 reads x 8 blocks of 512 */
	CU_ASSERT_PTR_NOT_NULL(strstr(g_r->error_msg, "no verify header"));
}

static void
test_io_errors(void)
{
	CU_ASSERT_EQUAL_FATAL(run("fail=12289", "rw=read,size=64k,bs=4k", NULL), 0);
	CU_ASSERT_EQUAL(g_r->errors, 1);
	CU_ASSERT_EQUAL(g_r->ios, 15);
	CU_ASSERT_PTR_NOT_NULL(strstr(g_r->error_msg, "read at offset 12288"));
	CU_ASSERT_PTR_NOT_NULL(strstr(g_r->error_msg, "Input/output error"));
}

static void
test_bad_jobs(void)
{
	struct iop_initiator_cfg cfg = {.uri = "nosuch://x"};
	struct iop_job job;

	/* Test1: bs not a multiple of the endpoint block size */
	CU_ASSERT_EQUAL(run("bsz=4096", "bs=2k", NULL), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(g_r->error_msg, "block size 4096"));
	/* Test2: range beyond the device */
	CU_ASSERT_EQUAL(run("", "offset=8m", NULL), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(g_r->error_msg, "beyond"));
	CU_ASSERT_EQUAL(run("", "offset=1m,size=4m", NULL), -EINVAL);
	/* Test3: queue cannot be opened: the errno comes back with a message */
	CU_ASSERT_EQUAL(run("failq", "numjobs=2", NULL), -ENOSPC);
	CU_ASSERT_PTR_NOT_NULL(strstr(g_r->error_msg, "cannot open I/O queue"));
	/* Test4: unknown scheme / not a URI */
	iop_job_init(&job);
	CU_ASSERT_EQUAL(iop_engine_run(&job, &cfg, NULL, g_r), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(g_r->error_msg, "nosuch"));
	cfg.uri = "no uri here";
	CU_ASSERT_EQUAL(iop_engine_run(&job, &cfg, NULL, g_r), -EINVAL);
	iop_job_free(&job);
	/* Test5: bad initiator options fail the open */
	CU_ASSERT_EQUAL(run("bogus=1", "", NULL), -EINVAL);
}

static void
test_ext(void)
{
	volatile sig_atomic_t stop = 1;
	struct iop_engine_ext ext = {.target_pid = getpid()};

	/* Test1: target CPU sampled by pid */
	CU_ASSERT_EQUAL_FATAL(run("", "runtime=300ms,time_based,cpus=0", &ext), 0);
	CU_ASSERT_TRUE(g_r->target_measured);
	/* /proc counts 10 ms ticks: on a loaded machine 300 ms may show none, so only bounds here
	 * (cpuacct_ut checks the values with a CPU-time burn) */
	CU_ASSERT(g_r->cpu_tgt.usr + g_r->cpu_tgt.sys >= 0.0);
	CU_ASSERT(g_r->cpu_tgt.usr + g_r->cpu_tgt.sys < 1.2);
	CU_ASSERT(g_r->cpu_tgt.usr + g_r->cpu_tgt.sys == 0.0 || g_r->iops_per_core_target > 0);
	CU_ASSERT_STRING_EQUAL(g_r->env.pinning, "0");
	/* Test2: a stop request ends a long run at once, with a valid (short) result */
	ext.target_pid = 0;
	ext.stop = &stop;
	uint64_t t0 = iop_now_ns();

	CU_ASSERT_EQUAL_FATAL(run("", "runtime=60s,time_based", &ext), 0);
	CU_ASSERT(iop_now_ns() - t0 < 5000000000ull);
	CU_ASSERT_EQUAL(g_r->errors, 0);
}

static void
test_stuck_io(void)
{
	uint64_t t0;

	iop_engine_set_timeouts(200000000ull, 200000000ull);
	/* Test1: completions stop before number_ios is reached: the stall detector ends the job
	 * instead of hanging, and the lost I/Os are errors */
	t0 = iop_now_ns();
	CU_ASSERT_EQUAL_FATAL(run("queued,drop=50", "iodepth=4,number_ios=100000", NULL), 0);
	CU_ASSERT(iop_now_ns() - t0 < 3000000000ull);
	CU_ASSERT_EQUAL(g_r->errors, 4);
	CU_ASSERT_PTR_NOT_NULL(strstr(g_r->error_msg, "no completion for 200 ms"));
	CU_ASSERT(g_r->ios > 0 && g_r->ios < 200);
	/* Test2: time-based run ends on time; the stuck I/Os fail the drain */
	iop_engine_set_timeouts(10000000000ull, 200000000ull);
	CU_ASSERT_EQUAL_FATAL(run("drop=50", "iodepth=4,runtime=100ms,time_based", NULL), 0);
	CU_ASSERT_EQUAL(g_r->errors, 4);
	CU_ASSERT_PTR_NOT_NULL(strstr(g_r->error_msg, "still in flight 200 ms after the end"));
	iop_engine_set_timeouts(30000000000ull, 5000000000ull);
}

static void
test_group(void)
{
	struct iop_initiator_cfg cfg = {.uri = "utmem:", .opts = "queued"};
	struct iop_result *rs[2] = {malloc(sizeof(*rs[0])), malloc(sizeof(*rs[1]))};
	struct iop_job jobs[2];
	char err[128];

	CU_ASSERT_PTR_NOT_NULL_FATAL(rs[0]);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs[1]);
	iop_job_init(&jobs[0]);
	iop_job_init(&jobs[1]);
	iop_opts_parse_kv(iop_job_options(), &jobs[0], "name=r,rw=randread,numjobs=2,iodepth=4,"
			  "number_ios=1000", err, sizeof(err));
	iop_opts_parse_kv(iop_job_options(), &jobs[1], "name=w,rw=write,bs=8k,iodepth=2,"
			  "number_ios=500,ramp_time=20ms", err, sizeof(err));
	/* Test1: two jobs at once, separate results, one queue per thread of the group */
	g_queue_mask = 0;
	CU_ASSERT_EQUAL_FATAL(iop_engine_run_group(jobs, 2, &cfg, NULL, rs), 0);
	CU_ASSERT_EQUAL(g_nr_queues, 3);
	CU_ASSERT_EQUAL(g_queue_mask, 0x7);
	CU_ASSERT_STRING_EQUAL(rs[0]->name, "r");
	CU_ASSERT_EQUAL(rs[0]->read.ios, 2000);
	CU_ASSERT_EQUAL(rs[0]->write.ios, 0);
	CU_ASSERT_EQUAL(rs[0]->numjobs, 2);
	CU_ASSERT_STRING_EQUAL(rs[1]->name, "w");
	CU_ASSERT_EQUAL(rs[1]->write.ios, 500);
	CU_ASSERT_EQUAL(rs[1]->write.bytes, 500 * 8192);
	CU_ASSERT_EQUAL(rs[1]->read.ios, 0);
	CU_ASSERT_EQUAL(rs[1]->ramp_ns, 20000000ull);
	CU_ASSERT(rs[0]->cpu_ini.usr + rs[0]->cpu_ini.sys > 0);
	/* Test2: a job that does not fit fails the group, naming the job in every result */
	jobs[1].offset = 64ull << 20;
	CU_ASSERT_EQUAL(iop_engine_run_group(jobs, 2, &cfg, NULL, rs), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(rs[0]->error_msg, "job 'w'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(rs[1]->error_msg, "beyond"));
	iop_job_free(&jobs[0]);
	iop_job_free(&jobs[1]);
	free(rs[0]);
	free(rs[1]);
}

static int
suite_main(void)
{
	static const struct iop_ut_case cases[] = {
		IOP_UT(test_number_ios), IOP_UT(test_one_pass), IOP_UT(test_time_and_ramp),
		IOP_UT(test_mix_and_busy), IOP_UT(test_verify), IOP_UT(test_io_errors),
		IOP_UT(test_bad_jobs), IOP_UT(test_ext), IOP_UT(test_stuck_io),
		IOP_UT(test_group),
	};
	int rc;

	iop_log_set_quiet(true);
	g_r = malloc(sizeof(*g_r));
	rc = iop_ut_run("engine", cases, IOP_ARRAY_SIZE(cases));
	free(g_r);
	return rc;
}

int
main(void)
{
	return suite_main();
}
