/* SPDX-License-Identifier: BSD-3-Clause */
/* RoCEv2 capture reader: packets by (dst IP, dst QP, class), PSN order, messages; see roce.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include "conformance/trace/pcap_tcp.h"
#include "conformance/trace/roce.h"

#define ROCE_PORT 4791
#define ROCE_MAD_LEN 256

struct roce_raw {
	uint32_t frame;
	uint8_t opcode;
	int af;
	uint8_t src[16], dst[16];
	uint32_t dqp, psn;
	int cls;
	int64_t rel;             /* PSN relative to the group's first */
	uint64_t va;
	uint32_t rkey, dmalen, inv;
	bool reth, ieth;
	uint8_t *pay;
	uint32_t plen;
};

static uint32_t
roce_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t
roce_be24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static uint16_t
roce_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

const char *
iop_roce_addr(int af, const uint8_t *a, char *buf, size_t len)
{
	if (!inet_ntop(af == 6 ? AF_INET6 : AF_INET, a, buf, (socklen_t)len)) {
		snprintf(buf, len, "?");
	}
	return buf;
}

/* Extension header bytes after the BTH for an opcode (RETH 16, AETH 4, IETH 4, ImmDt 4, DETH 8). */
static int
roce_ext(uint8_t op, bool *reth, bool *ieth)
{
	uint8_t t = op >> 5, o = op & 0x1f;

	*reth = false;
	*ieth = false;
	if (t == 3) {                       /* UD: DETH (+ ImmDt) */
		return o == 5 ? 12 : 8;
	}
	if (t != 0 && t != 1) {
		return op == 0x81 ? 16 : 0;   /* CNP: 16 reserved bytes */
	}
	switch (o) {
	case 3: case 5: case 9:             /* with immediate */
		return 4;
	case 6: case 10: case 12:           /* WRITE first/only, READ request */
		*reth = true;
		return 16;
	case 11:                            /* WRITE only with immediate */
		*reth = true;
		return 20;
	case 13: case 15: case 16: case 17: /* READ response first/last/only, ACK */
		return 4;
	case 18:                            /* atomic ACK */
		return 12;
	case 19: case 20:                   /* atomics */
		return 28;
	case 22: case 23:                   /* SEND last/only with invalidate */
		*ieth = true;
		return 4;
	default:
		return 0;
	}
}

static int
roce_add_raw(struct iop_roce_trace *t, struct roce_raw **raw, size_t *n, size_t *cap,
	     const struct roce_raw *r, const uint8_t *pay)
{
	struct iop_roce_pkt *np;

	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 256;
		struct roce_raw *nr = realloc(*raw, nc * sizeof(**raw));

		if (!nr) {
			return -ENOMEM;
		}
		*raw = nr;
		*cap = nc;
		np = realloc(t->pkts, nc * sizeof(*t->pkts));
		if (!np) {
			return -ENOMEM;
		}
		t->pkts = np;
	}
	(*raw)[*n] = *r;
	(*raw)[*n].pay = malloc(r->plen ? r->plen : 1);
	if (!(*raw)[*n].pay) {
		return -ENOMEM;
	}
	memcpy((*raw)[*n].pay, pay, r->plen);
	t->pkts[t->npkts++] = (struct iop_roce_pkt){.frame = r->frame, .opcode = r->opcode,
						    .reth = r->reth, .ieth = r->ieth, .dqp = r->dqp,
						    .psn = r->psn, .va = r->va, .rkey = r->rkey,
						    .dmalen = r->dmalen, .inv = r->inv};
	(*n)++;
	return 0;
}

/* Decode one frame; \return 1 when it was RoCEv2 (stored), 0 not RoCEv2, -ENOMEM. */
static int
roce_frame(struct iop_roce_trace *t, int lt, const uint8_t *p, uint32_t caplen, uint32_t frame,
	   struct roce_raw **raw, size_t *n, size_t *cap)
{
	struct roce_raw r = {.frame = frame};
	long l3;
	int ver;
	uint32_t off, end, udplen, ext;
	bool reth, ieth;
	uint8_t pad;

