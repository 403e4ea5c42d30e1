/* SPDX-License-Identifier: BSD-3-Clause */
/* vfio-user NVMe device: BAR0 registers via the core, queues in client memory, doorbell polling. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "iopath/log.h"
#include "iopath/nvme.h"
#include "iopath/target.h"
#include "iopath/util.h"
#include "vfu_internal.h"

/*
 * Queues live in the client's memory (DMA_MAP'd, mmapped here); their base pointers come from
 * the DMA table when the host creates them and are re-checked after every unmap. SQ tails and
 * CQ heads are read from the shared doorbell page (acquire loads); CQEs are written with the
 * status/phase word last (release store) so a polling host never sees a half-written entry.
 * Interrupts are coalesced: at most one per CQ per poll pass.
 */
#define VDEV_NQ          32u          /* admin + 31 I/O queue pairs; one MSI-X vector each */
#define VDEV_IOVMAX      (128 / 4 + 2) /* MDTS 128 KiB in 4 KiB pages, plus misalignment */
#define VDEV_BURST       64u          /* SQEs fetched per SQ per pass */
#define VDEV_QDEPTH_MAX  1024u
#define VDEV_DRAIN_NS    5000000000ull
#define VDEV_BOUNCE      (128u * 1024u + 2u * 4096u) /* data + PRP lists of fd-less memory */

struct vdev_sq;

/* Part of a C2H transfer that landed in the bounce buffer (client memory without an fd). */
struct vdev_seg {
	uint64_t iova;
	uint32_t off;
	uint32_t len;
};

struct vdev_req {
	struct iop_nvme_req req;
	struct vdev_sq *sq;
	struct vdev_req *next;
	struct iovec iov[VDEV_IOVMAX];
	uint8_t *bounce;           /* lazily allocated, for fd-less DMA regions */
	uint32_t bounce_used;
	uint32_t nsegs;
	struct vdev_seg segs[VDEV_IOVMAX];
};

struct vdev_sq {
	bool live;
	bool deleting;
	uint16_t qid;
	uint16_t cqid;
	uint32_t size;
	uint32_t head;
	uint64_t prp1;
	struct iop_nvme_cmd *base;
	struct iop_nvme_qpair *qp;
	struct vdev_req *reqs;
	struct vdev_req *free;
	struct vdev_req *pend_head, *pend_tail; /* completions waiting for CQ room */
	struct iop_nvme_req *del_req;           /* Delete I/O SQ waiting for in-flight I/O */
	struct vfu_nvme *n;
};

struct vdev_cq {
	bool live;
	bool ien;
	bool irq;
	uint8_t phase;
	uint16_t iv;
	uint32_t size;
	uint32_t tail;
	uint64_t prp1;
	struct iop_nvme_cpl *base;
};

struct vfu_nvme {
	struct vfu_nvme_env env;
	struct iop_nvme_tgt *tgt;
	struct iop_nvme_subsys *ss;
	struct iop_nvme_pg *pg;
	struct iop_nvme_ctrlr *ctrlr;
	struct vdev_sq sq[VDEV_NQ];
	struct vdev_cq cq[VDEV_NQ];
	uint16_t live_sq[VDEV_NQ];  /* qids of live SQs, for the hot loop */
	unsigned int nr_live;
	uint32_t irq_mask;          /* CQs with new entries since the last interrupt pass */
	unsigned int nr_del;        /* Delete I/O SQ commands waiting for in-flight I/O */
	bool fatal;                 /* queue memory vanished: stop fetching until reset */
	bool draining;              /* completions are dropped, not posted */
	struct vdev_req *cur;       /* request being prepared (translate bounces for it) */
};

uint32_t
vfu_nvme_nvec(void)
{
	return VDEV_NQ;
}

/*
 * Guest address -> pointer. Memory mapped with an fd is used in place. Memory the client
 * mapped without one is bounced: reads (H2C data, PRP lists) are fetched now with DMA_READ,
 * writes (C2H data) are recorded and sent with DMA_WRITE when the command completes.
 */
