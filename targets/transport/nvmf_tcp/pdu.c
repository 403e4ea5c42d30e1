/* SPDX-License-Identifier: BSD-3-Clause */
/* NVMe/TCP PDU rules: CRC32C digests, header validation (FES/FEI), PDU layout, receive parser. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <isa-l/crc.h>
#include "iopath/util.h"
#include "targets/transport/nvmf_tcp/nvmf_tcp_internal.h"

uint32_t
nvmf_tcp_crc_update(uint32_t crc, const void *buf, size_t len)
{
	return crc32_iscsi((unsigned char *)buf, (int)len, crc);
}

uint32_t
nvmf_tcp_crc32c(const void *buf, size_t len)
{
	return ~nvmf_tcp_crc_update(NVMF_TCP_CRC_SEED, buf, len);
}

uint32_t
nvmf_tcp_crc32c_iov(const struct iovec *iov, int iovcnt, size_t len)
{
	uint32_t crc = NVMF_TCP_CRC_SEED;

	for (int i = 0; i < iovcnt && len; i++) {
		size_t n = IOP_MIN(len, iov[i].iov_len);

		crc = nvmf_tcp_crc_update(crc, iov[i].iov_base, n);
		len -= n;
	}
	return ~crc;
}

const char *
nvmf_tcp_pdu_name(uint8_t type)
{
	static const char *const names[] = {
		"ICReq", "ICResp", "H2CTermReq", "C2HTermReq", "CapsuleCmd",
		"CapsuleResp", "H2CData", "C2HData", "type-8", "R2T",
	};

	return type < IOP_ARRAY_SIZE(names) ? names[type] : "unknown";
}

const char *
nvmf_tcp_fes_name(uint16_t fes)
{
	switch (fes) {
	case NVME_TCP_FES_INVALID_HEADER_FIELD: return "invalid PDU header field";
	case NVME_TCP_FES_PDU_SEQUENCE_ERROR: return "PDU sequence error";
	case NVME_TCP_FES_HDGST_ERROR: return "header digest error";
	case NVME_TCP_FES_DATA_OUT_OF_RANGE: return "data transfer out of range";
	case NVME_TCP_FES_DATA_LIMIT_EXCEEDED: return "data transfer limit exceeded";
	case NVME_TCP_FES_UNSUPPORTED_PARAMETER: return "unsupported parameter";
	default: return "unknown FES";
	}
}

static int
pdu_fail(struct nvmf_tcp_pdu_err *e, uint16_t fes, uint32_t fei, const char *why)
{
	e->fes = fes;
	e->fei = fei;
	e->why = why;
	return -EPROTO;
}

#define CH_OFF(f) ((uint32_t)offsetof(struct nvme_tcp_ch, f))

static bool
pdu_type_known(uint8_t t)
{
	return t <= NVME_TCP_PDU_C2H_DATA || t == NVME_TCP_PDU_R2T;
}

/* Expected HLEN and permitted flags per type. */
static void
pdu_type_rules(uint8_t t, uint8_t *hlen, uint8_t *flags, bool *may_have_data)
{
	*may_have_data = false;
	switch (t) {
	case NVME_TCP_PDU_ICREQ:
	case NVME_TCP_PDU_ICRESP:
		*hlen = NVME_TCP_ICREQ_LEN;
		*flags = 0;
		break;
	case NVME_TCP_PDU_H2C_TERM_REQ:
	case NVME_TCP_PDU_C2H_TERM_REQ:
		*hlen = NVME_TCP_TERM_HLEN;
		*flags = 0;
		break;
	case NVME_TCP_PDU_CAPSULE_CMD:
		*hlen = NVME_TCP_CMD_HLEN;
		*flags = NVME_TCP_F_HDGSTF | NVME_TCP_F_DDGSTF;
		*may_have_data = true;
		break;
	case NVME_TCP_PDU_CAPSULE_RESP:
		*hlen = NVME_TCP_RESP_HLEN;
		*flags = NVME_TCP_F_HDGSTF;
		break;
	case NVME_TCP_PDU_H2C_DATA:
		*hlen = NVME_TCP_DATA_HLEN;
		*flags = NVME_TCP_F_HDGSTF | NVME_TCP_F_DDGSTF | NVME_TCP_F_LAST_PDU;
		*may_have_data = true;
		break;
	case NVME_TCP_PDU_C2H_DATA:
		*hlen = NVME_TCP_DATA_HLEN;
		*flags = NVME_TCP_F_HDGSTF | NVME_TCP_F_DDGSTF | NVME_TCP_F_LAST_PDU |
			 NVME_TCP_F_SUCCESS;
		*may_have_data = true;
		break;
	default: /* R2T */
		*hlen = NVME_TCP_R2T_HLEN;
		*flags = NVME_TCP_F_HDGSTF;
		break;
	}
}

