/* SPDX-License-Identifier: BSD-3-Clause */
/* Passive NVMe/TCP transport and NVMe-oF command rules over PDUs in capture order. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "conformance/check/nvme_tcp_check.h"
#include "conformance/nvme_wire_internal.h"
#include "iopath/util.h"

#define NTC_MAX_R2T 16

struct ntc_r2t {
	uint16_t ttag;
	uint32_t r2to, r2tl, got;
};

struct ntc_cmd {
	uint16_t cid;
	uint8_t opc, fctype, cns;
	bool fabrics;
	uint32_t dlen;          /* SGL length */
	int ddir;               /* 0 none, 1 host->ctrl, 2 ctrl->host */
	uint32_t icd;
	uint32_t c2h_next;
	bool ddgst_bad;
	unsigned int nr2t;
	struct ntc_r2t r2t[NTC_MAX_R2T];
	uint8_t *buf;           /* Identify Controller data */
	uint32_t prop_ofst;
	uint8_t prop_size;
	uint16_t connect_qid;
	char connect_subnqn[257];
};

struct ntc_conn {
	bool icreq, icresp, any[2];
	uint8_t hpda, cpda, dgst_req, dgst;
	uint32_t maxr2t, maxh2cdata;
	bool term[2];            /* TermReq sent by this direction */
	bool after_term_reported[2];
	bool hdgst_bad[2];       /* this direction sent a PDU with a bad header digest */
	struct iop_conf_pos hdgst_bad_pos[2];
	bool connected;
	uint16_t qid, cntlid;
	char subnqn[257];
	struct ntc_cmd *cmds;
	size_t ncmds, cap;
};

struct ntc_ctrl {
	uint16_t cntlid;
};

struct ntc {
	const struct iop_ntcp_session *s;
	struct iop_conf_verdicts *v;
	struct ntc_conn *conns;
	struct ntc_ctrl ctrls[256];
	unsigned int nctrls;
	bool any_admin_connect;
};

static const char *const ntc_dirs[] = {"h2c", "c2h"};

static void
ntc_pos(const struct iop_ntcp_pdu *p, struct iop_conf_pos *pos)
{
	memset(pos, 0, sizeof(*pos));
	pos->frame = p->frame_last;
	pos->frame_first = p->frame_first;
	pos->offset = (int64_t)p->off;
	pos->conn = p->conn;
	pos->dir = ntc_dirs[p->dir];
	pos->seq = -1;
	pos->what = p->framing_error ? "PDU header" : iop_conf_pdu_name(p->p[0]);
}

static struct ntc_cmd *
ntc_cmd_find(struct ntc_conn *c, uint16_t cid)
{
	for (size_t i = 0; i < c->ncmds; i++) {
		if (c->cmds[i].cid == cid) {
			return &c->cmds[i];
		}
	}
	return NULL;
}

static void
ntc_cmd_del(struct ntc_conn *c, struct ntc_cmd *cmd)
{
	free(cmd->buf);
	*cmd = c->cmds[--c->ncmds];
}

static struct ntc_cmd *
ntc_cmd_add(struct ntc_conn *c)
{
	if (c->ncmds == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 32;
		void *n = realloc(c->cmds, ncap * sizeof(*c->cmds));

		if (!n) {
			return NULL;
		}
		c->cmds = n;
		c->cap = ncap;
	}
	memset(&c->cmds[c->ncmds], 0, sizeof(c->cmds[0]));
	return &c->cmds[c->ncmds++];
}

/* Fixed HLEN per type, 0 for unknown types. */
static unsigned int
ntc_hlen(uint8_t type)
{
	switch (type) {
	case CW_ICREQ:
	case CW_ICRESP:
		return CW_IC_LEN;
	case CW_CMD:
		return CW_CMD_HLEN;
	case CW_H2C_TERM:
	case CW_C2H_TERM:
	case CW_RESP:
	case CW_H2C_DATA:
	case CW_C2H_DATA:
	case CW_R2T:
		return 24;
	default:
		return 0;
	}
}

static uint8_t
ntc_allowed_flags(uint8_t type)
{
	switch (type) {
	case CW_CMD:
		return CW_F_HDGST | CW_F_DDGST;
	case CW_RESP:
	case CW_R2T:
		return CW_F_HDGST;
	case CW_H2C_DATA:
		return CW_F_HDGST | CW_F_DDGST | CW_F_LAST;
	case CW_C2H_DATA:
		return CW_F_HDGST | CW_F_DDGST | CW_F_LAST | CW_F_SUCCESS;
	default:
		return 0;
	}
}

static bool
ntc_type_dir_ok(uint8_t type, enum iop_ntcp_dir d)
{
	switch (type) {
	case CW_ICREQ:
	case CW_H2C_TERM:
	case CW_CMD:
	case CW_H2C_DATA:
		return d == IOP_NTCP_H2C;
	case CW_ICRESP:
	case CW_C2H_TERM:
	case CW_RESP:
	case CW_C2H_DATA:
	case CW_R2T:
		return d == IOP_NTCP_C2H;
	default:
		return false;
	}
}

static bool
ntc_nqn_ok(const uint8_t *f)
{
	size_t n = strnlen((const char *)f, 256);

	return n < 256 && n > 4 && !memcmp(f, "nqn.", 4);
}