static void *
vdev_translate(void *ctx, uint64_t addr, uint64_t len, bool write)
{
	struct vfu_nvme *n = ctx;
	const struct vfu_dma_region *reg = vfu_dma_find(n->env.dma, addr, len, write);
	struct vdev_req *r = n->cur;
	uint8_t *p;

	if (!reg) {
		return NULL;
	}
	if (reg->map) {
		return reg->map + (addr - reg->addr);
	}
	if (!r || !n->env.dma_rw || len > VDEV_BOUNCE - r->bounce_used ||
	    r->nsegs == VDEV_IOVMAX) {
		return NULL;
	}
	if (!r->bounce) {
		r->bounce = malloc(VDEV_BOUNCE);
		if (!r->bounce) {
			return NULL;
		}
	}
	p = r->bounce + r->bounce_used;
	if (write) {
		r->segs[r->nsegs++] = (struct vdev_seg){.iova = addr, .off = r->bounce_used,
							.len = (uint32_t)len};
	} else if (n->env.dma_rw(n->env.arg, false, addr, p, len)) {
		return NULL;
	}
	r->bounce_used += (uint32_t)IOP_ALIGN_UP(len, 8);
	return p;
}

/* C2H data of a bounced command goes back to the client before the CQE. */
static void
vdev_bounce_out(struct vfu_nvme *n, struct vdev_req *r)
{
	for (uint32_t i = 0; i < r->nsegs; i++) {
		if (n->env.dma_rw(n->env.arg, true, r->segs[i].iova, r->bounce + r->segs[i].off,
				  r->segs[i].len)) {
			r->req.cpl.status = (uint16_t)(IOP_NVME_STATUS(IOP_NVME_SCT_GENERIC,
						       IOP_NVME_SC_DATA_TRANSFER_ERROR) << 1);
			break;
		}
	}
	r->nsegs = 0;
}

static void
vdev_live_rebuild(struct vfu_nvme *n)
{
	n->nr_live = 0;
	for (uint16_t q = 0; q < VDEV_NQ; q++) {
		if (n->sq[q].live && !n->sq[q].deleting) {
			n->live_sq[n->nr_live++] = q;
		}
	}
}

/* ---- completion posting ---- */

static bool
vdev_cq_full(struct vfu_nvme *n, struct vdev_cq *cq, uint16_t cqid)
{
	uint32_t head = __atomic_load_n(&n->env.db[2 * cqid + 1], __ATOMIC_ACQUIRE);

	if (head >= cq->size) {
		return true; /* invalid doorbell value: treat as full until the host fixes it */
	}
	return (cq->tail + 1) % cq->size == head;
}

static bool
vdev_cq_post(struct vfu_nvme *n, struct vdev_sq *sq, struct vdev_req *r)
{
	struct vdev_cq *cq = &n->cq[sq->cqid];
	struct iop_nvme_cpl *e;
	uint16_t status;

	if (!cq->live || vdev_cq_full(n, cq, sq->cqid)) {
		return false;
	}
	e = &cq->base[cq->tail];
	e->cdw0 = r->req.cpl.cdw0;
	e->cdw1 = r->req.cpl.cdw1;
	e->sqhd = (uint16_t)sq->head;
	e->sqid = sq->qid;
	e->cid = r->req.cmd.cid;
	status = (uint16_t)((r->req.cpl.status & 0xfffe) | cq->phase);
	__atomic_store_n(&e->status, status, __ATOMIC_RELEASE);
	if (++cq->tail == cq->size) {
		cq->tail = 0;
		cq->phase ^= 1;
	}
	cq->irq = true;
	n->irq_mask |= 1u << sq->cqid;
	return true;
}

static void
vdev_req_put(struct vdev_sq *sq, struct vdev_req *r)
{
	r->next = sq->free;
	sq->free = r;
}

static void
vdev_done(struct iop_nvme_req *req)
{
	struct vdev_req *r = iop_container_of(req, struct vdev_req, req);
	struct vdev_sq *sq = r->sq;
	struct vfu_nvme *n = sq->n;

	if (iop_unlikely(r->nsegs) && !n->draining && !sq->deleting && !(r->req.cpl.status >> 1)) {
		vdev_bounce_out(n, r);
	}
	if (n->draining || sq->deleting || (!sq->pend_head && vdev_cq_post(n, sq, r))) {
		vdev_req_put(sq, r);
		return;
	}
	r->next = NULL;
	if (sq->pend_tail) {
		sq->pend_tail->next = r;
	} else {
		sq->pend_head = r;
	}
	sq->pend_tail = r;
}

