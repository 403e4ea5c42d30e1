/* SPDX-License-Identifier: BSD-3-Clause */
/* Admin commands: Identify, Get/Set Features, Get Log Page, Keep Alive, AER, Abort, PCIe queues. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "iopath/log.h"
#include "iopath/util.h"
#include "targets/nvme/nvme_internal.h"

#define GST(sc) NVME_ST(GENERIC, sc)
#define CST(sc) NVME_ST(COMMAND_SPECIFIC, sc)

static const uint8_t g_zero_page[4096];

static void
iov_zero(const struct iovec *iov, int iovcnt, size_t off, size_t len)
{
	while (len) {
		size_t l = IOP_MIN(len, sizeof(g_zero_page));

		iop_nvme_iov_from_buf(iov, iovcnt, off, g_zero_page, l);
		off += l;
		len -= l;
	}
}

uint16_t
nvme_req_copy_out(struct iop_nvme_req *req, const void *img, size_t img_len, uint64_t offset,
		  uint32_t want)
{
	size_t have;

	if (want > req->data_len) {
		return GST(DATA_SGL_LENGTH_INVALID);
	}
	if (offset > img_len) {
		return GST(INVALID_FIELD);
	}
	have = IOP_MIN((size_t)want, img_len - (size_t)offset);
	iop_nvme_iov_from_buf(req->iov, req->iovcnt, 0, (const uint8_t *)img + offset, have);
	if (have < want) {
		iov_zero(req->iov, req->iovcnt, have, want - have);
	}
	req->data_len = want;
	return 0;
}

uint16_t
nvme_admin_xfer_len(struct iop_nvme_ctrlr *c, const struct iop_nvme_cmd *cmd, uint32_t *len)
{
	switch (cmd->opc) {
	case IOP_NVME_OPC_IDENTIFY:
		*len = IOP_NVME_IDENTIFY_SIZE;
		break;
	case IOP_NVME_OPC_GET_LOG_PAGE:
		if (iop_nvme_glp_numd(cmd) > (1u << 30)) {
			return GST(INVALID_FIELD);
		}
		*len = (uint32_t)iop_nvme_glp_numd(cmd) * 4;
		break;
	case IOP_NVME_OPC_GET_FEATURES:
		/* only Host Identifier returns data, and it exists on fabrics only */
		*len = 0;
		break;
	default:
		/* Queue creation PRPs point at queues, not data; features carry no data here. */
		*len = 0;
		break;
	}
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Identify                                                                                   */

static unsigned int
admin_mdts(const struct iop_nvme_ctrlr *c)
{
	return (unsigned int)__builtin_ctz(c->tgt->opts.max_io_size / 4096u);
}

