/* SPDX-License-Identifier: BSD-3-Clause */
/* NVMe/TCP target: listener, poll groups on reactors, connections carrying capsules to the core. */
#include <errno.h>
#include <netdb.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "iopath/log.h"
#include "iopath/nvme.h"
#include "iopath/option.h"
#include "iopath/reactor.h"
#include "iopath/target.h"
#include "iopath/uri.h"
#include "iopath/util.h"
#include "targets/transport/nvmf_tcp/nvmf_tcp_internal.h"
#include "targets/transport/nvmf_tcp/nvmf_tcp_sock.h"

/*
 * Threads: cfg->nr_threads reactors, each one poll group (struct tgt_pg) with its own NVMe core
 * poll group. The listening socket is watched by poll group 0; accepted connections are handed
 * round-robin to the groups (iop_reactor_call) and live on that group's thread until freed.
 *
 * Polling mode: the group's poller recv()s every connection each loop (non-blocking, as much as
 * the buffer takes), runs the PDUs through the parser, and flushes each connection's queued PDUs
 * with one sendmsg(). Interrupt mode: connection sockets sit in the reactor's epoll set and are
 * read when readable; the poller only reaps backend completions and flushes.
 *
 * Connection life: IC (waiting for ICReq) -> LIVE -> [TERM: TermReq queued, draining input until
 * the peer closes or a deadline] -> DEAD (socket closed; requests still inside the core are
 * reaped) -> freed. A dead client never affects other connections.
 */

#define TGT_RX_BUF (128u * 1024)
#define TGT_TERM_LINGER_NS (1000ull * 1000 * 1000)
#define TGT_MAX_REQS 256u
#define TGT_MAX_CPUS 64

struct tgt_opts {
	uint64_t in_capsule;   /* in-capsule data bytes of an I/O command capsule (IOCCSZ - 64) */
	uint64_t max_h2c;      /* MAXH2CDATA */
	uint64_t max_io;       /* MDTS in bytes */
	uint64_t queue_depth;  /* entries per I/O queue */
	uint64_t cpda;         /* controller PDU data alignment we ask of the host (0's based dw) */
	bool hdgst;            /* grant header digests when the host asks */
	bool ddgst;            /* grant data digests when the host asks */
	uint64_t kato;         /* default keep-alive timeout in ms (0: only what the host asks) */
	char *allow_host;      /* host NQNs allowed to connect, '+'-separated (NULL: any host) */
};

static const struct iop_option g_tgt_opts[] = {
	{"in_capsule", "ioccsz", IOP_OPT_SIZE, offsetof(struct tgt_opts, in_capsule), "8k", 0,
	 1u << 20, NULL, "in-capsule data bytes accepted per command (IOCCSZ - 64)"},
	{"max_h2c_data", "maxh2cdata", IOP_OPT_SIZE, offsetof(struct tgt_opts, max_h2c), "128k",
	 4096, 1u << 24, NULL, "MAXH2CDATA: bytes per H2CData PDU"},
	{"max_io", "mdts", IOP_OPT_SIZE, offsetof(struct tgt_opts, max_io), "128k", 4096,
	 1u << 24, NULL, "largest I/O in bytes (MDTS)"},
	{"queue_depth", "qd", IOP_OPT_UINT, offsetof(struct tgt_opts, queue_depth), "128", 2,
	 TGT_MAX_REQS - 1, NULL, "entries per I/O queue"},
	{"cpda", NULL, IOP_OPT_UINT, offsetof(struct tgt_opts, cpda), "0", 0, 31, NULL,
	 "CPDA: host data alignment (0's based dwords)"},
	{"hdgst", NULL, IOP_OPT_BOOL, offsetof(struct tgt_opts, hdgst), "1", 0, 0, NULL,
	 "grant header digests"},
	{"ddgst", NULL, IOP_OPT_BOOL, offsetof(struct tgt_opts, ddgst), "1", 0, 0, NULL,
	 "grant data digests"},
	{"kato", NULL, IOP_OPT_UINT, offsetof(struct tgt_opts, kato), "0", 0, 0, NULL,
	 "default keep-alive timeout (ms) for I/O controllers"},
	{"allow_host", "allow_hosts", IOP_OPT_STR, offsetof(struct tgt_opts, allow_host), NULL, 0,
	 0, NULL, "only these host NQNs may connect ('+' between several); default any host"},
	{NULL},
};

enum treq_state { TREQ_FREE, TREQ_DATA, TREQ_EXEC, TREQ_TX };

struct tgt_conn;

struct tgt_req {
	struct iop_nvme_req n;
	struct tgt_conn *c;
	uint8_t state;
	bool r2t;               /* H2C data comes through R2T/H2CData */
	bool ddgst_err;         /* some data arrived with a bad digest */
	uint16_t prep_st;       /* verdict of iop_nvme_req_prepare */
	uint16_t idx;           /* transfer tag */
	uint32_t recvd;         /* H2C bytes placed so far */
	uint8_t *buf;
	uint32_t cap;
	struct iovec iov;
	uint32_t ddgst;
	uint8_t hdr[NVMF_TCP_TXHDR_MAX] __attribute__((aligned(8))); /* C2HData or R2T */
	uint8_t rsp[32] __attribute__((aligned(8)));                /* CapsuleResp */
	struct tgt_req *next_free;
};

enum conn_state { CONN_IC, CONN_LIVE, CONN_TERM, CONN_DEAD };

struct tgt_pg;