static int
vdev_flush_pending(struct vfu_nvme *n, struct vdev_sq *sq)
{
	int done = 0;

	while (sq->pend_head && vdev_cq_post(n, sq, sq->pend_head)) {
		struct vdev_req *r = sq->pend_head;

		sq->pend_head = r->next;
		if (!sq->pend_head) {
			sq->pend_tail = NULL;
		}
		vdev_req_put(sq, r);
		done++;
	}
	return done;
}

static void
vdev_flush_irqs(struct vfu_nvme *n)
{
	uint32_t mask = n->irq_mask;

	n->irq_mask = 0;
	while (mask) {
		struct vdev_cq *cq = &n->cq[__builtin_ctz(mask)];

		mask &= mask - 1;
		if (cq->irq) {
			cq->irq = false;
			if (cq->ien && n->env.irq) {
				n->env.irq(n->env.arg, cq->iv);
			}
		}
	}
}

/* ---- queues ---- */

static void
vdev_qp_disconnect(struct iop_nvme_qpair *qp, void *ctx, int reason)
{
	/* PCIe queues are torn down by CC.EN=0 / Delete SQ / reset, which we drive ourselves. */
}

static const struct iop_nvme_qpair_ops vdev_qp_ops = {
	.disconnect = vdev_qp_disconnect,
};

static int
vdev_sq_init(struct vfu_nvme *n, uint16_t qid, uint16_t cqid, uint32_t size, uint64_t prp1)
{
	struct vdev_sq *sq = &n->sq[qid];
	int rc;

	sq->base = vfu_dma_ptr(n->env.dma, prp1, (uint64_t)size * sizeof(struct iop_nvme_cmd),
			       false);
	if (!sq->base) {
		return -EFAULT;
	}
	sq->reqs = calloc(size, sizeof(*sq->reqs));
	if (!sq->reqs) {
		return -ENOMEM;
	}
	rc = iop_nvme_qpair_create_pcie(n->pg, n->ctrlr, qid, size, &vdev_qp_ops, sq, &sq->qp);
	if (rc) {
		free(sq->reqs);
		sq->reqs = NULL;
		return rc;
	}
	sq->n = n;
	sq->qid = qid;
	sq->cqid = cqid;
	sq->size = size;
	sq->head = 0;
	sq->prp1 = prp1;
	sq->free = NULL;
	sq->pend_head = sq->pend_tail = NULL;
	sq->del_req = NULL;
	sq->deleting = false;
	for (uint32_t i = 0; i < size; i++) {
		sq->reqs[i].sq = sq;
		vdev_req_put(sq, &sq->reqs[i]);
	}
	sq->live = true;
	__atomic_store_n(&n->env.db[2 * qid], 0, __ATOMIC_RELAXED);
	vdev_live_rebuild(n);
	return 0;
}

static int
vdev_cq_init(struct vfu_nvme *n, uint16_t qid, uint32_t size, uint64_t prp1, bool ien,
	     uint16_t iv)
{
	struct vdev_cq *cq = &n->cq[qid];

	cq->base = vfu_dma_ptr(n->env.dma, prp1, (uint64_t)size * sizeof(struct iop_nvme_cpl),
			       true);
	if (!cq->base) {
		return -EFAULT;
	}
	cq->size = size;
	cq->tail = 0;
	cq->phase = 1;
	cq->ien = ien;
	cq->iv = iv;
	cq->irq = false;
	cq->prp1 = prp1;
	cq->live = true;
	__atomic_store_n(&n->env.db[2 * qid + 1], 0, __ATOMIC_RELAXED);
	return 0;
}

/* Run the backend until no request of sq is in flight (bounded). */
static void
vdev_sq_drain(struct vfu_nvme *n, struct vdev_sq *sq)
{
	uint64_t t0 = iop_now_ns();

	while (sq->qp && iop_nvme_qpair_inflight(sq->qp)) {
		iop_nvme_pg_poll(n->pg);
		if (iop_now_ns() - t0 > VDEV_DRAIN_NS) {
			IOP_ERR("vfio-user: qid %u: I/O still in flight after 5 s", sq->qid);
			break;
		}
	}
}

