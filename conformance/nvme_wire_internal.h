/* SPDX-License-Identifier: BSD-3-Clause */
/* NVMe/TCP PDU and NVMe SQE/CQE field offsets used by the conformance checker and probes. */
#ifndef IOPATH_CONFORMANCE_NVME_WIRE_INTERNAL_H
#define IOPATH_CONFORMANCE_NVME_WIRE_INTERNAL_H

/*
 * The conformance code reads PDUs straight out of reassembled byte streams (any alignment), so
 * it works on byte offsets with little-endian loads instead of packed structs. Values are
 * those of the NVMe/TCP 1.0, NVMe-oF 1.1 and NVMe Base 2.0 specifications; they agree with
 * include/iopath/nvme_tcp_spec.h and nvme_spec.h (owned by the transport/controller helpers).
 */

#include <stdint.h>
#include <string.h>

/* PDU types. */
enum {
	CW_ICREQ = 0x00, CW_ICRESP = 0x01, CW_H2C_TERM = 0x02, CW_C2H_TERM = 0x03,
	CW_CMD = 0x04, CW_RESP = 0x05, CW_H2C_DATA = 0x06, CW_C2H_DATA = 0x07, CW_R2T = 0x09,
};
/* CH.FLAGS */
#define CW_F_HDGST 0x01
#define CW_F_DDGST 0x02
#define CW_F_LAST 0x04
#define CW_F_SUCCESS 0x08
/* Header lengths. */
#define CW_IC_LEN 128u
#define CW_TERM_HLEN 24u
#define CW_TERM_MAX_PLEN 152u
#define CW_CMD_HLEN 72u
#define CW_RESP_HLEN 24u
#define CW_DATA_HLEN 24u
#define CW_MIN_MAXH2CDATA 4096u
#define CW_ADMIN_MAX_ICD 8192u

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
enum { FCT_PROP_SET = 0x00, FCT_CONNECT = 0x01, FCT_PROP_GET = 0x04, FCT_AUTH_SEND = 0x05,
       FCT_AUTH_RECV = 0x06, FCT_DISCONNECT = 0x08 };
#define CONNECT_DATA_LEN 1024u
#define CONNECT_DATA_CNTLID 16
#define CONNECT_DATA_SUBNQN 256
#define CONNECT_DATA_HOSTNQN 512
/* SGL identifiers (type << 4 | subtype). */
#define SGL_ID_DATA_OFFSET 0x01   /* Data Block, Offset: in-capsule data */
#define SGL_ID_TRANSPORT 0x5a     /* Transport Data Block, transport specific */
/* CQE (16 bytes) offsets. */
#define CQE_DW0 0
#define CQE_DW1 4
#define CQE_SQHD 8
#define CQE_SQID 10
#define CQE_CID 12
#define CQE_STATUS 14             /* P bit 0, SC 8:1, SCT 11:9, CRD, M, DNR */
#define CQE_SC(st) (((st) >> 1) & 0xff)
#define CQE_SCT(st) (((st) >> 9) & 0x7)
/* Identify Controller offsets. */
#define IDC_CNTLID 78
#define IDC_CNTRLTYPE 111         /* 1 I/O, 2 discovery, 3 administrative controller */
#define IDC_SUBNQN 768
#define IDC_IOCCSZ 1792
#define IDC_IORCSZ 1796
#define ID_LEN 4096u
#define ADMIN_AER 0x0c
#define DISCOVERY_NQN "nqn.2014-08.org.nvmexpress.discovery"
/* Status codes. */
#define SC_INVALID_OPCODE 0x01
#define SC_INVALID_FIELD 0x02
#define SC_CMD_SEQ_ERROR 0x0c
#define SC_INVALID_NS 0x0b
#define SC_LBA_RANGE 0x80
#define SC_CONNECT_INCOMPAT 0x80
#define SC_CONNECT_INVALID_PARAM 0x82
#define SC_CONNECT_INVALID_HOST 0x84

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