struct tgt_conn {
	struct tgt_pg *pg;
	int fd;
	int state;
	bool hdgst, ddgst;
	bool epollout;
	uint32_t hpda;          /* alignment of data we send, bytes */
	uint32_t in_capsule;
	uint32_t max_h2c;
	struct nvmf_tcp_rx rx;
	struct nvmf_tcp_tx tx;
	struct nvmf_tcp_pcap rec;
	struct iop_nvme_qpair *qp;
	bool qp_stopped;
	struct tgt_req *reqs;
	struct tgt_req *free;
	unsigned int busy;      /* requests not FREE */
	struct tgt_req *cur;    /* request whose data the current PDU carries */
	uint8_t cur_type;
	uint16_t last_sqhd;
	uint64_t term_deadline;
	atomic_int msgs;        /* reactor messages still referring to this connection */
	atomic_bool disconnect_req;
	int disc_reason;        /* reason given by the core's disconnect request */
	struct tgt_conn *next;
	char peer[64];
	/* Separate buffers: an ICResp may still be queued when a TermReq follows it. */
	uint8_t icresp[NVME_TCP_ICRESP_LEN] __attribute__((aligned(8)));
	uint8_t term[NVME_TCP_TERM_MAX_PLEN + 8] __attribute__((aligned(8)));
};

struct tgt;

struct tgt_pg {
	struct tgt *t;
	unsigned int idx;
	struct iop_reactor *r;
	struct iop_nvme_pg *npg;
	struct iop_poller *poller;
	struct tgt_conn *conns;
	int chan_fds[16];
	int nchan_fds;
	bool ready;
	atomic_uint nconns;     /* attached and not yet freed */
};

struct tgt {
	struct iop_target base;
	struct tgt_opts o;
	bool interrupt;
	struct iop_nvme_tgt *nvme;
	struct iop_nvme_subsys *ss;
	int lfd;
	int port;
	char host[256];
	struct tgt_pg *pgs;
	unsigned int npg;
	unsigned int next_pg;
	struct nvmf_tcp_pcap_file *pcap;
	atomic_uint live_conns;
};

static void conn_term(struct tgt_conn *c, uint16_t fes, uint32_t fei, const void *bad,
		      uint32_t bad_len, const char *why);
static void conn_close(struct tgt_conn *c, const char *why);

/* ------------------------------------------------------------------------------ requests */

static struct tgt_req *
treq_get(struct tgt_conn *c)
{
	struct tgt_req *r = c->free;

	if (!r) {
		return NULL;
	}
	c->free = r->next_free;
	c->busy++;
	r->r2t = false;
	r->ddgst_err = false;
	r->recvd = 0;
	return r;
}

static void
treq_put(struct tgt_req *r)
{
	struct tgt_conn *c = r->c;

	r->state = TREQ_FREE;
	r->next_free = c->free;
	c->free = r;
	c->busy--;
}

static int
treq_buf(struct tgt_req *r, uint32_t len)
{
	if (len > r->cap) {
		void *b = NULL;
		uint32_t cap = IOP_ALIGN_UP(len, 4096u);

		if (posix_memalign(&b, 4096, cap)) {
			return -ENOMEM;
		}
		free(r->buf);
		r->buf = b;
		r->cap = cap;
	}
	r->iov.iov_base = r->buf;
	r->iov.iov_len = len;
	r->n.iov = &r->iov;
	r->n.iovcnt = len ? 1 : 0;
	return 0;
}

static bool
cpl_ok(const struct iop_nvme_cpl *cpl)
{
	return (cpl->status >> 1) == 0;
}

/* Queue the CapsuleResp of r (cookie: release r once sent). */
static void
treq_queue_resp(struct tgt_req *r, bool cookie)
{
	struct tgt_conn *c = r->c;
	uint32_t n = nvmf_tcp_ch_fill(r->rsp, NVME_TCP_PDU_CAPSULE_RESP, 0, NVME_TCP_RESP_HLEN,
				      c->hdgst, false, 0, c->hpda);

	memcpy(r->rsp + sizeof(struct nvme_tcp_ch), &r->n.cpl, sizeof(r->n.cpl));
	nvmf_tcp_hdr_seal(r->rsp);
	nvmf_tcp_tx_add(&c->tx, r->rsp, n, cookie ? r : NULL);
}

/* The core finished r (inline from exec or later from iop_nvme_pg_poll). */
static void
treq_done(struct iop_nvme_req *nreq)
{
	struct tgt_req *r = iop_container_of(nreq, struct tgt_req, n);
	struct tgt_conn *c = r->c;

	if (c->state != CONN_LIVE) {
		treq_put(r);
		return;
	}
	if (!(c->qp_stopped)) {
		c->last_sqhd = r->n.cpl.sqhd;
	}
	r->state = TREQ_TX;
	if (!nvmf_tcp_tx_room(&c->tx, 4)) {
		nvmf_tcp_tx_flush(&c->tx, c->fd, c->rec.f ? &c->rec : NULL, NVMF_TCP_DIR_C2H);
		if (!nvmf_tcp_tx_room(&c->tx, 4)) {
			/* Cannot happen with <= TGT_MAX_REQS requests of <= 4 iovecs each. */
			IOP_ERR("%s: send queue full", c->peer);
			treq_put(r);
			conn_close(c, "send queue overflow");
			return;
		}
	}
	if (r->n.xfer == IOP_NVME_XFER_C2H && r->n.data_len && cpl_ok(&r->n.cpl)) {
		bool success = iop_nvme_qpair_sqfc_disabled(c->qp);
		struct nvme_tcp_data_hdr *h = (void *)r->hdr;
		uint32_t hl = nvmf_tcp_ch_fill(h, NVME_TCP_PDU_C2H_DATA,
					       NVME_TCP_F_LAST_PDU |
						       (success ? NVME_TCP_F_SUCCESS : 0),
					       NVME_TCP_DATA_HLEN, c->hdgst, c->ddgst,
					       r->n.data_len, c->hpda);

		h->cccid = r->n.cmd.cid;
		h->ttag = 0;
		h->datao = 0;
		h->datal = r->n.data_len;
		h->rsvd = 0;
		nvmf_tcp_hdr_seal(h);
		nvmf_tcp_tx_add(&c->tx, h, hl, NULL);
		if (c->ddgst) {
			nvmf_tcp_tx_add(&c->tx, r->buf, r->n.data_len, NULL);
			r->ddgst = nvmf_tcp_crc32c(r->buf, r->n.data_len);
			nvmf_tcp_tx_add(&c->tx, &r->ddgst, NVME_TCP_DIGEST_LEN, success ? r : NULL);
		} else {
			nvmf_tcp_tx_add(&c->tx, r->buf, r->n.data_len, success ? r : NULL);
		}
		if (success) {
			return;
		}
	}
	treq_queue_resp(r, true);
}