static void
vdev_sq_destroy(struct vfu_nvme *n, struct vdev_sq *sq)
{
	if (sq->qp) {
		iop_nvme_qpair_stop(sq->qp);
		vdev_sq_drain(n, sq);
		iop_nvme_qpair_destroy(sq->qp);
		sq->qp = NULL;
	}
	for (uint32_t i = 0; sq->reqs && i < sq->size; i++) {
		free(sq->reqs[i].bounce);
	}
	free(sq->reqs);
	sq->reqs = NULL;
	sq->free = sq->pend_head = sq->pend_tail = NULL;
	sq->live = false;
	sq->deleting = false;
	sq->base = NULL;
}

/* Drop every queue (controller disable / reset). I/O queues first, admin last. */
static void
vdev_drop_queues(struct vfu_nvme *n)
{
	bool was = n->draining;

	n->draining = true;
	for (uint16_t q = VDEV_NQ; q-- > 0;) {
		if (n->sq[q].live || n->sq[q].qp) {
			if (n->sq[q].del_req) {
				/* its Delete SQ dies with the admin queue (draining: not posted) */
				struct iop_nvme_req *req = n->sq[q].del_req;

				n->sq[q].del_req = NULL;
				n->nr_del--;
				iop_nvme_req_complete(req, IOP_NVME_STATUS(IOP_NVME_SCT_GENERIC,
						      IOP_NVME_SC_ABORTED_SQ_DELETION));
			}
			vdev_sq_destroy(n, &n->sq[q]);
		}
		memset(&n->cq[q], 0, sizeof(n->cq[q]));
	}
	n->draining = was;
	n->fatal = false;
	n->irq_mask = 0;
	vdev_live_rebuild(n);
}

/* ---- controller hooks ---- */

static int
vdev_enable(void *ctx, struct iop_nvme_ctrlr *c)
{
	struct vfu_nvme *n = ctx;
	uint32_t aqa;
	uint64_t asq, acq;
	int rc;

	if (iop_nvme_ctrlr_reg_read(c, IOP_NVME_REG_AQA, &aqa, 4) ||
	    iop_nvme_ctrlr_reg_read(c, IOP_NVME_REG_ASQ, &asq, 8) ||
	    iop_nvme_ctrlr_reg_read(c, IOP_NVME_REG_ACQ, &acq, 8)) {
		return -EINVAL;
	}
	rc = vdev_cq_init(n, 0, IOP_NVME_AQA_ACQS(aqa), acq, true, 0);
	if (rc) {
		IOP_WARN("vfio-user: admin CQ at 0x%llx not in mapped memory",
			 (unsigned long long)acq);
		return rc;
	}
	rc = vdev_sq_init(n, 0, 0, IOP_NVME_AQA_ASQS(aqa), asq);
	if (rc) {
		IOP_WARN("vfio-user: admin SQ at 0x%llx: %s", (unsigned long long)asq, strerror(-rc));
		n->cq[0].live = false;
		return rc;
	}
	n->fatal = false;
	return 0;
}

static void
vdev_disable(void *ctx, struct iop_nvme_ctrlr *c)
{
	vdev_drop_queues(ctx);
}

static void
vdev_shutdown(void *ctx, struct iop_nvme_ctrlr *c)
{
	struct vfu_nvme *n = ctx;

	for (uint16_t q = 1; q < VDEV_NQ; q++) {
		if (n->sq[q].qp) {
			vdev_sq_drain(n, &n->sq[q]);
		}
	}
}

static uint16_t
vdev_create_cq(void *ctx, struct iop_nvme_req *req, const struct iop_nvme_pcie_queue *q)
{
	struct vfu_nvme *n = ctx;

	if (q->qid == 0 || q->qid >= VDEV_NQ || n->cq[q->qid].live) {
		return IOP_NVME_STATUS(IOP_NVME_SCT_COMMAND_SPECIFIC,
				       IOP_NVME_SC_INVALID_QUEUE_IDENTIFIER) | IOP_NVME_STATUS_DNR;
	}
	if (q->ien && q->iv >= VDEV_NQ) {
		return IOP_NVME_STATUS(IOP_NVME_SCT_COMMAND_SPECIFIC,
				       IOP_NVME_SC_INVALID_INTERRUPT_VECTOR) | IOP_NVME_STATUS_DNR;
	}
	if (vdev_cq_init(n, q->qid, q->qsize, q->prp1, q->ien, q->iv)) {
		return IOP_NVME_STATUS(IOP_NVME_SCT_GENERIC, IOP_NVME_SC_DATA_TRANSFER_ERROR) |
		       IOP_NVME_STATUS_DNR;
	}
	return 0;
}

