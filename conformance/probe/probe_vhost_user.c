/* SPDX-License-Identifier: BSD-3-Clause */
/* vhost-user active probes: unknown request, oversized message, malformed memory tables. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "conformance/nvme_wire_internal.h"
#include "conformance/probe/probe.h"

enum { VH_GET_FEATURES = 1, VH_SET_FEATURES = 2, VH_SET_OWNER = 3, VH_SET_MEM_TABLE = 5,
       VH_GET_PROTOCOL_FEATURES = 15, VH_SET_PROTOCOL_FEATURES = 16 };
#define VH_F_V1 0x1u
#define VH_F_REPLY 0x4u
#define VH_F_NEED_REPLY 0x8u
#define VH_PROTOCOL_FEATURES (1ull << 30)
#define VH_PF_REPLY_ACK (1ull << 3)

struct vh {
	int fd;
	int timeout_ms;
	bool reply_ack;
	uint8_t rx[4096];
	uint32_t rxlen;
};

static int
vh_open(struct iop_probe_ctx *ctx, struct vh *h)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	memset(h, 0, sizeof(*h));
	h->timeout_ms = ctx->timeout_ms;
	if (strlen(ctx->uri.path) >= sizeof(sa.sun_path)) {
		h->fd = -1;
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, ctx->uri.path);
	h->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (h->fd < 0) {
		return -errno;
	}
	return connect(h->fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
}

static void
vh_close(struct vh *h)
{
	if (h->fd >= 0) {
		close(h->fd);
	}
	h->fd = -1;
}

static int
vh_send(struct vh *h, uint32_t req, uint32_t flags, uint32_t size, const void *pl, size_t len,
	const int *fds, int nfds)
{
	uint8_t buf[12 + 512];
	char cbuf[CMSG_SPACE(sizeof(int) * 16)] = {0};
	struct iovec iov = {.iov_base = buf, .iov_len = 12 + len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};

	if (len > 512 || nfds > 16) {
		return -EINVAL;
	}
	cw_put32(buf, req);
	cw_put32(buf + 4, flags);
	cw_put32(buf + 8, size);
	if (len) {
		memcpy(buf + 12, pl, len);
	}
	if (nfds) {
		struct cmsghdr *cm;

		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)nfds);
	}
	return sendmsg(h->fd, &mh, MSG_NOSIGNAL) == (ssize_t)(12 + len) ? 0 : -EIO;
}

/* \return 0 with h->rx/rxlen, -ECONNRESET on EOF, -ETIMEDOUT. */
static int
vh_recv(struct vh *h)
{
	size_t got = 0, want = 12;

	while (got < want) {
		struct pollfd pfd = {.fd = h->fd, .events = POLLIN};
		ssize_t n;

		if (poll(&pfd, 1, h->timeout_ms) <= 0) {
			return -ETIMEDOUT;
		}
		n = recv(h->fd, h->rx + got, want - got, 0);
		if (n <= 0) {
			return -ECONNRESET;
		}
		got += (size_t)n;
		if (got == 12) {
			want = 12 + cw_le32(h->rx + 8);
			if (want > sizeof(h->rx)) {
				return -EPROTO;
			}
		}
	}
	h->rxlen = (uint32_t)got;
	return 0;
}

/* GET_FEATURES round trip; \return 0 and *features. */
static int
vh_get_u64(struct vh *h, uint32_t req, uint64_t *v)
{
	int rc = vh_send(h, req, VH_F_V1, 0, NULL, 0, NULL, 0);

	rc = rc ? rc : vh_recv(h);
	if (rc) {
		return rc;
	}
	if (cw_le32(h->rx) != req || h->rxlen != 20) {
		return -EPROTO;
	}
	*v = cw_le64(h->rx + 12);
	return 0;
}

/* Negotiate features (and REPLY_ACK when offered), then SET_OWNER. */
static int
vh_setup(struct iop_probe_ctx *ctx, struct vh *h)
{
	uint64_t f, pf;
	uint8_t b[8];
	int rc = vh_open(ctx, h);

	rc = rc ? rc : vh_get_u64(h, VH_GET_FEATURES, &f);
	if (rc) {
		return rc;
	}
	if (f & VH_PROTOCOL_FEATURES) {
		cw_put64(b, f & (VH_PROTOCOL_FEATURES | 1ull << 32));
		rc = vh_send(h, VH_SET_FEATURES, VH_F_V1, 8, b, 8, NULL, 0);
		rc = rc ? rc : vh_get_u64(h, VH_GET_PROTOCOL_FEATURES, &pf);
		if (!rc && (pf & VH_PF_REPLY_ACK)) {
			cw_put64(b, VH_PF_REPLY_ACK);
			rc = vh_send(h, VH_SET_PROTOCOL_FEATURES, VH_F_V1, 8, b, 8, NULL, 0);
			h->reply_ack = !rc;
		}
	}
	return rc ? rc : vh_send(h, VH_SET_OWNER, VH_F_V1, 0, NULL, 0, NULL, 0);
}

static void
vh_survived(struct iop_probe_ctx *ctx, const char *after)
{
	struct vh h;
	uint64_t f;
	struct iop_conf_pos pos;
	char what[96];
	int rc = vh_open(ctx, &h);

	rc = rc ? rc : vh_get_u64(&h, VH_GET_FEATURES, &f);
	vh_close(&h);
	snprintf(what, sizeof(what), "good front-end after %s", after);
	iop_probe_pos(&pos, what);
	if (iop_conf_expect(ctx->v, rc == 0, "VHU-013", &pos, "GET_FEATURES served|%s",
			    strerror(-rc))) {
		ctx->nsurvived++;
	}
	ctx->nprobes++;
}

