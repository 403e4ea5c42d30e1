/* SPDX-License-Identifier: BSD-3-Clause */
/* NVMe/RDMA initiator (host): RDMA CM connect per queue, SEND capsules, keyed SGLs for the data. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <infiniband/verbs.h>
#include <rdma/rdma_cma.h>
#include "iopath/initiator.h"
#include "iopath/log.h"
#include "iopath/nvme_host.h"
#include "iopath/nvme_spec.h"
#include "iopath/nvmf_host.h"
#include "iopath/option.h"
#include "iopath/uri.h"
#include "iopath/util.h"
#include "targets/transport/nvmf_rdma/nvmf_rdma_internal.h"

/*
 * One struct ri_conn per NVMe queue (admin and each I/O queue): its own CM id, protection domain,
 * CQ (with a completion channel for interrupt mode) and RC QP. Buffers are registered once at
 * connect: per command slot a send buffer (SQE + in-capsule data) and a bounce buffer of MDTS
 * bytes; per queue entry a 16-byte receive buffer for responses. The controller moves the data
 * with RDMA READ/WRITE through keyed SGL data blocks: engine buffers allocated through buf_alloc
 * are registered with the queue's PD and used directly (no copy); other buffers go through the
 * slot's bounce buffer. Writes up to IOCCSZ - 64 bytes travel in the capsule on I/O queues.
 * A command completes when both its response arrived and its SEND completed.
 */

#define RI_SYNC_TIMEOUT_MS 5000
#define RI_CM_TIMEOUT_MS 5000
#define RI_WC_BATCH 32
#define RI_BOUNCE_MAX (128u * 1024) /* per slot, for buffers not from buf_alloc */

struct ri_opts {
	char *hostnqn;
	uint64_t in_capsule;
	uint64_t kato;
	char *cm_fault;
};

static const struct iop_option g_ri_opts[] = {
	{"hostnqn", NULL, IOP_OPT_STR, offsetof(struct ri_opts, hostnqn), NULL, 0, 0, NULL,
	 "host NQN (default derived from a random host ID)"},
	{"in_capsule", NULL, IOP_OPT_SIZE, offsetof(struct ri_opts, in_capsule), "8k", 0, 1u << 20,
	 NULL, "largest in-capsule write on I/O queues (capped by IOCCSZ; 0 = always keyed SGL)"},
	{"kato", NULL, IOP_OPT_UINT, offsetof(struct ri_opts, kato), "0", 0, 0, NULL,
	 "keep-alive timeout in ms asked at Connect (0: none)"},
	{"cm_fault", NULL, IOP_OPT_STR, offsetof(struct ri_opts, cm_fault), NULL, 0, 0, NULL,
	 "conformance testing: break the admin queue's CM REQ private data: recfmt, qid, "
	 "hsqsize or hrqsize (the controller must reject it)"},
	{NULL},
};

enum { RI_WR_RECV = 0, RI_WR_SEND = 1 };

struct ri_cmd {
	struct iop_io *io;
	struct iop_nvmf_sync *sync;
	void *sync_data;
	uint32_t len;
	uint16_t cid;
	bool write;
	bool bounced;
	bool resp_done;
	bool send_done;
	uint16_t status;
	struct iop_nvme_cpl cpl;
	uint8_t *sbuf;           /* SQE + in-capsule data, registered */
	uint8_t *bounce;         /* MDTS bytes, registered */
	struct ri_cmd *next_free;
} __attribute__((aligned(8)));

struct ri_reg {
	uint8_t *addr;
	size_t len;
	struct ibv_mr *mr;
};

struct ri;

struct ri_conn {
	struct iop_queue q;      /* first: what the engine holds */
	struct ri *ini;
	uint16_t qid;
	int broken;
	bool interrupt;
	bool armed;
	uint32_t depth;          /* command slots (queue entries - 1) */
	uint32_t qsize;          /* queue entries = receive buffers */
	uint32_t icd_max;
	uint32_t max_xfer;
	uint32_t bsize;          /* bounce bytes per slot */
	uint32_t ssize;          /* send slot bytes */
	struct rdma_event_channel *ec;
	struct rdma_cm_id *id;
	struct ibv_pd *pd;
	struct ibv_comp_channel *ch;
	struct ibv_cq *cq;
	uint8_t *sbuf, *bbuf;
	struct iop_nvme_cpl *rbuf;
	struct ibv_mr *smr, *bmr, *rmr;
	struct ri_cmd *cmds;
	struct ri_cmd *free;
	struct iop_nvme_hq hq;
	struct ri_reg *regs;
	unsigned int nregs, cregs;
	unsigned int reaped;
};

struct ri {
	struct iop_initiator base;
	struct ri_opts o;
	struct iop_uri u;
	bool interrupt;
	struct ri_conn *admin;
	struct iop_nvme_host_ctrlr ctrl;
	struct iop_nvmf_ka ka;   /* keep alive; its lock guards the admin connection */
};

