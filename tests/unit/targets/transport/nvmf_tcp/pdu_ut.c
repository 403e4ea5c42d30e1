/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: NVMe/TCP PDU rules: CRC32C vectors, malformed headers -> FES/FEI, PDU layout,
 * receive parser (byte by byte, digests) and a recorded capture replayed through the parser. */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include "iopath/nvme_tcp_spec.h"
#include "iopath/util.h"
#include "iopath/option.h"
#include "targets/transport/nvmf_tcp/nvmf_tcp_internal.h"
#include "targets/transport/nvmf_tcp/nvmf_tcp_sock.h"
#include "tests/common/ut.h"

static void
test_crc32c_vectors(void)
{
	uint8_t buf[32];

	/* The classic check value and the iSCSI vectors of RFC 3720 B.4. */
	CU_ASSERT_EQUAL(nvmf_tcp_crc32c("123456789", 9), 0xe3069283u);
	memset(buf, 0, sizeof(buf));
	CU_ASSERT_EQUAL(nvmf_tcp_crc32c(buf, 32), 0x8a9136aau);
	memset(buf, 0xff, sizeof(buf));
	CU_ASSERT_EQUAL(nvmf_tcp_crc32c(buf, 32), 0x62a8ab43u);
	for (int i = 0; i < 32; i++) {
		buf[i] = (uint8_t)i;
	}
	CU_ASSERT_EQUAL(nvmf_tcp_crc32c(buf, 32), 0x46dd794eu);
	for (int i = 0; i < 32; i++) {
		buf[i] = (uint8_t)(31 - i);
	}
	CU_ASSERT_EQUAL(nvmf_tcp_crc32c(buf, 32), 0x113fdb5cu);
	/* Split over an iovec gives the same digest. */
	{
		struct iovec v[3] = {{buf, 5}, {buf + 5, 20}, {buf + 25, 7}};

		CU_ASSERT_EQUAL(nvmf_tcp_crc32c_iov(v, 3, 32), 0x113fdb5cu);
	}
}

/* CapsuleCmd (Identify) with a header digest, from shared/traces/nvme-tcp/nvmetcp_digest.pcap. */
static const uint8_t g_identify_pdu[] = {
	0x04, 0x01, 0x48, 0x00, 0x4c, 0x00, 0x00, 0x00, 0x06, 0x40, 0x03, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x5a, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7f, 0x73, 0xbf,
	0x5d,
};

static void
test_hdgst_from_capture(void)
{
	uint32_t d;

	memcpy(&d, g_identify_pdu + 72, 4);
	CU_ASSERT_EQUAL(nvmf_tcp_crc32c(g_identify_pdu, 72), d);
	CU_ASSERT_EQUAL(d, 0x5dbf737fu);
}

struct ch_case {
	const char *what;
	bool controller, ic_done, hdgst, ddgst;
	struct nvme_tcp_ch ch;
	int rc;
	uint16_t fes;
	uint32_t fei;
	uint32_t data_len;
};

#define CMD NVME_TCP_PDU_CAPSULE_CMD
#define H2CD NVME_TCP_PDU_H2C_DATA
#define C2HD NVME_TCP_PDU_C2H_DATA
#define FES_HF NVME_TCP_FES_INVALID_HEADER_FIELD
#define FES_SEQ NVME_TCP_FES_PDU_SEQUENCE_ERROR
#define FES_LIM NVME_TCP_FES_DATA_LIMIT_EXCEEDED

