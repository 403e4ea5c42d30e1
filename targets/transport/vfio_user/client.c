/* SPDX-License-Identifier: BSD-3-Clause */
/* vfio-user client session: connect, VERSION, command/reply exchange, serving DMA_READ/WRITE. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>
#include "iopath/log.h"
#include "iopath/util.h"
#include "vfu_internal.h"

#define CLIENT_TIMEOUT_S 10

static int
client_send(struct vfu_client *c, struct vfio_user_hdr *h, const void *p1, size_t l1,
	    const void *p2, size_t l2, const int *fds, unsigned int nfds)
{
	int rc = vfu_msg_send(c->sock, h, p1, l1, p2, l2, fds, nfds);

	if (!rc && c->trace) {
		uint8_t tmp[512];
		const void *pl = p1;
		size_t len = l1 + l2;

		if (l2) {
			len = IOP_MIN(len, sizeof(tmp));
			memcpy(tmp, p1, IOP_MIN(l1, len));
			if (len > l1) {
				memcpy(tmp + l1, p2, len - l1);
			}
			pl = tmp;
		}
		vfu_trace_msg(c->trace, true, h, pl, (uint32_t)len, nfds);
	}
	return rc;
}

int
vfu_client_connect(struct vfu_client *c, const char *path, struct vfu_trace *trace)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = CLIENT_TIMEOUT_S};
	int rc;

	memset(c, 0, sizeof(*c));
	c->sock = -1;
	vfu_msg_init(&c->msg);
	vfu_caps_default(&c->peer);
	pthread_mutex_init(&c->lock, NULL);
	c->trace = trace;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	c->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->sock < 0) {
		return -errno;
	}
	if (connect(c->sock, (struct sockaddr *)&sa, sizeof(sa))) {
		rc = -errno;
		close(c->sock);
		c->sock = -1;
		return rc;
	}
	setsockopt(c->sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c->sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (trace) {
		vfu_trace_event(trace, "connect", path);
	}
	return 0;
}

void
vfu_client_close(struct vfu_client *c)
{
	if (c->sock >= 0) {
		close(c->sock);
		if (c->trace) {
			vfu_trace_event(c->trace, "close", NULL);
		}
	}
	c->sock = -1;
	vfu_msg_fini(&c->msg);
	pthread_mutex_destroy(&c->lock);
}

/* A DMA_READ/DMA_WRITE command from the server: answer from our memory. */
static int
client_serve_dma(struct vfu_client *c)
{
	struct vfio_user_hdr h = {.msg_id = c->msg.hdr.msg_id, .cmd = c->msg.hdr.cmd,
				  .flags = VFIO_USER_F_TYPE_REPLY};
	const struct vfio_user_dma_access *a = (const void *)c->msg.payload;
	bool write = c->msg.hdr.cmd == VFIO_USER_DMA_WRITE;
	uint8_t *p = NULL;
	int err = 0;

	if (c->msg.len < VFIO_USER_DMA_ACCESS_HDR || c->msg.nfds) {
		err = EINVAL;
	} else if (a->count > c->peer.max_data_xfer_size && a->count > VFIO_USER_DEF_MAX_DATA_XFER) {
		err = EINVAL;
	} else if (write ? c->msg.len != VFIO_USER_DMA_ACCESS_HDR + a->count
			 : c->msg.len != VFIO_USER_DMA_ACCESS_HDR) {
		err = EINVAL;
	} else if (!c->dma_ptr || !(p = c->dma_ptr(c->dma_arg, a->addr, a->count, write))) {
		err = EFAULT;
	}
	if (err) {
		h.flags |= VFIO_USER_F_ERROR;
		h.error_no = (uint32_t)err;
		return client_send(c, &h, NULL, 0, NULL, 0, NULL, 0);
	}
	if (write) {
		memcpy(p, a->data, a->count);
		return client_send(c, &h, a, VFIO_USER_DMA_ACCESS_HDR, NULL, 0, NULL, 0);
	}
	return client_send(c, &h, a, VFIO_USER_DMA_ACCESS_HDR, p, a->count, NULL, 0);
}