/* Complete r with a status the transport decided (digest error, SGL/length mismatch). */
static void
treq_fail(struct tgt_req *r, uint16_t status)
{
	struct tgt_conn *c = r->c;

	memset(&r->n.cpl, 0, sizeof(r->n.cpl));
	r->n.cpl.cid = r->n.cmd.cid;
	r->n.cpl.sqid = (uint16_t)IOP_MAX(iop_nvme_qpair_qid(c->qp), 0);
	r->n.cpl.sqhd = iop_nvme_qpair_sqfc_disabled(c->qp) ? 0xffff : c->last_sqhd;
	r->n.cpl.status = (uint16_t)(status << 1);
	r->n.xfer = IOP_NVME_XFER_NONE;
	r->state = TREQ_EXEC;
	treq_done(&r->n);
}

static void
treq_exec(struct tgt_req *r)
{
	r->state = TREQ_EXEC;
	iop_nvme_req_exec(&r->n);
}

static void
conn_tx_done(void *ctx, void *cookie)
{
	treq_put(cookie);
}

/* ------------------------------------------------------------------------------ PDUs */

static void
conn_icreq(struct tgt_conn *c, const struct nvme_tcp_icreq *req)
{
	struct tgt_opts *o = &c->pg->t->o;
	struct nvme_tcp_icresp *rsp = (void *)c->icresp;
	struct nvmf_tcp_pdu_err e;
	uint8_t dgst = 0;

	if (nvmf_tcp_icreq_check(req, &e)) {
		conn_term(c, e.fes, e.fei, req, sizeof(*req), e.why);
		return;
	}
	c->hdgst = (req->dgst & NVME_TCP_DGST_HDR) && o->hdgst;
	c->ddgst = (req->dgst & NVME_TCP_DGST_DATA) && o->ddgst;
	dgst = (c->hdgst ? NVME_TCP_DGST_HDR : 0) | (c->ddgst ? NVME_TCP_DGST_DATA : 0);
	c->hpda = (req->hpda + 1u) * 4;
	nvmf_tcp_build_icresp(rsp, (uint8_t)o->cpda, dgst, c->max_h2c);
	nvmf_tcp_tx_add(&c->tx, rsp, sizeof(*rsp), NULL);
	c->rx.p.ic_done = true;
	c->rx.p.hdgst = c->hdgst;
	c->rx.p.ddgst = c->ddgst;
	c->rx.p.pda = ((uint32_t)o->cpda + 1) * 4;
	c->rx.p.max_data = IOP_MAX(c->in_capsule, c->max_h2c);
	c->state = CONN_LIVE;
	IOP_INFO(nvmf_tcp, "%s: ICReq hpda %u dgst %u maxr2t %u -> hdgst %d ddgst %d", c->peer,
		 req->hpda, req->dgst, req->maxr2t, c->hdgst, c->ddgst);
}

static void
conn_capsule(struct tgt_conn *c, const struct nvme_tcp_capsule_cmd *pdu)
{
	uint32_t icd = c->rx.data_len;
	struct tgt_req *r;
	uint16_t st;

	if (icd > c->in_capsule) {
		conn_term(c, NVME_TCP_FES_DATA_LIMIT_EXCEEDED, offsetof(struct nvme_tcp_ch, plen),
			  pdu, c->rx.bad_len, "in-capsule data above IOCCSZ");
		return;
	}
	r = c->qp && iop_nvme_qpair_size(c->qp) && c->busy >= iop_nvme_qpair_size(c->qp) ? NULL
									       : treq_get(c);
	if (!r) {
		/* The host ignored the queue size it negotiated. */
		conn_term(c, NVME_TCP_FES_PDU_SEQUENCE_ERROR, 0, pdu, c->rx.bad_len,
			  "more commands outstanding than the queue holds");
		return;
	}
	memcpy(&r->n.cmd, pdu->sqe, sizeof(r->n.cmd));
	memset(&r->n.cpl, 0, sizeof(r->n.cpl));
	r->n.qpair = c->qp;
	r->n.iov = NULL;
	r->n.iovcnt = 0;
	st = iop_nvme_req_prepare(&r->n);
	r->prep_st = st;
	if (treq_buf(r, IOP_MAX(icd, st ? 0 : r->n.data_len))) {
		treq_put(r);
		conn_close(c, "out of memory");
		return;
	}
	if (icd) {
		/* Data follows in this PDU: place it, then decide in conn_data(). */
		r->state = TREQ_DATA;
		c->cur = r;
		nvmf_tcp_rx_set_dst(&c->rx, &r->iov, 1, 0);
		return;
	}
	if (st) {
		treq_exec(r); /* the core completes it with st */
		return;
	}
	if (r->n.xfer == IOP_NVME_XFER_H2C && r->n.data_len) {
		struct nvme_tcp_data_hdr *h = (void *)r->hdr;
		uint32_t hl;

		if (r->n.cmd.dptr.sgl1.unkeyed.id != IOP_NVME_SGL_ID_TCP_HOSTBUF) {
			/* In-capsule SGL without in-capsule data. */
			treq_fail(r, IOP_NVME_STATUS(IOP_NVME_SCT_GENERIC,
						     IOP_NVME_SC_DATA_SGL_LENGTH_INVALID) |
					     IOP_NVME_STATUS_DNR);
			return;
		}
		/* One R2T for the whole transfer: never more than MAXR2T (>= 1) outstanding. */
		r->state = TREQ_DATA;
		r->r2t = true;
		hl = nvmf_tcp_ch_fill(h, NVME_TCP_PDU_R2T, 0, NVME_TCP_R2T_HLEN, c->hdgst, false, 0,
				      c->hpda);
		h->cccid = r->n.cmd.cid;
		h->ttag = r->idx;
		h->datao = 0;
		h->datal = r->n.data_len;
		h->rsvd = 0;
		nvmf_tcp_hdr_seal(h);
		if (!nvmf_tcp_tx_room(&c->tx, 1)) {
			nvmf_tcp_tx_flush(&c->tx, c->fd, c->rec.f ? &c->rec : NULL,
					  NVMF_TCP_DIR_C2H);
			if (!nvmf_tcp_tx_room(&c->tx, 1)) {
				conn_close(c, "send queue overflow");
				return;
			}
		}
		nvmf_tcp_tx_add(&c->tx, h, hl, NULL);
		return;
	}
	treq_exec(r);
}

