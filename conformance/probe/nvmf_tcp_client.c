/* SPDX-License-Identifier: BSD-3-Clause */
/* Minimal raw NVMe/TCP host used by probes and replay (blocking sockets with timeouts). */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "conformance/nvme_wire_internal.h"
#include "conformance/probe/nvmf_tcp_client.h"
#include "iopath/util.h"

int
ntcli_open(struct ntcli *c, const char *host, int port, int timeout_ms)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
	char ports[16];
	int one = 1, rc;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->timeout_ms = timeout_ms;
	c->next_cid = 1;
	c->force_cid = -1;
	c->rx = malloc(NTC_PDU_MAX);
	if (!c->rx) {
		return -ENOMEM;
	}
	snprintf(ports, sizeof(ports), "%d", port);
	rc = getaddrinfo(host, ports, &hints, &ai);
	if (rc) {
		return -EHOSTUNREACH;
	}
	c->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		rc = -errno;
		freeaddrinfo(ai);
		return rc;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	rc = connect(c->fd, ai->ai_addr, ai->ai_addrlen) ? -errno : 0;
	freeaddrinfo(ai);
	return rc;
}

void
ntcli_close(struct ntcli *c)
{
	if (c->fd >= 0) {
		close(c->fd);
	}
	c->fd = -1;
	free(c->rx);
	c->rx = NULL;
}

int
ntcli_send(struct ntcli *c, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read exactly len bytes. \return event. */
static enum ntcli_event
ntcli_read(struct ntcli *c, uint8_t *buf, size_t len)
{
	while (len) {
		struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
		ssize_t n;
		int r = poll(&pfd, 1, c->timeout_ms);

		if (r == 0) {
			return NTCLI_TIMEOUT;
		}
		if (r < 0) {
			if (errno == EINTR) {
				continue;
			}
			return NTCLI_ERROR;
		}
		n = recv(c->fd, buf, len, 0);
		if (n == 0) {
			return NTCLI_EOF;
		}
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				continue;
			}
			return errno == ECONNRESET ? NTCLI_EOF : NTCLI_ERROR;
		}
		buf += n;
		len -= (size_t)n;
	}
	return NTCLI_PDU;
}

enum ntcli_event
ntcli_recv(struct ntcli *c)
{
	enum ntcli_event e = ntcli_read(c, c->rx, 8);
	uint32_t plen;

	c->rxlen = 0;
	if (e != NTCLI_PDU) {
		return e;
	}
	plen = cw_le32(c->rx + 4);
	if (plen < 8 || plen > NTC_PDU_MAX) {
		return NTCLI_ERROR;
	}
	e = ntcli_read(c, c->rx + 8, plen - 8);
	if (e == NTCLI_PDU) {
		c->rxlen = plen;
	}
	return e;
}

int
ntcli_send_pdu(struct ntcli *c, uint8_t *hdr, unsigned int hlen, const void *data, uint32_t dlen,
	       bool nodgst, int corrupt)
{
	uint8_t *b;
	uint32_t hd = 0, dd = 0, pdo = 0, plen, align;
	int rc;

	if (!nodgst && (c->dgst & 1)) {
		hdr[1] |= CW_F_HDGST;
		hd = 4;
	}
	if (!nodgst && (c->dgst & 2) && dlen) {
		hdr[1] |= CW_F_DDGST;
		dd = 4;
	}
	hdr[2] = (uint8_t)hlen;
	if (dlen) {
		align = (c->cpda + 1u) * 4u;
		pdo = IOP_ALIGN_UP(hlen + hd, align);
	}
	plen = (dlen ? pdo : hlen + hd) + dlen + dd;
	hdr[3] = (uint8_t)pdo;
	cw_put32(hdr + 4, plen);
	b = calloc(1, plen);
	if (!b) {
		return -ENOMEM;
	}
	memcpy(b, hdr, hlen);
	if (hd) {
		cw_put32(b + hlen, iop_conf_crc32c(b, hlen) ^ (corrupt == 1 ? 0x5a5a5a5au : 0));
	}
	if (dlen) {
		memcpy(b + pdo, data, dlen);
	}
	if (dd) {
		cw_put32(b + pdo + dlen, iop_conf_crc32c(data, dlen) ^ (corrupt == 2 ? 0xa5a5a5a5u : 0));
	}
	rc = ntcli_send(c, b, plen);
	free(b);
	return rc;
}

