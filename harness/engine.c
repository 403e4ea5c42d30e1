/* SPDX-License-Identifier: BSD-3-Clause */
/* Load engine: one pinned thread per job, closed loop at iodepth on its own initiator queue. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "iopath/cpuacct.h"
#include "iopath/engine.h"
#include "iopath/log.h"
#include "iopath/prng.h"
#include "iopath/reactor.h"
#include "iopath/uri.h"
#include "iopath/verify.h"
#include "harness/engine_internal.h"

#define ENGINE_VERIFY_BLK   512u
#define ENGINE_INTR_WAIT_US 1000u

/* wait this long for in-flight I/O at the end; no completion for this long: give up */
static uint64_t g_engine_drain_ns = 5ull * 1000000000ull;
static uint64_t g_engine_stall_ns = 30ull * 1000000000ull;

void
iop_engine_set_timeouts(uint64_t stall_ns, uint64_t drain_ns)
{
	g_engine_stall_ns = stall_ns;
	g_engine_drain_ns = drain_ns;
}

struct engine;
struct engine_thread;

struct engine_slot {
	struct iop_io io;
	struct engine_thread *t;
	void *buf;
	bool verify_skip;       /* an overlapping I/O was in flight: the data may be either */
	bool in_flight;         /* maintained in verify mode only */
	bool vs_ambig;          /* verify_state: an overlapping write was in flight with this one */
};

/* Per-thread state. The hot fields come first; nothing here is shared while I/O runs, and the
 * alignment keeps neighbouring threads' states off each other's cache lines. */
struct __attribute__((aligned(IOP_CACHELINE))) engine_thread {
	const struct iop_initiator_ops *ops;
	struct iop_queue *q;
	struct engine_slot **free;
	unsigned int nfree;
	unsigned int inflight;
	bool done;
	bool blocked;           /* the initiator said -EAGAIN: wait for a completion */
	bool random;
	bool verify;
	uint8_t fixed_op;       /* op when the mix is 100/0 */
	unsigned int mixread;   /* percent reads; 101 = never mixed (fixed_op) */
	uint64_t t_ramp_end;
	uint64_t window_len;    /* t_end - t_ramp_end, 2^62 = no time limit */
	uint64_t limit;         /* measured completions that end the job, 0 = none */
	uint64_t measured;
	uint64_t t_last;        /* last measured completion */
	uint64_t t_last_cpl;    /* last completion of any kind (stall detection) */
	struct iop_cpu_sample cpu_a, cpu_b; /* this thread's CPU: first measured I/O .. end */
	uint64_t base, range, bs, seq_next;
	struct iop_prng prng;
	uint64_t ios[2], bytes[2];
	struct iop_hist *hist[2];
	uint64_t errors, verify_errors;
	/* verify */
	uint8_t *written;       /* bitmap of bs blocks of [base, base+range) this thread wrote */
	uint64_t vseq, vseed;
	bool pure_read;
	/* set-up */
	struct engine *e;
	struct engine_job *ej;
	const struct iop_job *job;
	unsigned int idx;       /* queue index, unique in the group */
	unsigned int jidx;      /* thread index within its job */
	int cpu;                /* -1 = not pinned */
	unsigned int depth;
	struct engine_slot *slots;
	pthread_t tid;
	int rc;                 /* set-up or fatal queue error */
	char err[200];
};

/* One job of a group (job sections that run concurrently). */
struct engine_job {
	const struct iop_job *job;
	uint64_t range;
	uint64_t t_ramp_end, t_end;
	unsigned int first, n;  /* its threads: threads[first .. first + n) */
	int cpus[IOP_JOB_MAX_CPUS];
	int ncpus;
	/* verify_state: one u64 per 512-byte device block, 1 + sequence number of the last
	 * acknowledged write of it (0 = none), shared-mapped so that it survives a kill -9 */
	uint64_t *vstate;
	size_t vstate_len;
	uint64_t vstate_nblk;
};

struct engine {
	struct engine_job *jobs;
	unsigned int njobs;
	const struct iop_initiator_ops *ops;
	struct iop_initiator *ini;
	bool interrupt;
	unsigned int nthreads;
	struct engine_thread *threads;
	/* start gate (all queues open, then go together) and end gate (CPU sampled, then tear
	 * down): a mutex + condvar rather than pthread barriers so that fewer threads than planned
	 * (pthread_create failure) cannot deadlock it */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned int nr_ready;
	bool go, release;
	uint64_t t_go;
	atomic_uint nr_measured;   /* threads past their measured phase (CPU window ends) */
	atomic_int stop_all;    /* read with relaxed loads in the hot loop (a plain load) */
	volatile sig_atomic_t *ext_stop;
};

static inline bool
engine_stopping(struct engine *e)
{
	return atomic_load_explicit(&e->stop_all, memory_order_relaxed);
}