	l3 = iop_pcap_l3(lt, p, caplen, &ver);
	if (l3 < 0) {
		return 0;
	}
	off = (uint32_t)l3;
	if (ver == 4) {
		uint32_t ihl;

		if (caplen < off + 20 || p[off + 9] != 17) {
			return 0;
		}
		ihl = (p[off] & 0xf) * 4u;
		end = off + roce_be16(p + off + 2);
		r.af = 4;
		memcpy(r.src, p + off + 12, 4);
		memcpy(r.dst, p + off + 16, 4);
		off += ihl;
	} else {
		if (caplen < off + 40 || p[off + 6] != 17) {
			return 0;
		}
		end = off + 40 + roce_be16(p + off + 4);
		r.af = 6;
		memcpy(r.src, p + off + 8, 16);
		memcpy(r.dst, p + off + 24, 16);
		off += 40;
	}
	if (caplen < off + 8 || roce_be16(p + off + 2) != ROCE_PORT) {
		return 0;
	}
	udplen = roce_be16(p + off + 4);
	if (off + udplen < end) {
		end = off + udplen;
	}
	if (end > caplen) {
		end = caplen;       /* cut frame: payload up to what was captured */
	}
	off += 8;
	if (end < off + 12 + 4) {
		return 0;
	}
	r.opcode = p[off];
	pad = (p[off + 1] >> 4) & 3;
	r.dqp = roce_be24(p + off + 5);
	r.psn = roce_be24(p + off + 9);
	ext = (uint32_t)roce_ext(r.opcode, &reth, &ieth);
	off += 12;
	if (end < off + ext + pad + 4) {
		return 0;
	}
	r.reth = reth;
	r.ieth = ieth;
	if (reth) {
		r.va = (uint64_t)roce_be32(p + off) << 32 | roce_be32(p + off + 4);
		r.rkey = roce_be32(p + off + 8);
		r.dmalen = roce_be32(p + off + 12);
	}
	if (ieth) {
		r.inv = roce_be32(p + off);
	}
	{
		uint8_t o = r.opcode & 0x1f;

		r.cls = (r.opcode >> 5) == 0 && o >= 13 && o <= 18 ? 1 : 0;
	}
	off += ext;
	r.plen = end - 4 - pad - off;
	return roce_add_raw(t, raw, n, cap, &r, p + off) ? -ENOMEM : 1;
}

static int
roce_cmp_group(const void *a, const void *b)
{
	const struct roce_raw *x = a, *y = b;
	int c;

	if (x->af != y->af) {
		return x->af - y->af;
	}
	c = memcmp(x->dst, y->dst, 16);
	if (c) {
		return c;
	}
	if (x->dqp != y->dqp) {
		return x->dqp < y->dqp ? -1 : 1;
	}
	if (x->cls != y->cls) {
		return x->cls - y->cls;
	}
	if (x->rel != y->rel) {
		return x->rel < y->rel ? -1 : 1;
	}
	return x->frame < y->frame ? -1 : x->frame > y->frame;
}

static bool
roce_same_group(const struct roce_raw *x, const struct roce_raw *y)
{
	return x->af == y->af && !memcmp(x->dst, y->dst, 16) && x->dqp == y->dqp && x->cls == y->cls;
}

static int
roce_cmp_msg(const void *a, const void *b)
{
	const struct iop_roce_msg *x = a, *y = b;

	if (x->frame != y->frame) {
		return x->frame < y->frame ? -1 : 1;
	}
	return x->psn < y->psn ? -1 : x->psn > y->psn;
}

static void
roce_cm(struct iop_roce_msg *m)
{
	const uint8_t *d = m->data;

	if (m->len < ROCE_MAD_LEN || d[1] != 0x07) {   /* management class: CM */
		return;
	}
	m->cm_attr = roce_be16(d + 16);
	m->cm_local_id = roce_be32(d + 24);
	m->cm_remote_id = roce_be32(d + 28);
	switch (m->cm_attr) {
	case IOP_CM_REQ:
		m->cm_qpn = roce_be24(d + 24 + 32);
		m->cm_pd = d + 164 + 36;      /* 92 bytes private data, RDMA CM header first */
		m->cm_pdlen = 92 - 36;
		break;
	case IOP_CM_REP:
		m->cm_qpn = roce_be24(d + 24 + 12);
		m->cm_pd = d + 60;
		m->cm_pdlen = 196;
		break;
	case IOP_CM_REJ:
		m->cm_reason = roce_be16(d + 24 + 10);
		m->cm_pd = d + 108;
		m->cm_pdlen = 148;
		break;
	default:
		break;
	}
}

/* Opcode (low 5 bits) position in a message: 1 first, 2 middle, 3 last, 4 only. */
static int
roce_pos(uint8_t op)
{
	static const int rc_pos[32] = {
		[0] = 1, [1] = 2, [2] = 3, [3] = 3, [4] = 4, [5] = 4, [6] = 1, [7] = 2, [8] = 3,
		[9] = 3, [10] = 4, [11] = 4, [12] = 4, [13] = 1, [14] = 2, [15] = 3, [16] = 4,
		[17] = 4, [18] = 4, [19] = 4, [20] = 4, [22] = 3, [23] = 4,
	};
	uint8_t t = op >> 5;

	if (t == 0 || t == 1) {
		return rc_pos[op & 0x1f] ? rc_pos[op & 0x1f] : 4;
	}
	return 4;
}

