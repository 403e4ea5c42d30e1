/* SPDX-License-Identifier: BSD-3-Clause */
/* uring backend: io_uring on a file or block device, one ring per channel, batched submission. */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "iopath/backend.h"
#include "iopath/log.h"
#include "targets/backend/backend_internal.h"

/*
 * submit() only fills an SQE; poll() pushes the whole batch with one io_uring_submit() and
 * reaps completions from the CQ ring without a syscall. The file is registered with each ring
 * (IOSQE_FIXED_FILE); memory handed to register_mem() becomes fixed buffers (READ_FIXED /
 * WRITE_FIXED for single-buffer I/Os inside it). FLUSH is fdatasync, DISCARD is fallocate
 * PUNCH_HOLE, WRITE_ZEROES is fallocate ZERO_RANGE (retried as PUNCH_HOLE where the file
 * system lacks ZERO_RANGE, e.g. tmpfs). A channel holds at most `depth` I/Os (BUSY beyond).
 */

#define URING_MAX_REGIONS 16
#define URING_REAP_BATCH  32

struct uring_backend {
	struct iop_backend be;
	struct backend_file file;
	bool sqpoll;
};

struct uring_region {
	uintptr_t base;
	size_t len;             /* 0 = free slot */
};

struct uring_chan {
	struct iop_backend_chan ch;
	struct io_uring ring;
	unsigned int depth;
	unsigned int inflight;  /* prepared or in the kernel */
	unsigned int pending;   /* prepared, not yet submitted */
	int fd_arg;             /* 0 with a registered file, else the fd */
	uint8_t sqe_flags;
	int wz_mode;            /* fallocate mode used for WRITE_ZEROES */
	int bufs_state;         /* 0 untried, 1 sparse table registered, <0 failed (errno) */
	struct uring_region regions[URING_MAX_REGIONS];
	int efd;
};

static const struct iop_option uring_options[] = {
	BACKEND_FILE_OPTION_ROWS,
	{"sqpoll", NULL, IOP_OPT_BOOL, offsetof(struct backend_file_opts, sqpoll), "0", 0, 0, NULL,
	 "kernel SQ polling thread per channel"},
	{NULL},
};

static int
uring_open(const void *opts_, struct iop_backend **out)
{
	const struct backend_file_opts *o = opts_;
	struct uring_backend *ub;
	struct io_uring probe;
	int rc;

	/* Fail early and clearly when io_uring is disabled (sysctl, seccomp, old kernel). */
	rc = io_uring_queue_init(2, &probe, 0);
	if (rc < 0) {
		IOP_ERR("uring: io_uring is not available here: %s\n", strerror(-rc));
		return rc;
	}
	io_uring_queue_exit(&probe);
	ub = calloc(1, sizeof(*ub));
	if (!ub) {
		return -ENOMEM;
	}
	rc = backend_file_open("uring", o, &ub->file);
	if (rc) {
		free(ub);
		return rc;
	}
	ub->sqpoll = o->sqpoll;
	backend_file_info(&ub->file, &ub->be.info);
	*out = &ub->be;
	return 0;
}

static void
uring_close(struct iop_backend *be)
{
	struct uring_backend *ub = (struct uring_backend *)be;

	close(ub->file.fd);
	free(ub);
}

static int
uring_chan_open(struct iop_backend *be, unsigned int depth, struct iop_backend_chan **out)
{
	struct uring_backend *ub = (struct uring_backend *)be;
	struct io_uring_params p = {0};
	struct uring_chan *c;
	unsigned int entries = 1;
	int rc;

	if (depth == 0 || depth > 32768) {
		return -EINVAL;
	}
	while (entries < depth) {
		entries <<= 1;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		return -ENOMEM;
	}
	c->ch.be = be;
	c->depth = depth;
	c->efd = -1;
	c->wz_mode = FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;
	if (ub->sqpoll) {
		p.flags |= IORING_SETUP_SQPOLL;
		p.sq_thread_idle = 100; /* ms */
	}
	rc = io_uring_queue_init_params(entries, &c->ring, &p);
	if (rc < 0) {
		IOP_ERR("uring: cannot set up a ring of %u entries%s: %s\n", entries,
			ub->sqpoll ? " with sqpoll" : "", strerror(-rc));
		free(c);
		return rc;
	}
	if (io_uring_register_files(&c->ring, &ub->file.fd, 1) == 0) {
		c->fd_arg = 0;
		c->sqe_flags = IOSQE_FIXED_FILE;
	} else {
		c->fd_arg = ub->file.fd;
	}
	*out = &c->ch;
	return 0;
}

static void
uring_chan_close(struct iop_backend_chan *ch)
{
	struct uring_chan *c = (struct uring_chan *)ch;

	io_uring_queue_exit(&c->ring);
	if (c->efd >= 0) {
		close(c->efd);
	}
	free(c);
}

