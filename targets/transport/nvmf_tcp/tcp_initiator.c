/* SPDX-License-Identifier: BSD-3-Clause */
/* NVMe/TCP initiator (host): ICReq, capsules, R2T/H2CData, C2HData; one connection per queue. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "iopath/initiator.h"
#include "iopath/log.h"
#include "iopath/nvme_host.h"
#include "iopath/nvme_spec.h"
#include "iopath/nvmf_host.h"
#include "iopath/option.h"
#include "iopath/uri.h"
#include "iopath/util.h"
#include "targets/transport/nvmf_tcp/nvmf_tcp_internal.h"
#include "targets/transport/nvmf_tcp/nvmf_tcp_sock.h"

/*
 * One struct ini_conn per queue (the admin queue and each I/O queue), each with its own socket.
 * The NVMe host core (nvme_host.h) tracks CIDs and builds SQEs; this file only frames them:
 * CapsuleCmd (+ in-capsule data when a write fits IOCCSZ), H2CData in answer to R2T, C2HData
 * placed straight into the caller's iovecs, CapsuleResp or C2HData.SUCCESS to complete.
 * Submissions are queued and sent with one sendmsg() from poll() (or when the queue fills).
 */

#define INI_RX_BUF (256u * 1024)
#define INI_HDR_SLOT 128u       /* one PDU header incl. digest and PDA padding */
#define INI_SYNC_TIMEOUT_MS 5000
#define INI_MAX_C2H (16u << 20)

struct ini_opts {
	bool hdgst;
	bool ddgst;
	char *hostnqn;
	uint64_t hpda;
	uint64_t maxr2t;
	bool sqfc_disable;     /* ask the controller to disable SQ flow control (C2H SUCCESS) */
	uint64_t in_capsule;   /* cap on in-capsule write data; 0 = what IOCCSZ allows */
	uint64_t kato;
	uint64_t reconnect_ns; /* keep reconnecting a lost I/O queue this long (0: fail it) */
};

static const struct iop_option g_ini_opts[] = {
	{"hdgst", NULL, IOP_OPT_BOOL, offsetof(struct ini_opts, hdgst), "0", 0, 0, NULL,
	 "request header digests"},
	{"ddgst", NULL, IOP_OPT_BOOL, offsetof(struct ini_opts, ddgst), "0", 0, 0, NULL,
	 "request data digests"},
	{"hostnqn", NULL, IOP_OPT_STR, offsetof(struct ini_opts, hostnqn), NULL, 0, 0, NULL,
	 "host NQN (default derived from a random host ID)"},
	{"hpda", NULL, IOP_OPT_UINT, offsetof(struct ini_opts, hpda), "0", 0, 31, NULL,
	 "HPDA: controller data alignment we ask for (0's based dwords)"},
	{"maxr2t", NULL, IOP_OPT_UINT, offsetof(struct ini_opts, maxr2t), "0", 0, 65535, NULL,
	 "MAXR2T (0's based) outstanding R2Ts per command we accept"},
	{"sqfc_disable", "sqflow_off", IOP_OPT_BOOL, offsetof(struct ini_opts, sqfc_disable), "1",
	 0, 0, NULL, "ask to disable SQ flow control (reads complete with C2HData SUCCESS)"},
	{"in_capsule", NULL, IOP_OPT_SIZE, offsetof(struct ini_opts, in_capsule), "0", 0, 0, NULL,
	 "largest in-capsule write (0: as IOCCSZ allows, 'off' not supported: use 4)"},
	{"kato", NULL, IOP_OPT_UINT, offsetof(struct ini_opts, kato), "0", 0, 0, NULL,
	 "keep-alive timeout in ms asked at Connect (0: none; Keep Alive is sent every KATO/2 "
	 "whenever the controller reports a non-zero KATO)"},
	{"reconnect", NULL, IOP_OPT_TIME, offsetof(struct ini_opts, reconnect_ns), "0", 0, 0, NULL,
	 "on a lost I/O queue connection keep reconnecting (controller too, if it is gone) for "
	 "this long and resubmit what was in flight (0: fail the queue)"},
	{NULL},
};

/* Per-command transport state, one per hq slot; io->priv[0] points here. */
struct ini_cmd {
	struct iop_io *io;      /* NULL for synchronous admin-style commands */
	struct iop_nvmf_sync *sync;
	struct iovec *iov;
	int iovcnt;
	uint32_t len;
	bool write;
	bool ddgst_err;
	uint16_t cid;
	uint32_t r2t_pdus;      /* H2CData header slots in use by the current R2T */
	uint32_t ddgst;
	struct iovec one;
	struct iop_nvme_dsm_range range; /* DISCARD: the one range sent as data */
	uint8_t hdr[INI_HDR_SLOT] __attribute__((aligned(8)));
	uint8_t *h2c;           /* nh2c * INI_HDR_SLOT */
	uint32_t *h2c_dgst;
	struct ini_cmd *next_free;
};

struct ini;

struct ini_conn {
	struct iop_queue q;     /* first: what the engine holds */
	struct ini *ini;
	int fd;
	uint16_t qid;
	int broken;             /* negative errno once the connection failed */
	bool hdgst, ddgst;
	uint32_t cpda;          /* alignment of data we send, bytes */
	uint32_t maxh2c;
	uint32_t icd_max;       /* in-capsule write bytes allowed */
	bool interrupt;
	struct nvmf_tcp_rx rx;
	struct nvmf_tcp_tx tx;
	struct nvmf_tcp_pcap rec;
	struct iop_nvme_hq hq;
	struct ini_cmd *cmds;
	struct ini_cmd *free;
	unsigned int ncmds, nh2c;
	struct ini_cmd *cur;    /* command whose C2HData is being received */
	unsigned int reaped;
	uint64_t lost_ns;       /* reconnect: when the connection was lost */
	uint64_t retry_ns;      /* reconnect: next attempt */
	unsigned int depth;
	uint8_t ctl[NVME_TCP_TERM_MAX_PLEN + 8] __attribute__((aligned(8)));
};

