/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: pcap recorder: handshake, per-direction sequence numbers, segmentation of large
 * payloads, valid IPv4/TCP checksums, payload bytes preserved, FIN at the end. */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "iopath/util.h"
#include "targets/transport/nvmf_tcp/nvmf_tcp_internal.h"
#include "tests/common/ut.h"

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint16_t
csum(const uint8_t *p, size_t len, uint32_t sum)
{
	while (len > 1) {
		sum += get16(p);
		p += 2;
		len -= 2;
	}
	if (len) {
		sum += (uint32_t)p[0] << 8;
	}
	while (sum >> 16) {
		sum = (sum & 0xffff) + (sum >> 16);
	}
	return (uint16_t)~sum;
}

static void
test_pcap_roundtrip(void)
{
	char path[] = "/tmp/iopath-pcap-ut-XXXXXX";
	int fd = mkstemp(path);
	struct nvmf_tcp_pcap_file *f;
	struct nvmf_tcp_pcap c;
	static uint8_t big[150000], got[150000];
	uint8_t small[100];
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *pc;
	struct pcap_pkthdr *h;
	const u_char *pkt;
	uint32_t next_seq[2] = {0, 0}, n_pkts = 0, n_syn = 0, n_fin = 0;
	size_t got_len = 0;
	bool seq_ok = true, csum_ok = true;

	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	for (size_t i = 0; i < sizeof(big); i++) {
		big[i] = (uint8_t)(i * 13);
	}
	memset(small, 0x5a, sizeof(small));
	CU_ASSERT_EQUAL_FATAL(nvmf_tcp_pcap_open(path, &f), 0);
	nvmf_tcp_pcap_conn_start(&c, f, 0x7f000001, 40000, 0x7f000001, 4420);
	nvmf_tcp_pcap_data(&c, NVMF_TCP_DIR_H2C, small, sizeof(small));
	nvmf_tcp_pcap_data(&c, NVMF_TCP_DIR_C2H, big, sizeof(big)); /* 3 segments */
	nvmf_tcp_pcap_data(&c, NVMF_TCP_DIR_H2C, small, sizeof(small));
	nvmf_tcp_pcap_conn_end(&c);
	nvmf_tcp_pcap_close(f);

	pc = pcap_open_offline(path, errbuf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pc);
	CU_ASSERT_EQUAL(pcap_datalink(pc), DLT_EN10MB);
	while (pcap_next_ex(pc, &h, &pkt) == 1) {
		const uint8_t *ip = pkt + 14, *tcp = ip + 20, *pl = tcp + 20;
		uint32_t iplen = get16(ip + 2), plen = iplen - 40, seq = get32(tcp + 4);
		int dir = get16(tcp) == 4420 ? NVMF_TCP_DIR_C2H : NVMF_TCP_DIR_H2C;
		uint8_t fl = tcp[13];
		uint32_t ps = 0;

		n_pkts++;
		CU_ASSERT_EQUAL(h->caplen, 14 + iplen);
		CU_ASSERT_EQUAL(get16(pkt + 12), 0x0800);
		csum_ok &= csum(ip, 20, 0) == 0;
		ps += get16(ip + 12) + get16(ip + 14) + get16(ip + 16) + get16(ip + 18);
		ps += 6 + 20 + plen;
		csum_ok &= csum(tcp, 20 + plen, ps) == 0;
		if (fl & 0x02) {
			n_syn++;
			next_seq[dir] = seq + 1;
			continue;
		}
		seq_ok &= seq == next_seq[dir];
		/* every segment but the first SYN acknowledges the other side's stream */
		seq_ok &= get32(tcp + 8) == next_seq[!dir];
		next_seq[dir] += plen + ((fl & 0x01) ? 1 : 0);
		n_fin += (fl & 0x01) != 0;
		if (dir == NVMF_TCP_DIR_C2H && plen) {
			memcpy(got + got_len, pl, plen);
			got_len += plen;
		}
	}
	pcap_close(pc);
	unlink(path);
	/* SYN, SYN-ACK, ACK, 100, 3 x big, 100, FIN, FIN, ACK */
	CU_ASSERT_EQUAL(n_pkts, 11);
	CU_ASSERT_EQUAL(n_syn, 2);
	CU_ASSERT_EQUAL(n_fin, 2);
	CU_ASSERT(seq_ok);
	CU_ASSERT(csum_ok);
	CU_ASSERT_EQUAL(got_len, sizeof(big));
	CU_ASSERT_EQUAL(memcmp(got, big, sizeof(big)), 0);
}

static void
test_pcap_bad_path(void)
{
	struct nvmf_tcp_pcap_file *f = NULL;

	CU_ASSERT_EQUAL(nvmf_tcp_pcap_open("/nonexistent-dir/x.pcap", &f), -EACCES);
	CU_ASSERT_PTR_NULL(f);
}

IOP_UT_MAIN("nvmf_tcp_pcap", IOP_UT(test_pcap_roundtrip), IOP_UT(test_pcap_bad_path))
