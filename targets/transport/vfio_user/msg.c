/* SPDX-License-Identifier: BSD-3-Clause */
/* vfio-user message framing over a UNIX stream socket: whole messages with SCM_RIGHTS fds. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include "iopath/util.h"
#include "vfu_internal.h"

const char *
vfio_user_cmd_name(unsigned int cmd)
{
	static const char *const names[VFIO_USER_MAX_CMD] = {
		[VFIO_USER_VERSION] = "VERSION",
		[VFIO_USER_DMA_MAP] = "DMA_MAP",
		[VFIO_USER_DMA_UNMAP] = "DMA_UNMAP",
		[VFIO_USER_DEVICE_GET_INFO] = "DEVICE_GET_INFO",
		[VFIO_USER_DEVICE_GET_REGION_INFO] = "DEVICE_GET_REGION_INFO",
		[VFIO_USER_DEVICE_GET_REGION_IO_FDS] = "DEVICE_GET_REGION_IO_FDS",
		[VFIO_USER_DEVICE_GET_IRQ_INFO] = "DEVICE_GET_IRQ_INFO",
		[VFIO_USER_DEVICE_SET_IRQS] = "DEVICE_SET_IRQS",
		[VFIO_USER_REGION_READ] = "REGION_READ",
		[VFIO_USER_REGION_WRITE] = "REGION_WRITE",
		[VFIO_USER_DMA_READ] = "DMA_READ",
		[VFIO_USER_DMA_WRITE] = "DMA_WRITE",
		[VFIO_USER_DEVICE_RESET] = "DEVICE_RESET",
		[VFIO_USER_DIRTY_PAGES] = "DIRTY_PAGES",
		[VFIO_USER_REGION_WRITE_MULTI] = "REGION_WRITE_MULTI",
		[VFIO_USER_DEVICE_FEATURE] = "DEVICE_FEATURE",
		[VFIO_USER_MIG_DATA_READ] = "MIG_DATA_READ",
		[VFIO_USER_MIG_DATA_WRITE] = "MIG_DATA_WRITE",
	};

	return cmd < VFIO_USER_MAX_CMD && names[cmd] ? names[cmd] : "UNKNOWN";
}

void
vfu_msg_init(struct vfu_msg *m)
{
	memset(m, 0, sizeof(*m));
	for (unsigned int i = 0; i < VFU_MAX_FDS; i++) {
		m->fds[i] = -1;
	}
}

void
vfu_msg_reset(struct vfu_msg *m)
{
	for (unsigned int i = 0; i < m->nfds; i++) {
		if (m->fds[i] >= 0) {
			close(m->fds[i]);
		}
		m->fds[i] = -1;
	}
	m->nfds = 0;
	m->len = 0;
	m->truncated = false;
}

void
vfu_msg_fini(struct vfu_msg *m)
{
	vfu_msg_reset(m);
	free(m->buf);
	m->buf = NULL;
	m->cap = 0;
}

/* Read exactly len bytes (no fds). \return 0, -ECONNRESET if EOF before any byte, -EPROTO for
 * EOF/timeout in the middle. */
static int
msg_read_full(int sock, void *p, size_t len, bool at_boundary)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(sock, (uint8_t *)p + got, len - got, 0);

		if (n == 0) {
			return at_boundary && got == 0 ? -ECONNRESET : -EPROTO;
		}
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				return -EPROTO;
			}
			return -errno;
		}
		got += (size_t)n;
	}
	return 0;
}

static int
msg_discard(int sock, uint64_t len)
{
	uint8_t scratch[4096];

	while (len) {
		size_t n = len > sizeof(scratch) ? sizeof(scratch) : (size_t)len;
		int rc = msg_read_full(sock, scratch, n, false);

		if (rc) {
			return rc;
		}
		len -= n;
	}
	return 0;
}