struct ini {
	struct iop_initiator base;
	struct ini_opts o;
	struct iop_uri u;
	bool interrupt;
	struct nvmf_tcp_pcap_file *pcap;
	struct ini_conn *admin;
	struct iop_nvme_host_ctrlr ctrl;
	struct iop_nvme_host_params hp; /* kept for a controller re-bring-up (reconnect) */
	uint32_t max_xfer;
	struct iop_nvmf_ka ka;       /* keep alive; its lock guards the admin connection */
};

static struct nvmf_tcp_pcap *
ini_rec(struct ini_conn *c)
{
	return c->rec.f ? &c->rec : NULL;
}

/* ------------------------------------------------------------------------------ failure */

static void
ini_fail_one(void *ctx, bool is_io, void *arg)
{
	struct iop_io *io = ctx;
	struct ini_conn *c = arg;
	struct ini_cmd *cmd = (struct ini_cmd *)(uintptr_t)io->priv[0];

	if (cmd->sync) {
		cmd->sync->err = c->broken;
		cmd->sync->done = true;
	} else {
		io->status = c->broken;
		io->cb(io);
	}
	cmd->next_free = c->free;
	c->free = cmd;
}

/* The connection is unusable: send an H2CTermReq when we caught the peer breaking the protocol,
 * close the socket and fail everything outstanding. */
static void
ini_conn_fail(struct ini_conn *c, int err, const struct nvmf_tcp_pdu_err *e, const void *bad,
	      uint32_t bad_len)
{
	if (c->broken) {
		return;
	}
	c->broken = err;
	if (e && c->fd >= 0) {
		uint32_t n = nvmf_tcp_build_term(c->ctl, true, e->fes, e->fei, bad, bad_len);

		IOP_ERR("queue %u: controller broke the protocol (%s): sending H2CTermReq FES %u "
			"(%s) FEI %u", c->qid, e->why, e->fes, nvmf_tcp_fes_name(e->fes), e->fei);
		c->tx.head = c->tx.tail = 0;
		c->tx.bytes = 0;
		nvmf_tcp_tx_add(&c->tx, c->ctl, n, NULL);
		nvmf_tcp_tx_flush(&c->tx, c->fd, ini_rec(c), NVMF_TCP_DIR_H2C);
	}
	if (c->fd >= 0) {
		shutdown(c->fd, SHUT_RDWR);
	}
	if (c->qid && c->ini->o.reconnect_ns && c->depth) {
		/* keep the I/Os: they are resubmitted on the new connection (ini_reconnect) */
		c->lost_ns = iop_now_ns();
		c->retry_ns = c->lost_ns;
		IOP_WARN("queue %u: connection lost (%s): reconnecting for up to %llu ms", c->qid,
			 strerror(-err), (unsigned long long)(c->ini->o.reconnect_ns / 1000000));
		return;
	}
	iop_nvme_hq_drain(&c->hq, ini_fail_one, c);
}

static void
ini_proto_err(struct ini_conn *c, uint16_t fes, uint32_t fei, const void *hdr, uint32_t len,
	      const char *why)
{
	struct nvmf_tcp_pdu_err e = {.fes = fes, .fei = fei, .why = why};

	ini_conn_fail(c, -EPROTO, &e, hdr, len);
}

/* ------------------------------------------------------------------------------ sending */

static bool
ini_tx_reserve(struct ini_conn *c, unsigned int n)
{
	if (nvmf_tcp_tx_room(&c->tx, n)) {
		return true;
	}
	if (nvmf_tcp_tx_flush(&c->tx, c->fd, ini_rec(c), NVMF_TCP_DIR_H2C) < 0) {
		return false;
	}
	return nvmf_tcp_tx_room(&c->tx, n);
}

/* Queue the bytes [off, off+len) of an iovec array. */
static void
ini_tx_iov(struct ini_conn *c, const struct iovec *iov, int cnt, size_t off, size_t len)
{
	for (int i = 0; i < cnt && len; i++) {
		size_t l = iov[i].iov_len, n;

		if (off >= l) {
			off -= l;
			continue;
		}
		n = IOP_MIN(l - off, len);
		nvmf_tcp_tx_add(&c->tx, (uint8_t *)iov[i].iov_base + off, n, NULL);
		len -= n;
		off = 0;
	}
}

static uint32_t
iov_crc(const struct iovec *iov, int cnt, size_t off, size_t len)
{
	uint32_t crc = NVMF_TCP_CRC_SEED;

	for (int i = 0; i < cnt && len; i++) {
		size_t l = iov[i].iov_len, n;

		if (off >= l) {
			off -= l;
			continue;
		}
		n = IOP_MIN(l - off, len);
		crc = nvmf_tcp_crc_update(crc, (uint8_t *)iov[i].iov_base + off, n);
		len -= n;
		off = 0;
	}
	return ~crc;
}