static const struct ch_case g_ch_cases[] = {
	/* 1: good commands, with and without in-capsule data */
	{"cmd no data", true, true, false, false, {CMD, 0, 72, 0, 72}, 0, 0, 0, 0},
	{"cmd 4k data", true, true, false, false, {CMD, 0, 72, 72, 72 + 4096}, 0, 0, 0, 4096},
	{"cmd digests", true, true, true, true, {CMD, 3, 72, 76, 76 + 512 + 4}, 0, 0, 0, 512},
	{"h2c data", true, true, false, false, {H2CD, 4, 24, 24, 24 + 8192}, 0, 0, 0, 8192},
	/* 2: type */
	{"reserved type 8", true, true, false, false, {8, 0, 24, 0, 24}, -EPROTO, FES_HF, 0, 0},
	{"type 0x0b", true, true, false, false, {0x0b, 0, 24, 0, 24}, -EPROTO, FES_HF, 0, 0},
	{"resp to ctrl", true, true, false, false, {5, 0, 24, 0, 24}, -EPROTO, FES_HF, 0, 0},
	{"r2t to ctrl", true, true, false, false, {9, 0, 24, 0, 24}, -EPROTO, FES_HF, 0, 0},
	{"cmd to host", false, true, false, false, {CMD, 0, 72, 0, 72}, -EPROTO, FES_HF, 0, 0},
	/* 3: sequence */
	{"cmd pre-IC", true, false, false, false, {CMD, 0, 72, 0, 72}, -EPROTO, FES_SEQ, 0, 0},
	{"icreq twice", true, true, false, false, {0, 0, 128, 0, 128}, -EPROTO, FES_SEQ, 0, 0},
	/* 4: flags */
	{"cmd LAST flag", true, true, false, false, {CMD, 4, 72, 0, 72}, -EPROTO, FES_HF, 1, 0},
	{"icreq flags", true, false, false, false, {0, 1, 128, 0, 128}, -EPROTO, FES_HF, 1, 0},
	{"hdgst not negotiated", true, true, false, false, {CMD, 1, 72, 0, 76}, -EPROTO, FES_HF, 1,
	 0},
	{"hdgst missing", true, true, true, false, {CMD, 0, 72, 0, 72}, -EPROTO, FES_HF, 1, 0},
	{"ddgst missing", true, true, false, true, {CMD, 0, 72, 72, 72 + 512}, -EPROTO, FES_HF, 1,
	 0},
	{"ddgst without data", true, true, false, true, {CMD, 2, 72, 0, 72}, -EPROTO, FES_HF, 1, 0},
	{"success w/o last", false, true, false, false, {C2HD, 8, 24, 24, 24 + 512}, -EPROTO, FES_HF,
	 1, 0},
	/* 5: hlen */
	{"cmd hlen 64", true, true, false, false, {CMD, 0, 64, 0, 64}, -EPROTO, FES_HF, 2, 0},
	{"icreq hlen 127", true, false, false, false, {0, 0, 127, 0, 128}, -EPROTO, FES_HF, 2, 0},
	{"h2c hlen 28", true, true, false, false, {H2CD, 0, 28, 28, 28 + 64}, -EPROTO, FES_HF, 2, 0},
	/* 6: pdo */
	{"pdo in hdr", true, true, false, false, {CMD, 0, 72, 16, 72 + 64}, -EPROTO, FES_HF, 3, 0},
	{"pdo align", true, true, false, false, {CMD, 0, 72, 74, 74 + 64}, -EPROTO, FES_HF, 3, 0},
	{"pdo w/o data", true, true, false, false, {CMD, 0, 72, 72, 72}, -EPROTO, FES_HF, 3, 0},
	{"pdo past plen", true, true, false, false, {CMD, 0, 72, 200, 100}, -EPROTO, FES_HF, 3, 0},
	{"pdo hides hdgst", true, true, true, false, {CMD, 1, 72, 72, 76 + 64}, -EPROTO, FES_HF, 3,
	 0},
	{"icreq pdo", true, false, false, false, {0, 0, 128, 4, 128}, -EPROTO, FES_HF, 3, 0},
	/* 7: plen */
	{"plen < hlen", true, true, false, false, {CMD, 0, 72, 0, 10}, -EPROTO, FES_HF, 4, 0},
	{"icreq plen", true, false, false, false, {0, 0, 128, 0, 129}, -EPROTO, FES_HF, 4, 0},
	{"ddgst only", true, true, false, true, {CMD, 2, 72, 72, 76}, -EPROTO, FES_HF, 4, 0},
	{"data too big", true, true, false, false, {H2CD, 0, 24, 24, 24 + 65536}, -EPROTO, FES_LIM, 4,
	 0},
	{"huge plen", true, true, false, false, {CMD, 0, 72, 72, 0xffffffffu}, -EPROTO, FES_LIM, 4,
	 0},
	/* 8: malformed TermReq: close without a reply */
	{"term plen 200", true, true, false, false, {2, 0, 24, 0, 200}, -ECONNRESET, 0, 0, 0},
	{"term hlen 20", true, true, false, false, {2, 0, 20, 0, 24}, -ECONNRESET, 0, 0, 0},
	{"term ok", true, true, false, false, {2, 0, 24, 0, 24 + 72}, 0, 0, 0, 0},
};

