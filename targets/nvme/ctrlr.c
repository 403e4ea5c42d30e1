/* SPDX-License-Identifier: BSD-3-Clause */
/* NVMe controller state: registers/properties (CC -> CSTS), qpairs, poll groups, request flow. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "iopath/log.h"
#include "iopath/util.h"
#include "targets/nvme/nvme_internal.h"

/* ------------------------------------------------------------------------------------------ */
/* Controllers                                                                                */

int
nvme_ctrlr_alloc(struct iop_nvme_subsys *ss, bool pcie, const char *hostnqn,
		 const uint8_t hostid[16], struct iop_nvme_ctrlr **out)
{
	struct iop_nvme_tgt *tgt = ss->tgt;
	const struct iop_nvme_tgt_opts *o = &tgt->opts;
	struct iop_nvme_ctrlr *c = calloc(1, sizeof(*c));
	uint16_t id = 0;

	if (!c) {
		return -ENOMEM;
	}
	/* Fully initialise before publishing on ss->ctrlrs: I/O Connects on other threads look
	 * controllers up (hostnqn, lock) as soon as they are listed. */
	pthread_mutex_init(&c->lock, NULL);
	c->tgt = tgt;
	c->ss = ss;
	c->pcie = pcie;
	c->discovery = ss->discovery;
	if (hostnqn) {
		snprintf(c->hostnqn, sizeof(c->hostnqn), "%s", hostnqn);
	}
	if (hostid) {
		memcpy(c->hostid, hostid, sizeof(c->hostid));
	}
	c->cap = (uint64_t)(o->max_queue_depth - 1) | IOP_NVME_CAP_CQR |
		 (2ull << IOP_NVME_CAP_TO_SHIFT) | /* 1 s */
		 (c->discovery ? IOP_NVME_CAP_CSS_NOIO | IOP_NVME_CAP_CSS_NVM : IOP_NVME_CAP_CSS_NVM);
	/* MPSMIN = MPSMAX = 0: 4 KiB pages; DSTRD 0 */
	c->vs = IOP_NVME_VS_1_4;
	c->max_io_queues = c->discovery ? 0 : o->max_io_queues;
	c->create_ns = iop_now_ns();
	for (uint32_t i = 0; i < IOP_NVME_MAX_NS; i++) {
		struct iop_nvme_ns *ns = nvme_ns_get(ss, i + 1);

		if (ns && ns->be->info.volatile_cache) {
			c->vwc_present = true;
			c->wce = true;
		}
	}

	pthread_mutex_lock(&tgt->lock);
	/* Dynamic controller model: the next free ID in 1..FFEFh, wrapping. */
	for (unsigned int tries = 0; tries < IOP_NVMF_CNTLID_MAX && !id; tries++) {
		uint16_t cand = ss->next_cntlid;
		bool used = false;

		ss->next_cntlid = cand >= IOP_NVMF_CNTLID_MAX ? 1 : cand + 1;
		for (struct iop_nvme_ctrlr *o2 = ss->ctrlrs; o2; o2 = o2->next) {
			if (o2->cntlid == cand) {
				used = true;
				break;
			}
		}
		if (!used) {
			id = cand;
		}
	}
	if (!id) {
		pthread_mutex_unlock(&tgt->lock);
		pthread_mutex_destroy(&c->lock);
		free(c);
		return -ENOSPC;
	}
	c->cntlid = id;
	c->next = ss->ctrlrs;
	ss->ctrlrs = c;
	ss->nctrlrs++;
	pthread_mutex_unlock(&tgt->lock);
	*out = c;
	return 0;
}

static void
ctrlr_free(struct iop_nvme_ctrlr *c)
{
	struct iop_nvme_tgt *tgt = c->tgt;
	struct iop_nvme_ctrlr **pp;

	pthread_mutex_lock(&tgt->lock);
	for (pp = &c->ss->ctrlrs; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			c->ss->nctrlrs--;
			break;
		}
	}
	pthread_mutex_unlock(&tgt->lock);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

uint16_t
iop_nvme_ctrlr_cntlid(const struct iop_nvme_ctrlr *c)
{
	return c->cntlid;
}

struct iop_nvme_subsys *
iop_nvme_ctrlr_subsys(const struct iop_nvme_ctrlr *c)
{
	return c->ss;
}

const char *
iop_nvme_ctrlr_hostnqn(const struct iop_nvme_ctrlr *c)
{
	return c->hostnqn;
}

uint32_t
iop_nvme_ctrlr_cc(const struct iop_nvme_ctrlr *c)
{
	return __atomic_load_n(&c->cc, __ATOMIC_ACQUIRE);
}

uint32_t
iop_nvme_ctrlr_csts(const struct iop_nvme_ctrlr *c)
{
	return nvme_csts(c);
}

uint32_t
iop_nvme_ctrlr_kato(const struct iop_nvme_ctrlr *c)
{
	return c->kato_ms;
}

uint32_t
nvme_ctrlr_page_size(const struct iop_nvme_ctrlr *c)
{
	return 4096u << IOP_NVME_CC_MPS(iop_nvme_ctrlr_cc(c));
}

