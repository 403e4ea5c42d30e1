/* SPDX-License-Identifier: BSD-3-Clause */
/* NVMe/TCP module internals shared by pdu.c, tcp_target.c, tcp_initiator.c, pcap.c and tests. */
#ifndef IOPATH_NVMF_TCP_INTERNAL_H
#define IOPATH_NVMF_TCP_INTERNAL_H

/*
 * Concepts
 *
 * pdu.c owns the byte-level rules: CRC32C digests, validation of received PDU headers (giving
 * the FES/FEI a TermReq must carry), layout of PDUs we send (HDGST, PDO padding, DDGST), and a
 * pull-style receive parser (struct nvmf_tcp_rx) that turns a byte stream into PDU events while
 * copying data straight into the buffer the caller names. It never touches sockets: the
 * caller fills rx->buf from recv() and drains events with nvmf_tcp_rx_step().
 *
 * struct nvmf_tcp_tx batches PDUs as iovecs and flushes them with one sendmsg(); each PDU can
 * carry a cookie handed back once its last byte left (so buffers are released only then).
 *
 * pcap.c records both directions of any connection with synthetic Ethernet/IPv4/TCP framing.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include "iopath/nvme_tcp_spec.h"

/* ---------------------------------------------------------------- digests */

#define NVMF_TCP_CRC_SEED 0xffffffffu

/** Continue a CRC32C (raw, not yet inverted) over buf. */
uint32_t nvmf_tcp_crc_update(uint32_t crc, const void *buf, size_t len);
/** CRC32C digest of buf as carried on the wire (seed ~0, final xor ~0). */
uint32_t nvmf_tcp_crc32c(const void *buf, size_t len);
/** Digest of the first len bytes of an iovec array. */
uint32_t nvmf_tcp_crc32c_iov(const struct iovec *iov, int iovcnt, size_t len);

/* ---------------------------------------------------------------- validation */

/** Why a received PDU is refused: what the TermReq carries. */
struct nvmf_tcp_pdu_err {
	uint16_t fes;           /* enum nvme_tcp_fes */
	uint32_t fei;           /* byte offset of the field in error (FES 01h/06h) */
	const char *why;        /* for the log */
};

/** Negotiated receive-side parameters of one connection. */
struct nvmf_tcp_rx_params {
	bool controller;        /* we are the controller (receive host-to-controller PDUs) */
	bool ic_done;           /* ICReq/ICResp exchanged */
	bool hdgst, ddgst;      /* digests negotiated */
	uint32_t pda;           /* data alignment the peer must use, bytes (4..128) */
	uint32_t max_data;      /* largest data payload accepted in one PDU */
};

/**
 * Validate a common header in the order the spec reports errors (type, sequence, flags, hlen,
 * pdo, plen). On success *data_len is the data payload length (without digest).
 * \return 0; -EPROTO with *e filled (send a TermReq, then close); -ECONNRESET when the PDU is a
 * malformed TermReq (close without replying).
 */
int nvmf_tcp_ch_check(const struct nvme_tcp_ch *ch, const struct nvmf_tcp_rx_params *p,
		      uint32_t *data_len, struct nvmf_tcp_pdu_err *e);

/** Controller side: check an ICReq's PDU-specific fields. \return 0 or -EPROTO with *e. */
int nvmf_tcp_icreq_check(const struct nvme_tcp_icreq *req, struct nvmf_tcp_pdu_err *e);
/** Host side: check an ICResp against what we asked for. \return 0 or -EPROTO with *e. */
int nvmf_tcp_icresp_check(const struct nvme_tcp_icresp *rsp, uint8_t dgst_asked,
			  struct nvmf_tcp_pdu_err *e);

/* ---------------------------------------------------------------- building PDUs */

/* Receive header buffer: ICReq + digest, or a whole TermReq (quoted header included). */
#define NVMF_TCP_HDR_MAX 160u
/* Largest header+hdgst+pad we ever send: pdo is at most 128 with HPDA/CPDA 31. */
#define NVMF_TCP_TXHDR_MAX 128u

/**
 * Fill the common header of a PDU we send. pda: the receiver's data alignment in bytes.
 * \return the number of header bytes to send before the data: hlen + hdgst + padding (the PDO)
 * when data_len > 0, else hlen + hdgst. Padding bytes are zeroed; the header digest is NOT
 * computed yet (call nvmf_tcp_hdr_seal after filling the PDU-specific fields).
 */
