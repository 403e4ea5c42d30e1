/* SPDX-License-Identifier: BSD-3-Clause */
/* NVMe/TCP + NVMe-oF active probes: one bad PDU/command per rule, expected TermReq FES or status. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "conformance/nvme_wire_internal.h"
#include "conformance/probe/nvmf_tcp_client.h"
#include "conformance/probe/probe.h"
#include "iopath/util.h"

#define CC_OFST 0x14
#define CSTS_OFST 0x1c

struct tp_io {
	struct ntcli admin, io;
	uint16_t cntlid, mqes;
	uint32_t lba_size;
	uint64_t nsze;
	bool have_io;
};

static void
tp_posn(struct iop_conf_pos *pos, const char *what)
{
	iop_probe_pos(pos, what);
}

static int
tp_open(struct iop_probe_ctx *ctx, struct ntcli *c)
{
	return ntcli_open(c, ctx->uri.host, ctx->uri.port > 0 ? ctx->uri.port : 4420, ctx->timeout_ms);
}

/* Open, ICReq (dgst), admin Connect. \return 0 or negative errno, *cntlid set. */
static int
tp_admin(struct iop_probe_ctx *ctx, struct ntcli *c, uint8_t dgst, uint16_t *cntlid)
{
	struct ntcli_cpl cpl;
	int rc = tp_open(ctx, c);

	if (!rc) {
		rc = ntcli_icreq(c, 0, 0, dgst);
	}
	if (!rc) {
		rc = ntcli_connect(c, 0, 31, 0xffff, ctx->subnqn, ntcli_hostnqn(), 0, &cpl);
	}
	if (!rc && cpl.status) {
		rc = -EACCES;
	}
	if (!rc && cntlid) {
		*cntlid = (uint16_t)cpl.dw0;
	}
	return rc;
}

/* Enable the controller (CC.EN=1, wait for CSTS.RDY): admin commands other than Fabrics ones are
 * only allowed on an enabled controller. \return 0 or negative errno, *mqes set. */
static int
tp_enable(struct ntcli *c, uint16_t *mqes)
{
	struct ntcli_cpl cpl;
	int rc = ntcli_prop_get(c, 0, 8, &cpl);

	if (rc || cpl.status) {
		return rc ? rc : -EIO;
	}
	if (mqes) {
		*mqes = (uint16_t)cpl.dw0;
	}
	rc = ntcli_prop_set(c, CC_OFST, 4, 1u | 6u << 16 | 4u << 20, &cpl);
	if (rc || cpl.status) {
		return rc ? rc : -EIO;
	}
	for (int i = 0; i < 100; i++) {
		rc = ntcli_prop_get(c, CSTS_OFST, 4, &cpl);
		if (rc || cpl.status) {
			return rc ? rc : -EIO;
		}
		if (cpl.dw0 & 1) {
			return 0;
		}
		usleep(10000);
	}
	return -ETIMEDOUT;
}

/* A well-behaved client still gets served: ICReq, Connect, Property Get CAP. */
static void
tp_survived(struct iop_probe_ctx *ctx, const char *after)
{
	struct ntcli c;
	struct ntcli_cpl cpl;
	struct iop_conf_pos pos;
	char what[80];
	int rc = tp_admin(ctx, &c, 0, NULL);

	if (!rc) {
		rc = ntcli_prop_get(&c, 0, 8, &cpl);
		rc = rc ? rc : cpl.status ? -EIO : 0;
	}
	ntcli_close(&c);
	snprintf(what, sizeof(what), "good client after %s", after);
	tp_posn(&pos, what);
	if (iop_conf_expect(ctx->v, rc == 0, "TCP-051", &pos,
			    "ICReq/Connect/Property Get served|%s", strerror(-rc))) {
		ctx->nsurvived++;
	}
	ctx->nprobes++;
}

/*
 * Wait for the reaction to a fatal error: a C2HTermReq with FES fes (0 = any) and, when fei >= 0,
 * that FEI; then the connection must close (TCP-050).
 */
