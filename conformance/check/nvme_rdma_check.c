/* SPDX-License-Identifier: BSD-3-Clause */
/* Passive NVMe/RDMA checks: CM private data, capsules, keyed SGLs vs RDMA READ/WRITE, invalidate. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "conformance/check/nvme_rdma_check.h"
#include "iopath/util.h"

/*
 * A connection is one CM REQ (host side: source address and QPN) with its REP (target QPN) or
 * REJ, matched by the communication IDs. RC messages are attributed to a connection by their
 * destination (address, QP): to the target's QP = from the host (capsules, READ responses), to
 * the host's QP = from the target (responses, RDMA READ requests, RDMA WRITEs). IOCCSZ is taken
 * from Identify Controller data (bytes 1792-1795) that the target RDMA WRITEs into an Identify
 * (CNS 01h) command's keyed buffer, per target address; 0 (discovery) is ignored.
 */

#define NRC_MAX_CMDS 4096

struct nrc_cmd {
	uint16_t cid;
	uint8_t opc;
	bool keyed, inv, identify_ctrl;
	uint64_t va;
	uint32_t len, key;
	uint32_t frame;
};

struct nrc_conn {
	int af;
	uint8_t host[16], target[16];
	uint32_t host_qpn, target_qpn, host_cm_id;
	uint16_t recfmt, qid, hrqsize, hsqsize;
	bool accepted, rejected, connected;
	struct nrc_cmd *cmds;
	size_t ncmds, cap;
};

struct nrc_ioccsz {
	int af;
	uint8_t target[16];
	uint32_t ioccsz;
};

struct nrc_state {
	struct iop_conf_verdicts *v;
	struct nrc_conn *conns;
	size_t nconns, cap;
	struct nrc_ioccsz io[16];
	size_t nio;
};

static uint16_t
nrc_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
nrc_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static struct iop_conf_pos
nrc_pos(const struct iop_roce_msg *m, int conn, const char *dir, const char *what)
{
	return (struct iop_conf_pos){.frame = m->frame, .frame_first = m->frame_first, .offset = -1,
				     .conn = conn, .dir = dir, .seq = -1, .what = what};
}

static uint32_t *
nrc_ioccsz(struct nrc_state *s, int af, const uint8_t *target, bool add)
{
	for (size_t i = 0; i < s->nio; i++) {
		if (s->io[i].af == af && !memcmp(s->io[i].target, target, 16)) {
			return &s->io[i].ioccsz;
		}
	}
	if (!add || s->nio == IOP_ARRAY_SIZE(s->io)) {
		return NULL;
	}
	s->io[s->nio].af = af;
	memcpy(s->io[s->nio].target, target, 16);
	return &s->io[s->nio++].ioccsz;
}

static void
nrc_cm_req(struct nrc_state *s, const struct iop_roce_msg *m)
{
	struct iop_conf_verdicts *v = s->v;
	struct iop_conf_pos pos = nrc_pos(m, (int)s->nconns, "h2c", "CM REQ");
	struct nrc_conn *c;
	const uint8_t *pd = m->cm_pd;

	for (size_t i = 0; i < s->nconns; i++) {
		if (s->conns[i].host_cm_id == m->cm_local_id && s->conns[i].af == m->af &&
		    !memcmp(s->conns[i].host, m->src, 16)) {
			return;       /* retransmitted REQ MAD */
		}
	}
	if (s->nconns == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 16;
		struct nrc_conn *n = realloc(s->conns, nc * sizeof(*n));

		if (!n) {
			return;
		}
		s->conns = n;
		s->cap = nc;
	}
	c = &s->conns[s->nconns++];
	memset(c, 0, sizeof(*c));
	c->af = m->af;
	memcpy(c->host, m->src, 16);
	memcpy(c->target, m->dst, 16);
	c->host_qpn = m->cm_qpn;
	c->host_cm_id = m->cm_local_id;
	c->recfmt = nrc_le16(pd);
	c->qid = nrc_le16(pd + 2);
	c->hrqsize = nrc_le16(pd + 4);
	c->hsqsize = nrc_le16(pd + 6);
	iop_conf_expect(v, c->recfmt == 0, "RDMA-001", &pos, "RECFMT 0|RECFMT %u", c->recfmt);
	iop_conf_expect(v, c->hsqsize >= 1 && c->hrqsize >= c->hsqsize + 1u, "RDMA-002", &pos,
			"HSQSIZE >= 1, HRQSIZE >= HSQSIZE + 1|HSQSIZE %u HRQSIZE %u", c->hsqsize,
			c->hrqsize);
}