/* Data bytes of a PDU: [*data, *data + return). 0 when the PDU carries no data. *data is NULL
 * (the length still returned) when the capture ends before the data does. */
static uint32_t
ntc_data(const struct iop_ntcp_pdu *p, const uint8_t **data)
{
	uint8_t pdo = p->p[3];
	uint32_t dd = (p->p[1] & CW_F_DDGST) ? 4 : 0;

	*data = NULL;
	if (!pdo || pdo >= p->plen || p->plen - pdo < dd) {
		return 0;
	}
	if (p->avail >= p->plen - dd) {
		*data = p->p + pdo;
	}
	return p->plen - pdo - dd;
}

static void
ntc_check_icreq(struct ntc *k, struct ntc_conn *c, const struct iop_ntcp_pdu *p,
		const struct iop_conf_pos *pos)
{
	const uint8_t *h = p->p;

	iop_conf_expect(k->v, h[2] == CW_IC_LEN && p->plen == CW_IC_LEN && h[3] == 0, "TCP-003", pos,
			"HLEN=128 PLEN=128 PDO=0|HLEN=%u PLEN=%u PDO=%u", h[2], p->plen, h[3]);
	if (p->avail < 16) {
		return;
	}
	iop_conf_expect(k->v, cw_le16(h + 8) == 0, "TCP-005", pos, "PFV 0|PFV %u", cw_le16(h + 8));
	iop_conf_expect(k->v, h[10] <= 31, "TCP-007", pos, "HPDA <= 31|HPDA %u", h[10]);
	iop_conf_expect(k->v, !(h[11] & ~3u), "TCP-011", pos, "DGST bits 7:2 zero|DGST 0x%02x",
			h[11]);
	c->hpda = h[10] <= 31 ? h[10] : 0;
	c->dgst_req = h[11] & 3;
	c->maxr2t = cw_le32(h + 12);
}

static void
ntc_check_icresp(struct ntc *k, struct ntc_conn *c, const struct iop_ntcp_pdu *p,
		 const struct iop_conf_pos *pos)
{
	const uint8_t *h = p->p;
	uint32_t m;

	iop_conf_expect(k->v, h[2] == CW_IC_LEN && p->plen == CW_IC_LEN && h[3] == 0, "TCP-004", pos,
			"HLEN=128 PLEN=128 PDO=0|HLEN=%u PLEN=%u PDO=%u", h[2], p->plen, h[3]);
	if (p->avail < 16) {
		return;
	}
	m = cw_le32(h + 12);
	iop_conf_expect(k->v, cw_le16(h + 8) == 0, "TCP-006", pos, "PFV 0|PFV %u", cw_le16(h + 8));
	iop_conf_expect(k->v, h[10] <= 31, "TCP-008", pos, "CPDA <= 31|CPDA %u", h[10]);
	iop_conf_expect(k->v, m >= CW_MIN_MAXH2CDATA && !(m % 4), "TCP-009", pos,
			"MAXH2CDATA >= 4096, multiple of 4|MAXH2CDATA %u", m);
	iop_conf_expect(k->v, !(h[11] & 3 & ~c->dgst_req), "TCP-010", pos,
			"digests within requested 0x%x|DGST 0x%x", c->dgst_req, h[11] & 3);
	iop_conf_expect(k->v, !(h[11] & ~3u), "TCP-011", pos, "DGST bits 7:2 zero|DGST 0x%02x",
			h[11]);
	c->cpda = h[10] <= 31 ? h[10] : 0;
	c->dgst = h[11] & 3;
	c->maxh2cdata = m;
}

static const char *
ntc_fes_name(uint16_t fes)
{
	static const char *const n[] = {"?", "Invalid PDU Header Field", "PDU Sequence Error",
					"Header Digest Error", "Data Transfer Out of Range",
					"Data Transfer Limit Exceeded", "Unsupported Parameter"};

	return fes < 7 ? n[fes] : "undefined";
}

static void
ntc_check_term(struct ntc *k, struct ntc_conn *c, const struct iop_ntcp_pdu *p,
	       const struct iop_conf_pos *pos)
{
	const uint8_t *h = p->p;
	uint16_t fes;
	uint32_t fei;
	int other = !p->dir;

	iop_conf_expect(k->v, h[2] == CW_TERM_HLEN && p->plen <= CW_TERM_MAX_PLEN &&
				      p->plen >= CW_TERM_HLEN, "TCP-024", pos,
			"HLEN=24, 24 <= PLEN <= 152|HLEN=%u PLEN=%u", h[2], p->plen);
	c->term[p->dir] = true;
	if (p->avail < 14) {
		return;
	}
	fes = cw_le16(h + 8);
	fei = cw_le32(h + 10);
	iop_conf_event(k->v, pos, "%s FES %02xh (%s) FEI %u", iop_conf_pdu_name(h[0]), fes,
		       ntc_fes_name(fes), fei);
	iop_conf_expect(k->v, fes >= 1 && fes <= 6, "TCP-025", pos, "FES 01h..06h|FES %04xh", fes);
	if (fes == 1) {
		uint32_t copied = p->plen > CW_TERM_HLEN ? p->plen - CW_TERM_HLEN : 0;

		iop_conf_expect(k->v, fei < 128 && (!copied || fei < copied), "TCP-027", pos,
				"FEI inside the %u-byte copied header|FEI %u", copied, fei);
	}
	if (c->hdgst_bad[other]) {
		iop_conf_expect(k->v, fes == 3, "TCP-022", pos,
				"FES 03h after header digest error|FES %02xh", fes);
		c->hdgst_bad[other] = false;
	}
}