int
vfu_client_call(struct vfu_client *c, uint16_t cmd, const void *p1, size_t l1, const void *p2,
		size_t l2, const int *fds, unsigned int nfds)
{
	struct vfio_user_hdr h = {.cmd = cmd, .flags = VFIO_USER_F_TYPE_CMD};
	int rc;

	if (c->sock < 0) {
		return -ENOTCONN;
	}
	h.msg_id = c->next_id++;
	rc = client_send(c, &h, p1, l1, p2, l2, fds, nfds);
	if (rc) {
		return rc;
	}
	for (;;) {
		rc = vfu_msg_recv(c->sock, &c->msg, VFIO_USER_DEF_MAX_DATA_XFER + 4096);
		if (rc == -EAGAIN) {
			return -ETIMEDOUT;
		}
		if (rc) {
			return rc == -ECONNRESET ? -ECONNRESET : rc;
		}
		if (c->trace) {
			vfu_trace_msg(c->trace, false, &c->msg.hdr, c->msg.payload, c->msg.len,
				      c->msg.nfds);
		}
		if ((c->msg.hdr.flags & VFIO_USER_F_TYPE_MASK) == VFIO_USER_F_TYPE_CMD &&
		    (c->msg.hdr.cmd == VFIO_USER_DMA_READ || c->msg.hdr.cmd == VFIO_USER_DMA_WRITE)) {
			rc = client_serve_dma(c);
			if (rc) {
				return rc;
			}
			continue;
		}
		break;
	}
	if ((c->msg.hdr.flags & VFIO_USER_F_TYPE_MASK) != VFIO_USER_F_TYPE_REPLY ||
	    c->msg.hdr.msg_id != h.msg_id || c->msg.hdr.cmd != cmd) {
		IOP_ERR("vfio-user: expected reply to %s id %u, got cmd %u id %u flags 0x%x",
			vfio_user_cmd_name(cmd), h.msg_id, c->msg.hdr.cmd, c->msg.hdr.msg_id,
			c->msg.hdr.flags);
		return -EPROTO;
	}
	if (c->msg.hdr.flags & VFIO_USER_F_ERROR) {
		return c->msg.hdr.error_no ? -(int)c->msg.hdr.error_no : -EIO;
	}
	return 0;
}

int
vfu_client_version(struct vfu_client *c)
{
	struct vfio_user_version v = {.major = VFIO_USER_MAJOR, .minor = VFIO_USER_MINOR};
	struct vfu_caps mine;
	char json[256];
	uint16_t maj, min;
	int n, rc;

	vfu_caps_default(&mine);
	mine.max_msg_fds = VFU_MAX_FDS;
	n = vfu_caps_json(&mine, json, sizeof(json));
	if (n < 0) {
		return n;
	}
	rc = vfu_client_call(c, VFIO_USER_VERSION, &v, sizeof(v), json, (size_t)n + 1, NULL, 0);
	if (rc) {
		return rc;
	}
	if (vfu_version_parse(c->msg.payload, c->msg.len, &maj, &min, &c->peer) ||
	    maj != VFIO_USER_MAJOR || min > VFIO_USER_MINOR) {
		IOP_ERR("vfio-user: server answered VERSION with an unusable reply");
		return -EPROTO;
	}
	return 0;
}

int
vfu_client_region_read(struct vfu_client *c, uint32_t region, uint64_t off, void *buf,
		       uint32_t count)
{
	struct vfio_user_region_access a = {.offset = off, .region = region, .count = count};
	const struct vfio_user_region_access *r;
	int rc;

	pthread_mutex_lock(&c->lock);
	rc = vfu_client_call(c, VFIO_USER_REGION_READ, &a, sizeof(a), NULL, 0, NULL, 0);
	if (!rc) {
		r = (const void *)c->msg.payload;
		if (c->msg.len != sizeof(a) + count || r->count != count || r->offset != off ||
		    r->region != region) {
			rc = -EPROTO;
		} else {
			memcpy(buf, r->data, count);
		}
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int
vfu_client_region_write(struct vfu_client *c, uint32_t region, uint64_t off, const void *buf,
			uint32_t count)
{
	struct vfio_user_region_access a = {.offset = off, .region = region, .count = count};
	int rc;

	pthread_mutex_lock(&c->lock);
	rc = vfu_client_call(c, VFIO_USER_REGION_WRITE, &a, sizeof(a), buf, count, NULL, 0);
	if (!rc && c->msg.len != sizeof(a)) {
		rc = -EPROTO;
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int
vfu_client_service(struct vfu_client *c)
{
	struct pollfd p = {.fd = c->sock, .events = POLLIN};
	int n = 0, rc;

	if (c->sock < 0) {
		return -ENOTCONN;
	}
	if (pthread_mutex_trylock(&c->lock)) {
		return 0; /* the thread in vfu_client_call serves them meanwhile */
	}
	while (poll(&p, 1, 0) > 0) {
		rc = vfu_msg_recv(c->sock, &c->msg, VFIO_USER_DEF_MAX_DATA_XFER + 4096);
		if (rc) {
			n = rc == -EAGAIN ? n : rc;
			break;
		}
		if (c->trace) {
			vfu_trace_msg(c->trace, false, &c->msg.hdr, c->msg.payload, c->msg.len,
				      c->msg.nfds);
		}
		if ((c->msg.hdr.flags & VFIO_USER_F_TYPE_MASK) != VFIO_USER_F_TYPE_CMD ||
		    (c->msg.hdr.cmd != VFIO_USER_DMA_READ && c->msg.hdr.cmd != VFIO_USER_DMA_WRITE)) {
			IOP_ERR("vfio-user: unexpected message from the server (cmd %u flags 0x%x)",
				c->msg.hdr.cmd, c->msg.hdr.flags);
			n = -EPROTO;
			break;
		}
		rc = client_serve_dma(c);
		if (rc) {
			n = rc;
			break;
		}
		n++;
	}
	pthread_mutex_unlock(&c->lock);
	return n;
}
