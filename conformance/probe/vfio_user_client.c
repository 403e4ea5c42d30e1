/* SPDX-License-Identifier: BSD-3-Clause */
/* Minimal raw vfio-user client (AF_UNIX, SCM_RIGHTS) used by the probes and the replayer. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "conformance/nvme_wire_internal.h"
#include "conformance/probe/vfio_user_client.h"
#include "conformance/vfio_user_wire_internal.h"

static void
vucli_drop_fds(struct vucli *c)
{
	for (int i = 0; i < c->nrxfds; i++) {
		close(c->rxfds[i]);
	}
	c->nrxfds = 0;
}

int
vucli_open(struct vucli *c, const char *path, int timeout_ms)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	memset(c, 0, sizeof(*c));
	c->timeout_ms = timeout_ms;
	c->next_id = 0x100;
	c->rx = malloc(VUC_MAX_MSG);
	if (!c->rx) {
		return -ENOMEM;
	}
	if (strlen(path) >= sizeof(sa.sun_path)) {
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		return -errno;
	}
	return connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
}

void
vucli_close(struct vucli *c)
{
	vucli_drop_fds(c);
	if (c->fd >= 0) {
		close(c->fd);
	}
	c->fd = -1;
	free(c->rx);
	c->rx = NULL;
}

int
vucli_send_raw(struct vucli *c, const void *buf, size_t len, const int *fds, int nfds)
{
	char cbuf[CMSG_SPACE(sizeof(int) * VUC_MAX_FDS)] = {0};
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	size_t sent = 0;

	if (nfds > 0) {
		struct cmsghdr *cm;

		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)nfds);
	}
	while (sent < len) {
		ssize_t n;

		iov.iov_base = (uint8_t *)buf + sent;
		iov.iov_len = len - sent;
		n = sendmsg(c->fd, &mh, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			return -errno;
		}
		sent += (size_t)n;
		mh.msg_control = NULL;
		mh.msg_controllen = 0;
	}
	return 0;
}

int
vucli_send(struct vucli *c, uint16_t id, uint16_t cmd, uint32_t flags, const void *payload,
	   size_t len, const int *fds, int nfds)
{
	uint8_t *b = malloc(VU_HDR_LEN + len);
	int rc;

	if (!b) {
		return -ENOMEM;
	}
	cw_put16(b, id);
	cw_put16(b + 2, cmd);
	cw_put32(b + 4, (uint32_t)(VU_HDR_LEN + len));
	cw_put32(b + 8, flags);
	cw_put32(b + 12, 0);
	if (len) {
		memcpy(b + VU_HDR_LEN, payload, len);
	}
	rc = vucli_send_raw(c, b, VU_HDR_LEN + len, fds, nfds);
	free(b);
	return rc;
}

/* Read exactly len bytes, collecting fds. */
static int
vucli_read(struct vucli *c, uint8_t *buf, size_t len)
{
	while (len) {
		char cbuf[CMSG_SPACE(sizeof(int) * VUC_MAX_FDS)];
		struct iovec iov = {.iov_base = buf, .iov_len = len};
		struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				    .msg_controllen = sizeof(cbuf)};
		struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
		ssize_t n;
		int r = poll(&pfd, 1, c->timeout_ms);

		if (r == 0) {
			return -ETIMEDOUT;
		}
		if (r < 0) {
			if (errno == EINTR) {
				continue;
			}
			return -errno;
		}
		n = recvmsg(c->fd, &mh, MSG_CMSG_CLOEXEC);
		if (n == 0) {
			return -ECONNRESET;
		}
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				continue;
			}
			return -errno;
		}
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
				int nf = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
				int *f = (int *)CMSG_DATA(cm);

				for (int i = 0; i < nf; i++) {
					if (c->nrxfds < VUC_MAX_FDS) {
						c->rxfds[c->nrxfds++] = f[i];
					} else {
						close(f[i]);
					}
				}
			}
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int
vucli_recv(struct vucli *c)
{
	uint32_t size;
	int rc;

	vucli_drop_fds(c);
	c->rxlen = 0;
	rc = vucli_read(c, c->rx, VU_HDR_LEN);
	if (rc) {
		return rc;
	}
	size = cw_le32(c->rx + 4);
	if (size < VU_HDR_LEN || size > VUC_MAX_MSG) {
		return -EPROTO;
	}
	rc = vucli_read(c, c->rx + VU_HDR_LEN, size - VU_HDR_LEN);
	if (!rc) {
		c->rxlen = size;
	}
	return rc;
}

uint16_t
vucli_rx_cmd(const struct vucli *c)
{
	return cw_le16(c->rx + 2);
}

uint32_t
vucli_rx_flags(const struct vucli *c)
{
	return cw_le32(c->rx + 8);
}

uint32_t
vucli_rx_errno(const struct vucli *c)
{
	return cw_le32(c->rx + 12);
}

int
vucli_call(struct vucli *c, uint16_t cmd, const void *payload, size_t len, const int *fds,
	   int nfds)
{
	uint16_t id = c->next_id++;
	int rc = vucli_send(c, id, cmd, 0, payload, len, fds, nfds);

	while (!rc) {
		rc = vucli_recv(c);
		if (rc) {
			break;
		}
		if ((vucli_rx_flags(c) & VU_F_TYPE_MASK) == VU_F_REPLY) {
			return cw_le16(c->rx) == id ? 0 : -EPROTO;
		}
		/* A server command (DMA_READ/WRITE): we mapped memory by fd, refuse politely. */
		rc = vucli_send(c, cw_le16(c->rx), vucli_rx_cmd(c), VU_F_REPLY | VU_F_ERROR, NULL, 0,
				NULL, 0);
	}
	return rc;
}

int
vucli_version(struct vucli *c)
{
	static const char caps[] = "{\"capabilities\":{\"max_msg_fds\":8,"
				   "\"max_data_xfer_size\":1048576}}";
	uint8_t p[4 + sizeof(caps)];
	int rc;

	cw_put16(p, 0);
	cw_put16(p + 2, 2);
	memcpy(p + 4, caps, sizeof(caps));
	rc = vucli_call(c, VU_VERSION, p, sizeof(p), NULL, 0);
	if (rc) {
		return rc;
	}
	return (vucli_rx_flags(c) & VU_F_ERROR) || vucli_rx_cmd(c) != VU_VERSION ? -EPROTO : 0;
}
