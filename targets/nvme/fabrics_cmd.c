/* SPDX-License-Identifier: BSD-3-Clause */
/* Fabrics commands (NVMe-oF 1.1 ch. 3): Connect (admin/I/O), Property Get/Set, Disconnect. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "iopath/log.h"
#include "iopath/util.h"
#include "targets/nvme/nvme_internal.h"

#define CONNECT_INCOMPATIBLE_FORMAT \
	(IOP_NVME_STATUS(IOP_NVME_SCT_COMMAND_SPECIFIC, IOP_NVMF_SC_CONNECT_INCOMPATIBLE_FORMAT) | \
	 IOP_NVME_STATUS_DNR)

/* Connect Invalid Parameters with IATTR/IPO naming the offending field (F 3.3, Figure 21). */
static void
connect_reject_param(struct iop_nvme_req *req, uint8_t iattr, uint16_t ipo)
{
	req->cpl.cdw0 = IOP_NVMF_IPO_IATTR(iattr, ipo);
	nvme_req_complete(req, IOP_NVME_STATUS(IOP_NVME_SCT_COMMAND_SPECIFIC,
					       IOP_NVMF_SC_CONNECT_INVALID_PARAMETERS));
}

#define REJECT_SQE(req, field) \
	connect_reject_param(req, IOP_NVMF_IATTR_SQE, offsetof(struct iop_nvmf_connect_cmd, field))
#define REJECT_DATA(req, field) \
	connect_reject_param(req, IOP_NVMF_IATTR_DATA, offsetof(struct iop_nvmf_connect_data, field))

static void
fabrics_connect_admin(struct iop_nvme_req *req, const struct iop_nvmf_connect_cmd *cmd,
		      const struct iop_nvmf_connect_data *d, struct iop_nvme_subsys *ss)
{
	struct iop_nvme_qpair *qp = req->qpair;
	const struct iop_nvme_tgt_opts *o = &ss->tgt->opts;
	struct iop_nvme_ctrlr *c;
	int rc;

	/* The admin queue holds at least 32 entries (F 3.3: ASQSZ) and at most MQES + 1. */
	if (cmd->sqsize < 31 || cmd->sqsize > o->max_queue_depth - 1) {
		REJECT_SQE(req, sqsize);
		return;
	}
	if (d->cntlid != IOP_NVMF_CNTLID_DYNAMIC && d->cntlid != IOP_NVMF_CNTLID_STATIC_ANY) {
		REJECT_DATA(req, cntlid);
		return;
	}
	rc = nvme_ctrlr_alloc(ss, false, d->hostnqn, d->hostid, &c);
	if (rc) {
		nvme_req_complete(req, IOP_NVME_STATUS(IOP_NVME_SCT_COMMAND_SPECIFIC,
						       IOP_NVMF_SC_CONNECT_CONTROLLER_BUSY));
		return;
	}
	c->trtype = qp->trtype;
	c->kato_ms = cmd->kato;
	if (c->kato_ms == 0 && !c->discovery) {
		c->kato_ms = o->kato_default_ms;
	}
	if (c->kato_ms) {
		/* Round up to the advertised granularity (KAS, 100 ms units). */
		c->kato_ms = nvme_kato_round(c->kato_ms);
	}
	c->last_ka_ns = iop_now_ns();
	rc = nvme_ctrlr_attach_qpair(c, qp, 0);
	if (rc) {
		/* Cannot happen on a fresh controller; keep the error path honest anyway. */
		nvme_req_complete(req, NVME_ST(GENERIC, INTERNAL_DEVICE_ERROR));
		return;
	}
	qp->qsize = cmd->sqsize + 1u;
	qp->sqhd = 1;
	qp->sqfc_disabled = cmd->cattr & IOP_NVMF_CATTR_DISABLE_SQFC;
	nvme_qpair_bound_admin(qp);
	IOP_INFO(nvme, "controller %u on %s for host %s (kato %u ms)\n", c->cntlid, ss->nqn,
		 c->hostnqn, c->kato_ms);
	req->cpl.cdw0 = c->cntlid;
	nvme_req_complete(req, 0);
}