static void
ntc_check_connect_cmd(struct ntc *k, struct ntc_conn *c, struct ntc_cmd *cmd,
		      const uint8_t *sqe, const uint8_t *data, uint32_t dlen,
		      const struct iop_conf_pos *pos)
{
	uint16_t qid = cw_le16(sqe + 42), sqsize = cw_le16(sqe + 44);

	iop_conf_expect(k->v, dlen == CONNECT_DATA_LEN, "FAB-002", pos,
			"1024 bytes of Connect data|%u bytes", dlen);
	iop_conf_expect(k->v, cw_le16(sqe + 40) == 0, "FAB-003", pos, "RECFMT 0|RECFMT %u",
			cw_le16(sqe + 40));
	iop_conf_expect(k->v, sqsize >= (qid ? 1 : 31), "FAB-008", pos,
			"SQSIZE >= %u|SQSIZE %u", qid ? 1 : 31, sqsize);
	cmd->connect_qid = qid;
	if (!data || dlen < CONNECT_DATA_LEN) {
		return;
	}
	iop_conf_expect(k->v, ntc_nqn_ok(data + CONNECT_DATA_SUBNQN) &&
				      ntc_nqn_ok(data + CONNECT_DATA_HOSTNQN), "FAB-025", pos,
			"NUL-terminated nqn.* SUBNQN and HOSTNQN|SUBNQN '%.40s' HOSTNQN '%.40s'",
			(const char *)data + CONNECT_DATA_SUBNQN,
			(const char *)data + CONNECT_DATA_HOSTNQN);
	snprintf(cmd->connect_subnqn, sizeof(cmd->connect_subnqn), "%.256s",
		 (const char *)data + CONNECT_DATA_SUBNQN);
	if (qid && k->any_admin_connect) {
		uint16_t id = cw_le16(data + CONNECT_DATA_CNTLID);
		bool found = false;

		for (unsigned int i = 0; i < k->nctrls; i++) {
			found |= k->ctrls[i].cntlid == id;
		}
		iop_conf_expect(k->v, found, "FAB-011", pos,
				"CNTLID of an admin-queue controller|CNTLID %u", id);
	}
}

static void
ntc_check_cmd(struct ntc *k, struct ntc_conn *c, const struct iop_ntcp_pdu *p,
	      const struct iop_conf_pos *pos)
{
	const uint8_t *sqe = p->p + 8, *data;
	uint32_t icd = ntc_data(p, &data);
	struct ntc_cmd *cmd;
	uint8_t sglid;
	uint32_t sgllen;

	iop_conf_expect(k->v, p->p[2] == CW_CMD_HLEN, "TCP-028", pos, "HLEN 72|HLEN %u", p->p[2]);
	if (p->avail < 8 + 64 || p->p[2] != CW_CMD_HLEN) {
		return;
	}
	sglid = sqe[39];
	sgllen = cw_le32(sqe + 32);
	if (ntc_cmd_find(c, cw_le16(sqe + SQE_CID))) {
		iop_conf_fail(k->v, "TCP-049", pos, "CID not outstanding|CID %u reused",
			      cw_le16(sqe + SQE_CID));
		return;
	}
	iop_conf_pass(k->v, "TCP-049");
	cmd = ntc_cmd_add(c);
	if (!cmd) {
		return;
	}
	cmd->cid = cw_le16(sqe + SQE_CID);
	cmd->opc = sqe[SQE_OPC];
	cmd->fabrics = cmd->opc == NVMF_OPC;
	cmd->fctype = sqe[SQE_FCTYPE];
	cmd->icd = icd;
	cmd->dlen = sgllen;
	iop_conf_expect(k->v, (sqe[SQE_FLAGS] >> 6) == 1, "FAB-012", pos, "PSDT 01b|PSDT %u",
			sqe[SQE_FLAGS] >> 6);
	if (icd) {
		iop_conf_expect(k->v, sglid == SGL_ID_DATA_OFFSET && sgllen == icd, "TCP-031", pos,
				"SGL ID 01h length %u|SGL ID %02xh length %u", icd, sglid, sgllen);
		if (c->connected ? c->qid == 0 : (cmd->fabrics && cmd->fctype == FCT_CONNECT &&
						  cw_le16(sqe + 42) == 0)) {
			iop_conf_expect(k->v, icd <= CW_ADMIN_MAX_ICD, "TCP-030", pos,
					"admin in-capsule data <= 8192|%u bytes", icd);
		}
	} else if (sgllen) {
		iop_conf_expect(k->v, sglid == SGL_ID_TRANSPORT, "TCP-032", pos,
				"SGL ID 5Ah for %u bytes not in capsule|SGL ID %02xh", sgllen, sglid);
	}
	if (cmd->fabrics) {
		uint8_t f = cmd->fctype;

		iop_conf_expect(k->v, f == FCT_PROP_SET || f == FCT_CONNECT || f == FCT_PROP_GET ||
					      f == FCT_AUTH_SEND || f == FCT_AUTH_RECV ||
					      f == FCT_DISCONNECT || f >= 0xc0, "FAB-009", pos,
				"defined FCTYPE|FCTYPE %02xh", f);
		cmd->ddir = f == FCT_CONNECT || f == FCT_AUTH_SEND ? 1 : f == FCT_AUTH_RECV ? 2 : 0;
		if (f == FCT_CONNECT) {
			iop_conf_pass(k->v, "FAB-001");
			ntc_check_connect_cmd(k, c, cmd, sqe, data, icd, pos);
		} else if (!c->connected) {
			iop_conf_fail(k->v, "FAB-001", pos, "Connect first|FCTYPE %02xh", f);
		}
		if (f == FCT_PROP_GET || f == FCT_PROP_SET) {
			uint8_t sz = sqe[40] & 7;
			uint32_t ofst = cw_le32(sqe + 44);

			iop_conf_expect(k->v, (sz == 0 || sz == 1) && !(ofst % (sz ? 8 : 4)), "FAB-010",
					pos, "size 4 or 8, aligned offset|ATTRIB %u OFST 0x%x", sz, ofst);
			cmd->prop_ofst = ofst;
			cmd->prop_size = sz ? 8 : 4;
		}
	} else {
		cmd->ddir = (cmd->opc & 3) == 1 ? 1 : (cmd->opc & 3) == 2 ? 2 : 0;
		if (!c->connected) {
			iop_conf_fail(k->v, "FAB-001", pos, "Connect first|opcode %02xh", cmd->opc);
		}
		if (c->qid == 0 && cmd->opc == 0x06) {
			cmd->cns = sqe[40];
			if (cmd->cns == 1) {
				cmd->buf = calloc(1, ID_LEN);
			}
		}
	}
}