static void
admin_fill_id_ctrlr(struct iop_nvme_ctrlr *c, struct iop_nvme_id_ctrlr *id)
{
	const struct iop_nvme_tgt_opts *o = &c->tgt->opts;

	memset(id, 0, sizeof(*id));
	nvme_fill_padded(id->sn, sizeof(id->sn), c->ss->sn);
	nvme_fill_padded(id->mn, sizeof(id->mn), c->ss->mn);
	nvme_fill_padded(id->fr, sizeof(id->fr), NVME_FW_REV);
	id->rab = 6;
	id->cmic = c->pcie || c->discovery ? 0 : IOP_NVME_CMIC_MULTI_CTRLR;
	id->mdts = (uint8_t)admin_mdts(c);
	id->cntlid = c->cntlid;
	id->ver = c->vs;
	id->oaes = c->discovery ? IOP_NVME_OAES_DISC_CHANGE : IOP_NVME_OAES_NS_ATTR;
	id->ctratt = c->pcie ? 0 : IOP_NVME_CTRATT_HOSTID_128;
	id->cntrltype = c->discovery ? IOP_NVME_CNTRLTYPE_DISCOVERY : IOP_NVME_CNTRLTYPE_IO;
	id->acl = 3;
	id->aerl = IOP_NVME_MAX_AER - 1;
	id->frmw = 0x3;         /* one slot, read-only */
	id->lpa = IOP_NVME_LPA_CMD_EFFECTS | IOP_NVME_LPA_EXT_DATA;
	id->elpe = NVME_ERRLOG_ENTRIES - 1;
	id->npss = 0;
	id->wctemp = 343;
	id->cctemp = 373;
	id->kas = NVME_KAS_100MS;
	id->psd[0].mp = 100;    /* 1 W */
	id->sqes = 0x66;
	id->cqes = 0x44;
	id->maxcmd = o->max_queue_depth;
	id->nn = c->discovery ? 0 : IOP_NVME_MAX_NS;
	if (!c->discovery) {
		id->oncs = IOP_NVME_ONCS_DSM | IOP_NVME_ONCS_WRITE_ZEROES;
		id->vwc = c->vwc_present ? IOP_NVME_VWC_PRESENT | IOP_NVME_VWC_FLUSH_BCAST_NS : 0;
	}
	id->fna = 0;
	id->awun = 0;
	id->awupf = 0;
	if (c->pcie) {
		id->sgls = IOP_NVME_SGLS_SUPPORTED;
	} else {
		id->sgls = o->sgls ? o->sgls : IOP_NVME_SGLS_SUPPORTED | IOP_NVME_SGLS_OFFSET |
							IOP_NVME_SGLS_TRANSPORT;
		id->ioccsz = (IOP_NVME_CMD_SIZE + o->in_capsule_data) / 16;
		id->iorcsz = IOP_NVME_CPL_SIZE / 16;
		id->icdoff = 0;
		id->fcatt = 0;  /* dynamic controller model */
		id->msdbd = o->msdbd;
	}
	memcpy(id->subnqn, c->ss->nqn, strnlen(c->ss->nqn, sizeof(id->subnqn) - 1));
}

static void
admin_fill_id_ns(struct iop_nvme_ctrlr *c, const struct iop_nvme_ns *ns, struct iop_nvme_id_ns *id)
{
	memset(id, 0, sizeof(*id));
	id->nsze = ns->nblocks;
	id->ncap = ns->nblocks;
	id->nuse = ns->nblocks;
	id->nlbaf = 0;
	id->flbas = 0;
	id->lbaf[0].lbads = (uint8_t)ns->lba_shift;
	id->lbaf[0].ms = 0;
	id->nmic = c->pcie ? 0 : IOP_NVME_NMIC_SHARED;
	if (ns->be->info.max_io && ns->be->info.max_io >> ns->lba_shift <= 0xffff) {
		id->noiob = (uint16_t)(ns->be->info.max_io >> ns->lba_shift);
	}
	memcpy(id->nguid, ns->nguid, sizeof(id->nguid));
}

static size_t
admin_ns_desc(uint8_t *p, uint8_t type, const void *id, uint8_t len)
{
	struct iop_nvme_ns_id_desc *d = (struct iop_nvme_ns_id_desc *)p;

	d->nidt = type;
	d->nidl = len;
	d->rsvd = 0;
	memcpy(d->nid, id, len);
	return sizeof(*d) + len;
}