/* Frame a command: SGL1 becomes in-capsule data or a transport data block (R2T/C2HData). */
static int
ini_send_cmd(struct ini_conn *c, struct ini_cmd *cmd, struct iop_nvme_cmd *sqe)
{
	struct nvme_tcp_capsule_cmd *pdu = (void *)cmd->hdr;
	bool icd = cmd->write && cmd->len && cmd->len <= c->icd_max;
	uint32_t hl;

	sqe->flags = (uint8_t)((sqe->flags & ~IOP_NVME_PSDT_MASK) | (1u << IOP_NVME_PSDT_SHIFT));
	memset(&sqe->dptr, 0, sizeof(sqe->dptr));
	sqe->dptr.sgl1.unkeyed.length = cmd->len;
	sqe->dptr.sgl1.unkeyed.id = icd ? IOP_NVME_SGL_ID_INCAPSULE : IOP_NVME_SGL_ID_TCP_HOSTBUF;
	if (!ini_tx_reserve(c, (unsigned int)cmd->iovcnt + 2)) {
		return -EAGAIN;
	}
	hl = nvmf_tcp_ch_fill(pdu, NVME_TCP_PDU_CAPSULE_CMD, 0, NVME_TCP_CMD_HLEN, c->hdgst,
			      c->ddgst, icd ? cmd->len : 0, c->cpda);
	memcpy(pdu->sqe, sqe, sizeof(*sqe));
	nvmf_tcp_hdr_seal(pdu);
	nvmf_tcp_tx_add(&c->tx, pdu, hl, NULL);
	if (icd) {
		ini_tx_iov(c, cmd->iov, cmd->iovcnt, 0, cmd->len);
		if (c->ddgst) {
			cmd->ddgst = iov_crc(cmd->iov, cmd->iovcnt, 0, cmd->len);
			nvmf_tcp_tx_add(&c->tx, &cmd->ddgst, NVME_TCP_DIGEST_LEN, NULL);
		}
	}
	return 0;
}

static struct ini_cmd *
ini_cmd_get(struct ini_conn *c)
{
	struct ini_cmd *cmd = c->free;

	if (cmd) {
		c->free = cmd->next_free;
		cmd->ddgst_err = false;
		cmd->sync = NULL;
		cmd->io = NULL;
	}
	return cmd;
}

static void
ini_cmd_put(struct ini_conn *c, struct ini_cmd *cmd)
{
	cmd->next_free = c->free;
	c->free = cmd;
}

/* ------------------------------------------------------------------------------ receiving */

static void
ini_complete(struct ini_conn *c, const struct iop_nvme_cpl *cpl)
{
	uint16_t status;
	struct iop_io *io = iop_nvme_hq_complete(&c->hq, cpl, &status);
	struct ini_cmd *cmd;

	if (!io) {
		ini_proto_err(c, NVME_TCP_FES_INVALID_HEADER_FIELD,
			      sizeof(struct nvme_tcp_ch) + offsetof(struct iop_nvme_cpl, cid),
			      c->rx.hdr, c->rx.bad_len, "completion for a CID not outstanding");
		return;
	}
	cmd = (struct ini_cmd *)(uintptr_t)io->priv[0];
	if (cmd->ddgst_err && status == 0) {
		IOP_ERR_RATELIMIT("queue %u: data digest error on cid %u", c->qid, cpl->cid);
		io->status = -EIO;
	}
	if (cmd->sync) {
		cmd->sync->cpl = *cpl;
		cmd->sync->done = true;
	} else {
		c->reaped++;
		io->cb(io);
	}
	ini_cmd_put(c, cmd);
}

static struct ini_cmd *
ini_lookup(struct ini_conn *c, uint16_t cid)
{
	struct iop_io *io = iop_nvme_hq_lookup(&c->hq, cid);

	return io ? (struct ini_cmd *)(uintptr_t)io->priv[0] : NULL;
}

static void
ini_r2t(struct ini_conn *c, const struct nvme_tcp_data_hdr *r)
{
	struct ini_cmd *cmd = ini_lookup(c, r->cccid);
	uint32_t off, left, k = 0;

	if (!cmd || !cmd->write) {
		ini_proto_err(c, NVME_TCP_FES_INVALID_HEADER_FIELD,
			      offsetof(struct nvme_tcp_data_hdr, cccid), r, c->rx.bad_len,
			      "R2T for a command that moves no data to the controller");
		return;
	}
	if (r->datal == 0 || (uint64_t)r->datao + r->datal > cmd->len) {
		ini_proto_err(c, NVME_TCP_FES_DATA_OUT_OF_RANGE, 0, r, c->rx.bad_len,
			      "R2T outside the command's data");
		return;
	}
	if ((r->datal + c->maxh2c - 1) / c->maxh2c > c->nh2c) {
		ini_proto_err(c, NVME_TCP_FES_DATA_LIMIT_EXCEEDED, 0, r, c->rx.bad_len,
			      "R2T asks for more data than one command carries");
		return;
	}
	if (!ini_tx_reserve(c, (unsigned int)(c->nh2c * ((unsigned int)cmd->iovcnt + 2)))) {
		ini_conn_fail(c, -EIO, NULL, NULL, 0);
		return;
	}
	off = r->datao;
	left = r->datal;
	while (left) {
		uint32_t n = IOP_MIN(left, c->maxh2c), hl;
		struct nvme_tcp_data_hdr *h = (void *)(cmd->h2c + k * INI_HDR_SLOT);

		hl = nvmf_tcp_ch_fill(h, NVME_TCP_PDU_H2C_DATA, n == left ? NVME_TCP_F_LAST_PDU : 0,
				      NVME_TCP_DATA_HLEN, c->hdgst, c->ddgst, n, c->cpda);
		h->cccid = r->cccid;
		h->ttag = r->ttag;
		h->datao = off;
		h->datal = n;
		h->rsvd = 0;
		nvmf_tcp_hdr_seal(h);
		nvmf_tcp_tx_add(&c->tx, h, hl, NULL);
		ini_tx_iov(c, cmd->iov, cmd->iovcnt, off, n);
		if (c->ddgst) {
			cmd->h2c_dgst[k] = iov_crc(cmd->iov, cmd->iovcnt, off, n);
			nvmf_tcp_tx_add(&c->tx, &cmd->h2c_dgst[k], NVME_TCP_DIGEST_LEN, NULL);
		}
		off += n;
		left -= n;
		k++;
	}
}