static uint16_t
vdev_create_sq(void *ctx, struct iop_nvme_req *req, const struct iop_nvme_pcie_queue *q)
{
	struct vfu_nvme *n = ctx;
	int rc;

	if (q->qid == 0 || q->qid >= VDEV_NQ || n->sq[q->qid].live) {
		return IOP_NVME_STATUS(IOP_NVME_SCT_COMMAND_SPECIFIC,
				       IOP_NVME_SC_INVALID_QUEUE_IDENTIFIER) | IOP_NVME_STATUS_DNR;
	}
	if (q->cqid == 0 || q->cqid >= VDEV_NQ || !n->cq[q->cqid].live) {
		return IOP_NVME_STATUS(IOP_NVME_SCT_COMMAND_SPECIFIC,
				       IOP_NVME_SC_COMPLETION_QUEUE_INVALID) | IOP_NVME_STATUS_DNR;
	}
	rc = vdev_sq_init(n, q->qid, q->cqid, q->qsize, q->prp1);
	if (rc == -EFAULT) {
		return IOP_NVME_STATUS(IOP_NVME_SCT_GENERIC, IOP_NVME_SC_DATA_TRANSFER_ERROR) |
		       IOP_NVME_STATUS_DNR;
	}
	if (rc) {
		return IOP_NVME_STATUS(IOP_NVME_SCT_GENERIC, IOP_NVME_SC_INTERNAL_DEVICE_ERROR);
	}
	return 0;
}

static uint16_t
vdev_delete_sq(void *ctx, struct iop_nvme_req *req, uint16_t qid)
{
	struct vfu_nvme *n = ctx;
	struct vdev_sq *sq;

	if (qid == 0 || qid >= VDEV_NQ || !n->sq[qid].live || n->sq[qid].deleting) {
		return IOP_NVME_STATUS(IOP_NVME_SCT_COMMAND_SPECIFIC,
				       IOP_NVME_SC_INVALID_QUEUE_IDENTIFIER) | IOP_NVME_STATUS_DNR;
	}
	sq = &n->sq[qid];
	sq->deleting = true;
	vdev_live_rebuild(n);
	if (iop_nvme_qpair_stop(sq->qp) == 0) {
		vdev_sq_destroy(n, sq);
		return 0;
	}
	sq->del_req = req; /* finished in vfu_nvme_poll once the backend returned everything */
	n->nr_del++;
	return IOP_NVME_IN_PROGRESS;
}

static uint16_t
vdev_delete_cq(void *ctx, struct iop_nvme_req *req, uint16_t qid)
{
	struct vfu_nvme *n = ctx;

	if (qid == 0 || qid >= VDEV_NQ || !n->cq[qid].live) {
		return IOP_NVME_STATUS(IOP_NVME_SCT_COMMAND_SPECIFIC,
				       IOP_NVME_SC_INVALID_QUEUE_IDENTIFIER) | IOP_NVME_STATUS_DNR;
	}
	for (uint16_t q = 1; q < VDEV_NQ; q++) {
		if (n->sq[q].live && n->sq[q].cqid == qid) {
			return IOP_NVME_STATUS(IOP_NVME_SCT_COMMAND_SPECIFIC,
					       IOP_NVME_SC_INVALID_QUEUE_DELETION) |
			       IOP_NVME_STATUS_DNR;
		}
	}
	memset(&n->cq[qid], 0, sizeof(n->cq[qid]));
	return 0;
}

static const struct iop_nvme_pcie_ops vdev_pcie_ops = {
	.enable = vdev_enable,
	.disable = vdev_disable,
	.shutdown = vdev_shutdown,
	.create_cq = vdev_create_cq,
	.create_sq = vdev_create_sq,
	.delete_sq = vdev_delete_sq,
	.delete_cq = vdev_delete_cq,
	.translate = vdev_translate,
};

