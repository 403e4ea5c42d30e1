/* SPDX-License-Identifier: BSD-3-Clause */
/* NVMe/TCP transport PDU layouts and constants (NVM Express TCP Transport Specification 1.0). */
#ifndef IOPATH_NVME_TCP_SPEC_H
#define IOPATH_NVME_TCP_SPEC_H

/*
 * Concepts
 *
 * Every PDU starts with an 8-byte common header (CH): type, flags, HLEN (length of the PDU
 * header without the header digest), PDO (offset of the data from the start of the PDU, 0 when
 * there is no data) and PLEN (total length: header, header digest, padding, data, data digest).
 *
 *   | CH + PSH (HLEN) | HDGST (4, if HDGSTF) | PAD (up to PDO) | DATA | DDGST (4, if DDGSTF) |
 *
 * Digests are CRC32C (iSCSI polynomial, init ~0, final xor ~0) stored little endian. The header
 * digest covers the HLEN bytes of header, the data digest covers the DATA bytes only.
 * All multi-byte fields are little endian; this header assumes a little-endian host (x86, arm64).
 */

#include <stddef.h>
#include <stdint.h>

#define NVME_TCP_PFV_1_0 0x0000
#define NVME_TCP_DIGEST_LEN 4
#define NVME_TCP_DEFAULT_PORT 4420
#define NVME_TCP_DISCOVERY_PORT 8009
#define NVME_TCP_MIN_MAXH2CDATA 4096u
#define NVME_TCP_MAX_HPDA 31       /* HPDA/CPDA are 0's based dwords: alignment = (x + 1) * 4 */

enum nvme_tcp_pdu_type {
	NVME_TCP_PDU_ICREQ = 0x00,
	NVME_TCP_PDU_ICRESP = 0x01,
	NVME_TCP_PDU_H2C_TERM_REQ = 0x02,
	NVME_TCP_PDU_C2H_TERM_REQ = 0x03,
	NVME_TCP_PDU_CAPSULE_CMD = 0x04,
	NVME_TCP_PDU_CAPSULE_RESP = 0x05,
	NVME_TCP_PDU_H2C_DATA = 0x06,
	NVME_TCP_PDU_C2H_DATA = 0x07,
	NVME_TCP_PDU_R2T = 0x09,
	NVME_TCP_PDU_TYPE_MAX = 0x0a,
};

/* Common header flags (CH.FLAGS). */
#define NVME_TCP_F_HDGSTF 0x01     /* header digest present */
#define NVME_TCP_F_DDGSTF 0x02     /* data digest present */
#define NVME_TCP_F_LAST_PDU 0x04   /* H2CData / C2HData: last PDU of this transfer */
#define NVME_TCP_F_SUCCESS 0x08    /* C2HData: command completed successfully, no CapsuleResp */

/* ICReq.DGST / ICResp.DGST bits. */
#define NVME_TCP_DGST_HDR 0x01
#define NVME_TCP_DGST_DATA 0x02

/* Fatal Error Status carried in H2CTermReq/C2HTermReq. */
enum nvme_tcp_fes {
	NVME_TCP_FES_INVALID_HEADER_FIELD = 0x01, /* FEI = byte offset of the field in error */
	NVME_TCP_FES_PDU_SEQUENCE_ERROR = 0x02,
	NVME_TCP_FES_HDGST_ERROR = 0x03,
	NVME_TCP_FES_DATA_OUT_OF_RANGE = 0x04,
	NVME_TCP_FES_DATA_LIMIT_EXCEEDED = 0x05,  /* also "R2T limit exceeded" */
	NVME_TCP_FES_UNSUPPORTED_PARAMETER = 0x06, /* FEI = byte offset of the parameter */
};

struct nvme_tcp_ch {
	uint8_t type;
	uint8_t flags;
	uint8_t hlen;
	uint8_t pdo;
	uint32_t plen;
} __attribute__((packed));