int
nvme_ctrlr_attach_qpair(struct iop_nvme_ctrlr *c, struct iop_nvme_qpair *qp, uint16_t qid)
{
	int rc = 0;

	pthread_mutex_lock(&c->lock);
	if (qid == 0) {
		if (c->admin || c->admin_gone) {
			rc = -EEXIST;
		} else {
			c->admin = qp;
		}
	} else if (c->admin_gone || qid > c->max_io_queues) {
		rc = -EINVAL;
	} else if (c->ioq[qid]) {
		rc = -EEXIST;
	} else {
		c->ioq[qid] = qp;
	}
	if (!rc) {
		c->nqpairs++;
		qp->ctrlr = c;
		qp->qid = qid;
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}

/* Caller holds c->lock. */
static void
ctrlr_disconnect_qpair_locked(struct iop_nvme_qpair *qp, int reason)
{
	if (qp && !qp->disconnect_sent) {
		qp->disconnect_sent = true;
		if (qp->ops && qp->ops->disconnect) {
			qp->ops->disconnect(qp, qp->ctx, reason);
		}
	}
}

void
nvme_ctrlr_disconnect_all(struct iop_nvme_ctrlr *c, bool include_admin, int reason)
{
	pthread_mutex_lock(&c->lock);
	for (unsigned int q = 1; q <= IOP_NVME_MAX_IO_QUEUES; q++) {
		ctrlr_disconnect_qpair_locked(c->ioq[q], reason);
	}
	if (include_admin) {
		ctrlr_disconnect_qpair_locked(c->admin, reason);
	}
	pthread_mutex_unlock(&c->lock);
}

static void
stats_add(struct nvme_stats *dst, const struct nvme_stats *src)
{
	dst->read_cmds += __atomic_load_n(&src->read_cmds, __ATOMIC_RELAXED);
	dst->write_cmds += __atomic_load_n(&src->write_cmds, __ATOMIC_RELAXED);
	dst->bytes_read += __atomic_load_n(&src->bytes_read, __ATOMIC_RELAXED);
	dst->bytes_written += __atomic_load_n(&src->bytes_written, __ATOMIC_RELAXED);
}

void
nvme_ctrlr_stats(struct iop_nvme_ctrlr *c, struct nvme_stats *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&c->lock);
	stats_add(out, &c->stats_gone);
	for (unsigned int q = 1; q <= IOP_NVME_MAX_IO_QUEUES; q++) {
		if (c->ioq[q]) {
			stats_add(out, &c->ioq[q]->stats);
		}
	}
	pthread_mutex_unlock(&c->lock);
}

void
nvme_ctrlr_put_qpair(struct iop_nvme_ctrlr *c, struct iop_nvme_qpair *qp)
{
	bool free_now;

	pthread_mutex_lock(&c->lock);
	stats_add(&c->stats_gone, &qp->stats);
	if (qp == c->admin) {
		c->admin = NULL;
		if (!c->pcie) {
			/* The association ends with its admin queue (F 3.3). */
			c->admin_gone = true;
			for (unsigned int q = 1; q <= IOP_NVME_MAX_IO_QUEUES; q++) {
				ctrlr_disconnect_qpair_locked(c->ioq[q], -ECONNRESET);
			}
		}
	} else if (qp->qid > 0 && qp->qid <= IOP_NVME_MAX_IO_QUEUES && c->ioq[qp->qid] == qp) {
		c->ioq[qp->qid] = NULL;
	}
	c->nqpairs--;
	free_now = !c->pcie && c->admin_gone && c->nqpairs == 0;
	pthread_mutex_unlock(&c->lock);
	qp->ctrlr = NULL;
	if (free_now) {
		IOP_INFO(nvme, "controller %u of %s freed\n", c->cntlid, c->ss->nqn);
		ctrlr_free(c);
	}
}

void
nvme_ctrlr_record_error(struct iop_nvme_ctrlr *c, const struct iop_nvme_req *req, uint16_t status)
{
	struct iop_nvme_error_log *e;

	pthread_mutex_lock(&c->lock);
	e = &c->errlog[c->err_count % NVME_ERRLOG_ENTRIES];
	memset(e, 0, sizeof(*e));
	e->error_count = ++c->err_count;
	e->sqid = req->qpair->qid < 0 ? 0 : (uint16_t)req->qpair->qid;
	e->cid = req->cmd.cid;
	e->status = (uint16_t)(status << 1);
	e->error_location = 0xffff;
	e->nsid = req->cmd.nsid;
	e->trtype = c->pcie ? 0 : req->qpair->trtype;
	if (req->cmd.opc == IOP_NVME_OPC_READ || req->cmd.opc == IOP_NVME_OPC_WRITE) {
		e->lba = iop_nvme_cmd_slba(&req->cmd);
	}
	pthread_mutex_unlock(&c->lock);
}

/* ------------------------------------------------------------------------------------------ */
/* CC / CSTS state machine, properties, registers                                             */

static void
ctrlr_set_csts(struct iop_nvme_ctrlr *c, uint32_t csts)
{
	__atomic_store_n(&c->csts, csts, __ATOMIC_RELEASE);
}

static bool
ctrlr_cc_valid(const struct iop_nvme_ctrlr *c, uint32_t cc)
{
	uint32_t css = IOP_NVME_CC_CSS(cc);

	if (IOP_NVME_CC_MPS(cc) < IOP_NVME_CAP_MPSMIN(c->cap) ||
	    IOP_NVME_CC_MPS(cc) > IOP_NVME_CAP_MPSMAX(c->cap)) {
		return false;
	}
	if (c->discovery) {
		return css == IOP_NVME_CC_CSS_NVM || css == IOP_NVME_CC_CSS_ADMIN_ONLY;
	}
	if (css != IOP_NVME_CC_CSS_NVM) {
		return false;
	}
	/* I/O controllers need 64-byte SQEs and 16-byte CQEs (B 3.1.5: IOSQES/IOCQES). */
	return IOP_NVME_CC_IOSQES(cc) == 6 && IOP_NVME_CC_IOCQES(cc) == 4;
}

/* Controller reset (CC.EN 1 -> 0): queues go away, features return to defaults. */
static void
ctrlr_reset(struct iop_nvme_ctrlr *c)
{
	if (c->pcie) {
		if (c->pcie_ops && c->pcie_ops->disable) {
			c->pcie_ops->disable(c->pcie_ctx, c);
		}
	} else {
		nvme_ctrlr_disconnect_all(c, false, -ECONNRESET);
	}
	nvme_aer_abort_all(c);
	c->nq_set = false;
	c->kato_expired = false;
	c->kato_ms = c->pcie ? 0 : c->kato_ms;
	c->aec = 0;
	c->events_masked = 0;
	c->wce = c->vwc_present;
	ctrlr_set_csts(c, 0);
}