static void
test_ch_table(void)
{
	for (size_t i = 0; i < IOP_ARRAY_SIZE(g_ch_cases); i++) {
		const struct ch_case *c = &g_ch_cases[i];
		struct nvmf_tcp_rx_params p = {
			.controller = c->controller, .ic_done = c->ic_done, .hdgst = c->hdgst,
			.ddgst = c->ddgst, .pda = 4, .max_data = 8192,
		};
		struct nvmf_tcp_pdu_err e = {0};
		uint32_t dl = 12345;
		int rc = nvmf_tcp_ch_check(&c->ch, &p, &dl, &e);

		if (rc != c->rc || (rc == -EPROTO && (e.fes != c->fes || e.fei != c->fei)) ||
		    (rc == 0 && dl != c->data_len)) {
			fprintf(stderr, "case %zu '%s': rc %d fes %u fei %u dl %u (%s)\n", i + 1,
				c->what, rc, e.fes, e.fei, dl, e.why ? e.why : "");
		}
		CU_ASSERT_EQUAL(rc, c->rc);
		if (rc == -EPROTO && c->rc == -EPROTO) {
			CU_ASSERT_EQUAL(e.fes, c->fes);
			CU_ASSERT_EQUAL(e.fei, c->fei);
			CU_ASSERT_PTR_NOT_NULL(e.why);
		}
		if (rc == 0 && c->rc == 0) {
			CU_ASSERT_EQUAL(dl, c->data_len);
		}
	}
}

static void
test_ic_checks(void)
{
	struct nvme_tcp_icreq req;
	struct nvme_tcp_icresp rsp;
	struct nvmf_tcp_pdu_err e;

	nvmf_tcp_build_icreq(&req, 0, NVME_TCP_DGST_HDR | NVME_TCP_DGST_DATA, 3);
	CU_ASSERT_EQUAL(nvmf_tcp_icreq_check(&req, &e), 0);
	req.pfv = 1;
	CU_ASSERT_EQUAL(nvmf_tcp_icreq_check(&req, &e), -EPROTO);
	CU_ASSERT_EQUAL(e.fes, NVME_TCP_FES_UNSUPPORTED_PARAMETER);
	CU_ASSERT_EQUAL(e.fei, 8);
	req.pfv = 0;
	req.hpda = 32;
	CU_ASSERT_EQUAL(nvmf_tcp_icreq_check(&req, &e), -EPROTO);
	CU_ASSERT_EQUAL(e.fei, 10);

	nvmf_tcp_build_icresp(&rsp, 0, NVME_TCP_DGST_HDR, 131072);
	CU_ASSERT_EQUAL(nvmf_tcp_icresp_check(&rsp, NVME_TCP_DGST_HDR, &e), 0);
	CU_ASSERT_EQUAL(nvmf_tcp_icresp_check(&rsp, 0, &e), -EPROTO);
	CU_ASSERT_EQUAL(e.fei, 11);
	rsp.maxh2cdata = 1024;
	CU_ASSERT_EQUAL(nvmf_tcp_icresp_check(&rsp, NVME_TCP_DGST_HDR, &e), -EPROTO);
	CU_ASSERT_EQUAL(e.fes, NVME_TCP_FES_UNSUPPORTED_PARAMETER);
	CU_ASSERT_EQUAL(e.fei, 12);
	rsp.maxh2cdata = 8192;
	rsp.cpda = 40;
	CU_ASSERT_EQUAL(nvmf_tcp_icresp_check(&rsp, NVME_TCP_DGST_HDR, &e), -EPROTO);
	CU_ASSERT_EQUAL(e.fei, 10);
}

