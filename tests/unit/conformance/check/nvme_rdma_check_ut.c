/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: crafted RoCEv2 captures of an NVMe/RDMA session, one bad field per rule, each must
 * fail exactly that rule; the good session (multi-packet WRITE, a retransmitted packet) passes. */
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "conformance/check/nvme_rdma_check.h"
#include "conformance/rules/rules.h"
#include "conformance/trace/roce.h"
#include "tests/common/ut.h"

/* Knobs of the crafted session; zero = the correct value. */
struct knobs {
	const char *name;
	const char *rule;        /* the rule that must fail (NULL: none may fail) */
	const char *also;        /* rules that may fail as a consequence (comma list) */
	int req_recfmt, req_hsq0, rep_crq_small, rej_sts, rej_wrong, capsule_short, capsule_big;
	int resp_len, sgl_bad, incap_off, read_out, write_key, write_late, inv_nosub, inv_missing;
	int over_queue, connect_qid, resp_cid, uc_send;
};

struct cap {
	pcap_t *dead;
	pcap_dumper_t *d;
	unsigned int frame;
	uint32_t psn[256];       /* next PSN per destination QP (requests) */
};

#define H_IP 0x0a000001u
#define T_IP 0x0a000002u
#define ADM_HQP 0x11
#define ADM_TQP 0x22
#define IO_HQP 0x12
#define IO_TQP 0x23

