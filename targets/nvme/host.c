/* SPDX-License-Identifier: BSD-3-Clause */
/* Host-side NVMe driver core: CID tracking, SQE builders, status -> errno, controller bring-up. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include "iopath/log.h"
#include "iopath/nvme.h"
#include "iopath/nvme_host.h"
#include "iopath/util.h"

#define HQ_NONE      0xffffu
#define HQ_IDX_MASK  0x0fffu

/* ------------------------------------------------------------------------------------------ */
/* CID tracking                                                                               */

int
iop_nvme_hq_init(struct iop_nvme_hq *q, uint16_t qid, uint16_t depth)
{
	memset(q, 0, sizeof(*q));
	if (depth == 0 || depth > HQ_IDX_MASK) {
		return -EINVAL;
	}
	q->slots = calloc(depth, sizeof(*q->slots));
	if (!q->slots) {
		return -ENOMEM;
	}
	q->qid = qid;
	q->depth = depth;
	for (uint16_t i = 0; i < depth; i++) {
		q->slots[i].next_free = (uint16_t)(i + 1 < depth ? i + 1u : HQ_NONE);
	}
	q->free_head = 0;
	return 0;
}

void
iop_nvme_hq_fini(struct iop_nvme_hq *q)
{
	free(q->slots);
	q->slots = NULL;
	q->depth = 0;
}

int
iop_nvme_hq_alloc(struct iop_nvme_hq *q, void *ctx, bool is_io)
{
	struct iop_nvme_hq_slot *s;
	uint16_t idx = q->free_head;

	if (idx == HQ_NONE) {
		return -EAGAIN;
	}
	s = &q->slots[idx];
	q->free_head = s->next_free;
	s->ctx = ctx;
	s->busy = 1;
	s->is_io = is_io;
	s->cid = (uint16_t)(idx | ((q->gen++ & 0xf) << 12));
	q->outstanding++;
	return s->cid;
}

static struct iop_nvme_hq_slot *
hq_slot(struct iop_nvme_hq *q, uint16_t cid)
{
	uint16_t idx = cid & HQ_IDX_MASK;

	if (idx >= q->depth || !q->slots[idx].busy || q->slots[idx].cid != cid) {
		return NULL;
	}
	return &q->slots[idx];
}

static void
hq_release(struct iop_nvme_hq *q, struct iop_nvme_hq_slot *s)
{
	s->busy = 0;
	s->ctx = NULL;
	s->next_free = q->free_head;
	q->free_head = (uint16_t)(s - q->slots);
	q->outstanding--;
}

void *
iop_nvme_hq_lookup(struct iop_nvme_hq *q, uint16_t cid)
{
	struct iop_nvme_hq_slot *s = hq_slot(q, cid);

	return s ? s->ctx : NULL;
}

void *
iop_nvme_hq_complete(struct iop_nvme_hq *q, const struct iop_nvme_cpl *cpl, uint16_t *status)
{
	struct iop_nvme_hq_slot *s = hq_slot(q, cpl->cid);
	void *ctx;

	if (!s) {
		return NULL;
	}
	ctx = s->ctx;
	*status = iop_nvme_cpl_status(cpl);
	if (s->is_io) {
		((struct iop_io *)ctx)->status = iop_nvme_status_to_errno(*status);
	}
	hq_release(q, s);
	return ctx;
}

unsigned int
iop_nvme_hq_drain(struct iop_nvme_hq *q, void (*fn)(void *ctx, bool is_io, void *arg), void *arg)
{
	unsigned int n = 0;

	for (uint16_t i = 0; i < q->depth; i++) {
		struct iop_nvme_hq_slot *s = &q->slots[i];

		if (s->busy) {
			void *ctx = s->ctx;
			bool is_io = s->is_io;

			hq_release(q, s);
			if (fn) {
				fn(ctx, is_io, arg);
			}
			n++;
		}
	}
	return n;
}