static struct nrc_conn *
nrc_by_cm(struct nrc_state *s, const struct iop_roce_msg *m, size_t *idx)
{
	for (size_t i = 0; i < s->nconns; i++) {
		if (s->conns[i].host_cm_id == m->cm_remote_id && s->conns[i].af == m->af &&
		    !memcmp(s->conns[i].host, m->dst, 16)) {
			*idx = i;
			return &s->conns[i];
		}
	}
	return NULL;
}

static void
nrc_cm_rep(struct nrc_state *s, const struct iop_roce_msg *m)
{
	size_t i;
	struct nrc_conn *c = nrc_by_cm(s, m, &i);
	struct iop_conf_pos pos = nrc_pos(m, c ? (int)i : -1, "c2h", "CM REP");
	uint16_t recfmt = nrc_le16(m->cm_pd), crq = nrc_le16(m->cm_pd + 2);

	if (!c || c->accepted) {
		return;
	}
	c->accepted = true;
	c->target_qpn = m->cm_qpn;
	iop_conf_expect(s->v, recfmt == 0 && crq >= c->hsqsize + 1u, "RDMA-003", &pos,
			"RECFMT 0, CRQSIZE >= %u|RECFMT %u CRQSIZE %u", c->hsqsize + 1u, recfmt, crq);
}

static void
nrc_cm_rej(struct nrc_state *s, const struct iop_roce_msg *m)
{
	size_t i;
	struct nrc_conn *c = nrc_by_cm(s, m, &i);
	struct iop_conf_pos pos = nrc_pos(m, c ? (int)i : -1, "c2h", "CM REJ");
	uint16_t recfmt = nrc_le16(m->cm_pd), sts = nrc_le16(m->cm_pd + 2);
	int want = 0;

	if (!c || c->rejected || m->cm_reason != 28) {
		return;       /* not an NVMe consumer reject (e.g. no listener: reason 8) */
	}
	c->rejected = true;
	iop_conf_event(s->v, &pos, "CM REJ STS %02xh", sts);
	iop_conf_expect(s->v, recfmt == 0 && sts >= 1 && sts <= 9, "RDMA-004", &pos,
			"RECFMT 0, STS 01h-09h|RECFMT %u STS %02xh", recfmt, sts);
	if (c->recfmt != 0) {
		want = 2;
	} else if (c->hsqsize == 0) {
		want = 4;
	} else if (c->hrqsize < c->hsqsize + 1u) {
		want = 5;
	}
	if (want) {
		iop_conf_expect(s->v, sts == want, "RDMA-005", &pos, "STS %02xh|STS %02xh", want, sts);
	}
}

/* \return the connection m travels on and whether it goes to the target. */
static struct nrc_conn *
nrc_route(struct nrc_state *s, const struct iop_roce_msg *m, bool *to_target, size_t *idx)
{
	for (size_t i = s->nconns; i-- > 0;) {
		struct nrc_conn *c = &s->conns[i];

		if (c->af != m->af || !c->accepted) {
			continue;
		}
		if (m->dqp == c->target_qpn && !memcmp(m->dst, c->target, 16)) {
			*to_target = true;
			*idx = i;
			return c;
		}
		if (m->dqp == c->host_qpn && !memcmp(m->dst, c->host, 16)) {
			*to_target = false;
			*idx = i;
			return c;
		}
	}
	return NULL;
}