static void
ntc_complete(struct ntc *k, struct ntc_conn *c, struct ntc_cmd *cmd, uint16_t status,
	     uint32_t dw0, uint32_t dw1, const struct iop_conf_pos *pos)
{
	bool ok = CQE_SC(status) == 0 && CQE_SCT(status) == 0;

	iop_conf_pass(k->v, "FAB-026");
	if (cmd->ddir == 2 && ok && cmd->dlen) {
		iop_conf_expect(k->v, cmd->c2h_next == cmd->dlen, "TCP-041", pos,
				"completion after all %u data bytes|after %u bytes", cmd->dlen,
				cmd->c2h_next);
	}
	if (cmd->ddgst_bad) {
		iop_conf_expect(k->v, !ok, "TCP-023", pos,
				"error status after a data digest error|success");
	}
	if (cmd->fabrics && cmd->fctype == FCT_CONNECT) {
		if (ok) {
			uint16_t id = (uint16_t)dw0;

			iop_conf_expect(k->v, id != 0xffff, "FAB-004", pos, "CNTLID != FFFFh|%04xh", id);
			c->connected = true;
			c->qid = cmd->connect_qid;
			c->cntlid = id;
			snprintf(c->subnqn, sizeof(c->subnqn), "%s", cmd->connect_subnqn);
			if (c->qid == 0 && k->nctrls < IOP_ARRAY_SIZE(k->ctrls)) {
				k->ctrls[k->nctrls++].cntlid = id;
				k->any_admin_connect = true;
			}
		} else {
			iop_conf_event(k->v, pos, "Connect (QID %u) failed: SCT %xh SC %02xh",
				       cmd->connect_qid, CQE_SCT(status), CQE_SC(status));
		}
	} else if (cmd->fabrics && cmd->fctype == FCT_PROP_GET && ok && cmd->prop_ofst == 0) {
		uint64_t cap = dw0 | (uint64_t)dw1 << 32;

		iop_conf_expect(k->v, cmd->prop_size == 8 && (cap & 0xffff) >= 1, "FAB-022", pos,
				"8-byte CAP with MQES >= 1|size %u MQES %u", cmd->prop_size,
				(unsigned)(cap & 0xffff));
	} else if (cmd->buf && ok) {
		const uint8_t *id = cmd->buf;

		iop_conf_expect(k->v, cmd->c2h_next == ID_LEN, "FAB-016", pos, "4096 bytes|%u bytes",
				cmd->c2h_next);
		if (c->subnqn[0]) {
			iop_conf_expect(k->v, !strncmp((const char *)id + IDC_SUBNQN, c->subnqn, 256),
					"FAB-017", pos, "SUBNQN '%.60s'|'%.60s'", c->subnqn,
					(const char *)id + IDC_SUBNQN);
		}
		/* Only I/O controllers have I/O queue capsules: CNTRLTYPE 1, or 0 (not reported) on a
		 * subsystem other than the discovery one. */
		if (id[IDC_CNTRLTYPE] == 1 ||
		    (id[IDC_CNTRLTYPE] == 0 && strcmp(c->subnqn, DISCOVERY_NQN)))
		iop_conf_expect(k->v, cw_le32(id + IDC_IOCCSZ) >= 4 && cw_le32(id + IDC_IORCSZ) >= 1,
				"FAB-018", pos, "IOCCSZ >= 4, IORCSZ >= 1|IOCCSZ %u IORCSZ %u",
				cw_le32(id + IDC_IOCCSZ), cw_le32(id + IDC_IORCSZ));
		iop_conf_expect(k->v, cw_le16(id + IDC_CNTLID) == c->cntlid, "FAB-019", pos,
				"CNTLID %u|CNTLID %u", c->cntlid, cw_le16(id + IDC_CNTLID));
	} else if (cmd->opc == 0x06 && !cmd->fabrics && ok && (cmd->cns == 0 || cmd->cns == 1)) {
		iop_conf_expect(k->v, cmd->c2h_next == ID_LEN, "FAB-016", pos, "4096 bytes|%u bytes",
				cmd->c2h_next);
	}
	ntc_cmd_del(c, cmd);
}