/* \return the fixed-buffer index holding [p, p + len), or -1. */
static inline int
uring_find_region(const struct uring_chan *c, const void *p, size_t len)
{
	uintptr_t a = (uintptr_t)p;

	if (c->bufs_state != 1) {
		return -1;
	}
	for (int i = 0; i < URING_MAX_REGIONS; i++) {
		const struct uring_region *r = &c->regions[i];

		if (r->len && a >= r->base && a - r->base + len <= r->len) {
			return i;
		}
	}
	return -1;
}

static void
uring_prep_rw(struct uring_chan *c, struct io_uring_sqe *sqe, struct iop_io *io)
{
	bool rd = io->op == IOP_OP_READ;

	if (io->iovcnt == 1) {
		void *buf = io->iov[0].iov_base;
		unsigned int len = (unsigned int)io->len;
		int idx = uring_find_region(c, buf, len);

		if (idx >= 0) {
			if (rd) {
				io_uring_prep_read_fixed(sqe, c->fd_arg, buf, len, io->offset, idx);
			} else {
				io_uring_prep_write_fixed(sqe, c->fd_arg, buf, len, io->offset,
							  idx);
			}
		} else if (rd) {
			io_uring_prep_read(sqe, c->fd_arg, buf, len, io->offset);
		} else {
			io_uring_prep_write(sqe, c->fd_arg, buf, len, io->offset);
		}
	} else if (rd) {
		io_uring_prep_readv(sqe, c->fd_arg, io->iov, (unsigned int)io->iovcnt, io->offset);
	} else {
		io_uring_prep_writev(sqe, c->fd_arg, io->iov, (unsigned int)io->iovcnt, io->offset);
	}
}

static void
uring_prep(struct uring_chan *c, struct io_uring_sqe *sqe, struct iop_io *io)
{
	switch (io->op) {
	case IOP_OP_READ:
	case IOP_OP_WRITE:
		uring_prep_rw(c, sqe, io);
		break;
	case IOP_OP_FLUSH:
		io_uring_prep_fsync(sqe, c->fd_arg, IORING_FSYNC_DATASYNC);
		break;
	case IOP_OP_DISCARD:
		io_uring_prep_fallocate(sqe, c->fd_arg, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					io->offset, io->len);
		break;
	case IOP_OP_WRITE_ZEROES:
	default:
		io_uring_prep_fallocate(sqe, c->fd_arg, c->wz_mode, io->offset, io->len);
		break;
	}
	sqe->flags |= c->sqe_flags;
	io_uring_sqe_set_data(sqe, io);
}

static enum iop_submit_status
uring_submit(struct iop_backend_chan *ch, struct iop_io *io)
{
	struct uring_chan *c = (struct uring_chan *)ch;
	struct io_uring_sqe *sqe;
	int rc;

	if (iop_unlikely(c->inflight >= c->depth)) {
		return IOP_SUBMIT_BUSY;
	}
	rc = backend_check_io(&ch->be->info, io);
	if (iop_unlikely(rc)) {
		io->status = rc;
		io->cb(io);
		return IOP_SUBMIT_DONE;
	}
	if (iop_unlikely(io->len > UINT32_MAX && io->op <= IOP_OP_WRITE && io->iovcnt == 1)) {
		io->status = -EINVAL;
		io->cb(io);
		return IOP_SUBMIT_DONE;
	}
	sqe = io_uring_get_sqe(&c->ring);
	if (iop_unlikely(!sqe)) {
		return IOP_SUBMIT_BUSY;
	}
	uring_prep(c, sqe, io);
	c->inflight++;
	c->pending++;
	return IOP_SUBMIT_QUEUED;
}

/* \return true when the io completes now, false when it was requeued (WRITE_ZEROES retry). */
static bool
uring_complete_one(struct uring_chan *c, struct iop_io *io, int res)
{
	if (iop_unlikely(res == -EOPNOTSUPP && io->op == IOP_OP_WRITE_ZEROES &&
			 c->wz_mode != (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE))) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&c->ring);

		c->wz_mode = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
		if (sqe) {
			uring_prep(c, sqe, io);
			c->pending++;
			return false;
		}
	}
	if (res >= 0 && io->op <= IOP_OP_WRITE) {
		if (iop_unlikely((uint64_t)res != io->len)) {
			IOP_ERR_RATELIMIT("uring: short %s at %llu: %d of %llu bytes\n",
					  iop_op_name(io->op), (unsigned long long)io->offset, res,
					  (unsigned long long)io->len);
			res = -EIO;
		} else {
			res = 0;
		}
	}
	io->status = res < 0 ? res : 0;
	return true;
}

