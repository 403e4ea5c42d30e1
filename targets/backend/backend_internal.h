/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the backend modules: I/O validation and a completion queue for poll mode. */
#ifndef IOPATH_BACKEND_INTERNAL_H
#define IOPATH_BACKEND_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include "iopath/backend.h"
#include "iopath/io.h"
#include "iopath/util.h"

/*
 * Error contract of every backend for one I/O (delivered in io->status):
 *   -EINVAL  unknown op, zero length, offset/len not a multiple of info.block_size, or the
 *            iovec total differs from io->len (READ/WRITE)
 *   -ERANGE  offset + len beyond the end of the device
 *   -EIO...  whatever the kernel returned for the real I/O
 * FLUSH ignores offset/len.
 */
static inline int
backend_check_io(const struct iop_backend_info *info, const struct iop_io *io)
{
	uint64_t mask = info->block_size - 1;

	if (iop_unlikely(io->op >= IOP_OP_MAX)) {
		return -EINVAL;
	}
	if (io->op == IOP_OP_FLUSH) {
		return 0;
	}
	if (iop_unlikely(io->len == 0 || ((io->offset | io->len) & mask))) {
		return -EINVAL;
	}
	if (iop_unlikely(io->offset > info->size || io->len > info->size - io->offset)) {
		return -ERANGE;
	}
	if (io->op <= IOP_OP_WRITE) {
		uint64_t total = 0;

		if (iop_unlikely(io->iovcnt < 1 || !io->iov)) {
			return -EINVAL;
		}
		if (iop_likely(io->iovcnt == 1)) {
			total = io->iov[0].iov_len;
		} else {
			for (int i = 0; i < io->iovcnt; i++) {
				total += io->iov[i].iov_len;
			}
		}
		if (iop_unlikely(total != io->len)) {
			return -EINVAL;
		}
	}
	return 0;
}

/** \return true when v is a supported logical block size (512 or 4096). */
static inline bool
backend_bs_valid(uint64_t v)
{
	return v == 512 || v == 4096;
}

/*
 * Fixed-size ring of I/Os completed at submit time but reported from the next poll()
 * (completion=poll mode of null/malloc, and out-of-band completions of aio/uring).
 */
struct backend_cq {
	struct iop_io **ring;
	uint32_t mask;
	uint32_t head;          /* next to reap */
	uint32_t tail;          /* next free */
};

static inline int
backend_cq_init(struct backend_cq *q, unsigned int depth)
{
	uint32_t n = 1;

	while (n < depth) {
		n <<= 1;
	}
	q->ring = calloc(n, sizeof(*q->ring));
	if (!q->ring) {
		return -ENOMEM;
	}
	q->mask = n - 1;
	q->head = q->tail = 0;
	return 0;
}

static inline void
backend_cq_fini(struct backend_cq *q)
{
	free(q->ring);
	q->ring = NULL;
}

static inline uint32_t
backend_cq_count(const struct backend_cq *q)
{
	return q->tail - q->head;
}

static inline bool
backend_cq_full(const struct backend_cq *q)
{
	return q->tail - q->head > q->mask;
}

static inline void
backend_cq_push(struct backend_cq *q, struct iop_io *io)
{
	q->ring[q->tail++ & q->mask] = io;
}

/**
 * Run the callbacks of up to max queued I/Os, only those queued before the call (an I/O
 * submitted from a callback waits for the next poll). \return the number completed.
 */
static inline int
backend_cq_reap(struct backend_cq *q, unsigned int max)
{
	uint32_t n = backend_cq_count(q);
	uint32_t i;

	if (n > max) {
		n = max;
	}
	for (i = 0; i < n; i++) {
		struct iop_io *io = q->ring[q->head++ & q->mask];

		io->cb(io);
	}
	return (int)n;
}

/*
 * Channels of the backends that do the work inside submit() (null, malloc): completion=inline
 * runs the callback there and returns IOP_SUBMIT_DONE; completion=poll queues the finished I/O
 * (BUSY at `depth` in flight) and the next poll() runs the callback.
 */
enum backend_imm_completion { BACKEND_COMPLETE_INLINE, BACKEND_COMPLETE_POLL };

/** Names of enum backend_imm_completion for the completion= option rows. */
extern const char *const backend_imm_completion_names[];