int
nvmf_tcp_ch_check(const struct nvme_tcp_ch *ch, const struct nvmf_tcp_rx_params *p,
		  uint32_t *data_len, struct nvmf_tcp_pdu_err *e)
{
	uint8_t t = ch->type, exp_hlen, valid, want;
	uint32_t plen = ch->plen, hd, dl;
	bool is_ic, is_term, may_data, has_data;

	/* Field order = report order: type (0), flags (1), hlen (2), pdo (3), plen (4). */
	if (!pdu_type_known(t)) {
		return pdu_fail(e, NVME_TCP_FES_INVALID_HEADER_FIELD, CH_OFF(type),
				"unknown PDU type");
	}
	/* Even types travel host -> controller, odd ones controller -> host. */
	if (p->controller != ((t & 1) == 0)) {
		return pdu_fail(e, NVME_TCP_FES_INVALID_HEADER_FIELD, CH_OFF(type),
				"PDU type of the wrong direction");
	}
	is_ic = t == NVME_TCP_PDU_ICREQ || t == NVME_TCP_PDU_ICRESP;
	is_term = t == NVME_TCP_PDU_H2C_TERM_REQ || t == NVME_TCP_PDU_C2H_TERM_REQ;
	if (is_term) {
		/* A malformed TermReq is answered by closing the connection, nothing else. */
		if (ch->hlen != NVME_TCP_TERM_HLEN || plen < NVME_TCP_TERM_HLEN ||
		    plen > NVME_TCP_TERM_MAX_PLEN) {
			e->why = "malformed TermReq";
			return -ECONNRESET;
		}
		*data_len = 0;
		return 0;
	}
	if (!p->ic_done && !is_ic) {
		return pdu_fail(e, NVME_TCP_FES_PDU_SEQUENCE_ERROR, CH_OFF(type),
				"PDU before connection initialization");
	}
	if (p->ic_done && is_ic) {
		return pdu_fail(e, NVME_TCP_FES_PDU_SEQUENCE_ERROR, CH_OFF(type),
				"second initialize connection PDU");
	}
	pdu_type_rules(t, &exp_hlen, &valid, &may_data);

	/* flags */
	if (ch->flags & ~valid) {
		return pdu_fail(e, NVME_TCP_FES_INVALID_HEADER_FIELD, CH_OFF(flags),
				"reserved flag set");
	}
	hd = (uint32_t)ch->hlen + ((ch->flags & NVME_TCP_F_HDGSTF) ? NVME_TCP_DIGEST_LEN : 0);
	has_data = may_data && plen > hd;
	want = 0;
	if (p->hdgst && !is_ic) {
		want |= NVME_TCP_F_HDGSTF;
	}
	if (p->ddgst && has_data) {
		want |= NVME_TCP_F_DDGSTF;
	}
	if ((ch->flags & (NVME_TCP_F_HDGSTF | NVME_TCP_F_DDGSTF)) != (want & valid)) {
		return pdu_fail(e, NVME_TCP_FES_INVALID_HEADER_FIELD, CH_OFF(flags),
				"digest flags differ from the negotiated digests");
	}
	if (t == NVME_TCP_PDU_C2H_DATA && (ch->flags & NVME_TCP_F_SUCCESS) &&
	    !(ch->flags & NVME_TCP_F_LAST_PDU)) {
		return pdu_fail(e, NVME_TCP_FES_INVALID_HEADER_FIELD, CH_OFF(flags),
				"SUCCESS without LAST_PDU");
	}

	/* hlen */
	if (ch->hlen != exp_hlen) {
		return pdu_fail(e, NVME_TCP_FES_INVALID_HEADER_FIELD, CH_OFF(hlen),
				"wrong header length for this PDU type");
	}

	/* pdo */
	if (!has_data) {
		if (ch->pdo != 0) {
			return pdu_fail(e, NVME_TCP_FES_INVALID_HEADER_FIELD, CH_OFF(pdo),
					"PDO set on a PDU without data");
		}
	} else if (ch->pdo < hd || ch->pdo >= plen || ch->pdo % p->pda) {
		return pdu_fail(e, NVME_TCP_FES_INVALID_HEADER_FIELD, CH_OFF(pdo),
				"PDO overlaps the header, passes PLEN or breaks the alignment");
	}

	/* plen */
	if (is_ic) {
		if (plen != NVME_TCP_ICREQ_LEN) {
			return pdu_fail(e, NVME_TCP_FES_INVALID_HEADER_FIELD, CH_OFF(plen),
					"ICReq/ICResp PLEN is not 128");
		}
		*data_len = 0;
		return 0;
	}
	if (plen < hd) {
		return pdu_fail(e, NVME_TCP_FES_INVALID_HEADER_FIELD, CH_OFF(plen),
				"PLEN shorter than the header");
	}
	if (!has_data) {
		if (plen != hd) {
			return pdu_fail(e, NVME_TCP_FES_INVALID_HEADER_FIELD, CH_OFF(plen),
					"PLEN includes data this PDU type cannot carry");
		}
		*data_len = 0;
		return 0;
	}
	dl = plen - ch->pdo;
	if (ch->flags & NVME_TCP_F_DDGSTF) {
		if (dl <= NVME_TCP_DIGEST_LEN) {
			return pdu_fail(e, NVME_TCP_FES_INVALID_HEADER_FIELD, CH_OFF(plen),
					"PLEN leaves no room for data and its digest");
		}
		dl -= NVME_TCP_DIGEST_LEN;
	}
	if (dl > p->max_data) {
		return pdu_fail(e, NVME_TCP_FES_DATA_LIMIT_EXCEEDED, CH_OFF(plen),
				"PDU data exceeds the negotiated limit");
	}
	*data_len = dl;
	return 0;
}

