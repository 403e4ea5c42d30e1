/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: crafted vfio-user and vhost-user JSON Lines sessions, one bad message per rule; the
 * clean session passes every rule it exercises. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "conformance/check/msg_check.h"
#include "conformance/nvme_wire_internal.h"
#include "conformance/rules/rules.h"
#include "conformance/vfio_user_wire_internal.h"
#include "iopath/util.h"
#include "tests/common/ut.h"

static FILE *g_f;
static unsigned int g_seq;

static void
hex(FILE *f, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%02x", b[i]);
	}
}

/* One vfio-user message line; size_adj skews the header's message size. */
static void
vmsg(const char *dir, uint16_t id, uint16_t cmd, uint32_t flags, uint32_t err, const void *pl,
     size_t len, int nfds, int size_adj)
{
	uint8_t h[16];

	cw_put16(h, id);
	cw_put16(h + 2, cmd);
	cw_put32(h + 4, (uint32_t)((int)(16 + len) + size_adj));
	cw_put32(h + 8, flags);
	cw_put32(h + 12, err);
	fprintf(g_f, "{\"seq\": %u, \"dir\": \"%s\", \"nfds\": %d, \"header_hex\": \"", g_seq++, dir,
		nfds);
	hex(g_f, h, 16);
	fprintf(g_f, "\", \"payload_hex\": \"");
	hex(g_f, pl, len);
	fprintf(g_f, "\"}\n");
}

static void
version(uint16_t rmajor, bool bad_json)
{
	static const char caps[] = "{\"capabilities\":{\"max_msg_fds\":8,\"max_data_xfer_size\":4096}}";
	uint8_t p[4 + sizeof(caps)];

	cw_put16(p, 0);
	cw_put16(p + 2, 2);
	memcpy(p + 4, caps, sizeof(caps));
	vmsg("c2s", 1, VU_VERSION, 0, 0, p, sizeof(p), 0, 0);
	cw_put16(p, rmajor);
	if (bad_json) {
		p[4] = 'x';
	}
	vmsg("s2c", 1, VU_VERSION, 1, 0, p, sizeof(p), 0, 0);
}

static void
dma_map(uint16_t id, uint64_t addr, uint64_t size, uint32_t argsz, int nfds)
{
	uint8_t m[32] = {0};

	cw_put32(m, argsz);
	cw_put32(m + 4, 3);
	cw_put64(m + 16, addr);
	cw_put64(m + 24, size);
	vmsg("c2s", id, VU_DMA_MAP, 0, 0, m, 32, nfds, 0);
}

