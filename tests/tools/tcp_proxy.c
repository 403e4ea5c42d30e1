/* SPDX-License-Identifier: BSD-3-Clause */
/* Test tool: TCP proxy that forwards connections and can reset one of them (RST both ways). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/*
 * usage: tcp_proxy LISTEN_PORT HOST PORT [RST_CONN RST_AFTER]
 * Listens on 127.0.0.1:LISTEN_PORT (0: any free port), prints "ready PORT", and forwards every
 * accepted connection to HOST:PORT. Connection number RST_CONN (0 = first accepted) is reset
 * (SO_LINGER 0 close of both sides: an RST to the client and to the server) once RST_AFTER bytes
 * have gone through it from the client. Prints "reset CONN after BYTES" when it does. Runs until
 * SIGTERM/SIGINT.
 */

#define PX_MAX 64

struct px_pair {
	int fd[2];              /* [0] client side, [1] server side; -1 = closed */
	unsigned long long fwd; /* bytes from client to server */
	int idx;
};

static volatile sig_atomic_t g_px_stop;

static void
px_on_signal(int sig)
{
	g_px_stop = 1;
}

static void
px_close(struct px_pair *p, int rst)
{
	for (int i = 0; i < 2; i++) {
		if (p->fd[i] < 0) {
			continue;
		}
		if (rst) {
			struct linger l = {.l_onoff = 1, .l_linger = 0};

			setsockopt(p->fd[i], SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		}
		close(p->fd[i]);
		p->fd[i] = -1;
	}
}

static int
px_connect(const char *host, int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || inet_pton(AF_INET, host, &a.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		if (fd >= 0) {
			close(fd);
		}
		return -1;
	}
	return fd;
}

int
main(int argc, char **argv)
{
	struct px_pair pairs[PX_MAX];
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);
	long rst_conn = -1;
	unsigned long long rst_after = 0;
	int lfd, one = 1, naccepted = 0, npairs = 0;
	static char buf[65536];

	if (argc != 4 && argc != 6) {
		fprintf(stderr, "usage: tcp_proxy LISTEN_PORT HOST PORT [RST_CONN RST_AFTER_BYTES]\n");
		return 2;
	}
	if (argc == 6) {
		rst_conn = atol(argv[4]);
		rst_after = strtoull(argv[5], NULL, 0);
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, px_on_signal);
	signal(SIGINT, px_on_signal);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	a.sin_port = htons((uint16_t)atoi(argv[1]));
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 16) ||
	    getsockname(lfd, (struct sockaddr *)&a, &alen)) {
		fprintf(stderr, "tcp_proxy: cannot listen: %s\n", strerror(errno));
		return 1;
	}
	printf("ready %d\n", ntohs(a.sin_port));
	fflush(stdout);
	while (!g_px_stop) {
		struct pollfd pf[1 + 2 * PX_MAX];
		int n = 0;

		pf[n++] = (struct pollfd){.fd = lfd, .events = POLLIN};
		for (int i = 0; i < npairs; i++) {
			pf[n++] = (struct pollfd){.fd = pairs[i].fd[0], .events = POLLIN};
			pf[n++] = (struct pollfd){.fd = pairs[i].fd[1], .events = POLLIN};
		}
		if (poll(pf, (nfds_t)n, 200) <= 0) {
			continue;
		}
		for (int i = 0; i < npairs; i++) {
			struct px_pair *p = &pairs[i];

			for (int s = 0; s < 2 && p->fd[0] >= 0; s++) {
				ssize_t r;

				if (!pf[1 + 2 * i + s].revents) {
					continue;
				}
				r = read(p->fd[s], buf, sizeof(buf));
				if (r <= 0) {
					px_close(p, r < 0); /* pass an RST on as an RST, EOF as FIN */
					break;
				}
				for (ssize_t off = 0; off < r;) {
					ssize_t w = write(p->fd[!s], buf + off, (size_t)(r - off));

					if (w <= 0) {
						px_close(p, 1);
						break;
					}
					off += w;
				}
				if (s == 0 && p->fd[0] >= 0) {
					p->fwd += (unsigned long long)r;
					if (p->idx == rst_conn && p->fwd >= rst_after) {
						px_close(p, 1);
						printf("reset %d after %llu\n", p->idx, p->fwd);
						fflush(stdout);
						rst_conn = -1;
					}
				}
			}
		}
		/* drop closed pairs */
		for (int i = 0; i < npairs;) {
			if (pairs[i].fd[0] < 0) {
				pairs[i] = pairs[--npairs];
			} else {
				i++;
			}
		}
		if (pf[0].revents && npairs < PX_MAX) {
			int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC), sfd;

			if (cfd >= 0) {
				sfd = px_connect(argv[2], atoi(argv[3]));
				if (sfd < 0) {
					close(cfd);
				} else {
					pairs[npairs++] = (struct px_pair){{cfd, sfd}, 0, naccepted};
				}
				naccepted++;
			}
		}
	}
	for (int i = 0; i < npairs; i++) {
		px_close(&pairs[i], 0);
	}
	close(lfd);
	return 0;
}
