/* SPDX-License-Identifier: BSD-3-Clause */
/* Session recording: NVMe/TCP byte streams to pcap with synthetic Ethernet/IPv4/TCP framing. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include "iopath/log.h"
#include "iopath/util.h"
#include "targets/transport/nvmf_tcp/nvmf_tcp_internal.h"

/*
 * Each direction of a connection keeps its own sequence number; every segment acknowledges
 * everything the other side sent so far, so tshark's TCP reassembly sees one clean stream per
 * direction. Checksums (IPv4 header and TCP) are computed so no decoder flags them.
 *
 * The controller's port is always recorded as 4420, the NVMe/TCP port decoders know, whatever
 * port the session really used (tests run on random ports): `tshark -r F` then decodes every
 * recording as nvme-tcp without a -d option. Addresses and the host's ports are the real ones.
 */

#define PCAP_SNAPLEN 65535
#define PCAP_SEG_MAX 65000u     /* payload per synthetic segment */
#define PCAP_HDRS (14 + 20 + 20)

#define TCPF_FIN 0x01
#define TCPF_SYN 0x02
#define TCPF_PSH 0x08
#define TCPF_ACK 0x10

struct nvmf_tcp_pcap_file {
	pcap_t *pc;
	pcap_dumper_t *d;
	pthread_mutex_t lock;
	uint8_t pkt[PCAP_HDRS + PCAP_SEG_MAX];
	uint16_t ip_id;
};

int
nvmf_tcp_pcap_open(const char *path, struct nvmf_tcp_pcap_file **out)
{
	struct nvmf_tcp_pcap_file *f = calloc(1, sizeof(*f));

	if (!f) {
		return -ENOMEM;
	}
	f->pc = pcap_open_dead(DLT_EN10MB, PCAP_SNAPLEN);
	if (!f->pc) {
		free(f);
		return -ENOMEM;
	}
	f->d = pcap_dump_open(f->pc, path);
	if (!f->d) {
		IOP_ERR("cannot open trace file %s: %s", path, pcap_geterr(f->pc));
		pcap_close(f->pc);
		free(f);
		return -EACCES;
	}
	pthread_mutex_init(&f->lock, NULL);
	*out = f;
	return 0;
}

void
nvmf_tcp_pcap_close(struct nvmf_tcp_pcap_file *f)
{
	if (!f) {
		return;
	}
	pcap_dump_close(f->d);
	pcap_close(f->pc);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

static uint32_t
csum_add(uint32_t sum, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 1) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len) {
		sum += (uint32_t)p[0] << 8;
	}
	return sum;
}

static uint16_t
csum_fold(uint32_t sum)
{
	while (sum >> 16) {
		sum = (sum & 0xffff) + (sum >> 16);
	}
	return (uint16_t)~sum;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* Write one segment: payload comes from iov (skipping skip bytes), len bytes. Lock held. */
static void
pcap_segment(struct nvmf_tcp_pcap *c, int dir, uint8_t tcpflags, const struct iovec *iov,
	     int cnt, size_t skip, size_t len)
{
	struct nvmf_tcp_pcap_file *f = c->f;
	uint8_t *p = f->pkt, *ip = p + 14, *tcp = ip + 20, *pl = tcp + 20;
	struct pcap_pkthdr h;
	uint32_t sum;
	size_t w = 0;

	/* Ethernet: locally administered MACs derived from the direction. */
	memset(p, 0, 14);
	p[0] = 0x02;
	p[5] = (uint8_t)(dir == NVMF_TCP_DIR_H2C ? 2 : 1);
	p[6] = 0x02;
	p[11] = (uint8_t)(dir == NVMF_TCP_DIR_H2C ? 1 : 2);
	put16(p + 12, 0x0800);
	/* IPv4 */
	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 2, (uint16_t)(20 + 20 + len));
	put16(ip + 4, f->ip_id++);
	put16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = IPPROTO_TCP;
	put16(ip + 10, 0);
	put32(ip + 12, c->ip[dir]);
	put32(ip + 16, c->ip[!dir]);
	put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
	/* TCP */
	put16(tcp, c->port[dir]);
	put16(tcp + 2, c->port[!dir]);
	put32(tcp + 4, c->seq[dir]);
	put32(tcp + 8, (tcpflags & TCPF_ACK) ? c->seq[!dir] : 0);
	tcp[12] = 5 << 4;
	tcp[13] = tcpflags;
	put16(tcp + 14, 65535);
	put16(tcp + 16, 0);
	put16(tcp + 18, 0);
	for (int i = 0; i < cnt && w < len; i++) {
		size_t l = iov[i].iov_len, n;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		n = IOP_MIN(l - skip, len - w);
		memcpy(pl + w, (const uint8_t *)iov[i].iov_base + skip, n);
		w += n;
		skip = 0;
	}
	/* TCP checksum over the pseudo header, header and payload. */
	sum = csum_add(0, ip + 12, 8);
	sum += IPPROTO_TCP + (uint32_t)(20 + len);
	sum = csum_add(sum, tcp, 20 + len);
	put16(tcp + 16, csum_fold(sum));

	gettimeofday(&h.ts, NULL);
	h.caplen = h.len = (bpf_u_int32)(PCAP_HDRS + len);
	pcap_dump((u_char *)f->d, &h, p);
	c->seq[dir] += (uint32_t)len + ((tcpflags & (TCPF_SYN | TCPF_FIN)) ? 1 : 0);
}