static void
nrc_capsule(struct nrc_state *s, struct nrc_conn *c, size_t ci, const struct iop_roce_msg *m)
{
	struct iop_conf_verdicts *v = s->v;
	struct iop_conf_pos pos = nrc_pos(m, (int)ci, "h2c", "command capsule");
	const uint8_t *q = m->data;
	uint8_t type, sub;
	struct nrc_cmd cmd = {0};
	uint32_t *io;

	if (!iop_conf_expect(v, m->len >= 64, "RDMA-006", &pos, "SEND of >= 64 bytes|%zu bytes",
			     m->len)) {
		return;
	}
	io = nrc_ioccsz(s, c->af, c->target, false);
	if (io && *io && c->qid) {
		iop_conf_expect(v, m->len <= *io * 16ull, "RDMA-006", &pos,
				"at most IOCCSZ * 16 = %u bytes|%zu bytes", *io * 16, m->len);
	} else {
		iop_conf_pass(v, "RDMA-006");
	}
	iop_conf_pass(v, "RDMA-017");
	cmd.cid = nrc_le16(q + 2);
	cmd.opc = q[0];
	cmd.frame = m->frame;
	type = q[39] >> 4;
	sub = q[39] & 0xf;
	if (type == 4 && (sub == 0 || sub == 0xf)) {
		cmd.keyed = true;
		cmd.inv = sub == 0xf;
		cmd.va = (uint64_t)nrc_le32(q + 24) | (uint64_t)nrc_le32(q + 28) << 32;
		cmd.len = (uint32_t)q[32] | (uint32_t)q[33] << 8 | (uint32_t)q[34] << 16;
		cmd.key = nrc_le32(q + 35);
		iop_conf_pass(v, "RDMA-008");
	} else if (type == 0 && sub == 1) {
		uint64_t off = (uint64_t)nrc_le32(q + 24) | (uint64_t)nrc_le32(q + 28) << 32;
		uint32_t len = nrc_le32(q + 32);

		iop_conf_pass(v, "RDMA-008");
		iop_conf_expect(v, off + len <= m->len - 64, "RDMA-009", &pos,
				"offset + length <= %zu in-capsule bytes|offset %llu length %u",
				m->len - 64, (unsigned long long)off, len);
	} else {
		iop_conf_fail(v, "RDMA-008", &pos,
			      "keyed data block (4h, subtype 0h/Fh) or data block offset (0h/1h)|SGL "
			      "type %xh subtype %xh", type, sub);
	}
	if (cmd.opc == 0x7f && q[4] == 0x01) {          /* Fabrics Connect */
		uint16_t qid = nrc_le16(q + 42);

		iop_conf_expect(v, qid == c->qid, "RDMA-015", &pos, "Connect QID %u (CM REQ)|QID %u",
				c->qid, qid);
		c->connected = true;
	}
	cmd.identify_ctrl = c->qid == 0 && cmd.opc == 0x06 && q[40] == 0x01;
	iop_conf_expect(v, c->ncmds + 1 <= c->hsqsize + 1u, "RDMA-014", &pos,
			"at most HSQSIZE + 1 = %u outstanding|%zu", c->hsqsize + 1u, c->ncmds + 1);
	if (c->ncmds == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 32;
		struct nrc_cmd *n;

		if (nc > NRC_MAX_CMDS) {
			return;
		}
		n = realloc(c->cmds, nc * sizeof(*n));
		if (!n) {
			return;
		}
		c->cmds = n;
		c->cap = nc;
	}
	c->cmds[c->ncmds++] = cmd;
}

static void
nrc_response(struct nrc_state *s, struct nrc_conn *c, size_t ci, const struct iop_roce_msg *m)
{
	struct iop_conf_verdicts *v = s->v;
	struct iop_conf_pos pos = nrc_pos(m, (int)ci, "c2h", "response capsule");
	uint16_t cid, sqid;
	size_t k;

	iop_conf_pass(v, "RDMA-017");
	if (!iop_conf_expect(v, m->len == 16, "RDMA-007", &pos, "SEND of 16 bytes|%zu bytes",
			     m->len)) {
		return;
	}
	cid = nrc_le16(m->data + 12);
	sqid = nrc_le16(m->data + 10);
	for (k = 0; k < c->ncmds && c->cmds[k].cid != cid; k++) {
	}
	if (!iop_conf_expect(v, k < c->ncmds && sqid == c->qid, "RDMA-016", &pos,
			     "CID of an outstanding command, SQID %u|CID %u%s, SQID %u", c->qid, cid,
			     k < c->ncmds ? "" : " not outstanding", sqid)) {
		if (k == c->ncmds) {
			return;
		}
	}
	if (m->kind == IOP_ROCE_SEND_INV) {
		iop_conf_expect(v, c->cmds[k].inv && c->cmds[k].key == m->inv_rkey, "RDMA-012", &pos,
				"invalidate only a keyed SGL with subtype Fh, its key|%s, key %08xh "
				"invalidated (SGL key %08xh)", c->cmds[k].inv ? "subtype Fh" :
				"host did not ask", m->inv_rkey, c->cmds[k].key);
	} else if (c->cmds[k].inv) {
		iop_conf_fail(v, "RDMA-013", &pos, "SEND WITH INVALIDATE of %08xh|plain SEND",
			      c->cmds[k].key);
	}
	if (c->cmds[k].inv && m->kind == IOP_ROCE_SEND_INV) {
		iop_conf_pass(v, "RDMA-013");
	}
	c->cmds[k] = c->cmds[--c->ncmds];
}