static void
ini_c2h(struct ini_conn *c, const struct nvme_tcp_data_hdr *h)
{
	struct ini_cmd *cmd = ini_lookup(c, h->cccid);

	if (!cmd || cmd->write) {
		ini_proto_err(c, NVME_TCP_FES_INVALID_HEADER_FIELD,
			      offsetof(struct nvme_tcp_data_hdr, cccid), h, c->rx.bad_len,
			      "C2HData for a command that reads nothing");
		return;
	}
	if (h->datal != c->rx.data_len || (uint64_t)h->datao + h->datal > cmd->len) {
		ini_proto_err(c, NVME_TCP_FES_DATA_OUT_OF_RANGE, 0, h, c->rx.bad_len,
			      "C2HData outside the command's data");
		return;
	}
	c->cur = cmd;
	nvmf_tcp_rx_set_dst(&c->rx, cmd->iov, cmd->iovcnt, h->datao);
}

static void
ini_c2h_done(struct ini_conn *c)
{
	const struct nvme_tcp_data_hdr *h = (const void *)c->rx.hdr;
	struct ini_cmd *cmd = c->cur;

	c->cur = NULL;
	if (!cmd) {
		return;
	}
	if (c->rx.ddgst_bad) {
		cmd->ddgst_err = true;
	}
	if (h->ch.flags & NVME_TCP_F_SUCCESS) {
		struct iop_nvme_cpl cpl = {.cid = h->cccid, .sqid = c->qid, .sqhd = 0xffff};

		ini_complete(c, &cpl);
	}
}

static void
ini_on_hdr(struct ini_conn *c)
{
	const struct nvme_tcp_ch *ch = (const void *)c->rx.hdr;

	switch (ch->type) {
	case NVME_TCP_PDU_CAPSULE_RESP: {
		struct iop_nvme_cpl cpl;

		memcpy(&cpl, c->rx.hdr + sizeof(*ch), sizeof(cpl));
		ini_complete(c, &cpl);
		break;
	}
	case NVME_TCP_PDU_C2H_DATA:
		ini_c2h(c, (const void *)ch);
		break;
	case NVME_TCP_PDU_R2T:
		ini_r2t(c, (const void *)ch);
		break;
	case NVME_TCP_PDU_C2H_TERM_REQ: {
		const struct nvme_tcp_term_req *t = (const void *)ch;

		IOP_ERR("queue %u: controller terminated the connection: FES %u (%s) FEI %u",
			c->qid,
			t->fes, nvmf_tcp_fes_name(t->fes), t->fei);
		ini_conn_fail(c, -EPROTO, NULL, NULL, 0);
		break;
	}
	case NVME_TCP_PDU_ICRESP: {
		const struct nvme_tcp_icresp *r = (const void *)ch;
		uint8_t asked = (c->ini->o.hdgst ? NVME_TCP_DGST_HDR : 0) |
				(c->ini->o.ddgst ? NVME_TCP_DGST_DATA : 0);
		struct nvmf_tcp_pdu_err e;

		if (nvmf_tcp_icresp_check(r, asked, &e)) {
			ini_conn_fail(c, -EPROTO, &e, r, sizeof(*r));
			return;
		}
		c->hdgst = r->dgst & NVME_TCP_DGST_HDR;
		c->ddgst = r->dgst & NVME_TCP_DGST_DATA;
		c->cpda = (r->cpda + 1u) * 4;
		c->maxh2c = r->maxh2cdata;
		c->rx.p.ic_done = true;
		c->rx.p.hdgst = c->hdgst;
		c->rx.p.ddgst = c->ddgst;
		c->rx.p.pda = ((uint32_t)c->ini->o.hpda + 1) * 4;
		c->rx.p.max_data = INI_MAX_C2H;
		break;
	}
	default:
		ini_proto_err(c, NVME_TCP_FES_INVALID_HEADER_FIELD, 0, ch, c->rx.bad_len,
			      "unexpected PDU type");
		break;
	}
}

/* Receive what is there and run it through the parser. \return 0 or the connection error. */
static int
ini_rx(struct ini_conn *c)
{
	for (int i = 0; i < 8 && !c->broken; i++) {
		uint32_t space = nvmf_tcp_rx_space(&c->rx);
		ssize_t n = nvmf_tcp_sock_recv(c->fd, &c->rx, ini_rec(c), NVMF_TCP_DIR_C2H);
		int ev;

		if (n == -EAGAIN) {
			break;
		}
		if (n < 0) {
			IOP_ERR("queue %u: connection lost: %s", c->qid, strerror((int)-n));
			ini_conn_fail(c, n == -ECONNRESET ? -ECONNRESET : (int)n, NULL, NULL, 0);
			break;
		}
		while (!c->broken && (ev = nvmf_tcp_rx_step(&c->rx)) != NVMF_TCP_RX_AGAIN) {
			if (ev == NVMF_TCP_RX_HDR) {
				ini_on_hdr(c);
			} else if (ev == NVMF_TCP_RX_DONE) {
				ini_c2h_done(c);
			} else if (ev == -EPROTO) {
				ini_conn_fail(c, -EPROTO, &c->rx.err, c->rx.hdr, c->rx.bad_len);
			} else {
				IOP_ERR("queue %u: %s", c->qid, c->rx.err.why);
				ini_conn_fail(c, -EPROTO, NULL, NULL, 0);
			}
		}
		if ((uint32_t)n < space) {
			break;
		}
	}
	return c->broken;
}

static int
ini_flush(struct ini_conn *c)
{
	ssize_t left;

	if (c->tx.head == c->tx.tail || c->broken) {
		return c->broken;
	}
	left = nvmf_tcp_tx_flush(&c->tx, c->fd, ini_rec(c), NVMF_TCP_DIR_H2C);
	if (left < 0) {
		IOP_ERR("queue %u: send failed: %s", c->qid, strerror((int)-left));
		ini_conn_fail(c, (int)left, NULL, NULL, 0);
		return (int)left;
	}
	return 0;
}

