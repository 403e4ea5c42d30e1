/* SPDX-License-Identifier: BSD-3-Clause */
/* NVMe/RDMA wire rules: CM private data (request/accept/reject) and capsule SGL classification. */
#ifndef IOPATH_NVMF_RDMA_INTERNAL_H
#define IOPATH_NVMF_RDMA_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "iopath/nvme_spec.h"

/* NVMe over Fabrics 1.1, 7.3.2 (RDMA transport binding): CM private data, little-endian. */
#define NVMF_RDMA_RECFMT 0

struct nvmf_rdma_cm_req {       /* in the RDMA_CM_REQUEST private data */
	uint16_t recfmt;
	uint16_t qid;
	uint16_t hrqsize;       /* host receive queue size (1's based) */
	uint16_t hsqsize;       /* host send queue size (0's based: the SQSIZE of Connect) */
	uint16_t cntlid;
	uint8_t rsvd[22];
} __attribute__((packed));
_Static_assert(sizeof(struct nvmf_rdma_cm_req) == 32, "cm req");

struct nvmf_rdma_cm_rep {       /* RDMA_CM_REPLY (accept) private data */
	uint16_t recfmt;
	uint16_t crqsize;       /* controller receive queue size */
	uint8_t rsvd[28];
} __attribute__((packed));
_Static_assert(sizeof(struct nvmf_rdma_cm_rep) == 32, "cm rep");

struct nvmf_rdma_cm_rej {       /* RDMA_CM_REJECT private data */
	uint16_t recfmt;
	uint16_t sts;
} __attribute__((packed));
_Static_assert(sizeof(struct nvmf_rdma_cm_rej) == 4, "cm rej");

enum nvmf_rdma_cm_status {
	NVMF_RDMA_CM_OK = 0,
	NVMF_RDMA_CM_INVALID_LEN = 0x01,     /* invalid private data length */
	NVMF_RDMA_CM_INVALID_RECFMT = 0x02,
	NVMF_RDMA_CM_INVALID_QID = 0x03,
	NVMF_RDMA_CM_INVALID_HSQSIZE = 0x04,
	NVMF_RDMA_CM_INVALID_HRQSIZE = 0x05,
	NVMF_RDMA_CM_NO_RESOURCES = 0x06,
	NVMF_RDMA_CM_INVALID_IRD = 0x07,
	NVMF_RDMA_CM_INVALID_ORD = 0x08,
	NVMF_RDMA_CM_INVALID_CNTLID = 0x09,
};

/** Limits a target applies to a connection request. */
struct nvmf_rdma_cm_limits {
	uint16_t max_qid;           /* highest I/O queue ID (max I/O queues) */
	uint32_t max_admin_depth;   /* admin queue entries */
	uint32_t max_io_depth;      /* I/O queue entries */
};

/**
 * Check connection request private data.
 * \return 0 (out filled: queue entries = hsqsize + 1) or the reject status
 *         (enum nvmf_rdma_cm_status) the target sends back.
 */
uint16_t nvmf_rdma_cm_req_check(const void *data, size_t len, const struct nvmf_rdma_cm_limits *lim,
				struct nvmf_rdma_cm_req *out);
/** CM REQ private data for a queue of entries; cntlid: the controller ID for I/O queues (0 for
 * the admin queue, whose controller is not known yet), as Linux sends it. */
void nvmf_rdma_cm_req_build(struct nvmf_rdma_cm_req *r, uint16_t qid, uint16_t entries,
			    uint16_t cntlid);
void nvmf_rdma_cm_rep_build(struct nvmf_rdma_cm_rep *r, uint16_t crqsize);
void nvmf_rdma_cm_rej_build(struct nvmf_rdma_cm_rej *r, uint16_t sts);
/** Human name of a reject status. */
const char *nvmf_rdma_cm_status_str(uint16_t sts);

/** Where a fabrics command's data lives (SGL1 of the capsule). */
enum nvmf_rdma_data_kind {
	NVMF_RDMA_DATA_NONE,        /* no data (length 0) */
	NVMF_RDMA_DATA_INCAPSULE,   /* data block, offset subtype: bytes after the SQE */
	NVMF_RDMA_DATA_KEYED,       /* keyed data block: RDMA READ (H2C) / WRITE (C2H) */
};

struct nvmf_rdma_data {
	uint8_t kind;
	bool invalidate;            /* keyed subtype Fh: answer with SEND WITH INVALIDATE of key */
	uint32_t len;
	uint32_t key;
	uint64_t addr;              /* remote address (keyed) or offset into the in-capsule data */
};

/**
 * Classify SGL1 of a command capsule holding icd bytes of in-capsule data (after the SQE).
 * Only the transport checks are made here (the core checks lengths against MDTS and IOCCSZ):
 * \return 0 and *out, or an NVMe status (without the phase bit): SGL Descriptor Type Invalid
 *         (not keyed / in-capsule data block, or keyed with a reserved subtype), Invalid SGL
 *         Offset (in-capsule offset+length past the received data), Data SGL Length Invalid
 *         (in-capsule descriptor without the data).
 */
uint16_t nvmf_rdma_sgl_parse(const struct iop_nvme_cmd *cmd, uint32_t icd, struct nvmf_rdma_data *out);

/** Device presence check shared by target, initiator and bench: true when ibverbs lists one. */
bool nvmf_rdma_have_device(void);
#define NVMF_RDMA_NO_DEVICE_MSG "no RDMA device (ibv_get_device_list returned none)"

#endif