int
ntcli_icreq(struct ntcli *c, uint16_t pfv, uint8_t hpda, uint8_t dgst)
{
	uint8_t h[CW_IC_LEN] = {CW_ICREQ};
	int rc;

	cw_put16(h + 8, pfv);
	h[10] = hpda;
	h[11] = dgst;
	cw_put32(h + 12, 0);
	rc = ntcli_send_pdu(c, h, CW_IC_LEN, NULL, 0, true, 0);
	if (rc) {
		return rc;
	}
	switch (ntcli_recv(c)) {
	case NTCLI_PDU:
		break;
	case NTCLI_EOF:
		return -ECONNRESET;
	case NTCLI_TIMEOUT:
		return -ETIMEDOUT;
	default:
		return -EIO;
	}
	if (c->rx[0] != CW_ICRESP || c->rxlen < CW_IC_LEN) {
		return -EPROTO;
	}
	c->cpda = c->rx[10];
	c->dgst = c->rx[11] & 3;
	c->maxh2cdata = cw_le32(c->rx + 12);
	return 0;
}

void
ntcli_sqe(uint8_t *sqe, uint8_t opc, uint32_t nsid, uint32_t len)
{
	memset(sqe, 0, 64);
	sqe[SQE_OPC] = opc;
	sqe[SQE_FLAGS] = 1 << 6; /* PSDT 01b: SGL */
	cw_put32(sqe + SQE_NSID, nsid);
	cw_put32(sqe + 32, len);
	sqe[39] = SGL_ID_TRANSPORT;
}

const char *
ntcli_hostnqn(void)
{
	return "nqn.2014-08.org.nvmexpress:uuid:7d9f1c3e-0000-4000-8000-10a7a7c0f0ff";
}

static int
ntcli_wait_event(enum ntcli_event e)
{
	switch (e) {
	case NTCLI_EOF:
		return -ECONNRESET;
	case NTCLI_TIMEOUT:
		return -ETIMEDOUT;
	default:
		return -EIO;
	}
}

int
ntcli_cmd(struct ntcli *c, uint8_t *sqe, const void *icd, uint32_t icd_len, const void *h2c,
	  uint32_t h2c_len, void *c2h, uint32_t c2h_cap, struct ntcli_cpl *cpl)
{
	uint8_t h[CW_CMD_HLEN] = {CW_CMD};
	uint16_t cid = c->force_cid >= 0 ? (uint16_t)c->force_cid : c->next_cid++;
	int rc, corrupt = c->corrupt_next;

	memset(cpl, 0, sizeof(*cpl));
	c->force_cid = -1;
	c->corrupt_next = 0;
	if (c->next_cid == 0xffff) {
		c->next_cid = 1;
	}
	cw_put16(sqe + SQE_CID, cid);
	if (icd_len) {
		cw_put32(sqe + 32, icd_len);
		sqe[39] = SGL_ID_DATA_OFFSET;
		cw_put64(sqe + 24, 0);
	}
	memcpy(h + 8, sqe, 64);
	rc = ntcli_send_pdu(c, h, CW_CMD_HLEN, icd, icd_len, false, corrupt);
	if (rc) {
		return rc;
	}
	for (;;) {
		enum ntcli_event e = ntcli_recv(c);
		const uint8_t *p = c->rx;
		uint32_t hd;

		if (e != NTCLI_PDU) {
			return ntcli_wait_event(e);
		}
		hd = (p[1] & CW_F_HDGST) ? 4 : 0;
		if (p[0] == CW_RESP && c->rxlen >= 24 + hd) {
			cpl->dw0 = cw_le32(p + 8);
			cpl->dw1 = cw_le32(p + 12);
			cpl->sqid = cw_le16(p + 18);
			cpl->cid = cw_le16(p + 20);
			cpl->status = (uint16_t)(cw_le16(p + 22) >> 1);
			if (cpl->cid != cid) {
				for (unsigned int k = 0; k < c->nasync; k++) {
					if (c->async_cid[k] == cpl->cid) {
						c->async_cid[k] = c->async_cid[--c->nasync];
						c->async_done++;
						memset(cpl, 0, sizeof(*cpl));
						goto next;
					}
				}
				return -EPROTO;
			}
			return 0;
		}
		if (p[0] == CW_C2H_DATA && c->rxlen >= 24) {
			uint32_t datao = cw_le32(p + 12), datal = cw_le32(p + 16), pdo = p[3];

			if (c2h && pdo && datao < c2h_cap && pdo + (uint64_t)datal <= c->rxlen) {
				memcpy((uint8_t *)c2h + datao, p + pdo, IOP_MIN(datal, c2h_cap - datao));
			}
			cpl->c2h_bytes += datal;
			if (p[1] & CW_F_SUCCESS) {
				cpl->cid = cw_le16(p + 8);
				cpl->via_success = true;
				return 0;
			}
			continue;
		}
		if (p[0] == CW_R2T && c->rxlen >= 24) {
			uint16_t ttag = cw_le16(p + 10);
			uint32_t r2to = cw_le32(p + 12), r2tl = cw_le32(p + 16), done = 0;

			while (done < r2tl) {
				uint8_t d[24] = {CW_H2C_DATA};
				uint32_t n = IOP_MIN(r2tl - done, c->maxh2cdata ? c->maxh2cdata : 4096);

				cw_put16(d + 8, cid);
				cw_put16(d + 10, ttag);
				cw_put32(d + 12, r2to + done);
				cw_put32(d + 16, n);
				d[1] = done + n == r2tl ? CW_F_LAST : 0;
				if (!h2c || r2to + done + n > h2c_len) {
					return -EPROTO;
				}
				rc = ntcli_send_pdu(c, d, 24, (const uint8_t *)h2c + r2to + done, n, false,
						    0);
				if (rc) {
					return rc;
				}
				done += n;
			}
			continue;
		}
		return -EPROTO; /* TermReq or anything unexpected: left in c->rx */
next:;
	}
}