static void
tp_expect_term2(struct iop_probe_ctx *ctx, struct ntcli *c, const char *rule, uint16_t fes,
		uint16_t fes_alt, long fei, const char *what)
{
	struct iop_conf_pos pos;
	enum ntcli_event e = ntcli_recv(c);

	tp_posn(&pos, what);
	if (e != NTCLI_PDU || c->rx[0] != CW_C2H_TERM || c->rxlen < 24) {
		const char *got = e == NTCLI_EOF ? "connection closed without C2HTermReq" :
				  e == NTCLI_TIMEOUT ? "no reaction (timeout)" :
				  e == NTCLI_PDU ? iop_conf_pdu_name(c->rx[0]) : "socket error";

		iop_conf_fail(ctx->v, rule, &pos, "C2HTermReq FES %02xh|%s", fes, got);
		iop_conf_fail(ctx->v, "TCP-050", &pos, "C2HTermReq then close|%s", got);
		return;
	}
	{
		uint16_t got_fes = cw_le16(c->rx + 8);
		uint32_t got_fei = cw_le32(c->rx + 10);

		iop_conf_event(ctx->v, &pos, "%s: C2HTermReq FES %02xh FEI %u", what, got_fes, got_fei);
		iop_conf_expect(ctx->v, (!fes || got_fes == fes || (fes_alt && got_fes == fes_alt)) &&
					       (fei < 0 || got_fei == (uint32_t)fei),
				rule, &pos, "FES %02xh%s%s%ld|FES %02xh FEI %u", fes,
				fes_alt ? " (or the alternative)" : "", fei < 0 ? "" : " FEI ",
				fei < 0 ? 0 : fei, got_fes, got_fei);
	}
	e = ntcli_recv(c);
	iop_conf_expect(ctx->v, e == NTCLI_EOF, "TCP-050", &pos, "close after C2HTermReq|%s",
			e == NTCLI_TIMEOUT ? "still open" : e == NTCLI_PDU ? "more PDUs" : "error");
}

static void
tp_expect_term(struct iop_probe_ctx *ctx, struct ntcli *c, const char *rule, uint16_t fes,
	       long fei, const char *what)
{
	tp_expect_term2(ctx, c, rule, fes, 0, fei, what);
}

static void
tp_expect_status(struct iop_probe_ctx *ctx, int rc, const struct ntcli_cpl *cpl,
		 const char *rule, uint8_t sct, uint8_t sc, const char *what)
{
	struct iop_conf_pos pos;

	tp_posn(&pos, what);
	if (rc) {
		iop_conf_fail(ctx->v, rule, &pos, "completion SCT %xh SC %02xh|%s", sct, sc,
			      rc == -EPROTO ? "TermReq or unexpected PDU" : strerror(-rc));
		return;
	}
	iop_conf_event(ctx->v, &pos, "%s: SCT %xh SC %02xh DW0 0x%08x", what, NTCLI_SCT(cpl->status),
		       NTCLI_SC(cpl->status), cpl->dw0);
	iop_conf_expect(ctx->v, NTCLI_SCT(cpl->status) == sct && NTCLI_SC(cpl->status) == sc, rule, &pos,
			"SCT %xh SC %02xh|SCT %xh SC %02xh", sct, sc, NTCLI_SCT(cpl->status),
			NTCLI_SC(cpl->status));
}

/* ---- transport probes ---- */

static void
tp_icreq_field(struct iop_probe_ctx *ctx, const char *what, const char *rule, uint16_t pfv,
	       uint8_t hpda, uint8_t hlen, uint16_t fes, long fei)
{
	uint8_t h[CW_IC_LEN] = {CW_ICREQ};
	struct ntcli c;

	if (tp_open(ctx, &c)) {
		ntcli_close(&c);
		return;
	}
	h[2] = hlen;
	cw_put32(h + 4, CW_IC_LEN);
	cw_put16(h + 8, pfv);
	h[10] = hpda;
	ntcli_send(&c, h, CW_IC_LEN);
	tp_expect_term(ctx, &c, rule, fes, fei, what);
	ntcli_close(&c);
	tp_survived(ctx, what);
}

static void
tp_after_ic(struct iop_probe_ctx *ctx, const char *what, const char *rule, uint8_t dgst,
	    const uint8_t *raw, size_t rawlen, uint16_t fes, long fei)
{
	struct ntcli c;

	if (tp_open(ctx, &c) || ntcli_icreq(&c, 0, 0, dgst)) {
		struct iop_conf_pos pos;

		tp_posn(&pos, what);
		iop_conf_event(ctx->v, &pos, "%s: ICReq/ICResp exchange failed, probe skipped", what);
		ntcli_close(&c);
		return;
	}
	ntcli_send(&c, raw, rawlen);
	tp_expect_term(ctx, &c, rule, fes, fei, what);
	ntcli_close(&c);
	tp_survived(ctx, what);
}