/* ------------------------------------------------------------------------------ completion */

static void
ri_cmd_put(struct ri_conn *c, struct ri_cmd *cmd)
{
	cmd->io = NULL;
	cmd->sync = NULL;
	cmd->resp_done = false;
	cmd->send_done = false;
	cmd->next_free = c->free;
	c->free = cmd;
}

/* Both halves (response, send completion) are in: finish the command. */
static void
ri_cmd_finish(struct ri_conn *c, struct ri_cmd *cmd)
{
	if (cmd->sync) {
		if (cmd->sync_data && !cmd->write && cmd->len && !(cmd->status)) {
			memcpy(cmd->sync_data, cmd->bounce, cmd->len);
		}
		cmd->sync->cpl = cmd->cpl;
		cmd->sync->done = true;
	} else {
		struct iop_io *io = cmd->io;

		if (cmd->bounced && !cmd->write && cmd->len && !io->status) {
			size_t off = 0;

			for (int i = 0; i < io->iovcnt && off < cmd->len; i++) {
				size_t n = IOP_MIN(io->iov[i].iov_len, cmd->len - off);

				memcpy(io->iov[i].iov_base, cmd->bounce + off, n);
				off += n;
			}
		}
		c->reaped++;
		ri_cmd_put(c, cmd);
		io->cb(io);
		return;
	}
	ri_cmd_put(c, cmd);
}

static void
ri_fail_one(void *ctx, bool is_io, void *arg)
{
	struct iop_io *io = ctx;
	struct ri_conn *c = arg;
	struct ri_cmd *cmd = (struct ri_cmd *)(uintptr_t)io->priv[0];

	(void)is_io;
	if (cmd->sync) {
		cmd->sync->err = c->broken;
		cmd->sync->done = true;
		ri_cmd_put(c, cmd);
	} else {
		ri_cmd_put(c, cmd);
		io->status = c->broken;
		io->cb(io);
	}
}

static void
ri_conn_fail(struct ri_conn *c, int err, const char *why)
{
	if (c->broken) {
		return;
	}
	IOP_ERR("nvmf-rdma queue %u: %s", c->qid, why);
	c->broken = err;
	if (c->id) {
		rdma_disconnect(c->id);
	}
	iop_nvme_hq_drain(&c->hq, ri_fail_one, c);
}

static int
ri_post_recv(struct ri_conn *c, uint32_t i)
{
	struct ibv_sge sge = {.addr = (uintptr_t)&c->rbuf[i], .length = sizeof(c->rbuf[i]),
			      .lkey = c->rmr->lkey};
	struct ibv_recv_wr wr = {.wr_id = ((uint64_t)i << 1) | RI_WR_RECV, .sg_list = &sge,
				 .num_sge = 1}, *bad;

	return ibv_post_recv(c->id->qp, &wr, &bad);
}

static void
ri_response(struct ri_conn *c, uint32_t i, uint32_t len)
{
	struct iop_nvme_cpl cpl = c->rbuf[i];
	struct iop_io *io;
	struct ri_cmd *cmd;

	if (len < sizeof(cpl)) {
		ri_conn_fail(c, -EPROTO, "response shorter than a CQE");
		return;
	}
	if (ri_post_recv(c, i)) {
		ri_conn_fail(c, -EIO, "ibv_post_recv failed");
		return;
	}
	io = iop_nvme_hq_lookup(&c->hq, cpl.cid);
	if (!io) {
		ri_conn_fail(c, -EPROTO, "response for a CID not outstanding");
		return;
	}
	cmd = (struct ri_cmd *)(uintptr_t)io->priv[0];
	iop_nvme_hq_complete(&c->hq, &cpl, &cmd->status);
	cmd->cpl = cpl;
	cmd->resp_done = true;
	if (cmd->send_done) {
		ri_cmd_finish(c, cmd);
	}
}

static int
ri_cq_poll(struct ri_conn *c)
{
	struct ibv_wc wc[RI_WC_BATCH];
	int n = ibv_poll_cq(c->cq, RI_WC_BATCH, wc);

	if (n < 0) {
		ri_conn_fail(c, -EIO, "ibv_poll_cq failed");
		return c->broken;
	}
	for (int k = 0; k < n; k++) {
		if (wc[k].status != IBV_WC_SUCCESS) {
			if (!c->broken) {
				char why[128];

				snprintf(why, sizeof(why), "work completion %s",
					 ibv_wc_status_str(wc[k].status));
				ri_conn_fail(c, -EIO, why);
			}
			if ((wc[k].wr_id & 1) == RI_WR_SEND) {
				struct ri_cmd *cmd = (struct ri_cmd *)(uintptr_t)(wc[k].wr_id & ~1ull);

				/* Its response came but the SEND was flushed: finish it now. */
				if (cmd->resp_done) {
					cmd->send_done = true;
					ri_cmd_finish(c, cmd);
				}
			}
			continue;
		}
		if ((wc[k].wr_id & 1) == RI_WR_RECV) {
			if (!c->broken) {
				ri_response(c, (uint32_t)(wc[k].wr_id >> 1), wc[k].byte_len);
			}
		} else {
			struct ri_cmd *cmd = (struct ri_cmd *)(uintptr_t)(wc[k].wr_id & ~1ull);

			cmd->send_done = true;
			if (cmd->resp_done) {
				ri_cmd_finish(c, cmd);
			}
		}
	}
	return c->broken ? c->broken : n;
}