static int
uring_poll(struct iop_backend_chan *ch, unsigned int max)
{
	struct uring_chan *c = (struct uring_chan *)ch;
	struct io_uring_cqe *cqes[URING_REAP_BATCH];
	struct iop_io *done[URING_REAP_BATCH];
	int total = 0;

	/* Interrupt mode: drain the eventfd before reaping, so it is readable again only for
	 * completions that arrive after this poll. */
	if (iop_unlikely(c->efd >= 0)) {
		uint64_t v;

		if (read(c->efd, &v, sizeof(v)) < 0 && errno != EAGAIN) {
			IOP_ERR_RATELIMIT("eventfd read: %s\n", strerror(errno));
		}
	}

	if (c->pending) {
		int rc = io_uring_submit(&c->ring);

		if (rc > 0) {
			c->pending -= (unsigned int)rc < c->pending ? (unsigned int)rc : c->pending;
		} else if (rc < 0 && rc != -EAGAIN && rc != -EBUSY && rc != -EINTR) {
			IOP_ERR_RATELIMIT("uring: io_uring_submit: %s\n", strerror(-rc));
			return rc;
		}
	}
	while ((unsigned int)total < max && c->inflight > c->pending) {
		unsigned int want = IOP_MIN(max - (unsigned int)total, URING_REAP_BATCH);
		unsigned int n = io_uring_peek_batch_cqe(&c->ring, cqes, want);
		unsigned int ndone = 0;

		if (n == 0) {
			break;
		}
		for (unsigned int i = 0; i < n; i++) {
			struct iop_io *io = io_uring_cqe_get_data(cqes[i]);

			if (uring_complete_one(c, io, cqes[i]->res)) {
				done[ndone++] = io;
			}
		}
		io_uring_cq_advance(&c->ring, n);
		c->inflight -= ndone;
		/* Callbacks run after the CQ slots are released: they may submit again. */
		for (unsigned int i = 0; i < ndone; i++) {
			done[i]->cb(done[i]);
		}
		total += (int)ndone;
	}
	return total;
}

static int
uring_chan_fd(struct iop_backend_chan *ch)
{
	struct uring_chan *c = (struct uring_chan *)ch;

	if (c->efd < 0) {
		int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

		if (fd < 0) {
			return -1;
		}
		if (io_uring_register_eventfd(&c->ring, fd) < 0) {
			close(fd);
			return -1;
		}
		c->efd = fd;
	}
	return c->efd;
}

static int
uring_register_mem(struct iop_backend_chan *ch, void *addr, size_t len)
{
	struct uring_chan *c = (struct uring_chan *)ch;
	struct iovec iov = {.iov_base = addr, .iov_len = len};
	__u64 tag = 0;
	int rc;

	if (c->bufs_state == 0) {
		rc = io_uring_register_buffers_sparse(&c->ring, URING_MAX_REGIONS);
		c->bufs_state = rc < 0 ? rc : 1;
		if (rc < 0) {
			IOP_NOTICE("uring: no fixed buffers (%s); using plain reads/writes\n",
				   strerror(-rc));
		}
	}
	if (c->bufs_state < 0) {
		return c->bufs_state;
	}
	for (unsigned int i = 0; i < URING_MAX_REGIONS; i++) {
		if (c->regions[i].len) {
			continue;
		}
		rc = io_uring_register_buffers_update_tag(&c->ring, i, &iov, &tag, 1);
		if (rc < 0) {
			return rc;
		}
		c->regions[i].base = (uintptr_t)addr;
		c->regions[i].len = len;
		return 0;
	}
	return -ENOSPC;
}

static void
uring_unregister_mem(struct iop_backend_chan *ch, void *addr)
{
	struct uring_chan *c = (struct uring_chan *)ch;
	struct iovec iov = {0};
	__u64 tag = 0;

	for (unsigned int i = 0; i < URING_MAX_REGIONS; i++) {
		if (c->regions[i].len && c->regions[i].base == (uintptr_t)addr) {
			io_uring_register_buffers_update_tag(&c->ring, i, &iov, &tag, 1);
			c->regions[i].len = 0;
			return;
		}
	}
}

static const struct iop_backend_ops uring_ops = {
	.name = "uring",
	.help = "io_uring on a file or block device (O_DIRECT, fixed file and buffers)",
	.options = uring_options,
	.opts_size = sizeof(struct backend_file_opts),
	.open = uring_open,
	.close = uring_close,
	.chan_open = uring_chan_open,
	.chan_close = uring_chan_close,
	.submit = uring_submit,
	.poll = uring_poll,
	.chan_fd = uring_chan_fd,
	.register_mem = uring_register_mem,
	.unregister_mem = uring_unregister_mem,
};
IOP_BACKEND_REGISTER(uring_ops)