static void
fabrics_connect_io(struct iop_nvme_req *req, const struct iop_nvmf_connect_cmd *cmd,
		   const struct iop_nvmf_connect_data *d, struct iop_nvme_subsys *ss)
{
	struct iop_nvme_qpair *qp = req->qpair;
	struct iop_nvme_tgt *tgt = ss->tgt;
	struct iop_nvme_ctrlr *c;
	uint16_t st = 0;
	uint32_t ipo = 0xffffffffu;

	if (ss->discovery) {
		/* A discovery controller has no I/O queues. */
		REJECT_SQE(req, qid);
		return;
	}
	if (cmd->sqsize == 0 || cmd->sqsize > tgt->opts.max_queue_depth - 1) {
		REJECT_SQE(req, sqsize);
		return;
	}
	/* Lock order: tgt->lock, then c->lock. Holding c->lock while attaching keeps the
	 * controller alive: it is freed only once its last qpair detaches. */
	pthread_mutex_lock(&tgt->lock);
	for (c = ss->ctrlrs; c; c = c->next) {
		if (c->cntlid == d->cntlid && !c->pcie) {
			break;
		}
	}
	if (!c || strncmp(c->hostnqn, d->hostnqn, sizeof(c->hostnqn)) ||
	    memcmp(c->hostid, d->hostid, sizeof(c->hostid))) {
		pthread_mutex_unlock(&tgt->lock);
		REJECT_DATA(req, cntlid);
		return;
	}
	pthread_mutex_lock(&c->lock);
	if (c->admin_gone) {
		ipo = IOP_NVMF_IPO_IATTR(IOP_NVMF_IATTR_DATA,
					 offsetof(struct iop_nvmf_connect_data, cntlid));
	} else if (!(nvme_csts(c) & IOP_NVME_CSTS_RDY)) {
		st = NVME_ST(GENERIC, COMMAND_SEQUENCE_ERROR);
	} else if (cmd->qid > c->max_io_queues || c->ioq[cmd->qid]) {
		ipo = IOP_NVMF_IPO_IATTR(IOP_NVMF_IATTR_SQE,
					 offsetof(struct iop_nvmf_connect_cmd, qid));
	} else {
		c->ioq[cmd->qid] = qp;
		c->nqpairs++;
		qp->ctrlr = c;
		qp->qid = cmd->qid;
	}
	pthread_mutex_unlock(&c->lock);
	pthread_mutex_unlock(&tgt->lock);
	if (ipo != 0xffffffffu) {
		connect_reject_param(req, (uint8_t)(ipo >> 16), (uint16_t)ipo);
		return;
	}
	if (st) {
		nvme_req_complete(req, st);
		return;
	}
	qp->qsize = cmd->sqsize + 1u;
	qp->sqhd = 1;
	qp->sqfc_disabled = cmd->cattr & IOP_NVMF_CATTR_DISABLE_SQFC;
	req->cpl.cdw0 = c->cntlid;
	nvme_req_complete(req, 0);
}

static void
fabrics_connect(struct iop_nvme_req *req)
{
	const struct iop_nvmf_connect_cmd *cmd = (const struct iop_nvmf_connect_cmd *)&req->cmd;
	struct iop_nvme_qpair *qp = req->qpair;
	struct iop_nvmf_connect_data d;
	struct iop_nvme_subsys *ss;

	if (qp->ctrlr) {
		nvme_req_complete(req, NVME_ST(GENERIC, COMMAND_SEQUENCE_ERROR));
		return;
	}
	if (cmd->recfmt != 0) {
		nvme_req_complete(req, CONNECT_INCOMPATIBLE_FORMAT);
		return;
	}
	if (req->data_len < sizeof(d) ||
	    iop_nvme_iov_to_buf(req->iov, req->iovcnt, 0, &d, sizeof(d)) != sizeof(d)) {
		nvme_req_complete(req, NVME_ST(GENERIC, DATA_SGL_LENGTH_INVALID));
		return;
	}
	if (strnlen(d.subnqn, sizeof(d.subnqn)) == sizeof(d.subnqn) || !d.subnqn[0]) {
		REJECT_DATA(req, subnqn);
		return;
	}
	if (strnlen(d.hostnqn, sizeof(d.hostnqn)) > 223 || strncmp(d.hostnqn, "nqn.", 4)) {
		/* not an NQN (B 4.5: "nqn." prefix, at most 223 bytes) */
		REJECT_DATA(req, hostnqn);
		return;
	}
	ss = iop_nvme_subsys_find(qp->pg->tgt, d.subnqn);
	if (!ss) {
		IOP_INFO(nvme, "connect to unknown subsystem '%s'\n", d.subnqn);
		REJECT_DATA(req, subnqn);
		return;
	}
	if (!iop_nvme_subsys_host_allowed(ss, d.hostnqn)) {
		IOP_INFO(nvme, "host '%s' not allowed on '%s'\n", d.hostnqn, d.subnqn);
		req->cpl.cdw0 = IOP_NVMF_IPO_IATTR(IOP_NVMF_IATTR_DATA,
						   offsetof(struct iop_nvmf_connect_data, hostnqn));
		nvme_req_complete(req, IOP_NVME_STATUS(IOP_NVME_SCT_COMMAND_SPECIFIC,
						       IOP_NVMF_SC_CONNECT_INVALID_HOST));
		return;
	}
	if (cmd->qid == 0) {
		fabrics_connect_admin(req, cmd, &d, ss);
	} else {
		fabrics_connect_io(req, cmd, &d, ss);
	}
}