struct backend_imm_chan {
	struct iop_backend_chan ch;
	bool inline_cpl;
	unsigned int depth;
	struct backend_cq cq;
};

/** Geometry check of size=/bs= for module mod (errors logged). \return 0 or -EINVAL. */
int backend_imm_geometry(const char *mod, uint64_t size, uint64_t bs);

/** A channel on be. \return 0, -EINVAL (depth 0), -ENOMEM. */
int backend_imm_chan_open(struct iop_backend *be, bool inline_cpl, unsigned int depth,
			  struct iop_backend_chan **out);
void backend_imm_chan_close(struct iop_backend_chan *ch);
/** chan_fd of these backends: no fd, poll() is never waited on. */
int backend_imm_chan_fd(struct iop_backend_chan *ch);

/** Submit io whose work exec() does at once (returning io->status). */
static inline enum iop_submit_status
backend_imm_submit(struct iop_backend_chan *ch, struct iop_io *io,
		   int (*exec)(struct iop_backend *be, struct iop_io *io))
{
	struct backend_imm_chan *c = (struct backend_imm_chan *)ch;

	if (iop_likely(c->inline_cpl)) {
		io->status = exec(ch->be, io);
		io->cb(io);
		return IOP_SUBMIT_DONE;
	}
	if (backend_cq_count(&c->cq) >= c->depth) {
		return IOP_SUBMIT_BUSY;
	}
	io->status = exec(ch->be, io);
	backend_cq_push(&c->cq, io);
	return IOP_SUBMIT_QUEUED;
}

static inline int
backend_imm_poll(struct iop_backend_chan *ch, unsigned int max)
{
	struct backend_imm_chan *c = (struct backend_imm_chan *)ch;

	if (c->inline_cpl) {
		return 0;
	}
	return backend_cq_reap(&c->cq, max);
}

/* Options shared by the file backends (uring, aio); each module's option rows point here. */
struct backend_file_opts {
	char *path;
	bool direct;
	uint64_t size;          /* 0 = from the file / device */
	bool create;
	uint64_t bs;            /* 0 = auto */
	bool sqpoll;            /* uring only */
};

/* The option rows every file backend has (path, direct, size, create, bs), for its table. */
#define BACKEND_FILE_OPTION_ROWS                                                                 \
	{"path", "filename", IOP_OPT_STR, offsetof(struct backend_file_opts, path), NULL, 0, 0,  \
	 NULL, "file or block device"},                                                          \
	{"direct", NULL, IOP_OPT_BOOL, offsetof(struct backend_file_opts, direct), "1", 0, 0,    \
	 NULL, "O_DIRECT (falls back to buffered when the file system refuses it)"},             \
	{"size", NULL, IOP_OPT_SIZE, offsetof(struct backend_file_opts, size), "0", 0, 0, NULL,  \
	 "bytes to use; 0 = the file's or device's size"},                                       \
	{"create", NULL, IOP_OPT_BOOL, offsetof(struct backend_file_opts, create), "0", 0, 0,    \
	 NULL, "create the file / extend it to size="},                                          \
	{"bs", NULL, IOP_OPT_UINT, offsetof(struct backend_file_opts, bs), "0", 0, 4096, NULL,   \
	 "logical block size 512 or 4096; 0 = the device's / O_DIRECT alignment"}

/* An opened file or block device, ready for I/O at [0, size). */
struct backend_file {
	int fd;
	bool direct;            /* O_DIRECT in effect */
	bool is_bdev;
	uint64_t size;
	uint32_t block_size;
};

/**
 * Open o->path for a file backend named mod ("uring"): O_DIRECT when asked and allowed (falls
 * back to buffered I/O with a notice when the file system refuses it), size from the device,
 * the file or size= (create=1 creates or extends a regular file). Errors are logged naming the
 * path. \return 0, -ENOENT (missing, no create=1), -EINVAL (bad size/bs, not a file or block
 * device, empty file without size=), or the errno of open/fstat/ftruncate/ioctl.
 */
int backend_file_open(const char *mod, const struct backend_file_opts *o, struct backend_file *f);

/** Backend info of an opened file: its size and block size; write zeroes, discard and a
 * volatile cache (the page cache or the device's) supported. */
void backend_file_info(const struct backend_file *f, struct iop_backend_info *info);

#endif