static void
admin_identify(struct iop_nvme_req *req)
{
	struct iop_nvme_ctrlr *c = req->qpair->ctrlr;
	const struct iop_nvme_cmd *cmd = &req->cmd;
	uint8_t cns = cmd->cdw10 & 0xff;
	uint32_t nsid = cmd->nsid;
	struct iop_nvme_ns *ns;
	uint8_t *buf;
	uint16_t st = 0;

	if (c->discovery && cns != IOP_NVME_CNS_CTRLR) {
		nvme_req_complete(req, GST(INVALID_FIELD));
		return;
	}
	buf = calloc(1, IOP_NVME_IDENTIFY_SIZE);
	if (!buf) {
		nvme_req_complete(req, GST(INTERNAL_DEVICE_ERROR));
		return;
	}
	switch (cns) {
	case IOP_NVME_CNS_CTRLR:
		admin_fill_id_ctrlr(c, (struct iop_nvme_id_ctrlr *)buf);
		break;
	case IOP_NVME_CNS_NS:
		if (nsid == 0 || nsid > IOP_NVME_MAX_NS) {
			st = GST(INVALID_NAMESPACE_OR_FORMAT);
			break;
		}
		ns = nvme_ns_get(c->ss, nsid);
		if (ns) {
			admin_fill_id_ns(c, ns, (struct iop_nvme_id_ns *)buf);
		} /* an inactive NSID in range returns a zero-filled structure (B 5.17.2.1) */
		break;
	case IOP_NVME_CNS_ACTIVE_NS_LIST: {
		uint32_t *list = (uint32_t *)buf, n = 0;

		if (nsid >= 0xfffffffe) {
			st = GST(INVALID_NAMESPACE_OR_FORMAT);
			break;
		}
		for (uint32_t i = nsid + 1; i <= IOP_NVME_MAX_NS; i++) {
			if (nvme_ns_get(c->ss, i)) {
				list[n++] = i;
			}
		}
		break;
	}
	case IOP_NVME_CNS_NS_DESC_LIST: {
		size_t off = 0;
		uint8_t csi = IOP_NVME_CSI_NVM;

		ns = nvme_ns_get(c->ss, nsid);
		if (!ns) {
			st = GST(INVALID_NAMESPACE_OR_FORMAT);
			break;
		}
		off += admin_ns_desc(buf + off, IOP_NVME_NIDT_NGUID, ns->nguid, 16);
		off += admin_ns_desc(buf + off, IOP_NVME_NIDT_UUID, ns->uuid, 16);
		off += admin_ns_desc(buf + off, IOP_NVME_NIDT_CSI, &csi, 1);
		break;
	}
	case IOP_NVME_CNS_CSI_CTRLR:
	case IOP_NVME_CNS_CSI_NS:
		/* NVM command set specific structures: all zero means "no extra limits" (VSL,
		 * WZSL, DMRL... = 0) and no extended LBA formats. Other command sets: none. */
		if ((cmd->cdw11 >> 24) != IOP_NVME_CSI_NVM) {
			st = GST(INVALID_FIELD);
		} else if (cns == IOP_NVME_CNS_CSI_NS && !nvme_ns_get(c->ss, nsid)) {
			st = GST(INVALID_NAMESPACE_OR_FORMAT);
		}
		break;
	default:
		st = GST(INVALID_FIELD);
		break;
	}
	if (!st) {
		st = nvme_req_copy_out(req, buf, IOP_NVME_IDENTIFY_SIZE, 0, IOP_NVME_IDENTIFY_SIZE);
	}
	free(buf);
	nvme_req_complete(req, st);
}

/* ------------------------------------------------------------------------------------------ */
/* Features                                                                                   */