/* Wait up to timeout_ms for the socket (readable, or writable while sends are pending). */
static void
ini_wait_fd(struct ini_conn *c, int timeout_ms)
{
	struct pollfd p = {.fd = c->fd, .events = POLLIN};

	if (c->tx.head != c->tx.tail) {
		p.events |= POLLOUT;
	}
	poll(&p, 1, timeout_ms);
}

/* Run one command to completion on c (bring-up, Connect). */
static int
ini_sync_cmd(struct ini_conn *c, struct iop_nvme_cmd *sqe, void *data, uint32_t len,
	     struct iop_nvme_cpl *cpl)
{
	struct iop_nvmf_sync s = {0};
	struct iop_io dummy = {0};
	struct ini_cmd *cmd;
	uint64_t deadline = iop_now_ns() + INI_SYNC_TIMEOUT_MS * 1000000ull;
	int cid, rc;
	uint8_t xfer = iop_nvmf_cmd_xfer(sqe);

	if (sqe->opc == IOP_NVME_OPC_FABRIC) {
		const struct iop_nvmf_connect_cmd *fc = (const void *)sqe;

		if (fc->fctype == IOP_NVMF_FCTYPE_CONNECT && c->ini->o.sqfc_disable) {
			((struct iop_nvmf_connect_cmd *)sqe)->cattr |= IOP_NVMF_CATTR_DISABLE_SQFC;
		}
	}
	if (c->broken) {
		return c->broken;
	}
	cmd = ini_cmd_get(c);
	if (!cmd) {
		return -EBUSY;
	}
	cid = iop_nvme_hq_alloc(&c->hq, &dummy, false);
	if (cid < 0) {
		ini_cmd_put(c, cmd);
		return -EBUSY;
	}
	dummy.priv[0] = (uintptr_t)cmd;
	sqe->cid = (uint16_t)cid;
	cmd->sync = &s;
	cmd->one.iov_base = data;
	cmd->one.iov_len = len;
	cmd->iov = &cmd->one;
	cmd->iovcnt = len ? 1 : 0;
	cmd->len = len;
	cmd->write = xfer == IOP_NVME_XFER_H2C;
	cmd->cid = (uint16_t)cid;
	rc = ini_send_cmd(c, cmd, sqe);
	if (rc) {
		return rc;
	}
	while (!s.done) {
		if (ini_flush(c) || ini_rx(c)) {
			break;
		}
		if (s.done) {
			break;
		}
		if (iop_now_ns() > deadline) {
			IOP_ERR("queue %u: no answer to opcode %#x within %d ms", c->qid,
				sqe->opc, INI_SYNC_TIMEOUT_MS);
			ini_conn_fail(c, -ETIMEDOUT, NULL, NULL, 0);
			break;
		}
		ini_wait_fd(c, 10);
	}
	return iop_nvmf_sync_result(&s, c->broken, cpl);
}

/* ------------------------------------------------------------------------------ connections */

static void
ini_conn_free(struct ini_conn *c)
{
	if (!c) {
		return;
	}
	if (c->fd >= 0) {
		close(c->fd);
	}
	nvmf_tcp_pcap_conn_end(&c->rec);
	for (unsigned int i = 0; c->cmds && i < c->ncmds; i++) {
		free(c->cmds[i].h2c);
		free(c->cmds[i].h2c_dgst);
	}
	free(c->cmds);
	iop_nvme_hq_fini(&c->hq);
	nvmf_tcp_rx_fini(&c->rx);
	free(c);
}

/* Connect the socket and exchange ICReq/ICResp. */
static int
ini_conn_open(struct ini *ini, uint16_t qid, unsigned int depth, uint32_t max_xfer,
	      struct ini_conn **out)
{
	struct ini_conn *c = calloc(1, sizeof(*c));
	struct nvme_tcp_icreq *req;
	uint64_t deadline = iop_now_ns() + INI_SYNC_TIMEOUT_MS * 1000000ull;
	uint8_t dgst = (ini->o.hdgst ? NVME_TCP_DGST_HDR : 0) |
		       (ini->o.ddgst ? NVME_TCP_DGST_DATA : 0);
	int rc;

	if (!c) {
		return -ENOMEM;
	}
	c->ini = ini;
	c->q.ini = &ini->base;
	c->qid = qid;
	c->fd = -1;
	c->interrupt = ini->interrupt;
	rc = nvmf_tcp_rx_init(&c->rx, INI_RX_BUF, false);
	if (rc) {
		free(c);
		return rc;
	}
	rc = iop_nvme_hq_init(&c->hq, qid, (uint16_t)depth);
	if (rc) {
		goto fail;
	}
	c->ncmds = depth;
	c->cmds = calloc(depth, sizeof(*c->cmds));
	if (!c->cmds) {
		rc = -ENOMEM;
		goto fail;
	}
	c->fd = nvmf_tcp_sock_connect(ini->u.host, ini->u.port);
	if (c->fd < 0) {
		rc = c->fd;
		IOP_ERR("cannot connect to %s:%d: %s", ini->u.host, ini->u.port, strerror(-rc));
		goto fail;
	}
	if (ini->pcap) {
		nvmf_tcp_pcap_conn_from_fd(&c->rec, ini->pcap, c->fd, false);
	}
	req = (void *)c->ctl;
	nvmf_tcp_build_icreq(req, (uint8_t)ini->o.hpda, dgst, (uint32_t)ini->o.maxr2t);
	nvmf_tcp_tx_add(&c->tx, req, sizeof(*req), NULL);
	while (!c->rx.p.ic_done) {
		if (ini_flush(c) || ini_rx(c)) {
			rc = c->broken;
			goto fail;
		}
		if (c->rx.p.ic_done) {
			break;
		}
		if (iop_now_ns() > deadline) {
			IOP_ERR("no ICResp from %s:%d", ini->u.host, ini->u.port);
			rc = -ETIMEDOUT;
			goto fail;
		}
		ini_wait_fd(c, 10);
	}
	/* H2CData slots: enough PDUs to cover the largest transfer at MAXH2CDATA each. */
	c->nh2c = (max_xfer + c->maxh2c - 1) / c->maxh2c;
	if (c->nh2c == 0) {
		c->nh2c = 1;
	}
	for (unsigned int i = 0; i < depth; i++) {
		struct ini_cmd *cmd = &c->cmds[i];

		cmd->h2c = aligned_alloc(8, (size_t)c->nh2c * INI_HDR_SLOT);
		cmd->h2c_dgst = calloc(c->nh2c, sizeof(uint32_t));
		if (!cmd->h2c || !cmd->h2c_dgst) {
			rc = -ENOMEM;
			goto fail;
		}
	}
	for (unsigned int i = depth; i-- > 0;) {
		ini_cmd_put(c, &c->cmds[i]);
	}
	*out = c;
	return 0;
fail:
	ini_conn_free(c);
	return rc;
}