/* Interrupt mode: arm the CQ and sleep on its channel (at most timeout_ms). */
static void
ri_wait(struct ri_conn *c, int timeout_ms)
{
	struct pollfd p = {.fd = c->ch->fd, .events = POLLIN};
	struct ibv_cq *cq;
	void *ctx;

	if (!c->armed) {
		ibv_req_notify_cq(c->cq, 0);
		c->armed = true;
		if (ri_cq_poll(c)) {
			return;
		}
	}
	if (poll(&p, 1, timeout_ms) > 0 && !ibv_get_cq_event(c->ch, &cq, &ctx)) {
		ibv_ack_cq_events(cq, 1);
		c->armed = false;
	}
}

/* ------------------------------------------------------------------------------ sending */

static struct ibv_mr *
ri_reg_find(struct ri_conn *c, const void *p, size_t len)
{
	for (unsigned int i = 0; i < c->nregs; i++) {
		const struct ri_reg *r = &c->regs[i];

		if ((const uint8_t *)p >= r->addr && (const uint8_t *)p + len <= r->addr + r->len) {
			return r->mr;
		}
	}
	return NULL;
}

/* Fill SGL1 and SEND the capsule of cmd. data: where keyed transfers point. */
static int
ri_send(struct ri_conn *c, struct ri_cmd *cmd, struct iop_nvme_cmd *sqe, const void *data,
	struct ibv_mr *mr)
{
	struct ibv_sge sge = {.addr = (uintptr_t)cmd->sbuf, .length = IOP_NVME_CMD_SIZE,
			      .lkey = c->smr->lkey};
	struct ibv_send_wr wr = {0}, *bad;
	bool icd = cmd->write && cmd->len && cmd->len <= c->icd_max && !cmd->sync;

	sqe->flags = (uint8_t)((sqe->flags & ~IOP_NVME_PSDT_MASK) | (1u << IOP_NVME_PSDT_SHIFT));
	memset(&sqe->dptr, 0, sizeof(sqe->dptr));
	if (icd) {
		iop_nvme_sgl_set_unkeyed(&sqe->dptr.sgl1, 0, cmd->len, IOP_NVME_SGL_ID_INCAPSULE);
		memcpy(cmd->sbuf + IOP_NVME_CMD_SIZE, data, cmd->len);
		sge.length += cmd->len;
	} else if (cmd->len) {
		iop_nvme_sgl_set_keyed(&sqe->dptr.sgl1, (uintptr_t)data, cmd->len, mr->rkey,
				       IOP_NVME_SGL_SUBTYPE_ADDRESS);
	} else {
		iop_nvme_sgl_set_keyed(&sqe->dptr.sgl1, 0, 0, 0, IOP_NVME_SGL_SUBTYPE_ADDRESS);
	}
	memcpy(cmd->sbuf, sqe, sizeof(*sqe));
	cmd->resp_done = false;
	cmd->send_done = false;
	wr.wr_id = (uintptr_t)cmd | RI_WR_SEND;
	wr.opcode = IBV_WR_SEND;
	wr.sg_list = &sge;
	wr.num_sge = 1;
	wr.send_flags = IBV_SEND_SIGNALED;
	if (ibv_post_send(c->id->qp, &wr, &bad)) {
		return -EIO;
	}
	return 0;
}

static struct ri_cmd *
ri_cmd_get(struct ri_conn *c)
{
	struct ri_cmd *cmd = c->free;

	if (cmd) {
		c->free = cmd->next_free;
		cmd->io = NULL;
		cmd->sync = NULL;
		cmd->sync_data = NULL;
		cmd->bounced = false;
	}
	return cmd;
}

/* Run one command to completion on c (bring-up, Connect, keep alive). */
static int
ri_sync_cmd(struct ri_conn *c, struct iop_nvme_cmd *sqe, void *data, uint32_t len,
	    struct iop_nvme_cpl *cpl)
{
	struct iop_nvmf_sync s = {0};
	struct iop_io dummy = {0};
	struct ri_cmd *cmd;
	uint64_t deadline = iop_now_ns() + RI_SYNC_TIMEOUT_MS * 1000000ull;
	uint8_t xfer = iop_nvmf_cmd_xfer(sqe);
	int cid;

