/* SPDX-License-Identifier: BSD-3-Clause */
/* Initiator (host side of a transport) interface: what the engine drives. One per URI scheme. */
#ifndef IOPATH_INITIATOR_H
#define IOPATH_INITIATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "iopath/io.h"
#include "iopath/util.h"

struct iop_initiator_cfg {
	const char *uri;        /* full endpoint URI */
	unsigned int nr_queues; /* I/O queues the engine will open (one per job thread) */
	unsigned int queue_depth;
	bool interrupt;         /* wait for interrupts/events instead of busy polling */
	const char *backend;    /* local: the backend spec; others ignore it */
	const char *trace_path; /* record the session here (pcap / jsonl) when non-NULL */
	const char *opts;       /* transport-specific "k=v,k=v" (hdgst=1,ddgst=1,hostnqn=...) */
	unsigned int nsid;      /* namespace to use, 1-based for NVMe; 0 = first */
};

struct iop_initiator_ops;

/** An open endpoint (admin connection done). Modules embed this first. */
struct iop_initiator {
	const struct iop_initiator_ops *ops;
	uint64_t size;          /* bytes addressable */
	uint32_t block_size;
	uint32_t max_io;        /* largest I/O in bytes, 0 = unlimited */
	char desc[128];         /* human description for results ("nvmf-tcp 127.0.0.1:4420 nqn...") */
};

/** One I/O queue; used by exactly one thread. */
struct iop_queue {
	struct iop_initiator *ini;
};

struct iop_initiator_ops {
	const char *scheme;     /* URI scheme: "local", "nvmf-tcp", "vfio-user", ... */
	const char *help;

	/** Connect and bring the endpoint up (admin queue, identify).
	 * \return 0, -ECONNREFUSED, -ENOENT (no such socket/subsystem), -EPROTO (peer broke the
	 * protocol), -EINVAL (bad URI or options; logged with the reason). */
	int (*open)(const struct iop_initiator_cfg *cfg, struct iop_initiator **out);
	void (*close)(struct iop_initiator *ini);

	/** Create I/O queue idx (0-based) with room for depth I/Os; called from the thread that
	 * will use it. \return 0 or negative errno. */
	int (*queue_open)(struct iop_initiator *ini, unsigned int idx, unsigned int depth,
			  struct iop_queue **out);
	void (*queue_close)(struct iop_queue *q);

	/** Optional: allocate I/O buffer memory the peer can reach (shared memory for vfio-user
	 * and vhost-user). NULL member: the engine uses page-aligned heap memory. */
	void *(*buf_alloc)(struct iop_queue *q, size_t len);
	void (*buf_free)(struct iop_queue *q, void *buf, size_t len);

	/** Submit one I/O. \return 0 accepted (cb runs from a later poll; an initiator may also
	 * complete inline, running cb before submit returns, as local: does: the engine handles
	 * both), -EAGAIN no room (poll and retry), other negative errno: the queue is broken. */
	int (*submit)(struct iop_queue *q, struct iop_io *io);

	/** Reap up to max completions, running callbacks; in interrupt mode may wait up to
	 * timeout_us for one. \return count (>= 0) or negative errno when the queue is broken. */
	int (*poll)(struct iop_queue *q, unsigned int max, unsigned int timeout_us);
};

void iop_initiator_register(const struct iop_initiator_ops *ops);
#define IOP_INITIATOR_REGISTER(ops) \
	IOP_CONSTRUCTOR(iop_initiator_register_##ops) { iop_initiator_register(&ops); }

/** Find by URI ("nvmf-tcp://..." -> "nvmf-tcp"; "local:" -> "local"). NULL if absent. */
const struct iop_initiator_ops *iop_initiator_find_uri(const char *uri);
void iop_initiator_foreach(void (*fn)(const struct iop_initiator_ops *ops, void *arg), void *arg);

#endif
