/* SPDX-License-Identifier: BSD-3-Clause */
/* NVMe/RDMA target: RDMA CM listener, connections moving capsules and keyed data to the NVMe core. */
#include <errno.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <infiniband/verbs.h>
#include <rdma/rdma_cma.h>
#include "iopath/log.h"
#include "iopath/nvme.h"
#include "iopath/option.h"
#include "iopath/target.h"
#include "iopath/uri.h"
#include "iopath/util.h"
#include "targets/transport/nvmf_rdma/nvmf_rdma_internal.h"

/*
 * One thread (the one running `iopath target`) drives everything: the CM event channel, every
 * connection's completion queue and the NVMe core poll group. Polling mode polls them all in a
 * loop; --interrupt arms each CQ's completion channel and sleeps in poll(2) on the channel fds,
 * the CM fd and the backend completion fds (at most 100 ms, for keep-alive ticks).
 *
 * Per connection (one NVMe queue): its own CQ, an RC QP with a receive queue of HSQSIZE + 1
 * capsule buffers of 64 + IOCCSZ-64 bytes, and one request per queue entry, each with a
 * pre-registered data buffer of max_io bytes and a 16-byte response buffer. The capsule is copied
 * out of the receive buffer (with its in-capsule data) and the buffer is reposted at once, so
 * the host never meets an empty receive queue. Receive queues are per connection, not a shared
 * receive queue per poll group: each queue's receive depth is exactly what its CM request asked.
 *
 * Data: in-capsule (SGL data block, offset) or keyed SGL: RDMA READ from the host for writes
 * before the command runs, RDMA WRITE to the host before the response SEND for reads. The
 * response goes as SEND WITH INVALIDATE of the host's key when the SGL subtype asked for it.
 */

#define RT_MAX_DEPTH 1024u
#define RT_WC_BATCH 32
#define RT_DRAIN_NS (2000ull * 1000 * 1000)

struct rt_opts {
	uint64_t in_capsule;
	uint64_t max_io;
	uint64_t queue_depth;
	uint64_t kato;
	uint64_t srq;          /* shared receive queue entries; 0 = a receive queue per connection */
};

static const struct iop_option g_rt_opts[] = {
	{"in_capsule", "ioccsz", IOP_OPT_SIZE, offsetof(struct rt_opts, in_capsule), "8k", 0,
	 1u << 20, NULL, "in-capsule data bytes accepted per command (IOCCSZ*16 - 64)"},
	{"max_io", "mdts", IOP_OPT_SIZE, offsetof(struct rt_opts, max_io), "128k", 4096, 1u << 23,
	 NULL, "largest I/O in bytes (MDTS; keyed SGL length is 24 bits)"},
	{"queue_depth", "qd", IOP_OPT_UINT, offsetof(struct rt_opts, queue_depth), "128", 2,
	 RT_MAX_DEPTH, NULL, "entries per I/O queue"},
	{"kato", NULL, IOP_OPT_UINT, offsetof(struct rt_opts, kato), "0", 0, 0, NULL,
	 "default keep-alive timeout (ms) for I/O controllers"},
	{"srq", NULL, IOP_OPT_UINT, offsetof(struct rt_opts, srq), "512", 0, 65536, NULL,
	 "entries of the poll group's shared receive queue (0: one receive queue per connection)"},
	{NULL},
};

/* wr_id low bits: what completed. WRITEs are unsignalled: they only show up when they fail. */
enum { RT_WR_RECV = 0, RT_WR_READ = 1, RT_WR_SEND = 2, RT_WR_WRITE = 3 };
enum rt_req_state { RTR_FREE, RTR_READ, RTR_EXEC, RTR_SEND };
enum rt_conn_state { RTC_ACCEPTED, RTC_LIVE, RTC_DEAD };

struct rt_conn;

struct rt_req {
	struct iop_nvme_req n;
	struct rt_conn *c;
	struct nvmf_rdma_data d;
	uint8_t *buf;
	struct iovec iov;
	uint32_t idx;
	uint8_t state;
	struct rt_req *next_free;
} __attribute__((aligned(8)));

struct rt_pd {
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct rt_pd *next;
};

struct rt;

struct rt_conn {
	struct rt *t;
	struct rdma_cm_id *id;
	struct ibv_comp_channel *ch;
	struct ibv_cq *cq;
	struct ibv_pd *pd;
	struct ibv_srq *srq;     /* the poll group's SRQ, or NULL: own receive queue */
	struct iop_nvme_qpair *nqp;
	uint16_t qid;
	uint32_t depth;          /* queue entries (= receive buffers without an SRQ) */
	uint32_t nreq;           /* requests: 2 x depth, as a response may reach the host (which
				  * then sends the next command) before its SEND completion is reaped */
	uint32_t rsize;          /* receive buffer bytes: 64 + in-capsule */
	uint8_t *rbuf;
	struct ibv_mr *rmr;
	uint8_t *dbuf;
	struct ibv_mr *dmr;
	struct iop_nvme_cpl *rsp;
	struct ibv_mr *smr;
	struct rt_req *reqs;
	struct rt_req *free;
	unsigned int busy;
	unsigned int sending;    /* requests whose response is posted, SEND not yet reaped */
	unsigned int posted;     /* signaled work requests and receives not completed */
	int state;
	bool qp_stopped;
	bool cq_armed;
	atomic_bool disc_req;
	uint64_t dead_since;
	struct rt_conn *next;
	char peer[64];
};