static void
tp_transport(struct iop_probe_ctx *ctx)
{
	uint8_t b[256];

	tp_icreq_field(ctx, "ICReq PFV 1", "TCP-005", 1, 0, CW_IC_LEN, 0x06, 8);
	tp_icreq_field(ctx, "ICReq HPDA 32", "TCP-007", 0, 32, CW_IC_LEN, 0, -1);
	tp_icreq_field(ctx, "ICReq HLEN 127", "TCP-014", 0, 0, 127, 0x01, 2);
	tp_icreq_field(ctx, "ICReq HLEN 127 (ICReq layout)", "TCP-003", 0, 0, 127, 0x01, -1);

	/* CapsuleCmd (Identify) as the very first PDU. */
	{
		struct ntcli c;

		memset(b, 0, 72);
		b[0] = CW_CMD;
		b[2] = CW_CMD_HLEN;
		cw_put32(b + 4, CW_CMD_HLEN);
		b[8] = 0x06;
		b[9] = 1 << 6;
		if (!tp_open(ctx, &c)) {
			ntcli_send(&c, b, 72);
			tp_expect_term(ctx, &c, "TCP-046", 0x02, -1, "CapsuleCmd before ICReq");
			tp_survived(ctx, "CapsuleCmd before ICReq");
		}
		ntcli_close(&c);
		if (!tp_open(ctx, &c)) {
			ntcli_send(&c, b, 72);
			tp_expect_term(ctx, &c, "TCP-001", 0, -1, "first PDU not ICReq");
		}
		ntcli_close(&c);
	}
	/* Second ICReq. */
	memset(b, 0, CW_IC_LEN);
	b[0] = CW_ICREQ;
	b[2] = CW_IC_LEN;
	cw_put32(b + 4, CW_IC_LEN);
	tp_after_ic(ctx, "second ICReq", "TCP-012", 0, b, CW_IC_LEN, 0x02, -1);
	/* Unknown PDU type 0Ch. */
	memset(b, 0, 24);
	b[0] = 0x0c;
	b[2] = 24;
	cw_put32(b + 4, 24);
	tp_after_ic(ctx, "unknown PDU type 0Ch", "TCP-013", 0, b, 24, 0x01, 0);
	/* CapsuleCmd with HLEN 64 (PLEN 72). */
	memset(b, 0, 72);
	b[0] = CW_CMD;
	b[2] = 64;
	cw_put32(b + 4, 72);
	b[8] = 0x06;
	b[9] = 1 << 6;
	tp_after_ic(ctx, "CapsuleCmd HLEN 64", "TCP-014", 0, b, 72, 0x01, 2);
	/* CapsuleCmd with in-capsule data but PDO 8 (inside the header). */
	memset(b, 0, 136);
	b[0] = CW_CMD;
	b[2] = CW_CMD_HLEN;
	b[3] = 8;
	cw_put32(b + 4, 136);
	b[8] = NVMF_OPC;
	b[9] = 1 << 6;
	b[12] = FCT_CONNECT;
	tp_after_ic(ctx, "CapsuleCmd PDO 8", "TCP-016", 0, b, 136, 0x01, 3);
	/* Header digest error (header digests negotiated). */
	{
		struct ntcli c;
		uint8_t h[CW_CMD_HLEN] = {CW_CMD};

		if (!tp_open(ctx, &c) && !ntcli_icreq(&c, 0, 0, 1)) {
			if (c.dgst & 1) {
				h[8] = 0x06;
				h[9] = 1 << 6;
				ntcli_send_pdu(&c, h, CW_CMD_HLEN, NULL, 0, false, 1);
				tp_expect_term(ctx, &c, "TCP-022", 0x03, -1, "bad header digest");
				iop_conf_pass(ctx->v, "TCP-010");
				tp_survived(ctx, "bad header digest");
			} else {
				struct iop_conf_pos pos;

				tp_posn(&pos, "header digest");
				iop_conf_event(ctx->v, &pos, "target declined header digests: TCP-022 probe skipped");
			}
		}
		ntcli_close(&c);
	}
}

/* ---- fabrics probes ---- */