static void
ctrlr_write_cc(struct iop_nvme_ctrlr *c, uint32_t cc)
{
	uint32_t old = iop_nvme_ctrlr_cc(c);
	uint32_t csts = nvme_csts(c);

	__atomic_store_n(&c->cc, cc, __ATOMIC_RELEASE);
	if (!(old & IOP_NVME_CC_EN) && (cc & IOP_NVME_CC_EN)) {
		if (!ctrlr_cc_valid(c, cc)) {
			IOP_WARN("nvme: ctrlr %u enabled with invalid CC %#x\n", c->cntlid, cc);
			ctrlr_set_csts(c, csts | IOP_NVME_CSTS_CFS);
			return;
		}
		if (c->pcie && c->pcie_ops && c->pcie_ops->enable &&
		    c->pcie_ops->enable(c->pcie_ctx, c)) {
			ctrlr_set_csts(c, csts | IOP_NVME_CSTS_CFS);
			return;
		}
		c->last_ka_ns = iop_now_ns();
		csts &= ~IOP_NVME_CSTS_SHST_MASK;
		ctrlr_set_csts(c, csts | IOP_NVME_CSTS_RDY);
	} else if ((old & IOP_NVME_CC_EN) && !(cc & IOP_NVME_CC_EN)) {
		ctrlr_reset(c);
		csts = 0;
	}
	if (IOP_NVME_CC_SHN(cc) && !IOP_NVME_CC_SHN(old)) {
		ctrlr_set_csts(c, (csts & ~IOP_NVME_CSTS_SHST_MASK) |
			       (IOP_NVME_CSTS_SHST_OCCURRING << IOP_NVME_CSTS_SHST_SHIFT));
		if (c->pcie && c->pcie_ops && c->pcie_ops->shutdown) {
			c->pcie_ops->shutdown(c->pcie_ctx, c);
		}
		/* Nothing is cached in the core: every completed write is in the backend. */
		ctrlr_set_csts(c, (csts & ~IOP_NVME_CSTS_SHST_MASK) |
			       (IOP_NVME_CSTS_SHST_COMPLETE << IOP_NVME_CSTS_SHST_SHIFT));
	}
}

uint16_t
nvme_ctrlr_prop_get(struct iop_nvme_ctrlr *c, uint32_t ofst, unsigned int size, uint64_t *val)
{
	switch (ofst) {
	case IOP_NVME_REG_CAP:
		if (size != 8) {
			break;
		}
		*val = c->cap;
		return 0;
	case IOP_NVME_REG_VS:
		if (size != 4) {
			break;
		}
		*val = c->vs;
		return 0;
	case IOP_NVME_REG_CC:
		if (size != 4) {
			break;
		}
		*val = iop_nvme_ctrlr_cc(c);
		return 0;
	case IOP_NVME_REG_CSTS:
		if (size != 4) {
			break;
		}
		*val = nvme_csts(c);
		return 0;
	default:
		break;
	}
	return IOP_NVME_STATUS(IOP_NVME_SCT_GENERIC, IOP_NVME_SC_INVALID_FIELD) | IOP_NVME_STATUS_DNR;
}

uint16_t
nvme_ctrlr_prop_set(struct iop_nvme_ctrlr *c, uint32_t ofst, unsigned int size, uint64_t val)
{
	if (size == 4 && ofst == IOP_NVME_REG_CC) {
		ctrlr_write_cc(c, (uint32_t)val);
		return 0;
	}
	/* NSSR is not offered (CAP.NSSRS = 0): a subsystem reset would have to reset every
	 * controller of the subsystem. Setting it is refused like any undefined property. */
	return IOP_NVME_STATUS(IOP_NVME_SCT_GENERIC, IOP_NVME_SC_INVALID_FIELD) | IOP_NVME_STATUS_DNR;
}

int
iop_nvme_ctrlr_reg_read(struct iop_nvme_ctrlr *c, uint32_t off, void *buf, uint32_t len)
{
	uint64_t v = 0;
	uint32_t base;

	if ((len != 4 && len != 8) || (off & (len - 1))) {
		return -EINVAL;
	}
	if (off + len > IOP_NVME_REG_SPACE_SIZE) {
		return -ERANGE;
	}
	/* Assemble 8-byte registers, then pick the requested dword(s). */
	base = off & ~7u;
	switch (base) {
	case IOP_NVME_REG_CAP:
		v = c->cap;
		break;
	case IOP_NVME_REG_VS: /* VS (0x08) + INTMS (0x0c) */
		v = c->vs | (uint64_t)c->intms << 32;
		break;
	case IOP_NVME_REG_INTMC: /* INTMC (0x10) + CC (0x14) */
		v = c->intms | (uint64_t)iop_nvme_ctrlr_cc(c) << 32;
		break;
	case 0x18: /* reserved + CSTS (0x1c) */
		v = (uint64_t)nvme_csts(c) << 32;
		break;
	case IOP_NVME_REG_NSSR: /* NSSR (0x20, reads 0) + AQA (0x24) */
		v = (uint64_t)c->aqa << 32;
		break;
	case IOP_NVME_REG_ASQ:
		v = c->asq;
		break;
	case IOP_NVME_REG_ACQ:
		v = c->acq;
		break;
	default:
		v = 0;
		break;
	}
	if (len == 8) {
		memcpy(buf, &v, 8);
	} else {
		uint32_t d = (off & 4) ? (uint32_t)(v >> 32) : (uint32_t)v;

		memcpy(buf, &d, 4);
	}
	return 0;
}