static void
admin_get_features(struct iop_nvme_req *req)
{
	struct iop_nvme_ctrlr *c = req->qpair->ctrlr;
	uint8_t fid = IOP_NVME_FEAT_FID(req->cmd.cdw10);
	uint8_t sel = IOP_NVME_FEAT_SEL(req->cmd.cdw10);
	/* SEL 01b (default) reports the values a reset restores; saved = current (none saveable) */
	bool def = sel == IOP_NVME_FEAT_SEL_DEFAULT;
	uint32_t v;

	if (sel > IOP_NVME_FEAT_SEL_SUPPORTED) {
		goto invalid;
	}
	switch (fid) {
	case IOP_NVME_FEAT_ARBITRATION:
		v = def ? 0 : c->arbitration;
		break;
	case IOP_NVME_FEAT_POWER_MANAGEMENT:
		v = def ? 0 : c->power_mgmt;
		break;
	case IOP_NVME_FEAT_ERROR_RECOVERY:
		v = 0;
		break;
	case IOP_NVME_FEAT_TEMPERATURE_THRESHOLD:
		v = 343;
		break;
	case IOP_NVME_FEAT_VOLATILE_WRITE_CACHE:
		v = (def ? c->vwc_present : c->wce) ? 1 : 0;
		break;
	case IOP_NVME_FEAT_NUMBER_OF_QUEUES:
		if (c->discovery) {
			goto invalid;
		}
		v = IOP_NVME_NQ_VALUE(c->max_io_queues, c->max_io_queues);
		break;
	case IOP_NVME_FEAT_INTERRUPT_COALESCING:
		v = def ? 0 : c->int_coalescing;
		break;
	case IOP_NVME_FEAT_WRITE_ATOMICITY:
		v = def ? 0 : c->write_atomicity;
		break;
	case IOP_NVME_FEAT_ASYNC_EVENT_CONFIG:
		v = def ? 0 : c->aec;
		break;
	case IOP_NVME_FEAT_KEEP_ALIVE_TIMER:
		v = def ? 0 : c->kato_ms;
		break;
	case IOP_NVME_FEAT_HOST_IDENTIFIER:
		/* fabrics: the 128-bit Host Identifier of Connect; EXHID (CDW11 bit 0) must be 1 */
		if (c->pcie || !(req->cmd.cdw11 & 1)) {
			goto invalid;
		}
		if (sel != IOP_NVME_FEAT_SEL_SUPPORTED) {
			nvme_req_complete(req, nvme_req_copy_out(req, c->hostid, sizeof(c->hostid), 0,
								 sizeof(c->hostid)));
			return;
		}
		v = 0;
		break;
	default:
		goto invalid;
	}
	if (sel == IOP_NVME_FEAT_SEL_SUPPORTED) {
		/* capabilities: bit 2 changeable (nothing is saveable or namespace specific) */
		v = fid == IOP_NVME_FEAT_HOST_IDENTIFIER ? 0 : 1u << 2;
	}
	req->cpl.cdw0 = v;
	nvme_req_complete(req, 0);
	return;
invalid:
	nvme_req_complete(req, GST(INVALID_FIELD));
}

static void
admin_set_features(struct iop_nvme_req *req)
{
	struct iop_nvme_ctrlr *c = req->qpair->ctrlr;
	uint8_t fid = IOP_NVME_FEAT_FID(req->cmd.cdw10);
	uint32_t v = req->cmd.cdw11;
	uint16_t st = 0;

	if (req->cmd.cdw10 & IOP_NVME_FEAT_SV) {
		nvme_req_complete(req, CST(FEATURE_ID_NOT_SAVEABLE));
		return;
	}
	switch (fid) {
	case IOP_NVME_FEAT_ARBITRATION:
		c->arbitration = v;
		break;
	case IOP_NVME_FEAT_POWER_MANAGEMENT:
		if ((v & 0x1f) != 0) {   /* only power state 0 exists (NPSS = 0) */
			st = GST(INVALID_FIELD);
		} else {
			c->power_mgmt = v;
		}
		break;
	case IOP_NVME_FEAT_VOLATILE_WRITE_CACHE:
		if (!c->vwc_present) {
			st = GST(INVALID_FIELD);
		} else {
			c->wce = v & 1;
		}
		break;
	case IOP_NVME_FEAT_NUMBER_OF_QUEUES: {
		bool io_bound = false;

		if (c->discovery || (v & 0xffff) == 0xffff || (v >> 16) == 0xffff) {
			st = GST(INVALID_FIELD);
			break;
		}
		pthread_mutex_lock(&c->lock);
		for (unsigned int q = 1; q <= IOP_NVME_MAX_IO_QUEUES; q++) {
			io_bound |= c->ioq[q] != NULL;
		}
		pthread_mutex_unlock(&c->lock);
		if (io_bound) {
			/* B 5.27.1.7: only before any I/O queue exists. */
			st = GST(COMMAND_SEQUENCE_ERROR);
			break;
		}
		/* Report the allocation; the host uses min(requested, allocated). */
		c->nq_set = true;
		req->cpl.cdw0 = IOP_NVME_NQ_VALUE(c->max_io_queues, c->max_io_queues);
		break;
	}
	case IOP_NVME_FEAT_INTERRUPT_COALESCING:
		c->int_coalescing = v;
		break;
	case IOP_NVME_FEAT_WRITE_ATOMICITY:
		c->write_atomicity = v & 1;
		break;
	case IOP_NVME_FEAT_ASYNC_EVENT_CONFIG:
		c->aec = v & (c->discovery ? IOP_NVME_AEC_DISC_CHANGE :
				 IOP_NVME_AEC_NS_ATTR | IOP_NVME_AEC_SMART_MASK);
		nvme_ctrlr_deliver_events(c);
		break;
	case IOP_NVME_FEAT_KEEP_ALIVE_TIMER:
		c->kato_ms = v ? nvme_kato_round(v) : 0;
		c->last_ka_ns = iop_now_ns();
		break;
	default:
		st = GST(INVALID_FIELD);
		break;
	}
	nvme_req_complete(req, st);
}