static void
ntc_check_resp(struct ntc *k, struct ntc_conn *c, const struct iop_ntcp_pdu *p,
	       const struct iop_conf_pos *pos)
{
	const uint8_t *cqe = p->p + 8;
	uint32_t hd = (p->p[1] & CW_F_HDGST) ? 4 : 0;
	struct ntc_cmd *cmd;
	uint16_t cid, sqid;

	iop_conf_expect(k->v, p->p[2] == CW_RESP_HLEN && p->p[3] == 0 && p->plen == 24 + hd,
			"TCP-029", pos, "HLEN 24 PDO 0 PLEN %u|HLEN %u PDO %u PLEN %u", 24 + hd,
			p->p[2], p->p[3], p->plen);
	if (p->avail < 24) {
		return;
	}
	cid = cw_le16(cqe + CQE_CID);
	sqid = cw_le16(cqe + CQE_SQID);
	cmd = ntc_cmd_find(c, cid);
	if (!iop_conf_expect(k->v, cmd != NULL, "TCP-045", pos, "CID of an outstanding command|CID %u",
			     cid)) {
		iop_conf_fail(k->v, "FAB-013", pos, "outstanding CID|CID %u", cid);
		return;
	}
	{
		uint16_t q = cmd->fabrics && cmd->fctype == FCT_CONNECT ? cmd->connect_qid : c->qid;

		iop_conf_expect(k->v, sqid == q, "FAB-013", pos, "SQID %u|SQID %u", q, sqid);
	}
	ntc_complete(k, c, cmd, cw_le16(cqe + CQE_STATUS), cw_le32(cqe + CQE_DW0),
		     cw_le32(cqe + CQE_DW1), pos);
}

static void
ntc_check_data_common(struct ntc *k, const struct iop_ntcp_pdu *p, uint32_t datal,
		      const struct iop_conf_pos *pos)
{
	uint32_t dd = (p->p[1] & CW_F_DDGST) ? 4 : 0;

	iop_conf_expect(k->v, p->p[3] && p->plen == (uint32_t)p->p[3] + datal + dd, "TCP-037", pos,
			"PLEN = PDO + DATAL (+DDGST) = %u|PLEN %u", p->p[3] + datal + dd, p->plen);
}

static void
ntc_check_h2c_data(struct ntc *k, struct ntc_conn *c, const struct iop_ntcp_pdu *p,
		   const struct iop_conf_pos *pos, bool ddgst_bad)
{
	const uint8_t *h = p->p;
	uint16_t cccid = cw_le16(h + 8), ttag = cw_le16(h + 10);
	uint32_t datao = cw_le32(h + 12), datal = cw_le32(h + 16);
	struct ntc_cmd *cmd = ntc_cmd_find(c, cccid);
	struct ntc_r2t *r = NULL;
	bool last;

	ntc_check_data_common(k, p, datal, pos);
	if (c->maxh2cdata) {
		iop_conf_expect(k->v, datal <= c->maxh2cdata, "TCP-035", pos,
				"DATAL <= MAXH2CDATA %u|DATAL %u", c->maxh2cdata, datal);
	}
	for (unsigned int i = 0; cmd && i < cmd->nr2t; i++) {
		if (cmd->r2t[i].ttag == ttag) {
			r = &cmd->r2t[i];
		}
	}
	if (!iop_conf_expect(k->v, r != NULL, "TCP-033", pos,
			     "CCCID/TTAG of an outstanding R2T|CCCID %u TTAG %u", cccid, ttag)) {
		return;
	}
	if (ddgst_bad) {
		cmd->ddgst_bad = true;
	}
	if (!iop_conf_expect(k->v, datao >= r->r2to && datao + (uint64_t)datal <= r->r2to + (uint64_t)r->r2tl,
			     "TCP-034", pos, "data in [%u, %u)|DATAO %u DATAL %u", r->r2to,
			     r->r2to + r->r2tl, datao, datal)) {
		return;
	}
	last = r->got + datal == r->r2tl;
	iop_conf_expect(k->v, datao == r->r2to + r->got && last == !!(h[1] & CW_F_LAST), "TCP-036",
			pos, "DATAO %u, LAST_PDU %s|DATAO %u, LAST_PDU %s", r->r2to + r->got,
			last ? "set" : "clear", datao, (h[1] & CW_F_LAST) ? "set" : "clear");
	r->got += datal;
	if (r->got >= r->r2tl) {
		*r = cmd->r2t[--cmd->nr2t];
	}
}