int
iop_nvme_status_to_errno(uint16_t status)
{
	uint8_t sct = IOP_NVME_STATUS_SCT(status), sc = IOP_NVME_STATUS_SC(status);

	if (sct == IOP_NVME_SCT_GENERIC) {
		switch (sc) {
		case IOP_NVME_SC_SUCCESS:
			return 0;
		case IOP_NVME_SC_INVALID_OPCODE:
			return -EOPNOTSUPP;
		case IOP_NVME_SC_INVALID_FIELD:
		case IOP_NVME_SC_INVALID_SGL_SEG_DESCRIPTOR:
		case IOP_NVME_SC_INVALID_NUM_SGL_DESCIRPTORS:
		case IOP_NVME_SC_DATA_SGL_LENGTH_INVALID:
		case IOP_NVME_SC_SGL_DESCRIPTOR_TYPE_INVALID:
		case IOP_NVME_SC_INVALID_PRP_OFFSET:
		case IOP_NVME_SC_INVALID_SGL_OFFSET:
			return -EINVAL;
		case IOP_NVME_SC_INVALID_NAMESPACE_OR_FORMAT:
			return -ENXIO;
		case IOP_NVME_SC_LBA_OUT_OF_RANGE:
		case IOP_NVME_SC_CAPACITY_EXCEEDED:
			return -ERANGE;
		case IOP_NVME_SC_NAMESPACE_IS_WRITE_PROTECTED:
			return -EROFS;
		case IOP_NVME_SC_ABORTED_BY_REQUEST:
		case IOP_NVME_SC_ABORTED_SQ_DELETION:
		case IOP_NVME_SC_ABORTED_POWER_LOSS:
		case IOP_NVME_SC_ABORTED_FAILED_FUSED:
		case IOP_NVME_SC_ABORTED_MISSING_FUSED:
		case IOP_NVME_SC_ABORTED_PREEMPT:
			return -ECANCELED;
		case IOP_NVME_SC_COMMAND_SEQUENCE_ERROR:
			return -EPROTO;
		case IOP_NVME_SC_NAMESPACE_NOT_READY:
		case IOP_NVME_SC_COMMAND_INTERRUPTED:
		case IOP_NVME_SC_TRANSIENT_TRANSPORT_ERROR:
			return -EAGAIN;
		case IOP_NVME_SC_RESERVATION_CONFLICT:
		case IOP_NVME_SC_OPERATION_DENIED:
			return -EACCES;
		case IOP_NVME_SC_KEEP_ALIVE_EXPIRED:
			return -ETIMEDOUT;
		default:
			return -EIO;
		}
	}
	if (sct == IOP_NVME_SCT_COMMAND_SPECIFIC) {
		switch (sc) {
		case IOP_NVMF_SC_CONNECT_INVALID_HOST:
			return -EACCES;
		case IOP_NVMF_SC_CONNECT_CONTROLLER_BUSY:
			return -EBUSY;
		case IOP_NVME_SC_ATTEMPTED_WRITE_TO_RO_RANGE:
			return -EROFS;
		default:
			return -EINVAL;
		}
	}
	if (sct == IOP_NVME_SCT_PATH) {
		return -ENOLINK;
	}
	return -EIO; /* media and data integrity, vendor specific */
}

/* ------------------------------------------------------------------------------------------ */
/* Builders                                                                                   */

int
iop_nvme_hq_build_io(struct iop_nvme_hq *q, struct iop_io *io, uint32_t nsid,
		     unsigned int lba_shift, struct iop_nvme_cmd *cmd)
{
	uint64_t mask = (1ull << lba_shift) - 1, nlb;
	int cid;

	memset(cmd, 0, sizeof(*cmd));
	cmd->nsid = nsid;
	switch (io->op) {
	case IOP_OP_READ:
	case IOP_OP_WRITE:
	case IOP_OP_WRITE_ZEROES:
		nlb = io->len >> lba_shift;
		if ((io->offset & mask) || (io->len & mask) || nlb == 0 || nlb > 65536) {
			return -EINVAL;
		}
		cmd->opc = io->op == IOP_OP_READ ? IOP_NVME_OPC_READ :
			   io->op == IOP_OP_WRITE ? IOP_NVME_OPC_WRITE : IOP_NVME_OPC_WRITE_ZEROES;
		cmd->cdw10 = (uint32_t)(io->offset >> lba_shift);
		cmd->cdw11 = (uint32_t)((io->offset >> lba_shift) >> 32);
		cmd->cdw12 = (uint32_t)(nlb - 1);
		break;
	case IOP_OP_FLUSH:
		cmd->opc = IOP_NVME_OPC_FLUSH;
		break;
	default:
		return -EINVAL;
	}
	cid = iop_nvme_hq_alloc(q, io, true);
	if (cid < 0) {
		return cid;
	}
	cmd->cid = (uint16_t)cid;
	return cid;
}