static void
reg_merge64(uint64_t *reg, uint32_t off, const void *buf, uint32_t len)
{
	if (len == 8) {
		memcpy(reg, buf, 8);
	} else {
		uint32_t d;

		memcpy(&d, buf, 4);
		if (off & 4) {
			*reg = (*reg & 0xffffffffull) | (uint64_t)d << 32;
		} else {
			*reg = (*reg & ~0xffffffffull) | d;
		}
	}
}

int
iop_nvme_ctrlr_reg_write(struct iop_nvme_ctrlr *c, uint32_t off, const void *buf, uint32_t len)
{
	uint32_t d = 0;
	bool enabled = iop_nvme_ctrlr_cc(c) & IOP_NVME_CC_EN;

	if ((len != 4 && len != 8) || (off & (len - 1))) {
		return -EINVAL;
	}
	if (off + len > IOP_NVME_REG_SPACE_SIZE) {
		return -ERANGE;
	}
	memcpy(&d, buf, 4);
	switch (off) {
	case IOP_NVME_REG_INTMS:
		c->intms |= d;
		break;
	case IOP_NVME_REG_INTMC:
		c->intms &= ~d;
		break;
	case IOP_NVME_REG_CC:
		ctrlr_write_cc(c, d);
		break;
	case IOP_NVME_REG_AQA:
		if (!enabled) {
			c->aqa = d & 0x0fff0fff;
		}
		break;
	case IOP_NVME_REG_ASQ:
	case IOP_NVME_REG_ASQ + 4:
		if (!enabled) {
			reg_merge64(&c->asq, off, buf, len);
			c->asq &= ~0xfffull;
		}
		break;
	case IOP_NVME_REG_ACQ:
	case IOP_NVME_REG_ACQ + 4:
		if (!enabled) {
			reg_merge64(&c->acq, off, buf, len);
			c->acq &= ~0xfffull;
		}
		break;
	default:
		/* CAP, VS, CSTS, NSSR (CAP.NSSRS = 0) and reserved registers: writes are ignored. */
		break;
	}
	return 0;
}

int
iop_nvme_ctrlr_create_pcie(struct iop_nvme_subsys *ss, const struct iop_nvme_pcie_ops *ops,
			   void *ctx, struct iop_nvme_ctrlr **out)
{
	struct iop_nvme_ctrlr *c;
	int rc;

	if (ss->discovery) {
		return -EINVAL;
	}
	rc = nvme_ctrlr_alloc(ss, true, NULL, NULL, &c);
	if (rc) {
		return rc;
	}
	c->pcie_ops = ops;
	c->pcie_ctx = ctx;
	*out = c;
	return 0;
}

void
iop_nvme_ctrlr_destroy_pcie(struct iop_nvme_ctrlr *c)
{
	if (!c) {
		return;
	}
	if (c->nqpairs) {
		IOP_ERR("nvme: PCIe controller %u destroyed with %u qpairs; leaking it\n", c->cntlid,
			c->nqpairs);
		return;
	}
	nvme_aer_abort_all(c);
	ctrlr_free(c);
}

bool
nvme_ctrlr_check_kato(struct iop_nvme_ctrlr *c, uint64_t now_ns)
{
	if (!c->kato_ms || c->kato_expired || !c->admin) {
		return false;
	}
	if (now_ns - c->last_ka_ns <= (uint64_t)c->kato_ms * 1000000ull) {
		return false;
	}
	IOP_NOTICE("nvme: keep-alive timeout (%u ms) on controller %u of %s (host %s)\n",
		   c->kato_ms, c->cntlid, c->ss->nqn, c->hostnqn);
	c->kato_expired = true;
	if (c->pcie) {
		/* No association to end on PCIe: report a controller fatal status instead. */
		ctrlr_set_csts(c, nvme_csts(c) | IOP_NVME_CSTS_CFS);
	}
	nvme_ctrlr_disconnect_all(c, true, -ETIMEDOUT);
	return true;
}

void
nvme_ctrlr_deliver_events(struct iop_nvme_ctrlr *c)
{
	while (c->naer) {
		uint32_t pend = __atomic_load_n(&c->events, __ATOMIC_ACQUIRE) & ~c->events_masked;
		uint32_t bit, cdw0;
		struct iop_nvme_req *req;

		if (!pend) {
			return;
		}
		if ((pend & NVME_EVT_NS_ATTR) && (c->aec & IOP_NVME_AEC_NS_ATTR)) {
			bit = NVME_EVT_NS_ATTR;
			cdw0 = IOP_NVME_AER_CDW0(IOP_NVME_AER_TYPE_NOTICE,
						 IOP_NVME_AER_NOTICE_NS_ATTR_CHANGED,
						 IOP_NVME_LOG_CHANGED_NS_LIST);
		} else if ((pend & NVME_EVT_DISC) && (c->aec & IOP_NVME_AEC_DISC_CHANGE)) {
			bit = NVME_EVT_DISC;
			cdw0 = IOP_NVME_AER_CDW0(IOP_NVME_AER_TYPE_NOTICE,
						 IOP_NVME_AER_NOTICE_DISC_CHANGE,
						 IOP_NVME_LOG_DISCOVERY);
		} else {
			/* Not enabled by Async Event Configuration: dropped (B 5.27.1.11). */
			__atomic_and_fetch(&c->events, ~pend, __ATOMIC_RELEASE);
			return;
		}
		__atomic_and_fetch(&c->events, ~bit, __ATOMIC_RELEASE);
		c->events_masked |= bit;  /* until the host reads the log page */
		req = c->aer[--c->naer];
		req->cpl.cdw0 = cdw0;
		nvme_req_complete(req, 0);
	}
}

/* ------------------------------------------------------------------------------------------ */
/* Poll groups                                                                                */

int
iop_nvme_pg_create(struct iop_nvme_tgt *tgt, unsigned int chan_depth, struct iop_nvme_pg **out)
{
	struct iop_nvme_pg *pg = calloc(1, sizeof(*pg));

	if (!pg) {
		return -ENOMEM;
	}
	pg->tgt = tgt;
	pg->depth = chan_depth ? chan_depth : tgt->opts.max_queue_depth * 4u;
	*out = pg;
	return 0;
}