struct rt {
	struct iop_target base;
	struct rt_opts o;
	bool interrupt;
	struct iop_nvme_tgt *nvme;
	struct iop_nvme_subsys *ss;
	struct iop_nvme_pg *pg;
	struct rdma_event_channel *ec;
	struct rdma_cm_id *lid;
	struct rt_pd *pds;
	struct rt_conn *conns;
	/* shared receive queue of the poll group (created with the first connection's device) */
	struct ibv_srq *srq;
	struct ibv_context *srq_ctx;
	uint8_t *srq_buf;
	struct ibv_mr *srq_mr;
	uint32_t srq_n;
	uint32_t rsize;
	char host[256];
	int port;
	struct {
		uint64_t capsules, incapsule, rdma_read, rdma_write, send_inv, rejects;
	} st;
};

static void rt_conn_kill(struct rt_conn *c, const char *why);

/* ------------------------------------------------------------------------------ helpers */

static struct ibv_pd *
rt_pd_get(struct rt *t, struct ibv_context *ctx)
{
	struct rt_pd *p;

	for (p = t->pds; p; p = p->next) {
		if (p->ctx == ctx) {
			return p->pd;
		}
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		return NULL;
	}
	p->ctx = ctx;
	p->pd = ibv_alloc_pd(ctx);
	if (!p->pd) {
		free(p);
		return NULL;
	}
	p->next = t->pds;
	t->pds = p;
	return p->pd;
}

static int
rt_srq_post(struct rt *t, uint32_t i)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)(t->srq_buf + (size_t)i * t->rsize),
		.length = t->rsize,
		.lkey = t->srq_mr->lkey,
	};
	struct ibv_recv_wr wr = {.wr_id = ((uint64_t)i << 2) | RT_WR_RECV, .sg_list = &sge,
				 .num_sge = 1}, *bad;

	return ibv_post_srq_recv(t->srq, &wr, &bad);
}

static int
rt_post_recv(struct rt_conn *c, uint32_t i)
{
	if (c->srq) {
		return rt_srq_post(c->t, i);
	}
	struct ibv_sge sge = {
		.addr = (uintptr_t)(c->rbuf + (size_t)i * c->rsize),
		.length = c->rsize,
		.lkey = c->rmr->lkey,
	};
	struct ibv_recv_wr wr = {.wr_id = ((uint64_t)i << 2) | RT_WR_RECV, .sg_list = &sge,
				 .num_sge = 1}, *bad;
	int rc = ibv_post_recv(c->id->qp, &wr, &bad);

	if (!rc) {
		c->posted++;
	}
	return rc;
}

static struct rt_req *
rt_req_get(struct rt_conn *c)
{
	struct rt_req *r = c->free;

	if (r) {
		c->free = r->next_free;
		c->busy++;
		r->state = RTR_EXEC;
	}
	return r;
}

static void
rt_req_put(struct rt_req *r)
{
	struct rt_conn *c = r->c;

	if (r->state == RTR_SEND) {
		c->sending--;
	}
	r->state = RTR_FREE;
	r->next_free = c->free;
	c->free = r;
	c->busy--;
}

static bool
rt_cpl_ok(const struct iop_nvme_cpl *cpl)
{
	return (cpl->status >> 1) == 0;
}

/* ------------------------------------------------------------------------------ requests */

/* The core finished r: RDMA WRITE the read data (if any), then SEND the response. */
static void
rt_req_done(struct iop_nvme_req *nreq)
{
	struct rt_req *r = iop_container_of(nreq, struct rt_req, n);
	struct rt_conn *c = r->c;
	struct ibv_sge dsge, rsge;
	struct ibv_send_wr wr[2], *first, *bad;
	int rc;

	if (c->state != RTC_LIVE) {
		rt_req_put(r);
		return;
	}
	c->rsp[r->idx] = r->n.cpl;
	memset(wr, 0, sizeof(wr));
	rsge.addr = (uintptr_t)&c->rsp[r->idx];
	rsge.length = sizeof(struct iop_nvme_cpl);
	rsge.lkey = c->smr->lkey;
	wr[1].wr_id = (uintptr_t)r | RT_WR_SEND;
	wr[1].sg_list = &rsge;
	wr[1].num_sge = 1;
	wr[1].send_flags = IBV_SEND_SIGNALED;
	if (r->d.kind == NVMF_RDMA_DATA_KEYED && r->d.invalidate) {
		wr[1].opcode = IBV_WR_SEND_WITH_INV;
		wr[1].invalidate_rkey = r->d.key;
		c->t->st.send_inv++;
	} else {
		wr[1].opcode = IBV_WR_SEND;
	}
	first = &wr[1];
	if (r->n.xfer == IOP_NVME_XFER_C2H && r->n.data_len && r->d.kind == NVMF_RDMA_DATA_KEYED &&
	    rt_cpl_ok(&r->n.cpl)) {
		dsge.addr = (uintptr_t)r->buf;
		dsge.length = r->n.data_len;
		dsge.lkey = c->dmr->lkey;
		wr[0].wr_id = (uintptr_t)r | RT_WR_WRITE;
		wr[0].opcode = IBV_WR_RDMA_WRITE;
		wr[0].sg_list = &dsge;
		wr[0].num_sge = 1;
		wr[0].wr.rdma.remote_addr = r->d.addr;
		wr[0].wr.rdma.rkey = r->d.key;
		wr[0].next = &wr[1];
		first = &wr[0];
		c->t->st.rdma_write++;
	}
	r->state = RTR_SEND;
	c->sending++;
	rc = ibv_post_send(c->id->qp, first, &bad);
	if (rc) {
		rt_req_put(r);
		rt_conn_kill(c, "ibv_post_send failed");
		return;
	}
	c->posted++;
}

