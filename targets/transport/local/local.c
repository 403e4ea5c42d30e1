/* SPDX-License-Identifier: BSD-3-Clause */
/* local: initiator: the engine straight on a backend, no transport (every matrix's baseline). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "iopath/backend.h"
#include "iopath/initiator.h"
#include "iopath/log.h"
#include "iopath/uri.h"
#include "iopath/util.h"

struct local_ini {
	struct iop_initiator ini;
	struct iop_backend *be;
	bool interrupt;
};

/* One backend channel per queue: the backend's own per-thread context (ring, aio ctx). */
struct local_queue {
	struct iop_queue q;
	struct iop_backend_chan *ch;
	const struct iop_backend_ops *bops;
	int fd;                 /* completion fd for interrupt mode, -1 = none */
	unsigned int depth;
	/* buffer arena: depth equal-sized slices, registered with the channel once (io_uring
	 * fixed buffers) */
	uint8_t *arena;
	size_t arena_len, slice, next;
	unsigned int arena_users;
	bool registered;
};

static int
local_open(const struct iop_initiator_cfg *cfg, struct iop_initiator **out)
{
	struct local_ini *li;
	struct iop_uri u;
	char err[256];
	int rc;

	if (iop_uri_parse(cfg->uri, &u, err, sizeof(err))) {
		IOP_ERR("local: %s", err);
		return -EINVAL;
	}
	if (strcmp(u.scheme, "local") || u.host[0] || u.path[0]) {
		IOP_ERR("local: the URI is just 'local:' (got '%s'); the device is --backend SPEC",
			cfg->uri);
		return -EINVAL;
	}
	if (!cfg->backend || !*cfg->backend) {
		IOP_ERR("local: needs a backend (--backend null:size=1G, malloc:size=1G, "
			"uring:path=F)");
		return -EINVAL;
	}
	if (cfg->opts && *cfg->opts) {
		IOP_ERR("local: has no transport options (got '%s')", cfg->opts);
		return -EINVAL;
	}
	if (cfg->trace_path) {
		IOP_WARN("local: nothing crosses a wire, no trace is recorded");
	}
	li = calloc(1, sizeof(*li));
	if (!li) {
		return -ENOMEM;
	}
	rc = iop_backend_open(cfg->backend, &li->be, err, sizeof(err));
	if (rc) {
		IOP_ERR("local: %s", err);
		free(li);
		return rc;
	}
	li->interrupt = cfg->interrupt;
	li->ini.size = li->be->info.size;
	li->ini.block_size = li->be->info.block_size;
	li->ini.max_io = li->be->info.max_io;
	snprintf(li->ini.desc, sizeof(li->ini.desc), "local %.100s", cfg->backend);
	*out = &li->ini;
	return 0;
}

static void
local_close(struct iop_initiator *ini)
{
	struct local_ini *li = (struct local_ini *)ini;

	iop_backend_close(li->be);
	free(li);
}

static int
local_queue_open(struct iop_initiator *ini, unsigned int idx, unsigned int depth,
		 struct iop_queue **out)
{
	struct local_ini *li = (struct local_ini *)ini;
	struct local_queue *lq = calloc(1, sizeof(*lq));
	int rc;

	if (!lq) {
		return -ENOMEM;
	}
	lq->q.ini = ini;
	lq->bops = li->be->ops;
	lq->depth = depth;
	rc = lq->bops->chan_open(li->be, depth, &lq->ch);
	if (rc) {
		free(lq);
		return rc;
	}
	lq->fd = li->interrupt && lq->bops->chan_fd ? lq->bops->chan_fd(lq->ch) : -1;
	*out = &lq->q;
	return 0;
}

static void
local_arena_release(struct local_queue *lq)
{
	if (lq->registered) {
		iop_backend_chan_unregister_mem(lq->ch, lq->arena);
	}
	free(lq->arena);
	lq->arena = NULL;
	lq->registered = false;
}

static void
local_queue_close(struct iop_queue *q)
{
	struct local_queue *lq = (struct local_queue *)q;

	if (lq->arena) {
		local_arena_release(lq); /* buffers not returned: the queue goes anyway */
	}
	lq->bops->chan_close(lq->ch);
	free(lq);
}

/* I/O buffers: the engine asks for depth buffers of one size; they come from one page-aligned
 * arena registered with the backend channel (fixed buffers for uring). Requests that do not fit
 * the arena get plain aligned heap memory. */
static void *
local_buf_alloc(struct iop_queue *q, size_t len)
{
	struct local_queue *lq = (struct local_queue *)q;
	size_t slice = IOP_ALIGN_UP(len, (size_t)4096);
	void *p;

	if (!lq->arena && lq->arena_users == 0) {
		lq->arena_len = slice * lq->depth;
		if (posix_memalign(&p, 4096, lq->arena_len)) {
			return NULL;
		}
		lq->arena = p;
		lq->slice = slice;
		lq->next = 0;
		lq->registered = iop_backend_chan_register_mem(lq->ch, lq->arena,
							       lq->arena_len) == 0;
	}
	if (lq->arena && slice == lq->slice && lq->next + slice <= lq->arena_len) {
		p = lq->arena + lq->next;
		lq->next += slice;
		lq->arena_users++;
		return p;
	}
	return posix_memalign(&p, 4096, slice) ? NULL : p;
}

static void
local_buf_free(struct iop_queue *q, void *buf, size_t len)
{
	struct local_queue *lq = (struct local_queue *)q;
	uint8_t *b = buf;

	if (lq->arena && b >= lq->arena && b < lq->arena + lq->arena_len) {
		if (--lq->arena_users == 0) {
			local_arena_release(lq);
		}
		return;
	}
	free(buf);
}

/* DONE (the callback already ran) and QUEUED both mean "accepted". */
static int
local_submit(struct iop_queue *q, struct iop_io *io)
{
	struct local_queue *lq = (struct local_queue *)q;

	return lq->bops->submit(lq->ch, io) == IOP_SUBMIT_BUSY ? -EAGAIN : 0;
}

static int
local_poll(struct iop_queue *q, unsigned int max, unsigned int timeout_us)
{
	struct local_queue *lq = (struct local_queue *)q;
	int n = lq->bops->poll(lq->ch, max);

	if (n != 0 || !timeout_us || lq->fd < 0) {
		return n;
	}
	/* interrupt mode: sleep until the backend signals completions */
	struct pollfd pfd = {.fd = lq->fd, .events = POLLIN};
	int ms = (int)((timeout_us + 999) / 1000);

	if (poll(&pfd, 1, ms) < 0 && errno != EINTR) {
		return -errno;
	}
	return lq->bops->poll(lq->ch, max);
}

static const struct iop_initiator_ops local_ops = {
	.scheme = "local",
	.help = "the engine directly on a backend (local: --backend SPEC), no transport",
	.open = local_open,
	.close = local_close,
	.queue_open = local_queue_open,
	.queue_close = local_queue_close,
	.buf_alloc = local_buf_alloc,
	.buf_free = local_buf_free,
	.submit = local_submit,
	.poll = local_poll,
};
IOP_INITIATOR_REGISTER(local_ops)