/* ---- hot path ---- */

static int
vdev_sq_fetch(struct vfu_nvme *n, struct vdev_sq *sq)
{
	uint32_t tail = __atomic_load_n(&n->env.db[2 * sq->qid], __ATOMIC_ACQUIRE);
	int done = 0;

	if (iop_unlikely(tail >= sq->size)) {
		IOP_ERR_RATELIMIT("vfio-user: SQ %u tail doorbell %u >= size %u ignored", sq->qid,
				  tail, sq->size);
		return 0;
	}
	while (sq->head != tail && done < (int)VDEV_BURST && sq->free) {
		struct vdev_req *r = sq->free;

		sq->free = r->next;
		memcpy(&r->req.cmd, &sq->base[sq->head], sizeof(r->req.cmd));
		if (++sq->head == sq->size) {
			sq->head = 0;
		}
		memset(&r->req.cpl, 0, sizeof(r->req.cpl));
		r->req.qpair = sq->qp;
		r->req.done = vdev_done;
		r->req.ctx = r;
		r->req.iov = r->iov;
		r->req.iovmax = VDEV_IOVMAX;
		r->req.iovcnt = 0;
		r->req.data_len = 0;
		r->bounce_used = 0;
		r->nsegs = 0;
		n->cur = r;
		iop_nvme_req_prepare(&r->req);
		n->cur = NULL;
		iop_nvme_req_exec(&r->req);
		done++;
	}
	return done;
}

int
vfu_nvme_poll(struct vfu_nvme *n)
{
	int work = 0;

	if (iop_likely(!n->fatal)) {
		for (unsigned int i = 0; i < n->nr_live; i++) {
			struct vdev_sq *sq = &n->sq[n->live_sq[i]];

			if (iop_unlikely(sq->pend_head != NULL)) {
				work += vdev_flush_pending(n, sq);
			}
			work += vdev_sq_fetch(n, sq);
		}
	}
	work += iop_nvme_pg_poll(n->pg);
	for (uint16_t q = 1; iop_unlikely(n->nr_del) && q < VDEV_NQ; q++) {
		struct vdev_sq *sq = &n->sq[q];

		if (sq->del_req && !iop_nvme_qpair_inflight(sq->qp)) {
			struct iop_nvme_req *req = sq->del_req;

			sq->del_req = NULL;
			n->nr_del--;
			vdev_sq_destroy(n, sq);
			iop_nvme_req_complete(req, 0);
			work++;
		}
	}
	if (n->irq_mask) {
		vdev_flush_irqs(n);
	}
	return work;
}

/* ---- registers, reset, DMA changes ---- */

int
vfu_nvme_reg_access(struct vfu_nvme *n, uint64_t off, void *buf, uint32_t count, bool write)
{
	int rc;

	if (off >= IOP_NVME_REG_SPACE_SIZE) {
		return -EINVAL;
	}
	if (write) {
		rc = iop_nvme_ctrlr_reg_write(n->ctrlr, (uint32_t)off, buf, count);
		vdev_flush_irqs(n);
	} else {
		rc = iop_nvme_ctrlr_reg_read(n->ctrlr, (uint32_t)off, buf, count);
	}
	return rc ? -EINVAL : 0;
}

static int
vdev_ctrlr_new(struct vfu_nvme *n)
{
	return iop_nvme_ctrlr_create_pcie(n->ss, &vdev_pcie_ops, n, &n->ctrlr);
}

void
vfu_nvme_reset(struct vfu_nvme *n)
{
	vdev_drop_queues(n);
	if (n->ctrlr) {
		iop_nvme_ctrlr_destroy_pcie(n->ctrlr);
		n->ctrlr = NULL;
	}
	if (vdev_ctrlr_new(n)) {
		IOP_ERR("vfio-user: cannot re-create the NVMe controller after reset");
	}
}

/*
 * I/O queues only: their requests hold pointers into client memory until the backend is done.
 * Admin commands with data complete inside exec; the admin requests the core keeps (Async Event
 * Requests, a Delete SQ in progress) carry no data and may stay outstanding indefinitely.
 */
void
vfu_nvme_quiesce(struct vfu_nvme *n)
{
	for (uint16_t q = 1; q < VDEV_NQ; q++) {
		if (n->sq[q].qp) {
			vdev_sq_drain(n, &n->sq[q]);
		}
	}
	vdev_flush_irqs(n);
}

