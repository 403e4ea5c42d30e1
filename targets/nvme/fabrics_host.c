/* SPDX-License-Identifier: BSD-3-Clause */
/* Host-side logic common to the NVMe-oF initiators (TCP, RDMA): keep alive, queue sizing. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include "iopath/log.h"
#include "iopath/nvmf_host.h"
#include "iopath/util.h"

void
iop_nvmf_ka_init(struct iop_nvmf_ka *ka)
{
	memset(ka, 0, sizeof(*ka));
	pthread_mutex_init(&ka->lock, NULL);
	pthread_cond_init(&ka->cond, NULL);
}

/* Sends Keep Alive every period_ms until iop_nvmf_ka_stop. */
static void *
fh_ka_main(void *arg)
{
	struct iop_nvmf_ka *ka = arg;

	pthread_mutex_lock(&ka->lock);
	while (!ka->stop) {
		struct timespec ts;
		struct iop_nvme_cmd cmd;
		struct iop_nvme_cpl cpl;
		int rc;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += ka->period_ms / 1000;
		ts.tv_nsec += (long)(ka->period_ms % 1000) * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		if (pthread_cond_timedwait(&ka->cond, &ka->lock, &ts) != ETIMEDOUT || ka->stop) {
			continue;
		}
		iop_nvme_host_build_keep_alive(&cmd);
		rc = ka->send(ka->ctx, &cmd, NULL, 0, &cpl);
		if (rc || (cpl.status >> 1)) {
			IOP_ERR("%s: keep alive failed: %s", ka->name,
				rc ? strerror(-rc) : "NVMe error status");
			break;
		}
	}
	pthread_mutex_unlock(&ka->lock);
	return NULL;
}

void
iop_nvmf_ka_start(struct iop_nvmf_ka *ka, const char *name, iop_nvmf_host_send_fn send,
		  void *ctx, uint32_t kato_ms)
{
	struct iop_nvme_cmd cmd;
	struct iop_nvme_cpl cpl = {0};
	uint32_t kato;

	ka->name = name;
	ka->send = send;
	ka->ctx = ctx;
	iop_nvme_host_build_get_features(&cmd, IOP_NVME_FEAT_KEEP_ALIVE_TIMER, 0);
	if (send(ctx, &cmd, NULL, 0, &cpl) || (cpl.status >> 1)) {
		kato = kato_ms;
	} else {
		kato = cpl.cdw0;
	}
	if (!kato) {
		return;
	}
	ka->period_ms = IOP_MAX(kato / 2, 50u);
	ka->stop = false;
	if (pthread_create(&ka->thread, NULL, fh_ka_main, ka) == 0) {
		ka->running = true;
	} else {
		IOP_WARN("%s: no keep-alive thread: the controller may drop us after %u ms", name,
			 kato);
	}
}

void
iop_nvmf_ka_stop(struct iop_nvmf_ka *ka)
{
	if (!ka->running) {
		return;
	}
	pthread_mutex_lock(&ka->lock);
	ka->stop = true;
	pthread_cond_signal(&ka->cond);
	pthread_mutex_unlock(&ka->lock);
	pthread_join(ka->thread, NULL);
	ka->running = false;
}

void
iop_nvmf_ka_fini(struct iop_nvmf_ka *ka)
{
	iop_nvmf_ka_stop(ka);
	pthread_mutex_destroy(&ka->lock);
	pthread_cond_destroy(&ka->cond);
}

void
iop_nvmf_host_params_init(struct iop_nvme_host_params *hp, const char *subnqn,
			  const char *hostnqn, unsigned int nr_queues, uint32_t kato_ms,
			  uint32_t nsid)
{
	memset(hp, 0, sizeof(*hp));
	hp->fabrics = true;
	hp->subnqn = subnqn;
	hp->hostnqn = hostnqn;
	hp->admin_qsize = 32;
	hp->nr_io_queues = (uint16_t)IOP_MAX(nr_queues, 1u);
	hp->kato_ms = kato_ms;
	hp->nsid = nsid;
}

int
iop_nvmf_host_io_qsize(const struct iop_nvme_host_ctrlr *c, unsigned int idx,
		       unsigned int depth, uint32_t *qsize)
{
	if (idx >= c->nr_io_queues) {
		IOP_ERR("I/O queue %u: the controller granted %u queues", idx + 1,
			c->nr_io_queues);
		return -EINVAL;
	}
	*qsize = IOP_MIN(depth + 1, c->mqes);
	if (*qsize < depth + 1) {
		IOP_WARN("queue depth %u capped to %u by MQES", depth, *qsize - 1);
	}
	return 0;
}

uint32_t
iop_nvmf_host_icd_max(const struct iop_nvme_host_ctrlr *c)
{
	return c->ioccsz > 64 ? c->ioccsz - 64 : 0;
}

int
iop_nvmf_sync_result(const struct iop_nvmf_sync *s, int broken, struct iop_nvme_cpl *cpl)
{
	if (!s->done) {
		return broken ? broken : -ETIMEDOUT;
	}
	if (s->err) {
		return s->err;
	}
	*cpl = s->cpl;
	return 0;
}

uint8_t
iop_nvmf_cmd_xfer(const struct iop_nvme_cmd *cmd)
{
	if (cmd->opc == IOP_NVME_OPC_FABRIC) {
		return ((const struct iop_nvmf_cmd *)cmd)->fctype & 3;
	}
	return cmd->opc & 3;
}