/* Complete r with a status decided by the transport (SGL it cannot serve). */
static void
rt_req_fail(struct rt_req *r, uint16_t status)
{
	memset(&r->n.cpl, 0, sizeof(r->n.cpl));
	r->n.cpl.cid = r->n.cmd.cid;
	r->n.cpl.sqid = r->c->qid;
	r->n.cpl.sqhd = 0xffff;
	r->n.cpl.status = (uint16_t)(status << 1);
	r->n.xfer = IOP_NVME_XFER_NONE;
	r->d.kind = NVMF_RDMA_DATA_NONE;
	rt_req_done(&r->n);
}

static void
rt_req_exec(struct rt_req *r)
{
	r->state = RTR_EXEC;
	iop_nvme_req_exec(&r->n);
}

/* A command capsule arrived in receive buffer i (len bytes). */
static void
rt_capsule(struct rt_conn *c, uint32_t i, uint32_t len)
{
	const uint8_t *cap = c->srq ? c->t->srq_buf + (size_t)i * c->rsize
				    : c->rbuf + (size_t)i * c->rsize;
	uint32_t icd = len - IOP_NVME_CMD_SIZE;
	struct rt_req *r;
	uint16_t prep, st = 0;

	if (len < IOP_NVME_CMD_SIZE) {
		rt_conn_kill(c, "capsule shorter than an SQE");
		return;
	}
	/* Commands the host may still count as outstanding: those not answered yet. */
	r = c->busy - c->sending < c->depth ? rt_req_get(c) : NULL;
	if (!r) {
		rt_conn_kill(c, "more commands outstanding than the queue holds");
		return;
	}
	memcpy(&r->n.cmd, cap, sizeof(r->n.cmd));
	c->t->st.capsules++;
	memset(&r->n.cpl, 0, sizeof(r->n.cpl));
	r->n.qpair = c->nqp;
	r->n.iov = NULL;
	r->n.iovcnt = 0;
	memset(&r->d, 0, sizeof(r->d));
	prep = iop_nvme_req_prepare(&r->n);
	if (!prep && r->n.data_len) {
		st = nvmf_rdma_sgl_parse(&r->n.cmd, icd, &r->d);
		if (!st && r->n.data_len > c->t->o.max_io) {
			st = IOP_NVME_STATUS(IOP_NVME_SCT_GENERIC, IOP_NVME_SC_DATA_SGL_LENGTH_INVALID) |
			     IOP_NVME_STATUS_DNR;
		}
		if (!st && r->d.kind == NVMF_RDMA_DATA_INCAPSULE) {
			if (r->n.xfer != IOP_NVME_XFER_H2C) {
				st = IOP_NVME_STATUS(IOP_NVME_SCT_GENERIC,
						     IOP_NVME_SC_SGL_DESCRIPTOR_TYPE_INVALID) |
				     IOP_NVME_STATUS_DNR;
			} else {
				memcpy(r->buf, cap + IOP_NVME_CMD_SIZE + r->d.addr, r->n.data_len);
				c->t->st.incapsule++;
			}
		}
	}
	/* The capsule is ours now: give the buffer back to the host at once. */
	if (rt_post_recv(c, i)) {
		rt_req_put(r);
		rt_conn_kill(c, "ibv_post_recv failed");
		return;
	}
	r->iov.iov_base = r->buf;
	r->iov.iov_len = r->n.data_len;
	r->n.iov = &r->iov;
	r->n.iovcnt = 1;
	r->n.iovmax = 1;
	if (prep) {
		rt_req_exec(r); /* the core completes it with its verdict */
		return;
	}
	if (st) {
		rt_req_fail(r, st); /* the transport's verdict (SGL it cannot serve) */
		return;
	}
	if (r->n.xfer == IOP_NVME_XFER_H2C && r->n.data_len && r->d.kind == NVMF_RDMA_DATA_KEYED) {
		struct ibv_sge sge = {.addr = (uintptr_t)r->buf, .length = r->n.data_len,
				      .lkey = c->dmr->lkey};
		struct ibv_send_wr wr = {0}, *bad;

		wr.wr_id = (uintptr_t)r | RT_WR_READ;
		wr.opcode = IBV_WR_RDMA_READ;
		wr.sg_list = &sge;
		wr.num_sge = 1;
		wr.send_flags = IBV_SEND_SIGNALED;
		wr.wr.rdma.remote_addr = r->d.addr;
		wr.wr.rdma.rkey = r->d.key;
		r->state = RTR_READ;
		c->t->st.rdma_read++;
		if (ibv_post_send(c->id->qp, &wr, &bad)) {
			rt_req_put(r);
			rt_conn_kill(c, "ibv_post_send (RDMA READ) failed");
			return;
		}
		c->posted++;
		return;
	}
	rt_req_exec(r);
}