static void
conn_h2c(struct tgt_conn *c, const struct nvme_tcp_data_hdr *h)
{
	struct tgt_req *r;

	if (h->ttag >= TGT_MAX_REQS || c->reqs[h->ttag].state != TREQ_DATA ||
	    !c->reqs[h->ttag].r2t) {
		conn_term(c, NVME_TCP_FES_INVALID_HEADER_FIELD,
			  offsetof(struct nvme_tcp_data_hdr, ttag), h, c->rx.bad_len,
			  "H2CData for no outstanding R2T");
		return;
	}
	r = &c->reqs[h->ttag];
	if (h->cccid != r->n.cmd.cid) {
		conn_term(c, NVME_TCP_FES_INVALID_HEADER_FIELD,
			  offsetof(struct nvme_tcp_data_hdr, cccid), h, c->rx.bad_len,
			  "H2CData CCCID does not match the R2T");
		return;
	}
	if (h->datal != c->rx.data_len || h->datal == 0) {
		conn_term(c, NVME_TCP_FES_INVALID_HEADER_FIELD,
			  offsetof(struct nvme_tcp_data_hdr, datal), h, c->rx.bad_len,
			  "H2CData DATAL differs from the PDU's data length");
		return;
	}
	if (h->datal > c->max_h2c) {
		conn_term(c, NVME_TCP_FES_DATA_LIMIT_EXCEEDED,
			  offsetof(struct nvme_tcp_data_hdr, datal), h, c->rx.bad_len,
			  "H2CData above MAXH2CDATA");
		return;
	}
	if ((uint64_t)h->datao + h->datal > r->n.data_len) {
		conn_term(c, NVME_TCP_FES_DATA_OUT_OF_RANGE, 0, h, c->rx.bad_len,
			  "H2CData outside the R2T range");
		return;
	}
	if (h->datao != r->recvd) {
		conn_term(c, NVME_TCP_FES_INVALID_HEADER_FIELD,
			  offsetof(struct nvme_tcp_data_hdr, datao), h, c->rx.bad_len,
			  "H2CData DATAO out of order");
		return;
	}
	if ((h->ch.flags & NVME_TCP_F_LAST_PDU) != (h->datao + h->datal == r->n.data_len ?
						     NVME_TCP_F_LAST_PDU : 0)) {
		conn_term(c, NVME_TCP_FES_INVALID_HEADER_FIELD, offsetof(struct nvme_tcp_ch, flags),
			  h, c->rx.bad_len, "LAST_PDU flag does not match the end of the transfer");
		return;
	}
	c->cur = r;
	nvmf_tcp_rx_set_dst(&c->rx, &r->iov, 1, h->datao);
}

static void
conn_hdr(struct tgt_conn *c)
{
	const struct nvme_tcp_ch *ch = (const void *)c->rx.hdr;

	c->cur = NULL;
	c->cur_type = ch->type;
	switch (ch->type) {
	case NVME_TCP_PDU_ICREQ:
		conn_icreq(c, (const void *)ch);
		break;
	case NVME_TCP_PDU_H2C_TERM_REQ: {
		const struct nvme_tcp_term_req *t = (const void *)ch;

		IOP_NOTICE("%s: host terminated the connection: FES %u (%s) FEI %u", c->peer,
			   t->fes, nvmf_tcp_fes_name(t->fes), t->fei);
		conn_close(c, "H2CTermReq");
		break;
	}
	case NVME_TCP_PDU_CAPSULE_CMD:
		conn_capsule(c, (const void *)ch);
		break;
	case NVME_TCP_PDU_H2C_DATA:
		conn_h2c(c, (const void *)ch);
		break;
	default: /* nvmf_tcp_ch_check lets nothing else through */
		conn_term(c, NVME_TCP_FES_INVALID_HEADER_FIELD, 0, ch, c->rx.bad_len,
			  "unexpected PDU type");
		break;
	}
}