static void
engine_errf(struct engine_thread *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
engine_errf(struct engine_thread *t, const char *fmt, ...)
{
	va_list ap;

	if (t->err[0]) {
		return; /* keep the first */
	}
	va_start(ap, fmt);
	vsnprintf(t->err, sizeof(t->err), fmt, ap);
	va_end(ap);
}

static inline bool
engine_bit_test(const uint8_t *bm, uint64_t i)
{
	return bm[i >> 3] & (1u << (i & 7));
}

static inline void
engine_bit_set(uint8_t *bm, uint64_t i)
{
	bm[i >> 3] |= (uint8_t)(1u << (i & 7));
}

/* verify_state: the write of slot s was acknowledged; its blocks must now hold seq >= this. */
static void
engine_vstate_record(struct engine_thread *t, struct engine_slot *s)
{
	uint64_t b = s->io.offset / ENGINE_VERIFY_BLK, n = t->bs / ENGINE_VERIFY_BLK;
	uint64_t seq;

	memcpy(&seq, (uint8_t *)s->buf + 24, 8); /* the header's sequence (verify.h layout) */
	for (uint64_t i = 0; i < n && b + i < t->ej->vstate_nblk; i++) {
		t->ej->vstate[b + i] = seq + 1;
	}
}

/* verify_state read check: every block with an acknowledged write must carry that write or a
 * later one; blocks never acknowledged may be unwritten or hold any well-formed block. */
static unsigned int
engine_vstate_check(struct engine_thread *t, struct engine_slot *s, uint64_t *bad_off, int *bad_st,
		    bool *stale)
{
	unsigned int bad = 0;

	for (uint64_t o = 0; o + ENGINE_VERIFY_BLK <= s->io.len; o += ENGINE_VERIFY_BLK) {
		const uint8_t *b = (const uint8_t *)s->buf + o;
		uint64_t blk = (s->io.offset + o) / ENGINE_VERIFY_BLK, want, seq;
		int st = iop_verify_check(b, ENGINE_VERIFY_BLK, s->io.offset + o);
		bool ok;

		want = blk < t->ej->vstate_nblk ? t->ej->vstate[blk] : 0;
		memcpy(&seq, b + 24, 8);
		if (!want) {
			ok = st == IOP_VERIFY_OK || st == IOP_VERIFY_NO_HEADER;
		} else {
			ok = st == IOP_VERIFY_OK && seq + 1 >= want;
		}
		if (!ok) {
			if (!bad) {
				*bad_off = s->io.offset + o;
				*bad_st = st;
				*stale = st == IOP_VERIFY_OK;
			}
			bad++;
		}
	}
	return bad;
}

static void
engine_verify_read(struct engine_thread *t, struct engine_slot *s)
{
	uint64_t bad_off = 0, blk = (s->io.offset - t->base) / t->bs;
	int st = 0;
	bool strict = t->pure_read || engine_bit_test(t->written, blk);
	unsigned int bad;

	if (s->verify_skip) {
		return;
	}
	if (t->pure_read && t->ej->vstate) {
		bool stale = false;

		bad = engine_vstate_check(t, s, &bad_off, &st, &stale);
		if (bad) {
			t->verify_errors += bad;
			engine_errf(t, "verify: %s at offset %llu (%u bad 512-byte blocks in read "
				    "of %llu)", stale ? "lost write (older than the acknowledged "
				    "one in verify_state)" : iop_verify_status_name(st),
				    (unsigned long long)bad_off, bad, (unsigned long long)s->io.offset);
			IOP_ERR_RATELIMIT("verify: %s at offset %llu", stale ? "lost write" :
					  iop_verify_status_name(st), (unsigned long long)bad_off);
		}
		return;
	}
	bad = iop_verify_check_io(s->buf, s->io.len, ENGINE_VERIFY_BLK, s->io.offset, !strict,
				  &bad_off, &st);
	if (bad) {
		t->verify_errors += bad;
		engine_errf(t, "verify: %s at offset %llu (%u bad 512-byte blocks in read of %llu)",
			    iop_verify_status_name(st), (unsigned long long)bad_off, bad,
			    (unsigned long long)s->io.offset);
		IOP_ERR_RATELIMIT("verify: %s at offset %llu", iop_verify_status_name(st),
				  (unsigned long long)bad_off);
	}
}

/* Completion: may run inside submit (inline initiators) or from poll. */
static void
engine_io_done(struct iop_io *io)
{
	struct engine_slot *s = iop_container_of(io, struct engine_slot, io);
	struct engine_thread *t = s->t;
	uint64_t now = iop_now_ns();

	t->inflight--;
	t->free[t->nfree++] = s;
	t->t_last_cpl = now;
	if (iop_unlikely(t->verify)) {
		s->in_flight = false;
		if (!io->status && io->op == IOP_OP_WRITE) {
			engine_bit_set(t->written, (io->offset - t->base) / t->bs);
			if (t->ej->vstate && !s->vs_ambig) {
				engine_vstate_record(t, s);
			}
		}
	}
	if (iop_unlikely(io->status)) {
		t->errors++;
		engine_errf(t, "%s at offset %llu len %llu: %s", iop_op_name(io->op),
			    (unsigned long long)io->offset, (unsigned long long)io->len,
			    strerror(-io->status));
		/* a failed I/O still uses up its place in number_ios / the pass over size */
		if (now - t->t_ramp_end < t->window_len && ++t->measured == t->limit) {
			t->done = true;
		}
		return;
	}
	if (iop_unlikely(t->verify) && io->op == IOP_OP_READ) {
		engine_verify_read(t, s);
	}
	if (iop_likely(now - t->t_ramp_end < t->window_len)) {
		iop_hist_record(t->hist[io->op], now - io->start_ns);
		t->ios[io->op]++;
		t->bytes[io->op] += io->len;
		t->t_last = now;
		if (iop_unlikely(!t->cpu_a.wall_ns)) {
			iop_cpu_thread(&t->cpu_a); /* once: the thread's window starts */
		}
		if (iop_unlikely(++t->measured == t->limit)) {
			t->done = true;
		}
	} else if (now >= t->t_ramp_end) {
		t->done = true; /* past the end of the window */
	}
}

/* Clear the block headers of a read buffer: a read that returns no data must not pass on what
 * the buffer held before (e.g. this slot's previous write of the same block). */
static void
engine_poison(struct engine_thread *t, struct engine_slot *s)
{
	for (uint64_t o = 0; o < t->bs; o += ENGINE_VERIFY_BLK) {
		memset((uint8_t *)s->buf + o, 0, 8);
	}
}

static void
engine_prep_verify(struct engine_thread *t, struct engine_slot *s)
{
	s->verify_skip = false;
	s->vs_ambig = false;
	if (s->io.op == IOP_OP_WRITE) {
		iop_verify_fill_io(s->buf, t->bs, ENGINE_VERIFY_BLK, s->io.offset, t->vseq++,
				   t->vseed);
	} else {
		engine_poison(t, s);
	}
	/* Overlapping I/O of this thread in flight (threads own disjoint slices): a read may see
	 * the old or the new block, so neither read is checked; the read-back pass at the end
	 * checks the final content. The bitmap is set when a write completes successfully. */
	for (unsigned int i = 0; i < t->depth; i++) {
		struct engine_slot *o = &t->slots[i];

		if (o == s || !o->in_flight || o->io.offset != s->io.offset ||
		    (o->io.op == IOP_OP_READ && s->io.op == IOP_OP_READ)) {
			continue;
		}
		if (s->io.op == IOP_OP_READ) {
			s->verify_skip = true;
		} else {
			o->verify_skip = true;
			if (o->io.op == IOP_OP_WRITE) {
				/* either write may land last: neither raises verify_state */
				o->vs_ambig = s->vs_ambig = true;
			}
		}
	}
	s->in_flight = true;
}

static inline void
engine_prep(struct engine_thread *t, struct engine_slot *s)
{
	if (t->mixread > 100) {
		s->io.op = t->fixed_op;
	} else {
		s->io.op = ((iop_prng_next(&t->prng) >> 32) * 100 >> 32) < t->mixread ?
				   IOP_OP_READ : IOP_OP_WRITE;
	}
	if (t->random) {
		s->io.offset = iop_prng_offset(&t->prng, t->base, t->range, t->bs);
	} else {
		s->io.offset = t->base + t->seq_next;
		t->seq_next += t->bs;
		if (t->seq_next + t->bs > t->range) {
			t->seq_next = 0;
		}
	}
	s->io.status = 0;
	if (iop_unlikely(t->verify)) {
		engine_prep_verify(t, s);
	}
}

static inline bool
engine_may_submit(const struct engine_thread *t)
{
	return !t->done && (!t->limit || t->measured + t->inflight < t->limit);
}

/* Submit every free slot. \return 0, or a negative errno when the queue broke. */
static int
engine_submit_all(struct engine_thread *t)
{
	while (t->nfree && engine_may_submit(t) && !engine_stopping(t->e)) {
		struct engine_slot *s = t->free[--t->nfree];
		int rc;

		engine_prep(t, s);
		t->inflight++;
		s->io.start_ns = iop_now_ns();
		rc = t->ops->submit(t->q, &s->io);
		if (iop_likely(rc == 0)) {
			continue;
		}
		t->inflight--;
		t->free[t->nfree++] = s;
		s->in_flight = false;
		if (rc == -EAGAIN) {
			t->blocked = true;
			return 0;
		}
		t->errors++;
		engine_errf(t, "submit %s at offset %llu: %s", iop_op_name(s->io.op),
			    (unsigned long long)s->io.offset, strerror(-rc));
		return rc;
	}
	return 0;
}

static void
engine_loop(struct engine_thread *t)
{
	const unsigned int wait_us = t->e->interrupt ? ENGINE_INTR_WAIT_US : 0;
	uint64_t t_end = t->ej->t_end;
	int rc;

	while (!t->done) {
		rc = engine_submit_all(t);
		if (rc) {
			t->rc = rc;
			break;
		}
		if (t->done) {
			break;
		}
		rc = t->ops->poll(t->q, t->depth,
				  t->nfree && !t->blocked && engine_may_submit(t) ? 0 : wait_us);
		t->blocked = false;
		if (iop_unlikely(rc < 0)) {
			t->errors++;
			engine_errf(t, "queue poll failed: %s", strerror(-rc));
			t->rc = rc;
			break;
		}
		if (rc == 0) {
			/* nothing completed: time limits and stop requests still apply */
			uint64_t now = iop_now_ns();

			if (now >= t_end || engine_stopping(t->e)) {
				t->done = true;
			} else if (t->inflight && now - t->t_last_cpl > g_engine_stall_ns) {
				t->errors += t->inflight;
				engine_errf(t, "no completion for %llu ms with %u I/Os in flight: "
					    "giving up",
					    (unsigned long long)(g_engine_stall_ns / 1000000ull),
					    t->inflight);
				t->rc = -ETIMEDOUT;
				break;
			}
		}
		if (iop_unlikely(engine_stopping(t->e))) {
			t->done = true;
		}
	}
	t->done = true;
	if (t->cpu_a.wall_ns) {
		iop_cpu_thread(&t->cpu_b);
	}
	if (t->rc) {
		return; /* broken queue: nothing more will complete */
	}
	/* drain what is still in flight (not counted: outside the window or after the limit) */
	uint64_t deadline = iop_now_ns() + g_engine_drain_ns;

	while (t->inflight) {
		rc = t->ops->poll(t->q, t->depth, wait_us);
		if (rc < 0) {
			t->rc = rc;
			engine_errf(t, "queue poll failed while draining: %s", strerror(-rc));
			return;
		}
		if (rc == 0 && iop_now_ns() > deadline) {
			t->rc = -ETIMEDOUT;
			t->errors += t->inflight;
			engine_errf(t, "%u I/Os still in flight %llu ms after the end", t->inflight,
				    (unsigned long long)(g_engine_drain_ns / 1000000ull));
			return;
		}
	}
}

/* After the measured phase: read back every block this thread wrote and check it. */
static void
engine_verify_pass_done(struct iop_io *io)
{
	struct engine_slot *s = iop_container_of(io, struct engine_slot, io);
	struct engine_thread *t = s->t;

	t->inflight--;
	t->free[t->nfree++] = s;
	s->in_flight = false;
	if (io->status) {
		t->errors++;
		engine_errf(t, "verify read at offset %llu: %s", (unsigned long long)io->offset,
			    strerror(-io->status));
		return;
	}
	s->verify_skip = false;
	engine_verify_read(t, s);
}

static void
engine_verify_pass(struct engine_thread *t)
{
	uint64_t nblk = t->range / t->bs, next = 0;
	uint64_t deadline;
	int rc;

	for (unsigned int i = 0; i < t->depth; i++) {
		t->slots[i].io.cb = engine_verify_pass_done;
		t->slots[i].io.op = IOP_OP_READ;
	}
	deadline = iop_now_ns() + 60ull * 1000000000ull;
	while ((next < nblk && !engine_stopping(t->e)) || t->inflight) {
		while (t->nfree && next < nblk && !engine_stopping(t->e)) {
			struct engine_slot *s;

			if (!engine_bit_test(t->written, next)) {
				next++;
				continue;
			}
			s = t->free[--t->nfree];
			s->io.offset = t->base + next * t->bs;
			s->io.status = 0;
			engine_poison(t, s);
			t->inflight++;
			rc = t->ops->submit(t->q, &s->io);
			if (rc) {
				t->inflight--;
				t->free[t->nfree++] = s;
				if (rc != -EAGAIN) {
					engine_errf(t, "verify pass submit: %s", strerror(-rc));
					t->errors++;
					return;
				}
				break;
			}
			next++;
		}
		rc = t->ops->poll(t->q, t->depth, 0);
		if (rc < 0) {
			engine_errf(t, "verify pass poll: %s", strerror(-rc));
			t->errors++;
			return;
		}
		if (iop_now_ns() > deadline) {
			engine_errf(t, "verify pass did not finish within 60 s");
			t->errors++;
			return;
		}
	}
}

static int
engine_thread_setup(struct engine_thread *t)
{
	const struct iop_job *job = t->job;
	void *(*alloc)(struct iop_queue *, size_t) = t->ops->buf_alloc;
	int rc;

	if (t->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(t->cpu, &set);
		rc = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
		if (rc) {
			engine_errf(t, "cannot pin job thread %u to cpu %d: %s", t->idx, t->cpu,
				    strerror(rc));
			return -rc;
		}
	}
	rc = t->ops->queue_open(t->e->ini, t->idx, t->depth, &t->q);
	if (rc) {
		engine_errf(t, "cannot open I/O queue %u (depth %u): %s", t->idx, t->depth,
			    strerror(-rc));
		t->q = NULL;
		return rc;
	}
	t->slots = calloc(t->depth, sizeof(*t->slots));
	t->free = calloc(t->depth, sizeof(*t->free));
	t->hist[0] = aligned_alloc(IOP_CACHELINE, IOP_ALIGN_UP(sizeof(struct iop_hist),
							       IOP_CACHELINE));
	t->hist[1] = aligned_alloc(IOP_CACHELINE, IOP_ALIGN_UP(sizeof(struct iop_hist),
							       IOP_CACHELINE));
	if (job->verify) {
		t->written = calloc((t->range / t->bs + 7) / 8 + 1, 1);
	}
	if (!t->slots || !t->free || !t->hist[0] || !t->hist[1] || (job->verify && !t->written)) {
		engine_errf(t, "out of memory");
		return -ENOMEM;
	}
	iop_hist_init(t->hist[0]);
	iop_hist_init(t->hist[1]);
	for (unsigned int i = 0; i < t->depth; i++) {
		struct engine_slot *s = &t->slots[i];

		if (alloc) {
			s->buf = alloc(t->q, t->bs);
		} else if (posix_memalign(&s->buf, 4096, IOP_ALIGN_UP(t->bs, 4096))) {
			s->buf = NULL;
		}
		if (!s->buf) {
			engine_errf(t, "cannot allocate %u I/O buffers of %llu bytes", t->depth,
				    (unsigned long long)t->bs);
			return -ENOMEM;
		}
		/* write data that is not all zeroes (some paths special-case zero pages) */
		for (uint64_t o = 0; o + 8 <= t->bs; o += 8) {
			uint64_t r = iop_prng_next(&t->prng);

			memcpy((uint8_t *)s->buf + o, &r, 8);
		}
		s->t = t;
		s->io.cb = engine_io_done;
		s->io.cb_arg = t;
		s->io.nsid = 0;
		iop_io_set_buf(&s->io, s->buf, t->bs);
		t->free[t->nfree++] = s;
	}
	return 0;
}

static void
engine_thread_teardown(struct engine_thread *t)
{
	if (t->inflight) {
		/* a broken or stuck queue still owns some buffers (a kernel may still write into
		 * them): keep them rather than free memory that is in use (kept reachable in a
		 * small graveyard so leak checkers see it is deliberate) */
		static struct engine_slot *graveyard[64];
		static atomic_uint ngraves;
		unsigned int g = atomic_fetch_add(&ngraves, 1);

		IOP_WARN("job %u: %u I/Os never completed; their buffers are not freed", t->idx,
			 t->inflight);
		if (g < IOP_ARRAY_SIZE(graveyard)) {
			graveyard[g] = t->slots;
		}
		t->slots = NULL;
	}
	for (unsigned int i = 0; t->slots && i < t->depth; i++) {
		struct engine_slot *s = &t->slots[i];

		if (!s->buf) {
			continue;
		}
		if (t->ops->buf_alloc && t->ops->buf_free) {
			t->ops->buf_free(t->q, s->buf, t->bs);
		} else if (!t->ops->buf_alloc) {
			free(s->buf);
		}
	}
	if (t->q) {
		t->ops->queue_close(t->q);
	}
	free(t->slots);
	free(t->free);
	free(t->written);
	t->slots = NULL;
	t->free = NULL;
	t->written = NULL;
	t->q = NULL;
}

static void *
engine_thread_main(void *arg)
{
	struct engine_thread *t = arg;
	struct engine *e = t->e;

	t->rc = engine_thread_setup(t);
	pthread_mutex_lock(&e->lock);
	e->nr_ready++;
	pthread_cond_broadcast(&e->cond);
	while (!e->go) {
		pthread_cond_wait(&e->cond, &e->lock);
	}
	pthread_mutex_unlock(&e->lock);
	if (!t->rc && !engine_stopping(e)) {
		t->t_ramp_end = t->ej->t_ramp_end;
		/* a bounded window also rejects pre-ramp completions (now - t_ramp_end wraps) */
		t->window_len = t->ej->t_end == UINT64_MAX ? (1ull << 62) :
							     t->ej->t_end - t->ej->t_ramp_end;
		t->t_last_cpl = iop_now_ns();
		engine_loop(t);
		atomic_fetch_add(&e->nr_measured, 1);
		if (!t->rc && t->verify && !t->pure_read) {
			engine_verify_pass(t);
		}
	} else {
		atomic_fetch_add(&e->nr_measured, 1);
	}
	pthread_mutex_lock(&e->lock);
	while (!e->release) {
		pthread_cond_wait(&e->cond, &e->lock);
	}
	pthread_mutex_unlock(&e->lock);
	engine_thread_teardown(t);
	return NULL;
}

/* Sleep until abs_ns (CLOCK_MONOTONIC) or a stop request, in short steps. */
static void
engine_sleep_until(struct engine *e, uint64_t abs_ns)
{
	for (;;) {
		uint64_t now = iop_now_ns(), step;
		struct timespec ts;

		if (now >= abs_ns || engine_stopping(e) ||
		    atomic_load(&e->nr_measured) == e->nthreads) {
			return;
		}
		if (e->ext_stop && *e->ext_stop) {
			atomic_store(&e->stop_all, 1);
			return;
		}
		step = IOP_MIN(abs_ns - now, 20000000ull);
		ts.tv_sec = (time_t)(step / 1000000000ull);
		ts.tv_nsec = (long)(step % 1000000000ull);
		nanosleep(&ts, NULL);
	}
}

static void
engine_fill_result_job(struct iop_result *r, const struct iop_job *job,
		       const struct iop_initiator_cfg *icfg, uint64_t range)
{
	char scheme[32] = "", bs[32], be[32];
	const char *colon;

	iop_uri_scheme(icfg->uri, scheme, sizeof(scheme));
	snprintf(r->uri, sizeof(r->uri), "%s", icfg->uri);
	snprintf(r->transport, sizeof(r->transport), "%s", scheme);
	snprintf(r->backend, sizeof(r->backend), "%s", icfg->backend ? icfg->backend : "");
	snprintf(r->name, sizeof(r->name), "%s", job->name ? job->name : "job");
	snprintf(r->rw, sizeof(r->rw), "%s", iop_rw_name(job->rw));
	r->rwmixread = (unsigned int)job->rwmixread;
	r->bs = job->bs;
	r->iodepth = (unsigned int)job->iodepth;
	r->numjobs = (unsigned int)job->numjobs;
	r->size = range;
	r->offset = job->offset;
	r->runtime_req_ns = job->runtime_ns;
	r->ramp_ns = job->ramp_ns;
	r->number_ios = job->number_ios;
	r->verify = job->verify;
	colon = icfg->backend ? strchr(icfg->backend, ':') : NULL;
	snprintf(be, sizeof(be), "%.*s",
		 colon ? (int)(colon - icfg->backend) :
			 (int)(icfg->backend ? strlen(icfg->backend) : 0),
		 icfg->backend ? icfg->backend : "");
	snprintf(r->cell, sizeof(r->cell), "%s%s%s-%s-%s-qd%u-j%u", scheme, be[0] ? "-" : "", be,
		 r->rw, iop_fmt_size(job->bs, bs, sizeof(bs)), r->iodepth, r->numjobs);
	iop_result_env_fill(&r->env);
	snprintf(r->env.pinning, sizeof(r->env.pinning), "%s", job->cpus ? job->cpus : "");
	r->env.interrupt = icfg->interrupt;
}

static int
engine_check_job(const struct iop_job *job, const struct iop_initiator *ini, uint64_t *range,
		 char *err, size_t errlen)
{
	uint64_t r;

	if (iop_job_validate(job, err, errlen)) {
		return -EINVAL;
	}
	if (ini->block_size && job->bs % ini->block_size) {
		snprintf(err, errlen, "bs %llu is not a multiple of the device block size %u",
			 (unsigned long long)job->bs, ini->block_size);
		return -EINVAL;
	}
	if (ini->block_size && job->offset % ini->block_size) {
		snprintf(err, errlen, "offset %llu is not a multiple of the device block size %u",
			 (unsigned long long)job->offset, ini->block_size);
		return -EINVAL;
	}
	if (ini->max_io && job->bs > ini->max_io) {
		snprintf(err, errlen, "bs %llu is larger than the endpoint's largest I/O (%u)",
			 (unsigned long long)job->bs, ini->max_io);
		return -EINVAL;
	}
	if (job->offset >= ini->size) {
		snprintf(err, errlen, "offset %llu is beyond the device size %llu",
			 (unsigned long long)job->offset, (unsigned long long)ini->size);
		return -EINVAL;
	}
	r = job->size ? job->size : ini->size - job->offset;
	if (job->offset + r > ini->size || job->offset + r < job->offset) {
		snprintf(err, errlen, "offset+size (%llu+%llu) is beyond the device size %llu",
			 (unsigned long long)job->offset, (unsigned long long)r,
			 (unsigned long long)ini->size);
		return -EINVAL;
	}
	r -= r % job->bs;
	if (r < job->bs) {
		snprintf(err, errlen, "range of %llu bytes holds no %llu-byte block",
			 (unsigned long long)r, (unsigned long long)job->bs);
		return -EINVAL;
	}
	{
		/* buffers: iodepth x numjobs x bs; refuse what would push the machine into OOM */
		long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
		unsigned __int128 need = (unsigned __int128)job->iodepth * job->numjobs *
					 IOP_ALIGN_UP(job->bs, 4096);
		uint64_t cap = pages > 0 && psz > 0 ? (uint64_t)pages * (uint64_t)psz / 2 : 0;

		if (cap && need > cap) {
			snprintf(err, errlen, "iodepth x numjobs x bs needs %llu MiB of I/O buffers, "
				 "more than half of this machine's memory",
				 (unsigned long long)(need >> 20));
			return -EINVAL;
		}
	}
	if (job->verify && job->numjobs > 1 && r / job->bs < job->numjobs) {
		snprintf(err, errlen,
			 "verify splits the range between jobs: too small for %llu jobs",
			 (unsigned long long)job->numjobs);
		return -EINVAL;
	}
	*range = r;
	return 0;
}

static void
engine_thread_init(struct engine *e, struct engine_thread *t, unsigned int idx,
		   struct engine_job *ej, unsigned int jidx)
{
	const struct iop_job *job = ej->job;
	uint64_t range = ej->range, i = jidx;

	t->e = e;
	t->ej = ej;
	t->job = job;
	t->ops = e->ops;
	t->idx = idx;
	t->jidx = jidx;
	t->cpu = ej->ncpus > 0 ? ej->cpus[jidx % (unsigned int)ej->ncpus] : -1;
	t->depth = (unsigned int)job->iodepth;
	t->bs = job->bs;
	t->random = iop_rw_random(job->rw);
	t->verify = job->verify;
	t->pure_read = !iop_rw_writes(job->rw);
	if (iop_rw_reads(job->rw) && iop_rw_writes(job->rw)) {
		t->mixread = (unsigned int)job->rwmixread;
		if (t->mixread == 100 || t->mixread == 0) {
			t->fixed_op = t->mixread ? IOP_OP_READ : IOP_OP_WRITE;
			t->mixread = 101;
		}
	} else {
		t->mixread = 101;
		t->fixed_op = iop_rw_reads(job->rw) ? IOP_OP_READ : IOP_OP_WRITE;
	}
	if (job->verify && job->numjobs > 1) {
		/* disjoint slices: no thread reads a block another one is rewriting */
		uint64_t slice = range / job->numjobs / job->bs * job->bs;

		t->base = job->offset + i * slice;
		t->range = slice;
	} else {
		t->base = job->offset;
		t->range = range;
	}
	if (job->number_ios) {
		t->limit = job->number_ios;
	} else if (!job->time_based) {
		t->limit = t->range / t->bs; /* one pass over the range, fio's default */
	}
	t->vseed = job->seed;
	/* per thread of the job, and per job of the group (the first job keeps the plain seed) */
	iop_prng_seed(&t->prng, job->seed ^ ((i + 1) * 0x9e3779b97f4a7c15ull) ^
					(uint64_t)(ej - e->jobs) * 0xd1b54a32d192ed03ull);
}

static void
engine_collect(struct engine *e, const struct engine_job *ej, struct iop_result *r)
{
	for (unsigned int i = ej->first; i < ej->first + ej->n; i++) {
		struct engine_thread *t = &e->threads[i];

		if (t->hist[0]) {
			iop_hist_merge(&r->read.hist, t->hist[0]);
			iop_hist_merge(&r->write.hist, t->hist[1]);
		}
		r->read.ios += t->ios[IOP_OP_READ];
		r->read.bytes += t->bytes[IOP_OP_READ];
		r->write.ios += t->ios[IOP_OP_WRITE];
		r->write.bytes += t->bytes[IOP_OP_WRITE];
		r->errors += t->errors;
		r->verify_errors += t->verify_errors;
		if (t->cpu_a.wall_ns && t->cpu_b.wall_ns) {
			double usr, sys;

			iop_cpu_cores(&t->cpu_a, &t->cpu_b, &usr, &sys);
			r->cpu_threads.usr += usr;
			r->cpu_threads.sys += sys;
		}
		if (t->err[0] && !r->error_msg[0]) {
			snprintf(r->error_msg, sizeof(r->error_msg), "job %u: %s", t->jidx, t->err);
		}
		free(t->hist[0]);
		free(t->hist[1]);
		t->hist[0] = t->hist[1] = NULL;
	}
}

/* Same message into every result of the group. */
static void
engine_msg_all(struct iop_result *const *outs, unsigned int n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
engine_msg_all(struct iop_result *const *outs, unsigned int n, const char *fmt, ...)
{
	va_list ap;

	for (unsigned int i = 0; i < n; i++) {
		va_start(ap, fmt);
		vsnprintf(outs[i]->error_msg, sizeof(outs[i]->error_msg), fmt, ap);
		va_end(ap);
	}
}

/* Plan the group: parse cpu lists, count threads. \return 0 or -EINVAL (message set). */
static int
engine_plan(struct engine *e, const struct iop_job *jobs, unsigned int njobs,
	    struct iop_result *const *outs, unsigned int *max_depth)
{
	*max_depth = 0;
	for (unsigned int j = 0; j < njobs; j++) {
		struct engine_job *ej = &e->jobs[j];

		ej->job = &jobs[j];
		ej->first = e->nthreads;
		ej->n = (unsigned int)jobs[j].numjobs;
		if (ej->n == 0 || jobs[j].iodepth == 0) {
			engine_msg_all(outs, njobs, "job '%s': numjobs and iodepth must be >= 1",
				       jobs[j].name ? jobs[j].name : "job");
			return -EINVAL;
		}
		e->nthreads += ej->n;
		*max_depth = IOP_MAX(*max_depth, (unsigned int)jobs[j].iodepth);
		if (jobs[j].cpus) {
			ej->ncpus = iop_cpulist_parse(jobs[j].cpus, ej->cpus, IOP_JOB_MAX_CPUS);
			if (ej->ncpus <= 0) {
				engine_msg_all(outs, njobs, "bad cpu list '%s'", jobs[j].cpus);
				return -EINVAL;
			}
		}
	}
	return 0;
}

/* Map job's verify_state file: a job that writes starts a new one (every block 0), a read job
 * checks against what the last writer recorded. */
static int
engine_vstate_open(struct engine_job *ej, uint64_t dev_size, char *err, size_t errlen)
{
	const struct iop_job *job = ej->job;
	bool writer = iop_rw_writes(job->rw);
	uint64_t nblk = dev_size / ENGINE_VERIFY_BLK;
	size_t len = (size_t)IOP_MAX(nblk, 1) * sizeof(uint64_t);
	struct stat st;
	void *p;
	int fd;

	fd = open(job->verify_state, writer ? O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC :
					      O_RDONLY | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "verify_state %s: %s", job->verify_state, strerror(errno));
		return -errno;
	}
	if (writer && ftruncate(fd, (off_t)len)) {
		snprintf(err, errlen, "verify_state %s: %s", job->verify_state, strerror(errno));
		close(fd);
		return -EIO;
	}
	if (!writer && (fstat(fd, &st) || (uint64_t)st.st_size < len)) {
		snprintf(err, errlen, "verify_state %s: not written for a device of %llu bytes "
			 "(run a writing job with it first)", job->verify_state,
			 (unsigned long long)dev_size);
		close(fd);
		return -EINVAL;
	}
	p = mmap(NULL, len, writer ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "verify_state %s: mmap: %s", job->verify_state,
			 strerror(errno));
		return -ENOMEM;
	}
	ej->vstate = p;
	ej->vstate_len = len;
	ej->vstate_nblk = nblk;
	return 0;
}