/* "Send and wait" on one connection: the admin queue's for bring-up, an I/O queue's for its
 * Connect. */
static int
ini_conn_send(void *ctx, struct iop_nvme_cmd *cmd, void *data, uint32_t len,
	      struct iop_nvme_cpl *cpl)
{
	return ini_sync_cmd(ctx, cmd, data, len, cpl);
}

static const struct iop_nvme_host_ops g_ini_host_ops = {
	.admin = ini_conn_send,
};

/* Keep alive: on whatever the admin connection is (a reconnect may replace it). */
static int
ini_ka_send(void *ctx, struct iop_nvme_cmd *cmd, void *data, uint32_t len,
	    struct iop_nvme_cpl *cpl)
{
	struct ini *ini = ctx;

	return ini_sync_cmd(ini->admin, cmd, data, len, cpl);
}

/* A new admin connection (32 entries, 8 KiB transfers). */
static int
ini_admin_open(struct ini *ini, struct ini_conn **out)
{
	int rc = ini_conn_open(ini, 0, 32, 8192, out);

	if (!rc) {
		(*out)->icd_max = 8192; /* the spec guarantees 8 KiB of admin in-capsule data */
	}
	return rc;
}

/* In-capsule write bytes on an I/O queue: what IOCCSZ allows, capped by in_capsule (0: none). */
static uint32_t
ini_icd_max(const struct ini *ini)
{
	uint32_t icd = iop_nvmf_host_icd_max(&ini->ctrl);

	if (ini->o.in_capsule && ini->o.in_capsule < icd) {
		icd = (uint32_t)ini->o.in_capsule;
	}
	return icd;
}

static void ini_close(struct iop_initiator *base);

static int
ini_open(const struct iop_initiator_cfg *cfg, struct iop_initiator **out)
{
	struct iop_nvme_host_params hp = {0};
	struct ini *ini;
	char err[256];
	int rc;

	ini = calloc(1, sizeof(*ini));
	if (!ini) {
		return -ENOMEM;
	}
	iop_nvmf_ka_init(&ini->ka);
	iop_opts_defaults(g_ini_opts, &ini->o);
	if (iop_uri_parse(cfg->uri, &ini->u, err, sizeof(err))) {
		IOP_ERR("%s", err);
		rc = -EINVAL;
		goto fail;
	}
	/* URI query options first ("nvmf-tcp://h:p/nqn?hdgst=1&ddgst=1"), --opts override them */
	if (nvmf_tcp_uri_query(ini->u.path, g_ini_opts, &ini->o, err, sizeof(err)) ||
	    (cfg->opts && iop_opts_parse_kv(g_ini_opts, &ini->o, cfg->opts, err, sizeof(err)))) {
		IOP_ERR("nvmf-tcp options: %s", err);
		rc = -EINVAL;
		goto fail;
	}
	if (!ini->u.host[0] || !ini->u.path[0]) {
		IOP_ERR("nvmf-tcp URI needs host and subsystem NQN: nvmf-tcp://HOST:PORT/NQN");
		rc = -EINVAL;
		goto fail;
	}
	if (ini->u.port < 0) {
		ini->u.port = NVME_TCP_DEFAULT_PORT;
	}
	ini->interrupt = cfg->interrupt;
	if (cfg->trace_path) {
		rc = nvmf_tcp_pcap_open(cfg->trace_path, &ini->pcap);
		if (rc) {
			goto fail;
		}
	}
	rc = ini_admin_open(ini, &ini->admin);
	if (rc) {
		goto fail;
	}
	iop_nvmf_host_params_init(&hp, ini->u.path, ini->o.hostnqn, cfg->nr_queues,
				  (uint32_t)ini->o.kato, cfg->nsid);
	ini->hp = hp;
	rc = iop_nvme_host_bringup(&g_ini_host_ops, ini->admin, &hp, &ini->ctrl);
	if (rc) {
		IOP_ERR("controller bring-up over %s failed: %s", cfg->uri, strerror(-rc));
		goto fail;
	}
	ini->base.size = ini->ctrl.nsze << ini->ctrl.lba_shift;
	ini->base.block_size = 1u << ini->ctrl.lba_shift;
	ini->base.max_io = ini->ctrl.max_xfer;
	ini->max_xfer = ini->ctrl.max_xfer ? ini->ctrl.max_xfer : (1u << 20);
	snprintf(ini->base.desc, sizeof(ini->base.desc), "nvmf-tcp %.30s:%d %.50s ns %u%s%s",
		 ini->u.host, ini->u.port, ini->u.path, ini->ctrl.nsid,
		 ini->admin->hdgst ? " hdgst" : "", ini->admin->ddgst ? " ddgst" : "");
	iop_nvmf_ka_start(&ini->ka, "nvmf-tcp", ini_ka_send, ini, (uint32_t)ini->o.kato);
	*out = &ini->base;
	return 0;
fail:
	ini_close(&ini->base);
	return rc;
}