static void
tp_connect_case(struct iop_probe_ctx *ctx, const char *what, const char *rule, uint16_t qid,
		uint16_t sqsize, uint16_t cntlid, const char *subnqn, const char *hostnqn,
		uint16_t recfmt, uint8_t sc, uint8_t sc_alt, long dw0)
{
	struct ntcli c;
	struct ntcli_cpl cpl;
	struct iop_conf_pos pos;
	int rc;

	tp_posn(&pos, what);
	if (tp_open(ctx, &c) || ntcli_icreq(&c, 0, 0, 0)) {
		iop_conf_event(ctx->v, &pos, "%s: no ICResp, probe skipped", what);
		ntcli_close(&c);
		return;
	}
	rc = ntcli_connect(&c, qid, sqsize, cntlid, subnqn, hostnqn, recfmt, &cpl);
	ntcli_close(&c);
	if (rc) {
		iop_conf_fail(ctx->v, rule, &pos, "Connect failed with SC %02xh|%s", sc,
			      rc == -EPROTO ? "TermReq or unexpected PDU" : strerror(-rc));
	} else {
		bool sc_ok = NTCLI_SCT(cpl.status) == 1 &&
			     (NTCLI_SC(cpl.status) == sc || (sc_alt && NTCLI_SC(cpl.status) == sc_alt));

		iop_conf_event(ctx->v, &pos, "%s: SCT %xh SC %02xh DW0 0x%08x", what,
			       NTCLI_SCT(cpl.status), NTCLI_SC(cpl.status), cpl.dw0);
		iop_conf_expect(ctx->v, sc_ok && (dw0 < 0 || cpl.dw0 == (uint32_t)dw0), rule, &pos,
				"SCT 1h SC %02xh%s%s|SCT %xh SC %02xh DW0 0x%08x", sc,
				sc_alt ? " or alternative" : "", dw0 >= 0 ? " with IATTR/IPO" : "",
				NTCLI_SCT(cpl.status), NTCLI_SC(cpl.status), cpl.dw0);
	}
	tp_survived(ctx, what);
}

static void
tp_admin_cmd_case(struct iop_probe_ctx *ctx, const char *what, const char *rule, bool connect,
		  uint8_t opc, uint8_t flags, uint8_t sc)
{
	struct ntcli c;
	struct ntcli_cpl cpl;
	uint8_t sqe[64], buf[4096];
	int rc;

	if (connect ? (tp_admin(ctx, &c, 0, NULL) || tp_enable(&c, NULL))
		    : (tp_open(ctx, &c) || ntcli_icreq(&c, 0, 0, 0))) {
		struct iop_conf_pos pos;

		tp_posn(&pos, what);
		iop_conf_event(ctx->v, &pos, "%s: setup failed, probe skipped", what);
		ntcli_close(&c);
		return;
	}
	ntcli_sqe(sqe, opc, 0, 4096);
	sqe[40] = 1; /* Identify: CNS 01h */
	if (flags != 0xff) {
		sqe[SQE_FLAGS] = flags;
	}
	rc = ntcli_cmd(&c, sqe, NULL, 0, NULL, 0, buf, sizeof(buf), &cpl);
	ntcli_close(&c);
	tp_expect_status(ctx, rc, &cpl, rule, 0, sc, what);
	tp_survived(ctx, what);
}