static void
test_layout(void)
{
	uint8_t hdr[NVMF_TCP_TXHDR_MAX];
	struct nvme_tcp_ch *ch = (void *)hdr;
	uint32_t n, d;

	/* 1: digests, alignment 4: data right after the header digest */
	n = nvmf_tcp_ch_fill(hdr, CMD, 0, 72, true, true, 4096, 4);
	CU_ASSERT_EQUAL(n, 76);
	CU_ASSERT_EQUAL(ch->pdo, 76);
	CU_ASSERT_EQUAL(ch->plen, 76 + 4096 + 4);
	CU_ASSERT_EQUAL(ch->flags, NVME_TCP_F_HDGSTF | NVME_TCP_F_DDGSTF);
	/* 2: CPDA 7 (32 bytes): padded to 96 */
	memset(hdr, 0xee, sizeof(hdr));
	n = nvmf_tcp_ch_fill(hdr, CMD, 0, 72, true, false, 512, 32);
	CU_ASSERT_EQUAL(n, 96);
	CU_ASSERT_EQUAL(ch->pdo, 96);
	CU_ASSERT_EQUAL(ch->plen, 96 + 512);
	CU_ASSERT_EQUAL(hdr[80], 0);
	CU_ASSERT_EQUAL(hdr[95], 0);
	/* 3: no data: PDO 0, no DDGSTF even when data digests are on */
	n = nvmf_tcp_ch_fill(hdr, NVME_TCP_PDU_CAPSULE_RESP, 0, 24, true, true, 0, 4);
	CU_ASSERT_EQUAL(n, 28);
	CU_ASSERT_EQUAL(ch->pdo, 0);
	CU_ASSERT_EQUAL(ch->plen, 28);
	CU_ASSERT_EQUAL(ch->flags, NVME_TCP_F_HDGSTF);
	nvmf_tcp_hdr_seal(hdr);
	memcpy(&d, hdr + 24, 4);
	CU_ASSERT_EQUAL(d, nvmf_tcp_crc32c(hdr, 24));
	/* 4: TermReq quoting at most 128 bytes */
	{
		uint8_t t[NVME_TCP_TERM_MAX_PLEN], bad[200];
		struct nvme_tcp_term_req *tr = (void *)t;

		memset(bad, 0xab, sizeof(bad));
		CU_ASSERT_EQUAL(nvmf_tcp_build_term(t, false, 1, 3, bad, 200), 152);
		CU_ASSERT_EQUAL(tr->ch.type, NVME_TCP_PDU_C2H_TERM_REQ);
		CU_ASSERT_EQUAL(tr->fes, 1);
		CU_ASSERT_EQUAL(tr->fei, 3);
		CU_ASSERT_EQUAL(t[151], 0xab);
		CU_ASSERT_EQUAL(nvmf_tcp_build_term(t, true, 3, 9, bad, 8), 32);
		CU_ASSERT_EQUAL(tr->ch.type, NVME_TCP_PDU_H2C_TERM_REQ);
		CU_ASSERT_EQUAL(tr->fei, 0); /* FEI only for FES 01h/06h */
	}
}

/* Build "cmd(+data) then h2cdata" with digests into buf. \return length. */
static uint32_t
build_stream(uint8_t *buf, const uint8_t *data, uint32_t dlen)
{
	uint32_t off = 0, n, d;
	struct nvme_tcp_data_hdr *h;

	n = nvmf_tcp_ch_fill(buf, CMD, 0, 72, true, true, dlen, 4);
	memset(buf + 8, 0x11, 64);
	nvmf_tcp_hdr_seal(buf);
	off = n;
	memcpy(buf + off, data, dlen);
	off += dlen;
	d = nvmf_tcp_crc32c(data, dlen);
	memcpy(buf + off, &d, 4);
	off += 4;
	h = (void *)(buf + off);
	n = nvmf_tcp_ch_fill(h, H2CD, NVME_TCP_F_LAST_PDU, 24, true, true, dlen, 4);
	h->cccid = 7;
	h->ttag = 1;
	h->datao = 0;
	h->datal = dlen;
	nvmf_tcp_hdr_seal(h);
	off += n;
	memcpy(buf + off, data, dlen);
	off += dlen;
	memcpy(buf + off, &d, 4);
	return off + 4;
}

static int
feed(struct nvmf_tcp_rx *rx, const uint8_t *s, uint32_t len, uint32_t chunk, uint8_t *dst,
     int *hdrs, int *dones, int *bad)
{
	struct iovec v[2] = {{dst, 1000}, {dst + 1000, 100000}};

	for (uint32_t i = 0; i < len;) {
		uint32_t n = IOP_MIN(chunk, len - i);
		int ev;

		nvmf_tcp_rx_space(rx);
		memcpy(rx->buf + rx->end, s + i, n);
		rx->end += n;
		i += n;
		while ((ev = nvmf_tcp_rx_step(rx)) > 0) {
			if (ev == NVMF_TCP_RX_HDR) {
				(*hdrs)++;
				if (rx->data_len) {
					nvmf_tcp_rx_set_dst(rx, v, 2, 0);
				}
			} else {
				(*dones)++;
				*bad += rx->ddgst_bad;
			}
		}
		if (ev < 0) {
			return ev;
		}
	}
	return 0;
}