int
nvmf_tcp_icreq_check(const struct nvme_tcp_icreq *req, struct nvmf_tcp_pdu_err *e)
{
	if (req->pfv != NVME_TCP_PFV_1_0) {
		return pdu_fail(e, NVME_TCP_FES_UNSUPPORTED_PARAMETER,
				offsetof(struct nvme_tcp_icreq, pfv), "unsupported PFV");
	}
	if (req->hpda > NVME_TCP_MAX_HPDA) {
		return pdu_fail(e, NVME_TCP_FES_UNSUPPORTED_PARAMETER,
				offsetof(struct nvme_tcp_icreq, hpda), "HPDA above 31");
	}
	return 0;
}

int
nvmf_tcp_icresp_check(const struct nvme_tcp_icresp *rsp, uint8_t dgst_asked,
		      struct nvmf_tcp_pdu_err *e)
{
	if (rsp->pfv != NVME_TCP_PFV_1_0) {
		return pdu_fail(e, NVME_TCP_FES_UNSUPPORTED_PARAMETER,
				offsetof(struct nvme_tcp_icresp, pfv), "unsupported PFV");
	}
	if (rsp->cpda > NVME_TCP_MAX_HPDA) {
		return pdu_fail(e, NVME_TCP_FES_UNSUPPORTED_PARAMETER,
				offsetof(struct nvme_tcp_icresp, cpda), "CPDA above 31");
	}
	if (rsp->dgst & ~dgst_asked) {
		return pdu_fail(e, NVME_TCP_FES_UNSUPPORTED_PARAMETER,
				offsetof(struct nvme_tcp_icresp, dgst),
				"controller enabled a digest the host did not ask for");
	}
	if (rsp->maxh2cdata < NVME_TCP_MIN_MAXH2CDATA || rsp->maxh2cdata % 4) {
		return pdu_fail(e, NVME_TCP_FES_UNSUPPORTED_PARAMETER,
				offsetof(struct nvme_tcp_icresp, maxh2cdata),
				"MAXH2CDATA below 4096 or not a dword multiple");
	}
	return 0;
}