int
iop_engine_run_group(const struct iop_job *jobs, unsigned int njobs,
		     const struct iop_initiator_cfg *icfg, const struct iop_engine_ext *ext,
		     struct iop_result *const *outs)
{
	struct iop_initiator_cfg cfg = *icfg;
	struct engine e = {.njobs = njobs};
	struct iop_cpu_sample self_a, self_b, tgt_a = {0}, tgt_b = {0};
	bool tgt_ok = false, stopped = false;
	unsigned int started = 0, setup_fail = 0, max_depth = 0, t = 0;
	uint64_t first_ramp_end = UINT64_MAX;
	int rc;

	for (unsigned int j = 0; j < njobs; j++) {
		iop_result_init(outs[j]);
	}
	if (njobs == 0) {
		return -EINVAL;
	}
	e.ops = iop_initiator_find_uri(icfg->uri);
	if (!e.ops) {
		char scheme[32];

		if (iop_uri_scheme(icfg->uri, scheme, sizeof(scheme))) {
			engine_msg_all(outs, njobs, "bad URI '%s'", icfg->uri);
			return -EINVAL;
		}
		engine_msg_all(outs, njobs, "no initiator for '%s:' in this build (iopath --list)",
			       scheme);
		return -ENOENT;
	}
	e.jobs = calloc(njobs, sizeof(*e.jobs));
	if (!e.jobs) {
		return -ENOMEM;
	}
	rc = engine_plan(&e, jobs, njobs, outs, &max_depth);
	if (rc) {
		free(e.jobs);
		return rc;
	}
	cfg.nr_queues = e.nthreads;
	cfg.queue_depth = max_depth;
	rc = e.ops->open(&cfg, &e.ini);
	if (rc) {
		engine_msg_all(outs, njobs, "cannot open %s: %s", icfg->uri, strerror(-rc));
		free(e.jobs);
		return rc;
	}
	for (unsigned int j = 0; j < njobs; j++) {
		char err[200];

		rc = engine_check_job(&jobs[j], e.ini, &e.jobs[j].range, err, sizeof(err));
		if (rc) {
			if (njobs == 1) {
				engine_msg_all(outs, njobs, "%s", err);
			} else {
				engine_msg_all(outs, njobs, "job '%s': %s", jobs[j].name, err);
			}
			goto out_close;
		}
		if (jobs[j].verify_state) {
			rc = engine_vstate_open(&e.jobs[j], e.ini->size, err, sizeof(err));
			if (rc) {
				engine_msg_all(outs, njobs, "%s", err);
				goto out_close;
			}
		}
		engine_fill_result_job(outs[j], &jobs[j], icfg, e.jobs[j].range);
		snprintf(outs[j]->desc, sizeof(outs[j]->desc), "%s", e.ini->desc);
	}