void
iop_nvme_pg_destroy(struct iop_nvme_pg *pg)
{
	if (!pg) {
		return;
	}
	if (pg->nqpairs) {
		IOP_ERR("nvme: poll group destroyed with %u qpairs\n", pg->nqpairs);
	}
	for (unsigned int i = 0; i < pg->nopen; i++) {
		struct nvme_chan *ch = &pg->chans[pg->open_slots[i]];

		ch->be->ops->chan_close(ch->ch);
	}
	free(pg);
}

struct iop_backend_chan *
nvme_pg_chan(struct iop_nvme_pg *pg, struct iop_nvme_ns *ns)
{
	struct nvme_chan *ch = &pg->chans[ns->slot];
	int rc;

	if (iop_likely(ch->ch != NULL)) {
		return ch->ch;
	}
	rc = ns->be->ops->chan_open(ns->be, pg->depth, &ch->ch);
	if (rc) {
		IOP_ERR_RATELIMIT("nvme: backend channel for nsid %u: %s\n", ns->nsid, strerror(-rc));
		ch->ch = NULL;
		return NULL;
	}
	ch->ch->be = ns->be;
	ch->be = ns->be;
	pg->open_slots[pg->nopen++] = ns->slot;
	return ch->ch;
}

int
iop_nvme_pg_fds(struct iop_nvme_pg *pg, int *fds, int max)
{
	int n = 0;

	for (unsigned int i = 0; i < pg->nopen && n < max; i++) {
		struct nvme_chan *ch = &pg->chans[pg->open_slots[i]];
		int fd = ch->be->ops->chan_fd ? ch->be->ops->chan_fd(ch->ch) : -1;

		if (fd >= 0) {
			fds[n++] = fd;
		}
	}
	return n;
}

static void
pg_tick(struct iop_nvme_pg *pg, uint64_t now)
{
	struct iop_nvme_qpair *qp, *next;

	for (qp = pg->admins; qp; qp = next) {
		next = qp->pg_next;
		if (!qp->ctrlr || qp->stopped) {
			continue;
		}
		if (nvme_ctrlr_check_kato(qp->ctrlr, now)) {
			continue;
		}
		nvme_ctrlr_deliver_events(qp->ctrlr);
	}
}

int
iop_nvme_pg_poll(struct iop_nvme_pg *pg)
{
	int work = 0;

	for (unsigned int i = 0; i < pg->nopen; i++) {
		struct nvme_chan *ch = &pg->chans[pg->open_slots[i]];
		int n = ch->be->ops->poll(ch->ch, 64);

		if (n > 0) {
			work += n;
		}
	}
	if (pg->busy_head) {
		work += nvme_pg_resubmit(pg);
	}
	if (pg->admins && (work == 0 || (++pg->polls & 255) == 0)) {
		uint64_t now = iop_now_ns();

		if (now - pg->last_tick_ns >= NVME_KATO_CHECK_NS) {
			pg->last_tick_ns = now;
			pg_tick(pg, now);
		}
	}
	return work;
}

/* ------------------------------------------------------------------------------------------ */
/* Queue pairs                                                                                */

static struct iop_nvme_qpair *
qpair_alloc(struct iop_nvme_pg *pg, const struct iop_nvme_qpair_ops *ops, void *ctx)
{
	struct iop_nvme_qpair *qp = calloc(1, sizeof(*qp));

	if (!qp) {
		return NULL;
	}
	qp->pg = pg;
	qp->ops = ops;
	qp->ctx = ctx;
	qp->qid = -1;
	pg->nqpairs++;
	return qp;
}

static void
qpair_pg_link_admin(struct iop_nvme_qpair *qp)
{
	qp->pg_next = qp->pg->admins;
	qp->pg->admins = qp;
	qp->on_pg_list = true;
}

/* Called by fabrics_cmd.c once Connect bound an admin qpair. */
void
nvme_qpair_bound_admin(struct iop_nvme_qpair *qp)
{
	qpair_pg_link_admin(qp);
}

int
iop_nvme_qpair_create(struct iop_nvme_pg *pg, uint8_t trtype, const struct iop_nvme_qpair_ops *ops,
		      void *ctx, struct iop_nvme_qpair **out)
{
	struct iop_nvme_qpair *qp = qpair_alloc(pg, ops, ctx);

	if (!qp) {
		return -ENOMEM;
	}
	qp->trtype = trtype;
	*out = qp;
	return 0;
}

int
iop_nvme_qpair_create_pcie(struct iop_nvme_pg *pg, struct iop_nvme_ctrlr *c, uint16_t qid,
			   uint32_t qsize, const struct iop_nvme_qpair_ops *ops, void *ctx,
			   struct iop_nvme_qpair **out)
{
	struct iop_nvme_qpair *qp;
	int rc;

	if (!c->pcie || qsize < 2) {
		return -EINVAL;
	}
	qp = qpair_alloc(pg, ops, ctx);
	if (!qp) {
		return -ENOMEM;
	}
	qp->pcie = true;
	qp->qsize = qsize;
	rc = nvme_ctrlr_attach_qpair(c, qp, qid);
	if (rc) {
		pg->nqpairs--;
		free(qp);
		return rc;
	}
	if (qid == 0) {
		c->last_ka_ns = iop_now_ns();
		qpair_pg_link_admin(qp);
	}
	*out = qp;
	return 0;
}

unsigned int
iop_nvme_qpair_stop(struct iop_nvme_qpair *qp)
{
	if (!qp->stopped) {
		qp->stopped = true;
		if (qp->ctrlr && qp->qid == 0 && qp->ctrlr->admin == qp) {
			nvme_aer_abort_all(qp->ctrlr);
		}
	}
	return qp->inflight;
}