uint32_t
nvmf_tcp_ch_fill(void *hdr, uint8_t type, uint8_t flags, uint8_t hlen, bool hdgst, bool ddgst,
		 uint32_t data_len, uint32_t pda)
{
	struct nvme_tcp_ch *ch = hdr;
	uint32_t hd = hlen + (hdgst ? NVME_TCP_DIGEST_LEN : 0), pdo = 0, plen = hd;

	if (hdgst) {
		flags |= NVME_TCP_F_HDGSTF;
	}
	if (data_len) {
		pdo = IOP_ALIGN_UP(hd, pda);
		if (pdo > hd) {
			memset((uint8_t *)hdr + hd, 0, pdo - hd);
		}
		plen = pdo + data_len;
		if (ddgst) {
			flags |= NVME_TCP_F_DDGSTF;
			plen += NVME_TCP_DIGEST_LEN;
		}
	}
	ch->type = type;
	ch->flags = flags;
	ch->hlen = hlen;
	ch->pdo = (uint8_t)pdo;
	ch->plen = plen;
	return data_len ? pdo : hd;
}

void
nvmf_tcp_hdr_seal(void *hdr)
{
	struct nvme_tcp_ch *ch = hdr;

	if (ch->flags & NVME_TCP_F_HDGSTF) {
		uint32_t d = nvmf_tcp_crc32c(hdr, ch->hlen);

		memcpy((uint8_t *)hdr + ch->hlen, &d, sizeof(d));
	}
}

void
nvmf_tcp_build_icreq(struct nvme_tcp_icreq *req, uint8_t hpda, uint8_t dgst, uint32_t maxr2t)
{
	memset(req, 0, sizeof(*req));
	req->ch.type = NVME_TCP_PDU_ICREQ;
	req->ch.hlen = NVME_TCP_ICREQ_LEN;
	req->ch.plen = NVME_TCP_ICREQ_LEN;
	req->pfv = NVME_TCP_PFV_1_0;
	req->hpda = hpda;
	req->dgst = dgst;
	req->maxr2t = maxr2t;
}

void
nvmf_tcp_build_icresp(struct nvme_tcp_icresp *rsp, uint8_t cpda, uint8_t dgst,
		      uint32_t maxh2cdata)
{
	memset(rsp, 0, sizeof(*rsp));
	rsp->ch.type = NVME_TCP_PDU_ICRESP;
	rsp->ch.hlen = NVME_TCP_ICRESP_LEN;
	rsp->ch.plen = NVME_TCP_ICRESP_LEN;
	rsp->pfv = NVME_TCP_PFV_1_0;
	rsp->cpda = cpda;
	rsp->dgst = dgst;
	rsp->maxh2cdata = maxh2cdata;
}

uint32_t
nvmf_tcp_build_term(void *buf, bool from_host, uint16_t fes, uint32_t fei, const void *bad_hdr,
		    uint32_t bad_len)
{
	struct nvme_tcp_term_req *t = buf;

	/* Unsupported-parameter / header-field errors quote the offending header. */
	bad_len = bad_hdr ? IOP_MIN(bad_len, NVME_TCP_TERM_MAX_DATA) : 0;
	memset(t, 0, sizeof(*t));
	t->ch.type = from_host ? NVME_TCP_PDU_H2C_TERM_REQ : NVME_TCP_PDU_C2H_TERM_REQ;
	t->ch.hlen = NVME_TCP_TERM_HLEN;
	t->ch.plen = NVME_TCP_TERM_HLEN + bad_len;
	t->fes = fes;
	if (fes == NVME_TCP_FES_INVALID_HEADER_FIELD || fes == NVME_TCP_FES_UNSUPPORTED_PARAMETER) {
		t->fei = fei;
	}
	if (bad_len) {
		memcpy((uint8_t *)buf + NVME_TCP_TERM_HLEN, bad_hdr, bad_len);
	}
	return t->ch.plen;
}

/* ---------------------------------------------------------------- receive parser */

enum { RX_CH, RX_HDR, RX_PAD, RX_DATA, RX_DDGST };

int
nvmf_tcp_rx_init(struct nvmf_tcp_rx *rx, uint32_t cap, bool controller)
{
	memset(rx, 0, sizeof(*rx));
	rx->buf = malloc(cap);
	if (!rx->buf) {
		return -ENOMEM;
	}
	rx->cap = cap;
	rx->p.controller = controller;
	rx->p.pda = 4;
	rx->p.max_data = NVME_TCP_MIN_MAXH2CDATA;
	rx->state = RX_CH;
	rx->hdr_need = sizeof(struct nvme_tcp_ch);
	return 0;
}

void
nvmf_tcp_rx_fini(struct nvmf_tcp_rx *rx)
{
	free(rx->buf);
	rx->buf = NULL;
}

