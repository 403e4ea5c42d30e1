/* SPDX-License-Identifier: BSD-3-Clause */
/* vhost-user wire format (QEMU docs/interop/vhost-user.rst): message header, payloads, request and
 * protocol-feature numbers, and framed send/receive with file descriptors (SCM_RIGHTS). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include "targets/transport/vhost_user/proto.h"

const char *
vhu_request_name(uint32_t req)
{
	static const char *const names[VHU_REQUEST_MAX] = {
		[VHU_GET_FEATURES] = "GET_FEATURES",
		[VHU_SET_FEATURES] = "SET_FEATURES",
		[VHU_SET_OWNER] = "SET_OWNER",
		[VHU_RESET_OWNER] = "RESET_OWNER",
		[VHU_SET_MEM_TABLE] = "SET_MEM_TABLE",
		[VHU_SET_LOG_BASE] = "SET_LOG_BASE",
		[VHU_SET_LOG_FD] = "SET_LOG_FD",
		[VHU_SET_VRING_NUM] = "SET_VRING_NUM",
		[VHU_SET_VRING_ADDR] = "SET_VRING_ADDR",
		[VHU_SET_VRING_BASE] = "SET_VRING_BASE",
		[VHU_GET_VRING_BASE] = "GET_VRING_BASE",
		[VHU_SET_VRING_KICK] = "SET_VRING_KICK",
		[VHU_SET_VRING_CALL] = "SET_VRING_CALL",
		[VHU_SET_VRING_ERR] = "SET_VRING_ERR",
		[VHU_GET_PROTOCOL_FEATURES] = "GET_PROTOCOL_FEATURES",
		[VHU_SET_PROTOCOL_FEATURES] = "SET_PROTOCOL_FEATURES",
		[VHU_GET_QUEUE_NUM] = "GET_QUEUE_NUM",
		[VHU_SET_VRING_ENABLE] = "SET_VRING_ENABLE",
		[VHU_SEND_RARP] = "SEND_RARP",
		[VHU_NET_SET_MTU] = "NET_SET_MTU",
		[VHU_SET_BACKEND_REQ_FD] = "SET_BACKEND_REQ_FD",
		[VHU_IOTLB_MSG] = "IOTLB_MSG",
		[VHU_SET_VRING_ENDIAN] = "SET_VRING_ENDIAN",
		[VHU_GET_CONFIG] = "GET_CONFIG",
		[VHU_SET_CONFIG] = "SET_CONFIG",
		[VHU_GET_INFLIGHT_FD] = "GET_INFLIGHT_FD",
		[VHU_SET_INFLIGHT_FD] = "SET_INFLIGHT_FD",
		[VHU_RESET_DEVICE] = "RESET_DEVICE",
		[VHU_GET_MAX_MEM_SLOTS] = "GET_MAX_MEM_SLOTS",
		[VHU_ADD_MEM_REG] = "ADD_MEM_REG",
		[VHU_REM_MEM_REG] = "REM_MEM_REG",
		[VHU_SET_STATUS] = "SET_STATUS",
		[VHU_GET_STATUS] = "GET_STATUS",
	};

	return req < VHU_REQUEST_MAX && names[req] ? names[req] : "?";
}

void
vhu_msg_close_fds(struct vhu_msg *m)
{
	for (unsigned int i = 0; i < m->nfds; i++) {
		if (m->fds[i] >= 0) {
			close(m->fds[i]);
		}
	}
	m->nfds = 0;
}

static int
vhu_read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(fd, (char *)buf + got, len - got, 0);

		if (n == 0) {
			return -EPIPE;
		}
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		}
		got += (size_t)n;
	}
	return 0;
}

int
vhu_recv(int fd, struct vhu_msg *m)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * VHU_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {.iov_base = &m->hdr, .iov_len = sizeof(m->hdr)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf)};
	ssize_t n;
	int rc;

	m->nfds = 0;
	do {
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n == 0) {
		return -EPIPE;
	}
	if (n < 0) {
		return -errno;
	}
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			unsigned int k = (unsigned int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));

			for (unsigned int i = 0; i < k; i++) {
				int f;

				memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
				if (m->nfds < VHU_MAX_FDS) {
					m->fds[m->nfds++] = f;
				} else {
					close(f);
				}
			}
		}
	}
	if (mh.msg_flags & MSG_CTRUNC) {
		vhu_msg_close_fds(m);
		return -EPROTO;
	}
	if ((size_t)n < sizeof(m->hdr)) {
		rc = vhu_read_full(fd, (char *)&m->hdr + n, sizeof(m->hdr) - (size_t)n);
		if (rc) {
			vhu_msg_close_fds(m);
			return rc;
		}
	}
	if (m->hdr.size > VHU_MAX_PAYLOAD || (m->hdr.flags & 3) != VHU_FLAG_VERSION) {
		vhu_msg_close_fds(m);
		return -EPROTO;
	}
	rc = vhu_read_full(fd, &m->p, m->hdr.size);
	if (rc) {
		vhu_msg_close_fds(m);
		return rc;
	}
	return 0;
}

int
vhu_send(int fd, const struct vhu_msg *m)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * VHU_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov[2] = {
		{.iov_base = (void *)&m->hdr, .iov_len = sizeof(m->hdr)},
		{.iov_base = (void *)&m->p, .iov_len = m->hdr.size},
	};
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
	size_t total = sizeof(m->hdr) + m->hdr.size, sent = 0;

	if (m->nfds) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * m->nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * m->nfds);
		memcpy(CMSG_DATA(c), m->fds, sizeof(int) * m->nfds);
	}
	while (sent < total) {
		ssize_t n = sendmsg(fd, &mh, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			return -errno;
		}
		sent += (size_t)n;
		if (sent == total) {
			break;
		}
		/* partial write: send the rest without the fds */
		mh.msg_control = NULL;
		mh.msg_controllen = 0;
		while (mh.msg_iovlen && (size_t)n >= mh.msg_iov->iov_len) {
			n -= (ssize_t)mh.msg_iov->iov_len;
			mh.msg_iov++;
			mh.msg_iovlen--;
		}
		if (mh.msg_iovlen) {
			mh.msg_iov->iov_base = (char *)mh.msg_iov->iov_base + n;
			mh.msg_iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}
