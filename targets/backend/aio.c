/* SPDX-License-Identifier: BSD-3-Clause */
/* aio backend: Linux native AIO (libaio) on a file or block device, iocb pool per channel. */
#include <errno.h>
#include <fcntl.h>
#include <libaio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "iopath/backend.h"
#include "iopath/log.h"
#include "targets/backend/backend_internal.h"

/*
 * submit() takes an iocb from the channel's pool and queues it; poll() hands the batch to one
 * io_submit() and reaps with io_getevents(min 0, zero timeout), so nothing waits. FLUSH is
 * IOCB_CMD_FDSYNC. Native AIO has no fallocate opcode: DISCARD (PUNCH_HOLE) and WRITE_ZEROES
 * (ZERO_RANGE, else PUNCH_HOLE) call fallocate(2) from submit() and complete inline
 * (IOP_SUBMIT_DONE); they are metadata operations on a file or a block device request.
 * Without O_DIRECT the kernel runs AIO synchronously inside io_submit (a Linux limitation).
 */

struct aio_backend {
	struct iop_backend be;
	struct backend_file file;
};

struct aio_chan {
	struct iop_backend_chan ch;
	int fd;
	io_context_t ctx;
	unsigned int depth;
	unsigned int inflight;   /* queued or in the kernel */
	unsigned int npending;   /* queued, not yet io_submit()ted */
	unsigned int nfree;
	int wz_mode;
	int efd;
	struct iocb *iocbs;
	struct iocb **free_list;
	struct iocb **pending;
	struct io_event *events;
};

static const struct iop_option aio_options[] = {
	BACKEND_FILE_OPTION_ROWS,
	{NULL},
};

static int
aio_open(const void *opts_, struct iop_backend **out)
{
	const struct backend_file_opts *o = opts_;
	struct aio_backend *ab;
	int rc;

	ab = calloc(1, sizeof(*ab));
	if (!ab) {
		return -ENOMEM;
	}
	rc = backend_file_open("aio", o, &ab->file);
	if (rc) {
		free(ab);
		return rc;
	}
	if (!ab->file.direct) {
		IOP_NOTICE("aio: %s: without O_DIRECT, io_submit() runs each I/O synchronously\n",
			   o->path);
	}
	backend_file_info(&ab->file, &ab->be.info);
	*out = &ab->be;
	return 0;
}

static void
aio_close(struct iop_backend *be)
{
	struct aio_backend *ab = (struct aio_backend *)be;

	close(ab->file.fd);
	free(ab);
}

static void
aio_chan_free(struct aio_chan *c)
{
	free(c->iocbs);
	free(c->free_list);
	free(c->pending);
	free(c->events);
	free(c);
}

static int
aio_chan_open(struct iop_backend *be, unsigned int depth, struct iop_backend_chan **out)
{
	struct aio_backend *ab = (struct aio_backend *)be;
	struct aio_chan *c;
	int rc;

	if (depth == 0 || depth > 65536) {
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		return -ENOMEM;
	}
	c->ch.be = be;
	c->fd = ab->file.fd;
	c->depth = depth;
	c->efd = -1;
	c->wz_mode = FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;
	c->iocbs = calloc(depth, sizeof(*c->iocbs));
	c->free_list = calloc(depth, sizeof(*c->free_list));
	c->pending = calloc(depth, sizeof(*c->pending));
	c->events = calloc(depth, sizeof(*c->events));
	if (!c->iocbs || !c->free_list || !c->pending || !c->events) {
		aio_chan_free(c);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < depth; i++) {
		c->free_list[i] = &c->iocbs[depth - 1 - i];
	}
	c->nfree = depth;
	rc = io_setup((int)depth, &c->ctx);
	if (rc < 0) {
		IOP_ERR("aio: io_setup(%u): %s%s\n", depth, strerror(-rc),
			rc == -EAGAIN ? " (raise /proc/sys/fs/aio-max-nr)" : "");
		aio_chan_free(c);
		return rc;
	}
	*out = &c->ch;
	return 0;
}

static void
aio_chan_close(struct iop_backend_chan *ch)
{
	struct aio_chan *c = (struct aio_chan *)ch;

	io_destroy(c->ctx);
	if (c->efd >= 0) {
		close(c->efd);
	}
	aio_chan_free(c);
}

static int
aio_fallocate(struct aio_chan *c, struct iop_io *io)
{
	int mode = io->op == IOP_OP_DISCARD ? FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE
					    : c->wz_mode;

	if (fallocate(c->fd, mode, (off_t)io->offset, (off_t)io->len) == 0) {
		return 0;
	}
	if (errno == EOPNOTSUPP && io->op == IOP_OP_WRITE_ZEROES &&
	    c->wz_mode != (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)) {
		c->wz_mode = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
		return aio_fallocate(c, io);
	}
	return -errno;
}