static void
ini_close(struct iop_initiator *base)
{
	struct ini *ini = iop_container_of(base, struct ini, base);

	iop_nvmf_ka_stop(&ini->ka);
	if (ini->admin && !ini->admin->broken && ini->ctrl.cntlid) {
		iop_nvme_host_shutdown(&g_ini_host_ops, ini->admin, &ini->ctrl);
	}
	ini_conn_free(ini->admin);
	nvmf_tcp_pcap_close(ini->pcap);
	iop_opts_free(g_ini_opts, &ini->o);
	iop_nvmf_ka_fini(&ini->ka);
	free(ini);
}

static int
ini_queue_open(struct iop_initiator *base, unsigned int idx, unsigned int depth,
	       struct iop_queue **out)
{
	struct ini *ini = iop_container_of(base, struct ini, base);
	struct ini_conn *c;
	uint32_t max_xfer = ini->ctrl.max_xfer ? ini->ctrl.max_xfer : (1u << 20);
	uint32_t qsize;
	int rc;

	rc = iop_nvmf_host_io_qsize(&ini->ctrl, idx, depth, &qsize);
	if (rc) {
		return rc;
	}
	rc = ini_conn_open(ini, (uint16_t)(idx + 1), qsize - 1, max_xfer, &c);
	if (rc) {
		return rc;
	}
	c->icd_max = ini_icd_max(ini);
	rc = iop_nvme_host_connect_io(ini_conn_send, c, &ini->ctrl, (uint16_t)(idx + 1),
				      (uint16_t)qsize);
	if (rc) {
		IOP_ERR("I/O queue %u: Connect failed: %s", idx + 1, strerror(-rc));
		ini_conn_free(c);
		return rc;
	}
	c->depth = qsize - 1;
	*out = &c->q;
	return 0;
}

/* ------------------------------------------------------------------------------ reconnect */

/* Open and Connect a new connection for I/O queue qid; with redo, first bring the controller up
 * again on a new admin connection (the old one is gone, e.g. the target restarted). Called with
 * the admin lock (ini->ka.lock) held. */
static int
ini_reconnect_conn(struct ini *ini, uint16_t qid, unsigned int depth, bool redo,
		   struct ini_conn **out)
{
	struct ini_conn *c;
	int rc;

	if (redo) {
		struct ini_conn *a = NULL;
		struct iop_nvme_host_ctrlr ctrl;

		rc = ini_admin_open(ini, &a);
		if (rc) {
			return rc;
		}
		rc = iop_nvme_host_bringup(&g_ini_host_ops, a, &ini->hp, &ctrl);
		if (rc) {
			ini_conn_free(a);
			return rc;
		}
		if ((ctrl.nsze << ctrl.lba_shift) != ini->base.size || ctrl.nr_io_queues < qid) {
			IOP_ERR("reconnect: the controller came back different (size or queues)");
			ini_conn_free(a);
			return -ENODEV;
		}
		ini_conn_free(ini->admin);
		ini->admin = a;
		ini->ctrl = ctrl;
		IOP_WARN("reconnect: controller %u up again", ctrl.cntlid);
	}
	rc = ini_conn_open(ini, qid, depth, ini->max_xfer, &c);
	if (rc) {
		return rc;
	}
	c->icd_max = ini_icd_max(ini);
	rc = iop_nvme_host_connect_io(ini_conn_send, c, &ini->ctrl, qid, (uint16_t)(depth + 1));
	if (rc) {
		ini_conn_free(c);
		return rc;
	}
	c->depth = depth;
	*out = c;
	return 0;
}

struct ini_pending {
	struct iop_io **ios;
	unsigned int n;
};

static void
ini_collect_one(void *ctx, bool is_io, void *arg)
{
	struct ini_pending *p = arg;

	p->ios[p->n++] = ctx;
}

static int ini_submit(struct iop_queue *q, struct iop_io *io);

/* Try once to replace the lost connection of c (the engine keeps its pointer, so the new
 * connection's state moves into c) and resubmit what was in flight. \return 0 reconnected,
 * -EAGAIN not yet (try again later), or the final error once the reconnect time is over. */
static int
ini_reconnect(struct ini_conn *c)
{
	struct ini *ini = c->ini;
	struct ini_conn *nc = NULL;
	struct iop_io *ios[4096];
	struct ini_pending pend = {.ios = ios};
	uint64_t now = iop_now_ns();
	int rc;

	if (now < c->retry_ns) {
		return -EAGAIN;
	}
	if (now - c->lost_ns > ini->o.reconnect_ns) {
		IOP_ERR("queue %u: could not reconnect within %llu ms", c->qid,
			(unsigned long long)(ini->o.reconnect_ns / 1000000));
		c->depth = 0; /* no more holding back: fail what is outstanding */
		iop_nvme_hq_drain(&c->hq, ini_fail_one, c);
		return c->broken;
	}
	c->retry_ns = now + 100000000ull; /* 100 ms between attempts */
	pthread_mutex_lock(&ini->ka.lock);
	rc = ini_reconnect_conn(ini, c->qid, c->depth, false, &nc);
	if (rc) {
		/* the controller itself is gone (target restarted): bring it up again */
		rc = ini_reconnect_conn(ini, c->qid, c->depth, true, &nc);
	}
	pthread_mutex_unlock(&ini->ka.lock);
	if (rc) {
		return -EAGAIN;
	}
	if (c->hq.outstanding > IOP_ARRAY_SIZE(ios)) {
		ini_conn_free(nc);
		return -EOVERFLOW;
	}
	iop_nvme_hq_drain(&c->hq, ini_collect_one, &pend);
	now = iop_now_ns() - c->lost_ns;
	{
		struct iop_queue q = c->q;

		/* free what the old connection owned, take over the new one's */
		if (c->fd >= 0) {
			close(c->fd);
		}
		nvmf_tcp_pcap_conn_end(&c->rec);
		for (unsigned int i = 0; c->cmds && i < c->ncmds; i++) {
			free(c->cmds[i].h2c);
			free(c->cmds[i].h2c_dgst);
		}
		free(c->cmds);
		iop_nvme_hq_fini(&c->hq);
		nvmf_tcp_rx_fini(&c->rx);
		*c = *nc;
		c->q = q;
		free(nc);
	}
	IOP_WARN("queue %u: reconnected after %llu ms, resubmitting %u I/Os", c->qid,
		   (unsigned long long)(now / 1000000), pend.n);
	for (unsigned int i = 0; i < pend.n; i++) {
		rc = ini_submit(&c->q, ios[i]);
		if (rc) {
			ios[i]->status = rc;
			ios[i]->cb(ios[i]);
		}
	}
	return 0;
}

