/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: crafted NVMe/TCP sessions, one bad field per rule, each must fail exactly that rule;
 * the good session passes under every TCP segmentation (split, coalesced, out of order, resent). */
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "conformance/check/nvme_tcp_check.h"
#include "conformance/nvme_wire_internal.h"
#include "conformance/rules/rules.h"
#include "conformance/trace/nvme_tcp_pdu.h"
#include "conformance/trace/pcap_tcp.h"
#include "iopath/util.h"
#include "tests/common/ut.h"

/* How the byte streams are cut into TCP segments. */
enum seg_mode { SEG_PDU, SEG_TINY, SEG_COALESCE, SEG_REORDER };

/* Knobs of the crafted session; zero = the correct value. */
struct knobs {
	const char *name;
	const char *rule;          /* the rule that must fail (NULL: none may fail) */
	int first_not_icreq, icreq_pfv, icreq_hpda, icresp_maxh2c, icresp_dgst_extra, second_icreq;
	int bad_hdgst, bad_ddgst, connect_recfmt, connect_sqsize0, subnqn_bad, psdt, sgl_incap_id;
	int h2c_datao_off, h2c_no_last, r2t_len0, c2h_datao_off, success_no_last, resp_bad_cid;
	int reuse_cid, unknown_type, cmd_hlen, term_fes, pdu_after_term, cmd_before_icresp;
	int flags_reserved, resp_pdo, ident_cntlid, ident_ioccsz0, ident_subnqn, h2c_no_r2t;
	int hdgst_no_term, icresp_before_icreq, dgst_flag_missing, r2t_dup_ttag, c2h_beyond;
	int fab_bad_fctype, prop_size, cap_mqes0, connect_data_len, connect_cntlid_bad;
	int aer, discovery;        /* legitimate behaviour that must not be flagged */
};

struct capture {
	pcap_t *dead;
	pcap_dumper_t *d;
	unsigned int frame;
};

struct sess {
	struct capture *cap;
	uint32_t seq[2];
	uint16_t port;
	enum seg_mode mode;
	uint8_t pend[2][65536];
	size_t npend[2];
	uint8_t dgst;              /* negotiated digests (bit0 header, bit1 data) */
	const struct knobs *k;
};

/* Link layer of the crafted capture: Ethernet/IPv4 (default), Linux cooked/IPv4, loopback/IPv6. */
static int g_link = DLT_EN10MB;

static void
sess_frame(struct sess *s, int dir, uint8_t flags, const uint8_t *data, size_t len, uint32_t seq)
{
	uint8_t pkt[16 + 40 + 20 + 70000];
	struct pcap_pkthdr h = {0};
	size_t l2 = g_link == DLT_EN10MB ? 14 : g_link == DLT_LINUX_SLL ? 16 : 4;
	bool v6 = g_link == DLT_NULL;
	uint8_t *ip = pkt + l2, *tcp = ip + (v6 ? 40 : 20);
	uint16_t sport = dir ? 4420 : s->port, dport = dir ? s->port : 4420;

	memset(pkt, 0, l2 + 60);
	if (g_link == DLT_EN10MB) {
		pkt[12] = 0x08;
	} else if (g_link == DLT_LINUX_SLL) {
		pkt[14] = 0x08;
	} else {
		uint32_t fam = 10; /* AF_INET6 on Linux, host byte order */

		memcpy(pkt, &fam, 4);
	}
	if (v6) {
		ip[0] = 0x60;
		ip[4] = (uint8_t)((20 + len) >> 8);
		ip[5] = (uint8_t)(20 + len);
		ip[6] = 6;
		ip[7] = 64;
		ip[23] = ip[39] = 1; /* ::1 */
	} else {
		ip[0] = 0x45;
		ip[2] = (uint8_t)((40 + len) >> 8);
		ip[3] = (uint8_t)(40 + len);
		ip[6] = 0x40;
		ip[8] = 64;
		ip[9] = 6;
		ip[12] = ip[16] = 127;
		ip[15] = ip[19] = 1;
	}
	tcp[0] = (uint8_t)(sport >> 8);
	tcp[1] = (uint8_t)sport;
	tcp[2] = (uint8_t)(dport >> 8);
	tcp[3] = (uint8_t)dport;
	tcp[4] = (uint8_t)(seq >> 24);
	tcp[5] = (uint8_t)(seq >> 16);
	tcp[6] = (uint8_t)(seq >> 8);
	tcp[7] = (uint8_t)seq;
	tcp[12] = 0x50;
	tcp[13] = flags;
	if (len) {
		memcpy(tcp + 20, data, len);
	}
	h.caplen = h.len = (uint32_t)((size_t)(tcp - pkt) + 20 + len);
	h.ts.tv_usec = (int)++s->cap->frame;
	pcap_dump((u_char *)s->cap->d, &h, pkt);
}