static void
put_be(uint8_t *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static void
put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

/* One RoCEv2 frame: Ethernet, IPv4, UDP 4791, BTH, ext header, payload, pad, ICRC. */
static void
frame(struct cap *c, uint32_t src, uint32_t dst, uint8_t op, uint32_t dqp, uint32_t psn,
      const uint8_t *ext, size_t extlen, const uint8_t *pay, size_t len)
{
	uint8_t f[9000] = {0};
	size_t pad = (4 - len % 4) % 4, udp = 8 + 12 + extlen + len + pad + 4, off = 0;
	struct pcap_pkthdr h = {0};

	memset(f, 0x02, 12);
	put_be(f + 12, 0x0800, 2);
	off = 14;
	f[off] = 0x45;
	put_be(f + off + 2, 20 + udp, 2);
	f[off + 8] = 64;
	f[off + 9] = 17;
	put_be(f + off + 12, src, 4);
	put_be(f + off + 16, dst, 4);
	off += 20;
	put_be(f + off, 49152, 2);
	put_be(f + off + 2, 4791, 2);
	put_be(f + off + 4, udp, 2);
	off += 8;
	f[off] = op;
	f[off + 1] = (uint8_t)(pad << 4);
	put_be(f + off + 2, 0xffff, 2);
	put_be(f + off + 5, dqp, 3);
	put_be(f + off + 9, psn & 0xffffff, 3);
	off += 12;
	if (extlen) {
		memcpy(f + off, ext, extlen);
	}
	off += extlen;
	if (len) {
		memcpy(f + off, pay, len);
	}
	off += len + pad + 4;
	h.caplen = h.len = (uint32_t)off;
	h.ts.tv_sec = 1;
	h.ts.tv_usec = ++c->frame;
	pcap_dump((u_char *)c->d, &h, f);
}

/* RC request to a QP (PSN from that QP's counter). */
static void
rc(struct cap *c, uint32_t src, uint32_t dst, uint8_t op, uint32_t dqp, const uint8_t *ext,
   size_t extlen, const uint8_t *pay, size_t len)
{
	frame(c, src, dst, op, dqp, c->psn[dqp & 0xff]++, ext, extlen, pay, len);
}

static void
cm(struct cap *c, uint32_t src, uint32_t dst, uint16_t attr, uint32_t local_id, uint32_t remote_id,
   uint32_t qpn, uint16_t reason, const uint8_t *pd, size_t pdlen)
{
	uint8_t mad[256] = {0}, deth[8] = {0};

	mad[0] = 1;
	mad[1] = 0x07;
	mad[2] = 2;
	mad[3] = 3;
	put_be(mad + 16, attr, 2);
	put_be(mad + 24, local_id, 4);
	put_be(mad + 28, remote_id, 4);
	if (attr == 0x10) {
		put_be(mad + 24 + 32, qpn, 3);
		memcpy(mad + 164 + 36, pd, pdlen);
	} else if (attr == 0x13) {
		put_be(mad + 24 + 12, qpn, 3);
		memcpy(mad + 60, pd, pdlen);
	} else {
		put_be(mad + 24 + 10, reason, 2);
		memcpy(mad + 108, pd, pdlen);
	}
	put_be(deth, 0x80010000u, 4);
	frame(c, src, dst, 0x64, 1, c->frame, deth, 8, mad, sizeof(mad));
}

static void
req(struct cap *c, uint32_t id, uint32_t qpn, uint16_t recfmt, uint16_t qid, uint16_t hrq,
    uint16_t hsq)
{
	uint8_t pd[32] = {0};

	put_le(pd, recfmt, 2);
	put_le(pd + 2, qid, 2);
	put_le(pd + 4, hrq, 2);
	put_le(pd + 6, hsq, 2);
	cm(c, H_IP, T_IP, 0x10, id, 0, qpn, 0, pd, sizeof(pd));
}

static void
rep(struct cap *c, uint32_t id, uint32_t qpn, uint16_t crq)
{
	uint8_t pd[32] = {0};

	put_le(pd + 2, crq, 2);
	cm(c, T_IP, H_IP, 0x13, 0x9000 + id, id, qpn, 0, pd, sizeof(pd));
}

/* Command capsule: SQE with a keyed SGL (sub 0/F) or in-capsule (offset) SGL, plus data. */
static void
capsule(struct cap *c, const struct knobs *k, uint32_t tqp, uint8_t opc, uint16_t cid,
	uint8_t b4, uint16_t b42, uint8_t b40, int sgl, uint64_t va, uint32_t len, uint32_t key,
	size_t incap)
{
	uint8_t q[8192] = {0};
	size_t n = 64 + incap;

	q[0] = opc;
	q[1] = 0x40;
	put_le(q + 2, cid, 2);
	q[4] = b4;
	q[40] = b40;
	put_le(q + 42, b42, 2);
	put_le(q + 24, va, 8);
	if (sgl == 1) {                 /* in-capsule, offset va */
		put_le(q + 32, len, 4);
		q[39] = 0x01;
	} else {                        /* keyed, sgl 0 or 0xf */
		put_le(q + 32, len, 3);
		put_le(q + 35, key, 4);
		q[39] = (uint8_t)(0x40 | sgl);
	}
	if (k->sgl_bad && opc == 0x02) {
		q[39] = 0x50;
	}
	if (k->capsule_short && opc == 0x02) {
		n = 40;
	}
	rc(c, H_IP, T_IP, k->uc_send && opc == 0x02 ? 0x24 : 0x04, tqp, NULL, 0, q, n);
}

static void
resp(struct cap *c, const struct knobs *k, uint32_t hqp, uint16_t cid, uint16_t sqid, bool inv,
     uint32_t key)
{
	uint8_t e[32] = {0}, ieth[4];

	put_le(e + 10, sqid, 2);
	put_le(e + 12, cid, 2);
	put_be(ieth, key, 4);
	if (inv) {
		rc(c, T_IP, H_IP, 0x17, hqp, ieth, 4, e, k->resp_len && cid == 4 ? 32 : 16);
	} else {
		rc(c, T_IP, H_IP, 0x04, hqp, NULL, 0, e, k->resp_len && cid == 4 ? 32 : 16);
	}
}

static void
reth(uint8_t *r, uint64_t va, uint32_t key, uint32_t len)
{
	put_be(r, va, 8);
	put_be(r + 8, key, 4);
	put_be(r + 12, len, 4);
}

static void
write_session(const char *path, const struct knobs *k)
{
	struct cap c = {0};
	uint8_t r[16], data[4096] = {0}, aeth[4] = {0};
	uint16_t io_hsq = 3;

	c.dead = pcap_open_dead(DLT_EN10MB, 65535);
	c.d = pcap_dump_open(c.dead, path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c.d);
	/* admin queue; the host QP's PSNs start near the 24-bit wrap */
	c.psn[ADM_HQP & 0xff] = 0xfffffc;
	req(&c, 0x100, ADM_HQP, (uint16_t)k->req_recfmt, 0, 32, k->req_hsq0 ? 0 : 31);
	rep(&c, 0x100, ADM_TQP, k->rep_crq_small ? 4 : 32);
	capsule(&c, k, ADM_TQP, 0x7f, 1, 0x01, 0, 0, 0, 0x1000, 1024, 0xa, 0);
	reth(r, k->read_out ? 0x1200 : 0x1000, 0xa, 1024);
	rc(&c, T_IP, H_IP, 0x0c, ADM_HQP, r, 16, NULL, 0);
	frame(&c, H_IP, T_IP, 0x10, ADM_TQP, c.psn[ADM_HQP & 0xff] - 1, aeth, 4, data, 1024);
	resp(&c, k, ADM_HQP, 1, 0, k->inv_nosub, 0xa);
	/* Identify Controller, 4 KiB by a 4-packet RDMA WRITE, IOCCSZ 260 at byte 1792 */
	capsule(&c, k, ADM_TQP, 0x06, 2, 0, 0, 0x01, 0xf, 0x10000, 4096, 0xb, 0);
	put_le(data + 1792, 260, 4);
	put_le(data + 1796, 1, 4);
	reth(r, 0x10000, 0xb, 4096);
	/* PSNs cross the 24-bit wrap; the second middle packet is captured before the first, and
	 * the first is retransmitted */
	CU_ASSERT_EQUAL(c.psn[ADM_HQP & 0xff], 0xfffffe);
	rc(&c, T_IP, H_IP, 0x06, ADM_HQP, r, 16, data, 1024);
	frame(&c, T_IP, H_IP, 0x07, ADM_HQP, 0x000000, NULL, 0, data + 2048, 1024);
	frame(&c, T_IP, H_IP, 0x07, ADM_HQP, 0xffffff, NULL, 0, data + 1024, 1024);
	frame(&c, T_IP, H_IP, 0x07, ADM_HQP, 0xffffff, NULL, 0, data + 1024, 1024);
	c.psn[ADM_HQP & 0xff] = 0x1000001;   /* masked to 1 */
	rc(&c, T_IP, H_IP, 0x08, ADM_HQP, NULL, 0, data + 3072, 1024);
	resp(&c, k, ADM_HQP, 2, 0, !k->inv_missing, 0xb);
	/* I/O queue 1 */
	req(&c, 0x200, IO_HQP, 0, 1, 4, io_hsq);
	if (k->rej_sts || k->rej_wrong) {
		uint8_t pd[32] = {0};

		put_le(pd + 2, k->rej_wrong ? 3 : 0x0a, 2);
		cm(&c, T_IP, H_IP, 0x12, 0x9200, 0x200, 0, 28, pd, sizeof(pd));
		pcap_dump_close(c.d);
		pcap_close(c.dead);
		return;
	}
	rep(&c, 0x200, IO_TQP, 4);
	capsule(&c, k, IO_TQP, 0x7f, 1, 0x01, k->connect_qid ? 2 : 1, 0, 1, 0, 1024, 0, 1024);
	resp(&c, k, IO_HQP, 1, 1, false, 0);
	if (k->over_queue) {
		for (uint16_t cid = 10; cid < 14; cid++) {
			capsule(&c, k, IO_TQP, 0x01, cid, 0, 0, 0, 1, 0, 512, 0, 512);
		}
	}
	capsule(&c, k, IO_TQP, 0x01, 3, 0, 0, 0, 1, k->incap_off ? 100 : 0,
		k->capsule_big ? 4200 : 512, 0, k->capsule_big ? 4200 : 512);
	resp(&c, k, IO_HQP, k->resp_cid ? 99 : 3, 1, false, 0);
	if (k->over_queue) {
		for (uint16_t cid = 10; cid < 14; cid++) {
			resp(&c, k, IO_HQP, cid, 1, false, 0);
		}
	}
	capsule(&c, k, IO_TQP, 0x02, 4, 0, 0, 0, 0, 0x20000, 512, 0xc, 0);
	reth(r, 0x20000, k->write_key ? 0xd : 0xc, 512);
	if (!k->write_late) {
		rc(&c, T_IP, H_IP, 0x0a, IO_HQP, r, 16, data, 512);
	}
	resp(&c, k, IO_HQP, 4, 1, false, 0);
	if (k->write_late) {
		rc(&c, T_IP, H_IP, 0x0a, IO_HQP, r, 16, data, 512);
	}
	pcap_dump_close(c.d);
	pcap_close(c.dead);
}

static const struct knobs cases[] = {
	{.name = "good"},
	{.name = "REQ RECFMT 1", .rule = "RDMA-001", .req_recfmt = 1},
	{.name = "REQ HSQSIZE 0", .rule = "RDMA-002", .req_hsq0 = 1},
	{.name = "REP CRQSIZE small", .rule = "RDMA-003", .rep_crq_small = 1},
	{.name = "REJ STS 0Ah", .rule = "RDMA-004", .rej_sts = 1},
	{.name = "REJ STS for a good REQ", .rule = NULL, .rej_wrong = 1},
	{.name = "capsule 40 bytes", .rule = "RDMA-006", .also = "RDMA-011,RDMA-016",
	 .capsule_short = 1},
	{.name = "capsule over IOCCSZ", .rule = "RDMA-006", .capsule_big = 1},
	{.name = "response 32 bytes", .rule = "RDMA-007", .resp_len = 1},
	{.name = "SGL type 5", .rule = "RDMA-008", .also = "RDMA-011", .sgl_bad = 1},
	{.name = "in-capsule offset past data", .rule = "RDMA-009", .incap_off = 1},
	{.name = "READ outside SGL", .rule = "RDMA-010", .read_out = 1},
	{.name = "WRITE wrong key", .rule = "RDMA-011", .write_key = 1},
	{.name = "WRITE after response", .rule = "RDMA-011", .write_late = 1},
	{.name = "invalidate not asked", .rule = "RDMA-012", .inv_nosub = 1},
	{.name = "invalidate missing", .rule = "RDMA-013", .inv_missing = 1},
	{.name = "5 outstanding, HSQSIZE 3", .rule = "RDMA-014", .over_queue = 1},
	{.name = "Connect QID 2 on QID 1", .rule = "RDMA-015", .connect_qid = 1},
	{.name = "response CID 99", .rule = "RDMA-016", .resp_cid = 1},
	{.name = "UC SEND capsule", .rule = "RDMA-017", .also = "RDMA-011,RDMA-016", .uc_send = 1},
};

static void
run_case(const struct knobs *k)
{
	char path[] = "/tmp/rdma_ut_XXXXXX";
	int fd = mkstemp(path);
	struct iop_roce_trace t;
	struct iop_conf_verdicts v;
	char err[256];

	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	write_session(path, k);
	CU_ASSERT_EQUAL_FATAL(iop_roce_load(path, &t, err, sizeof(err)), 0);
	unlink(path);
	CU_ASSERT_EQUAL_FATAL(iop_conf_init(&v, path, "nvme-rdma", "RDMA"), 0);
	CU_ASSERT_EQUAL(iop_conf_check_nvme_rdma(&t, &v), 0);
	for (size_t i = 0; i < v.nrules; i++) {
		const struct iop_rule *r = iop_rule_at(i);
		bool want = k->rule && !strcmp(r->id, k->rule);

		if (strncmp(r->id, "RDMA-", 5)) {
			continue;
		}
		if ((v.st[i].fail != 0) != want && !(k->also && strstr(k->also, r->id))) {
			fprintf(stderr, "case '%s': %s %s\n", k->name, r->id,
				v.st[i].fail ? "failed" : "did not fail");
			CU_FAIL("unexpected verdict");
		}
	}
	if (!k->rule && !k->rej_wrong && !k->rej_sts) {
		/* the good session exercises every rule but the reject ones */
		for (size_t i = 0; i < v.nrules; i++) {
			const struct iop_rule *r = iop_rule_at(i);

			if (!strncmp(r->id, "RDMA-", 5) && strcmp(r->id, "RDMA-004") &&
			    strcmp(r->id, "RDMA-005") && !v.st[i].pass) {
				fprintf(stderr, "good session: %s not exercised\n", r->id);
				CU_FAIL("rule not exercised");
			}
		}
		CU_ASSERT_EQUAL(t.dup_pkts, 1);
		CU_ASSERT_EQUAL(t.broken_msgs, 0);
	}
	if (k->rej_wrong) {
		/* STS 03h answers a REQ whose fault is not visible: RDMA-004 passes, RDMA-005 silent */
		CU_ASSERT(v.st[iop_rule_index("RDMA-004")].pass == 1);
	}
	iop_conf_fini(&v);
	iop_roce_free(&t);
}

static void
test_cases(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run_case(&cases[i]);
	}
}