uint32_t
nvmf_tcp_rx_space(struct nvmf_tcp_rx *rx)
{
	if (rx->pos == rx->end) {
		rx->pos = rx->end = 0;
	} else if (rx->pos && rx->cap - rx->end < rx->cap / 4) {
		memmove(rx->buf, rx->buf + rx->pos, rx->end - rx->pos);
		rx->end -= rx->pos;
		rx->pos = 0;
	}
	return rx->cap - rx->end;
}

void
nvmf_tcp_rx_set_dst(struct nvmf_tcp_rx *rx, const struct iovec *iov, int cnt, size_t off)
{
	rx->dst = iov;
	rx->dst_cnt = cnt;
	rx->dst_off = off;
}

/* Copy n bytes of payload to the destination at the cursor (bytes past its end are dropped). */
static void
rx_place(struct nvmf_tcp_rx *rx, const uint8_t *src, uint32_t n)
{
	size_t off = rx->dst_off;

	if (rx->ddgst_on) {
		rx->crc = nvmf_tcp_crc_update(rx->crc, src, n);
	}
	rx->dst_off += n;
	if (!rx->dst) {
		return;
	}
	for (int i = 0; i < rx->dst_cnt && n; i++) {
		size_t l = rx->dst[i].iov_len, c;

		if (off >= l) {
			off -= l;
			continue;
		}
		c = IOP_MIN(l - off, n);
		memcpy((uint8_t *)rx->dst[i].iov_base + off, src, c);
		src += c;
		n -= (uint32_t)c;
		off = 0;
	}
}

int
nvmf_tcp_rx_step(struct nvmf_tcp_rx *rx)
{
	for (;;) {
		uint32_t avail = rx->end - rx->pos, n;
		const struct nvme_tcp_ch *ch = (const void *)rx->hdr;

		switch (rx->state) {
		case RX_CH:
		case RX_HDR:
			if (!avail) {
				return NVMF_TCP_RX_AGAIN;
			}
			n = IOP_MIN(avail, rx->hdr_need - rx->hdr_have);
			memcpy(rx->hdr + rx->hdr_have, rx->buf + rx->pos, n);
			rx->hdr_have += n;
			rx->pos += n;
			if (rx->hdr_have < rx->hdr_need) {
				return NVMF_TCP_RX_AGAIN;
			}
			if (rx->state == RX_CH) {
				int rc;

				rx->bad_len = rx->hdr_have;
				rc = nvmf_tcp_ch_check(ch, &rx->p, &rx->data_len, &rx->err);
				if (rc) {
					return rc;
				}
				rx->hdr_need = ch->hlen + ((ch->flags & NVME_TCP_F_HDGSTF) ?
							   NVME_TCP_DIGEST_LEN : 0);
				if (ch->type == NVME_TCP_PDU_H2C_TERM_REQ ||
				    ch->type == NVME_TCP_PDU_C2H_TERM_REQ) {
					rx->hdr_need = ch->plen; /* the quoted header too */
				}
				rx->state = RX_HDR;
				continue;
			}
			rx->bad_len = ch->hlen;
			if (ch->flags & NVME_TCP_F_HDGSTF) {
				uint32_t got, want = nvmf_tcp_crc32c(rx->hdr, ch->hlen);

				memcpy(&got, rx->hdr + ch->hlen, sizeof(got));
				if (got != want) {
					rx->err.fes = NVME_TCP_FES_HDGST_ERROR;
					rx->err.fei = 0;
					rx->err.why = "header digest mismatch";
					return -EPROTO;
				}
			}
			rx->dst = NULL;
			rx->dst_off = 0;
			rx->ddgst_bad = false;
			if (rx->data_len) {
				rx->pad_left = ch->pdo - rx->hdr_need;
				rx->data_left = rx->data_len;
				rx->ddgst_on = ch->flags & NVME_TCP_F_DDGSTF;
				rx->crc = NVMF_TCP_CRC_SEED;
				rx->ddgst_have = 0;
				rx->state = RX_PAD;
			} else {
				rx->state = RX_CH;
				rx->hdr_have = 0;
				rx->hdr_need = sizeof(struct nvme_tcp_ch);
			}
			return NVMF_TCP_RX_HDR;
		case RX_PAD:
			n = IOP_MIN(avail, rx->pad_left);
			rx->pos += n;
			rx->pad_left -= n;
			if (rx->pad_left) {
				return NVMF_TCP_RX_AGAIN;
			}
			rx->state = RX_DATA;
			continue;
		case RX_DATA:
			n = IOP_MIN(avail, rx->data_left);
			if (n) {
				rx_place(rx, rx->buf + rx->pos, n);
				rx->pos += n;
				rx->data_left -= n;
			}
			if (rx->data_left) {
				return NVMF_TCP_RX_AGAIN;
			}
			rx->state = RX_DDGST;
			continue;
		case RX_DDGST:
			if (rx->ddgst_on) {
				n = IOP_MIN(avail, NVME_TCP_DIGEST_LEN - rx->ddgst_have);
				memcpy(rx->ddgst + rx->ddgst_have, rx->buf + rx->pos, n);
				rx->ddgst_have += n;
				rx->pos += n;
				if (rx->ddgst_have < NVME_TCP_DIGEST_LEN) {
					return NVMF_TCP_RX_AGAIN;
				}
				uint32_t got;

				memcpy(&got, rx->ddgst, sizeof(got));
				rx->ddgst_bad = got != ~rx->crc;
			}
			rx->state = RX_CH;
			rx->hdr_have = 0;
			rx->hdr_need = sizeof(struct nvme_tcp_ch);
			return NVMF_TCP_RX_DONE;
		}
	}
}