/* ------------------------------------------------------------------------------------------ */
/* Log pages                                                                                  */

static void
u128_set(uint8_t v[16], uint64_t x)
{
	memset(v, 0, 16);
	memcpy(v, &x, 8);
}

static void
admin_log_health(struct iop_nvme_ctrlr *c, struct iop_nvme_health_log *h)
{
	struct nvme_stats s;

	nvme_ctrlr_stats(c, &s);
	memset(h, 0, sizeof(*h));
	h->temperature = 296;
	h->avail_spare = 100;
	h->avail_spare_threshold = 10;
	u128_set(h->data_units_read, (s.bytes_read + 511999) / 512000);
	u128_set(h->data_units_written, (s.bytes_written + 511999) / 512000);
	u128_set(h->host_read_commands, s.read_cmds);
	u128_set(h->host_write_commands, s.write_cmds);
	u128_set(h->power_cycles, 1);
	u128_set(h->power_on_hours, (iop_now_ns() - c->create_ns) / 3600000000000ull);
	pthread_mutex_lock(&c->lock);
	u128_set(h->num_err_log_entries, c->err_count);
	pthread_mutex_unlock(&c->lock);
}

static void
admin_log_effects(struct iop_nvme_ctrlr *c, struct iop_nvme_cmd_effects_log *e)
{
	static const uint8_t admin_ops[] = {
		IOP_NVME_OPC_GET_LOG_PAGE, IOP_NVME_OPC_IDENTIFY, IOP_NVME_OPC_ABORT,
		IOP_NVME_OPC_SET_FEATURES, IOP_NVME_OPC_GET_FEATURES,
		IOP_NVME_OPC_ASYNC_EVENT_REQUEST, IOP_NVME_OPC_KEEP_ALIVE,
	};
	static const uint8_t pcie_ops[] = {
		IOP_NVME_OPC_DELETE_IO_SQ, IOP_NVME_OPC_CREATE_IO_SQ, IOP_NVME_OPC_DELETE_IO_CQ,
		IOP_NVME_OPC_CREATE_IO_CQ,
	};

	memset(e, 0, sizeof(*e));
	for (size_t i = 0; i < IOP_ARRAY_SIZE(admin_ops); i++) {
		e->acs[admin_ops[i]] = IOP_NVME_CSE_CSUPP;
	}
	if (c->pcie) {
		for (size_t i = 0; i < IOP_ARRAY_SIZE(pcie_ops); i++) {
			e->acs[pcie_ops[i]] = IOP_NVME_CSE_CSUPP;
		}
	}
	e->iocs[IOP_NVME_OPC_FLUSH] = IOP_NVME_CSE_CSUPP;
	e->iocs[IOP_NVME_OPC_READ] = IOP_NVME_CSE_CSUPP;
	e->iocs[IOP_NVME_OPC_WRITE] = IOP_NVME_CSE_CSUPP | IOP_NVME_CSE_LBCC;
	e->iocs[IOP_NVME_OPC_WRITE_ZEROES] = IOP_NVME_CSE_CSUPP | IOP_NVME_CSE_LBCC;
	e->iocs[IOP_NVME_OPC_DATASET_MANAGEMENT] = IOP_NVME_CSE_CSUPP | IOP_NVME_CSE_LBCC;
}