/* Reap up to a batch of completions of c. \return completions handled. */
static int
rt_conn_poll(struct rt_conn *c)
{
	struct ibv_wc wc[RT_WC_BATCH];
	int n = ibv_poll_cq(c->cq, RT_WC_BATCH, wc);

	for (int k = 0; k < n; k++) {
		uint64_t id = wc[k].wr_id;
		unsigned int kind = id & 3;
		struct rt_req *r = (struct rt_req *)(uintptr_t)(id & ~3ull);

		/* SRQ receives belong to the group, not the connection (and are not flushed) */
		if (kind != RT_WR_WRITE && !(kind == RT_WR_RECV && c->srq)) {
			c->posted--;
		}
		if (wc[k].status != IBV_WC_SUCCESS) {
			if (c->state == RTC_LIVE) {
				IOP_ERR("%s: work completion %s (opcode %d)", c->peer,
					ibv_wc_status_str(wc[k].status), wc[k].opcode);
			}
			if (kind == RT_WR_RECV && c->srq && wc[k].status != IBV_WC_WR_FLUSH_ERR) {
				rt_srq_post(c->t, (uint32_t)(id >> 2)); /* the group's buffer */
			}
			if (kind == RT_WR_READ || kind == RT_WR_SEND) {
				/* READ or SEND of a request: the request is finished here (a failed
				 * WRITE is followed by the flushed SEND of the same request). */
				if (r->state == RTR_READ || r->state == RTR_SEND) {
					rt_req_put(r);
				}
			}
			rt_conn_kill(c, "work request failed");
			continue;
		}
		switch (kind) {
		case RT_WR_RECV:
			if (c->state == RTC_LIVE || c->state == RTC_ACCEPTED) {
				c->state = RTC_LIVE;
				rt_capsule(c, (uint32_t)(id >> 2), wc[k].byte_len);
			}
			break;
		case RT_WR_READ:
			if (c->state == RTC_LIVE) {
				rt_req_exec(r);
			} else {
				rt_req_put(r);
			}
			break;
		case RT_WR_SEND:
			rt_req_put(r);
			break;
		default:
			break;
		}
	}
	return n > 0 ? n : 0;
}

/* ------------------------------------------------------------------------------ connections */

static void
rt_qp_disconnect(struct iop_nvme_qpair *qp, void *ctx, int reason)
{
	struct rt_conn *c = ctx;

	(void)qp;
	(void)reason;
	atomic_store(&c->disc_req, true);
}

static const struct iop_nvme_qpair_ops g_rt_qp_ops = {
	.disconnect = rt_qp_disconnect,
};

/* Fatal for the connection only: disconnect and let the drain free it. */
static void
rt_conn_kill(struct rt_conn *c, const char *why)
{
	if (c->state == RTC_DEAD) {
		return;
	}
	if (why) {
		IOP_NOTICE("%s: qid %u closed: %s", c->peer, c->qid, why);
	}
	c->state = RTC_DEAD;
	c->dead_since = iop_now_ns();
	rdma_disconnect(c->id);
	if (c->nqp && !c->qp_stopped) {
		c->qp_stopped = true;
		iop_nvme_qpair_stop(c->nqp);
	}
}

static void
rt_conn_free(struct rt_conn *c)
{
	if (c->id && c->id->qp) {
		rdma_destroy_qp(c->id);
	}
	if (c->cq) {
		ibv_destroy_cq(c->cq);
	}
	if (c->ch) {
		ibv_destroy_comp_channel(c->ch);
	}
	if (c->rmr) {
		ibv_dereg_mr(c->rmr);
	}
	if (c->dmr) {
		ibv_dereg_mr(c->dmr);
	}
	if (c->smr) {
		ibv_dereg_mr(c->smr);
	}
	free(c->rbuf);
	free(c->dbuf);
	free(c->rsp);
	free(c->reqs);
	if (c->id) {
		rdma_destroy_id(c->id);
	}
	free(c);
}

/* Dead connections whose work is all reaped are freed. \return true when c was freed. */
static bool
rt_conn_reap(struct rt_conn *c)
{
	if (c->state != RTC_DEAD) {
		return false;
	}
	if (c->nqp) {
		if (iop_nvme_qpair_inflight(c->nqp)) {
			return false;
		}
		/* Requests left in RDMA READ/SEND are flushed by the QP in error state. */
		if (c->posted && iop_now_ns() - c->dead_since < RT_DRAIN_NS) {
			return false;
		}
		iop_nvme_qpair_destroy(c->nqp);
		c->nqp = NULL;
	} else if (c->posted && iop_now_ns() - c->dead_since < RT_DRAIN_NS) {
		return false;
	}
	rt_conn_free(c);
	return true;
}

static void
rt_reject(struct rt *t, struct rdma_cm_id *id, uint16_t sts, const char *why)
{
	struct nvmf_rdma_cm_rej rej;

	IOP_NOTICE("nvmf-rdma: connection request rejected: %s (status %u: %s)", why, sts,
		   nvmf_rdma_cm_status_str(sts));
	nvmf_rdma_cm_rej_build(&rej, sts);
	t->st.rejects++;
	rdma_reject(id, &rej, sizeof(rej));
}