static void
ntc_check_c2h_data(struct ntc *k, struct ntc_conn *c, const struct iop_ntcp_pdu *p,
		   const struct iop_conf_pos *pos)
{
	const uint8_t *h = p->p, *data;
	uint16_t cccid = cw_le16(h + 8);
	uint32_t datao = cw_le32(h + 12), datal = cw_le32(h + 16);
	uint32_t have = ntc_data(p, &data);
	struct ntc_cmd *cmd = ntc_cmd_find(c, cccid);

	iop_conf_expect(k->v, h[2] == CW_DATA_HLEN, "TCP-053", pos, "HLEN 24|HLEN %u", h[2]);
	ntc_check_data_common(k, p, datal, pos);
	iop_conf_expect(k->v, !(h[1] & CW_F_SUCCESS) || (h[1] & CW_F_LAST), "TCP-040", pos,
			"SUCCESS only with LAST_PDU|FLAGS 0x%02x", h[1]);
	if (!iop_conf_expect(k->v, cmd && cmd->ddir == 2, "TCP-038", pos,
			     "CCCID of an outstanding controller-to-host command|CCCID %u%s", cccid,
			     cmd ? " (no C2H data)" : "")) {
		return;
	}
	iop_conf_expect(k->v, datal > 0 && datao == cmd->c2h_next &&
				      datao + (uint64_t)datal <= cmd->dlen, "TCP-039", pos,
			"DATAO %u, 0 < DATAL, end <= %u|DATAO %u DATAL %u", cmd->c2h_next, cmd->dlen,
			datao, datal);
	if (cmd->buf && data && datao < ID_LEN) {
		uint32_t n = IOP_MIN(IOP_MIN(have, datal), ID_LEN - datao);

		if ((uint64_t)(data - p->p) + n <= p->avail) {
			memcpy(cmd->buf + datao, data, n);
		}
	}
	if (datao == cmd->c2h_next) {
		cmd->c2h_next += datal;
	}
	if (h[1] & CW_F_SUCCESS) {
		ntc_complete(k, c, cmd, 0, 0, 0, pos);
	}
}

static void
ntc_check_r2t(struct ntc *k, struct ntc_conn *c, const struct iop_ntcp_pdu *p,
	      const struct iop_conf_pos *pos)
{
	const uint8_t *h = p->p;
	uint32_t hd = (h[1] & CW_F_HDGST) ? 4 : 0;
	uint16_t cccid = cw_le16(h + 8), ttag = cw_le16(h + 10);
	uint32_t r2to = cw_le32(h + 12), r2tl = cw_le32(h + 16);
	struct ntc_cmd *cmd = ntc_cmd_find(c, cccid);
	bool dup = false;

	iop_conf_expect(k->v, h[2] == 24 && h[3] == 0 && p->plen == 24 + hd, "TCP-054", pos,
			"HLEN 24 PDO 0 PLEN %u|HLEN %u PDO %u PLEN %u", 24 + hd, h[2], h[3], p->plen);
	if (!iop_conf_expect(k->v, cmd && cmd->ddir == 1 && r2tl > 0 &&
					   r2to + (uint64_t)r2tl <= cmd->dlen, "TCP-042", pos,
			     "R2T within an outstanding host-to-controller command|CCCID %u R2TO %u R2TL %u%s",
			     cccid, r2to, r2tl, cmd ? "" : " (no such command)")) {
		return;
	}
	for (size_t i = 0; i < c->ncmds; i++) {
		for (unsigned int j = 0; j < c->cmds[i].nr2t; j++) {
			dup |= c->cmds[i].r2t[j].ttag == ttag;
		}
	}
	iop_conf_expect(k->v, !dup, "TCP-044", pos, "unique TTAG|TTAG %u in use", ttag);
	iop_conf_expect(k->v, cmd->nr2t + 1 <= c->maxr2t + 1ull, "TCP-043", pos,
			"<= %u outstanding R2Ts|%u", c->maxr2t + 1, cmd->nr2t + 1);
	if (cmd->nr2t < NTC_MAX_R2T) {
		cmd->r2t[cmd->nr2t++] = (struct ntc_r2t){ttag, r2to, r2tl, 0};
	}
}