unsigned int
iop_nvme_qpair_inflight(const struct iop_nvme_qpair *qp)
{
	return qp->inflight;
}

void
iop_nvme_qpair_destroy(struct iop_nvme_qpair *qp)
{
	struct iop_nvme_pg *pg;

	if (!qp) {
		return;
	}
	iop_nvme_qpair_stop(qp);
	if (qp->inflight) {
		IOP_ERR("nvme: qpair %d destroyed with %u requests in flight; leaking it\n", qp->qid,
			qp->inflight);
		return;
	}
	pg = qp->pg;
	if (qp->on_pg_list) {
		for (struct iop_nvme_qpair **pp = &pg->admins; *pp; pp = &(*pp)->pg_next) {
			if (*pp == qp) {
				*pp = qp->pg_next;
				break;
			}
		}
	}
	if (qp->ctrlr) {
		nvme_ctrlr_put_qpair(qp->ctrlr, qp);
	}
	pg->nqpairs--;
	free(qp);
}

int
iop_nvme_qpair_qid(const struct iop_nvme_qpair *qp)
{
	return qp->ctrlr ? qp->qid : -1;
}

uint32_t
iop_nvme_qpair_size(const struct iop_nvme_qpair *qp)
{
	return qp->qsize;
}

struct iop_nvme_ctrlr *
iop_nvme_qpair_ctrlr(const struct iop_nvme_qpair *qp)
{
	return qp->ctrlr;
}

bool
iop_nvme_qpair_sqfc_disabled(const struct iop_nvme_qpair *qp)
{
	return qp->sqfc_disabled;
}

void *
iop_nvme_qpair_ctx(const struct iop_nvme_qpair *qp)
{
	return qp->ctx;
}

/* ------------------------------------------------------------------------------------------ */
/* Requests                                                                                   */

#define ST NVME_ST

/* Fabrics: direction from opcode/FCTYPE, length from SGL1 (F 2.3, TCP 7.4.x). */
static uint16_t
req_prepare_fabrics(struct iop_nvme_req *req)
{
	const struct iop_nvme_cmd *cmd = &req->cmd;
	const struct iop_nvme_sgl_desc *sgl = &cmd->dptr.sgl1;
	const struct iop_nvme_tgt_opts *o = &req->qpair->pg->tgt->opts;
	uint8_t xfer;
	uint32_t len;

	if (cmd->opc == IOP_NVME_OPC_FABRIC) {
		/* Byte 1 of a fabrics command is reserved (F 2.1): no PSDT/FUSE checks. */
		xfer = ((const struct iop_nvmf_cmd *)cmd)->fctype & 3;
	} else {
		/* Capsules carry SGLs: PSDT must be 01b (F 2.1, as Linux nvmet also enforces), and
		 * fused operations are not supported (FUSES = 0). */
		if (iop_nvme_cmd_psdt(cmd) != IOP_NVME_PSDT_SGL_MPTR_CONTIG ||
		    (cmd->flags & IOP_NVME_FUSE_MASK)) {
			return ST(GENERIC, INVALID_FIELD);
		}
		xfer = cmd->opc & 3;
	}
	if (xfer == IOP_NVME_XFER_NONE) {
		return 0;
	}
	if (xfer == IOP_NVME_XFER_BIDIR) {
		return ST(GENERIC, INVALID_OPCODE);
	}
	switch (iop_nvme_sgl_type(sgl)) {
	case IOP_NVME_SGL_TYPE_DATA_BLOCK:
		if (iop_nvme_sgl_subtype(sgl) != IOP_NVME_SGL_SUBTYPE_OFFSET) {
			return ST(GENERIC, SGL_DESCRIPTOR_TYPE_INVALID);
		}
		len = sgl->unkeyed.length;
		if (sgl->address != 0) {
			return ST(GENERIC, INVALID_SGL_OFFSET);
		}
		if (len > o->in_capsule_data) {
			return ST(GENERIC, DATA_SGL_LENGTH_INVALID);
		}
		break;
	case IOP_NVME_SGL_TYPE_TRANSPORT_DATA_BLOCK:
		len = sgl->unkeyed.length;
		break;
	case IOP_NVME_SGL_TYPE_KEYED_DATA_BLOCK:
		len = iop_nvme_sgl_keyed_len(sgl);
		break;
	default:
		return ST(GENERIC, SGL_DESCRIPTOR_TYPE_INVALID);
	}
	if (len > o->max_io_size && len > IOP_NVME_IDENTIFY_SIZE) {
		return ST(GENERIC, INVALID_FIELD);
	}
	req->xfer = xfer;
	req->data_len = len;
	return 0;
}

static uint16_t
req_prepare_pcie(struct iop_nvme_req *req)
{
	struct iop_nvme_qpair *qp = req->qpair;
	struct iop_nvme_ctrlr *c = qp->ctrlr;
	const struct iop_nvme_cmd *cmd = &req->cmd;
	uint32_t len = 0;
	uint16_t st;
	bool write;

	if (!c) {
		return ST(GENERIC, COMMAND_SEQUENCE_ERROR);
	}
	if (cmd->flags & IOP_NVME_FUSE_MASK) {
		return ST(GENERIC, INVALID_FIELD);   /* fused operations unsupported (FUSES = 0) */
	}
	st = qp->qid == 0 ? nvme_admin_xfer_len(c, cmd, &len) : nvme_io_xfer_len(c, cmd, &len);
	if (st || len == 0) {
		return st;
	}
	if (len > c->tgt->opts.max_io_size && len > IOP_NVME_IDENTIFY_SIZE) {
		return ST(GENERIC, INVALID_FIELD);
	}
	if (!c->pcie_ops || !c->pcie_ops->translate || !req->iov || req->iovmax <= 0) {
		return ST(GENERIC, INTERNAL_DEVICE_ERROR);
	}
	write = (cmd->opc & 3) == IOP_NVME_XFER_C2H;
	if (iop_nvme_cmd_psdt(cmd) == IOP_NVME_PSDT_PRP) {
		st = iop_nvme_prp_to_iov(cmd->dptr.prp.prp1, cmd->dptr.prp.prp2, len,
					 nvme_ctrlr_page_size(c),
					 (iop_nvme_translate_fn)c->pcie_ops->translate, c->pcie_ctx,
					 write, req->iov, req->iovmax, &req->iovcnt);
	} else if (iop_nvme_cmd_psdt(cmd) == IOP_NVME_PSDT_SGL_MPTR_CONTIG) {
		st = iop_nvme_sgl_to_iov(&cmd->dptr.sgl1, len,
					 (iop_nvme_translate_fn)c->pcie_ops->translate, c->pcie_ctx,
					 write, req->iov, req->iovmax, &req->iovcnt);
	} else {
		st = ST(GENERIC, INVALID_FIELD);
	}
	if (st) {
		return st;
	}
	req->xfer = cmd->opc & 3;
	req->data_len = len;
	return 0;
}