/* Digest over [off, off+len) of an iovec array, continuing crc. */
static uint32_t
rx_crc_iov(uint32_t crc, const struct iovec *iov, int cnt, size_t off, size_t len)
{
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
	return crc;
}

int
nvmf_tcp_rx_direct_iov(struct nvmf_tcp_rx *rx, struct iovec *iov, int max, size_t *direct)
{
	size_t off = rx->dst_off, left;
	int n = 0;

	*direct = 0;
	if (rx->state != RX_DATA || rx->pos != rx->end || !rx->dst ||
	    rx->data_left < NVMF_TCP_RX_DIRECT_MIN) {
		return 0;
	}
	left = rx->data_left;
	for (int i = 0; i < rx->dst_cnt && left && n < max - 1; i++) {
		size_t l = rx->dst[i].iov_len, c;

		if (off >= l) {
			off -= l;
			continue;
		}
		c = IOP_MIN(l - off, left);
		iov[n].iov_base = (uint8_t *)rx->dst[i].iov_base + off;
		iov[n].iov_len = c;
		n++;
		*direct += c;
		left -= c;
		off = 0;
	}
	if (!n) {
		return 0;
	}
	/* What follows the data (digest, next PDUs) goes to the staging buffer as usual. */
	nvmf_tcp_rx_space(rx);
	iov[n].iov_base = rx->buf + rx->end;
	iov[n].iov_len = rx->cap - rx->end;
	return n + 1;
}

void
nvmf_tcp_rx_direct_done(struct nvmf_tcp_rx *rx, size_t n, size_t direct)
{
	size_t k = IOP_MIN(n, direct);

	if (rx->ddgst_on) {
		rx->crc = rx_crc_iov(rx->crc, rx->dst, rx->dst_cnt, rx->dst_off, k);
	}
	rx->dst_off += k;
	rx->data_left -= (uint32_t)k;
	rx->end += (uint32_t)(n - k);
}

/* ---------------------------------------------------------------- send batching */

void
nvmf_tcp_tx_add(struct nvmf_tcp_tx *tx, const void *base, size_t len, void *cookie)
{
	tx->iov[tx->tail].iov_base = (void *)base;
	tx->iov[tx->tail].iov_len = len;
	tx->cookie[tx->tail] = cookie;
	tx->tail++;
	tx->bytes += len;
}

bool
nvmf_tcp_tx_room(struct nvmf_tcp_tx *tx, unsigned int n)
{
	if (tx->tail + n <= NVMF_TCP_TX_IOV) {
		return true;
	}
	if (tx->head) {
		uint32_t cnt = tx->tail - tx->head;

		memmove(tx->iov, tx->iov + tx->head, cnt * sizeof(tx->iov[0]));
		memmove(tx->cookie, tx->cookie + tx->head, cnt * sizeof(tx->cookie[0]));
		tx->head = 0;
		tx->tail = cnt;
	}
	return tx->tail + n <= NVMF_TCP_TX_IOV;
}