/* A REQ with HSQSIZE 0 rejected with STS 04h passes RDMA-005; with STS 03h it fails. */
static void
test_reject_code(void)
{
	for (int sts = 3; sts <= 4; sts++) {
		char path[] = "/tmp/rdma_ut_XXXXXX";
		int fd = mkstemp(path);
		struct cap c = {0};
		uint8_t pd[32] = {0};
		struct iop_roce_trace t;
		struct iop_conf_verdicts v;
		char err[256];

		CU_ASSERT_FATAL(fd >= 0);
		close(fd);
		c.dead = pcap_open_dead(DLT_EN10MB, 65535);
		c.d = pcap_dump_open(c.dead, path);
		req(&c, 0x300, 0x13, 0, 1, 4, 0);
		put_le(pd + 2, (uint64_t)sts, 2);
		cm(&c, T_IP, H_IP, 0x12, 0x9300, 0x300, 0, 28, pd, sizeof(pd));
		pcap_dump_close(c.d);
		pcap_close(c.dead);
		CU_ASSERT_EQUAL_FATAL(iop_roce_load(path, &t, err, sizeof(err)), 0);
		unlink(path);
		CU_ASSERT_EQUAL_FATAL(iop_conf_init(&v, path, "nvme-rdma", "RDMA"), 0);
		iop_conf_check_nvme_rdma(&t, &v);
		CU_ASSERT_EQUAL(v.st[iop_rule_index("RDMA-005")].fail, sts == 3 ? 1u : 0u);
		CU_ASSERT_EQUAL(v.st[iop_rule_index("RDMA-005")].pass, sts == 4 ? 1u : 0u);
		CU_ASSERT_EQUAL(v.st[iop_rule_index("RDMA-002")].fail, 1u);
		iop_conf_fini(&v);
		iop_roce_free(&t);
	}
}

IOP_UT_MAIN("nvme_rdma_check", IOP_UT(test_cases), IOP_UT(test_reject_code))