uint16_t
iop_nvme_req_prepare(struct iop_nvme_req *req)
{
	uint16_t st;

	req->priv.status = 0;
	req->priv.state = NVME_REQ_IDLE;
	req->priv.next = NULL;
	req->xfer = IOP_NVME_XFER_NONE;
	req->data_len = 0;
	if (req->qpair->pcie) {
		req->iovcnt = 0;
		st = req_prepare_pcie(req);
	} else {
		st = req_prepare_fabrics(req);
	}
	if (st) {
		req->xfer = IOP_NVME_XFER_NONE;
		req->data_len = 0;
		req->priv.status = st;
	}
	return st;
}

/* Errors a host may usefully retry keep DNR clear. */
static bool
status_retryable(uint16_t st)
{
	uint8_t sct = IOP_NVME_STATUS_SCT(st), sc = IOP_NVME_STATUS_SC(st);

	if (sct == IOP_NVME_SCT_PATH) {
		return true;
	}
	return sct == IOP_NVME_SCT_GENERIC &&
	       (sc == IOP_NVME_SC_ABORTED_BY_REQUEST || sc == IOP_NVME_SC_ABORTED_SQ_DELETION ||
		sc == IOP_NVME_SC_COMMAND_INTERRUPTED || sc == IOP_NVME_SC_NAMESPACE_NOT_READY ||
		sc == IOP_NVME_SC_TRANSIENT_TRANSPORT_ERROR);
}

void
nvme_req_complete(struct iop_nvme_req *req, uint16_t status)
{
	struct iop_nvme_qpair *qp = req->qpair;

	if (iop_unlikely(status)) {
		if (status_retryable(status)) {
			status &= ~IOP_NVME_STATUS_DNR;
		} else {
			status |= IOP_NVME_STATUS_DNR;
		}
	}
	req->cpl.status = (uint16_t)(status << 1);
	req->cpl.cid = req->cmd.cid;
	if (!qp->pcie) {
		req->cpl.sqid = qp->qid < 0 ? 0 : (uint16_t)qp->qid;
		req->cpl.sqhd = qp->sqfc_disabled ? 0xffff : qp->sqhd;
	}
	if (iop_unlikely(status) && req->priv.state != NVME_REQ_HELD) {
		if (qp->ctrlr) {
			nvme_ctrlr_record_error(qp->ctrlr, req, status);
		}
		IOP_INFO(nvme, "qid %d cid %u %s (%#x) nsid %u: %s (sct %u sc %#x%s)\n", qp->qid,
			 req->cmd.cid, iop_nvme_opc_str(req->cmd.opc, qp->qid <= 0), req->cmd.opc,
			 req->cmd.nsid, iop_nvme_status_str(status), IOP_NVME_STATUS_SCT(status),
			 IOP_NVME_STATUS_SC(status), (status & IOP_NVME_STATUS_DNR) ? ", DNR" : "");
	}
	if (status && req->xfer == IOP_NVME_XFER_C2H) {
		req->data_len = 0;
	}
	req->priv.state = NVME_REQ_IDLE;
	qp->inflight--;
	req->done(req);
}

void
iop_nvme_req_complete(struct iop_nvme_req *req, uint16_t status)
{
	nvme_req_complete(req, status);
}

void
iop_nvme_req_exec(struct iop_nvme_req *req)
{
	struct iop_nvme_qpair *qp = req->qpair;

	memset(&req->cpl, 0, sizeof(req->cpl));
	qp->inflight++;
	req->priv.state = NVME_REQ_EXEC;
	if (!qp->pcie && qp->qsize) {
		qp->sqhd = (uint16_t)((qp->sqhd + 1) % qp->qsize);
	}
	if (iop_unlikely(qp->stopped)) {
		nvme_req_complete(req, IOP_NVME_STATUS(IOP_NVME_SCT_GENERIC,
						       IOP_NVME_SC_ABORTED_SQ_DELETION));
		return;
	}
	if (iop_unlikely(req->priv.status)) {
		nvme_req_complete(req, req->priv.status);
		return;
	}
	if (iop_unlikely(req->cmd.opc == IOP_NVME_OPC_FABRIC && !qp->pcie)) {
		nvme_fabrics_exec(req);
		return;
	}
	if (iop_unlikely(!qp->ctrlr)) {
		nvme_req_complete(req, ST(GENERIC, COMMAND_SEQUENCE_ERROR));
		return;
	}
	if (qp->qid == 0) {
		nvme_admin_exec(req);
	} else {
		nvme_io_exec(req);
	}
}

/* ------------------------------------------------------------------------------------------ */
/* Names                                                                                      */

