/* SPDX-License-Identifier: BSD-3-Clause */
/* Target (device side of a transport) interface: what `iopath target URI --backend ...` runs. */
#ifndef IOPATH_TARGET_H
#define IOPATH_TARGET_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include "iopath/backend.h"
#include "iopath/util.h"

#define IOP_TARGET_MAX_BACKENDS 16

struct iop_target_cfg {
	const char *uri;
	struct iop_backend *backends[IOP_TARGET_MAX_BACKENDS]; /* namespaces / LUNs, in order */
	unsigned int nr_backends;
	unsigned int nr_threads;   /* reactor threads (poll groups) */
	const char *cpus;          /* cpu list for the reactors ("1", "0-1"), NULL = no pinning */
	bool interrupt;            /* epoll/eventfd waits instead of busy polling */
	const char *trace_path;    /* record every session here (pcap/jsonl) */
	const char *opts;          /* transport-specific "k=v,..." */
	bool read_only;
};

struct iop_target_ops;
struct iop_target {
	const struct iop_target_ops *ops;
};

struct iop_target_ops {
	const char *scheme;
	const char *help;
	/** Bind/listen on cfg->uri. When it returns 0 the endpoint accepts connections.
	 * \return 0, -EADDRINUSE, -EACCES, -EINVAL (bad URI, logged), ... */
	int (*create)(const struct iop_target_cfg *cfg, struct iop_target **out);
	/** Serve until *stop becomes non-zero (set from a signal handler).
	 * \return 0 on orderly stop or a negative errno on a fatal error. */
	int (*run)(struct iop_target *t, volatile sig_atomic_t *stop);
	void (*destroy)(struct iop_target *t);
};

void iop_target_register(const struct iop_target_ops *ops);
#define IOP_TARGET_REGISTER(ops) \
	IOP_CONSTRUCTOR(iop_target_register_##ops) { iop_target_register(&ops); }
const struct iop_target_ops *iop_target_find_uri(const char *uri);
void iop_target_foreach(void (*fn)(const struct iop_target_ops *ops, void *arg), void *arg);

#endif