static void
sess_segment(struct sess *s, int dir, const uint8_t *b, size_t len)
{
	size_t off = 0;

	if (s->mode == SEG_REORDER && len >= 8) {
		/* second half first, then the first half, then the first half again (retransmit) */
		size_t h = len / 2;

		sess_frame(s, dir, 0x18, b + h, len - h, s->seq[dir] + (uint32_t)h);
		sess_frame(s, dir, 0x18, b, h, s->seq[dir]);
		sess_frame(s, dir, 0x18, b, h, s->seq[dir]);
		s->seq[dir] += (uint32_t)len;
		return;
	}
	while (off < len) {
		size_t n = s->mode == SEG_TINY ? 1 + (off % 7) : IOP_MIN(len - off, 60000);

		n = IOP_MIN(n, len - off);
		sess_frame(s, dir, 0x18, b + off, n, s->seq[dir]);
		s->seq[dir] += (uint32_t)n;
		off += n;
	}
}

static void
sess_flush(struct sess *s, int dir)
{
	if (s->npend[dir]) {
		sess_segment(s, dir, s->pend[dir], s->npend[dir]);
		s->npend[dir] = 0;
	}
}

/* Queue one PDU; in SEG_COALESCE mode PDUs of one direction are sent together on a turn change. */
static void
sess_pdu(struct sess *s, int dir, const uint8_t *b, size_t len)
{
	if (s->mode == SEG_COALESCE) {
		sess_flush(s, !dir);
		memcpy(s->pend[dir] + s->npend[dir], b, len);
		s->npend[dir] += len;
		return;
	}
	sess_segment(s, dir, b, len);
}

static void
sess_open(struct sess *s, struct capture *cap, uint16_t port, enum seg_mode mode,
	  const struct knobs *k)
{
	memset(s, 0, sizeof(*s));
	s->cap = cap;
	s->port = port;
	s->mode = mode;
	s->k = k;
	s->seq[0] = 0xfffffff0u; /* exercise 32-bit wraparound */
	s->seq[1] = 1000;
	sess_frame(s, 0, 0x02, NULL, 0, s->seq[0]++);
	sess_frame(s, 1, 0x12, NULL, 0, s->seq[1]++);
}

static void
sess_close(struct sess *s)
{
	sess_flush(s, 0);
	sess_flush(s, 1);
	sess_frame(s, 0, 0x11, NULL, 0, s->seq[0]);
	sess_frame(s, 1, 0x11, NULL, 0, s->seq[1]);
}

/* Build a PDU: header (hlen bytes in h), optional data; applies the session digests. */
static void
pdu_send(struct sess *s, int dir, uint8_t *h, unsigned int hlen, const uint8_t *data,
	 uint32_t dlen, bool digests, bool corrupt_h, bool corrupt_d)
{
	uint8_t b[20000];
	uint32_t off, hd = 0, dd = 0;

	if (digests && (s->dgst & 1)) {
		h[1] |= CW_F_HDGST;
		hd = 4;
	}
	if (digests && (s->dgst & 2) && dlen) {
		h[1] |= CW_F_DDGST;
		dd = 4;
	}
	if (s->k->dgst_flag_missing && h[0] == CW_CMD) {
		h[1] &= (uint8_t)~CW_F_HDGST;
		hd = 0;
	}
	h[2] = (uint8_t)hlen;
	off = hlen + hd;
	if (dlen) {
		h[3] = (uint8_t)off;
	}
	cw_put32(h + 4, off + dlen + dd);
	memcpy(b, h, hlen);
	if (hd) {
		cw_put32(b + hlen, iop_conf_crc32c(h, hlen) ^ (corrupt_h ? 0xff : 0));
	}
	if (dlen) {
		memcpy(b + off, data, dlen);
	}
	if (dd) {
		cw_put32(b + off + dlen, iop_conf_crc32c(data, dlen) ^ (corrupt_d ? 0xff : 0));
	}
	sess_pdu(s, dir, b, off + dlen + dd);
}

