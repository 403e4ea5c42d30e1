/* SPDX-License-Identifier: BSD-3-Clause */
/* Host-side logic common to the NVMe-oF initiators (TCP, RDMA): keep alive, queue sizing. */
#ifndef IOPATH_NVMF_HOST_H
#define IOPATH_NVMF_HOST_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include "iopath/nvme_host.h"

/*
 * The wire handling stays in the transports; what is the same for every fabric lives here:
 * the bring-up parameters, the I/O queue size check against what the controller granted, the
 * in-capsule data limit from IOCCSZ, and the keep-alive thread that sends Keep Alive every
 * KATO/2 on the admin queue. The keep-alive state owns the admin lock, which the transport also
 * takes whenever it touches the admin connection from another thread (e.g. a reconnect).
 */

/** "Send cmd on the admin queue and wait": same contract as iop_nvme_host_ops.admin. */
typedef int (*iop_nvmf_host_send_fn)(void *ctx, struct iop_nvme_cmd *cmd, void *data,
				     uint32_t len, struct iop_nvme_cpl *cpl);

struct iop_nvmf_ka {
	pthread_mutex_t lock;      /* admin connection: keep-alive thread vs the transport */
	pthread_cond_t cond;
	pthread_t thread;
	bool running;
	bool stop;
	uint32_t period_ms;
	const char *name;          /* log prefix, e.g. "nvmf-tcp" */
	iop_nvmf_host_send_fn send;
	void *ctx;
};

void iop_nvmf_ka_init(struct iop_nvmf_ka *ka);
/**
 * Ask the controller which KATO is in force (Get Features; on failure fall back to kato_ms,
 * what was asked at Connect) and, when non-zero, start a thread sending Keep Alive every KATO/2
 * (at least 50 ms) through send(ctx), called with ka->lock held.
 */
void iop_nvmf_ka_start(struct iop_nvmf_ka *ka, const char *name, iop_nvmf_host_send_fn send,
		       void *ctx, uint32_t kato_ms);
/** Stop and join the keep-alive thread (if any). */
void iop_nvmf_ka_stop(struct iop_nvmf_ka *ka);
/** Stop, then release the lock and condition. */
void iop_nvmf_ka_fini(struct iop_nvmf_ka *ka);

/** A synchronous command (bring-up, Connect, keep alive) the transport completes. */
struct iop_nvmf_sync {
	bool done;                 /* set by the transport when the command ended */
	int err;                   /* negative errno when it ended without a response */
	struct iop_nvme_cpl cpl;   /* the response */
};

/**
 * Outcome of a synchronous command once the transport stopped waiting: broken is the
 * connection's negative errno (0 while it is up). \return 0 and *cpl, or negative errno.
 */
int iop_nvmf_sync_result(const struct iop_nvmf_sync *s, int broken, struct iop_nvme_cpl *cpl);

/** Data direction (IOP_NVME_XFER_*) of a command, fabrics commands (by FCTYPE) included. */
uint8_t iop_nvmf_cmd_xfer(const struct iop_nvme_cmd *cmd);

/** Fill bring-up parameters for a fabrics controller (admin queue of 32 entries). */
void iop_nvmf_host_params_init(struct iop_nvme_host_params *hp, const char *subnqn,
			       const char *hostnqn, unsigned int nr_queues, uint32_t kato_ms,
			       uint32_t nsid);

/**
 * Queue size (entries) for I/O queue idx (0-based) holding depth commands: checks idx against
 * the granted queue count and caps the size to MQES (with a warning).
 * \return 0 and *qsize, or -EINVAL.
 */
int iop_nvmf_host_io_qsize(const struct iop_nvme_host_ctrlr *c, unsigned int idx,
			   unsigned int depth, uint32_t *qsize);

/** In-capsule data bytes an I/O command capsule can carry (IOCCSZ - 64), 0 when none. */
uint32_t iop_nvmf_host_icd_max(const struct iop_nvme_host_ctrlr *c);

#endif
