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

struct null_opts {
	uint64_t size;
	uint64_t bs;
	int completion;         /* enum backend_imm_completion */
};

struct null_backend {
	struct iop_backend be;
	bool inline_cpl;
};

static const struct iop_option null_options[] = {
	{"size", NULL, IOP_OPT_SIZE, offsetof(struct null_opts, size), "1G", 4096, 0, NULL,
	 "device size in bytes (k/m/g/t suffixes)"},
	{"bs", NULL, IOP_OPT_UINT, offsetof(struct null_opts, bs), "512", 512, 4096, NULL,
	 "logical block size: 512 or 4096"},
	{"completion", NULL, IOP_OPT_ENUM, offsetof(struct null_opts, completion), "inline", 0, 0,
	 backend_imm_completion_names, "inline: done inside submit(); poll: done at the next poll()"},
	{NULL},
};

static int
null_open(const void *opts_, struct iop_backend **out)
{
	const struct null_opts *o = opts_;
	struct null_backend *nb;
	int rc = backend_imm_geometry("null", o->size, o->bs);

	if (rc) {
		return rc;
	}
	nb = calloc(1, sizeof(*nb));
	if (!nb) {
		return -ENOMEM;
	}
	nb->be.info.size = o->size;
	nb->be.info.block_size = (uint32_t)o->bs;
	nb->be.info.write_zeroes = true;
	nb->be.info.discard = true;
	nb->inline_cpl = o->completion == BACKEND_COMPLETE_INLINE;
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
	return backend_imm_chan_open(be, ((struct null_backend *)be)->inline_cpl, depth, out);
}

static int
null_exec(struct iop_backend *be, struct iop_io *io)
{
	return backend_check_io(&be->info, io);
}

static enum iop_submit_status
null_submit(struct iop_backend_chan *ch, struct iop_io *io)
{
	return backend_imm_submit(ch, io, null_exec);
}

static const struct iop_backend_ops null_ops = {
	.name = "null",
	.help = "discards writes, reads leave buffers untouched; instant completion",
	.options = null_options,
	.opts_size = sizeof(struct null_opts),
	.open = null_open,
	.close = null_close,
	.chan_open = null_chan_open,
	.chan_close = backend_imm_chan_close,
	.submit = null_submit,
	.poll = backend_imm_poll,
	.chan_fd = backend_imm_chan_fd,
};
IOP_BACKEND_REGISTER(null_ops)