static enum iop_roce_kind
roce_kind(uint8_t op, uint32_t dqp)
{
	uint8_t o = op & 0x1f;

	if (op >> 5 == 3) {
		return dqp == 1 ? IOP_ROCE_CM : IOP_ROCE_OTHER;
	}
	if (op >> 5 != 0) {
		return IOP_ROCE_OTHER;
	}
	if (o <= 5) {
		return IOP_ROCE_SEND;
	}
	if (o == 22 || o == 23) {
		return IOP_ROCE_SEND_INV;
	}
	if (o <= 11) {
		return IOP_ROCE_WRITE;
	}
	if (o == 12) {
		return IOP_ROCE_READ_REQ;
	}
	if (o <= 16) {
		return IOP_ROCE_READ_RESP;
	}
	if (o <= 18) {
		return IOP_ROCE_ACK;
	}
	return IOP_ROCE_OTHER;
}

static int
roce_push_msg(struct iop_roce_trace *t, size_t *cap, const struct roce_raw *r, size_t a, size_t b)
{
	struct iop_roce_msg *m;
	size_t len = 0;

	if (t->nmsgs == *cap) {
		size_t nc = *cap ? *cap * 2 : 128;
		struct iop_roce_msg *nm = realloc(t->msgs, nc * sizeof(*nm));

		if (!nm) {
			return -ENOMEM;
		}
		t->msgs = nm;
		*cap = nc;
	}
	m = &t->msgs[t->nmsgs];
	memset(m, 0, sizeof(*m));
	for (size_t i = a; i <= b; i++) {
		len += r[i].plen;
	}
	m->data = malloc(len ? len : 1);
	if (!m->data) {
		return -ENOMEM;
	}
	for (size_t i = a; i <= b; i++) {
		memcpy(m->data + m->len, r[i].pay, r[i].plen);
		m->len += r[i].plen;
		if (r[i].frame > m->frame) {
			m->frame = r[i].frame;
		}
	}
	m->frame_first = r[a].frame;
	m->opcode = r[b].opcode;
	m->kind = roce_kind(r[b].opcode, r[a].dqp);
	m->af = r[a].af;
	memcpy(m->src, r[a].src, 16);
	memcpy(m->dst, r[a].dst, 16);
	m->dqp = r[a].dqp;
	m->psn = r[a].psn;
	m->va = r[a].va;
	m->rkey = r[a].rkey;
	m->dmalen = r[a].dmalen;
	m->inv_rkey = r[b].inv;
	if (m->kind == IOP_ROCE_CM) {
		roce_cm(m);
	}
	t->nmsgs++;
	return 0;
}

static int
roce_assemble(struct iop_roce_trace *t, struct roce_raw *r, size_t n)
{
	size_t cap = 0, g = 0;

	/* PSNs relative to the first packet (in capture order) of each group, then PSN order. */
	if (!n) {
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		r[i].rel = 0;
	}
	qsort(r, n, sizeof(*r), roce_cmp_group);          /* rel 0: group, then frame */
	for (size_t i = 0, first = 0; i < n; i++) {
		if (!roce_same_group(&r[first], &r[i])) {
			first = i;
		}
		r[i].rel = (int32_t)((r[i].psn - r[first].psn) << 8) >> 8;   /* 24-bit signed */
	}
	qsort(r, n, sizeof(*r), roce_cmp_group);
	while (g < n) {
		size_t e = g, start = SIZE_MAX;
		int64_t prev = 0;

		while (e < n && roce_same_group(&r[g], &r[e])) {
			e++;
		}
		for (size_t i = g; i < e; i++) {
			int pos;

			if (i > g && r[i].rel == r[i - 1].rel) {
				t->dup_pkts++;        /* retransmission: keep the first copy */
				r[i].plen = 0;
				r[i].frame = 0;
				continue;
			}
			pos = roce_pos(r[i].opcode);
			if (start != SIZE_MAX && (pos == 1 || pos == 4 || r[i].rel != prev + 1)) {
				t->broken_msgs++;
				start = SIZE_MAX;
			}
			if (pos == 1) {
				start = i;
			} else if (pos == 4) {
				if (roce_push_msg(t, &cap, r, i, i)) {
					return -ENOMEM;
				}
			} else if (start == SIZE_MAX) {
				t->broken_msgs++;
			} else if (pos == 3) {
				/* skip the duplicates inside [start, i]: they have plen 0 */
				if (roce_push_msg(t, &cap, r, start, i)) {
					return -ENOMEM;
				}
				start = SIZE_MAX;
			}
			prev = r[i].rel;
		}
		if (start != SIZE_MAX) {
			t->broken_msgs++;
		}
		g = e;
	}
	if (t->nmsgs) {
		qsort(t->msgs, t->nmsgs, sizeof(*t->msgs), roce_cmp_msg);
	}
	return 0;
}