static void
fabrics_property(struct iop_nvme_req *req, bool set)
{
	const struct iop_nvmf_prop_cmd *cmd = (const struct iop_nvmf_prop_cmd *)&req->cmd;
	struct iop_nvme_qpair *qp = req->qpair;
	unsigned int size;
	uint64_t val = 0;
	uint16_t st;

	if (qp->qid != 0) {
		nvme_req_complete(req, NVME_ST(GENERIC, INVALID_FIELD));
		return;
	}
	switch (cmd->attrib & 7) {
	case IOP_NVMF_PROP_SIZE_4:
		size = 4;
		break;
	case IOP_NVMF_PROP_SIZE_8:
		size = 8;
		break;
	default:
		nvme_req_complete(req, NVME_ST(GENERIC, INVALID_FIELD));
		return;
	}
	if (set) {
		st = nvme_ctrlr_prop_set(qp->ctrlr, cmd->ofst, size, size == 4 ?
					 (uint32_t)cmd->value : cmd->value);
	} else {
		st = nvme_ctrlr_prop_get(qp->ctrlr, cmd->ofst, size, &val);
		req->cpl.cdw0 = (uint32_t)val;
		req->cpl.cdw1 = (uint32_t)(val >> 32);
	}
	nvme_req_complete(req, st);
}

static void
fabrics_disconnect(struct iop_nvme_req *req)
{
	const struct iop_nvmf_disconnect_cmd *cmd = (const struct iop_nvmf_disconnect_cmd *)&req->cmd;
	struct iop_nvme_qpair *qp = req->qpair;
	struct iop_nvme_ctrlr *c = qp->ctrlr;

	if (cmd->recfmt != 0) {
		nvme_req_complete(req, CONNECT_INCOMPATIBLE_FORMAT);
		return;
	}
	nvme_req_complete(req, 0);
	/* The transport sends the response, then tears the queue down (F 3.x Disconnect). */
	pthread_mutex_lock(&c->lock);
	if (!qp->disconnect_sent) {
		qp->disconnect_sent = true;
		if (qp->ops && qp->ops->disconnect) {
			qp->ops->disconnect(qp, qp->ctx, -ESHUTDOWN);
		}
	}
	pthread_mutex_unlock(&c->lock);
}

void
nvme_fabrics_exec(struct iop_nvme_req *req)
{
	const struct iop_nvmf_cmd *cmd = (const struct iop_nvmf_cmd *)&req->cmd;
	struct iop_nvme_qpair *qp = req->qpair;

	if (cmd->fctype == IOP_NVMF_FCTYPE_CONNECT) {
		fabrics_connect(req);
		return;
	}
	if (!qp->ctrlr) {
		/* F 3.3: the first command on a queue must be Connect. */
		nvme_req_complete(req, NVME_ST(GENERIC, COMMAND_SEQUENCE_ERROR));
		return;
	}
	switch (cmd->fctype) {
	case IOP_NVMF_FCTYPE_PROPERTY_GET:
		fabrics_property(req, false);
		break;
	case IOP_NVMF_FCTYPE_PROPERTY_SET:
		fabrics_property(req, true);
		break;
	case IOP_NVMF_FCTYPE_DISCONNECT:
		fabrics_disconnect(req);
		break;
	default:
		/* Authentication is not supported (no AUTHREQ is ever asked for). */
		nvme_req_complete(req, NVME_ST(GENERIC, INVALID_OPCODE));
		break;
	}
}