	if (c->broken) {
		return c->broken;
	}
	if (len > c->bsize) {
		return -EINVAL;
	}
	cmd = ri_cmd_get(c);
	if (!cmd) {
		return -EBUSY;
	}
	cid = iop_nvme_hq_alloc(&c->hq, &dummy, false);
	if (cid < 0) {
		ri_cmd_put(c, cmd);
		return -EBUSY;
	}
	dummy.priv[0] = (uintptr_t)cmd;
	sqe->cid = (uint16_t)cid;
	cmd->cid = (uint16_t)cid;
	cmd->sync = &s;
	cmd->sync_data = data;
	cmd->len = len;
	cmd->write = xfer == IOP_NVME_XFER_H2C;
	if (cmd->write && len) {
		memcpy(cmd->bounce, data, len);
	}
	if (ri_send(c, cmd, sqe, cmd->bounce, c->bmr)) {
		ri_conn_fail(c, -EIO, "ibv_post_send failed");
		return c->broken;
	}
	while (!s.done) {
		if (ri_cq_poll(c) < 0 || s.done) {
			break;
		}
		if (iop_now_ns() > deadline) {
			IOP_ERR("nvmf-rdma queue %u: no answer to opcode %#x within %d ms", c->qid,
				sqe->opc, RI_SYNC_TIMEOUT_MS);
			ri_conn_fail(c, -ETIMEDOUT, "command timed out");
			break;
		}
		ri_wait(c, 10);
	}
	return iop_nvmf_sync_result(&s, c->broken, cpl);
}

/* ------------------------------------------------------------------------------ connections */

static void
ri_conn_free(struct ri_conn *c)
{
	if (!c) {
		return;
	}
	if (c->id && c->id->qp) {
		rdma_disconnect(c->id);
		rdma_destroy_qp(c->id);
	}
	for (unsigned int i = 0; i < c->nregs; i++) {
		ibv_dereg_mr(c->regs[i].mr);
		free(c->regs[i].addr);
	}
	free(c->regs);
	if (c->smr) {
		ibv_dereg_mr(c->smr);
	}
	if (c->bmr) {
		ibv_dereg_mr(c->bmr);
	}
	if (c->rmr) {
		ibv_dereg_mr(c->rmr);
	}
	if (c->cq) {
		ibv_destroy_cq(c->cq);
	}
	if (c->ch) {
		ibv_destroy_comp_channel(c->ch);
	}
	if (c->pd) {
		ibv_dealloc_pd(c->pd);
	}
	if (c->id) {
		rdma_destroy_id(c->id);
	}
	if (c->ec) {
		rdma_destroy_event_channel(c->ec);
	}
	free(c->sbuf);
	free(c->bbuf);
	free(c->rbuf);
	free(c->cmds);
	iop_nvme_hq_fini(&c->hq);
	free(c);
}

/* Wait for the next CM event of c; it must be `want`. \return 0 or negative errno. */
static int
ri_cm_wait(struct ri_conn *c, enum rdma_cm_event_type want, struct nvmf_rdma_cm_rep *rep)
{
	struct pollfd p = {.fd = c->ec->fd, .events = POLLIN};
	struct rdma_cm_event *ev;
	int rc = 0;

	if (poll(&p, 1, RI_CM_TIMEOUT_MS + 2000) <= 0) { /* the CM reports its own timeout first */
		IOP_ERR("nvmf-rdma: no %s within %d ms", rdma_event_str(want), RI_CM_TIMEOUT_MS);
		return -ETIMEDOUT;
	}
	if (rdma_get_cm_event(c->ec, &ev)) {
		return -errno;
	}
	if (ev->event == RDMA_CM_EVENT_REJECTED) {
		const struct nvmf_rdma_cm_rej *rej = ev->param.conn.private_data;

		if (rej && ev->param.conn.private_data_len >= sizeof(*rej)) {
			IOP_ERR("nvmf-rdma queue %u: connection rejected by the controller: status "
				"%u (%s)", c->qid, rej->sts, nvmf_rdma_cm_status_str(rej->sts));
		} else {
			IOP_ERR("nvmf-rdma queue %u: connection rejected (status %d, no NVMe "
				"private data)", c->qid, ev->status);
		}
		rc = -ECONNREFUSED;
	} else if (ev->event != want) {
		IOP_ERR("nvmf-rdma queue %u: %s while waiting for %s (status %d)", c->qid,
			rdma_event_str(ev->event), rdma_event_str(want), ev->status);
		rc = ev->event == RDMA_CM_EVENT_UNREACHABLE ? -EHOSTUNREACH
		     : ev->event == RDMA_CM_EVENT_ADDR_ERROR ? -EADDRNOTAVAIL : -ECONNREFUSED;
	} else if (rep) {
		if (ev->param.conn.private_data_len < sizeof(*rep)) {
			memset(rep, 0, sizeof(*rep));
		} else {
			memcpy(rep, ev->param.conn.private_data, sizeof(*rep));
		}
	}
	rdma_ack_cm_event(ev);
	return rc;
}