static void
admin_log_errors(struct iop_nvme_ctrlr *c, struct iop_nvme_error_log *out)
{
	/* Newest first; entries never written stay zero (error count 0). */
	pthread_mutex_lock(&c->lock);
	for (uint64_t i = 0; i < NVME_ERRLOG_ENTRIES && i < c->err_count; i++) {
		out[i] = c->errlog[(c->err_count - 1 - i) % NVME_ERRLOG_ENTRIES];
	}
	pthread_mutex_unlock(&c->lock);
}

static void
admin_get_log_page(struct iop_nvme_req *req)
{
	struct iop_nvme_ctrlr *c = req->qpair->ctrlr;
	const struct iop_nvme_cmd *cmd = &req->cmd;
	uint8_t lid = IOP_NVME_GLP_LID(cmd->cdw10);
	uint64_t offset = iop_nvme_glp_offset(cmd);
	uint64_t want = iop_nvme_glp_numd(cmd) * 4;
	bool rae = cmd->cdw10 & IOP_NVME_GLP_RAE;
	void *img = NULL;
	size_t len = 0;
	uint16_t st;

	if (offset & 3) {
		nvme_req_complete(req, GST(INVALID_FIELD));
		return;
	}
	if (want > req->data_len) {
		/* more than the host's buffer (or than any transfer we accept) */
		nvme_req_complete(req, GST(DATA_SGL_LENGTH_INVALID));
		return;
	}
	if (c->discovery != (lid == IOP_NVME_LOG_DISCOVERY) && lid != IOP_NVME_LOG_ERROR) {
		nvme_req_complete(req, CST(INVALID_LOG_PAGE));
		return;
	}
	switch (lid) {
	case IOP_NVME_LOG_ERROR:
		len = NVME_ERRLOG_ENTRIES * sizeof(struct iop_nvme_error_log);
		img = calloc(1, len);
		if (img) {
			admin_log_errors(c, img);
		}
		break;
	case IOP_NVME_LOG_HEALTH:
		if (cmd->nsid != 0 && cmd->nsid != 0xffffffff) {
			nvme_req_complete(req, GST(INVALID_FIELD));
			return;
		}
		len = sizeof(struct iop_nvme_health_log);
		img = calloc(1, len);
		if (img) {
			admin_log_health(c, img);
		}
		break;
	case IOP_NVME_LOG_FIRMWARE_SLOT: {
		struct iop_nvme_fw_slot_log *fw;

		len = sizeof(*fw);
		img = fw = calloc(1, len);
		if (fw) {
			fw->afi = 1;
			nvme_fill_padded(fw->frs[0], sizeof(fw->frs[0]), NVME_FW_REV);
		}
		break;
	}
	case IOP_NVME_LOG_CHANGED_NS_LIST: {
		uint32_t *list, mask, n = 0;

		len = 4096;
		img = list = calloc(1, len);
		if (!list) {
			break;
		}
		mask = rae ? __atomic_load_n(&c->changed_ns, __ATOMIC_ACQUIRE) :
			     __atomic_exchange_n(&c->changed_ns, 0, __ATOMIC_ACQ_REL);
		for (uint32_t i = 0; i < 32; i++) {
			if (mask & (1u << i)) {
				list[n++] = i + 1;
			}
		}
		if (!rae) {
			c->events_masked &= ~NVME_EVT_NS_ATTR;
		}
		break;
	}
	case IOP_NVME_LOG_COMMAND_EFFECTS:
		len = sizeof(struct iop_nvme_cmd_effects_log);
		img = calloc(1, len);
		if (img) {
			admin_log_effects(c, img);
		}
		break;
	case IOP_NVME_LOG_DISCOVERY:
		if (nvme_disc_log_build(c->tgt, c->hostnqn, &img, &len)) {
			img = NULL;
		}
		if (!rae) {
			c->events_masked &= ~NVME_EVT_DISC;
		}
		break;
	default:
		nvme_req_complete(req, CST(INVALID_LOG_PAGE));
		return;
	}
	if (!img) {
		nvme_req_complete(req, GST(INTERNAL_DEVICE_ERROR));
		return;
	}
	st = nvme_req_copy_out(req, img, len, offset, (uint32_t)want);
	free(img);
	nvme_req_complete(req, st);
	nvme_ctrlr_deliver_events(c);
}