static void
test_rx_parser(void)
{
	static uint8_t stream[3 * 8192], data[4000], dst[8192];
	struct nvmf_tcp_rx rx;
	uint32_t len;
	int hdrs, dones, bad;

	for (size_t i = 0; i < sizeof(data); i++) {
		data[i] = (uint8_t)(i * 7 + 3);
	}
	len = build_stream(stream, data, sizeof(data));
	CU_ASSERT_EQUAL(len, 76 + 4000 + 4 + 28 + 4000 + 4);
	/* 1: every chunk size, from byte by byte to all at once */
	for (uint32_t chunk = 1; chunk <= len; chunk = chunk < 16 ? chunk + 1 : chunk * 3) {
		CU_ASSERT_EQUAL_FATAL(nvmf_tcp_rx_init(&rx, 4096, true), 0);
		rx.p.ic_done = rx.p.hdgst = rx.p.ddgst = true;
		rx.p.max_data = 8192;
		hdrs = dones = bad = 0;
		memset(dst, 0, sizeof(dst));
		CU_ASSERT_EQUAL(feed(&rx, stream, len, chunk, dst, &hdrs, &dones, &bad), 0);
		CU_ASSERT_EQUAL(hdrs, 2);
		CU_ASSERT_EQUAL(dones, 2);
		CU_ASSERT_EQUAL(bad, 0);
		CU_ASSERT_EQUAL(memcmp(dst, data, sizeof(data)), 0);
		nvmf_tcp_rx_fini(&rx);
	}
	/* 2: flipped data byte: digest error reported, stream continues */
	stream[76 + 10] ^= 1;
	CU_ASSERT_EQUAL_FATAL(nvmf_tcp_rx_init(&rx, 4096, true), 0);
	rx.p.ic_done = rx.p.hdgst = rx.p.ddgst = true;
	rx.p.max_data = 8192;
	hdrs = dones = bad = 0;
	CU_ASSERT_EQUAL(feed(&rx, stream, len, 1000, dst, &hdrs, &dones, &bad), 0);
	CU_ASSERT_EQUAL(dones, 2);
	CU_ASSERT_EQUAL(bad, 1);
	nvmf_tcp_rx_fini(&rx);
	stream[76 + 10] ^= 1;
	/* 3: flipped header byte: fatal header digest error */
	stream[20] ^= 0x80;
	CU_ASSERT_EQUAL_FATAL(nvmf_tcp_rx_init(&rx, 4096, true), 0);
	rx.p.ic_done = rx.p.hdgst = rx.p.ddgst = true;
	rx.p.max_data = 8192;
	hdrs = dones = bad = 0;
	CU_ASSERT_EQUAL(feed(&rx, stream, len, 7, dst, &hdrs, &dones, &bad), -EPROTO);
	CU_ASSERT_EQUAL(rx.err.fes, NVME_TCP_FES_HDGST_ERROR);
	CU_ASSERT_EQUAL(hdrs, 0);
	nvmf_tcp_rx_fini(&rx);
}

/* Scatter src into an iovec array like recvmsg would. */
static size_t
fake_recvmsg(const struct iovec *iov, int cnt, const uint8_t *src, size_t len)
{
	size_t done = 0;

	for (int i = 0; i < cnt && done < len; i++) {
		size_t n = IOP_MIN(iov[i].iov_len, len - done);

		memcpy(iov[i].iov_base, src + done, n);
		done += n;
	}
	return done;
}

