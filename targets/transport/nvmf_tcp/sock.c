/* SPDX-License-Identifier: BSD-3-Clause */
/* NVMe/TCP socket plumbing: batched sendmsg of queued PDUs, recv into the parser, socket setup. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "iopath/log.h"
#include "iopath/option.h"
#include "iopath/util.h"
#include "targets/transport/nvmf_tcp/nvmf_tcp_internal.h"
#include "targets/transport/nvmf_tcp/nvmf_tcp_sock.h"

ssize_t
nvmf_tcp_tx_flush(struct nvmf_tcp_tx *tx, int fd, struct nvmf_tcp_pcap *rec, int dir)
{
	while (tx->head < tx->tail) {
		struct msghdr msg = {0};
		ssize_t n;
		uint32_t cnt = tx->tail - tx->head;

		msg.msg_iov = &tx->iov[tx->head];
		msg.msg_iovlen = IOP_MIN(cnt, (uint32_t)IOV_MAX);
		n = sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				return (ssize_t)tx->bytes;
			}
			return -errno;
		}
		if (rec) {
			nvmf_tcp_pcap_datav(rec, dir, msg.msg_iov, (int)msg.msg_iovlen, (size_t)n);
		}
		tx->bytes -= (size_t)n;
		/* Retire fully sent iovecs, trim a partial one. */
		while (tx->head < tx->tail) {
			struct iovec *v = &tx->iov[tx->head];

			if ((size_t)n < v->iov_len) {
				v->iov_base = (uint8_t *)v->iov_base + n;
				v->iov_len -= (size_t)n;
				break;
			}
			n -= (ssize_t)v->iov_len;
			if (tx->cookie[tx->head] && tx->done) {
				tx->done(tx->ctx, tx->cookie[tx->head]);
			}
			tx->head++;
		}
	}
	tx->head = tx->tail = 0;
	return 0;
}

ssize_t
nvmf_tcp_sock_recv(int fd, struct nvmf_tcp_rx *rx, struct nvmf_tcp_pcap *rec, int dir)
{
	struct iovec iov[9];
	size_t direct;
	int cnt = nvmf_tcp_rx_direct_iov(rx, iov, 9, &direct);
	uint32_t space;
	ssize_t n;

	if (cnt) {
		struct msghdr msg = {.msg_iov = iov, .msg_iovlen = (size_t)cnt};

		do {
			n = recvmsg(fd, &msg, MSG_DONTWAIT);
		} while (n < 0 && errno == EINTR);
		if (n < 0) {
			return (errno == EAGAIN || errno == EWOULDBLOCK) ? -EAGAIN : -errno;
		}
		if (n == 0) {
			return -ECONNRESET;
		}
		if (rec) {
			nvmf_tcp_pcap_datav(rec, dir, iov, cnt, (size_t)n);
		}
		nvmf_tcp_rx_direct_done(rx, (size_t)n, direct);
		return n;
	}
	space = nvmf_tcp_rx_space(rx);
	if (!space) {
		return -ENOBUFS;
	}
	do {
		n = recv(fd, rx->buf + rx->end, space, MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		return (errno == EAGAIN || errno == EWOULDBLOCK) ? -EAGAIN : -errno;
	}
	if (n == 0) {
		return -ECONNRESET;
	}
	if (rec) {
		nvmf_tcp_pcap_data(rec, dir, rx->buf + rx->end, (size_t)n);
	}
	rx->end += (uint32_t)n;
	return n;
}

int
nvmf_tcp_sock_tune(int fd)
{
	int one = 1, flags;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one))) {
		return -errno;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK)) {
		return -errno;
	}
	return 0;
}

static int
sock_resolve(const char *host, int port, bool passive, struct addrinfo **res)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	char ps[16];
	int rc;

	if (passive) {
		hints.ai_flags = AI_PASSIVE;
	}
	snprintf(ps, sizeof(ps), "%d", port);
	rc = getaddrinfo(host && *host ? host : NULL, ps, &hints, res);
	if (rc) {
		IOP_ERR("cannot resolve %s:%d: %s", host, port, gai_strerror(rc));
		return -ENOENT;
	}
	return 0;
}

int
nvmf_tcp_sock_listen(const char *host, int port, int *port_out)
{
	struct addrinfo *res, *ai;
	int fd = -1, rc = -EADDRNOTAVAIL;

	rc = sock_resolve(host, port, true, &res);
	if (rc) {
		return rc;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		int one = 1;

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
			    ai->ai_protocol);
		if (fd < 0) {
			rc = -errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 128)) {
			rc = -errno;
			close(fd);
			fd = -1;
			continue;
		}
		break;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		return rc;
	}
	if (port_out) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);

		getsockname(fd, (struct sockaddr *)&ss, &sl);
		*port_out = ntohs(ss.ss_family == AF_INET6
					  ? ((struct sockaddr_in6 *)&ss)->sin6_port
					  : ((struct sockaddr_in *)&ss)->sin_port);
	}
	return fd;
}

int
nvmf_tcp_sock_connect(const char *host, int port)
{
	struct addrinfo *res, *ai;
	int fd = -1, rc;

	rc = sock_resolve(host, port, false, &res);
	if (rc) {
		return rc;
	}
	rc = -ECONNREFUSED;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			rc = -errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			break;
		}
		rc = -errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		return rc;
	}
	rc = nvmf_tcp_sock_tune(fd);
	if (rc) {
		close(fd);
		return rc;
	}
	return fd;
}

int
nvmf_tcp_uri_query(char *path, const struct iop_option *tbl, void *obj, char *err, size_t errlen)
{
	char *q = strchr(path, '?'), *save = NULL, *tok;

	if (!q) {
		return 0;
	}
	*q++ = '\0';
	for (tok = strtok_r(q, "&,", &save); tok; tok = strtok_r(NULL, "&,", &save)) {
		char *eq = strchr(tok, '=');
		int rc;

		if (eq) {
			*eq = '\0';
		}
		rc = iop_opt_set(tbl, obj, tok, eq ? eq + 1 : NULL, err, errlen);
		if (rc && rc != -ENOENT) {
			return rc; /* a known key with a bad value */
		}
	}
	return 0;
}
