/* SPDX-License-Identifier: BSD-3-Clause */
/* `iopath conform record`: man-in-the-middle recorder for UNIX-socket protocols (vfio-user,
 * vhost-user) writing the JSON Lines trace format, file descriptors passed through. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "conformance/conform_internal.h"
#include "conformance/nvme_wire_internal.h"

/*
 * Bytes are forwarded exactly as they arrive, each chunk with the descriptors that came with it
 * (SCM_RIGHTS attaches to the chunk's first byte, so the receiver sees the same association).
 * Framing is only used for the record: vfio-user (16-byte header, size includes it) or
 * vhost-user (12-byte header, size excludes it). Descriptors are attributed to the message that
 * holds the first byte of the chunk they came with.
 */

#define REC_MAX_FDS 64
#define REC_BUF (4u << 20)

struct rec_dir {
	uint8_t *buf;
	size_t len;
	int pend_fds;           /* fds received for the message being assembled */
};

struct rec {
	FILE *out;
	bool vhost;
	unsigned long long seq;
	int conn;
	struct timespec t0;
	volatile sig_atomic_t *stop;
};

static volatile sig_atomic_t g_rec_stop;

static void
rec_sig(int sig)
{
	g_rec_stop = 1;
}

static double
rec_now(const struct rec *r)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)(ts.tv_sec - r->t0.tv_sec) + (double)(ts.tv_nsec - r->t0.tv_nsec) / 1e9;
}

static void
rec_hex(FILE *f, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%02x", b[i]);
	}
}

static void
rec_event(struct rec *r, const char *ev, const char *dir)
{
	fprintf(r->out, "{\"seq\": %llu, \"event\": \"%s\", \"conn\": %d, \"t_rel\": %.6f%s%s%s}\n",
		r->seq++, ev, r->conn, rec_now(r), dir ? ", \"dir\": \"" : "", dir ? dir : "",
		dir ? "\"" : "");
	fflush(r->out);
}

/* Emit every complete message buffered in d. */
static void
rec_frames(struct rec *r, struct rec_dir *d, const char *dir)
{
	size_t hl = r->vhost ? 12 : 16;

	while (d->len >= hl) {
		size_t total = r->vhost ? hl + cw_le32(d->buf + 8) : cw_le32(d->buf + 4);

		if (total < hl) {
			total = hl; /* malformed size: record the header alone */
		}
		if (d->len < total) {
			if (total > REC_BUF) {
				d->len = 0; /* cannot frame: drop the record, bytes were forwarded */
			}
			return;
		}
		fprintf(r->out, "{\"seq\": %llu, \"conn\": %d, \"proto\": \"%s\", \"dir\": \"%s\", "
				"\"t_rel\": %.6f, \"nfds\": %d, \"header_hex\": \"",
			r->seq++, r->conn, r->vhost ? "vhost-user" : "vfio-user", dir, rec_now(r),
			d->pend_fds);
		rec_hex(r->out, d->buf, hl);
		fprintf(r->out, "\", \"payload_hex\": \"");
		rec_hex(r->out, d->buf + hl, total - hl);
		fprintf(r->out, "\"}\n");
		d->pend_fds = 0;
		memmove(d->buf, d->buf + total, d->len - total);
		d->len -= total;
	}
	fflush(r->out);
}

/* Move one chunk from src to dst. \return bytes moved, 0 on EOF, negative errno. */
static ssize_t
rec_pump(struct rec *r, int src, int dst, struct rec_dir *d, const char *dir)
{
	uint8_t buf[65536];
	char cbuf[CMSG_SPACE(sizeof(int) * REC_MAX_FDS)];
	struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf)};
	int fds[REC_MAX_FDS], nfds = 0;
	ssize_t n = recvmsg(src, &mh, MSG_CMSG_CLOEXEC);

	if (n <= 0) {
		return n < 0 ? -errno : 0;
	}
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			int k = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));

			for (int i = 0; i < k && nfds < REC_MAX_FDS; i++) {
				memcpy(&fds[nfds++], CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			}
		}
	}
	{
		struct iovec oiov = {.iov_base = buf, .iov_len = (size_t)n};
		char ocbuf[CMSG_SPACE(sizeof(int) * REC_MAX_FDS)] = {0};
		struct msghdr om = {.msg_iov = &oiov, .msg_iovlen = 1};
		ssize_t w;

		if (nfds) {
			struct cmsghdr *cm;

			om.msg_control = ocbuf;
			om.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
			cm = CMSG_FIRSTHDR(&om);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
			memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)nfds);
		}
		w = sendmsg(dst, &om, MSG_NOSIGNAL);
		for (int i = 0; i < nfds; i++) {
			close(fds[i]);
		}
		if (w != n) {
			return w < 0 ? -errno : -EIO;
		}
	}
	/* Attribute the fds to the message holding this chunk's first byte. */
	if (nfds) {
		size_t hl = r->vhost ? 12 : 16;

		if (d->len < hl || d->len < (r->vhost ? hl + cw_le32(d->buf + 8) : cw_le32(d->buf + 4))) {
			d->pend_fds += nfds;
		}
	}
	if (d->len + (size_t)n <= REC_BUF) {
		memcpy(d->buf + d->len, buf, (size_t)n);
		d->len += (size_t)n;
	}
	rec_frames(r, d, dir);
	return n;
}