static int
ri_conn_open(struct ri *ini, uint16_t qid, uint32_t qsize, uint32_t max_xfer, uint32_t icd_max,
	     struct ri_conn **out)
{
	struct ri_conn *c = calloc(1, sizeof(*c));
	struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *ai;
	struct ibv_qp_init_attr qa = {0};
	struct rdma_conn_param cp = {0};
	struct nvmf_rdma_cm_req req;
	struct nvmf_rdma_cm_rep rep;
	struct ibv_device_attr da;
	char port[16];
	int rc;

	if (!c) {
		return -ENOMEM;
	}
	c->ini = ini;
	c->q.ini = &ini->base;
	c->qid = qid;
	c->qsize = qsize;
	c->depth = qsize - 1;
	c->max_xfer = max_xfer;
	c->bsize = IOP_MIN(max_xfer, RI_BOUNCE_MAX);
	c->icd_max = icd_max;
	c->ssize = IOP_ALIGN_UP(IOP_NVME_CMD_SIZE + icd_max, 64);
	c->interrupt = ini->interrupt;
	rc = iop_nvme_hq_init(&c->hq, qid, (uint16_t)c->depth);
	if (rc) {
		goto fail;
	}
	c->ec = rdma_create_event_channel();
	if (!c->ec || rdma_create_id(c->ec, &c->id, c, RDMA_PS_TCP)) {
		rc = -errno;
		goto fail;
	}
	snprintf(port, sizeof(port), "%d", ini->u.port);
	rc = getaddrinfo(ini->u.host, port, &hints, &ai);
	if (rc) {
		IOP_ERR("nvmf-rdma: address %s: %s", ini->u.host, gai_strerror(rc));
		rc = -EINVAL;
		goto fail;
	}
	rc = rdma_resolve_addr(c->id, NULL, ai->ai_addr, RI_CM_TIMEOUT_MS);
	freeaddrinfo(ai);
	if (rc || (rc = ri_cm_wait(c, RDMA_CM_EVENT_ADDR_RESOLVED, NULL))) {
		rc = rc < 0 ? rc : -errno;
		IOP_ERR("nvmf-rdma: cannot resolve %s to an RDMA device: %s", ini->u.host,
			strerror(-rc));
		goto fail;
	}
	if (rdma_resolve_route(c->id, RI_CM_TIMEOUT_MS) ||
	    (rc = ri_cm_wait(c, RDMA_CM_EVENT_ROUTE_RESOLVED, NULL))) {
		rc = rc < 0 ? rc : -errno;
		goto fail;
	}
	c->pd = ibv_alloc_pd(c->id->verbs);
	c->ch = ibv_create_comp_channel(c->id->verbs);
	if (!c->pd || !c->ch) {
		rc = -ENOMEM;
		goto fail;
	}
	fcntl(c->ch->fd, F_SETFL, fcntl(c->ch->fd, F_GETFL) | O_NONBLOCK);
	c->cq = ibv_create_cq(c->id->verbs, (int)(c->qsize + c->depth + 1), c, c->ch, 0);
	if (!c->cq) {
		rc = -ENOMEM;
		goto fail;
	}
	qa.send_cq = c->cq;
	qa.recv_cq = c->cq;
	qa.qp_type = IBV_QPT_RC;
	qa.cap.max_send_wr = c->depth;
	qa.cap.max_recv_wr = c->qsize;
	qa.cap.max_send_sge = 1;
	qa.cap.max_recv_sge = 1;
	if (rdma_create_qp(c->id, c->pd, &qa)) {
		rc = -errno;
		IOP_ERR("nvmf-rdma: rdma_create_qp: %s", strerror(-rc));
		goto fail;
	}
	c->sbuf = aligned_alloc(4096, IOP_ALIGN_UP((size_t)c->depth * c->ssize, 4096));
	c->bbuf = aligned_alloc(4096, IOP_ALIGN_UP((size_t)c->depth * c->bsize, 4096));
	c->rbuf = calloc(c->qsize, sizeof(*c->rbuf));
	c->cmds = calloc(c->depth, sizeof(*c->cmds));
	if (!c->sbuf || !c->bbuf || !c->rbuf || !c->cmds) {
		rc = -ENOMEM;
		goto fail;
	}
	c->smr = ibv_reg_mr(c->pd, c->sbuf, (size_t)c->depth * c->ssize, 0);
	c->bmr = ibv_reg_mr(c->pd, c->bbuf, (size_t)c->depth * c->bsize,
			    IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_READ |
				    IBV_ACCESS_REMOTE_WRITE);
	c->rmr = ibv_reg_mr(c->pd, c->rbuf, c->qsize * sizeof(*c->rbuf), IBV_ACCESS_LOCAL_WRITE);
	if (!c->smr || !c->bmr || !c->rmr) {
		rc = -ENOMEM;
		goto fail;
	}
	for (uint32_t i = c->depth; i-- > 0;) {
		c->cmds[i].sbuf = c->sbuf + (size_t)i * c->ssize;
		c->cmds[i].bounce = c->bbuf + (size_t)i * c->bsize;
		ri_cmd_put(c, &c->cmds[i]);
	}
	for (uint32_t i = 0; i < c->qsize; i++) {
		if (ri_post_recv(c, i)) {
			rc = -EIO;
			goto fail;
		}
	}
	memset(&da, 0, sizeof(da));
	ibv_query_device(c->id->verbs, &da);
	nvmf_rdma_cm_req_build(&req, qid, (uint16_t)qsize, qid ? ini->ctrl.cntlid : 0);
	cp.private_data = &req;
	cp.private_data_len = sizeof(req);
	if (qid == 0 && ini->o.cm_fault) {
		const char *f = ini->o.cm_fault;

		if (!strcmp(f, "recfmt")) {
			req.recfmt = 1;
		} else if (!strcmp(f, "qid")) {
			req.qid = 0xfff0;
		} else if (!strcmp(f, "hsqsize")) {
			req.hsqsize = 4095; /* beyond any admin queue */
			req.hrqsize = 4096;
		} else if (!strcmp(f, "hrqsize")) {
			req.hrqsize = 1; /* cannot receive a response per command */
		} else {
			/* No "short private data": over IB CM (RoCE) the receiver always gets the
			 * REQ's whole private data area (56 bytes after the CM's IP header),
			 * zero-padded, so a short length cannot be seen. */
			IOP_ERR("cm_fault=%s: expected recfmt, qid, hsqsize or hrqsize", f);
			rc = -EINVAL;
			goto fail;
		}
		IOP_NOTICE("nvmf-rdma: sending a CM REQ with a bad %s (cm_fault)", f);
	}
	cp.responder_resources = (uint8_t)IOP_MIN(da.max_qp_rd_atom, 255); /* the target READs */
	cp.initiator_depth = 0;
	cp.retry_count = 7;
	cp.rnr_retry_count = 7;
	cp.flow_control = 1;
	if (rdma_connect(c->id, &cp)) {
		rc = -errno;
		goto fail;
	}
	rc = ri_cm_wait(c, RDMA_CM_EVENT_ESTABLISHED, &rep);
	if (rc) {
		goto fail;
	}
	if (rep.recfmt != NVMF_RDMA_RECFMT || rep.crqsize < qsize - 1) {
		IOP_WARN("nvmf-rdma queue %u: accept private data RECFMT %u CRQSIZE %u (asked %u)",
			 qid, rep.recfmt, rep.crqsize, qsize);
	}
	fcntl(c->ec->fd, F_SETFL, fcntl(c->ec->fd, F_GETFL) | O_NONBLOCK);
	*out = c;
	return 0;
fail:
	ri_conn_free(c);
	return rc;
}

