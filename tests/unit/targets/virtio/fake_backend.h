/* SPDX-License-Identifier: BSD-3-Clause */
/* RAM-disk backend for the virtio unit tests (header-only; each test binary gets its own copy).
 * mode: 0 complete inline, 1 complete at poll, 2 refuse with BUSY. */
#ifndef IOPATH_TESTS_FAKE_BACKEND_H
#define IOPATH_TESTS_FAKE_BACKEND_H

#include <stdlib.h>
#include <string.h>
#include "iopath/backend.h"

struct fake_be {
	struct iop_backend be;
	uint8_t *data;
	int mode;
	/* counters: updated atomically (channels of several threads share the backend) */
	unsigned int nr_flush, nr_discard, nr_wz, nr_submit;
};

/* Queued completions are per channel: a channel belongs to one thread. */
struct fake_chan {
	struct iop_backend_chan ch;
	struct iop_io *queued[1024];
	unsigned int nq;
};

static void
fake_exec(struct fake_be *f, struct iop_io *io)
{
	uint64_t off = io->offset;

	io->status = 0;
	if (io->offset + io->len > f->be.info.size) {
		io->status = -EINVAL;
		return;
	}
	switch (io->op) {
	case IOP_OP_READ:
	case IOP_OP_WRITE:
		for (int i = 0; i < io->iovcnt; i++) {
			if (io->op == IOP_OP_READ) {
				memcpy(io->iov[i].iov_base, f->data + off, io->iov[i].iov_len);
			} else {
				memcpy(f->data + off, io->iov[i].iov_base, io->iov[i].iov_len);
			}
			off += io->iov[i].iov_len;
		}
		break;
	case IOP_OP_WRITE_ZEROES:
	case IOP_OP_DISCARD:
		memset(f->data + io->offset, 0, io->len);
		if (io->op == IOP_OP_DISCARD) {
			__atomic_fetch_add(&f->nr_discard, 1, __ATOMIC_RELAXED);
		} else {
			__atomic_fetch_add(&f->nr_wz, 1, __ATOMIC_RELAXED);
		}
		break;
	case IOP_OP_FLUSH:
		__atomic_fetch_add(&f->nr_flush, 1, __ATOMIC_RELAXED);
		break;
	default:
		io->status = -EOPNOTSUPP;
	}
}

static enum iop_submit_status
fake_submit(struct iop_backend_chan *ch, struct iop_io *io)
{
	struct fake_be *f = (struct fake_be *)ch->be;
	struct fake_chan *c = (struct fake_chan *)ch;

	__atomic_fetch_add(&f->nr_submit, 1, __ATOMIC_RELAXED);
	if (f->mode == 2) {
		return IOP_SUBMIT_BUSY;
	}
	if (f->mode == 1 && c->nq == 1024) {
		return IOP_SUBMIT_BUSY;
	}
	fake_exec(f, io);
	if (f->mode == 1) {
		c->queued[c->nq++] = io;
		return IOP_SUBMIT_QUEUED;
	}
	io->cb(io);
	return IOP_SUBMIT_DONE;
}

static int
fake_poll(struct iop_backend_chan *ch, unsigned int max)
{
	struct fake_chan *c = (struct fake_chan *)ch;
	unsigned int n = 0;

	while (c->nq && n < max) {
		struct iop_io *io = c->queued[0];

		memmove(c->queued, c->queued + 1, sizeof(c->queued[0]) * --c->nq);
		io->cb(io);
		n++;
	}
	return (int)n;
}

static int
fake_chan_open(struct iop_backend *be, unsigned int depth, struct iop_backend_chan **out)
{
	struct fake_chan *c = calloc(1, sizeof(*c));

	if (!c) {
		return -ENOMEM;
	}
	c->ch.be = be;
	*out = &c->ch;
	return 0;
}

static void
fake_chan_close(struct iop_backend_chan *ch)
{
	free(ch);
}

static const struct iop_backend_ops fake_ops = {
	.name = "fake",
	.submit = fake_submit,
	.poll = fake_poll,
	.chan_open = fake_chan_open,
	.chan_close = fake_chan_close,
};

static struct fake_be *
fake_new(uint64_t size, uint32_t bs, const char *spec)
{
	struct fake_be *f = calloc(1, sizeof(*f));

	f->be.ops = &fake_ops;
	f->be.info.size = size;
	f->be.info.block_size = bs;
	f->be.info.discard = true;
	f->be.info.write_zeroes = true;
	f->be.info.volatile_cache = true;
	f->be.spec = (char *)spec;
	f->data = calloc(1, size);
	return f;
}

static void
fake_free(struct fake_be *f)
{
	free(f->data);
	free(f);
}

#endif