/*
 * The poll group's shared receive queue, created on first use on the device of that connection.
 * Connections on another device (or when the device has no SRQ) use their own receive queue.
 * \return 0 when t->srq serves ctx.
 */
static int
rt_srq_get(struct rt *t, struct ibv_context *ctx, struct ibv_pd *pd)
{
	struct ibv_srq_init_attr sa = {0};
	struct ibv_device_attr da;
	uint32_t n;

	if (t->srq) {
		return t->srq_ctx == ctx ? 0 : -EXDEV;
	}
	if (t->srq_ctx) {
		return -EOPNOTSUPP; /* tried and failed before */
	}
	t->srq_ctx = ctx;
	if (ibv_query_device(ctx, &da) || da.max_srq == 0) {
		IOP_NOTICE("nvmf-rdma: device has no shared receive queues: one per connection");
		return -EOPNOTSUPP;
	}
	n = (uint32_t)IOP_MIN(t->o.srq, (uint64_t)da.max_srq_wr);
	t->rsize = IOP_NVME_CMD_SIZE + (uint32_t)t->o.in_capsule;
	t->srq_buf = aligned_alloc(4096, IOP_ALIGN_UP((size_t)n * t->rsize, 4096));
	if (!t->srq_buf) {
		return -ENOMEM;
	}
	t->srq_mr = ibv_reg_mr(pd, t->srq_buf, (size_t)n * t->rsize, IBV_ACCESS_LOCAL_WRITE);
	sa.attr.max_wr = n;
	sa.attr.max_sge = 1;
	t->srq = t->srq_mr ? ibv_create_srq(pd, &sa) : NULL;
	if (!t->srq) {
		IOP_WARN("nvmf-rdma: no shared receive queue (%s): one per connection",
			 strerror(errno));
		if (t->srq_mr) {
			ibv_dereg_mr(t->srq_mr);
			t->srq_mr = NULL;
		}
		free(t->srq_buf);
		t->srq_buf = NULL;
		return -EOPNOTSUPP;
	}
	t->srq_n = n;
	for (uint32_t i = 0; i < n; i++) {
		if (rt_srq_post(t, i)) {
			IOP_ERR("nvmf-rdma: ibv_post_srq_recv failed");
			break;
		}
	}
	IOP_NOTICE("nvmf-rdma: shared receive queue of %u capsule buffers (%u bytes each)", n,
		   t->rsize);
	return 0;
}

static int
rt_conn_setup(struct rt *t, struct rt_conn *c, struct rdma_cm_id *id)
{
	struct ibv_qp_init_attr qa = {0};
	size_t dsz = (size_t)c->nreq * t->o.max_io;
	int access = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_WRITE;

	c->pd = rt_pd_get(t, id->verbs);
	if (!c->pd) {
		return -ENOMEM;
	}
	c->ch = ibv_create_comp_channel(id->verbs);
	if (!c->ch) {
		return -errno;
	}
	fcntl(c->ch->fd, F_SETFL, fcntl(c->ch->fd, F_GETFL) | O_NONBLOCK);
	c->cq = ibv_create_cq(id->verbs, (int)(c->nreq * 2 + c->depth + 1), c, c->ch, 0);
	if (!c->cq) {
		return -errno;
	}
	if (t->o.srq && rt_srq_get(t, id->verbs, c->pd) == 0) {
		c->srq = t->srq;
	}
	qa.send_cq = c->cq;
	qa.recv_cq = c->cq;
	qa.srq = c->srq;
	qa.qp_type = IBV_QPT_RC;
	qa.cap.max_send_wr = c->nreq * 2 + 1;
	qa.cap.max_recv_wr = c->srq ? 0 : c->depth;
	qa.cap.max_send_sge = 1;
	qa.cap.max_recv_sge = 1;
	if (rdma_create_qp(id, c->pd, &qa)) {
		return -errno;
	}
	if (!c->srq) {
		c->rbuf = aligned_alloc(4096, IOP_ALIGN_UP((size_t)c->depth * c->rsize, 4096));
		if (!c->rbuf) {
			return -ENOMEM;
		}
		c->rmr = ibv_reg_mr(c->pd, c->rbuf, (size_t)c->depth * c->rsize,
				    IBV_ACCESS_LOCAL_WRITE);
		if (!c->rmr) {
			return -errno ? -errno : -ENOMEM;
		}
	}
	c->dbuf = aligned_alloc(4096, dsz);
	c->rsp = calloc(c->nreq, sizeof(*c->rsp));
	c->reqs = calloc(c->nreq, sizeof(*c->reqs));
	if (!c->dbuf || !c->rsp || !c->reqs) {
		return -ENOMEM;
	}
	c->dmr = ibv_reg_mr(c->pd, c->dbuf, dsz, access);
	c->smr = ibv_reg_mr(c->pd, c->rsp, c->nreq * sizeof(*c->rsp), 0);
	if (!c->dmr || !c->smr) {
		return -errno ? -errno : -ENOMEM;
	}
	for (uint32_t i = 0; i < c->nreq; i++) {
		struct rt_req *r = &c->reqs[i];

		r->c = c;
		r->idx = i;
		r->buf = c->dbuf + (size_t)i * t->o.max_io;
		r->n.done = rt_req_done;
		r->n.ctx = r;
		r->next_free = c->free;
		c->free = r;
	}
	c->busy = 0;
	for (uint32_t i = 0; !c->srq && i < c->depth; i++) {
		if (rt_post_recv(c, i)) {
			return -EIO;
		}
	}
	return iop_nvme_qpair_create(t->pg, IOP_NVMF_TRTYPE_RDMA, &g_rt_qp_ops, c, &c->nqp);
}

