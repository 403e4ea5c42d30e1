/* SPDX-License-Identifier: BSD-3-Clause */
/* pcap reader (libpcap) and TCP reassembly per direction; see pcap_tcp.h for the model. */
#include <arpa/inet.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conformance/trace/pcap_tcp.h"

struct iop_tcp_seg {
	int64_t rel;
	uint32_t len;
	uint32_t frame;
	uint8_t *data;
};

static inline uint16_t
pt_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
pt_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Find the L3 header: \return offset of the IP header and its version in *ver, or -1. */
static long
pt_l3(int linktype, const uint8_t *p, uint32_t caplen, int *ver)
{
	uint32_t off;
	uint16_t et;

	switch (linktype) {
	case DLT_EN10MB:
		if (caplen < 14) {
			return -1;
		}
		et = pt_be16(p + 12);
		off = 14;
		while ((et == 0x8100 || et == 0x88a8) && caplen >= off + 4) {
			et = pt_be16(p + off + 2);
			off += 4;
		}
		break;
	case DLT_LINUX_SLL:
		if (caplen < 16) {
			return -1;
		}
		et = pt_be16(p + 14);
		off = 16;
		break;
#ifdef DLT_LINUX_SLL2
	case DLT_LINUX_SLL2:
		if (caplen < 20) {
			return -1;
		}
		et = pt_be16(p);
		off = 20;
		break;
#endif
	case DLT_NULL:
	case DLT_LOOP: {
		uint32_t fam;

		if (caplen < 4) {
			return -1;
		}
		memcpy(&fam, p, 4);
		if (linktype == DLT_LOOP) {
			fam = ntohl(fam);
		} else if (fam > 0xffff) {
			fam = __builtin_bswap32(fam);
		}
		et = fam == 2 ? 0x0800 : 0x86dd;
		off = 4;
		break;
	}
	case DLT_RAW:
#ifdef DLT_IPV4
	case DLT_IPV4:
	case DLT_IPV6:
#endif
	case 101: /* LINKTYPE_RAW */
		if (caplen < 1) {
			return -1;
		}
		et = (p[0] >> 4) == 6 ? 0x86dd : 0x0800;
		off = 0;
		break;
	default:
		return -1;
	}
	if (et == 0x0800) {
		*ver = 4;
	} else if (et == 0x86dd) {
		*ver = 6;
	} else {
		return -1;
	}
	return off;
}

static struct iop_tcp_conn *
pt_conn_lookup(struct iop_tcp_trace *t, int af, const uint8_t *src, const uint8_t *dst,
	       uint16_t sport, uint16_t dport, int *side)
{
	size_t alen = af == 4 ? 4 : 16;

	/* Newest first, so a reused 4-tuple maps to its latest connection. */
	for (size_t i = t->nconns; i-- > 0;) {
		struct iop_tcp_conn *c = &t->conns[i];

		if (c->af != af) {
			continue;
		}
		for (int s = 0; s < 2; s++) {
			if (!memcmp(c->addr[s], src, alen) && c->port[s] == sport &&
			    !memcmp(c->addr[!s], dst, alen) && c->port[!s] == dport) {
				*side = s;
				return c;
			}
		}
	}
	return NULL;
}

static struct iop_tcp_conn *
pt_conn_new(struct iop_tcp_trace *t, int af, const uint8_t *src, const uint8_t *dst,
	    uint16_t sport, uint16_t dport, uint32_t frame)
{
	struct iop_tcp_conn *c;

	if (t->nconns == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 8;
		void *n = realloc(t->conns, ncap * sizeof(*t->conns));

		if (!n) {
			return NULL;
		}
		t->conns = n;
		t->cap = ncap;
	}
	c = &t->conns[t->nconns++];
	memset(c, 0, sizeof(*c));
	c->af = af;
	memcpy(c->addr[0], src, af == 4 ? 4 : 16);
	memcpy(c->addr[1], dst, af == 4 ? 4 : 16);
	c->port[0] = sport;
	c->port[1] = dport;
	c->first_frame = frame;
	return c;
}