/* "Send and wait" on one connection: the admin queue's for bring-up, an I/O queue's for its
 * Connect. */
static int
ri_conn_send(void *ctx, struct iop_nvme_cmd *cmd, void *data, uint32_t len,
	     struct iop_nvme_cpl *cpl)
{
	return ri_sync_cmd(ctx, cmd, data, len, cpl);
}

static const struct iop_nvme_host_ops g_ri_host_ops = {
	.admin = ri_conn_send,
};

/* ------------------------------------------------------------------------------ initiator ops */

/* Keep alive: on whatever the admin connection is. */
static int
ri_ka_send(void *ctx, struct iop_nvme_cmd *cmd, void *data, uint32_t len,
	   struct iop_nvme_cpl *cpl)
{
	struct ri *ini = ctx;

	return ri_sync_cmd(ini->admin, cmd, data, len, cpl);
}

static void ri_close(struct iop_initiator *base);

static int
ri_open(const struct iop_initiator_cfg *cfg, struct iop_initiator **out)
{
	struct iop_nvme_host_params hp = {0};
	struct ri *ini;
	char err[256];
	int rc;

	if (!nvmf_rdma_have_device()) {
		IOP_ERR("%s", NVMF_RDMA_NO_DEVICE_MSG);
		return -ENODEV;
	}
	ini = calloc(1, sizeof(*ini));
	if (!ini) {
		return -ENOMEM;
	}
	iop_nvmf_ka_init(&ini->ka);
	iop_opts_defaults(g_ri_opts, &ini->o);
	if (iop_uri_parse(cfg->uri, &ini->u, err, sizeof(err))) {
		IOP_ERR("%s", err);
		rc = -EINVAL;
		goto fail;
	}
	if (cfg->opts && iop_opts_parse_kv(g_ri_opts, &ini->o, cfg->opts, err, sizeof(err))) {
		IOP_ERR("nvmf-rdma options: %s", err);
		rc = -EINVAL;
		goto fail;
	}
	if (!ini->u.host[0] || !ini->u.path[0]) {
		IOP_ERR("nvmf-rdma URI needs address and subsystem NQN: nvmf-rdma://ADDR:PORT/NQN");
		rc = -EINVAL;
		goto fail;
	}
	if (ini->u.port < 0) {
		ini->u.port = 4420;
	}
	if (cfg->trace_path) {
		IOP_WARN("nvmf-rdma: --trace is not supported (capture RoCEv2 on the wire instead)");
	}
	ini->interrupt = cfg->interrupt;
	/* Admin queue: 32 entries, data through keyed SGLs only (4 KiB Identify/log pages;
	 * larger admin transfers are not needed for bring-up). */
	rc = ri_conn_open(ini, 0, 32, 8192, 0, &ini->admin);
	if (rc) {
		goto fail;
	}
	iop_nvmf_host_params_init(&hp, ini->u.path, ini->o.hostnqn, cfg->nr_queues,
				  (uint32_t)ini->o.kato, cfg->nsid);
	rc = iop_nvme_host_bringup(&g_ri_host_ops, ini->admin, &hp, &ini->ctrl);
	if (rc) {
		IOP_ERR("controller bring-up over %s failed: %s", cfg->uri, strerror(-rc));
		goto fail;
	}
	if (!(ini->ctrl.sgls & IOP_NVME_SGLS_KEYED)) {
		IOP_WARN("controller does not report keyed SGL support (SGLS %#x)", ini->ctrl.sgls);
	}
	ini->base.size = ini->ctrl.nsze << ini->ctrl.lba_shift;
	ini->base.block_size = 1u << ini->ctrl.lba_shift;
	ini->base.max_io = ini->ctrl.max_xfer ? IOP_MIN(ini->ctrl.max_xfer, 1u << 20) : 1u << 20;
	snprintf(ini->base.desc, sizeof(ini->base.desc), "nvmf-rdma %.30s:%d %.60s ns %u",
		 ini->u.host, ini->u.port, ini->u.path, ini->ctrl.nsid);
	iop_nvmf_ka_start(&ini->ka, "nvmf-rdma", ri_ka_send, ini, (uint32_t)ini->o.kato);
	*out = &ini->base;
	return 0;
fail:
	ri_close(&ini->base);
	return rc;
}