static void
rt_connect_request(struct rt *t, struct rdma_cm_event *ev)
{
	struct rdma_cm_id *id = ev->id;
	struct nvmf_rdma_cm_limits lim = {
		.max_qid = iop_nvme_tgt_opts(t->nvme)->max_io_queues,
		.max_admin_depth = iop_nvme_tgt_opts(t->nvme)->max_admin_depth,
		.max_io_depth = (uint32_t)t->o.queue_depth,
	};
	struct nvmf_rdma_cm_req req;
	struct nvmf_rdma_cm_rep rep;
	struct rdma_conn_param cp = {0};
	struct ibv_device_attr da;
	struct rt_conn *c;
	uint16_t sts;
	int rc;

	sts = nvmf_rdma_cm_req_check(ev->param.conn.private_data, ev->param.conn.private_data_len,
				     &lim, &req);
	if (sts) {
		rt_reject(t, id, sts, "bad private data");
		rdma_ack_cm_event(ev);
		rdma_destroy_id(id);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		rt_reject(t, id, NVMF_RDMA_CM_NO_RESOURCES, "out of memory");
		rdma_ack_cm_event(ev);
		rdma_destroy_id(id);
		return;
	}
	c->t = t;
	c->id = id;
	c->qid = req.qid;
	c->depth = (uint32_t)req.hsqsize + 1;
	c->nreq = c->depth * 2;
	c->rsize = IOP_NVME_CMD_SIZE + (uint32_t)t->o.in_capsule;
	id->context = c;
	{
		struct sockaddr_in *sa = (struct sockaddr_in *)rdma_get_peer_addr(id);
		char ip[64] = "?";

		if (sa->sin_family == AF_INET) {
			inet_ntop(AF_INET, &sa->sin_addr, ip, sizeof(ip));
		}
		snprintf(c->peer, sizeof(c->peer), "%s:%u", ip, ntohs(rdma_get_dst_port(id)));
	}
	rc = rt_conn_setup(t, c, id);
	if (rc) {
		IOP_ERR("%s: connection set-up: %s", c->peer, strerror(-rc));
		rt_reject(t, id, NVMF_RDMA_CM_NO_RESOURCES, "no resources");
		rdma_ack_cm_event(ev);
		if (c->nqp) {
			iop_nvme_qpair_destroy(c->nqp);
			c->nqp = NULL;
		}
		rt_conn_free(c);
		return;
	}
	nvmf_rdma_cm_rep_build(&rep, (uint16_t)c->depth);
	memset(&da, 0, sizeof(da));
	ibv_query_device(id->verbs, &da);
	cp.private_data = &rep;
	cp.private_data_len = sizeof(rep);
	/* The event's values are already from our side: its initiator_depth is the RDMA READs
	 * the host lets us have outstanding (we READ the data of writes). */
	cp.responder_resources = (uint8_t)IOP_MIN(ev->param.conn.responder_resources,
						  (unsigned int)da.max_qp_rd_atom);
	cp.initiator_depth = (uint8_t)IOP_MIN(ev->param.conn.initiator_depth,
					      (unsigned int)da.max_qp_init_rd_atom);
	if (!cp.initiator_depth) {
		IOP_WARN("%s: host allows no RDMA READ (IRD 0): writes through keyed SGLs will stall",
			 c->peer);
	}
	cp.rnr_retry_count = 7;
	c->state = RTC_ACCEPTED;
	c->next = t->conns;
	t->conns = c;
	if (rdma_accept(id, &cp)) {
		IOP_ERR("%s: rdma_accept: %s", c->peer, strerror(errno));
		rt_conn_kill(c, NULL);
	} else {
		IOP_INFO(nvmf_rdma, "%s: qid %u accepted, %u entries", c->peer, c->qid, c->depth);
	}
	rdma_ack_cm_event(ev);
}

/* Handle pending CM events. \return events handled. */
static int
rt_cm_poll(struct rt *t)
{
	struct rdma_cm_event *ev;
	int n = 0;

	while (!rdma_get_cm_event(t->ec, &ev)) {
		struct rt_conn *c = ev->id->context;

		n++;
		switch (ev->event) {
		case RDMA_CM_EVENT_CONNECT_REQUEST:
			rt_connect_request(t, ev);
			continue; /* acked there */
		case RDMA_CM_EVENT_ESTABLISHED:
			if (c && c->state == RTC_ACCEPTED) {
				c->state = RTC_LIVE;
			}
			break;
		case RDMA_CM_EVENT_DISCONNECTED:
		case RDMA_CM_EVENT_CONNECT_ERROR:
		case RDMA_CM_EVENT_UNREACHABLE:
		case RDMA_CM_EVENT_REJECTED:
		case RDMA_CM_EVENT_DEVICE_REMOVAL:
			if (c && c != (void *)t) {
				rt_conn_kill(c, c->state == RTC_DEAD ? NULL : rdma_event_str(ev->event));
			}
			break;
		default:
			break;
		}
		rdma_ack_cm_event(ev);
	}
	return n;
}