int
ntcli_cmd_async(struct ntcli *c, uint8_t *sqe)
{
	uint8_t h[CW_CMD_HLEN] = {CW_CMD};
	uint16_t cid = c->force_cid >= 0 ? (uint16_t)c->force_cid : c->next_cid++;

	c->force_cid = -1;
	if (c->nasync >= sizeof(c->async_cid) / sizeof(c->async_cid[0])) {
		return -ENOSPC;
	}
	cw_put16(sqe + SQE_CID, cid);
	memcpy(h + 8, sqe, 64);
	c->async_cid[c->nasync++] = cid;
	return ntcli_send_pdu(c, h, CW_CMD_HLEN, NULL, 0, false, 0);
}

int
ntcli_connect(struct ntcli *c, uint16_t qid, uint16_t sqsize, uint16_t cntlid,
	      const char *subnqn, const char *hostnqn, uint16_t recfmt, struct ntcli_cpl *cpl)
{
	uint8_t sqe[64] = {0}, data[CONNECT_DATA_LEN] = {0};

	sqe[SQE_OPC] = NVMF_OPC;
	sqe[SQE_FLAGS] = 1 << 6;
	sqe[SQE_FCTYPE] = FCT_CONNECT;
	cw_put16(sqe + 40, recfmt);
	cw_put16(sqe + 42, qid);
	cw_put16(sqe + 44, sqsize);
	cw_put32(sqe + 48, 0); /* KATO 0: no keep alive needed for short probes */
	for (int i = 0; i < 16; i++) {
		data[i] = (uint8_t)(0x11 * (i + 1));
	}
	cw_put16(data + CONNECT_DATA_CNTLID, cntlid);
	snprintf((char *)data + CONNECT_DATA_SUBNQN, 256, "%s", subnqn);
	snprintf((char *)data + CONNECT_DATA_HOSTNQN, 256, "%s", hostnqn);
	return ntcli_cmd(c, sqe, data, sizeof(data), NULL, 0, NULL, 0, cpl);
}

int
ntcli_prop_get(struct ntcli *c, uint32_t ofst, unsigned int size, struct ntcli_cpl *cpl)
{
	uint8_t sqe[64] = {0};

	sqe[SQE_OPC] = NVMF_OPC;
	sqe[SQE_FLAGS] = 1 << 6;
	sqe[SQE_FCTYPE] = FCT_PROP_GET;
	sqe[40] = size == 8 ? 1 : 0;
	cw_put32(sqe + 44, ofst);
	return ntcli_cmd(c, sqe, NULL, 0, NULL, 0, NULL, 0, cpl);
}

int
ntcli_prop_set(struct ntcli *c, uint32_t ofst, unsigned int size, uint64_t val,
	       struct ntcli_cpl *cpl)
{
	uint8_t sqe[64] = {0};

	sqe[SQE_OPC] = NVMF_OPC;
	sqe[SQE_FLAGS] = 1 << 6;
	sqe[SQE_FCTYPE] = FCT_PROP_SET;
	sqe[40] = size == 8 ? 1 : 0;
	cw_put32(sqe + 44, ofst);
	cw_put64(sqe + 48, val);
	return ntcli_cmd(c, sqe, NULL, 0, NULL, 0, NULL, 0, cpl);
}