int
iop_nvme_hq_build_dsm(struct iop_nvme_hq *q, struct iop_io *io, uint32_t nsid,
		      unsigned int lba_shift, struct iop_nvme_dsm_range *range,
		      struct iop_nvme_cmd *cmd)
{
	uint64_t mask = (1ull << lba_shift) - 1, nlb = io->len >> lba_shift;
	int cid;

	if (io->op != IOP_OP_DISCARD || (io->offset & mask) || (io->len & mask) || nlb == 0 ||
	    nlb > 0xffffffffull) {
		return -EINVAL;
	}
	memset(cmd, 0, sizeof(*cmd));
	memset(range, 0, sizeof(*range));
	range->slba = io->offset >> lba_shift;
	range->length = (uint32_t)nlb;
	cmd->opc = IOP_NVME_OPC_DATASET_MANAGEMENT;
	cmd->nsid = nsid;
	cmd->cdw10 = 0;                 /* one range */
	cmd->cdw11 = IOP_NVME_DSM_AD;
	cid = iop_nvme_hq_alloc(q, io, true);
	if (cid < 0) {
		return cid;
	}
	cmd->cid = (uint16_t)cid;
	return cid;
}

void
iop_nvme_host_build_identify(struct iop_nvme_cmd *cmd, uint8_t cns, uint32_t nsid, uint16_t cntid)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->opc = IOP_NVME_OPC_IDENTIFY;
	cmd->nsid = nsid;
	cmd->cdw10 = cns | (uint32_t)cntid << 16;
}

void
iop_nvme_host_build_get_log(struct iop_nvme_cmd *cmd, uint8_t lid, uint32_t nsid, uint64_t offset,
			    uint32_t len)
{
	uint32_t numd = len / 4 - 1;

	memset(cmd, 0, sizeof(*cmd));
	cmd->opc = IOP_NVME_OPC_GET_LOG_PAGE;
	cmd->nsid = nsid;
	cmd->cdw10 = lid | (numd & 0xffff) << 16;
	cmd->cdw11 = numd >> 16;
	cmd->cdw12 = (uint32_t)offset;
	cmd->cdw13 = (uint32_t)(offset >> 32);
}

void
iop_nvme_host_build_set_features(struct iop_nvme_cmd *cmd, uint8_t fid, uint32_t cdw11)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->opc = IOP_NVME_OPC_SET_FEATURES;
	cmd->cdw10 = fid;
	cmd->cdw11 = cdw11;
}

void
iop_nvme_host_build_get_features(struct iop_nvme_cmd *cmd, uint8_t fid, uint32_t cdw11)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->opc = IOP_NVME_OPC_GET_FEATURES;
	cmd->cdw10 = fid;
	cmd->cdw11 = cdw11;
}

void
iop_nvme_host_build_keep_alive(struct iop_nvme_cmd *cmd)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->opc = IOP_NVME_OPC_KEEP_ALIVE;
}

void
iop_nvme_host_build_prop_get(struct iop_nvme_cmd *cmd, uint32_t ofst, unsigned int size)
{
	struct iop_nvmf_prop_cmd *p = (struct iop_nvmf_prop_cmd *)cmd;

	memset(cmd, 0, sizeof(*cmd));
	p->opc = IOP_NVME_OPC_FABRIC;
	p->fctype = IOP_NVMF_FCTYPE_PROPERTY_GET;
	p->attrib = size == 8 ? IOP_NVMF_PROP_SIZE_8 : IOP_NVMF_PROP_SIZE_4;
	p->ofst = ofst;
}