/* ------------------------------------------------------------------------------------------ */
/* Async events, keep alive, abort                                                            */

void
nvme_aer_abort_all(struct iop_nvme_ctrlr *c)
{
	while (c->naer) {
		struct iop_nvme_req *req = c->aer[--c->naer];

		nvme_req_complete(req, IOP_NVME_STATUS(IOP_NVME_SCT_GENERIC,
						       IOP_NVME_SC_ABORTED_SQ_DELETION));
	}
}

static void
admin_aer(struct iop_nvme_req *req)
{
	struct iop_nvme_ctrlr *c = req->qpair->ctrlr;

	if (c->naer >= IOP_NVME_MAX_AER) {
		nvme_req_complete(req, CST(ASYNC_EVENT_REQUEST_LIMIT_EXCEEDED));
		return;
	}
	req->priv.state = NVME_REQ_HELD;
	c->aer[c->naer++] = req;
	nvme_ctrlr_deliver_events(c);
}

/*
 * Abort (B 5.1): a held Async Event Request on the admin queue is aborted (it completes with
 * Command Abort Requested); anything else is already executing in a backend or done, and is
 * reported "not aborted", which the spec allows.
 */
static void
admin_abort(struct iop_nvme_req *req)
{
	struct iop_nvme_ctrlr *c = req->qpair->ctrlr;
	uint16_t sqid = req->cmd.cdw10 & 0xffff, cid = (uint16_t)(req->cmd.cdw10 >> 16);

	req->cpl.cdw0 = IOP_NVME_ABORT_NOT_ABORTED;
	if (sqid == 0) {
		for (unsigned int i = 0; i < c->naer; i++) {
			struct iop_nvme_req *aer = c->aer[i];

			if (aer->cmd.cid != cid) {
				continue;
			}
			c->aer[i] = c->aer[--c->naer];
			aer->priv.state = NVME_REQ_EXEC;
			nvme_req_complete(aer, IOP_NVME_STATUS(IOP_NVME_SCT_GENERIC,
							       IOP_NVME_SC_ABORTED_BY_REQUEST));
			req->cpl.cdw0 = 0;
			break;
		}
	}
	nvme_req_complete(req, 0);
}

/* ------------------------------------------------------------------------------------------ */
/* PCIe queue management                                                                      */

