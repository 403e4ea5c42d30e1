/* SPDX-License-Identifier: BSD-3-Clause */
/* malloc backend: a RAM disk (anonymous mapping) with real copies, write-zeroes and discard. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "iopath/backend.h"
#include "iopath/log.h"
#include "targets/backend/backend_internal.h"

/*
 * The store is one MAP_NORESERVE anonymous mapping: untouched pages cost nothing and read as
 * zeroes, so size=1G is cheap until written. DISCARD and WRITE_ZEROES memset the unaligned
 * edges and give whole large page runs back with MADV_DONTNEED (they then read as zeroes).
 * Copies run inside submit(); completion is inline (IOP_SUBMIT_DONE, default) or at the next
 * poll() (completion=poll), as in the null backend. Channels on different threads share the
 * store; concurrent writes to one block race as they would on a disk.
 */

#define MALLOC_MADV_MIN (64u * 1024)    /* below this, memset beats madvise + page faults */

enum malloc_completion { MALLOC_COMPLETE_INLINE, MALLOC_COMPLETE_POLL };

struct malloc_opts {
	uint64_t size;
	uint64_t bs;
	int completion;
};

struct malloc_backend {
	struct iop_backend be;
	uint8_t *mem;
	size_t map_len;
	size_t page;
	bool inline_cpl;
};

struct malloc_chan {
	struct iop_backend_chan ch;
	struct malloc_backend *mb;
	bool inline_cpl;
	unsigned int depth;
	struct backend_cq cq;
};

static const char *const malloc_completion_names[] = {"inline", "poll", NULL};

static const struct iop_option malloc_options[] = {
	{"size", NULL, IOP_OPT_SIZE, offsetof(struct malloc_opts, size), "1G", 4096, 0, NULL,
	 "RAM disk size in bytes (allocated lazily)"},
	{"bs", NULL, IOP_OPT_UINT, offsetof(struct malloc_opts, bs), "512", 512, 4096, NULL,
	 "logical block size: 512 or 4096"},
	{"completion", NULL, IOP_OPT_ENUM, offsetof(struct malloc_opts, completion), "inline", 0, 0,
	 malloc_completion_names, "inline: done inside submit(); poll: done at the next poll()"},
	{NULL},
};

static int
malloc_open(const void *opts_, struct iop_backend **out)
{
	const struct malloc_opts *o = opts_;
	struct malloc_backend *mb;

	if (!backend_bs_valid(o->bs)) {
		IOP_ERR("malloc: bs=%llu must be 512 or 4096\n", (unsigned long long)o->bs);
		return -EINVAL;
	}
	if (o->size % o->bs) {
		IOP_ERR("malloc: size=%llu is not a multiple of bs=%llu\n",
			(unsigned long long)o->size, (unsigned long long)o->bs);
		return -EINVAL;
	}
	if (o->size > (uint64_t)SIZE_MAX / 2) {
		IOP_ERR("malloc: size=%llu is too large for this address space\n",
			(unsigned long long)o->size);
		return -EINVAL;
	}
	mb = calloc(1, sizeof(*mb));
	if (!mb) {
		return -ENOMEM;
	}
	mb->page = 4096;
	mb->map_len = IOP_ALIGN_UP((size_t)o->size, mb->page);
	mb->mem = mmap(NULL, mb->map_len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mb->mem == MAP_FAILED) {
		int rc = -errno;

		IOP_ERR("malloc: cannot map %llu bytes: %s\n", (unsigned long long)o->size,
			strerror(-rc));
		free(mb);
		return rc;
	}
	mb->be.info.size = o->size;
	mb->be.info.block_size = (uint32_t)o->bs;
	mb->be.info.write_zeroes = true;
	mb->be.info.discard = true;
	mb->inline_cpl = o->completion == MALLOC_COMPLETE_INLINE;
	*out = &mb->be;
	return 0;
}

static void
malloc_close(struct iop_backend *be)
{
	struct malloc_backend *mb = (struct malloc_backend *)be;

	munmap(mb->mem, mb->map_len);
	free(mb);
}

