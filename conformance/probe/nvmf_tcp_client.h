/* SPDX-License-Identifier: BSD-3-Clause */
/* Minimal raw NVMe/TCP host for probes and replay: sockets, PDU send/receive, Connect, commands. */
#ifndef IOPATH_CONFORMANCE_NVMF_TCP_CLIENT_H
#define IOPATH_CONFORMANCE_NVMF_TCP_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#define NTC_PDU_MAX (1u << 20)

struct ntcli {
	int fd;
	int timeout_ms;
	uint8_t dgst;          /* negotiated digests */
	uint8_t cpda;
	uint32_t maxh2cdata;
	uint8_t *rx;           /* last received PDU (NTC_PDU_MAX bytes) */
	uint32_t rxlen;
	uint16_t next_cid;
	int force_cid;         /* >= 0: ntcli_cmd uses this CID once (replay keeps recorded CIDs) */
	int corrupt_next;      /* ntcli_cmd: corrupt the next command's digest (1 header, 2 data) */
	uint16_t async_cid[8]; /* commands sent with ntcli_cmd_async, not yet completed */
	unsigned int nasync;
	unsigned int async_done; /* completions of async commands seen (and dropped) */
};

/* Result of waiting for a reaction. */
enum ntcli_event { NTCLI_PDU, NTCLI_EOF, NTCLI_TIMEOUT, NTCLI_ERROR };

/** Connect a TCP socket to host:port. \return 0 or negative errno. */
int ntcli_open(struct ntcli *c, const char *host, int port, int timeout_ms);
void ntcli_close(struct ntcli *c);
/** Send len raw bytes. \return 0 or negative errno. */
int ntcli_send(struct ntcli *c, const void *buf, size_t len);
/** Receive one PDU into c->rx. \return event; NTCLI_PDU with c->rxlen set. */
enum ntcli_event ntcli_recv(struct ntcli *c);
/**
 * Build and send a PDU: hdr (hlen bytes, type/flags/specific fields set by the caller, HLEN,
 * PDO and PLEN filled here), data (may be NULL). Digests follow c->dgst unless nodgst.
 * corrupt: 1 = wrong header digest, 2 = wrong data digest. \return 0 or negative errno.
 */
int ntcli_send_pdu(struct ntcli *c, uint8_t *hdr, unsigned int hlen, const void *data,
		   uint32_t dlen, bool nodgst, int corrupt);
/** ICReq (pfv, hpda, dgst) then wait for ICResp. \return 0, -EPROTO (other reaction) or errno. */
int ntcli_icreq(struct ntcli *c, uint16_t pfv, uint8_t hpda, uint8_t dgst);

/* Completion of a command. */
struct ntcli_cpl {
	uint32_t dw0, dw1;
	uint16_t sqid, cid, status;  /* status without the phase bit: SC | SCT << 8 */
	uint32_t c2h_bytes;          /* data received by C2HData */
	bool via_success;            /* completed by C2HData SUCCESS */
};

/**
 * Send a 64-byte SQE (CID set from c->next_cid) with optional in-capsule data, answer R2Ts from
 * h2c (h2c_len bytes), collect C2HData into c2h (c2h_cap bytes), wait for the completion.
 * \return 0 with *cpl, -EPROTO when a TermReq or unexpected PDU arrives (c->rx holds it),
 * -ECONNRESET on EOF, -ETIMEDOUT.
 */
int ntcli_cmd(struct ntcli *c, uint8_t *sqe, const void *icd, uint32_t icd_len, const void *h2c,
	      uint32_t h2c_len, void *c2h, uint32_t c2h_cap, struct ntcli_cpl *cpl);
/**
 * Send a command that completes later (Asynchronous Event Request): its completion, whenever it
 * arrives during a later ntcli_cmd, is counted in c->async_done and skipped. \return 0 or -errno.
 */
int ntcli_cmd_async(struct ntcli *c, uint8_t *sqe);
/** Fabrics Connect. \return as ntcli_cmd. */
int ntcli_connect(struct ntcli *c, uint16_t qid, uint16_t sqsize, uint16_t cntlid,
		  const char *subnqn, const char *hostnqn, uint16_t recfmt, struct ntcli_cpl *cpl);
/** Property Get/Set (size 4 or 8). */
int ntcli_prop_get(struct ntcli *c, uint32_t ofst, unsigned int size, struct ntcli_cpl *cpl);
int ntcli_prop_set(struct ntcli *c, uint32_t ofst, unsigned int size, uint64_t val,
		   struct ntcli_cpl *cpl);
/** Fill sqe with a zeroed command of opcode opc using a transport SGL of len bytes. */
void ntcli_sqe(uint8_t *sqe, uint8_t opc, uint32_t nsid, uint32_t len);
/** A random-ish host NQN for probes. */
const char *ntcli_hostnqn(void);

#define NTCLI_SC(st) ((st) & 0xff)
#define NTCLI_SCT(st) (((st) >> 8) & 0x7)

#endif