static void
test_rx_direct(void)
{
	static uint8_t stream[2 * 40000], data[20000], dst[20000];
	struct nvmf_tcp_rx rx;
	struct iovec v[2] = {{dst, 7000}, {dst + 7000, 13000}}, io[9];
	uint32_t len, off = 0;
	int hdrs = 0, dones = 0, ev, directs = 0;

	for (size_t i = 0; i < sizeof(data); i++) {
		data[i] = (uint8_t)(i * 31 + 7);
	}
	len = build_stream(stream, data, sizeof(data));
	CU_ASSERT_EQUAL_FATAL(nvmf_tcp_rx_init(&rx, 4096, true), 0);
	rx.p.ic_done = rx.p.hdgst = rx.p.ddgst = true;
	rx.p.max_data = 32768;
	/* Receive in 1000-byte "segments": once inside a PDU's data with nothing buffered, the
	 * bytes go straight to dst (and whatever follows into the staging buffer). */
	while (off < len) {
		size_t direct;
		int cnt = nvmf_tcp_rx_direct_iov(&rx, io, 9, &direct);
		size_t n;

		if (cnt) {
			n = fake_recvmsg(io, cnt, stream + off, IOP_MIN(1000u, len - off));
			nvmf_tcp_rx_direct_done(&rx, n, direct);
			directs++;
		} else {
			nvmf_tcp_rx_space(&rx);
			n = IOP_MIN(IOP_MIN(1000u, len - off), rx.cap - rx.end);
			memcpy(rx.buf + rx.end, stream + off, n);
			rx.end += (uint32_t)n;
		}
		off += (uint32_t)n;
		while ((ev = nvmf_tcp_rx_step(&rx)) > 0) {
			if (ev == NVMF_TCP_RX_HDR) {
				hdrs++;
				nvmf_tcp_rx_set_dst(&rx, v, 2, 0);
			} else {
				dones++;
				CU_ASSERT_FALSE(rx.ddgst_bad);
			}
		}
		CU_ASSERT_EQUAL_FATAL(ev, 0);
	}
	CU_ASSERT_EQUAL(hdrs, 2);
	CU_ASSERT_EQUAL(dones, 2);
	CU_ASSERT(directs > 10);
	CU_ASSERT_EQUAL(memcmp(dst, data, sizeof(data)), 0);
	nvmf_tcp_rx_fini(&rx);
}

/* Replay both directions of shared/traces/nvme-tcp/nvmetcp_digest.pcap through the parser. */
struct replay {
	struct nvmf_tcp_rx rx;
	int hdrs, dones, bad_ddgst, err;
	uint8_t types[32];
	uint8_t data[8192];
	struct iovec v;
};

static void
replay_feed(struct replay *r, const uint8_t *p, uint32_t len)
{
	while (len && !r->err) {
		uint32_t n = IOP_MIN(len, nvmf_tcp_rx_space(&r->rx));
		int ev;

		memcpy(r->rx.buf + r->rx.end, p, n);
		r->rx.end += n;
		p += n;
		len -= n;
		while ((ev = nvmf_tcp_rx_step(&r->rx)) > 0) {
			const struct nvme_tcp_ch *ch = (const void *)r->rx.hdr;

			if (ev == NVMF_TCP_RX_HDR) {
				if (ch->type == NVME_TCP_PDU_ICREQ) {
					const struct nvme_tcp_icreq *q = (const void *)ch;

					r->rx.p.hdgst = q->dgst & NVME_TCP_DGST_HDR;
					r->rx.p.ddgst = q->dgst & NVME_TCP_DGST_DATA;
					r->rx.p.ic_done = true;
				} else if (ch->type == NVME_TCP_PDU_ICRESP) {
					const struct nvme_tcp_icresp *q = (const void *)ch;

					r->rx.p.hdgst = q->dgst & NVME_TCP_DGST_HDR;
					r->rx.p.ddgst = q->dgst & NVME_TCP_DGST_DATA;
					r->rx.p.ic_done = true;
				}
				if (r->hdrs < 32) {
					r->types[r->hdrs] = ch->type;
				}
				r->hdrs++;
				if (r->rx.data_len) {
					r->v.iov_base = r->data;
					r->v.iov_len = sizeof(r->data);
					nvmf_tcp_rx_set_dst(&r->rx, &r->v, 1, 0);
				}
			} else {
				r->dones++;
				r->bad_ddgst += r->rx.ddgst_bad;
			}
		}
		if (ev < 0) {
			r->err = ev;
		}
	}
}