void
iop_nvme_host_build_prop_set(struct iop_nvme_cmd *cmd, uint32_t ofst, unsigned int size,
			     uint64_t value)
{
	struct iop_nvmf_prop_cmd *p = (struct iop_nvmf_prop_cmd *)cmd;

	memset(cmd, 0, sizeof(*cmd));
	p->opc = IOP_NVME_OPC_FABRIC;
	p->fctype = IOP_NVMF_FCTYPE_PROPERTY_SET;
	p->attrib = size == 8 ? IOP_NVMF_PROP_SIZE_8 : IOP_NVMF_PROP_SIZE_4;
	p->ofst = ofst;
	p->value = value;
}

void
iop_nvme_host_build_connect(struct iop_nvme_cmd *cmd, struct iop_nvmf_connect_data *data,
			    uint16_t qid, uint16_t qsize, uint16_t cntlid, uint32_t kato_ms,
			    const char *subnqn, const char *hostnqn, const uint8_t hostid[16])
{
	struct iop_nvmf_connect_cmd *c = (struct iop_nvmf_connect_cmd *)cmd;

	memset(cmd, 0, sizeof(*cmd));
	memset(data, 0, sizeof(*data));
	c->opc = IOP_NVME_OPC_FABRIC;
	c->fctype = IOP_NVMF_FCTYPE_CONNECT;
	c->recfmt = 0;
	c->qid = qid;
	c->sqsize = (uint16_t)(qsize - 1);
	c->kato = kato_ms;
	memcpy(data->hostid, hostid, 16);
	data->cntlid = cntlid;
	snprintf(data->subnqn, sizeof(data->subnqn), "%s", subnqn);
	snprintf(data->hostnqn, sizeof(data->hostnqn), "%s", hostnqn);
}

void
iop_nvme_host_build_disconnect(struct iop_nvme_cmd *cmd)
{
	struct iop_nvmf_disconnect_cmd *d = (struct iop_nvmf_disconnect_cmd *)cmd;

	memset(cmd, 0, sizeof(*cmd));
	d->opc = IOP_NVME_OPC_FABRIC;
	d->fctype = IOP_NVMF_FCTYPE_DISCONNECT;
}

/* ------------------------------------------------------------------------------------------ */
/* Bring-up                                                                                   */

struct host_ctx {
	const struct iop_nvme_host_ops *ops;
	void *ctx;
	bool fabrics;
	uint16_t cid;
};

static int
host_admin(struct host_ctx *h, struct iop_nvme_cmd *cmd, void *data, uint32_t len, uint16_t *st,
	   struct iop_nvme_cpl *cpl_out)
{
	struct iop_nvme_cpl cpl;
	int rc;

	cmd->cid = h->cid++;
	memset(&cpl, 0, sizeof(cpl));
	rc = h->ops->admin(h->ctx, cmd, data, len, &cpl);
	if (rc) {
		return rc;
	}
	*st = iop_nvme_cpl_status(&cpl) & 0x7ff;
	if (cpl_out) {
		*cpl_out = cpl;
	}
	return 0;
}

static int
host_reg_read(struct host_ctx *h, uint32_t off, unsigned int size, uint64_t *val)
{
	struct iop_nvme_cmd cmd;
	struct iop_nvme_cpl cpl;
	uint16_t st;
	int rc;

	if (!h->fabrics) {
		return h->ops->reg_read(h->ctx, off, size, val);
	}
	iop_nvme_host_build_prop_get(&cmd, off, size);
	rc = host_admin(h, &cmd, NULL, 0, &st, &cpl);
	if (rc) {
		return rc;
	}
	if (st) {
		IOP_ERR("nvme host: Property Get %#x: %s\n", off, iop_nvme_status_str(st));
		return -EPROTO;
	}
	*val = cpl.cdw0 | (size == 8 ? (uint64_t)cpl.cdw1 << 32 : 0);
	return 0;
}

static int
host_reg_write(struct host_ctx *h, uint32_t off, unsigned int size, uint64_t val)
{
	struct iop_nvme_cmd cmd;
	uint16_t st;
	int rc;

	if (!h->fabrics) {
		return h->ops->reg_write(h->ctx, off, size, val);
	}
	iop_nvme_host_build_prop_set(&cmd, off, size, val);
	rc = host_admin(h, &cmd, NULL, 0, &st, NULL);
	if (rc) {
		return rc;
	}
	if (st) {
		IOP_ERR("nvme host: Property Set %#x: %s\n", off, iop_nvme_status_str(st));
		return -EPROTO;
	}
	return 0;
}