int
vfu_msg_recv(int sock, struct vfu_msg *m, uint32_t max)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * VFU_MAX_FDS)];
	} ctl;
	struct iovec iov = {.iov_base = &m->hdr, .iov_len = sizeof(m->hdr)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf)};
	struct cmsghdr *c;
	bool fd_overflow = false;
	ssize_t n;
	uint32_t plen;
	int rc;

	vfu_msg_reset(m);
	do {
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n == 0) {
		return -ECONNRESET;
	}
	if (n < 0) {
		return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
			continue;
		}
		unsigned int k = (unsigned int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		int *fds = (int *)CMSG_DATA(c);

		for (unsigned int i = 0; i < k; i++) {
			if (m->nfds < VFU_MAX_FDS) {
				m->fds[m->nfds++] = fds[i];
			} else {
				close(fds[i]);
				fd_overflow = true;
			}
		}
	}
	if (mh.msg_flags & MSG_CTRUNC) {
		fd_overflow = true;
	}
	if ((size_t)n < sizeof(m->hdr)) {
		rc = msg_read_full(sock, (uint8_t *)&m->hdr + n, sizeof(m->hdr) - (size_t)n, false);
		if (rc) {
			return rc;
		}
	}
	if (m->hdr.msg_size < sizeof(m->hdr)) {
		/* Header claims less than itself: nothing more belongs to this message. */
		return fd_overflow ? -EBADMSG : 0;
	}
	plen = m->hdr.msg_size - (uint32_t)sizeof(m->hdr);
	if (plen > max) {
		m->truncated = true;
		rc = msg_discard(sock, plen);
		return rc ? rc : (fd_overflow ? -EBADMSG : 0);
	}
	if (plen + 1 > m->cap) {
		size_t cap = IOP_ALIGN_UP((size_t)plen + 1, 4096);
		uint8_t *b = realloc(m->buf, cap);

		if (!b) {
			return -ENOMEM;
		}
		m->buf = b;
		m->cap = cap;
	}
	m->payload = m->buf;
	if (plen) {
		rc = msg_read_full(sock, m->buf, plen, false);
		if (rc) {
			return rc;
		}
	}
	m->buf[plen] = 0;
	m->len = plen;
	return fd_overflow ? -EBADMSG : 0;
}

int
vfu_msg_send(int sock, struct vfio_user_hdr *hdr, const void *p1, size_t l1, const void *p2,
	     size_t l2, const int *fds, unsigned int nfds)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * VFU_MAX_FDS)];
	} ctl;
	struct iovec iov[3];
	struct msghdr mh = {.msg_iov = iov};
	size_t total, sent = 0;

	if (nfds > VFU_MAX_FDS) {
		return -EINVAL;
	}
	total = sizeof(*hdr) + l1 + l2;
	if (total > UINT32_MAX) {
		return -EMSGSIZE;
	}
	hdr->msg_size = (uint32_t)total;
	iov[0].iov_base = hdr;
	iov[0].iov_len = sizeof(*hdr);
	mh.msg_iovlen = 1;
	if (l1) {
		iov[mh.msg_iovlen].iov_base = (void *)p1;
		iov[mh.msg_iovlen++].iov_len = l1;
	}
	if (l2) {
		iov[mh.msg_iovlen].iov_base = (void *)p2;
		iov[mh.msg_iovlen++].iov_len = l2;
	}
	if (nfds) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	while (sent < total) {
		ssize_t n = sendmsg(sock, &mh, MSG_NOSIGNAL);

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
		/* Partial write: advance the iovecs; fds went with the first byte. */
		mh.msg_control = NULL;
		mh.msg_controllen = 0;
		while (n > 0 && mh.msg_iovlen) {
			if ((size_t)n >= mh.msg_iov[0].iov_len) {
				n -= (ssize_t)mh.msg_iov[0].iov_len;
				mh.msg_iov++;
				mh.msg_iovlen--;
			} else {
				mh.msg_iov[0].iov_base = (uint8_t *)mh.msg_iov[0].iov_base + n;
				mh.msg_iov[0].iov_len -= (size_t)n;
				n = 0;
			}
		}
	}
	return 0;
}
