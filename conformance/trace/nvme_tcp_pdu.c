/* SPDX-License-Identifier: BSD-3-Clause */
/* NVMe/TCP PDU stream decoder: framing by CH.PLEN, host side detection, capture ordering. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "conformance/nvme_wire_internal.h"
#include "conformance/trace/nvme_tcp_pdu.h"

/* Larger PLEN values are treated as lost framing (no PDU of the spec comes near this). */
#define NTCP_MAX_PLEN (64u << 20)

static bool
ntcp_starts_icreq(const struct iop_tcp_stream *s)
{
	return s->len >= 8 && s->data[0] == CW_ICREQ && s->data[2] == CW_IC_LEN &&
	       cw_le32(s->data + 4) == CW_IC_LEN;
}

static bool
ntcp_port(uint16_t p, int extra)
{
	return p == 4420 || p == 8009 || (extra > 0 && p == extra);
}

static int
ntcp_push(struct iop_ntcp_session *s, size_t *cap, const struct iop_ntcp_pdu *pdu)
{
	if (s->npdus == *cap) {
		size_t ncap = *cap ? *cap * 2 : 256;
		void *n = realloc(s->pdus, ncap * sizeof(*s->pdus));

		if (!n) {
			return -ENOMEM;
		}
		s->pdus = n;
		*cap = ncap;
	}
	s->pdus[s->npdus++] = *pdu;
	return 0;
}

static int
ntcp_split(struct iop_ntcp_session *s, size_t *cap, int conn, enum iop_ntcp_dir dir,
	   const struct iop_tcp_stream *st)
{
	uint64_t off = 0;

	while (off + 8 <= st->len) {
		struct iop_ntcp_pdu pdu = {.conn = conn, .dir = dir, .off = off, .p = st->data + off};
		uint64_t left = st->len - off;

		pdu.plen = cw_le32(pdu.p + 4);
		pdu.frame_first = iop_tcp_stream_frame(st, off);
		if (pdu.plen < 8 || pdu.plen > NTCP_MAX_PLEN) {
			pdu.framing_error = true;
			pdu.avail = (uint32_t)(left < 8 ? left : 8);
			pdu.frame_last = pdu.frame_first;
			return ntcp_push(s, cap, &pdu);
		}
		pdu.avail = (uint32_t)(left < pdu.plen ? left : pdu.plen);
		pdu.frame_last = iop_tcp_stream_frame(st, off + pdu.avail - 1);
		if (ntcp_push(s, cap, &pdu)) {
			return -ENOMEM;
		}
		off += pdu.avail;
	}
	return 0;
}

static int
ntcp_cmp(const void *a, const void *b)
{
	const struct iop_ntcp_pdu *x = a, *y = b;

	if (x->frame_last != y->frame_last) {
		return x->frame_last < y->frame_last ? -1 : 1;
	}
	if (x->conn != y->conn) {
		return x->conn < y->conn ? -1 : 1;
	}
	if (x->dir != y->dir) {
		return x->dir < y->dir ? -1 : 1;
	}
	return x->off < y->off ? -1 : x->off > y->off;
}

int
iop_ntcp_decode(const struct iop_tcp_trace *t, int extra_port, struct iop_ntcp_session *s)
{
	size_t cap = 0;

	memset(s, 0, sizeof(*s));
	s->conns = calloc(t->nconns ? t->nconns : 1, sizeof(*s->conns));
	if (!s->conns) {
		return -ENOMEM;
	}
	for (size_t i = 0; i < t->nconns; i++) {
		const struct iop_tcp_conn *c = &t->conns[i];
		struct iop_ntcp_conn *nc;
		int host;

		if (ntcp_starts_icreq(&c->dir[0])) {
			host = 0;
		} else if (ntcp_starts_icreq(&c->dir[1])) {
			host = 1;
		} else if (ntcp_port(c->port[1], extra_port)) {
			host = 0;
		} else if (ntcp_port(c->port[0], extra_port)) {
			host = 1;
		} else {
			continue;
		}
		if (!c->dir[0].len && !c->dir[1].len) {
			continue;
		}
		nc = &s->conns[s->nconns];
		nc->tcp = c;
		nc->host_side = host;
		if (ntcp_split(s, &cap, (int)s->nconns, IOP_NTCP_H2C, &c->dir[host]) ||
		    ntcp_split(s, &cap, (int)s->nconns, IOP_NTCP_C2H, &c->dir[!host])) {
			iop_ntcp_session_free(s);
			return -ENOMEM;
		}
		s->nconns++;
	}
	if (s->npdus) {
		qsort(s->pdus, s->npdus, sizeof(*s->pdus), ntcp_cmp);
	}
	return 0;
}

void
iop_ntcp_session_free(struct iop_ntcp_session *s)
{
	free(s->conns);
	free(s->pdus);
	memset(s, 0, sizeof(*s));
}