const char *
iop_nvme_status_str(uint16_t st)
{
	uint8_t sct = IOP_NVME_STATUS_SCT(st), sc = IOP_NVME_STATUS_SC(st);

	if (sct == IOP_NVME_SCT_GENERIC) {
		switch (sc) {
		case IOP_NVME_SC_SUCCESS: return "Successful Completion";
		case IOP_NVME_SC_INVALID_OPCODE: return "Invalid Command Opcode";
		case IOP_NVME_SC_INVALID_FIELD: return "Invalid Field in Command";
		case IOP_NVME_SC_CID_CONFLICT: return "Command ID Conflict";
		case IOP_NVME_SC_DATA_TRANSFER_ERROR: return "Data Transfer Error";
		case IOP_NVME_SC_INTERNAL_DEVICE_ERROR: return "Internal Error";
		case IOP_NVME_SC_ABORTED_BY_REQUEST: return "Command Abort Requested";
		case IOP_NVME_SC_ABORTED_SQ_DELETION: return "Command Aborted due to SQ Deletion";
		case IOP_NVME_SC_INVALID_NAMESPACE_OR_FORMAT: return "Invalid Namespace or Format";
		case IOP_NVME_SC_COMMAND_SEQUENCE_ERROR: return "Command Sequence Error";
		case IOP_NVME_SC_INVALID_SGL_SEG_DESCRIPTOR: return "Invalid SGL Segment Descriptor";
		case IOP_NVME_SC_INVALID_NUM_SGL_DESCIRPTORS: return "Invalid Number of SGL Descriptors";
		case IOP_NVME_SC_DATA_SGL_LENGTH_INVALID: return "Data SGL Length Invalid";
		case IOP_NVME_SC_SGL_DESCRIPTOR_TYPE_INVALID: return "SGL Descriptor Type Invalid";
		case IOP_NVME_SC_INVALID_PRP_OFFSET: return "PRP Offset Invalid";
		case IOP_NVME_SC_INVALID_SGL_OFFSET: return "SGL Offset Invalid";
		case IOP_NVME_SC_KEEP_ALIVE_INVALID: return "Keep Alive Timeout Invalid";
		case IOP_NVME_SC_LBA_OUT_OF_RANGE: return "LBA Out of Range";
		case IOP_NVME_SC_CAPACITY_EXCEEDED: return "Capacity Exceeded";
		default: return "Generic Status";
		}
	}
	if (sct == IOP_NVME_SCT_COMMAND_SPECIFIC) {
		switch (sc) {
		case IOP_NVME_SC_COMPLETION_QUEUE_INVALID: return "Completion Queue Invalid";
		case IOP_NVME_SC_INVALID_QUEUE_IDENTIFIER: return "Invalid Queue Identifier";
		case IOP_NVME_SC_INVALID_QUEUE_SIZE: return "Invalid Queue Size";
		case IOP_NVME_SC_ASYNC_EVENT_REQUEST_LIMIT_EXCEEDED: return "AER Limit Exceeded";
		case IOP_NVME_SC_INVALID_LOG_PAGE: return "Invalid Log Page";
		case IOP_NVME_SC_INVALID_QUEUE_DELETION: return "Invalid Queue Deletion";
		case IOP_NVME_SC_FEATURE_ID_NOT_SAVEABLE: return "Feature Identifier Not Saveable";
		case IOP_NVME_SC_FEATURE_NOT_CHANGEABLE: return "Feature Not Changeable";
		case IOP_NVMF_SC_CONNECT_INCOMPATIBLE_FORMAT: return "Connect Incompatible Format";
		case IOP_NVMF_SC_CONNECT_CONTROLLER_BUSY: return "Connect Controller Busy";
		case IOP_NVMF_SC_CONNECT_INVALID_PARAMETERS: return "Connect Invalid Parameters";
		case IOP_NVMF_SC_CONNECT_RESTART_DISCOVERY: return "Connect Restart Discovery";
		case IOP_NVMF_SC_CONNECT_INVALID_HOST: return "Connect Invalid Host";
		default: return "Command Specific Status";
		}
	}
	if (sct == IOP_NVME_SCT_MEDIA) {
		return "Media and Data Integrity Error";
	}
	if (sct == IOP_NVME_SCT_PATH) {
		return "Path Related Status";
	}
	return "Vendor Specific Status";
}

const char *
iop_nvme_opc_str(uint8_t opc, bool admin)
{
	if (admin) {
		switch (opc) {
		case IOP_NVME_OPC_DELETE_IO_SQ: return "Delete I/O SQ";
		case IOP_NVME_OPC_CREATE_IO_SQ: return "Create I/O SQ";
		case IOP_NVME_OPC_GET_LOG_PAGE: return "Get Log Page";
		case IOP_NVME_OPC_DELETE_IO_CQ: return "Delete I/O CQ";
		case IOP_NVME_OPC_CREATE_IO_CQ: return "Create I/O CQ";
		case IOP_NVME_OPC_IDENTIFY: return "Identify";
		case IOP_NVME_OPC_ABORT: return "Abort";
		case IOP_NVME_OPC_SET_FEATURES: return "Set Features";
		case IOP_NVME_OPC_GET_FEATURES: return "Get Features";
		case IOP_NVME_OPC_ASYNC_EVENT_REQUEST: return "Asynchronous Event Request";
		case IOP_NVME_OPC_KEEP_ALIVE: return "Keep Alive";
		case IOP_NVME_OPC_FABRIC: return "Fabrics";
		default: return "Unknown Admin";
		}
	}
	switch (opc) {
	case IOP_NVME_OPC_FLUSH: return "Flush";
	case IOP_NVME_OPC_WRITE: return "Write";
	case IOP_NVME_OPC_READ: return "Read";
	case IOP_NVME_OPC_WRITE_ZEROES: return "Write Zeroes";
	case IOP_NVME_OPC_DATASET_MANAGEMENT: return "Dataset Management";
	case IOP_NVME_OPC_FABRIC: return "Fabrics";
	default: return "Unknown I/O";
	}
}