/* The clean session; `bad` selects one fault (0 none). */
static void
vfio_session(int bad)
{
	uint8_t b[64] = {0}, info[16] = {0}, ri[32] = {0}, rr[24] = {0};

	if (bad == 2) {
		cw_put32(info, 16);
		vmsg("c2s", 9, VU_DEVICE_GET_INFO, 0, 0, info, 16, 0, 0);
		vmsg("s2c", 9, VU_DEVICE_GET_INFO, 0x21, 22, NULL, 0, 0, 0);
	}
	version(bad == 3 ? 1 : 0, bad == 4);
	/* GET_INFO: 2 regions */
	cw_put32(info, 16);
	vmsg("c2s", 2, VU_DEVICE_GET_INFO, 0, bad == 8 ? 5 : 0, info, 16, 0, 0);
	cw_put32(info + 4, bad == 16 ? 0 : 3);
	cw_put32(info + 8, 2);
	cw_put32(info + 12, 1);
	vmsg("s2c", 2, bad == 5 ? VU_DEVICE_GET_REGION_INFO : VU_DEVICE_GET_INFO, bad == 7 ? 2 : 1, 0,
	     info, 16, 0, bad == 1 ? 4 : 0);
	/* region 0: 4 KiB */
	cw_put32(ri, 32);
	vmsg("c2s", 3, VU_DEVICE_GET_REGION_INFO, 0, 0, ri, 32, 0, 0);
	cw_put32(ri + 4, bad == 17 ? 7 : 3);
	cw_put32(ri + 8, 0);
	cw_put64(ri + 16, 4096);
	vmsg("s2c", 3, VU_DEVICE_GET_REGION_INFO, 1, 0, ri, 32, 0, 0);
	/* DMA map, DMA read by the server inside it */
	dma_map(4, 0x100000, 0x2000, bad == 12 ? 24 : 32, bad == 13 ? 2 : (bad == 24 ? 9 : 1));
	vmsg("s2c", 4, VU_DMA_MAP, 1, 0, NULL, 0, 0, 0);
	if (bad == 14) {
		dma_map(5, 0x101000, 0x2000, 32, 1);
		vmsg("s2c", 5, VU_DMA_MAP, 1, 0, NULL, 0, 0, 0);
	}
	cw_put64(b, bad == 21 ? 0x900000 : 0x100800);
	cw_put64(b + 8, 8);
	vmsg(bad == 11 ? "c2s" : "s2c", 6, VU_DMA_READ, 0, 0, b, 16, 0, 0);
	memset(b + 16, 0xab, 8);
	vmsg(bad == 11 ? "s2c" : "c2s", 6, VU_DMA_READ, 1, 0, b, bad == 22 ? 20 : 24, 0, 0);
	/* region read inside / outside */
	cw_put64(rr, bad == 20 ? 4096 : 0);
	cw_put32(rr + 8, 0);
	cw_put32(rr + 12, bad == 23 ? 8192 : 4);
	vmsg("c2s", 7, VU_REGION_READ, 0, 0, rr, 16, 0, 0);
	vmsg("s2c", 7, VU_REGION_READ, 1, 0, bad == 18 ? NULL : rr, bad == 18 ? 0 : 20, 0, 0);
	/* region write with a data-carrying reply when bad == 19 */
	cw_put32(rr + 12, 4);
	cw_put64(rr, 0);
	vmsg("c2s", 8, VU_REGION_WRITE, 0, 0, rr, 20, 0, 0);
	vmsg("s2c", 8, VU_REGION_WRITE, 1, 0, rr, bad == 19 ? 20 : 16, 0, 0);
	/* unknown command */
	vmsg("c2s", 10, 99, 0, 0, NULL, 0, 0, 0);
	vmsg("s2c", 10, 99, bad == 10 ? 1 : 0x21, bad == 10 ? 0 : 38, bad == 9 ? b : NULL,
	     bad == 9 ? 4 : 0, 0, 0);
	/* IRQ info and set */
	memset(info, 0, 16);
	cw_put32(info, 16);
	cw_put32(info + 8, 4);
	vmsg("c2s", 11, VU_DEVICE_GET_IRQ_INFO, 0, 0, info, 16, 0, 0);
	cw_put32(info + 8, bad == 25 ? 3 : 4);
	vmsg("s2c", 11, VU_DEVICE_GET_IRQ_INFO, 1, 0, info, 16, 0, 0);
	memset(b, 0, 20);
	cw_put32(b, 20);
	cw_put32(b + 4, bad == 26 ? (4 | 2 | 32) : (4 | 32));
	cw_put32(b + 8, 4);
	cw_put32(b + 16, 2);
	vmsg("c2s", 12, VU_DEVICE_SET_IRQS, 0, 0, b, 20, 2, 0);
	vmsg("s2c", 12, VU_DEVICE_SET_IRQS, 1, 0, NULL, 0, 0, 0);
	/* unmap */
	memset(b, 0, 24);
	cw_put32(b, 24);
	cw_put64(b + 8, bad == 15 ? 0x200000 : 0x100000);
	cw_put64(b + 16, 0x2000);
	vmsg("c2s", 13, VU_DMA_UNMAP, 0, 0, b, 24, 0, 0);
	vmsg("s2c", 13, VU_DMA_UNMAP, 1, 0, b, bad == 29 ? 0 : 24, 0, 0);
	if (bad == 6) {
		vmsg("c2s", 14, VU_DEVICE_RESET, 0, 0, NULL, 0, 0, 0);
	}
	fprintf(g_f, "{\"seq\": %u, \"event\": \"eof\", \"dir\": \"c2s\"}\n", g_seq++);
}