static int
pt_seg_add(struct iop_tcp_stream *s, uint32_t seq, bool syn, const uint8_t *data, uint32_t len,
	   uint32_t frame)
{
	int64_t rel;

	if (!s->have_seq) {
		s->have_seq = true;
		s->last_seq = seq;
		s->last_rel = 0;
		s->min_rel = INT64_MAX;
	}
	rel = s->last_rel + (int32_t)(seq - s->last_seq);
	s->last_seq = seq;
	s->last_rel = rel;
	if (syn) {
		s->syn = true;
		s->syn_rel = rel;
		rel++;
	}
	if (!len) {
		return 0;
	}
	if (rel < s->min_rel) {
		s->min_rel = rel;
	}
	if (s->nsegs == s->seg_cap) {
		size_t ncap = s->seg_cap ? s->seg_cap * 2 : 64;
		void *n = realloc(s->segs, ncap * sizeof(*s->segs));

		if (!n) {
			return -ENOMEM;
		}
		s->segs = n;
		s->seg_cap = ncap;
	}
	s->segs[s->nsegs].data = malloc(len);
	if (!s->segs[s->nsegs].data) {
		return -ENOMEM;
	}
	memcpy(s->segs[s->nsegs].data, data, len);
	s->segs[s->nsegs].rel = rel;
	s->segs[s->nsegs].len = len;
	s->segs[s->nsegs].frame = frame;
	s->nsegs++;
	return 0;
}

static int
pt_seg_cmp(const void *a, const void *b)
{
	const struct iop_tcp_seg *x = a, *y = b;

	if (x->rel != y->rel) {
		return x->rel < y->rel ? -1 : 1;
	}
	return x->frame < y->frame ? -1 : x->frame > y->frame;
}

static int
pt_chunk_add(struct iop_tcp_stream *s, uint64_t off, uint32_t len, uint32_t frame)
{
	if (s->nchunks == s->chunk_cap) {
		size_t ncap = s->chunk_cap ? s->chunk_cap * 2 : 64;
		void *n = realloc(s->chunks, ncap * sizeof(*s->chunks));

		if (!n) {
			return -ENOMEM;
		}
		s->chunks = n;
		s->chunk_cap = ncap;
	}
	s->chunks[s->nchunks++] = (struct iop_tcp_chunk){off, len, frame};
	return 0;
}

static int
pt_stream_build(struct iop_tcp_stream *s)
{
	int64_t origin, cursor;
	uint32_t last_frame = 0;
	size_t total = 0;

	if (!s->nsegs) {
		return 0;
	}
	qsort(s->segs, s->nsegs, sizeof(*s->segs), pt_seg_cmp);
	origin = s->syn ? s->syn_rel + 1 : s->min_rel;
	for (size_t i = 0; i < s->nsegs; i++) {
		total += s->segs[i].len;
	}
	s->data = malloc(total ? total : 1);
	if (!s->data) {
		return -ENOMEM;
	}
	cursor = origin;
	for (size_t i = 0; i < s->nsegs; i++) {
		struct iop_tcp_seg *g = &s->segs[i];
		int64_t end = g->rel + g->len;
		uint32_t skip, n;

		if (end <= cursor) {
			s->retrans++;
			continue;
		}
		if (g->rel > cursor) {
			s->gap = true;
			break;
		}
		skip = (uint32_t)(cursor - g->rel);
		n = g->len - skip;
		memcpy(s->data + s->len, g->data + skip, n);
		if (pt_chunk_add(s, s->len, n, g->frame)) {
			return -ENOMEM;
		}
		if (g->frame < last_frame) {
			s->ooo++;
		}
		last_frame = g->frame;
		s->len += n;
		cursor += n;
	}
	for (size_t i = 0; i < s->nsegs; i++) {
		free(s->segs[i].data);
	}
	free(s->segs);
	s->segs = NULL;
	s->nsegs = s->seg_cap = 0;
	return 0;
}

uint32_t
iop_tcp_stream_frame(const struct iop_tcp_stream *s, uint64_t off)
{
	size_t lo = 0, hi = s->nchunks;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct iop_tcp_chunk *c = &s->chunks[mid];

		if (off < c->off) {
			hi = mid;
		} else if (off >= c->off + c->len) {
			lo = mid + 1;
		} else {
			return c->frame;
		}
	}
	return 0;
}

const char *
iop_tcp_conn_endpoint(const struct iop_tcp_conn *c, int side, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(c->af == 4 ? AF_INET : AF_INET6, c->addr[side], a, sizeof(a));
	snprintf(buf, len, c->af == 4 ? "%s:%u" : "[%s]:%u", a, c->port[side]);
	return buf;
}