static void
send_cmd(struct sess *s, uint8_t opc, uint16_t cid, uint32_t cdw10, uint32_t sgllen,
	 const uint8_t *icd, uint32_t icdlen, bool corrupt_h)
{
	uint8_t h[128] = {CW_CMD};
	uint8_t *sqe = h + 8;

	sqe[0] = opc;
	sqe[1] = (uint8_t)((s->k->psdt ? s->k->psdt : 1) << 6);
	cw_put16(sqe + 2, cid);
	cw_put32(sqe + 4, 1);
	cw_put32(sqe + 32, icdlen ? icdlen : sgllen);
	sqe[39] = icdlen ? (uint8_t)(s->k->sgl_incap_id ? s->k->sgl_incap_id : SGL_ID_DATA_OFFSET)
			 : SGL_ID_TRANSPORT;
	cw_put32(sqe + 40, cdw10);
	pdu_send(s, 0, h, s->k->cmd_hlen ? (unsigned int)s->k->cmd_hlen : CW_CMD_HLEN, icd, icdlen,
		 true, corrupt_h, false);
}

static void
send_resp(struct sess *s, uint16_t cid, uint16_t sqid, uint16_t status, uint32_t dw0, uint32_t dw1)
{
	uint8_t h[24] = {CW_RESP};

	cw_put32(h + 8, dw0);
	cw_put32(h + 12, dw1);
	cw_put16(h + 18, sqid);
	cw_put16(h + 20, cid);
	cw_put16(h + 22, status);
	if (s->k->resp_pdo) {
		h[3] = 24;
	}
	pdu_send(s, 1, h, 24, NULL, 0, true, false, false);
}

static void
send_data(struct sess *s, int dir, uint16_t cccid, uint16_t ttag, uint32_t datao,
	  const uint8_t *d, uint32_t len, uint8_t flags, bool corrupt_d)
{
	uint8_t h[24] = {(uint8_t)(dir ? CW_C2H_DATA : CW_H2C_DATA), flags};

	cw_put16(h + 8, cccid);
	cw_put16(h + 10, ttag);
	cw_put32(h + 12, datao);
	cw_put32(h + 16, len);
	pdu_send(s, dir, h, 24, d, len, true, false, corrupt_d);
}

static void
send_r2t(struct sess *s, uint16_t cccid, uint16_t ttag, uint32_t r2to, uint32_t r2tl)
{
	uint8_t h[24] = {CW_R2T};

	cw_put16(h + 8, cccid);
	cw_put16(h + 10, ttag);
	cw_put32(h + 12, r2to);
	cw_put32(h + 16, r2tl);
	pdu_send(s, 1, h, 24, NULL, 0, true, false, false);
}

static void
send_connect(struct sess *s, uint16_t cid, uint16_t qid, uint16_t cntlid, const char *subnqn)
{
	uint8_t data[1024] = {0};
	const struct knobs *k = s->k;

	cw_put16(data + CONNECT_DATA_CNTLID, cntlid);
	snprintf((char *)data + CONNECT_DATA_SUBNQN, 256, "%s", subnqn);
	snprintf((char *)data + CONNECT_DATA_HOSTNQN, 256, "nqn.2014-08.org.nvmexpress:uuid:1");
	{
		uint8_t h[128] = {CW_CMD};
		uint8_t *sqe = h + 8;

		sqe[0] = NVMF_OPC;
		sqe[1] = 1 << 6;
		cw_put16(sqe + 2, cid);
		sqe[4] = (uint8_t)(k->fab_bad_fctype ? 0x42 : FCT_CONNECT);
		cw_put32(sqe + 32, k->connect_data_len ? 512 : 1024);
		sqe[39] = (uint8_t)(k->sgl_incap_id ? k->sgl_incap_id : SGL_ID_DATA_OFFSET);
		cw_put16(sqe + 40, (uint16_t)k->connect_recfmt);
		cw_put16(sqe + 42, qid);
		cw_put16(sqe + 44, k->connect_sqsize0 ? 0 : 127);
		pdu_send(s, 0, h, CW_CMD_HLEN, data, k->connect_data_len ? 512 : 1024, true, false,
			 false);
	}
}

