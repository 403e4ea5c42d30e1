/* SPDX-License-Identifier: BSD-3-Clause */
/* NVMe/RDMA CM private data checks and capsule SGL classification (pure functions). */
#include <string.h>
#include "iopath/nvme_spec.h"
#include "targets/transport/nvmf_rdma/nvmf_rdma_internal.h"

uint16_t
nvmf_rdma_cm_req_check(const void *data, size_t len, const struct nvmf_rdma_cm_limits *lim,
		       struct nvmf_rdma_cm_req *out)
{
	struct nvmf_rdma_cm_req r;
	uint32_t entries;

	if (!data || len < sizeof(r)) {
		return NVMF_RDMA_CM_INVALID_LEN;
	}
	memcpy(&r, data, sizeof(r));
	if (r.recfmt != NVMF_RDMA_RECFMT) {
		return NVMF_RDMA_CM_INVALID_RECFMT;
	}
	if (r.qid > lim->max_qid) {
		return NVMF_RDMA_CM_INVALID_QID;
	}
	entries = (uint32_t)r.hsqsize + 1;
	/* A queue holds at least 2 entries (SQSIZE is 0's based, minimum 1). */
	if (r.hsqsize < 1 || entries > (r.qid ? lim->max_io_depth : lim->max_admin_depth)) {
		return NVMF_RDMA_CM_INVALID_HSQSIZE;
	}
	/* The host must be able to receive a response for every command it may send. */
	if (r.hrqsize < entries || r.hrqsize > (r.qid ? lim->max_io_depth : lim->max_admin_depth) + 1) {
		return NVMF_RDMA_CM_INVALID_HRQSIZE;
	}
	if (out) {
		*out = r;
	}
	return NVMF_RDMA_CM_OK;
}

void
nvmf_rdma_cm_req_build(struct nvmf_rdma_cm_req *r, uint16_t qid, uint16_t entries, uint16_t cntlid)
{
	memset(r, 0, sizeof(*r));
	r->recfmt = NVMF_RDMA_RECFMT;
	r->qid = qid;
	r->hrqsize = entries;
	r->hsqsize = (uint16_t)(entries - 1);
	r->cntlid = cntlid;
}

void
nvmf_rdma_cm_rep_build(struct nvmf_rdma_cm_rep *r, uint16_t crqsize)
{
	memset(r, 0, sizeof(*r));
	r->recfmt = NVMF_RDMA_RECFMT;
	r->crqsize = crqsize;
}

void
nvmf_rdma_cm_rej_build(struct nvmf_rdma_cm_rej *r, uint16_t sts)
{
	r->recfmt = NVMF_RDMA_RECFMT;
	r->sts = sts;
}

const char *
nvmf_rdma_cm_status_str(uint16_t sts)
{
	static const char *const names[] = {
		"ok", "invalid private data length", "invalid RECFMT", "invalid QID",
		"invalid HSQSIZE", "invalid HRQSIZE", "no resources", "invalid IRD", "invalid ORD",
		"invalid CNTLID",
	};

	return sts < sizeof(names) / sizeof(names[0]) ? names[sts] : "unknown";
}

uint16_t
nvmf_rdma_sgl_parse(const struct iop_nvme_cmd *cmd, uint32_t icd, struct nvmf_rdma_data *out)
{
	const struct iop_nvme_sgl_desc *d = &cmd->dptr.sgl1;
	uint8_t type = iop_nvme_sgl_type(d), sub = iop_nvme_sgl_subtype(d);

	memset(out, 0, sizeof(*out));
	if (type == IOP_NVME_SGL_TYPE_KEYED_DATA_BLOCK) {
		if (sub != IOP_NVME_SGL_SUBTYPE_ADDRESS && sub != IOP_NVME_SGL_SUBTYPE_INVALIDATE_KEY) {
			return IOP_NVME_STATUS(IOP_NVME_SCT_GENERIC,
					       IOP_NVME_SC_SGL_DESCRIPTOR_TYPE_INVALID) |
			       IOP_NVME_STATUS_DNR;
		}
		out->len = iop_nvme_sgl_keyed_len(d);
		out->key = iop_nvme_sgl_keyed_key(d);
		out->addr = d->address;
		out->invalidate = sub == IOP_NVME_SGL_SUBTYPE_INVALIDATE_KEY;
		out->kind = out->len ? NVMF_RDMA_DATA_KEYED : NVMF_RDMA_DATA_NONE;
		return 0;
	}
	if (d->unkeyed.id == IOP_NVME_SGL_ID_INCAPSULE) {
		out->len = d->unkeyed.length;
		out->addr = d->address;
		if (!out->len) {
			out->kind = NVMF_RDMA_DATA_NONE;
			return 0;
		}
		if (!icd) {
			return IOP_NVME_STATUS(IOP_NVME_SCT_GENERIC,
					       IOP_NVME_SC_DATA_SGL_LENGTH_INVALID) |
			       IOP_NVME_STATUS_DNR;
		}
		if (d->address > icd || out->len > icd - d->address) {
			return IOP_NVME_STATUS(IOP_NVME_SCT_GENERIC, IOP_NVME_SC_INVALID_SGL_OFFSET) |
			       IOP_NVME_STATUS_DNR;
		}
		out->kind = NVMF_RDMA_DATA_INCAPSULE;
		return 0;
	}
	return IOP_NVME_STATUS(IOP_NVME_SCT_GENERIC, IOP_NVME_SC_SGL_DESCRIPTOR_TYPE_INVALID) |
	       IOP_NVME_STATUS_DNR;
}
