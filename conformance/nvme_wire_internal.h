/* SPDX-License-Identifier: BSD-3-Clause */
/* NVMe/TCP PDU and NVMe SQE/CQE field offsets used by the conformance checker and probes. */
#ifndef IOPATH_CONFORMANCE_NVME_WIRE_INTERNAL_H
#define IOPATH_CONFORMANCE_NVME_WIRE_INTERNAL_H

/*
 * The conformance code reads PDUs straight out of reassembled byte streams (any alignment), so
 * it works on byte offsets with little-endian loads instead of packed structs. Constants come
 * from the shared include/iopath/nvme_tcp_spec.h and nvme_spec.h; the byte offsets used here
 * are checked against their structures where the structures exist.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "iopath/nvme_spec.h"
#include "iopath/nvme_tcp_spec.h"

/* PDU types, flags and header lengths: the shared definitions under short local names. */
enum {
	CW_ICREQ = NVME_TCP_PDU_ICREQ, CW_ICRESP = NVME_TCP_PDU_ICRESP,
	CW_H2C_TERM = NVME_TCP_PDU_H2C_TERM_REQ, CW_C2H_TERM = NVME_TCP_PDU_C2H_TERM_REQ,
	CW_CMD = NVME_TCP_PDU_CAPSULE_CMD, CW_RESP = NVME_TCP_PDU_CAPSULE_RESP,
	CW_H2C_DATA = NVME_TCP_PDU_H2C_DATA, CW_C2H_DATA = NVME_TCP_PDU_C2H_DATA,
	CW_R2T = NVME_TCP_PDU_R2T,
};
#define CW_F_HDGST NVME_TCP_F_HDGSTF
#define CW_F_DDGST NVME_TCP_F_DDGSTF
#define CW_F_LAST NVME_TCP_F_LAST_PDU
#define CW_F_SUCCESS NVME_TCP_F_SUCCESS
#define CW_IC_LEN NVME_TCP_ICREQ_LEN
#define CW_TERM_HLEN NVME_TCP_TERM_HLEN
#define CW_TERM_MAX_PLEN NVME_TCP_TERM_MAX_PLEN
#define CW_CMD_HLEN NVME_TCP_CMD_HLEN
#define CW_RESP_HLEN NVME_TCP_RESP_HLEN
#define CW_DATA_HLEN NVME_TCP_DATA_HLEN
#define CW_MIN_MAXH2CDATA NVME_TCP_MIN_MAXH2CDATA
#define CW_ADMIN_MAX_ICD 8192u     /* NVMe/TCP: admin queue in-capsule data limit (8 KiB) */

/* SQE (64 bytes) offsets. */
#define SQE_OPC 0
#define SQE_FLAGS 1     /* FUSE 1:0, PSDT 7:6 */
#define SQE_CID 2
#define SQE_NSID 4
#define SQE_SGL 24      /* addr 8, length 4 @32, rsvd 3, SGL identifier @39 */
#define SQE_CDW10 40
#define SQE_FCTYPE 4    /* Fabrics commands (opcode 7Fh) */
/* Fabrics. */
#define NVMF_OPC 0x7f
enum {
	FCT_PROP_SET = IOP_NVMF_FCTYPE_PROPERTY_SET, FCT_CONNECT = IOP_NVMF_FCTYPE_CONNECT,
	FCT_PROP_GET = IOP_NVMF_FCTYPE_PROPERTY_GET, FCT_AUTH_SEND = IOP_NVMF_FCTYPE_AUTH_SEND,
	FCT_AUTH_RECV = IOP_NVMF_FCTYPE_AUTH_RECV, FCT_DISCONNECT = IOP_NVMF_FCTYPE_DISCONNECT,
};
#define CONNECT_DATA_LEN 1024u
#define CONNECT_DATA_CNTLID 16
#define CONNECT_DATA_SUBNQN 256
#define CONNECT_DATA_HOSTNQN 512
#define SGL_ID_DATA_OFFSET IOP_NVME_SGL_ID_INCAPSULE   /* 01h: in-capsule data */
#define SGL_ID_TRANSPORT IOP_NVME_SGL_ID_TCP_HOSTBUF   /* 5Ah: data moved by R2T/C2HData */
/* CQE (16 bytes) offsets. */
#define CQE_DW0 0
#define CQE_DW1 4
#define CQE_SQHD 8
#define CQE_SQID 10
#define CQE_CID 12
#define CQE_STATUS 14             /* P bit 0, SC 8:1, SCT 11:9, CRD, M, DNR */
#define CQE_SC(st) (((st) >> 1) & 0xff)
#define CQE_SCT(st) (((st) >> 9) & 0x7)
/* Identify Controller offsets (checked against struct iop_nvme_id_ctrlr below). */
#define IDC_CNTLID 78
#define IDC_CNTRLTYPE 111
#define IDC_SUBNQN 768
#define IDC_IOCCSZ 1792
#define IDC_IORCSZ 1796
#define ID_LEN 4096u
_Static_assert(offsetof(struct iop_nvme_id_ctrlr, cntlid) == IDC_CNTLID, "CNTLID offset");
_Static_assert(offsetof(struct iop_nvme_id_ctrlr, cntrltype) == IDC_CNTRLTYPE, "CNTRLTYPE");
_Static_assert(offsetof(struct iop_nvme_id_ctrlr, subnqn) == IDC_SUBNQN, "SUBNQN offset");
_Static_assert(offsetof(struct iop_nvme_id_ctrlr, ioccsz) == IDC_IOCCSZ, "IOCCSZ offset");
#define ADMIN_AER IOP_NVME_OPC_ASYNC_EVENT_REQUEST
#define DISCOVERY_NQN IOP_NVME_DISC_NQN
/* Status codes. */
#define SC_INVALID_OPCODE IOP_NVME_SC_INVALID_OPCODE
#define SC_INVALID_FIELD IOP_NVME_SC_INVALID_FIELD
#define SC_CMD_SEQ_ERROR IOP_NVME_SC_COMMAND_SEQUENCE_ERROR
#define SC_INVALID_NS IOP_NVME_SC_INVALID_NAMESPACE_OR_FORMAT
#define SC_LBA_RANGE IOP_NVME_SC_LBA_OUT_OF_RANGE
#define SC_CONNECT_INCOMPAT IOP_NVMF_SC_CONNECT_INCOMPATIBLE_FORMAT
#define SC_CONNECT_INVALID_PARAM IOP_NVMF_SC_CONNECT_INVALID_PARAMETERS
#define SC_CONNECT_INVALID_HOST IOP_NVMF_SC_CONNECT_INVALID_HOST

static inline uint16_t
cw_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t
cw_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t
cw_le64(const uint8_t *p)
{
	return (uint64_t)cw_le32(p) | (uint64_t)cw_le32(p + 4) << 32;
}

static inline void
cw_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void
cw_put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++) {
		p[i] = (uint8_t)(v >> (8 * i));
	}
}

static inline void
cw_put64(uint8_t *p, uint64_t v)
{
	cw_put32(p, (uint32_t)v);
	cw_put32(p + 4, (uint32_t)(v >> 32));
}

/** CRC32C as NVMe/TCP digests use it (isa-l crc32_iscsi, init and final xor ~0). */
uint32_t iop_conf_crc32c(const void *buf, size_t len);

/** \return the PDU type name ("ICReq", "C2HData", ...) or "type 0xNN". */
const char *iop_conf_pdu_name(uint8_t type);

#endif