static const char *const g_subnqn = "nqn.2024-01.io.iopath:ut";

static void
build_admin(struct capture *cap, enum seg_mode mode, const struct knobs *k)
{
	struct sess s;
	uint8_t ic[128] = {0}, id[4096] = {0};

	sess_open(&s, cap, 40000, mode, k);
	if (k->first_not_icreq) {
		send_cmd(&s, 0x06, 9, 1, 4096, NULL, 0, false);
	}
	if (k->icresp_before_icreq) {
		ic[0] = CW_ICRESP;
		cw_put32(ic + 12, 8192);
		pdu_send(&s, 1, ic, 128, NULL, 0, false, false, false);
		memset(ic, 0, sizeof(ic));
	}
	ic[0] = CW_ICREQ;
	cw_put16(ic + 8, (uint16_t)k->icreq_pfv);
	ic[10] = (uint8_t)k->icreq_hpda;
	ic[11] = 3;
	cw_put32(ic + 12, 3);
	pdu_send(&s, 0, ic, 128, NULL, 0, false, false, false);
	if (k->cmd_before_icresp) {
		send_cmd(&s, 0x06, 9, 1, 4096, NULL, 0, false);
	}
	if (k->second_icreq) {
		pdu_send(&s, 0, ic, 128, NULL, 0, false, false, false);
	}
	memset(ic, 0, sizeof(ic));
	ic[0] = CW_ICRESP;
	ic[11] = (uint8_t)(3 | k->icresp_dgst_extra);
	cw_put32(ic + 12, k->icresp_maxh2c ? 1000 : 8192);
	pdu_send(&s, 1, ic, 128, NULL, 0, false, false, false);
	s.dgst = 3;
	send_connect(&s, 1, 0, 0xffff, k->subnqn_bad ? "not-an-nqn" : k->discovery ? DISCOVERY_NQN
											  : g_subnqn);
	send_resp(&s, 1, 0, 0, 1, 0);
	{
		uint8_t h[128] = {CW_CMD};

		h[8] = NVMF_OPC;
		h[9] = 1 << 6;
		cw_put16(h + 10, 2);
		h[12] = FCT_PROP_GET;
		h[48] = (uint8_t)(k->prop_size ? 3 : 1);
		pdu_send(&s, 0, h, CW_CMD_HLEN, NULL, 0, true, false, false);
		send_resp(&s, 2, 0, 0, k->cap_mqes0 ? 0 : 127, 0);
	}
	cw_put16(id + IDC_CNTLID, (uint16_t)(k->ident_cntlid ? 7 : 1));
	snprintf((char *)id + IDC_SUBNQN, 256, "%s", k->ident_subnqn ? "nqn.other" :
						     k->discovery ? DISCOVERY_NQN : g_subnqn);
	/* a discovery controller has no I/O queues: IOCCSZ/IORCSZ stay 0 */
	cw_put32(id + IDC_IOCCSZ, k->ident_ioccsz0 || k->discovery ? 0 : 4);
	cw_put32(id + IDC_IORCSZ, k->discovery ? 0 : 1);
	if (k->aer) {
		send_cmd(&s, ADMIN_AER, 31, 0, 0, NULL, 0, false); /* never completes */
	}
	send_cmd(&s, 0x06, 3, 1, 4096, NULL, 0, k->bad_hdgst);
	if (k->bad_hdgst) {
		if (!k->hdgst_no_term) {
			uint8_t t[24] = {CW_C2H_TERM};

			cw_put16(t + 8, 3);
			pdu_send(&s, 1, t, 24, NULL, 0, false, false, false);
		}
		sess_close(&s);
		return;
	}
	if (k->reuse_cid) {
		send_cmd(&s, 0x06, 3, 1, 4096, NULL, 0, false);
	}
	send_data(&s, 1, 3, 0, (uint32_t)k->c2h_datao_off, id, 4096, CW_F_LAST, k->bad_ddgst);
	send_resp(&s, k->resp_bad_cid ? 77 : 3, 0, 0, 0, 0);
	if (k->flags_reserved) {
		send_resp(&s, 5, 0, 0, 0, 0); /* CID 5 never sent: also TCP-045, so use a fresh cmd */
	}
	if (k->unknown_type) {
		uint8_t h[24] = {0x0c};

		pdu_send(&s, 0, h, 24, NULL, 0, false, false, false);
	}
	if (k->term_fes) {
		uint8_t t[24] = {CW_H2C_TERM};

		cw_put16(t + 8, (uint16_t)k->term_fes);
		pdu_send(&s, 0, t, 24, NULL, 0, false, false, false);
		if (k->pdu_after_term) {
			send_cmd(&s, 0x06, 4, 1, 4096, NULL, 0, false);
		}
	}
	sess_close(&s);
}