static void
ini_queue_close(struct iop_queue *q)
{
	struct ini_conn *c = (struct ini_conn *)q;

	ini_flush(c);
	ini_conn_free(c);
}

static int
ini_submit(struct iop_queue *q, struct iop_io *io)
{
	struct ini_conn *c = (struct ini_conn *)q;
	struct ini *ini = c->ini;
	struct iop_nvme_cmd sqe;
	struct ini_cmd *cmd;
	int cid, rc;

	if (iop_unlikely(c->broken)) {
		if (c->depth && ini_reconnect(c) == 0) {
			return -EAGAIN; /* reconnected: the engine polls, then submits again */
		}
		return c->depth ? -EAGAIN : c->broken;
	}
	cmd = ini_cmd_get(c);
	if (!cmd) {
		return -EAGAIN;
	}
	if (iop_unlikely(io->op == IOP_OP_DISCARD)) {
		/* Dataset Management (deallocate) carrying one 16-byte range as write data */
		cid = iop_nvme_hq_build_dsm(&c->hq, io, ini->ctrl.nsid + io->nsid,
					    ini->ctrl.lba_shift, &cmd->range, &sqe);
	} else {
		cid = iop_nvme_hq_build_io(&c->hq, io, ini->ctrl.nsid + io->nsid,
					   ini->ctrl.lba_shift, &sqe);
	}
	if (cid < 0) {
		ini_cmd_put(c, cmd);
		return cid;
	}
	io->priv[0] = (uintptr_t)cmd;
	cmd->io = io;
	cmd->cid = (uint16_t)cid;
	if (iop_unlikely(io->op == IOP_OP_DISCARD)) {
		cmd->one.iov_base = &cmd->range;
		cmd->one.iov_len = sizeof(cmd->range);
		cmd->iov = &cmd->one;
		cmd->iovcnt = 1;
		cmd->len = sizeof(cmd->range);
		cmd->write = true;
	} else {
		cmd->write = io->op == IOP_OP_WRITE;
		cmd->len = (io->op == IOP_OP_READ || io->op == IOP_OP_WRITE) ? (uint32_t)io->len
									      : 0;
		cmd->iov = io->iov;
		cmd->iovcnt = cmd->len ? io->iovcnt : 0;
	}
	rc = ini_send_cmd(c, cmd, &sqe);
	if (rc) {
		uint16_t st;
		struct iop_nvme_cpl cpl = {.cid = (uint16_t)cid};

		iop_nvme_hq_complete(&c->hq, &cpl, &st);
		ini_cmd_put(c, cmd);
		return c->broken && c->depth ? -EAGAIN : rc;
	}
	return 0;
}

static int
ini_poll(struct iop_queue *q, unsigned int max, unsigned int timeout_us)
{
	struct ini_conn *c = (struct ini_conn *)q;
	int rc;

	c->reaped = 0;
	if (iop_unlikely(c->broken) && c->depth) {
		rc = ini_reconnect(c);
		if (rc == -EAGAIN) {
			struct timespec ts = {0, timeout_us ? 1000000 : 0};

			if (ts.tv_nsec) {
				nanosleep(&ts, NULL);
			}
			return (int)c->reaped; /* callbacks of I/Os that failed to resubmit */
		}
		if (rc) {
			return (int)c->reaped ? (int)c->reaped : rc;
		}
	}
	rc = ini_flush(c);
	if (!rc) {
		rc = ini_rx(c);
	}
	if (!rc && !c->reaped && timeout_us && c->interrupt) {
		ini_wait_fd(c, (int)((timeout_us + 999) / 1000));
		rc = ini_flush(c);
		if (!rc) {
			rc = ini_rx(c);
		}
	}
	if (c->reaped) {
		return (int)c->reaped;
	}
	if (rc < 0 && c->broken && c->depth) {
		return 0; /* lost, reconnecting: the I/Os stay in flight */
	}
	return rc;
}

static const struct iop_initiator_ops nvmf_tcp_initiator_ops = {
	.scheme = "nvmf-tcp",
	.help = "NVMe/TCP host: nvmf-tcp://HOST:PORT/SUBNQN[?k=v&k=v]; --opts hdgst=1,ddgst=1,"
		"hostnqn=NQN,"
		"hpda=0,maxr2t=0,sqfc_disable=1,in_capsule=0,reconnect=0",
	.open = ini_open,
	.close = ini_close,
	.queue_open = ini_queue_open,
	.queue_close = ini_queue_close,
	.submit = ini_submit,
	.poll = ini_poll,
};
IOP_INITIATOR_REGISTER(nvmf_tcp_initiator_ops)