uint32_t nvmf_tcp_ch_fill(void *hdr, uint8_t type, uint8_t flags, uint8_t hlen, bool hdgst,
			  bool ddgst, uint32_t data_len, uint32_t pda);
/** Compute and store the header digest when CH.FLAGS has HDGSTF. */
void nvmf_tcp_hdr_seal(void *hdr);

void nvmf_tcp_build_icreq(struct nvme_tcp_icreq *req, uint8_t hpda, uint8_t dgst,
			  uint32_t maxr2t);
void nvmf_tcp_build_icresp(struct nvme_tcp_icresp *rsp, uint8_t cpda, uint8_t dgst,
			   uint32_t maxh2cdata);
/**
 * Build a TermReq (H2C when from_host) quoting up to NVME_TCP_TERM_MAX_DATA bytes of the
 * offending header. buf must hold NVME_TCP_TERM_MAX_PLEN bytes. \return PDU length.
 */
uint32_t nvmf_tcp_build_term(void *buf, bool from_host, uint16_t fes, uint32_t fei,
			     const void *bad_hdr, uint32_t bad_len);

const char *nvmf_tcp_pdu_name(uint8_t type);
const char *nvmf_tcp_fes_name(uint16_t fes);

/* ---------------------------------------------------------------- receive parser */

enum nvmf_tcp_rx_event {
	NVMF_TCP_RX_AGAIN = 0,  /* buffer drained: recv more */
	NVMF_TCP_RX_HDR,        /* rx->hdr holds a validated header (digest checked) */
	NVMF_TCP_RX_DONE,       /* data of the current PDU fully placed; see rx->ddgst_bad */
};

struct nvmf_tcp_rx {
	struct nvmf_tcp_rx_params p;
	uint8_t *buf;           /* staging buffer filled by recv() */
	uint32_t cap, pos, end; /* unparsed bytes are buf[pos, end) */
	int state;
	uint8_t hdr[NVMF_TCP_HDR_MAX] __attribute__((aligned(8)));
	uint32_t hdr_have, hdr_need;
	uint32_t pad_left;
	uint32_t data_len;      /* payload of the current PDU */
	uint32_t data_left;
	const struct iovec *dst; /* where data goes (NULL: discard) */
	int dst_cnt;
	size_t dst_off;         /* cursor: bytes already skipped/written into dst */
	uint32_t crc;
	uint8_t ddgst[NVME_TCP_DIGEST_LEN];
	uint32_t ddgst_have;
	bool ddgst_on;          /* current PDU carries a data digest */
	bool ddgst_bad;         /* after RX_DONE: the data digest did not match */
	struct nvmf_tcp_pdu_err err; /* after -EPROTO */
	uint32_t bad_len;       /* header bytes available for quoting in a TermReq */
};

int nvmf_tcp_rx_init(struct nvmf_tcp_rx *rx, uint32_t cap, bool controller);
void nvmf_tcp_rx_fini(struct nvmf_tcp_rx *rx);
/** Compact the staging buffer; \return free space at buf + end. */
uint32_t nvmf_tcp_rx_space(struct nvmf_tcp_rx *rx);
/**
 * Advance over buffered bytes. After NVMF_TCP_RX_HDR the caller must call
 * nvmf_tcp_rx_set_dst() when rx->data_len > 0 (else data is discarded).
 * \return an event (>= 0), -EPROTO (rx->err says what to put in the TermReq), -ECONNRESET
 * (malformed TermReq: close silently).
 */
int nvmf_tcp_rx_step(struct nvmf_tcp_rx *rx);
/** Place the current PDU's data at byte offset off of iov[0..cnt). */
void nvmf_tcp_rx_set_dst(struct nvmf_tcp_rx *rx, const struct iovec *iov, int cnt, size_t off);

/* Payloads at least this large skip the staging buffer when it is empty. */
#define NVMF_TCP_RX_DIRECT_MIN 8192u