static enum iop_submit_status
aio_submit(struct iop_backend_chan *ch, struct iop_io *io)
{
	struct aio_chan *c = (struct aio_chan *)ch;
	struct iocb *cb;
	int rc;

	if (iop_unlikely(c->inflight >= c->depth)) {
		return IOP_SUBMIT_BUSY;
	}
	rc = backend_check_io(&ch->be->info, io);
	if (iop_unlikely(rc || io->op >= IOP_OP_WRITE_ZEROES)) {
		io->status = rc ? rc : aio_fallocate(c, io);
		io->cb(io);
		return IOP_SUBMIT_DONE;
	}
	cb = c->free_list[--c->nfree];
	switch (io->op) {
	case IOP_OP_READ:
		if (io->iovcnt == 1) {
			io_prep_pread(cb, c->fd, io->iov[0].iov_base, io->len,
				      (long long)io->offset);
		} else {
			io_prep_preadv(cb, c->fd, io->iov, io->iovcnt, (long long)io->offset);
		}
		break;
	case IOP_OP_WRITE:
		if (io->iovcnt == 1) {
			io_prep_pwrite(cb, c->fd, io->iov[0].iov_base, io->len,
				       (long long)io->offset);
		} else {
			io_prep_pwritev(cb, c->fd, io->iov, io->iovcnt, (long long)io->offset);
		}
		break;
	case IOP_OP_FLUSH:
	default:
		io_prep_fdsync(cb, c->fd);
		break;
	}
	cb->data = io;
	if (c->efd >= 0) {
		io_set_eventfd(cb, c->efd);
	}
	c->pending[c->npending++] = cb;
	c->inflight++;
	return IOP_SUBMIT_QUEUED;
}

static void
aio_put_iocb(struct aio_chan *c, struct iocb *cb)
{
	c->free_list[c->nfree++] = cb;
	c->inflight--;
}

/* io_submit the pending batch; iocbs the kernel rejects complete with its error. */
static int
aio_flush(struct aio_chan *c)
{
	unsigned int done = 0;
	int failed = 0;

	while (done < c->npending) {
		int rc = io_submit(c->ctx, (long)(c->npending - done), c->pending + done);

		if (rc > 0) {
			done += (unsigned int)rc;
			continue;
		}
		if (rc == -EAGAIN || rc == -EINTR || rc == 0) {
			break;
		}
		/* The first iocb was refused (e.g. -EINVAL for a misaligned O_DIRECT buffer). */
		struct iocb *cb = c->pending[done++];
		struct iop_io *io = cb->data;

		aio_put_iocb(c, cb);
		io->status = rc;
		io->cb(io);
		failed++;
	}
	if (done) {
		memmove(c->pending, c->pending + done, (c->npending - done) * sizeof(*c->pending));
		c->npending -= done;
	}
	return failed;
}

static int
aio_poll(struct iop_backend_chan *ch, unsigned int max)
{
	struct aio_chan *c = (struct aio_chan *)ch;
	struct timespec zero = {0, 0};
	int total = 0;
	int n;

	/* Interrupt mode: drain the eventfd before reaping, so it is readable again only for
	 * completions that arrive after this poll. */
	if (iop_unlikely(c->efd >= 0)) {
		uint64_t v;

		if (read(c->efd, &v, sizeof(v)) < 0 && errno != EAGAIN) {
			IOP_ERR_RATELIMIT("eventfd read: %s\n", strerror(errno));
		}
	}

	if (c->npending) {
		total = aio_flush(c);
	}
	if (c->inflight == c->npending || (unsigned int)total >= max) {
		return total;
	}
	n = io_getevents(c->ctx, 0, (long)IOP_MIN(max - (unsigned int)total, c->depth), c->events,
			 &zero);
	if (n < 0) {
		if (n == -EINTR) {
			return total;
		}
		IOP_ERR_RATELIMIT("aio: io_getevents: %s\n", strerror(-n));
		return n;
	}
	for (int i = 0; i < n; i++) {
		struct iocb *cb = c->events[i].obj;
		struct iop_io *io = c->events[i].data;
		long res = (long)c->events[i].res;

		aio_put_iocb(c, cb);
		if (res >= 0 && io->op <= IOP_OP_WRITE) {
			if ((uint64_t)res != io->len) {
				IOP_ERR_RATELIMIT("aio: short %s at %llu: %ld of %llu bytes\n",
						  iop_op_name(io->op),
						  (unsigned long long)io->offset, res,
						  (unsigned long long)io->len);
				res = -EIO;
			} else {
				res = 0;
			}
		}
		io->status = res < 0 ? (int)res : 0;
		io->cb(io);
	}
	return total + n;
}

static int
aio_chan_fd(struct iop_backend_chan *ch)
{
	struct aio_chan *c = (struct aio_chan *)ch;

	/* Only I/Os submitted after the first call signal the eventfd. */
	if (c->efd < 0) {
		c->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	}
	return c->efd;
}

static const struct iop_backend_ops aio_ops = {
	.name = "aio",
	.help = "Linux native AIO (libaio) on a file or block device",
	.options = aio_options,
	.opts_size = sizeof(struct backend_file_opts),
	.open = aio_open,
	.close = aio_close,
	.chan_open = aio_chan_open,
	.chan_close = aio_chan_close,
	.submit = aio_submit,
	.poll = aio_poll,
	.chan_fd = aio_chan_fd,
};
IOP_BACKEND_REGISTER(aio_ops)
