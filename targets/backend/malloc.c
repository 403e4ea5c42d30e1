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

struct malloc_opts {
	uint64_t size;
	uint64_t bs;
	int completion;         /* enum backend_imm_completion */
};

struct malloc_backend {
	struct iop_backend be;
	uint8_t *mem;
	size_t map_len;
	size_t page;
	bool inline_cpl;
};

static const struct iop_option malloc_options[] = {
	{"size", NULL, IOP_OPT_SIZE, offsetof(struct malloc_opts, size), "1G", 4096, 0, NULL,
	 "RAM disk size in bytes (allocated lazily)"},
	{"bs", NULL, IOP_OPT_UINT, offsetof(struct malloc_opts, bs), "512", 512, 4096, NULL,
	 "logical block size: 512 or 4096"},
	{"completion", NULL, IOP_OPT_ENUM, offsetof(struct malloc_opts, completion), "inline", 0, 0,
	 backend_imm_completion_names, "inline: done inside submit(); poll: done at the next poll()"},
	{NULL},
};

static int
malloc_open(const void *opts_, struct iop_backend **out)
{
	const struct malloc_opts *o = opts_;
	struct malloc_backend *mb;
	int rc = backend_imm_geometry("malloc", o->size, o->bs);

	if (rc) {
		return rc;
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
		rc = -errno;
		IOP_ERR("malloc: cannot map %llu bytes: %s\n", (unsigned long long)o->size,
			strerror(-rc));
		free(mb);
		return rc;
	}
	mb->be.info.size = o->size;
	mb->be.info.block_size = (uint32_t)o->bs;
	mb->be.info.write_zeroes = true;
	mb->be.info.discard = true;
	mb->inline_cpl = o->completion == BACKEND_COMPLETE_INLINE;
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
	return backend_imm_chan_open(be, ((struct malloc_backend *)be)->inline_cpl, depth, out);
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
malloc_exec(struct iop_backend *be, struct iop_io *io)
{
	struct malloc_backend *mb = (struct malloc_backend *)be;
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
	return backend_imm_submit(ch, io, malloc_exec);
}

static const struct iop_backend_ops malloc_ops = {
	.name = "malloc",
	.help = "RAM disk: real copies, write-zeroes and discard read back zeroes",
	.options = malloc_options,
	.opts_size = sizeof(struct malloc_opts),
	.open = malloc_open,
	.close = malloc_close,
	.chan_open = malloc_chan_open,
	.chan_close = backend_imm_chan_close,
	.submit = malloc_submit,
	.poll = backend_imm_poll,
	.chan_fd = backend_imm_chan_fd,
};
IOP_BACKEND_REGISTER(malloc_ops)