/* A malformed SET_MEM_TABLE must not be accepted: NAK with REPLY_ACK, or a disconnect. */
static void
vh_bad_table(struct iop_probe_ctx *ctx, const char *what, const char *rule, uint32_t nregions,
	     uint64_t size0, bool overlap, int nfds)
{
	uint8_t b[8 + 32 * 9] = {0};
	int fds[9], mfd = memfd_create("iopath-probe-vhu", MFD_CLOEXEC);
	struct iop_conf_pos pos;
	struct vh h;
	int rc;

	iop_probe_pos(&pos, what);
	if (mfd < 0 || ftruncate(mfd, 1 << 20) || vh_setup(ctx, &h)) {
		if (mfd >= 0) {
			close(mfd);
		}
		iop_conf_event(ctx->v, &pos, "%s: front-end setup failed, probe skipped", what);
		vh_close(&h);
		return;
	}
	cw_put32(b, nregions);
	for (uint32_t i = 0; i < nregions && i < 9; i++) {
		uint8_t *r = b + 8 + 32 * i;

		cw_put64(r, overlap ? 0 : (uint64_t)i << 20);         /* guest address */
		cw_put64(r + 8, i == 0 ? size0 : 1 << 20);             /* size */
		cw_put64(r + 16, 0x7f0000000000ull + ((uint64_t)i << 20)); /* user address */
		cw_put64(r + 24, 0);                                   /* mmap offset */
		fds[i] = mfd;
	}
	rc = vh_send(&h, VH_SET_MEM_TABLE, VH_F_V1 | (h.reply_ack ? VH_F_NEED_REPLY : 0),
		     8 + 32 * nregions, b, 8 + 32 * nregions, fds, nfds);
	if (!rc && h.reply_ack) {
		rc = vh_recv(&h);
		if (rc == -ECONNRESET) {
			iop_conf_pass(ctx->v, rule);
		} else if (rc) {
			iop_conf_fail(ctx->v, rule, &pos, "non-zero REPLY_ACK or disconnect|%s",
				      strerror(-rc));
		} else {
			uint64_t ack = h.rxlen >= 20 ? cw_le64(h.rx + 12) : 0;

			iop_conf_event(ctx->v, &pos, "%s: REPLY_ACK %llu", what, (unsigned long long)ack);
			iop_conf_expect(ctx->v, ack != 0, rule, &pos,
					"non-zero REPLY_ACK (rejected)|0 (accepted)");
		}
	} else if (!rc) {
		uint64_t f;

		rc = vh_get_u64(&h, VH_GET_FEATURES, &f);
		if (rc == -ECONNRESET) {
			iop_conf_pass(ctx->v, rule);
		} else {
			iop_conf_event(ctx->v, &pos, "%s: no REPLY_ACK and no disconnect: inconclusive",
				       what);
		}
	}
	vh_close(&h);
	close(mfd);
	vh_survived(ctx, what);
}

static int
vhp_run(struct iop_probe_ctx *ctx)
{
	struct vh h;
	struct iop_conf_pos pos;
	uint64_t f;
	int rc = vh_open(ctx, &h);

	rc = rc ? rc : vh_get_u64(&h, VH_GET_FEATURES, &f);
	vh_close(&h);
	if (rc) {
		fprintf(stderr, "iopath conform probe: %s: GET_FEATURES failed (%s)\n", ctx->uri_str,
			strerror(-rc));
		return rc;
	}
	/* Unknown request code. */
	if (!vh_setup(ctx, &h)) {
		vh_send(&h, 9999, VH_F_V1, 0, NULL, 0, NULL, 0);
		rc = vh_get_u64(&h, VH_GET_FEATURES, &f);
		iop_probe_pos(&pos, "unknown request 9999");
		iop_conf_event(ctx->v, &pos, "unknown request 9999: %s",
			       rc == -ECONNRESET ? "back-end closed the connection" :
			       rc ? strerror(-rc) : "ignored, connection still served");
	}
	vh_close(&h);
	vh_survived(ctx, "unknown request 9999");
	/* A header announcing a 256 MiB payload. */
	if (!vh_open(ctx, &h)) {
		rc = vh_send(&h, VH_GET_FEATURES, VH_F_V1, 256u << 20, NULL, 0, NULL, 0);
		rc = rc ? rc : vh_recv(&h);
		iop_probe_pos(&pos, "256 MiB payload announced");
		iop_conf_expect(ctx->v, rc == -ECONNRESET || rc == -ETIMEDOUT, "VHU-001", &pos,
				"message rejected (disconnect) or left unanswered|%s",
				rc ? strerror(-rc) : "answered as if well formed");
	}
	vh_close(&h);
	vh_survived(ctx, "256 MiB payload announced");
	vh_bad_table(ctx, "SET_MEM_TABLE 9 regions", "VHU-007", 9, 1 << 20, false, 9);
	vh_bad_table(ctx, "SET_MEM_TABLE region of size 0", "VHU-014", 1, 0, false, 1);
	vh_bad_table(ctx, "SET_MEM_TABLE overlapping regions", "VHU-014", 2, 1 << 20, true, 2);
	vh_bad_table(ctx, "SET_MEM_TABLE without its fd", "VHU-007", 1, 1 << 20, false, 0);
	return 0;
}

const struct iop_probe_suite iop_probe_vhost_user_blk = {
	.scheme = "vhost-user-blk",
	.kind = "vhost-user",
	.rules = "VHU",
	.run = vhp_run,
};

const struct iop_probe_suite iop_probe_vhost_user_scsi = {
	.scheme = "vhost-user-scsi",
	.kind = "vhost-user",
	.rules = "VHU",
	.run = vhp_run,
};
