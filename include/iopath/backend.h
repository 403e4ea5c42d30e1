/* SPDX-License-Identifier: BSD-3-Clause */
/* Backend interface: where a target (or the local: endpoint) stores data. null, malloc, uring, aio. */
#ifndef IOPATH_BACKEND_H
#define IOPATH_BACKEND_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "iopath/io.h"
#include "iopath/option.h"

enum iop_submit_status {
	IOP_SUBMIT_QUEUED = 0, /* accepted; cb runs from a later poll() */
	IOP_SUBMIT_DONE,       /* completed inline; cb has ALREADY run */
	IOP_SUBMIT_BUSY,       /* no room now: poll() then retry; io untouched, cb not run */
};

struct iop_backend_info {
	uint64_t size;          /* bytes */
	uint32_t block_size;    /* logical block size in bytes (512 or 4096) */
	uint32_t max_io;        /* largest single I/O in bytes, 0 = unlimited */
	bool write_zeroes;      /* native write-zeroes support */
	bool discard;           /* native discard support */
	bool volatile_cache;    /* FLUSH does something */
};

struct iop_backend_ops;

/** A backend instance; modules embed this first in their own struct. Shared by threads. */
struct iop_backend {
	const struct iop_backend_ops *ops;
	struct iop_backend_info info;
	char *spec;             /* the spec string it was opened from */
};

/** Per-thread channel (own ring / context); never shared between threads. */
struct iop_backend_chan {
	struct iop_backend *be;
};

struct iop_backend_ops {
	const char *name;       /* "null", "malloc", "uring", "aio" */
	const char *help;
	const struct iop_option *options; /* rows parsed from "name:k=v,k=v" */
	size_t opts_size;       /* size of the option struct the rows point into */

	/** Open from parsed options (opts points at an opts_size struct).
	 * \return 0, or -EINVAL (bad combination), -ENOENT (missing file), -ENOMEM ... */
	int (*open)(const void *opts, struct iop_backend **out);
	void (*close)(struct iop_backend *be);

	/** Open a channel able to hold depth I/Os in flight. Call from the thread that uses it.
	 * \return 0 or negative errno. */
	int (*chan_open)(struct iop_backend *be, unsigned int depth, struct iop_backend_chan **out);
	void (*chan_close)(struct iop_backend_chan *ch);

	/** Submit one I/O without blocking. io->iov buffers stay owned by the caller. */
	enum iop_submit_status (*submit)(struct iop_backend_chan *ch, struct iop_io *io);

	/** Push queued submissions to the kernel (one syscall for a batch) and reap up to max
	 * completions, running their callbacks. Never blocks.
	 * \return completions reaped (>= 0) or negative errno on a fatal channel error. */
	int (*poll)(struct iop_backend_chan *ch, unsigned int max);

	/** Optional: an fd that becomes readable when completions are ready (interrupt mode);
	 * -1 if unsupported. */
	int (*chan_fd)(struct iop_backend_chan *ch);

	/** Optional (NULL when the backend gains nothing from it). The caller promises that
	 * [addr, addr + len) stays mapped and unchanged in placement until unregister_mem (and that
	 * no I/O using it is in flight then). The channel may register it with the kernel (io_uring
	 * fixed buffers) and use the fast path for I/Os whose single buffer lies inside it. Failure
	 * is harmless: I/O to unregistered memory still works.
	 * \return 0, -ENOSPC (no free slot), -ENOMEM/-EPERM/-EINVAL from the kernel. */
	int (*register_mem)(struct iop_backend_chan *ch, void *addr, size_t len);
	void (*unregister_mem)(struct iop_backend_chan *ch, void *addr);
};

/** Wrappers for the optional register_mem/unregister_mem members.
 * \return -EOPNOTSUPP when the backend has no use for registration. */
static inline int
iop_backend_chan_register_mem(struct iop_backend_chan *ch, void *addr, size_t len)
{
	return ch->be->ops->register_mem ? ch->be->ops->register_mem(ch, addr, len) : -EOPNOTSUPP;
}

static inline void
iop_backend_chan_unregister_mem(struct iop_backend_chan *ch, void *addr)
{
	if (ch->be->ops->unregister_mem) {
		ch->be->ops->unregister_mem(ch, addr);
	}
}

/** Register a backend; duplicate names abort at start-up. */
void iop_backend_register(const struct iop_backend_ops *ops);
#define IOP_BACKEND_REGISTER(ops) \
	IOP_CONSTRUCTOR(iop_backend_register_##ops) { iop_backend_register(&ops); }

/** Look up by name; NULL if absent. */
const struct iop_backend_ops *iop_backend_find(const char *name);
/** Call fn for each registered backend (sorted by name). */
void iop_backend_foreach(void (*fn)(const struct iop_backend_ops *ops, void *arg), void *arg);

/**
 * Open a backend from a spec "name:k=v,k=v" ("null:size=1G", "uring:path=/tmp/f,direct=1").
 * err receives a message naming the problem.
 * \return 0, -ENOENT (unknown backend or missing file), -EINVAL (bad option), ...
 */
int iop_backend_open(const char *spec, struct iop_backend **out, char *err, size_t errlen);
void iop_backend_close(struct iop_backend *be);

#include "iopath/util.h"
#endif