static void
conn_data(struct tgt_conn *c)
{
	struct tgt_req *r = c->cur;

	c->cur = NULL;
	if (!r) {
		return;
	}
	if (c->cur_type == NVME_TCP_PDU_CAPSULE_CMD) {
		uint32_t icd = c->rx.data_len;

		if (c->rx.ddgst_bad) {
			IOP_WARN("%s: data digest error in command capsule cid %u", c->peer,
				 r->n.cmd.cid);
			treq_fail(r, IOP_NVME_STATUS(IOP_NVME_SCT_GENERIC,
						     IOP_NVME_SC_TRANSIENT_TRANSPORT_ERROR));
			return;
		}
		if (r->prep_st) { /* the core's own verdict wins */
			treq_exec(r);
			return;
		}
		if (r->n.xfer != IOP_NVME_XFER_H2C || r->n.data_len != icd ||
		    r->n.cmd.dptr.sgl1.unkeyed.id != IOP_NVME_SGL_ID_INCAPSULE) {
			treq_fail(r, IOP_NVME_STATUS(IOP_NVME_SCT_GENERIC,
						     IOP_NVME_SC_DATA_SGL_LENGTH_INVALID) |
					     IOP_NVME_STATUS_DNR);
			return;
		}
		r->iov.iov_len = icd;
		treq_exec(r);
		return;
	}
	/* H2CData */
	r->recvd += c->rx.data_len;
	if (c->rx.ddgst_bad) {
		IOP_WARN("%s: data digest error in H2CData cid %u", c->peer, r->n.cmd.cid);
		r->ddgst_err = true;
	}
	if (r->recvd < r->n.data_len) {
		return;
	}
	if (r->ddgst_err) {
		treq_fail(r, IOP_NVME_STATUS(IOP_NVME_SCT_GENERIC,
					     IOP_NVME_SC_TRANSIENT_TRANSPORT_ERROR));
		return;
	}
	treq_exec(r);
}

/* ------------------------------------------------------------------------------ connections */

static struct nvmf_tcp_pcap *
conn_rec(struct tgt_conn *c)
{
	return c->rec.f ? &c->rec : NULL;
}

static void
conn_set_epollout(struct tgt_conn *c, bool on)
{
	if (!c->pg->t->interrupt || c->epollout == on || c->fd < 0) {
		return;
	}
	c->epollout = on;
	iop_reactor_mod_fd(c->pg->r, c->fd, EPOLLIN | (on ? EPOLLOUT : 0));
}

static void
conn_flush(struct tgt_conn *c)
{
	ssize_t left;

	if (c->fd < 0 || c->tx.head == c->tx.tail) {
		return;
	}
	left = nvmf_tcp_tx_flush(&c->tx, c->fd, conn_rec(c), NVMF_TCP_DIR_C2H);
	if (left < 0) {
		conn_close(c, "send failed");
		return;
	}
	conn_set_epollout(c, left > 0);
}

static void
conn_stop_qp(struct tgt_conn *c)
{
	if (c->qp && !c->qp_stopped) {
		c->qp_stopped = true;
		iop_nvme_qpair_stop(c->qp);
	}
}

/* Drop the socket; requests still inside the core are reaped later (conn_reap). */
static void
conn_close(struct tgt_conn *c, const char *why)
{
	if (c->state == CONN_DEAD) {
		return;
	}
	IOP_INFO(nvmf_tcp, "%s: closing: %s", c->peer, why);
	c->state = CONN_DEAD;
	if (c->fd >= 0) {
		if (c->pg->t->interrupt) {
			iop_reactor_remove_fd(c->pg->r, c->fd);
		}
		close(c->fd);
		c->fd = -1;
	}
	nvmf_tcp_pcap_conn_end(&c->rec);
	/* Requests waiting in the send queue or for data are ours to release now. */
	c->tx.head = c->tx.tail = 0;
	c->tx.bytes = 0;
	for (unsigned int i = 0; i < TGT_MAX_REQS; i++) {
		struct tgt_req *r = &c->reqs[i];

		if (r->state == TREQ_TX || r->state == TREQ_DATA) {
			treq_put(r);
		}
	}
	conn_stop_qp(c);
	atomic_fetch_sub(&c->pg->t->live_conns, 1);
}

static void
conn_term(struct tgt_conn *c, uint16_t fes, uint32_t fei, const void *bad, uint32_t bad_len,
	  const char *why)
{
	uint32_t n;

	if (c->state == CONN_TERM || c->state == CONN_DEAD) {
		return;
	}
	IOP_WARN("%s: protocol error, sending C2HTermReq FES %u (%s) FEI %u: %s", c->peer, fes,
		 nvmf_tcp_fes_name(fes), fei, why);
	n = nvmf_tcp_build_term(c->term, false, fes, fei, bad, bad_len);
	if (!nvmf_tcp_tx_room(&c->tx, 1)) {
		conn_close(c, "send queue full while terminating");
		return;
	}
	nvmf_tcp_tx_add(&c->tx, c->term, n, NULL);
	c->state = CONN_TERM;
	c->term_deadline = iop_now_ns() + TGT_TERM_LINGER_NS;
	conn_stop_qp(c);
	conn_flush(c);
}

/* TERM: once the TermReq is out, half-close and discard input until EOF or the deadline. */
static void
conn_term_progress(struct tgt_conn *c)
{
	char sink[4096];

	conn_flush(c);
	if (c->state != CONN_TERM) {
		return;
	}
	if (c->tx.head == c->tx.tail) {
		shutdown(c->fd, SHUT_WR);
		for (;;) {
			ssize_t n = recv(c->fd, sink, sizeof(sink), MSG_DONTWAIT);

			if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
				conn_close(c, "terminated");
				return;
			}
			if (n < 0) {
				break;
			}
		}
	}
	if (iop_now_ns() > c->term_deadline) {
		conn_close(c, "terminated (linger expired)");
	}
}

static void
conn_parse(struct tgt_conn *c)
{
	int ev;

	while (c->state == CONN_IC || c->state == CONN_LIVE) {
		ev = nvmf_tcp_rx_step(&c->rx);
		if (ev == NVMF_TCP_RX_HDR) {
			conn_hdr(c);
		} else if (ev == NVMF_TCP_RX_DONE) {
			conn_data(c);
		} else if (ev == NVMF_TCP_RX_AGAIN) {
			return;
		} else if (ev == -EPROTO) {
			conn_term(c, c->rx.err.fes, c->rx.err.fei, c->rx.hdr, c->rx.bad_len,
				  c->rx.err.why);
		} else {
			IOP_WARN("%s: %s: closing", c->peer, c->rx.err.why);
			conn_close(c, "malformed TermReq");
		}
	}
}