struct nvme_tcp_icreq {
	struct nvme_tcp_ch ch;
	uint16_t pfv;
	uint8_t hpda;       /* host PDU data alignment the controller must use (0's based dwords) */
	uint8_t dgst;       /* NVME_TCP_DGST_* requested */
	uint32_t maxr2t;    /* 0's based: outstanding R2Ts per command the host accepts */
	uint8_t rsvd[112];
} __attribute__((packed));

struct nvme_tcp_icresp {
	struct nvme_tcp_ch ch;
	uint16_t pfv;
	uint8_t cpda;       /* controller PDU data alignment the host must use */
	uint8_t dgst;       /* NVME_TCP_DGST_* enabled */
	uint32_t maxh2cdata; /* bytes per H2CData PDU, >= 4096, multiple of 4 */
	uint8_t rsvd[112];
} __attribute__((packed));

struct nvme_tcp_capsule_cmd {
	struct nvme_tcp_ch ch;
	uint8_t sqe[64];
} __attribute__((packed));

struct nvme_tcp_capsule_resp {
	struct nvme_tcp_ch ch;
	uint8_t cqe[16];
} __attribute__((packed));

/* H2CData, C2HData and R2T share one 24-byte layout. */
struct nvme_tcp_data_hdr {
	struct nvme_tcp_ch ch;
	uint16_t cccid;     /* command capsule CID */
	uint16_t ttag;      /* H2CData/R2T: transfer tag; C2HData: reserved */
	uint32_t datao;     /* data offset within the command's data */
	uint32_t datal;     /* data length of this PDU (R2T: bytes requested) */
	uint32_t rsvd;
} __attribute__((packed));

struct nvme_tcp_term_req {
	struct nvme_tcp_ch ch;
	uint16_t fes;
	uint32_t fei;       /* Fatal Error Information (field offset for FES 01h/06h) */
	uint8_t rsvd[10];
	/* followed by up to NVME_TCP_TERM_MAX_DATA bytes of the offending PDU header */
} __attribute__((packed));

#define NVME_TCP_ICREQ_LEN 128u
#define NVME_TCP_ICRESP_LEN 128u
#define NVME_TCP_CMD_HLEN 72u
#define NVME_TCP_RESP_HLEN 24u
#define NVME_TCP_DATA_HLEN 24u
#define NVME_TCP_R2T_HLEN 24u
#define NVME_TCP_TERM_HLEN 24u
#define NVME_TCP_TERM_MAX_PLEN 152u
#define NVME_TCP_TERM_MAX_DATA (NVME_TCP_TERM_MAX_PLEN - NVME_TCP_TERM_HLEN)

_Static_assert(sizeof(struct nvme_tcp_ch) == 8, "CH is 8 bytes");
_Static_assert(sizeof(struct nvme_tcp_icreq) == NVME_TCP_ICREQ_LEN, "ICReq is 128 bytes");
_Static_assert(sizeof(struct nvme_tcp_icresp) == NVME_TCP_ICRESP_LEN, "ICResp is 128 bytes");
_Static_assert(sizeof(struct nvme_tcp_capsule_cmd) == NVME_TCP_CMD_HLEN, "CapsuleCmd hlen");
_Static_assert(sizeof(struct nvme_tcp_capsule_resp) == NVME_TCP_RESP_HLEN, "CapsuleResp hlen");
_Static_assert(sizeof(struct nvme_tcp_data_hdr) == NVME_TCP_DATA_HLEN, "data PDU hlen");
_Static_assert(sizeof(struct nvme_tcp_term_req) == NVME_TCP_TERM_HLEN, "TermReq hlen");
_Static_assert(offsetof(struct nvme_tcp_icreq, maxr2t) == 12, "ICReq.MAXR2T at byte 12");
_Static_assert(offsetof(struct nvme_tcp_icresp, maxh2cdata) == 12, "ICResp.MAXH2CDATA at 12");
_Static_assert(offsetof(struct nvme_tcp_term_req, fei) == 10, "TermReq.FEI at byte 10");

#endif