/* Checks every PDU gets, whatever its type. \return false when the PDU cannot be parsed. */
static bool
ntc_check_header(struct ntc *k, struct ntc_conn *c, const struct iop_ntcp_pdu *p,
		 const struct iop_conf_pos *pos, bool *ddgst_bad)
{
	const uint8_t *h = p->p;
	uint8_t type = h[0], flags = h[1], hlen = h[2], pdo = h[3];
	unsigned int want = ntc_hlen(type);
	uint32_t hd = (flags & CW_F_HDGST) ? 4 : 0;
	bool ic = type == CW_ICREQ || type == CW_ICRESP, term = type == CW_H2C_TERM ||
							     type == CW_C2H_TERM;
	const uint8_t *data;
	uint32_t dlen;

	if (!iop_conf_expect(k->v, want && ntc_type_dir_ok(type, p->dir), "TCP-013", pos,
			     "a %s PDU type|type 0x%02x", p->dir ? "C2H" : "H2C", type)) {
		return false;
	}
	if (!iop_conf_expect(k->v, hlen == want, "TCP-014", pos, "HLEN %u|HLEN %u", want, hlen)) {
		return false;
	}
	if (!iop_conf_expect(k->v, p->plen >= hlen + hd, "TCP-015", pos, "PLEN >= %u|PLEN %u",
			     hlen + hd, p->plen)) {
		return false;
	}
	iop_conf_expect(k->v, !(flags & ~ntc_allowed_flags(type) & ~(CW_F_HDGST | CW_F_DDGST)),
			"TCP-047", pos, "no undefined FLAGS bits|FLAGS 0x%02x", flags);
	if (ic || term) {
		iop_conf_expect(k->v, !(flags & (CW_F_HDGST | CW_F_DDGST)), "TCP-048", pos,
				"no HDGSTF/DDGSTF|FLAGS 0x%02x", flags);
		return p->avail >= hlen;
	}
	if (p->avail < hlen + hd) {
		return false;
	}
	/* PDO: 0 without data, else past the header (and its digest). */
	if (p->plen > hlen + hd) {
		iop_conf_expect(k->v, pdo >= hlen + hd && pdo <= p->plen, "TCP-016", pos,
				"PDO in [%u, PLEN]|PDO %u", hlen + hd, pdo);
	} else {
		iop_conf_expect(k->v, pdo == 0, "TCP-016", pos, "PDO 0 (no data)|PDO %u", pdo);
	}
	dlen = ntc_data(p, &data);
	if (dlen) {
		unsigned int align = ((p->dir == IOP_NTCP_H2C ? c->cpda : c->hpda) + 1u) * 4u;

		iop_conf_expect(k->v, pdo % align == 0, "TCP-017", pos,
				"PDO multiple of %u|PDO %u", align, pdo);
	}
	if (flags & CW_F_DDGST) {
		iop_conf_expect(k->v, dlen > 0, "TCP-052", pos, "DDGSTF only with data|no data");
	}
	if (c->icresp) {
		iop_conf_expect(k->v, !!hd == !!(c->dgst & 1), "TCP-018", pos, "HDGSTF %s|HDGSTF %s",
				(c->dgst & 1) ? "set" : "clear", hd ? "set" : "clear");
		if (dlen) {
			iop_conf_expect(k->v, !!(flags & CW_F_DDGST) == !!(c->dgst & 2), "TCP-019", pos,
					"DDGSTF %s|DDGSTF %s", (c->dgst & 2) ? "set" : "clear",
					(flags & CW_F_DDGST) ? "set" : "clear");
		}
	}
	if (hd) {
		uint32_t want_crc = iop_conf_crc32c(h, hlen), got = cw_le32(h + hlen);

		if (iop_conf_expect(k->v, want_crc == got, "TCP-020", pos, "HDGST 0x%08x|HDGST 0x%08x",
				    want_crc, got)) {
			c->hdgst_bad[p->dir] = false;
		} else {
			c->hdgst_bad[p->dir] = true;
			c->hdgst_bad_pos[p->dir] = *pos;
			iop_conf_event(k->v, pos, "bad header digest on %s", iop_conf_pdu_name(type));
			return false; /* the receiver must not trust this header */
		}
	}
	if ((flags & CW_F_DDGST) && dlen && p->avail == p->plen) {
		uint32_t want_crc = iop_conf_crc32c(data, dlen), got = cw_le32(h + p->plen - 4);

		if (!iop_conf_expect(k->v, want_crc == got, "TCP-021", pos,
				     "DDGST 0x%08x|DDGST 0x%08x", want_crc, got)) {
			*ddgst_bad = true;
			iop_conf_event(k->v, pos, "bad data digest on %s", iop_conf_pdu_name(type));
		}
	}
	return true;
}

static void
ntc_pdu(struct ntc *k, const struct iop_ntcp_pdu *p)
{
	struct ntc_conn *c = &k->conns[p->conn];
	struct iop_conf_pos pos;
	uint8_t type;
	bool first, ddgst_bad = false;

	ntc_pos(p, &pos);
	k->v->units++;
	if (p->framing_error) {
		iop_conf_fail(k->v, "TCP-015", &pos, "8 <= PLEN|PLEN %u, stream lost",
			      p->avail >= 8 ? cw_le32(p->p + 4) : 0);
		return;
	}
	type = p->p[0];
	if (c->term[p->dir]) {
		if (!c->after_term_reported[p->dir]) {
			c->after_term_reported[p->dir] = true;
			iop_conf_fail(k->v, "TCP-026", &pos, "no PDU after TermReq|%s",
				      iop_conf_pdu_name(type));
		}
		return;
	}
	first = !c->any[p->dir];
	c->any[p->dir] = true;
	if (p->dir == IOP_NTCP_H2C && first) {
		iop_conf_expect(k->v, type == CW_ICREQ, "TCP-001", &pos, "ICReq first|%s",
				iop_conf_pdu_name(type));
	}
	if (p->dir == IOP_NTCP_C2H && first) {
		iop_conf_expect(k->v, (type == CW_ICRESP && c->icreq) || type == CW_C2H_TERM,
				"TCP-002", &pos, "ICResp first, after ICReq|%s%s", iop_conf_pdu_name(type),
				c->icreq ? "" : " before any ICReq");
	}
	if (p->dir == IOP_NTCP_H2C && !c->icresp && type != CW_ICREQ && type != CW_H2C_TERM) {
		iop_conf_fail(k->v, "TCP-046", &pos, "no %s before ICResp|sent",
			      iop_conf_pdu_name(type));
	} else if (p->dir == IOP_NTCP_H2C && type != CW_ICREQ && type != CW_H2C_TERM) {
		iop_conf_pass(k->v, "TCP-046");
	}
	if (!ntc_check_header(k, c, p, &pos, &ddgst_bad)) {
		return;
	}
	switch (type) {
	case CW_ICREQ:
		if (!iop_conf_expect(k->v, !c->icreq, "TCP-012", &pos, "one ICReq|second ICReq")) {
			return;
		}
		c->icreq = true;
		ntc_check_icreq(k, c, p, &pos);
		break;
	case CW_ICRESP:
		iop_conf_expect(k->v, c->icreq, "TCP-055", &pos, "ICResp after ICReq|no ICReq");
		if (!iop_conf_expect(k->v, !c->icresp, "TCP-012", &pos, "one ICResp|second ICResp")) {
			return;
		}
		c->icresp = true;
		ntc_check_icresp(k, c, p, &pos);
		break;
	case CW_H2C_TERM:
	case CW_C2H_TERM:
		ntc_check_term(k, c, p, &pos);
		break;
	case CW_CMD:
		ntc_check_cmd(k, c, p, &pos);
		break;
	case CW_RESP:
		ntc_check_resp(k, c, p, &pos);
		break;
	case CW_H2C_DATA:
		ntc_check_h2c_data(k, c, p, &pos, ddgst_bad);
		break;
	case CW_C2H_DATA:
		ntc_check_c2h_data(k, c, p, &pos);
		break;
	case CW_R2T:
		ntc_check_r2t(k, c, p, &pos);
		break;
	}
}