static void
build_io(struct capture *cap, enum seg_mode mode, const struct knobs *k)
{
	struct sess s;
	uint8_t ic[128] = {0}, buf[8192];

	memset(buf, 0x5a, sizeof(buf));
	sess_open(&s, cap, 40001, mode, k);
	ic[0] = CW_ICREQ;
	ic[11] = 3;
	cw_put32(ic + 12, 3);
	pdu_send(&s, 0, ic, 128, NULL, 0, false, false, false);
	ic[0] = CW_ICRESP;
	cw_put32(ic + 12, 8192);
	pdu_send(&s, 1, ic, 128, NULL, 0, false, false, false);
	s.dgst = 3;
	send_connect(&s, 1, 1, (uint16_t)(k->connect_cntlid_bad ? 99 : 1), g_subnqn);
	send_resp(&s, 1, 1, 0, 1, 0);
	/* Write 8 KiB: two R2Ts of 4 KiB, each answered by one H2CData. */
	send_cmd(&s, 0x01, 10, 0, 8192, NULL, 0, false);
	send_r2t(&s, 10, 1, 0, k->r2t_len0 ? 0 : 4096);
	if (k->r2t_dup_ttag) {
		send_r2t(&s, 10, 1, 4096, 4096);
	}
	if (!k->h2c_no_r2t) {
		send_data(&s, 0, 10, 1, (uint32_t)k->h2c_datao_off, buf, 4096,
			  k->h2c_no_last ? 0 : CW_F_LAST, false);
	} else {
		send_data(&s, 0, 10, 9, 0, buf, 4096, CW_F_LAST, false);
	}
	if (!k->r2t_dup_ttag) {
		send_r2t(&s, 10, 2, 4096, 4096);
	}
	send_data(&s, 0, 10, k->r2t_dup_ttag ? 1 : 2, 4096, buf, 4096, CW_F_LAST, false);
	send_resp(&s, 10, 1, 0, 0, 0);
	/* Read 4 KiB completed by C2HData with SUCCESS. */
	send_cmd(&s, 0x02, 11, 0, 4096, NULL, 0, false);
	send_data(&s, 1, 11, 0, 0, buf, k->c2h_beyond ? 8192 : 4096,
		  k->success_no_last ? CW_F_SUCCESS : (CW_F_LAST | CW_F_SUCCESS), false);
	sess_close(&s);
}

static void
build(const char *path, enum seg_mode mode, const struct knobs *k)
{
	struct capture cap = {0};

	cap.dead = pcap_open_dead(g_link, 262144);
	cap.d = pcap_dump_open(cap.dead, path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cap.d);
	build_admin(&cap, mode, k);
	build_io(&cap, mode, k);
	pcap_dump_close(cap.d);
	pcap_close(cap.dead);
}