/* Read what the socket has, run it through the parser. \return work done. */
static int
conn_rx(struct tgt_conn *c)
{
	int work = 0;

	for (int i = 0; i < 8 && (c->state == CONN_IC || c->state == CONN_LIVE); i++) {
		uint32_t space = nvmf_tcp_rx_space(&c->rx);
		ssize_t n = nvmf_tcp_sock_recv(c->fd, &c->rx, conn_rec(c), NVMF_TCP_DIR_H2C);

		if (n == -EAGAIN) {
			break;
		}
		if (n < 0) {
			conn_close(c, n == -ECONNRESET ? "peer closed" : "recv failed");
			break;
		}
		work++;
		conn_parse(c);
		if ((uint32_t)n < space) {
			break;
		}
	}
	return work;
}

static void
conn_free(struct tgt_conn *c)
{
	for (unsigned int i = 0; i < TGT_MAX_REQS; i++) {
		free(c->reqs[i].buf);
	}
	free(c->reqs);
	nvmf_tcp_rx_fini(&c->rx);
	free(c);
}

/* DEAD and nothing in flight: destroy the qpair and unlink. \return true when freed. */
static bool
conn_reap(struct tgt_conn *c)
{
	struct tgt_conn **pp;

	if (c->state != CONN_DEAD || c->busy || atomic_load(&c->msgs)) {
		return false;
	}
	if (c->qp) {
		if (iop_nvme_qpair_inflight(c->qp)) {
			return false;
		}
		iop_nvme_qpair_destroy(c->qp);
		c->qp = NULL;
	}
	for (pp = &c->pg->conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	atomic_fetch_sub(&c->pg->nconns, 1);
	conn_free(c);
	return true;
}

static void
conn_disconnect_msg(void *arg)
{
	struct tgt_conn *c = arg;

	if (c->state != CONN_DEAD) {
		if (c->disc_reason == -ETIMEDOUT) {
			IOP_NOTICE("%s: keep-alive timeout: dropping the connection", c->peer);
		}
		conn_close(c, c->disc_reason == -ETIMEDOUT ? "keep-alive timeout"
							     : "controller torn down or reset");
	}
	atomic_fetch_sub(&c->msgs, 1);
}

/* Core -> transport, any thread: keep-alive expiry, controller reset or teardown. */
static void
conn_qp_disconnect(struct iop_nvme_qpair *qp, void *ctx, int reason)
{
	struct tgt_conn *c = ctx;

	if (atomic_exchange(&c->disconnect_req, true)) {
		return;
	}
	c->disc_reason = reason;
	atomic_fetch_add(&c->msgs, 1);
	if (iop_reactor_call(c->pg->r, conn_disconnect_msg, c)) {
		atomic_fetch_sub(&c->msgs, 1);
	}
}

static const struct iop_nvme_qpair_ops g_conn_qp_ops = {
	.disconnect = conn_qp_disconnect,
};

static void
conn_fd_event(void *arg, uint32_t events)
{
	struct tgt_conn *c = arg;

	if (c->state == CONN_TERM) {
		conn_term_progress(c);
		return;
	}
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
		conn_rx(c);
	}
	conn_flush(c);
}

/* Runs on the poll group's thread: adopt a freshly accepted connection. */
static void
conn_attach(void *arg)
{
	struct tgt_conn *c = arg;
	struct tgt_pg *pg = c->pg;
	int rc;

	rc = iop_nvme_qpair_create(pg->npg, IOP_NVMF_TRTYPE_TCP, &g_conn_qp_ops, c, &c->qp);
	if (rc == 0 && pg->t->interrupt) {
		rc = iop_reactor_add_fd(pg->r, c->fd, EPOLLIN, conn_fd_event, c);
	}
	atomic_fetch_sub(&c->msgs, 1);
	c->next = pg->conns;
	pg->conns = c;
	atomic_fetch_add(&pg->nconns, 1);
	if (rc) {
		IOP_ERR("%s: cannot set up the connection: %s", c->peer, strerror(-rc));
		conn_close(c, "setup failed");
	}
}

static struct tgt_conn *
conn_new(struct tgt *t, int fd)
{
	struct tgt_conn *c = calloc(1, sizeof(*c));
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[64] = "?", serv[16] = "?";

	if (!c) {
		return NULL;
	}
	c->reqs = calloc(TGT_MAX_REQS, sizeof(*c->reqs));
	if (!c->reqs || nvmf_tcp_rx_init(&c->rx, TGT_RX_BUF, true)) {
		free(c->reqs);
		free(c);
		return NULL;
	}
	c->fd = fd;
	c->state = CONN_IC;
	c->hpda = 4;
	c->in_capsule = (uint32_t)t->o.in_capsule;
	c->max_h2c = (uint32_t)t->o.max_h2c;
	/* Before ICReq nothing but a 128-byte ICReq is acceptable. */
	c->rx.p.max_data = 0;
	for (unsigned int i = TGT_MAX_REQS; i-- > 0;) {
		struct tgt_req *r = &c->reqs[i];

		r->c = c;
		r->idx = (uint16_t)i;
		r->n.done = treq_done;
		r->n.ctx = r;
		r->n.iovmax = 1;
		r->next_free = c->free;
		c->free = r;
	}
	c->tx.done = conn_tx_done;
	c->tx.ctx = c;
	if (!getpeername(fd, (struct sockaddr *)&ss, &sl) &&
	    !getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), serv, sizeof(serv),
			 NI_NUMERICHOST | NI_NUMERICSERV)) {
		snprintf(c->peer, sizeof(c->peer), "%s:%s", host, serv);
	}
	if (t->pcap) {
		nvmf_tcp_pcap_conn_from_fd(&c->rec, t->pcap, fd, true);
	}
	return c;
}