static void
admin_queue_cmd(struct iop_nvme_req *req)
{
	struct iop_nvme_ctrlr *c = req->qpair->ctrlr;
	const struct iop_nvme_cmd *cmd = &req->cmd;
	const struct iop_nvme_pcie_ops *ops = c->pcie_ops;
	struct iop_nvme_pcie_queue q = {0};
	uint32_t mqes = IOP_NVME_CAP_MQES(c->cap) + 1;
	uint16_t st;

	q.qid = IOP_NVME_QCREATE_QID(cmd->cdw10);
	if (q.qid == 0 || q.qid > c->max_io_queues) {
		nvme_req_complete(req, CST(INVALID_QUEUE_IDENTIFIER));
		return;
	}
	if (!ops) {
		nvme_req_complete(req, GST(INTERNAL_DEVICE_ERROR));
		return;
	}
	switch (cmd->opc) {
	case IOP_NVME_OPC_CREATE_IO_CQ:
	case IOP_NVME_OPC_CREATE_IO_SQ:
		q.qsize = IOP_NVME_QCREATE_QSIZE(cmd->cdw10);
		q.prp1 = cmd->dptr.prp.prp1;
		if (q.qsize < 2 || q.qsize > mqes) {
			nvme_req_complete(req, CST(INVALID_QUEUE_SIZE));
			return;
		}
		if (!(cmd->cdw11 & IOP_NVME_QCREATE_PC)) {
			/* CAP.CQR = 1: queues must be physically contiguous. */
			nvme_req_complete(req, GST(INVALID_FIELD));
			return;
		}
		if (q.prp1 & (nvme_ctrlr_page_size(c) - 1)) {
			nvme_req_complete(req, GST(INVALID_PRP_OFFSET));
			return;
		}
		if (cmd->opc == IOP_NVME_OPC_CREATE_IO_CQ) {
			q.ien = cmd->cdw11 & IOP_NVME_QCREATE_CQ_IEN;
			q.iv = IOP_NVME_QCREATE_CQ_IV(cmd->cdw11);
			st = ops->create_cq ? ops->create_cq(c->pcie_ctx, req, &q) :
					      GST(INVALID_OPCODE);
		} else {
			q.cqid = IOP_NVME_QCREATE_SQ_CQID(cmd->cdw11);
			q.qprio = IOP_NVME_QCREATE_SQ_QPRIO(cmd->cdw11);
			if (q.cqid == 0 || q.cqid > c->max_io_queues) {
				nvme_req_complete(req, CST(COMPLETION_QUEUE_INVALID));
				return;
			}
			st = ops->create_sq ? ops->create_sq(c->pcie_ctx, req, &q) :
					      GST(INVALID_OPCODE);
		}
		break;
	case IOP_NVME_OPC_DELETE_IO_SQ:
		st = ops->delete_sq ? ops->delete_sq(c->pcie_ctx, req, q.qid) : GST(INVALID_OPCODE);
		break;
	default: /* IOP_NVME_OPC_DELETE_IO_CQ */
		st = ops->delete_cq ? ops->delete_cq(c->pcie_ctx, req, q.qid) : GST(INVALID_OPCODE);
		break;
	}
	if (st != IOP_NVME_IN_PROGRESS) {
		nvme_req_complete(req, st);
	}
}

/* ------------------------------------------------------------------------------------------ */

void
nvme_admin_exec(struct iop_nvme_req *req)
{
	struct iop_nvme_ctrlr *c = req->qpair->ctrlr;
	uint8_t opc = req->cmd.opc;

	if (!c->pcie && !(nvme_csts(c) & IOP_NVME_CSTS_RDY)) {
		/* Fabrics: only fabrics commands until CC.EN = 1 (F 3.x, controller init). */
		nvme_req_complete(req, GST(COMMAND_SEQUENCE_ERROR));
		return;
	}
	/* Any admin command shows the host is alive; Keep Alive is the explicit form. */
	c->last_ka_ns = iop_now_ns();
	switch (opc) {
	case IOP_NVME_OPC_IDENTIFY:
		admin_identify(req);
		return;
	case IOP_NVME_OPC_GET_LOG_PAGE:
		admin_get_log_page(req);
		return;
	case IOP_NVME_OPC_GET_FEATURES:
		admin_get_features(req);
		return;
	case IOP_NVME_OPC_SET_FEATURES:
		admin_set_features(req);
		return;
	case IOP_NVME_OPC_KEEP_ALIVE:
		nvme_req_complete(req, 0);
		return;
	case IOP_NVME_OPC_ASYNC_EVENT_REQUEST:
		admin_aer(req);
		return;
	default:
		break;
	}
	if (c->discovery) {
		nvme_req_complete(req, GST(INVALID_OPCODE));
		return;
	}
	switch (opc) {
	case IOP_NVME_OPC_ABORT:
		admin_abort(req);
		return;
	case IOP_NVME_OPC_CREATE_IO_CQ:
	case IOP_NVME_OPC_CREATE_IO_SQ:
	case IOP_NVME_OPC_DELETE_IO_CQ:
	case IOP_NVME_OPC_DELETE_IO_SQ:
		if (c->pcie) {
			admin_queue_cmd(req);
			return;
		}
		break;
	default:
		break;
	}
	nvme_req_complete(req, GST(INVALID_OPCODE));
}
