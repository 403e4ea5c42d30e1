/* SPDX-License-Identifier: BSD-3-Clause */
/* `iopath vfio-user-check` modes (bad-message probe, data check, latency/IOPS measurement). */
#ifndef IOPATH_VFU_PROBE_INTERNAL_H
#define IOPATH_VFU_PROBE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

/** Send malformed messages to the server at path and check each error reply.
 * \return exit code: 0 all as expected, 1 otherwise. */
int vfu_probe_bad(const char *path);

/** Send iters random messages (seeded), reconnecting whenever the server closes.
 * \return exit code: 0 when every reconnect succeeded. */
int vfu_probe_fuzz(const char *path, uint64_t seed, unsigned int iters);

struct vfu_probe_data_opts {
	const char *uri;
	const char *mode;       /* "write", "verify", "hammer", "bench" */
	uint64_t seed;
	unsigned int count;     /* blocks written/verified */
	unsigned int qd;
	unsigned int secs;
	uint32_t bs;
	bool interrupt;
	bool randwrite;
	const char *trace;
	const char *opts;       /* initiator options (mem=, dma=msg) */
};

/** Run a data mode through the vfio-user initiator. \return exit code. */
int vfu_probe_data(const struct vfu_probe_data_opts *o);

#endif