static void
run_vfio(int bad, struct iop_conf_verdicts *v)
{
	char path[] = "/tmp/iop-vfu-ut-XXXXXX";
	int fd = mkstemp(path);
	struct iop_jtrace t;
	char err[128];

	CU_ASSERT_FATAL(fd >= 0);
	g_f = fdopen(fd, "w");
	g_seq = 0;
	vfio_session(bad);
	fclose(g_f);
	CU_ASSERT_EQUAL_FATAL(iop_jsonl_load(path, &t, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(t.proto, IOP_JPROTO_VFIO_USER);
	CU_ASSERT_EQUAL_FATAL(iop_conf_init(v, path, "vfio-user", "VFU"), 0);
	CU_ASSERT_EQUAL(iop_conf_check_vfio_user(&t, v), 0);
	iop_jsonl_free(&t);
	unlink(path);
}

static void
show(const struct iop_conf_verdicts *v, const char *tag)
{
	for (size_t i = 0; i < v->nrules; i++) {
		if (v->st[i].fail) {
			printf("  [%s] %s: expected %s, got %s\n", tag, iop_rule_at(i)->id,
			       v->st[i].fails[0].expected, v->st[i].fails[0].actual);
		}
	}
}

static void
test_vfio_user(void)
{
	static const struct {
		int bad;
		const char *rule;
	} cases[] = {
		{1, "VFU-001"}, {2, "VFU-002"}, {3, "VFU-003"}, {4, "VFU-004"}, {5, "VFU-005"},
		{6, "VFU-006"}, {7, "VFU-007"}, {8, "VFU-008"}, {9, "VFU-009"}, {10, "VFU-010"},
		{11, "VFU-011"}, {12, "VFU-012"}, {13, "VFU-013"}, {14, "VFU-014"}, {15, "VFU-015"},
		{16, "VFU-016"}, {17, "VFU-017"}, {18, "VFU-018"}, {19, "VFU-019"}, {20, "VFU-020"},
		{21, "VFU-021"}, {22, "VFU-022"}, {23, "VFU-023"}, {24, "VFU-024"}, {25, "VFU-025"},
		{26, "VFU-026"}, {29, "VFU-029"},
	};
	struct iop_conf_verdicts v;

	run_vfio(0, &v);
	show(&v, "clean");
	CU_ASSERT_EQUAL(iop_conf_must_failures(&v), 0);
	CU_ASSERT_EQUAL(v.units, 22);
	iop_conf_fini(&v);
	for (size_t i = 0; i < IOP_ARRAY_SIZE(cases); i++) {
		int idx = iop_rule_index(cases[i].rule);

		run_vfio(cases[i].bad, &v);
		if (!v.st[idx].fail) {
			printf("  case %d: %s did not fail\n", cases[i].bad, cases[i].rule);
			show(&v, cases[i].rule);
		}
		CU_ASSERT(v.st[idx].fail > 0);
		iop_conf_fini(&v);
	}
}

/* ---- vhost-user ---- */

static void
hmsg(const char *dir, uint32_t req, uint32_t flags, const void *pl, size_t len, int nfds, int adj)
{
	uint8_t h[12];

	cw_put32(h, req);
	cw_put32(h + 4, flags);
	cw_put32(h + 8, (uint32_t)((int)len + adj));
	fprintf(g_f, "{\"seq\": %u, \"proto\": \"vhost-user\", \"dir\": \"%s\", \"nfds\": %d, "
		     "\"header_hex\": \"", g_seq++, dir, nfds);
	hex(g_f, h, 12);
	fprintf(g_f, "\", \"payload_hex\": \"");
	hex(g_f, pl, len);
	fprintf(g_f, "\"}\n");
}

static void
vhost_session(int bad)
{
	uint8_t b[8 + 32 * 10] = {0}, a[40] = {0};
	uint64_t offered = 1ull << 32 | 1ull << 30 | 0xff;
	bool packed = bad == 18 || bad == 19; /* 18: size 100 is fine, 19: 40000 is not */

	if (packed) {
		offered |= 1ull << 34; /* VIRTIO_F_RING_PACKED */
	}

	hmsg("c2s", 1, 1, NULL, 0, 0, bad == 1 ? 3 : 0);
	cw_put64(b, offered);
	hmsg("s2c", 1, bad == 3 ? 1 : 5, b, bad == 4 ? 4 : 8, 0, 0);
	hmsg("c2s", 15, bad == 2 ? 2 : 1, NULL, 0, 0, 0);
	cw_put64(b, 1ull << 3); /* REPLY_ACK */
	hmsg("s2c", 15, 5, b, 8, 0, 0);
	hmsg("c2s", 16, 1, b, 8, 0, 0);
	cw_put64(b, bad == 5 ? offered | 1ull << 40 : (bad == 17 ? 0xff : offered));
	hmsg("c2s", 2, 1, b, 8, 0, 0);
	/* memory table: one region, user address 0x7f0000000000, 1 MiB */
	memset(b, 0, sizeof(b));
	cw_put32(b, bad == 7 ? 9 : 1);
	cw_put64(b + 8, 0);
	cw_put64(b + 16, 1 << 20);
	cw_put64(b + 24, 0x7f0000000000ull);
	hmsg("c2s", 5, 1 | 8, b, bad == 7 ? 8 + 32 * 9 : 40, 1, 0);
	cw_put64(b, 0);
	hmsg("s2c", 5, 5, b, bad == 9 ? 4 : 8, 0, 0);
	cw_put32(a, 0);
	cw_put32(a + 4, bad == 10 || bad == 18 ? 100 : (bad == 19 ? 40000 : 256));
	hmsg("c2s", 8, 1, a, 8, 0, 0);
	cw_put64(a + 8, bad == 11 ? 0x7f0000000008ull : 0x7f0000000000ull);
	cw_put64(a + 16, bad == 15 ? 0x100000000ull : 0x7f0000002000ull);
	cw_put64(a + 24, 0x7f0000001000ull);
	hmsg("c2s", 9, 1, a, 40, 0, 0);
	cw_put64(a, 0);
	hmsg("c2s", 10, 1, a, bad == 12 ? 4 : 8, 0, 0);
	hmsg("c2s", 12, 1, a, 8, bad == 8 ? 0 : 1, 0);
	memset(a, 0, 12);
	cw_put32(a + 4, 8);
	hmsg("c2s", 24, 1, a, 20, 0, 0);
	hmsg("s2c", 24, 5, a, bad == 16 ? 16 : 20, 0, 0);
}

static void
run_vhost(int bad, struct iop_conf_verdicts *v)
{
	char path[] = "/tmp/iop-vhu-ut-XXXXXX";
	int fd = mkstemp(path);
	struct iop_jtrace t;
	char err[128];

	CU_ASSERT_FATAL(fd >= 0);
	g_f = fdopen(fd, "w");
	g_seq = 0;
	vhost_session(bad);
	fclose(g_f);
	CU_ASSERT_EQUAL_FATAL(iop_jsonl_load(path, &t, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(t.proto, IOP_JPROTO_VHOST_USER);
	CU_ASSERT_EQUAL_FATAL(iop_conf_init(v, path, "vhost-user", "VHU"), 0);
	CU_ASSERT_EQUAL(iop_conf_check_vhost_user(&t, v), 0);
	iop_jsonl_free(&t);
	unlink(path);
}

static void
test_vhost_user(void)
{
	static const struct {
		int bad;
		const char *rule;
	} cases[] = {
		{1, "VHU-001"}, {2, "VHU-002"}, {3, "VHU-003"}, {4, "VHU-004"}, {5, "VHU-005"},
		{7, "VHU-007"}, {8, "VHU-008"}, {9, "VHU-009"}, {10, "VHU-010"}, {11, "VHU-011"},
		{12, "VHU-012"}, {15, "VHU-015"}, {16, "VHU-016"}, {17, "VHU-017"},
		{19, "VHU-010"},
	};
	struct iop_conf_verdicts v;

	run_vhost(0, &v);
	show(&v, "clean");
	CU_ASSERT_EQUAL(iop_conf_must_failures(&v), 0);
	for (size_t i = 0; i < v.nrules; i++) {
		CU_ASSERT_EQUAL(v.st[i].fail, 0);
	}
	iop_conf_fini(&v);
	for (size_t i = 0; i < IOP_ARRAY_SIZE(cases); i++) {
		int idx = iop_rule_index(cases[i].rule);

		run_vhost(cases[i].bad, &v);
		if (!v.st[idx].fail) {
			printf("  case %d: %s did not fail\n", cases[i].bad, cases[i].rule);
			show(&v, cases[i].rule);
		}
		CU_ASSERT(v.st[idx].fail > 0);
		iop_conf_fini(&v);
	}
	/* packed ring (virtio 1.2 2.8): a queue size of 100 is valid, VHU-010 passes */
	run_vhost(18, &v);
	show(&v, "packed size 100");
	CU_ASSERT_EQUAL(iop_conf_must_failures(&v), 0);
	CU_ASSERT_EQUAL(v.st[iop_rule_index("VHU-010")].fail, 0);
	CU_ASSERT(v.st[iop_rule_index("VHU-010")].pass > 0);
	iop_conf_fini(&v);
}

IOP_UT_MAIN("msg_check", IOP_UT(test_vfio_user), IOP_UT(test_vhost_user))