	e.interrupt = icfg->interrupt;
	e.ext_stop = ext ? ext->stop : NULL;
	e.threads = aligned_alloc(IOP_CACHELINE, e.nthreads * sizeof(*e.threads));
	if (!e.threads) {
		rc = -ENOMEM;
		goto out_close;
	}
	memset(e.threads, 0, e.nthreads * sizeof(*e.threads));
	pthread_mutex_init(&e.lock, NULL);
	pthread_cond_init(&e.cond, NULL);
	for (unsigned int j = 0; j < njobs; j++) {
		for (unsigned int k = 0; k < e.jobs[j].n; k++, t++) {
			engine_thread_init(&e, &e.threads[t], t, &e.jobs[j], k);
		}
	}
	for (started = 0; started < e.nthreads; started++) {
		rc = pthread_create(&e.threads[started].tid, NULL, engine_thread_main,
				    &e.threads[started]);
		if (rc) {
			rc = -rc;
			engine_msg_all(outs, njobs, "cannot start thread: %s", strerror(-rc));
			atomic_store(&e.stop_all, 1); /* the started ones skip the I/O */
			break;
		}
	}
	pthread_mutex_lock(&e.lock);
	while (e.nr_ready < started) {
		pthread_cond_wait(&e.cond, &e.lock);
	}
	e.t_go = iop_now_ns();
	for (unsigned int j = 0; j < njobs; j++) {
		struct engine_job *ej = &e.jobs[j];

		ej->t_ramp_end = e.t_go + ej->job->ramp_ns;
		ej->t_end = ej->job->runtime_ns ? ej->t_ramp_end + ej->job->runtime_ns : UINT64_MAX;
		first_ramp_end = IOP_MIN(first_ramp_end, ej->t_ramp_end);
	}
	e.go = true;
	pthread_cond_broadcast(&e.cond);
	pthread_mutex_unlock(&e.lock);
	if (started < e.nthreads) {
		goto out_release;
	}
	for (unsigned int i = 0; i < e.nthreads; i++) {
		if (e.threads[i].rc) {
			setup_fail++;
		}
	}