/* ------------------------------------------------------------------------------ target ops */

static void rt_destroy(struct iop_target *base);
static const struct iop_target_ops nvmf_rdma_target_ops;

static int
rt_listen(struct rt *t)
{
	struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *ai;
	char port[16];
	int rc;

	t->ec = rdma_create_event_channel();
	if (!t->ec) {
		IOP_ERR("rdma_create_event_channel: %s", strerror(errno));
		return -errno;
	}
	fcntl(t->ec->fd, F_SETFL, fcntl(t->ec->fd, F_GETFL) | O_NONBLOCK);
	if (rdma_create_id(t->ec, &t->lid, t, RDMA_PS_TCP)) {
		return -errno;
	}
	snprintf(port, sizeof(port), "%d", t->port);
	rc = getaddrinfo(t->host, port, &hints, &ai);
	if (rc) {
		IOP_ERR("nvmf-rdma: address %s: %s", t->host, gai_strerror(rc));
		return -EINVAL;
	}
	rc = rdma_bind_addr(t->lid, ai->ai_addr);
	freeaddrinfo(ai);
	if (rc) {
		rc = -errno;
		IOP_ERR("nvmf-rdma: cannot bind %s:%d: %s (is the address on an RDMA device?)",
			t->host, t->port, strerror(-rc));
		return rc;
	}
	if (rdma_listen(t->lid, 128)) {
		rc = -errno;
		IOP_ERR("nvmf-rdma: rdma_listen: %s", strerror(-rc));
		return rc;
	}
	t->port = ntohs(rdma_get_src_port(t->lid));
	return 0;
}

static int
rt_create(const struct iop_target_cfg *cfg, struct iop_target **out)
{
	struct iop_nvme_tgt_opts no;
	struct iop_nvme_listener l = {0};
	struct iop_uri u;
	struct rt *t;
	char err[256];
	int rc;

	if (iop_uri_parse(cfg->uri, &u, err, sizeof(err))) {
		IOP_ERR("%s", err);
		return -EINVAL;
	}
	if (!u.host[0] || !u.path[0]) {
		IOP_ERR("nvmf-rdma target URI needs address and subsystem NQN: "
			"nvmf-rdma://10.0.2.15:4420/nqn.2014-08.org.example:sub");
		return -EINVAL;
	}
	if (!nvmf_rdma_have_device()) {
		IOP_ERR("%s", NVMF_RDMA_NO_DEVICE_MSG);
		return -ENODEV;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		return -ENOMEM;
	}
	t->base.ops = &nvmf_rdma_target_ops;
	t->interrupt = cfg->interrupt;
	t->port = u.port < 0 ? 4420 : u.port;
	snprintf(t->host, sizeof(t->host), "%s", u.host);
	iop_opts_defaults(g_rt_opts, &t->o);
	if (cfg->opts && iop_opts_parse_kv(g_rt_opts, &t->o, cfg->opts, err, sizeof(err))) {
		IOP_ERR("nvmf-rdma target options: %s", err);
		rc = -EINVAL;
		goto fail;
	}
	if ((t->o.max_io & (t->o.max_io - 1)) || t->o.in_capsule % 16) {
		IOP_ERR("max_io must be a power of two and in_capsule a multiple of 16");
		rc = -EINVAL;
		goto fail;
	}
	if (cfg->nr_threads > 1) {
		IOP_WARN("nvmf-rdma target: one poll group thread (--threads %u ignored)",
			 cfg->nr_threads);
	}
	iop_nvme_tgt_opts_default(&no);
	no.max_io_size = (uint32_t)t->o.max_io;
	no.max_queue_depth = (uint16_t)t->o.queue_depth;
	no.in_capsule_data = (uint32_t)t->o.in_capsule;
	no.kato_default_ms = (uint32_t)t->o.kato;
	no.sgls = IOP_NVME_SGLS_SUPPORTED | IOP_NVME_SGLS_KEYED | IOP_NVME_SGLS_OFFSET;
	rc = iop_nvme_tgt_setup_subsys(&no, u.path, NULL, cfg->backends, cfg->nr_backends, &t->nvme,
				       &t->ss);
	if (rc) {
		goto fail;
	}
	rc = rt_listen(t);
	if (rc) {
		goto fail;
	}
	l.trtype = IOP_NVMF_TRTYPE_RDMA;
	l.adrfam = IOP_NVMF_ADRFAM_IPV4;
	snprintf(l.traddr, sizeof(l.traddr), "%s", t->host);
	snprintf(l.trsvcid, sizeof(l.trsvcid), "%d", t->port);
	l.tsas[0] = 1; /* QPTYPE: reliable connected */
	l.tsas[1] = 1; /* PRTYPE: no provider specified */
	l.tsas[2] = 1; /* CMS: RDMA_IP_CM */
	iop_nvme_tgt_add_listener(t->nvme, &l);
	IOP_NOTICE("nvmf-rdma target listening on %s:%d, subsystem %s, %u namespace(s)", t->host,
		   t->port, u.path, cfg->nr_backends);
	printf("listening on nvmf-rdma://%s:%d/%s\n", t->host, t->port, u.path);
	fflush(stdout);
	*out = &t->base;
	return 0;
fail:
	rt_destroy(&t->base);
	return rc;
}