static void
ri_close(struct iop_initiator *base)
{
	struct ri *ini = iop_container_of(base, struct ri, base);

	iop_nvmf_ka_stop(&ini->ka);
	if (ini->admin && !ini->admin->broken && ini->ctrl.cntlid) {
		iop_nvme_host_shutdown(&g_ri_host_ops, ini->admin, &ini->ctrl);
	}
	ri_conn_free(ini->admin);
	iop_opts_free(g_ri_opts, &ini->o);
	iop_nvmf_ka_fini(&ini->ka);
	free(ini);
}

static int
ri_queue_open(struct iop_initiator *base, unsigned int idx, unsigned int depth,
	      struct iop_queue **out)
{
	struct ri *ini = iop_container_of(base, struct ri, base);
	struct ri_conn *c;
	uint32_t qsize, icd;
	int rc;

	rc = iop_nvmf_host_io_qsize(&ini->ctrl, idx, depth, &qsize);
	if (rc) {
		return rc;
	}
	icd = (uint32_t)IOP_MIN((uint64_t)iop_nvmf_host_icd_max(&ini->ctrl), ini->o.in_capsule);
	rc = ri_conn_open(ini, (uint16_t)(idx + 1), qsize, ini->base.max_io, icd, &c);
	if (rc) {
		return rc;
	}
	rc = iop_nvme_host_connect_io(ri_conn_send, c, &ini->ctrl, (uint16_t)(idx + 1),
				      (uint16_t)qsize);
	if (rc) {
		IOP_ERR("I/O queue %u: Connect failed: %s", idx + 1, strerror(-rc));
		ri_conn_free(c);
		return rc;
	}
	*out = &c->q;
	return 0;
}

static void
ri_queue_close(struct iop_queue *q)
{
	ri_conn_free((struct ri_conn *)q);
}

/* Engine buffers registered with the queue's PD: RDMA goes straight to/from them. */
static void *
ri_buf_alloc(struct iop_queue *q, size_t len)
{
	struct ri_conn *c = (struct ri_conn *)q;
	void *p = aligned_alloc(4096, IOP_ALIGN_UP(len, 4096));
	struct ibv_mr *mr;

	if (!p) {
		return NULL;
	}
	if (c->nregs == c->cregs) {
		unsigned int n = c->cregs ? c->cregs * 2 : 64;
		struct ri_reg *r = realloc(c->regs, n * sizeof(*r));

		if (!r) {
			free(p);
			return NULL;
		}
		c->regs = r;
		c->cregs = n;
	}
	mr = ibv_reg_mr(c->pd, p, len, IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_READ |
				       IBV_ACCESS_REMOTE_WRITE);
	if (!mr) {
		free(p);
		return NULL;
	}
	c->regs[c->nregs++] = (struct ri_reg){.addr = p, .len = len, .mr = mr};
	return p;
}