static void
ntc_finish(struct ntc *k)
{
	for (size_t i = 0; i < k->s->nconns; i++) {
		struct ntc_conn *c = &k->conns[i];
		const struct iop_tcp_conn *tc = k->s->conns[i].tcp;
		int host = k->s->conns[i].host_side;

		for (int d = 0; d < 2; d++) {
			/* A receiver that saw a bad header digest must answer with a TermReq. */
			if (c->hdgst_bad[d] && !c->term[!d]) {
				iop_conf_fail(k->v, "TCP-022", &c->hdgst_bad_pos[d],
					      "TermReq FES 03h from the %s|none before the capture ends",
					      d ? "host" : "controller");
			}
		}
		/*
		 * Commands left without completion on a connection closed in order (FIN, no TermReq).
		 * Asynchronous Event Requests complete only when an event occurs: exempt.
		 */
		for (size_t j = 0; !c->term[0] && !c->term[1] && tc->dir[!host].fin_frame &&
				   j < c->ncmds; j++) {
			struct iop_conf_pos pos = {.frame = tc->dir[!host].fin_frame, .offset = -1,
						   .conn = (int)i, .dir = "c2h", .seq = -1,
						   .what = "FIN"};

			if (c->qid == 0 && !c->cmds[j].fabrics && c->cmds[j].opc == ADMIN_AER) {
				continue;
			}
			iop_conf_fail(k->v, "FAB-026", &pos,
				      "a completion for CID %u (opcode %02xh)|none before close",
				      c->cmds[j].cid, c->cmds[j].opc);
			break;
		}
		while (c->ncmds) {
			ntc_cmd_del(c, &c->cmds[0]);
		}
		free(c->cmds);
	}
}

int
iop_conf_check_nvme_tcp(const struct iop_ntcp_session *s, struct iop_conf_verdicts *v)
{
	struct ntc *k = calloc(1, sizeof(*k));

	if (!k) {
		return -ENOMEM;
	}
	k->s = s;
	k->v = v;
	k->conns = calloc(s->nconns ? s->nconns : 1, sizeof(*k->conns));
	if (!k->conns) {
		free(k);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->npdus; i++) {
		ntc_pdu(k, &s->pdus[i]);
	}
	ntc_finish(k);
	free(k->conns);
	free(k);
	return 0;
}

void
iop_conf_nvme_tcp_pdu_table(const struct iop_ntcp_session *s, FILE *f)
{
	size_t i = 0;

	while (i < s->npdus) {
		uint32_t frame = s->pdus[i].frame_last;
		char types[128] = "", hd[64] = "", dd[64] = "";
		size_t tl = 0, hl = 0, dl = 0;

		for (; i < s->npdus && s->pdus[i].frame_last == frame; i++) {
			const struct iop_ntcp_pdu *p = &s->pdus[i];
			const uint8_t *data;
			uint32_t dlen;

			if (p->framing_error || p->avail < 8) {
				continue;
			}
			tl += (size_t)snprintf(types + tl, sizeof(types) - IOP_MIN(tl, sizeof(types)),
					       "%s%u", tl ? "," : "", p->p[0]);
			if ((p->p[1] & CW_F_HDGST) && p->avail >= p->p[2] + 4u && ntc_hlen(p->p[0]) &&
			    p->p[0] != CW_ICREQ && p->p[0] != CW_ICRESP) {
				bool ok = iop_conf_crc32c(p->p, p->p[2]) == cw_le32(p->p + p->p[2]);

				hl += (size_t)snprintf(hd + hl, sizeof(hd) - IOP_MIN(hl, sizeof(hd)),
						       "%s%d", hl ? "," : "", ok);
				if (!ok) {
					continue; /* header not trusted: no data digest verdict */
				}
			}
			dlen = ntc_data(p, &data);
			if ((p->p[1] & CW_F_DDGST) && dlen && p->avail == p->plen) {
				bool ok = iop_conf_crc32c(data, dlen) == cw_le32(p->p + p->plen - 4);

				dl += (size_t)snprintf(dd + dl, sizeof(dd) - IOP_MIN(dl, sizeof(dd)),
						       "%s%d", dl ? "," : "", ok);
			}
		}
		fprintf(f, "%u\t%s\t%s\t%s\n", frame, types, hd, dd);
	}
}