/* Interrupt mode: arm every CQ, re-check it, then sleep on all fds. */
static void
rt_wait(struct rt *t)
{
	struct pollfd pf[256];
	int n = 0, nb;
	struct rt_conn *c;

	for (c = t->conns; c; c = c->next) {
		if (!c->cq_armed) {
			ibv_req_notify_cq(c->cq, 0);
			c->cq_armed = true;
			if (rt_conn_poll(c)) {
				return;
			}
		}
	}
	pf[n++] = (struct pollfd){.fd = t->ec->fd, .events = POLLIN};
	for (c = t->conns; c && n < 200; c = c->next) {
		pf[n++] = (struct pollfd){.fd = c->ch->fd, .events = POLLIN};
	}
	{
		int fds[32];

		nb = iop_nvme_pg_fds(t->pg, fds, 32);
		for (int i = 0; i < nb && n < 256; i++) {
			pf[n++] = (struct pollfd){.fd = fds[i], .events = POLLIN};
		}
	}
	poll(pf, (nfds_t)n, 100);
	for (c = t->conns; c; c = c->next) {
		struct ibv_cq *cq;
		void *ctx;

		if (!ibv_get_cq_event(c->ch, &cq, &ctx)) {
			ibv_ack_cq_events(cq, 1);
			c->cq_armed = false;
		}
	}
}

/* Free the dead connections whose work is all reaped. */
static void
rt_reap_all(struct rt *t)
{
	struct rt_conn **pp = &t->conns, *c, *next;

	while ((c = *pp)) {
		next = c->next; /* c may be freed */
		if (rt_conn_reap(c)) {
			*pp = next;
		} else {
			pp = &c->next;
		}
	}
}

static int
rt_run(struct iop_target *base, volatile sig_atomic_t *stop)
{
	struct rt *t = (struct rt *)base;
	struct rt_conn *c;
	int rc, work;

	rc = iop_nvme_pg_create(t->nvme, (unsigned int)t->o.queue_depth * 4, &t->pg);
	if (rc) {
		return rc;
	}
	while (!*stop) {
		work = rt_cm_poll(t);
		for (c = t->conns; c; c = c->next) {
			work += rt_conn_poll(c);
			if (atomic_exchange(&c->disc_req, false)) {
				rt_conn_kill(c, "controller asked to disconnect");
			}
		}
		work += iop_nvme_pg_poll(t->pg);
		rt_reap_all(t);
		if (!work && t->interrupt) {
			rt_wait(t);
		}
	}
	/* Orderly stop: disconnect everyone and drain. */
	for (c = t->conns; c; c = c->next) {
		rt_conn_kill(c, NULL);
	}
	for (uint64_t t0 = iop_now_ns(); t->conns && iop_now_ns() - t0 < 3 * RT_DRAIN_NS;) {
		rt_cm_poll(t);
		for (c = t->conns; c; c = c->next) {
			rt_conn_poll(c);
		}
		iop_nvme_pg_poll(t->pg);
		rt_reap_all(t);
	}
	IOP_NOTICE("nvmf-rdma stats: capsules %llu%s, in-capsule writes %llu, RDMA READ %llu, "
		   "RDMA WRITE %llu, SEND WITH INVALIDATE %llu, rejected connects %llu",
		   (unsigned long long)t->st.capsules, t->srq ? " (through the SRQ)" : "",
		   (unsigned long long)t->st.incapsule,
		   (unsigned long long)t->st.rdma_read, (unsigned long long)t->st.rdma_write,
		   (unsigned long long)t->st.send_inv, (unsigned long long)t->st.rejects);
	if (!t->conns) {
		iop_nvme_pg_destroy(t->pg);
		t->pg = NULL;
	}
	return 0;
}

static void
rt_destroy(struct iop_target *base)
{
	struct rt *t = (struct rt *)base;
	struct rt_pd *p;

	if (!t) {
		return;
	}
	if (t->conns) {
		IOP_WARN("nvmf-rdma: connections still busy at exit");
		return; /* leak rather than free what the core still uses */
	}
	if (t->lid) {
		rdma_destroy_id(t->lid);
	}
	if (t->srq) {
		ibv_destroy_srq(t->srq);
	}
	if (t->srq_mr) {
		ibv_dereg_mr(t->srq_mr);
	}
	free(t->srq_buf);
	while ((p = t->pds)) {
		t->pds = p->next;
		ibv_dealloc_pd(p->pd);
		free(p);
	}
	if (t->ec) {
		rdma_destroy_event_channel(t->ec);
	}
	if (t->nvme) {
		iop_nvme_tgt_destroy(t->nvme);
	}
	free(t);
}

static const struct iop_target_ops nvmf_rdma_target_ops = {
	.scheme = "nvmf-rdma",
	.help = "NVMe over RDMA target (librdmacm/libibverbs; soft-RoCE works): "
		"nvmf-rdma://ADDR:PORT/NQN [--interrupt] "
		"[--opts in_capsule=8k,max_io=128k,queue_depth=128,kato=0,srq=512]",
	.create = rt_create,
	.run = rt_run,
	.destroy = rt_destroy,
};

IOP_TARGET_REGISTER(nvmf_rdma_target_ops)