	engine_sleep_until(&e, first_ramp_end);
	iop_cpu_self(&self_a);
	if (ext && ext->target_pid > 0) {
		tgt_ok = iop_cpu_pid(ext->target_pid, &tgt_a) == 0;
	}
	if (ext && ext->window) {
		ext->window(ext->window_arg, true);
	}
	engine_sleep_until(&e, UINT64_MAX);
	iop_cpu_self(&self_b);
	if (tgt_ok) {
		tgt_ok = iop_cpu_pid(ext->target_pid, &tgt_b) == 0;
	}
	if (ext && ext->window) {
		ext->window(ext->window_arg, false);
	}
	stopped = engine_stopping(&e);
	/* threads may still be in their verify read-back pass (after the window): the joins
	 * below wait for them */
out_release:
	/* threads that finished wait for this before tearing down (not counted in the CPU) */
	pthread_mutex_lock(&e.lock);
	e.release = true;
	pthread_cond_broadcast(&e.cond);
	pthread_mutex_unlock(&e.lock);
	for (unsigned int i = 0; i < started; i++) {
		pthread_join(e.threads[i].tid, NULL);
	}
	if (started == e.nthreads) {
		rc = setup_fail == e.nthreads ? e.threads[0].rc : 0;
	}
	for (unsigned int j = 0; j < njobs; j++) {
		struct engine_job *ej = &e.jobs[j];
		struct iop_result *out = outs[j];
		const struct iop_job *job = ej->job;
		unsigned int fails = 0;
		uint64_t t_last = 0;

		engine_collect(&e, ej, out);
		if (started < e.nthreads) {
			iop_result_finalize(out);
			continue;
		}
		for (unsigned int i = ej->first; i < ej->first + ej->n; i++) {
			t_last = IOP_MAX(t_last, e.threads[i].t_last);
			fails += e.threads[i].rc && !e.threads[i].t_last_cpl;
		}
		if (job->runtime_ns && !job->number_ios && job->time_based && !stopped && !fails) {
			out->runtime_ns = ej->t_end - ej->t_ramp_end;
		} else {
			out->runtime_ns = t_last > ej->t_ramp_end ? t_last - ej->t_ramp_end : 0;
		}
		if (njobs == 1) {
			iop_cpu_cores(&self_a, &self_b, &out->cpu_ini.usr, &out->cpu_ini.sys);
		} else {
			/* jobs of a group share the process: each reports its own threads (fio
			 * reports per-job thread CPU the same way) */
			out->cpu_ini = out->cpu_threads;
		}
		if (tgt_ok) {
			iop_cpu_cores(&tgt_a, &tgt_b, &out->cpu_tgt.usr, &out->cpu_tgt.sys);
			out->target_measured = true;
		}
		if (fails && !out->errors) {
			out->errors = fails;
		}
		iop_result_finalize(out);
	}
	pthread_mutex_destroy(&e.lock);
	pthread_cond_destroy(&e.cond);
	free(e.threads);
out_close:
	e.ops->close(e.ini);
	for (unsigned int j = 0; j < njobs; j++) {
		if (e.jobs[j].vstate) {
			munmap(e.jobs[j].vstate, e.jobs[j].vstate_len);
		}
	}
	free(e.jobs);
	return rc;
}

int
iop_engine_run(const struct iop_job *job, const struct iop_initiator_cfg *icfg,
	       const struct iop_engine_ext *ext, struct iop_result *out)
{
	return iop_engine_run_group(job, 1, icfg, ext, &out);
}