/**
 * Zero-copy receive: when the parser waits for NVMF_TCP_RX_DIRECT_MIN or more bytes of data
 * and nothing is buffered, describe the next recvmsg(): the destination bytes still expected
 * (*direct of them), then the staging buffer's free space for whatever follows.
 * \return iovec count (<= max), or 0 when the plain staging path applies.
 */
int nvmf_tcp_rx_direct_iov(struct nvmf_tcp_rx *rx, struct iovec *iov, int max, size_t *direct);
/** Account n bytes received into the iovecs of nvmf_tcp_rx_direct_iov. */
void nvmf_tcp_rx_direct_done(struct nvmf_tcp_rx *rx, size_t n, size_t direct);

/* ---------------------------------------------------------------- send batching */

struct nvmf_tcp_pcap;

typedef void (*nvmf_tcp_tx_done_fn)(void *ctx, void *cookie);

/* Enough for every request of a 256-deep queue holding 4 iovecs (header, data, digest, CQE). */
#define NVMF_TCP_TX_IOV 1100

struct nvmf_tcp_tx {
	struct iovec iov[NVMF_TCP_TX_IOV];
	void *cookie[NVMF_TCP_TX_IOV]; /* non-NULL on the last iov of a PDU that wants a callback */
	uint32_t head, tail;    /* queued iovs are [head, tail) (not a ring: reset when empty) */
	size_t bytes;           /* queued bytes */
	nvmf_tcp_tx_done_fn done;
	void *ctx;
};

/** Room for n more iovecs? Compacts the array when that makes room. */
bool nvmf_tcp_tx_room(struct nvmf_tcp_tx *tx, unsigned int n);

/** Queue one iovec; cookie (may be NULL) is reported once it has been fully sent. */
void nvmf_tcp_tx_add(struct nvmf_tcp_tx *tx, const void *base, size_t len, void *cookie);
/**
 * Send as much as the socket takes with sendmsg(MSG_DONTWAIT). rec: optional pcap recorder of
 * this connection. \return bytes still queued (0: all out), or -errno on a dead socket.
 */
ssize_t nvmf_tcp_tx_flush(struct nvmf_tcp_tx *tx, int fd, struct nvmf_tcp_pcap *rec, int dir);

/* ---------------------------------------------------------------- pcap recording */

/** A pcap file shared by every connection of a process (thread-safe). */
struct nvmf_tcp_pcap_file;

int nvmf_tcp_pcap_open(const char *path, struct nvmf_tcp_pcap_file **out);
void nvmf_tcp_pcap_close(struct nvmf_tcp_pcap_file *f);

/** One recorded TCP connection inside a file. Directions: 0 host->controller, 1 back. */
struct nvmf_tcp_pcap {
	struct nvmf_tcp_pcap_file *f;
	uint32_t ip[2];         /* host order: [0] host address, [1] controller address */
	uint16_t port[2];
	uint32_t seq[2];        /* next sequence number sent in each direction */
};

#define NVMF_TCP_DIR_H2C 0
#define NVMF_TCP_DIR_C2H 1

/** Start a connection: writes SYN, SYN-ACK, ACK. Addresses in host byte order. */
void nvmf_tcp_pcap_conn_start(struct nvmf_tcp_pcap *c, struct nvmf_tcp_pcap_file *f,
			      uint32_t host_ip, uint16_t host_port, uint32_t ctrl_ip,
			      uint16_t ctrl_port);
/* Controller port written into every recording (see pcap.c). */
#define NVMF_TCP_PCAP_CTRL_PORT NVME_TCP_DEFAULT_PORT

/** Start from a connected socket: is_controller says which end fd is. The controller's port is
 * recorded as NVMF_TCP_PCAP_CTRL_PORT. */
void nvmf_tcp_pcap_conn_from_fd(struct nvmf_tcp_pcap *c, struct nvmf_tcp_pcap_file *f, int fd,
				bool is_controller);
/** Record payload bytes sent in direction dir (split into segments as needed). */
void nvmf_tcp_pcap_data(struct nvmf_tcp_pcap *c, int dir, const void *buf, size_t len);
void nvmf_tcp_pcap_datav(struct nvmf_tcp_pcap *c, int dir, const struct iovec *iov, int cnt,
			 size_t len);
/** Record FIN from both sides. */
void nvmf_tcp_pcap_conn_end(struct nvmf_tcp_pcap *c);

#endif
