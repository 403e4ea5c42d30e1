/* SPDX-License-Identifier: BSD-3-Clause */
/* null backend: completes every I/O at once without touching data (the engine's speed baseline). */
#include <errno.h>
#include <stdlib.h>
#include "iopath/backend.h"
#include "iopath/log.h"
#include "targets/backend/backend_internal.h"

/*
 * Completion modes:
 *   inline (default): submit() validates the I/O, runs its callback and returns IOP_SUBMIT_DONE.
 *                     No queue, no poll work: the cheapest path for a closed-loop engine.
 *                     The callback runs inside submit(), so a caller must not resubmit from
 *                     the callback recursively without bound (mark the slot free instead).
 *   poll:             submit() queues (IOP_SUBMIT_QUEUED, BUSY at `depth` in flight) and the
 *                     next poll() completes; mimics a real asynchronous device.
 * Reads leave the buffer untouched. Errors (unaligned, beyond the end) are reported through
 * io->status like any other backend.
 */

enum null_completion { NULL_COMPLETE_INLINE, NULL_COMPLETE_POLL };

struct null_opts {
	uint64_t size;
	uint64_t bs;
	int completion;
};

struct null_backend {
	struct iop_backend be;
	bool inline_cpl;
};

struct null_chan {
	struct iop_backend_chan ch;
	bool inline_cpl;
	unsigned int depth;
	struct backend_cq cq;
};

static const char *const null_completion_names[] = {"inline", "poll", NULL};

static const struct iop_option null_options[] = {
	{"size", NULL, IOP_OPT_SIZE, offsetof(struct null_opts, size), "1G", 4096, 0, NULL,
	 "device size in bytes (k/m/g/t suffixes)"},
	{"bs", NULL, IOP_OPT_UINT, offsetof(struct null_opts, bs), "512", 512, 4096, NULL,
	 "logical block size: 512 or 4096"},
	{"completion", NULL, IOP_OPT_ENUM, offsetof(struct null_opts, completion), "inline", 0, 0,
	 null_completion_names, "inline: done inside submit(); poll: done at the next poll()"},
	{NULL},
};

static int
null_open(const void *opts_, struct iop_backend **out)
{
	const struct null_opts *o = opts_;
	struct null_backend *nb;

	if (!backend_bs_valid(o->bs)) {
		IOP_ERR("null: bs=%llu must be 512 or 4096\n", (unsigned long long)o->bs);
		return -EINVAL;
	}
	if (o->size % o->bs) {
		IOP_ERR("null: size=%llu is not a multiple of bs=%llu\n",
			(unsigned long long)o->size, (unsigned long long)o->bs);
		return -EINVAL;
	}
	nb = calloc(1, sizeof(*nb));
	if (!nb) {
		return -ENOMEM;
	}
	nb->be.info.size = o->size;
	nb->be.info.block_size = (uint32_t)o->bs;
	nb->be.info.write_zeroes = true;
	nb->be.info.discard = true;
	nb->inline_cpl = o->completion == NULL_COMPLETE_INLINE;
	*out = &nb->be;
	return 0;
}

static void
null_close(struct iop_backend *be)
{
	free(be);
}

static int
null_chan_open(struct iop_backend *be, unsigned int depth, struct iop_backend_chan **out)
{
	struct null_backend *nb = (struct null_backend *)be;
	struct null_chan *c;
	int rc;

	if (depth == 0) {
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		return -ENOMEM;
	}
	c->ch.be = be;
	c->inline_cpl = nb->inline_cpl;
	c->depth = depth;
	if (!c->inline_cpl) {
		rc = backend_cq_init(&c->cq, depth);
		if (rc) {
			free(c);
			return rc;
		}
	}
	*out = &c->ch;
	return 0;
}

static void
null_chan_close(struct iop_backend_chan *ch)
{
	struct null_chan *c = (struct null_chan *)ch;

	backend_cq_fini(&c->cq);
	free(c);
}

static enum iop_submit_status
null_submit(struct iop_backend_chan *ch, struct iop_io *io)
{
	struct null_chan *c = (struct null_chan *)ch;

	if (iop_likely(c->inline_cpl)) {
		io->status = backend_check_io(&ch->be->info, io);
		io->cb(io);
		return IOP_SUBMIT_DONE;
	}
	if (backend_cq_count(&c->cq) >= c->depth) {
		return IOP_SUBMIT_BUSY;
	}
	io->status = backend_check_io(&ch->be->info, io);
	backend_cq_push(&c->cq, io);
	return IOP_SUBMIT_QUEUED;
}

static int
null_poll(struct iop_backend_chan *ch, unsigned int max)
{
	struct null_chan *c = (struct null_chan *)ch;

	if (c->inline_cpl) {
		return 0;
	}
	return backend_cq_reap(&c->cq, max);
}

static int
null_chan_fd(struct iop_backend_chan *ch)
{
	return -1;
}

static const struct iop_backend_ops null_ops = {
	.name = "null",
	.help = "discards writes, reads leave buffers untouched; instant completion",
	.options = null_options,
	.opts_size = sizeof(struct null_opts),
	.open = null_open,
	.close = null_close,
	.chan_open = null_chan_open,
	.chan_close = null_chan_close,
	.submit = null_submit,
	.poll = null_poll,
	.chan_fd = null_chan_fd,
};
IOP_BACKEND_REGISTER(null_ops)