static int
pt_packet(struct iop_tcp_trace *t, const uint8_t *p, uint32_t caplen, uint32_t frame)
{
	const uint8_t *ip, *tcp, *src, *dst;
	uint32_t iplen, hl, thl, paylen;
	struct iop_tcp_conn *c;
	uint16_t sport, dport;
	uint8_t tflags;
	int ver, side;
	long off = pt_l3(t->linktype, p, caplen, &ver);

	if (off < 0) {
		return 1;
	}
	ip = p + off;
	caplen -= (uint32_t)off;
	if (ver == 4) {
		if (caplen < 20 || (ip[0] >> 4) != 4 || ip[9] != 6) {
			return 1;
		}
		hl = (ip[0] & 0xf) * 4u;
		iplen = pt_be16(ip + 2);
		if ((pt_be16(ip + 6) & 0x3fff) != 0) {
			return 1; /* IP fragments are not reassembled */
		}
		src = ip + 12;
		dst = ip + 16;
	} else {
		if (caplen < 40 || (ip[0] >> 4) != 6 || ip[6] != 6) {
			return 1;
		}
		hl = 40;
		iplen = 40u + pt_be16(ip + 4);
		src = ip + 8;
		dst = ip + 24;
	}
	if (iplen > caplen || hl < 20 || iplen < hl + 20) {
		return 1; /* truncated capture (snaplen) or malformed */
	}
	tcp = ip + hl;
	thl = (tcp[12] >> 4) * 4u;
	if (thl < 20 || hl + thl > iplen) {
		return 1;
	}
	sport = pt_be16(tcp);
	dport = pt_be16(tcp + 2);
	tflags = tcp[13];
	paylen = iplen - hl - thl;
	c = pt_conn_lookup(t, ver, src, dst, sport, dport, &side);
	if ((tflags & 0x12) == 0x02 && c && (c->dir[0].nsegs || c->dir[1].nsegs ||
					     c->dir[0].fin_frame || c->dir[1].fin_frame)) {
		c = NULL; /* SYN on a used tuple: a new connection */
	}
	if (!c) {
		c = pt_conn_new(t, ver, src, dst, sport, dport, frame);
		if (!c) {
			return -ENOMEM;
		}
		side = 0;
	}
	if ((tflags & 0x12) == 0x02) {
		c->syn_seen = true;
	}
	if (tflags & 0x01) {
		c->dir[side].fin_frame = frame;
	}
	return pt_seg_add(&c->dir[side], pt_be32(tcp + 4), tflags & 0x02, tcp + thl, paylen, frame);
}

int
iop_pcap_tcp_load(const char *path, struct iop_tcp_trace *t, char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *pc;
	int rc = 0, r;

	memset(t, 0, sizeof(*t));
	pc = pcap_open_offline(path, perr);
	if (!pc) {
		snprintf(err, errlen, "%s", perr);
		return -EINVAL;
	}
	t->linktype = pcap_datalink(pc);
	while ((r = pcap_next_ex(pc, &h, &data)) == 1) {
		t->nframes++;
		r = pt_packet(t, data, h->caplen, (uint32_t)t->nframes);
		if (r < 0) {
			rc = r;
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		t->skipped += (uint64_t)r;
	}
	if (r == -1) {
		if (!t->nframes) {
			snprintf(err, errlen, "%s", pcap_geterr(pc));
			rc = -EINVAL;
			goto out;
		}
		/* A capture cut short (killed tcpdump): keep what was read, say so. */
		fprintf(stderr, "warning: %s: %s; using the first %llu frames\n", path,
			pcap_geterr(pc), (unsigned long long)t->nframes);
	}
	for (size_t i = 0; i < t->nconns; i++) {
		for (int s = 0; s < 2; s++) {
			rc = pt_stream_build(&t->conns[i].dir[s]);
			if (rc) {
				snprintf(err, errlen, "out of memory");
				goto out;
			}
		}
	}
out:
	pcap_close(pc);
	if (rc) {
		iop_pcap_tcp_free(t);
	}
	return rc;
}

void
iop_pcap_tcp_free(struct iop_tcp_trace *t)
{
	for (size_t i = 0; i < t->nconns; i++) {
		for (int s = 0; s < 2; s++) {
			struct iop_tcp_stream *st = &t->conns[i].dir[s];

			for (size_t k = 0; k < st->nsegs; k++) {
				free(st->segs[k].data);
			}
			free(st->segs);
			free(st->data);
			free(st->chunks);
		}
	}
	free(t->conns);
	memset(t, 0, sizeof(*t));
}

long
iop_pcap_l3(int linktype, const uint8_t *p, uint32_t caplen, int *ver)
{
	return pt_l3(linktype, p, caplen, ver);
}