/* ------------------------------------------------------------------------------ poll groups */

static void
pg_chan_noop(void *arg, uint32_t events)
{
}

static void
pg_watch_chan_fds(struct tgt_pg *pg)
{
	int fds[16], n = iop_nvme_pg_fds(pg->npg, fds, 16);

	for (int i = 0; i < n; i++) {
		bool known = false;

		for (int j = 0; j < pg->nchan_fds; j++) {
			known |= pg->chan_fds[j] == fds[i];
		}
		if (!known && pg->nchan_fds < 16 &&
		    !iop_reactor_add_fd(pg->r, fds[i], EPOLLIN, pg_chan_noop, pg)) {
			pg->chan_fds[pg->nchan_fds++] = fds[i];
		}
	}
}

static int
pg_poll(void *arg)
{
	struct tgt_pg *pg = arg;
	struct tgt_conn *c, *next;
	int work;

	if (!pg->ready) {
		return 0;
	}
	work = iop_nvme_pg_poll(pg->npg);
	for (c = pg->conns; c; c = next) {
		next = c->next;
		switch (c->state) {
		case CONN_IC:
		case CONN_LIVE:
			if (!pg->t->interrupt) {
				work += conn_rx(c);
			}
			conn_flush(c);
			break;
		case CONN_TERM:
			conn_term_progress(c);
			break;
		default:
			break;
		}
		if (c->state == CONN_DEAD) {
			conn_reap(c);
		}
	}
	if (pg->t->interrupt) {
		pg_watch_chan_fds(pg);
	}
	return work;
}

static void
pg_init(void *arg)
{
	struct tgt_pg *pg = arg;
	int rc = iop_nvme_pg_create(pg->t->nvme, (unsigned int)pg->t->o.queue_depth * 4, &pg->npg);

	if (rc) {
		IOP_ERR("poll group %u: %s", pg->idx, strerror(-rc));
		return;
	}
	pg->ready = true;
}