/* Build, decode and check; \return verdicts (caller finis) and the PDU count in *npdus. */
static void
run(const struct knobs *k, enum seg_mode mode, struct iop_conf_verdicts *v)
{
	char path[] = "/tmp/iop-ntcp-ut-XXXXXX";
	int fd = mkstemp(path);
	struct iop_tcp_trace t;
	struct iop_ntcp_session s;
	char err[128];

	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	build(path, mode, k);
	CU_ASSERT_EQUAL_FATAL(iop_pcap_tcp_load(path, &t, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(iop_ntcp_decode(&t, 0, &s), 0);
	CU_ASSERT_EQUAL_FATAL(iop_conf_init(v, path, "nvme-tcp", "TCP,FAB"), 0);
	CU_ASSERT_EQUAL(iop_conf_check_nvme_tcp(&s, v), 0);
	iop_ntcp_session_free(&s);
	iop_pcap_tcp_free(&t);
	unlink(path);
}

static void
print_failures(const struct iop_conf_verdicts *v, const char *name)
{
	for (size_t i = 0; i < v->nrules; i++) {
		if (v->st[i].fail) {
			printf("  [%s] %s failed: expected %s, got %s\n", name, iop_rule_at(i)->id,
			       v->st[i].fails[0].expected, v->st[i].fails[0].actual);
		}
	}
}

static void
test_good_every_segmentation(void)
{
	static const struct knobs good = {.name = "good"};
	struct iop_conf_verdicts ref, v;

	run(&good, SEG_PDU, &ref);
	print_failures(&ref, "good");
	CU_ASSERT_EQUAL(iop_conf_must_failures(&ref), 0);
	CU_ASSERT(ref.units >= 20);
	for (int m = SEG_TINY; m <= SEG_REORDER; m++) {
		run(&good, (enum seg_mode)m, &v);
		print_failures(&v, "good/segmented");
		CU_ASSERT_EQUAL(v.units, ref.units);
		for (size_t i = 0; i < v.nrules; i++) {
			CU_ASSERT_EQUAL(v.st[i].pass, ref.st[i].pass);
			CU_ASSERT_EQUAL(v.st[i].fail, ref.st[i].fail);
		}
		iop_conf_fini(&v);
	}
	iop_conf_fini(&ref);
}

/* One crafted fault per rule: that rule must fail (in every segmentation for a few of them). */
static const struct knobs g_bad[] = {
	{"first PDU not ICReq", "TCP-001", .first_not_icreq = 1},
	{"ICResp before ICReq", "TCP-002", .icresp_before_icreq = 1},
	{"ICReq PFV 1", "TCP-005", .icreq_pfv = 1},
	{"ICReq HPDA 32", "TCP-007", .icreq_hpda = 32},
	{"MAXH2CDATA 1000", "TCP-009", .icresp_maxh2c = 1},
	{"ICResp DGST reserved bit", "TCP-011", .icresp_dgst_extra = 4},
	{"second ICReq", "TCP-012", .second_icreq = 1},
	{"unknown PDU type", "TCP-013", .unknown_type = 1},
	{"CapsuleCmd HLEN 64", "TCP-014", .cmd_hlen = 64},
	{"HDGSTF missing after negotiation", "TCP-018", .dgst_flag_missing = 1},
	{"bad header digest", "TCP-020", .bad_hdgst = 1},
	{"bad data digest", "TCP-021", .bad_ddgst = 1},
	{"no TermReq after header digest error", "TCP-022", .bad_hdgst = 1, .hdgst_no_term = 1},
	{"TermReq FES 09h", "TCP-025", .term_fes = 9},
	{"PDU after TermReq", "TCP-026", .term_fes = 2, .pdu_after_term = 1},
	{"CapsuleResp PDO 24", "TCP-029", .resp_pdo = 1},
	{"in-capsule SGL ID 5Ah", "TCP-031", .sgl_incap_id = 0x5a},
	{"H2CData without R2T", "TCP-033", .h2c_no_r2t = 1},
	{"H2CData outside R2T", "TCP-034", .h2c_datao_off = 512},
	{"H2CData LAST_PDU clear", "TCP-036", .h2c_no_last = 1},
	{"C2HData DATAO 512", "TCP-039", .c2h_datao_off = 512},
	{"C2HData beyond command length", "TCP-039", .c2h_beyond = 1},
	{"SUCCESS without LAST_PDU", "TCP-040", .success_no_last = 1},
	{"R2T with R2TL 0", "TCP-042", .r2t_len0 = 1},
	{"R2T TTAG reused", "TCP-044", .r2t_dup_ttag = 1},
	{"CapsuleResp unknown CID", "TCP-045", .resp_bad_cid = 1},
	{"CapsuleCmd before ICResp", "TCP-046", .cmd_before_icresp = 1},
	{"CID reused while outstanding", "TCP-049", .reuse_cid = 1},
	{"Connect data 512 bytes", "FAB-002", .connect_data_len = 1},
	{"Connect RECFMT 1", "FAB-003", .connect_recfmt = 1},
	{"Connect SQSIZE 0", "FAB-008", .connect_sqsize0 = 1},
	{"FCTYPE 42h", "FAB-009", .fab_bad_fctype = 1},
	{"Property size 3", "FAB-010", .prop_size = 1},
	{"I/O Connect unknown CNTLID", "FAB-011", .connect_cntlid_bad = 1},
	{"PSDT 00b", "FAB-012", .psdt = 2},
	{"Identify SUBNQN differs", "FAB-017", .ident_subnqn = 1},
	{"Identify IOCCSZ 0", "FAB-018", .ident_ioccsz0 = 1},
	{"Identify CNTLID differs", "FAB-019", .ident_cntlid = 1},
	{"CAP.MQES 0", "FAB-022", .cap_mqes0 = 1},
	{"SUBNQN not an NQN", "FAB-025", .subnqn_bad = 1},
};

static void
test_one_fault_per_rule(void)
{
	for (size_t i = 0; i < IOP_ARRAY_SIZE(g_bad); i++) {
		const struct knobs *k = &g_bad[i];
		struct iop_conf_verdicts v;
		int idx = iop_rule_index(k->rule);

		CU_ASSERT_FATAL(idx >= 0);
		run(k, i % 4 == 0 ? SEG_TINY : SEG_PDU, &v);
		if (!v.st[idx].fail) {
			printf("  case '%s': %s did not fail\n", k->name, k->rule);
			print_failures(&v, k->name);
		}
		CU_ASSERT(v.st[idx].fail > 0);
		iop_conf_fini(&v);
	}
}

/* Same verdicts whatever the link layer and IP version of the capture. */
static void
test_link_layers(void)
{
	static const struct knobs good = {.name = "good"};
	static const int links[] = {DLT_LINUX_SLL, DLT_NULL};
	struct iop_conf_verdicts ref, v;

	g_link = DLT_EN10MB;
	run(&good, SEG_PDU, &ref);
	for (size_t i = 0; i < IOP_ARRAY_SIZE(links); i++) {
		g_link = links[i];
		run(&good, SEG_TINY, &v);
		CU_ASSERT_EQUAL(v.units, ref.units);
		for (size_t r = 0; r < v.nrules; r++) {
			CU_ASSERT_EQUAL(v.st[r].pass, ref.st[r].pass);
			CU_ASSERT_EQUAL(v.st[r].fail, ref.st[r].fail);
		}
		iop_conf_fini(&v);
	}
	g_link = DLT_EN10MB;
	iop_conf_fini(&ref);
}

/* Behaviour the spec allows must not be reported (found on real kernel traces). */
static void
test_no_false_positives(void)
{
	static const struct knobs ok[] = {
		{"AER outstanding at disconnect", NULL, .aer = 1},
		{"discovery controller IOCCSZ 0", NULL, .discovery = 1},
	};

	for (size_t i = 0; i < IOP_ARRAY_SIZE(ok); i++) {
		struct iop_conf_verdicts v;

		run(&ok[i], SEG_PDU, &v);
		print_failures(&v, ok[i].name);
		CU_ASSERT_EQUAL(iop_conf_must_failures(&v), 0);
		iop_conf_fini(&v);
	}
}

IOP_UT_MAIN("nvme_tcp_check", IOP_UT(test_good_every_segmentation), IOP_UT(test_one_fault_per_rule),
	    IOP_UT(test_no_false_positives), IOP_UT(test_link_layers))