static void
host_sleep_ms(unsigned int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* Poll CSTS until (csts & mask) == want; CFS set fails at once. */
static int
host_wait_csts(struct host_ctx *h, uint32_t mask, uint32_t want, uint32_t timeout_ms)
{
	uint64_t deadline = iop_now_ns() + (uint64_t)timeout_ms * 1000000ull;
	uint64_t v;
	int rc;

	for (;;) {
		rc = host_reg_read(h, IOP_NVME_REG_CSTS, 4, &v);
		if (rc) {
			return rc;
		}
		if ((v & mask) == want) {
			return 0;
		}
		if (v & IOP_NVME_CSTS_CFS) {
			IOP_ERR("nvme host: controller fatal status (CSTS %#llx)\n",
				(unsigned long long)v);
			return -EIO;
		}
		if (iop_now_ns() > deadline) {
			IOP_ERR("nvme host: CSTS %#llx never reached %#x/%#x\n",
				(unsigned long long)v, mask, want);
			return -ETIMEDOUT;
		}
		host_sleep_ms(1);
	}
}

static void
host_trim_copy(char *dst, size_t dlen, const char *src, size_t slen)
{
	size_t n = IOP_MIN(dlen - 1, slen);

	memcpy(dst, src, n);
	while (n && (dst[n - 1] == ' ' || dst[n - 1] == '\0')) {
		n--;
	}
	dst[n] = '\0';
}

static uint32_t
host_timeout(const struct iop_nvme_host_params *p, uint64_t cap)
{
	uint32_t to = IOP_NVME_CAP_TO(cap) * 500u;

	if (p->timeout_ms) {
		return p->timeout_ms;
	}
	return to ? to : 500;
}

int
iop_nvme_host_bringup(const struct iop_nvme_host_ops *ops, void *ctx,
		      const struct iop_nvme_host_params *p, struct iop_nvme_host_ctrlr *out)
{
	struct host_ctx h = {.ops = ops, .ctx = ctx, .fabrics = p->fabrics, .cid = 0x100};
	struct iop_nvme_id_ctrlr *id = NULL;
	struct iop_nvme_id_ns *ns;
	struct iop_nvme_cmd cmd;
	struct iop_nvme_cpl cpl;
	uint16_t st, qsize = p->admin_qsize ? p->admin_qsize : 32;
	uint64_t v;
	uint32_t cc;
	int rc;

	memset(out, 0, sizeof(*out));
	if (p->fabrics) {
		static const uint8_t zero[16];
		struct iop_nvmf_connect_data data;

		memcpy(out->hostid, p->hostid, 16);
		if (!memcmp(out->hostid, zero, 16) &&
		    getrandom(out->hostid, 16, 0) != 16) {
			return -EIO;
		}
		if (p->hostnqn) {
			snprintf(out->hostnqn, sizeof(out->hostnqn), "%s", p->hostnqn);
		} else {
			const uint8_t *u = out->hostid;

			snprintf(out->hostnqn, sizeof(out->hostnqn),
				 "nqn.2014-08.org.nvmexpress:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-"
				 "%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2], u[3], u[4],
				 u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
				 u[15]);
		}
		snprintf(out->subnqn, sizeof(out->subnqn), "%s", p->subnqn ? p->subnqn : "");
		iop_nvme_host_build_connect(&cmd, &data, 0, qsize, IOP_NVMF_CNTLID_DYNAMIC,
					    p->kato_ms, out->subnqn, out->hostnqn, out->hostid);
		rc = host_admin(&h, &cmd, &data, sizeof(data), &st, &cpl);
		if (rc) {
			return rc;
		}
		if (st) {
			IOP_ERR("nvme host: Connect to %s rejected: %s (IATTR %u IPO %u)\n",
				out->subnqn, iop_nvme_status_str(st), IOP_NVMF_CPL_IATTR(cpl.cdw0),
				IOP_NVMF_CPL_IPO(cpl.cdw0));
			return -ECONNREFUSED;
		}
		out->cntlid = (uint16_t)cpl.cdw0;
		out->kato_ms = p->kato_ms;
	}
	rc = host_reg_read(&h, IOP_NVME_REG_CAP, 8, &out->cap);
	if (!rc) {
		rc = host_reg_read(&h, IOP_NVME_REG_VS, 4, &v);
	}
	if (rc) {
		return rc;
	}
	out->vs = (uint32_t)v;
	out->mqes = IOP_NVME_CAP_MQES(out->cap) + 1;
	if (!p->fabrics) {
		rc = host_reg_read(&h, IOP_NVME_REG_CC, 4, &v);
		if (!rc && (v & IOP_NVME_CC_EN)) {
			rc = host_reg_write(&h, IOP_NVME_REG_CC, 4, 0);
			if (!rc) {
				rc = host_wait_csts(&h, IOP_NVME_CSTS_RDY, 0, host_timeout(p, out->cap));
			}
		}
		if (!rc && ops->setup_admin_queue) {
			rc = ops->setup_admin_queue(ctx, qsize);
		}
		if (rc) {
			return rc;
		}
	}
	cc = IOP_NVME_CC_EN | (6u << IOP_NVME_CC_IOSQES_SHIFT) | (4u << IOP_NVME_CC_IOCQES_SHIFT) |
	     (IOP_NVME_CAP_MPSMIN(out->cap) << IOP_NVME_CC_MPS_SHIFT);
	rc = host_reg_write(&h, IOP_NVME_REG_CC, 4, cc);
	if (!rc) {
		rc = host_wait_csts(&h, IOP_NVME_CSTS_RDY, IOP_NVME_CSTS_RDY,
				    host_timeout(p, out->cap));
	}
	if (rc) {
		return rc;
	}
	out->cc = cc;

	/* page aligned: a PCIe transport can describe it with PRP1 alone */
	id = aligned_alloc(4096, IOP_NVME_IDENTIFY_SIZE);
	if (!id) {
		return -ENOMEM;
	}
	memset(id, 0, IOP_NVME_IDENTIFY_SIZE);
	iop_nvme_host_build_identify(&cmd, IOP_NVME_CNS_CTRLR, 0, 0);
	rc = host_admin(&h, &cmd, id, IOP_NVME_IDENTIFY_SIZE, &st, NULL);
	if (!rc && st) {
		IOP_ERR("nvme host: Identify controller: %s\n", iop_nvme_status_str(st));
		rc = -EPROTO;
	}
	if (rc) {
		goto out;
	}
	if (!p->fabrics) {
		out->cntlid = id->cntlid;
	}
	out->max_xfer = id->mdts ? (4096u << IOP_NVME_CAP_MPSMIN(out->cap)) << id->mdts : 0;
	out->nn = id->nn;
	out->sgls = id->sgls;
	out->ioccsz = id->ioccsz * 16;
	out->oncs = id->oncs;
	out->vwc = id->vwc;
	host_trim_copy(out->sn, sizeof(out->sn), id->sn, sizeof(id->sn));
	host_trim_copy(out->mn, sizeof(out->mn), id->mn, sizeof(id->mn));
	host_trim_copy(out->fr, sizeof(out->fr), id->fr, sizeof(id->fr));
	if (!p->fabrics) {
		host_trim_copy(out->subnqn, sizeof(out->subnqn), id->subnqn, sizeof(id->subnqn));
	}
	if (id->cntrltype == IOP_NVME_CNTRLTYPE_DISCOVERY) {
		goto out;  /* no queues, no namespaces */
	}
	if (p->nr_io_queues) {
		uint16_t want = p->nr_io_queues;

		iop_nvme_host_build_set_features(&cmd, IOP_NVME_FEAT_NUMBER_OF_QUEUES,
						 IOP_NVME_NQ_VALUE(want, want));
		rc = host_admin(&h, &cmd, NULL, 0, &st, &cpl);
		if (!rc && st) {
			IOP_ERR("nvme host: Set Features Number of Queues: %s\n",
				iop_nvme_status_str(st));
			rc = -EPROTO;
		}
		if (rc) {
			goto out;
		}
		out->nr_io_queues = (uint16_t)IOP_MIN(want, IOP_MIN(IOP_NVME_NQ_NSQ(cpl.cdw0),
								   IOP_NVME_NQ_NCQ(cpl.cdw0)));
	}
	out->nsid = p->nsid;
	if (!out->nsid) {
		uint32_t *list = (uint32_t *)id;

		iop_nvme_host_build_identify(&cmd, IOP_NVME_CNS_ACTIVE_NS_LIST, 0, 0);
		rc = host_admin(&h, &cmd, list, IOP_NVME_IDENTIFY_SIZE, &st, NULL);
		if (!rc && st) {
			rc = -EPROTO;
		}
		if (rc) {
			goto out;
		}
		out->nsid = list[0];
		if (!out->nsid) {
			IOP_ERR("nvme host: controller has no active namespace\n");
			rc = -ENXIO;
			goto out;
		}
	}
	ns = (struct iop_nvme_id_ns *)id;
	iop_nvme_host_build_identify(&cmd, IOP_NVME_CNS_NS, out->nsid, 0);
	rc = host_admin(&h, &cmd, ns, IOP_NVME_IDENTIFY_SIZE, &st, NULL);
	if (!rc && st) {
		rc = st == IOP_NVME_SC_INVALID_NAMESPACE_OR_FORMAT ? -ENXIO : -EPROTO;
	}
	if (rc) {
		goto out;
	}
	if (ns->nsze == 0) {
		IOP_ERR("nvme host: namespace %u is not active\n", out->nsid);
		rc = -ENXIO;
		goto out;
	}
	out->nsze = ns->nsze;
	out->lba_shift = ns->lbaf[ns->flbas & 0xf].lbads;
	if (out->lba_shift < 9 || out->lba_shift > 16) {
		IOP_ERR("nvme host: unusable LBA size 2^%u\n", out->lba_shift);
		rc = -EPROTO;
	}
out:
	free(id);
	return rc;
}

int
iop_nvme_host_connect_io(int (*send)(void *ctx, struct iop_nvme_cmd *cmd, void *data, uint32_t len,
				     struct iop_nvme_cpl *cpl),
			 void *ctx, const struct iop_nvme_host_ctrlr *c, uint16_t qid,
			 uint16_t qsize)
{
	struct iop_nvmf_connect_data data;
	struct iop_nvme_cmd cmd;
	struct iop_nvme_cpl cpl;
	uint16_t st;
	int rc;

	iop_nvme_host_build_connect(&cmd, &data, qid, qsize, c->cntlid, 0, c->subnqn, c->hostnqn,
				    c->hostid);
	cmd.cid = 0x200 + qid;
	memset(&cpl, 0, sizeof(cpl));
	rc = send(ctx, &cmd, &data, sizeof(data), &cpl);
	if (rc) {
		return rc;
	}
	st = iop_nvme_cpl_status(&cpl) & 0x7ff;
	if (st) {
		IOP_ERR("nvme host: I/O queue %u Connect rejected: %s (IATTR %u IPO %u)\n", qid,
			iop_nvme_status_str(st), IOP_NVMF_CPL_IATTR(cpl.cdw0),
			IOP_NVMF_CPL_IPO(cpl.cdw0));
		return -ECONNREFUSED;
	}
	return 0;
}

int
iop_nvme_host_shutdown(const struct iop_nvme_host_ops *ops, void *ctx,
		       struct iop_nvme_host_ctrlr *c)
{
	struct host_ctx h = {.ops = ops, .ctx = ctx, .fabrics = ops->reg_read == NULL,
			     .cid = 0x300};
	uint64_t cc;
	int rc;

	rc = host_reg_read(&h, IOP_NVME_REG_CC, 4, &cc);
	if (rc) {
		return rc;
	}
	cc = (cc & ~(3u << IOP_NVME_CC_SHN_SHIFT)) |
	     (IOP_NVME_CC_SHN_NORMAL << IOP_NVME_CC_SHN_SHIFT);
	rc = host_reg_write(&h, IOP_NVME_REG_CC, 4, cc);
	if (rc) {
		return rc;
	}
	c->cc = (uint32_t)cc;
	return host_wait_csts(&h, IOP_NVME_CSTS_SHST_MASK,
			      IOP_NVME_CSTS_SHST_COMPLETE << IOP_NVME_CSTS_SHST_SHIFT,
			      IOP_NVME_CAP_TO(c->cap) ? IOP_NVME_CAP_TO(c->cap) * 500u : 1000);
}