static void
tgt_accept(void *arg, uint32_t events)
{
	struct tgt *t = arg;

	for (;;) {
		int fd = accept4(t->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		struct tgt_conn *c;
		struct tgt_pg *pg;

		if (fd < 0) {
			if (errno == EINTR) {
				continue;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				IOP_ERR_RATELIMIT("accept: %s", strerror(errno));
			}
			return;
		}
		if (nvmf_tcp_sock_tune(fd)) {
			close(fd);
			continue;
		}
		c = conn_new(t, fd);
		if (!c) {
			IOP_ERR_RATELIMIT("out of memory for a new connection");
			close(fd);
			continue;
		}
		pg = &t->pgs[t->next_pg++ % t->npg];
		c->pg = pg;
		atomic_fetch_add(&t->live_conns, 1);
		atomic_fetch_add(&c->msgs, 1);
		IOP_INFO(nvmf_tcp, "%s: connected, poll group %u", c->peer, pg->idx);
		if (iop_reactor_call(pg->r, conn_attach, c)) {
			atomic_fetch_sub(&t->live_conns, 1);
			close(fd);
			conn_free(c);
		}
	}
}

/*
 * Shutdown runs in two steps so that reactor messages still queued for a connection (core
 * disconnect requests) run before it is freed: pg_close_all closes every connection, the
 * poller reaps them while the main thread waits for nconns to reach 0, then pg_fini destroys
 * the core's poll group on its own thread.
 */
static void
pg_close_all(void *arg)
{
	struct tgt_pg *pg = arg;

	if (pg->idx == 0 && pg->t->lfd >= 0) {
		iop_reactor_remove_fd(pg->r, pg->t->lfd);
	}
	for (struct tgt_conn *c = pg->conns; c; c = c->next) {
		conn_close(c, "target shutting down");
	}
}

static void
pg_fini(void *arg)
{
	struct tgt_pg *pg = arg;

	if (!pg->ready) {
		return;
	}
	if (pg->conns) {
		IOP_WARN("poll group %u: connections still busy at shutdown", pg->idx);
		return; /* leak rather than free memory the core still uses */
	}
	iop_nvme_pg_destroy(pg->npg);
	pg->npg = NULL;
	pg->ready = false;
}

/* ------------------------------------------------------------------------------ target ops */

static void tgt_destroy(struct iop_target *base);
static const struct iop_target_ops nvmf_tcp_target_ops;

static int
tgt_create(const struct iop_target_cfg *cfg, struct iop_target **out)
{
	struct iop_nvme_tgt_opts no;
	struct iop_nvme_listener l = {0};
	struct iop_uri u;
	struct tgt *t;
	int cpus[TGT_MAX_CPUS], ncpu = 0, rc;
	char err[256];

	if (iop_uri_parse(cfg->uri, &u, err, sizeof(err))) {
		IOP_ERR("%s", err);
		return -EINVAL;
	}
	if (!u.host[0] || u.port < 0 || !u.path[0]) {
		IOP_ERR("nvmf-tcp target URI needs host, port and subsystem NQN: "
			"nvmf-tcp://127.0.0.1:4420/nqn.2014-08.org.example:sub");
		return -EINVAL;
	}
	if (cfg->cpus) {
		ncpu = iop_cpulist_parse(cfg->cpus, cpus, TGT_MAX_CPUS);
		if (ncpu <= 0) {
			IOP_ERR("bad cpu list '%s'", cfg->cpus);
			return -EINVAL;
		}
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		return -ENOMEM;
	}
	t->lfd = -1;
	t->interrupt = cfg->interrupt;
	snprintf(t->host, sizeof(t->host), "%s", u.host);
	iop_opts_defaults(g_tgt_opts, &t->o);
	if (nvmf_tcp_uri_query(u.path, g_tgt_opts, &t->o, err, sizeof(err)) ||
	    (cfg->opts && iop_opts_parse_kv(g_tgt_opts, &t->o, cfg->opts, err, sizeof(err)))) {
		IOP_ERR("nvmf-tcp target options: %s", err);
		rc = -EINVAL;
		goto fail;
	}
	if (t->o.max_h2c % 4 || (t->o.max_io & (t->o.max_io - 1))) {
		IOP_ERR("max_h2c_data must be a multiple of 4 and max_io a power of two");
		rc = -EINVAL;
		goto fail;
	}
	iop_nvme_tgt_opts_default(&no);
	no.max_io_size = (uint32_t)t->o.max_io;
	no.max_queue_depth = (uint16_t)t->o.queue_depth;
	no.in_capsule_data = (uint32_t)t->o.in_capsule;
	no.kato_default_ms = (uint32_t)t->o.kato;
	rc = iop_nvme_tgt_setup_subsys(&no, u.path, t->o.allow_host, cfg->backends,
				       cfg->nr_backends, &t->nvme, &t->ss);
	if (rc) {
		goto fail;
	}
	if (cfg->trace_path) {
		rc = nvmf_tcp_pcap_open(cfg->trace_path, &t->pcap);
		if (rc) {
			goto fail;
		}
	}
	t->lfd = nvmf_tcp_sock_listen(u.host, u.port, &t->port);
	if (t->lfd < 0) {
		rc = t->lfd;
		IOP_ERR("cannot listen on %s:%d: %s", u.host, u.port, strerror(-rc));
		goto fail;
	}
	l.trtype = IOP_NVMF_TRTYPE_TCP;
	l.adrfam = strchr(u.host, ':') ? IOP_NVMF_ADRFAM_IPV6 : IOP_NVMF_ADRFAM_IPV4;
	snprintf(l.traddr, sizeof(l.traddr), "%s", u.host);
	snprintf(l.trsvcid, sizeof(l.trsvcid), "%d", t->port);
	iop_nvme_tgt_add_listener(t->nvme, &l);

	t->npg = cfg->nr_threads ? cfg->nr_threads : 1;
	t->pgs = calloc(t->npg, sizeof(*t->pgs));
	if (!t->pgs) {
		rc = -ENOMEM;
		goto fail;
	}
	for (unsigned int i = 0; i < t->npg; i++) {
		struct tgt_pg *pg = &t->pgs[i];

		pg->t = t;
		pg->idx = i;
		rc = iop_reactor_create(ncpu ? cpus[i % ncpu] : -1, t->interrupt, &pg->r);
		if (rc) {
			goto fail;
		}
		pg->poller = iop_reactor_add_poller(pg->r, pg_poll, pg);
		if (!pg->poller) {
			rc = -ENOMEM;
			goto fail;
		}
		iop_reactor_call(pg->r, pg_init, pg);
	}
	rc = iop_reactor_add_fd(t->pgs[0].r, t->lfd, EPOLLIN, tgt_accept, t);
	if (rc) {
		goto fail;
	}
	for (unsigned int i = 0; i < t->npg; i++) {
		rc = iop_reactor_start(t->pgs[i].r);
		if (rc) {
			goto fail;
		}
	}
	t->base.ops = &nvmf_tcp_target_ops;
	*out = &t->base;
	return 0;
fail:
	tgt_destroy(&t->base);
	return rc;
}

static int
tgt_run(struct iop_target *base, volatile sig_atomic_t *stop)
{
	struct tgt *t = iop_container_of(base, struct tgt, base);

	IOP_INFO(nvmf_tcp, "listening on %s:%d, %u poll group(s), %s mode", t->host, t->port,
		 t->npg, t->interrupt ? "interrupt" : "polling");
	while (!*stop) {
		struct timespec ts = {0, 20 * 1000 * 1000};

		nanosleep(&ts, NULL);
	}
	return 0;
}

static void
tgt_destroy(struct iop_target *base)
{
	struct tgt *t = iop_container_of(base, struct tgt, base);

	for (unsigned int i = 0; t->pgs && i < t->npg; i++) {
		struct tgt_pg *pg = &t->pgs[i];

		if (!pg->r) {
			continue;
		}
		uint64_t deadline = iop_now_ns() + 2000ull * 1000 * 1000;

		/* Queued after any pending conn_attach, so those connections are closed too. */
		if (iop_reactor_call(pg->r, pg_close_all, pg) == 0) {
			while (atomic_load(&pg->nconns) && iop_now_ns() < deadline) {
				struct timespec ts = {0, 1000 * 1000};

				nanosleep(&ts, NULL);
			}
		}
		iop_reactor_call(pg->r, pg_fini, pg);
		iop_reactor_stop(pg->r);
		iop_reactor_destroy(pg->r);
	}
	free(t->pgs);
	if (t->lfd >= 0) {
		close(t->lfd);
	}
	if (t->nvme) {
		iop_nvme_tgt_destroy(t->nvme);
	}
	nvmf_tcp_pcap_close(t->pcap);
	iop_opts_free(g_tgt_opts, &t->o);
	free(t);
}

static const struct iop_target_ops nvmf_tcp_target_ops = {
	.scheme = "nvmf-tcp",
	.help = "NVMe/TCP target: nvmf-tcp://ADDR:PORT/SUBNQN[?k=v&k=v]; --opts in_capsule=8k,"
		"max_h2c_data=128k,"
		"max_io=128k,queue_depth=128,cpda=0,hdgst=1,ddgst=1,kato=0,allow_host=NQN[+NQN]",
	.create = tgt_create,
	.run = tgt_run,
	.destroy = tgt_destroy,
};
IOP_TARGET_REGISTER(nvmf_tcp_target_ops)