static int
rec_listen(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return -errno;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 4)) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}

static int
rec_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return -errno;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}

/* Relay one client session until either side closes. */
static void
rec_session(struct rec *r, int cfd, const char *upstream)
{
	struct rec_dir d[2] = {{.buf = malloc(REC_BUF)}, {.buf = malloc(REC_BUF)}};
	int ufd = rec_connect(upstream);

	if (ufd < 0 || !d[0].buf || !d[1].buf) {
		fprintf(stderr, "iopath conform record: upstream %s: %s\n", upstream,
			ufd < 0 ? strerror(-ufd) : "out of memory");
		goto out;
	}
	rec_event(r, "connect", NULL);
	while (!g_rec_stop) {
		struct pollfd p[2] = {{.fd = cfd, .events = POLLIN}, {.fd = ufd, .events = POLLIN}};

		if (poll(p, 2, 200) < 0) {
			if (errno == EINTR) {
				continue;
			}
			break;
		}
		if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    rec_pump(r, cfd, ufd, &d[0], "c2s") <= 0) {
			rec_event(r, "eof", "c2s");
			break;
		}
		if ((p[1].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    rec_pump(r, ufd, cfd, &d[1], "s2c") <= 0) {
			rec_event(r, "eof", "s2c");
			break;
		}
	}
	rec_event(r, "close", NULL);
out:
	if (ufd >= 0) {
		close(ufd);
	}
	free(d[0].buf);
	free(d[1].buf);
}

int
iop_conform_record_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"listen", required_argument, NULL, 'l'},
		{"upstream", required_argument, NULL, 'u'},
		{"out", required_argument, NULL, 'o'},
		{"proto", required_argument, NULL, 'p'},
		{"sessions", required_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *listen_path = NULL, *upstream = NULL, *out = NULL, *proto = "vfio-user";
	struct rec r = {0};
	int c, lfd, sessions = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			listen_path = optarg;
			break;
		case 'u':
			upstream = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'p':
			proto = optarg;
			break;
		case 'n':
			sessions = atoi(optarg);
			break;
		case 'h':
			printf("usage: iopath conform record --listen SOCK --upstream SOCK --out TRACE.jsonl\n"
			       "       [--proto vfio-user|vhost-user] [--sessions N]\n"
			       "Relays N client sessions (default 1) to the upstream socket, passing file\n"
			       "descriptors through, and records every message (JSON Lines, see\n"
			       "shared/traces/vfio-user/README.md). Prints \"ready\" when listening.\n");
			return 0;
		default:
			return 2;
		}
	}
	if (!listen_path || !upstream || !out ||
	    (strcmp(proto, "vfio-user") && strcmp(proto, "vhost-user"))) {
		fprintf(stderr, "usage: iopath conform record --listen SOCK --upstream SOCK --out F "
				"[--proto vfio-user|vhost-user]\n");
		return 2;
	}
	r.vhost = !strcmp(proto, "vhost-user");
	r.out = fopen(out, "w");
	if (!r.out) {
		fprintf(stderr, "iopath conform record: %s: %s\n", out, strerror(errno));
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &r.t0);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, rec_sig);
	signal(SIGTERM, rec_sig);
	lfd = rec_listen(listen_path);
	if (lfd < 0) {
		fprintf(stderr, "iopath conform record: %s: %s\n", listen_path, strerror(-lfd));
		fclose(r.out);
		return 1;
	}
	printf("ready %s\n", listen_path);
	fflush(stdout);
	for (int i = 0; (sessions <= 0 || i < sessions) && !g_rec_stop; i++) {
		struct pollfd p = {.fd = lfd, .events = POLLIN};
		int cfd;

		if (poll(&p, 1, 200) <= 0) {
			i--;
			continue;
		}
		cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (cfd < 0) {
			i--;
			continue;
		}
		r.conn = i;
		rec_session(&r, cfd, upstream);
		close(cfd);
	}
	close(lfd);
	unlink(listen_path);
	fclose(r.out);
	return 0;
}