void
vfu_nvme_dma_changed(struct vfu_nvme *n)
{
	for (uint16_t q = 0; q < VDEV_NQ; q++) {
		struct vdev_sq *sq = &n->sq[q];
		struct vdev_cq *cq = &n->cq[q];

		if (sq->live && sq->base &&
		    !vfu_dma_ptr(n->env.dma, sq->prp1,
				 (uint64_t)sq->size * sizeof(struct iop_nvme_cmd), false)) {
			sq->base = NULL;
			n->fatal = true;
		}
		if (cq->live && !vfu_dma_ptr(n->env.dma, cq->prp1,
					     (uint64_t)cq->size * sizeof(struct iop_nvme_cpl), true)) {
			/* never written again: later completions stay pending until reset */
			cq->live = false;
			cq->base = NULL;
			n->fatal = true;
		}
	}
	if (n->fatal) {
		IOP_WARN("vfio-user: queue memory unmapped while queues live: controller halted "
			 "until reset");
	}
}

bool
vfu_nvme_busy(struct vfu_nvme *n)
{
	if (n->nr_del) {
		return true;
	}
	for (unsigned int i = 0; i < n->nr_live; i++) {
		if (n->sq[n->live_sq[i]].pend_head) {
			return true;
		}
	}
	return false;
}

bool
vfu_nvme_irq_pending(struct vfu_nvme *n)
{
	for (uint16_t q = 0; q < VDEV_NQ; q++) {
		const struct vdev_cq *cq = &n->cq[q];

		if (cq->live && cq->ien &&
		    __atomic_load_n(&n->env.db[2 * q + 1], __ATOMIC_ACQUIRE) != cq->tail) {
			return true;
		}
	}
	return false;
}

int
vfu_nvme_wait_fd(struct vfu_nvme *n)
{
	int fd = -1;

	return iop_nvme_pg_fds(n->pg, &fd, 1) > 0 ? fd : -1;
}

int
vfu_nvme_create(const struct iop_target_cfg *cfg, const struct vfu_nvme_env *env,
		struct vfu_nvme **out)
{
	struct iop_nvme_tgt_opts opts;
	struct vfu_nvme *n;
	int rc;

	n = calloc(1, sizeof(*n));
	if (!n) {
		return -ENOMEM;
	}
	n->env = *env;
	iop_nvme_tgt_opts_default(&opts);
	opts.max_io_queues = VDEV_NQ - 1;
	opts.max_queue_depth = VDEV_QDEPTH_MAX;
	opts.serial = "IOPATHVFU0001";
	opts.model = "iopath vfio-user NVMe";
	rc = iop_nvme_tgt_create(&opts, &n->tgt);
	if (rc) {
		goto fail;
	}
	rc = iop_nvme_subsys_create(n->tgt, "nqn.2024-01.io.iopath:vfio-user", NULL, NULL, &n->ss);
	if (rc) {
		goto fail;
	}
	iop_nvme_subsys_allow_any_host(n->ss, true);
	for (unsigned int i = 0; i < cfg->nr_backends; i++) {
		rc = iop_nvme_subsys_add_ns(n->ss, cfg->backends[i], i + 1, NULL);
		if (rc) {
			IOP_ERR("vfio-user: namespace %u: %s", i + 1, strerror(-rc));
			goto fail;
		}
	}
	rc = iop_nvme_pg_create(n->tgt, VDEV_QDEPTH_MAX * 4, &n->pg);
	if (rc) {
		goto fail;
	}
	rc = vdev_ctrlr_new(n);
	if (rc) {
		goto fail;
	}
	*out = n;
	return 0;
fail:
	vfu_nvme_destroy(n);
	return rc;
}

void
vfu_nvme_destroy(struct vfu_nvme *n)
{
	if (!n) {
		return;
	}
	vdev_drop_queues(n);
	if (n->ctrlr) {
		iop_nvme_ctrlr_destroy_pcie(n->ctrlr);
	}
	if (n->pg) {
		iop_nvme_pg_destroy(n->pg);
	}
	if (n->tgt) {
		iop_nvme_tgt_destroy(n->tgt);
	}
	free(n);
}