static int
roce_cmp_pkt(const void *a, const void *b)
{
	const struct iop_roce_pkt *x = a, *y = b;

	return x->frame < y->frame ? -1 : x->frame > y->frame;
}

int
iop_roce_load(const char *path, struct iop_roce_trace *t, char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *p;
	struct roce_raw *raw = NULL;
	size_t n = 0, cap = 0;
	pcap_t *pc;
	int lt, rc = 0, x;

	memset(t, 0, sizeof(*t));
	pc = pcap_open_offline(path, perr);
	if (!pc) {
		snprintf(err, errlen, "%s", perr);
		return -EINVAL;
	}
	lt = pcap_datalink(pc);
	while ((x = pcap_next_ex(pc, &h, &p)) == 1) {
		t->nframes++;
		if (roce_frame(t, lt, p, h->caplen, (uint32_t)t->nframes, &raw, &n, &cap) < 0) {
			rc = -ENOMEM;
			break;
		}
	}
	pcap_close(pc);
	if (!rc) {
		rc = roce_assemble(t, raw, n);
		if (t->npkts) {
			qsort(t->pkts, t->npkts, sizeof(*t->pkts), roce_cmp_pkt);
		}
		for (size_t i = 0, k = 0; i < t->nmsgs; i++) {
			const struct iop_roce_msg *m = &t->msgs[i];

			if (m->kind != IOP_ROCE_CM || (m->cm_attr != IOP_CM_REQ &&
						       m->cm_attr != IOP_CM_REP)) {
				continue;
			}
			while (k < t->npkts && t->pkts[k].frame < m->frame) {
				k++;
			}
			if (k < t->npkts && t->pkts[k].frame == m->frame) {
				t->pkts[k].cm_attr = m->cm_attr;
				t->pkts[k].cm_qpn = m->cm_qpn;
				if (m->cm_attr == IOP_CM_REQ) {
					memcpy(t->pkts[k].cm_pd, m->cm_pd, sizeof(t->pkts[k].cm_pd));
				} else {
					t->pkts[k].crqsize = (uint16_t)(m->cm_pd[2] | m->cm_pd[3] << 8);
				}
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		free(raw[i].pay);
	}
	free(raw);
	if (rc) {
		iop_roce_free(t);
		snprintf(err, errlen, "out of memory");
	}
	return rc;
}

void
iop_roce_free(struct iop_roce_trace *t)
{
	for (size_t i = 0; i < t->nmsgs; i++) {
		free(t->msgs[i].data);
	}
	free(t->msgs);
	free(t->pkts);
	memset(t, 0, sizeof(*t));
}

void
iop_roce_pkt_table(const struct iop_roce_trace *t, FILE *f)
{
	for (size_t i = 0; i < t->npkts; i++) {
		const struct iop_roce_pkt *k = &t->pkts[i];

		fprintf(f, "%u\t%u\t0x%06x\t%u\t", k->frame, k->opcode, k->dqp, k->psn);
		if (k->reth) {
			fprintf(f, "0x%016llx\t0x%08x\t%u\t", (unsigned long long)k->va, k->rkey,
				k->dmalen);
		} else {
			fprintf(f, "\t\t\t");
		}
		if (k->ieth) {
			fprintf(f, "%08x", k->inv);
		}
		if (k->cm_attr == IOP_CM_REQ) {
			fprintf(f, "\t0x%06x\t\t", k->cm_qpn);
			for (size_t b = 0; b < sizeof(k->cm_pd); b++) {
				fprintf(f, "%02x", k->cm_pd[b]);
			}
			fprintf(f, "\t\n");
		} else if (k->cm_attr == IOP_CM_REP) {
			fprintf(f, "\t\t0x%06x\t\t%u\n", k->cm_qpn, k->crqsize);
		} else {
			fprintf(f, "\t\t\t\t\n");
		}
	}
}