static void
tp_fabrics(struct iop_probe_ctx *ctx)
{
	struct ntcli c;
	struct ntcli_cpl cpl;
	const char *h = ntcli_hostnqn();
	int rc;

	tp_connect_case(ctx, "Connect unknown SUBNQN", "FAB-005", 0, 31, 0xffff,
			"nqn.2024-01.io.iopath:no-such-subsystem", h, 0, SC_CONNECT_INVALID_PARAM, 0,
			(1 << 16) | CONNECT_DATA_SUBNQN);
	tp_connect_case(ctx, "Connect invalid HOSTNQN", "FAB-006", 0, 31, 0xffff, ctx->subnqn,
			"not an nqn", 0, SC_CONNECT_INVALID_PARAM, SC_CONNECT_INVALID_HOST, -1);
	tp_connect_case(ctx, "I/O Connect unknown CNTLID", "FAB-007", 1, 31, 0x7abc, ctx->subnqn, h, 0,
			SC_CONNECT_INVALID_PARAM, 0, -1);
	tp_connect_case(ctx, "Connect RECFMT 1", "FAB-003", 0, 31, 0xffff, ctx->subnqn, h, 1,
			SC_CONNECT_INCOMPAT, 0, -1);
	tp_connect_case(ctx, "admin Connect SQSIZE 0", "FAB-008", 0, 0, 0xffff, ctx->subnqn, h, 0,
			SC_CONNECT_INVALID_PARAM, 0, -1);
	tp_admin_cmd_case(ctx, "Identify before Connect", "FAB-001", false, 0x06, 0xff,
			  SC_CMD_SEQ_ERROR);
	tp_admin_cmd_case(ctx, "admin opcode 3Eh", "FAB-014", true, 0x3e, 0xff, SC_INVALID_OPCODE);
	tp_admin_cmd_case(ctx, "Identify with PSDT 00b", "FAB-028", true, 0x06, 0x00, SC_INVALID_FIELD);
	tp_admin_cmd_case(ctx, "fused Identify", "FAB-027", true, 0x06, (1 << 6) | 1, SC_INVALID_FIELD);
	if (!tp_admin(ctx, &c, 0, NULL)) {
		rc = ntcli_prop_get(&c, 0x800, 4, &cpl);
		tp_expect_status(ctx, rc, &cpl, "FAB-023", 0, SC_INVALID_FIELD,
				 "Property Get offset 800h");
		rc = ntcli_prop_get(&c, 0, 8, &cpl);
		if (!rc && !cpl.status) {
			struct iop_conf_pos pos;

			tp_posn(&pos, "Property Get CAP");
			iop_conf_expect(ctx->v, (cpl.dw0 & 0xffff) >= 1, "FAB-022", &pos,
					"MQES >= 1|MQES %u", cpl.dw0 & 0xffff);
		}
	}
	ntcli_close(&c);
	tp_survived(ctx, "Property Get offset 800h");
}

/* ---- I/O queue probes ---- */

static int
tp_io_setup_dgst(struct iop_probe_ctx *ctx, struct tp_io *io, uint8_t dgst)
{
	struct ntcli_cpl cpl;
	uint8_t sqe[64], id[4096];
	int rc;

	memset(io, 0, sizeof(*io));
	io->admin.fd = io->io.fd = -1;
	rc = tp_admin(ctx, &io->admin, 0, &io->cntlid);
	if (rc) {
		return rc;
	}
	rc = tp_enable(&io->admin, &io->mqes);
	if (rc) {
		return rc;
	}
	ntcli_sqe(sqe, 0x06, 1, 4096); /* Identify Namespace 1 */
	sqe[40] = 0;
	rc = ntcli_cmd(&io->admin, sqe, NULL, 0, NULL, 0, id, sizeof(id), &cpl);
	if (rc || cpl.status) {
		return rc ? rc : -EIO;
	}
	io->nsze = cw_le64(id);
	io->lba_size = 1u << id[128 + 4 * (id[26] & 0xf) + 2];
	if (io->lba_size < 512 || io->lba_size > 65536 || !io->nsze) {
		return -EPROTO;
	}
	rc = tp_open(ctx, &io->io);
	rc = rc ? rc : ntcli_icreq(&io->io, 0, 0, dgst);
	rc = rc ? rc : ntcli_connect(&io->io, 1, IOP_MIN(31, io->mqes), io->cntlid, ctx->subnqn,
				     ntcli_hostnqn(), 0, &cpl);
	if (rc || cpl.status) {
		return rc ? rc : -EIO;
	}
	io->have_io = true;
	return 0;
}

static int
tp_io_setup(struct iop_probe_ctx *ctx, struct tp_io *io)
{
	return tp_io_setup_dgst(ctx, io, 0);
}

static void
tp_io_close(struct tp_io *io)
{
	if (io->admin.rx) {
		ntcli_close(&io->admin);
	}
	if (io->io.rx) {
		ntcli_close(&io->io);
	}
}