static void
ri_buf_free(struct iop_queue *q, void *buf, size_t len)
{
	struct ri_conn *c = (struct ri_conn *)q;

	(void)len;
	for (unsigned int i = 0; i < c->nregs; i++) {
		if (c->regs[i].addr == buf) {
			ibv_dereg_mr(c->regs[i].mr);
			free(buf);
			c->regs[i] = c->regs[--c->nregs];
			return;
		}
	}
}

static int
ri_submit(struct iop_queue *q, struct iop_io *io)
{
	struct ri_conn *c = (struct ri_conn *)q;
	struct ri *ini = c->ini;
	struct iop_nvme_cmd sqe;
	struct ri_cmd *cmd;
	struct ibv_mr *mr = NULL;
	const void *data = NULL;
	int cid;

	if (iop_unlikely(c->broken)) {
		return c->broken;
	}
	if (iop_unlikely(io->op == IOP_OP_DISCARD)) {
		return -EOPNOTSUPP;
	}
	if (iop_unlikely(io->len > c->max_xfer && (io->op == IOP_OP_READ || io->op == IOP_OP_WRITE))) {
		return -EINVAL;
	}
	cmd = ri_cmd_get(c);
	if (!cmd) {
		return -EAGAIN;
	}
	cid = iop_nvme_hq_build_io(&c->hq, io, ini->ctrl.nsid + io->nsid, ini->ctrl.lba_shift, &sqe);
	if (cid < 0) {
		ri_cmd_put(c, cmd);
		return cid;
	}
	io->priv[0] = (uintptr_t)cmd;
	cmd->io = io;
	cmd->cid = (uint16_t)cid;
	cmd->write = io->op == IOP_OP_WRITE;
	cmd->len = (io->op == IOP_OP_READ || io->op == IOP_OP_WRITE) ? (uint32_t)io->len : 0;
	if (cmd->len) {
		if (io->iovcnt == 1 && (mr = ri_reg_find(c, io->iov[0].iov_base, cmd->len))) {
			data = io->iov[0].iov_base;
		} else {
			size_t off = 0;

			if (cmd->len > c->bsize) {
				/* Unregistered memory above the bounce size: not served. */
				uint16_t st;
				struct iop_nvme_cpl cpl = {.cid = (uint16_t)cid};

				iop_nvme_hq_complete(&c->hq, &cpl, &st);
				ri_cmd_put(c, cmd);
				return -EINVAL;
			}
			cmd->bounced = true;
			mr = c->bmr;
			data = cmd->bounce;
			for (int i = 0; cmd->write && i < io->iovcnt && off < cmd->len; i++) {
				size_t n = IOP_MIN(io->iov[i].iov_len, cmd->len - off);

				memcpy(cmd->bounce + off, io->iov[i].iov_base, n);
				off += n;
			}
		}
	}
	if (ri_send(c, cmd, &sqe, data, mr)) {
		uint16_t st;
		struct iop_nvme_cpl cpl = {.cid = (uint16_t)cid};

		iop_nvme_hq_complete(&c->hq, &cpl, &st);
		ri_cmd_put(c, cmd);
		ri_conn_fail(c, -EIO, "ibv_post_send failed");
		return c->broken;
	}
	return 0;
}

static int
ri_poll(struct iop_queue *q, unsigned int max, unsigned int timeout_us)
{
	struct ri_conn *c = (struct ri_conn *)q;
	struct rdma_cm_event *ev;
	int rc;

	(void)max;
	c->reaped = 0;
	rc = ri_cq_poll(c);
	if (rc >= 0 && !c->reaped && timeout_us && c->interrupt) {
		ri_wait(c, (int)((timeout_us + 999) / 1000));
		rc = ri_cq_poll(c);
	}
	if (!c->reaped && !rdma_get_cm_event(c->ec, &ev)) {
		if (ev->event == RDMA_CM_EVENT_DISCONNECTED ||
		    ev->event == RDMA_CM_EVENT_DEVICE_REMOVAL) {
			rdma_ack_cm_event(ev);
			ri_conn_fail(c, -ECONNRESET, "controller disconnected");
			return c->broken;
		}
		rdma_ack_cm_event(ev);
	}
	if (c->reaped) {
		return (int)c->reaped;
	}
	return rc < 0 ? rc : 0;
}

static const struct iop_initiator_ops nvmf_rdma_initiator_ops = {
	.scheme = "nvmf-rdma",
	.help = "NVMe over RDMA host (librdmacm/libibverbs): nvmf-rdma://ADDR:PORT/SUBNQN; "
		"--opts hostnqn=NQN,in_capsule=8k,kato=0",
	.open = ri_open,
	.close = ri_close,
	.queue_open = ri_queue_open,
	.queue_close = ri_queue_close,
	.buf_alloc = ri_buf_alloc,
	.buf_free = ri_buf_free,
	.submit = ri_submit,
	.poll = ri_poll,
};
IOP_INITIATOR_REGISTER(nvmf_rdma_initiator_ops)