/* RDMA READ request or WRITE from the target: inside an outstanding command's keyed range. */
static void
nrc_data(struct nrc_state *s, struct nrc_conn *c, size_t ci, const struct iop_roce_msg *m)
{
	bool rd = m->kind == IOP_ROCE_READ_REQ;
	const char *id = rd ? "RDMA-010" : "RDMA-011";
	struct iop_conf_pos pos = nrc_pos(m, (int)ci, "c2h", rd ? "RDMA READ" : "RDMA WRITE");
	uint32_t len = rd ? m->dmalen : (uint32_t)m->len;
	const struct nrc_cmd *hit = NULL;

	for (size_t k = 0; k < c->ncmds; k++) {
		const struct nrc_cmd *x = &c->cmds[k];

		if (x->keyed && x->key == m->rkey) {
			hit = x;
			if (m->va >= x->va && m->va + len <= x->va + x->len) {
				break;
			}
		}
	}
	if (!hit) {
		iop_conf_fail(s->v, id, &pos,
			      "key of an outstanding command's keyed SGL|key %08xh (none outstanding)",
			      m->rkey);
		return;
	}
	if (!iop_conf_expect(s->v, m->va >= hit->va && m->va + len <= hit->va + hit->len, id, &pos,
			     "inside [%llxh, +%u)|[%llxh, +%u)", (unsigned long long)hit->va, hit->len,
			     (unsigned long long)m->va, len)) {
		return;
	}
	if (!rd && hit->identify_ctrl && m->va <= hit->va + 1792 && m->va + len >= hit->va + 1796) {
		uint32_t iocc = nrc_le32(m->data + (hit->va + 1792 - m->va));
		uint32_t *io = nrc_ioccsz(s, c->af, c->target, true);

		if (io && iocc) {
			*io = iocc;
		}
	}
}

int
iop_conf_check_nvme_rdma(const struct iop_roce_trace *t, struct iop_conf_verdicts *v)
{
	struct nrc_state s = {.v = v};

	for (size_t i = 0; i < t->nmsgs; i++) {
		const struct iop_roce_msg *m = &t->msgs[i];
		struct nrc_conn *c;
		bool to_target;
		size_t ci;

		v->units++;
		if (m->kind == IOP_ROCE_CM) {
			if (m->cm_attr == IOP_CM_REQ) {
				nrc_cm_req(&s, m);
			} else if (m->cm_attr == IOP_CM_REP) {
				nrc_cm_rep(&s, m);
			} else if (m->cm_attr == IOP_CM_REJ) {
				nrc_cm_rej(&s, m);
			}
			continue;
		}
		c = nrc_route(&s, m, &to_target, &ci);
		if (!c) {
			continue;
		}
		if (m->kind == IOP_ROCE_OTHER && (m->opcode >> 5) != 4) {
			struct iop_conf_pos pos = nrc_pos(m, (int)ci, to_target ? "h2c" : "c2h", "packet");

			iop_conf_fail(v, "RDMA-017", &pos, "RC transport|BTH opcode %02xh", m->opcode);
			continue;
		}
		if ((m->kind == IOP_ROCE_SEND || m->kind == IOP_ROCE_SEND_INV) && to_target) {
			nrc_capsule(&s, c, ci, m);
		} else if (m->kind == IOP_ROCE_SEND || m->kind == IOP_ROCE_SEND_INV) {
			nrc_response(&s, c, ci, m);
		} else if ((m->kind == IOP_ROCE_READ_REQ || m->kind == IOP_ROCE_WRITE) && !to_target) {
			nrc_data(&s, c, ci, m);
		}
	}
	for (size_t i = 0; i < s.nconns; i++) {
		free(s.conns[i].cmds);
	}
	free(s.conns);
	return 0;
}