void
nvmf_tcp_pcap_conn_start(struct nvmf_tcp_pcap *c, struct nvmf_tcp_pcap_file *f, uint32_t host_ip,
			 uint16_t host_port, uint32_t ctrl_ip, uint16_t ctrl_port)
{
	c->f = f;
	c->ip[0] = host_ip;
	c->ip[1] = ctrl_ip;
	c->port[0] = host_port;
	c->port[1] = ctrl_port;
	c->seq[0] = 0x10000000u + ((uint32_t)host_port << 8);
	c->seq[1] = 0x60000000u + ((uint32_t)ctrl_port << 8);
	pthread_mutex_lock(&f->lock);
	pcap_segment(c, NVMF_TCP_DIR_H2C, TCPF_SYN, NULL, 0, 0, 0);
	pcap_segment(c, NVMF_TCP_DIR_C2H, TCPF_SYN | TCPF_ACK, NULL, 0, 0, 0);
	pcap_segment(c, NVMF_TCP_DIR_H2C, TCPF_ACK, NULL, 0, 0, 0);
	pthread_mutex_unlock(&f->lock);
}

static void
pcap_addr(const struct sockaddr_storage *ss, uint32_t *ip, uint16_t *port)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)ss;

		*ip = ntohl(s->sin_addr.s_addr);
		*port = ntohs(s->sin_port);
	} else {
		const struct sockaddr_in6 *s = (const void *)ss;

		/* IPv6 peers are shown as IPv4: an IPv4-mapped address keeps its low word. */
		memcpy(ip, &s->sin6_addr.s6_addr[12], 4);
		*ip = ntohl(*ip);
		if (IN6_IS_ADDR_LOOPBACK(&s->sin6_addr)) {
			*ip = 0x7f000001;
		}
		*port = ntohs(s->sin6_port);
	}
}

void
nvmf_tcp_pcap_conn_from_fd(struct nvmf_tcp_pcap *c, struct nvmf_tcp_pcap_file *f, int fd,
			   bool is_controller)
{
	struct sockaddr_storage me = {0}, peer = {0};
	socklen_t l1 = sizeof(me), l2 = sizeof(peer);
	uint32_t mip = 0x7f000001, pip = 0x7f000001;
	uint16_t mport = 0, pport = 0;

	if (!getsockname(fd, (struct sockaddr *)&me, &l1)) {
		pcap_addr(&me, &mip, &mport);
	}
	if (!getpeername(fd, (struct sockaddr *)&peer, &l2)) {
		pcap_addr(&peer, &pip, &pport);
	}
	if (is_controller) {
		nvmf_tcp_pcap_conn_start(c, f, pip, pport, mip, NVMF_TCP_PCAP_CTRL_PORT);
	} else {
		nvmf_tcp_pcap_conn_start(c, f, mip, mport, pip, NVMF_TCP_PCAP_CTRL_PORT);
	}
}

void
nvmf_tcp_pcap_datav(struct nvmf_tcp_pcap *c, int dir, const struct iovec *iov, int cnt, size_t len)
{
	size_t off = 0;

	if (!c->f || !len) {
		return;
	}
	pthread_mutex_lock(&c->f->lock);
	while (off < len) {
		size_t n = IOP_MIN(len - off, (size_t)PCAP_SEG_MAX);

		pcap_segment(c, dir, TCPF_ACK | TCPF_PSH, iov, cnt, off, n);
		off += n;
	}
	pthread_mutex_unlock(&c->f->lock);
}

void
nvmf_tcp_pcap_data(struct nvmf_tcp_pcap *c, int dir, const void *buf, size_t len)
{
	struct iovec v = {.iov_base = (void *)buf, .iov_len = len};

	nvmf_tcp_pcap_datav(c, dir, &v, 1, len);
}

void
nvmf_tcp_pcap_conn_end(struct nvmf_tcp_pcap *c)
{
	if (!c->f) {
		return;
	}
	pthread_mutex_lock(&c->f->lock);
	pcap_segment(c, NVMF_TCP_DIR_H2C, TCPF_FIN | TCPF_ACK, NULL, 0, 0, 0);
	pcap_segment(c, NVMF_TCP_DIR_C2H, TCPF_FIN | TCPF_ACK, NULL, 0, 0, 0);
	pcap_segment(c, NVMF_TCP_DIR_H2C, TCPF_ACK, NULL, 0, 0, 0);
	pcap_dump_flush(c->f->d);
	pthread_mutex_unlock(&c->f->lock);
	c->f = NULL;
}