static int
malloc_chan_open(struct iop_backend *be, unsigned int depth, struct iop_backend_chan **out)
{
	struct malloc_backend *mb = (struct malloc_backend *)be;
	struct malloc_chan *c;
	int rc;

	if (depth == 0) {
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		return -ENOMEM;
	}
	c->ch.be = be;
	c->mb = mb;
	c->inline_cpl = mb->inline_cpl;
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
malloc_chan_close(struct iop_backend_chan *ch)
{
	struct malloc_chan *c = (struct malloc_chan *)ch;

	backend_cq_fini(&c->cq);
	free(c);
}

static void
malloc_zero(struct malloc_backend *mb, uint64_t off, uint64_t len)
{
	uint8_t *p = mb->mem + off;
	uint8_t *a = (uint8_t *)IOP_ALIGN_UP((uintptr_t)p, mb->page);
	uint8_t *end = p + len;
	uint8_t *b = (uint8_t *)((uintptr_t)end & ~(uintptr_t)(mb->page - 1));

	if (len >= MALLOC_MADV_MIN && b > a && madvise(a, (size_t)(b - a), MADV_DONTNEED) == 0) {
		memset(p, 0, (size_t)(a - p));
		memset(b, 0, (size_t)(end - b));
		return;
	}
	memset(p, 0, len);
}

static int
malloc_exec(struct malloc_backend *mb, struct iop_io *io)
{
	int rc = backend_check_io(&mb->be.info, io);
	uint8_t *p;

	if (iop_unlikely(rc)) {
		return rc;
	}
	p = mb->mem + io->offset;
	switch (io->op) {
	case IOP_OP_READ:
		for (int i = 0; i < io->iovcnt; i++) {
			memcpy(io->iov[i].iov_base, p, io->iov[i].iov_len);
			p += io->iov[i].iov_len;
		}
		break;
	case IOP_OP_WRITE:
		for (int i = 0; i < io->iovcnt; i++) {
			memcpy(p, io->iov[i].iov_base, io->iov[i].iov_len);
			p += io->iov[i].iov_len;
		}
		break;
	case IOP_OP_WRITE_ZEROES:
	case IOP_OP_DISCARD:
		malloc_zero(mb, io->offset, io->len);
		break;
	case IOP_OP_FLUSH:
	default:
		break;
	}
	return 0;
}

static enum iop_submit_status
malloc_submit(struct iop_backend_chan *ch, struct iop_io *io)
{
	struct malloc_chan *c = (struct malloc_chan *)ch;

	if (iop_likely(c->inline_cpl)) {
		io->status = malloc_exec(c->mb, io);
		io->cb(io);
		return IOP_SUBMIT_DONE;
	}
	if (backend_cq_count(&c->cq) >= c->depth) {
		return IOP_SUBMIT_BUSY;
	}
	io->status = malloc_exec(c->mb, io);
	backend_cq_push(&c->cq, io);
	return IOP_SUBMIT_QUEUED;
}

static int
malloc_poll(struct iop_backend_chan *ch, unsigned int max)
{
	struct malloc_chan *c = (struct malloc_chan *)ch;

	if (c->inline_cpl) {
		return 0;
	}
	return backend_cq_reap(&c->cq, max);
}

static int
malloc_chan_fd(struct iop_backend_chan *ch)
{
	return -1;
}

static const struct iop_backend_ops malloc_ops = {
	.name = "malloc",
	.help = "RAM disk: real copies, write-zeroes and discard read back zeroes",
	.options = malloc_options,
	.opts_size = sizeof(struct malloc_opts),
	.open = malloc_open,
	.close = malloc_close,
	.chan_open = malloc_chan_open,
	.chan_close = malloc_chan_close,
	.submit = malloc_submit,
	.poll = malloc_poll,
	.chan_fd = malloc_chan_fd,
};
IOP_BACKEND_REGISTER(malloc_ops)