static void
test_replay_capture(void)
{
	char path[4096], errbuf[PCAP_ERRBUF_SIZE];
	const char *root = getenv("IOPATH_ROOT");
	static struct replay h2c, c2h;
	struct pcap_pkthdr *ph;
	const u_char *pkt;
	pcap_t *pc;

	snprintf(path, sizeof(path), "%s/tests/unit/targets/transport/nvmf_tcp/nvmetcp_digest.pcap",
		 root ? root : ".");
	pc = pcap_open_offline(path, errbuf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pc);
	CU_ASSERT_EQUAL_FATAL(nvmf_tcp_rx_init(&h2c.rx, 65536, true), 0);
	CU_ASSERT_EQUAL_FATAL(nvmf_tcp_rx_init(&c2h.rx, 65536, false), 0);
	h2c.rx.p.max_data = c2h.rx.p.max_data = 8192;
	while (pcap_next_ex(pc, &ph, &pkt) == 1) {
		const u_char *ip = pkt + 14, *tcp = ip + (ip[0] & 0xf) * 4;
		uint32_t iplen = (uint32_t)ip[2] << 8 | ip[3];
		uint32_t thl = (uint32_t)(tcp[12] >> 4) * 4;
		uint32_t plen = iplen - (uint32_t)(tcp - ip) - thl;
		uint16_t dport = (uint16_t)(tcp[2] << 8 | tcp[3]);

		replay_feed(dport == 4420 ? &h2c : &c2h, tcp + thl, plen);
	}
	pcap_close(pc);
	/* host -> controller: ICReq, Connect (1 KiB in-capsule data), 2 Identify, then frame 12
	 * whose header digest is wrong. */
	CU_ASSERT_EQUAL(h2c.types[0], NVME_TCP_PDU_ICREQ);
	CU_ASSERT_EQUAL(h2c.types[1], NVME_TCP_PDU_CAPSULE_CMD);
	CU_ASSERT_EQUAL(h2c.hdrs, 4);
	CU_ASSERT_EQUAL(h2c.dones, 1);
	CU_ASSERT_EQUAL(h2c.bad_ddgst, 0);
	CU_ASSERT_EQUAL(h2c.err, -EPROTO);
	CU_ASSERT_EQUAL(h2c.rx.err.fes, NVME_TCP_FES_HDGST_ERROR);
	/* controller -> host: ICResp, CQE, (C2HData + CQE) x 2 with frame 11's data digest wrong,
	 * then the C2HTermReq. */
	if (c2h.err) {
		fprintf(stderr, "c2h err %d fes %u fei %u %s after %d\n", c2h.err, c2h.rx.err.fes,
			c2h.rx.err.fei, c2h.rx.err.why, c2h.hdrs);
	}
	CU_ASSERT_EQUAL(c2h.err, 0);
	CU_ASSERT_EQUAL(c2h.hdrs, 7);
	CU_ASSERT_EQUAL(c2h.dones, 2);
	CU_ASSERT_EQUAL(c2h.bad_ddgst, 1);
	CU_ASSERT_EQUAL(c2h.types[6], NVME_TCP_PDU_C2H_TERM_REQ);
	CU_ASSERT_EQUAL(((struct nvme_tcp_term_req *)c2h.rx.hdr)->fes, NVME_TCP_FES_HDGST_ERROR);
	nvmf_tcp_rx_fini(&h2c.rx);
	nvmf_tcp_rx_fini(&c2h.rx);
}

struct q_opts {
	bool hdgst;
	uint64_t qd;
};

static const struct iop_option g_q_tbl[] = {
	{"hdgst", NULL, IOP_OPT_BOOL, offsetof(struct q_opts, hdgst), "0", 0, 0, NULL, ""},
	{"qd", NULL, IOP_OPT_UINT, offsetof(struct q_opts, qd), "1", 1, 64, NULL, ""},
	{NULL},
};

static void
test_uri_query(void)
{
	struct q_opts o = {false, 1};
	char p1[] = "nqn.x:y?hdgst=1&qd=8&sqfc_disable=0", p2[] = "nqn.x:y", p3[] = "n?qd=100";
	char err[128];

	/* 1: known keys set, unknown ones (meant for the other end) skipped, NQN cut */
	CU_ASSERT_EQUAL(nvmf_tcp_uri_query(p1, g_q_tbl, &o, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(p1, "nqn.x:y");
	CU_ASSERT(o.hdgst);
	CU_ASSERT_EQUAL(o.qd, 8);
	/* 2: no query: untouched */
	CU_ASSERT_EQUAL(nvmf_tcp_uri_query(p2, g_q_tbl, &o, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(p2, "nqn.x:y");
	/* 3: a known key with a bad value is an error */
	CU_ASSERT_NOT_EQUAL(nvmf_tcp_uri_query(p3, g_q_tbl, &o, err, sizeof(err)), 0);
}

IOP_UT_MAIN("nvmf_tcp_pdu", IOP_UT(test_uri_query), IOP_UT(test_crc32c_vectors),
	    IOP_UT(test_hdgst_from_capture), IOP_UT(test_ch_table), IOP_UT(test_ic_checks), IOP_UT(test_layout),
	    IOP_UT(test_rx_parser), IOP_UT(test_rx_direct), IOP_UT(test_replay_capture))