static void
tp_io(struct iop_probe_ctx *ctx)
{
	struct tp_io io;
	struct ntcli_cpl cpl;
	struct iop_conf_pos pos;
	uint8_t sqe[64], *buf;
	int rc = tp_io_setup(ctx, &io);

	tp_posn(&pos, "I/O queue setup");
	if (rc) {
		iop_conf_event(ctx->v, &pos, "I/O queue setup failed (%s): I/O probes skipped",
			       strerror(-rc));
		tp_io_close(&io);
		return;
	}
	buf = calloc(1, 1u << 20);
	if (!buf) {
		tp_io_close(&io);
		return;
	}
	ntcli_sqe(sqe, 0x7e, 1, io.lba_size);
	rc = ntcli_cmd(&io.io, sqe, NULL, 0, NULL, 0, buf, io.lba_size, &cpl);
	tp_expect_status(ctx, rc, &cpl, "FAB-015", 0, SC_INVALID_OPCODE, "I/O opcode 7Eh");
	ntcli_sqe(sqe, 0x02, 0x1234, io.lba_size);
	rc = ntcli_cmd(&io.io, sqe, NULL, 0, NULL, 0, buf, io.lba_size, &cpl);
	tp_expect_status(ctx, rc, &cpl, "FAB-021", 0, SC_INVALID_NS, "Read NSID 1234h");
	ntcli_sqe(sqe, 0x02, 1, io.lba_size);
	cw_put64(sqe + 40, io.nsze);
	rc = ntcli_cmd(&io.io, sqe, NULL, 0, NULL, 0, buf, io.lba_size, &cpl);
	tp_expect_status(ctx, rc, &cpl, "FAB-020", 0, SC_LBA_RANGE, "Read LBA = NSZE");
	tp_io_close(&io);
	tp_survived(ctx, "I/O status probes");

	/* H2CData outside the R2T range, and H2CData longer than MAXH2CDATA. */
	for (int k = 0; k < 2; k++) {
		const char *what = k ? "H2CData DATAL > MAXH2CDATA" : "H2CData beyond R2T";
		uint32_t blocks;
		uint8_t h[CW_CMD_HLEN] = {CW_CMD};

		if (tp_io_setup(ctx, &io)) {
			tp_io_close(&io);
			break;
		}
		blocks = 1;
		if (k && (!io.io.maxh2cdata || io.io.maxh2cdata + 4u > (1u << 20))) {
			tp_io_close(&io);
			break;
		}
		ntcli_sqe(h + 8, 0x01, 1, blocks * io.lba_size);
		cw_put16(h + 8 + SQE_CID, 7);
		cw_put16(h + 8 + 48, (uint16_t)(blocks - 1));
		ntcli_send_pdu(&io.io, h, CW_CMD_HLEN, NULL, 0, false, 0);
		if (ntcli_recv(&io.io) == NTCLI_PDU && io.io.rx[0] == CW_R2T) {
			uint8_t d[24] = {CW_H2C_DATA, CW_F_LAST};
			uint32_t r2to = cw_le32(io.io.rx + 12), r2tl = cw_le32(io.io.rx + 16);
			/* k: one PDU longer than MAXH2CDATA (then also beyond R2TL: 04h accepted) */
			uint32_t len = k ? io.io.maxh2cdata + 4u : io.lba_size;

			cw_put16(d + 8, 7);
			cw_put16(d + 10, cw_le16(io.io.rx + 10));
			cw_put32(d + 12, k ? r2to : r2to + r2tl);
			cw_put32(d + 16, len);
			ntcli_send_pdu(&io.io, d, 24, buf, len, false, 0);
			tp_expect_term2(ctx, &io.io, k ? "TCP-035" : "TCP-034", k ? 0x05 : 0x04,
					k && r2tl <= io.io.maxh2cdata ? 0x04 : 0, -1, what);
		} else {
			tp_posn(&pos, what);
			iop_conf_event(ctx->v, &pos, "%s: no R2T for a write, probe skipped", what);
		}
		tp_io_close(&io);
		tp_survived(ctx, what);
	}
	/* H2CData with a wrong data digest: the write must not complete with success. */
	if (!tp_io_setup_dgst(ctx, &io, 2) && (io.io.dgst & 2)) {
		uint8_t h[CW_CMD_HLEN] = {CW_CMD};
		const char *what = "H2CData with a bad data digest";

		tp_posn(&pos, what);
		ntcli_sqe(h + 8, 0x01, 1, io.lba_size);
		cw_put16(h + 8 + SQE_CID, 8);
		ntcli_send_pdu(&io.io, h, CW_CMD_HLEN, NULL, 0, false, 0);
		if (ntcli_recv(&io.io) == NTCLI_PDU && io.io.rx[0] == CW_R2T) {
			uint8_t d[24] = {CW_H2C_DATA, CW_F_LAST};
			enum ntcli_event e;

			cw_put16(d + 8, 8);
			cw_put16(d + 10, cw_le16(io.io.rx + 10));
			cw_put32(d + 12, cw_le32(io.io.rx + 12));
			cw_put32(d + 16, io.lba_size);
			ntcli_send_pdu(&io.io, d, 24, buf, io.lba_size, false, 2);
			e = ntcli_recv(&io.io);
			if (e == NTCLI_PDU && io.io.rx[0] == CW_RESP) {
				uint16_t st = (uint16_t)(cw_le16(io.io.rx + 22) >> 1);

				iop_conf_event(ctx->v, &pos, "%s: completion SCT %xh SC %02xh", what,
					       NTCLI_SCT(st), NTCLI_SC(st));
				iop_conf_expect(ctx->v, st != 0, "TCP-023", &pos,
						"error status or TermReq|success");
			} else {
				iop_conf_event(ctx->v, &pos, "%s: %s", what,
					       e == NTCLI_PDU && io.io.rx[0] == CW_C2H_TERM ?
						       "C2HTermReq" : e == NTCLI_EOF ? "connection closed" :
						       "no reaction");
				iop_conf_expect(ctx->v, e == NTCLI_EOF ||
							      (e == NTCLI_PDU && io.io.rx[0] == CW_C2H_TERM),
						"TCP-023", &pos, "error status or TermReq|%s",
						e == NTCLI_TIMEOUT ? "no reaction" : "unexpected PDU");
			}
		} else {
			iop_conf_event(ctx->v, &pos, "%s: no R2T for a write, probe skipped", what);
		}
		tp_io_close(&io);
		tp_survived(ctx, what);
	} else {
		tp_io_close(&io);
	}
	/* I/O queue larger than CAP.MQES, and a QID beyond any queue the controller offers. */
	if (!tp_io_setup(ctx, &io) && io.mqes < 0xffff) {
		struct ntcli c;

		if (!tp_open(ctx, &c) && !ntcli_icreq(&c, 0, 0, 0)) {
			rc = ntcli_connect(&c, 0xfffe, 31, io.cntlid, ctx->subnqn, ntcli_hostnqn(), 0,
					   &cpl);
			tp_posn(&pos, "I/O Connect QID FFFEh");
			if (rc) {
				iop_conf_fail(ctx->v, "FAB-007", &pos, "SC 82h|%s", strerror(-rc));
			} else {
				iop_conf_event(ctx->v, &pos, "I/O Connect QID FFFEh: SCT %xh SC %02xh DW0 0x%08x",
					       NTCLI_SCT(cpl.status), NTCLI_SC(cpl.status), cpl.dw0);
				iop_conf_expect(ctx->v, NTCLI_SCT(cpl.status) == 1 &&
							      NTCLI_SC(cpl.status) == SC_CONNECT_INVALID_PARAM,
						"FAB-007", &pos, "SCT 1h SC 82h|SCT %xh SC %02xh",
						NTCLI_SCT(cpl.status), NTCLI_SC(cpl.status));
			}
		}
		ntcli_close(&c);
		if (!tp_open(ctx, &c) && !ntcli_icreq(&c, 0, 0, 0)) {
			rc = ntcli_connect(&c, 2, (uint16_t)(io.mqes + 1), io.cntlid, ctx->subnqn,
					   ntcli_hostnqn(), 0, &cpl);
			tp_posn(&pos, "I/O Connect SQSIZE MQES+1");
			if (rc) {
				iop_conf_fail(ctx->v, "FAB-024", &pos, "SC 82h|%s", strerror(-rc));
			} else {
				iop_conf_expect(ctx->v, NTCLI_SCT(cpl.status) == 1 &&
							      NTCLI_SC(cpl.status) == SC_CONNECT_INVALID_PARAM,
						"FAB-024", &pos, "SCT 1h SC 82h|SCT %xh SC %02xh",
						NTCLI_SCT(cpl.status), NTCLI_SC(cpl.status));
			}
		}
		ntcli_close(&c);
	}
	tp_io_close(&io);
	free(buf);
}

static int
tp_run(struct iop_probe_ctx *ctx)
{
	struct ntcli c;
	int rc = tp_admin(ctx, &c, 0, NULL);

	ntcli_close(&c);
	if (rc) {
		fprintf(stderr, "iopath conform probe: %s: a good client cannot connect (%s)\n",
			ctx->uri_str, strerror(-rc));
		return rc;
	}
	tp_transport(ctx);
	tp_fabrics(ctx);
	tp_io(ctx);
	return 0;
}

const struct iop_probe_suite iop_probe_nvmf_tcp = {
	.scheme = "nvmf-tcp",
	.kind = "nvme-tcp",
	.rules = "TCP,FAB",
	.run = tp_run,
};
