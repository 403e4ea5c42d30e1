/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer helper: one in-process target on a thread, each input sent by a fresh client. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "iopath/backend.h"
#include "iopath/log.h"
#include "iopath/target.h"
#include "tests/fuzz/session.h"

static volatile sig_atomic_t g_fs_stop;
static struct iop_target *g_fs_target;
static const struct iop_target_ops *g_fs_ops;
static int g_fs_port;          /* TCP port, or 0 for a unix socket */
static char g_fs_path[108];

static void *
fs_run(void *arg)
{
	g_fs_ops->run(g_fs_target, &g_fs_stop);
	return NULL;
}

void
fuzz_session_start(const char *uri_fmt, const char *backend, const char *opts)
{
	static struct iop_target_cfg cfg;
	static char uri[256], dir[64];
	char err[256];
	pthread_t tid;
	int rc = -1;

	iop_log_set_quiet(true);
	signal(SIGPIPE, SIG_IGN);
	cfg.nr_threads = 1;
	cfg.interrupt = true;
	cfg.opts = opts;
	if (iop_backend_open(backend, &cfg.backends[0], err, sizeof(err))) {
		fprintf(stderr, "fuzz: backend %s: %s\n", backend, err);
		exit(1);
	}
	cfg.nr_backends = 1;
	srand((unsigned int)(time(NULL) ^ getpid()));
	for (int tries = 0; tries < 50 && rc; tries++) {
		if (strstr(uri_fmt, "%d")) {
			g_fs_port = 20000 + rand() % 40000;
			snprintf(uri, sizeof(uri), uri_fmt, g_fs_port);
		} else {
			snprintf(dir, sizeof(dir), "/tmp/iopath-fuzz.XXXXXX");
			if (!mkdtemp(dir)) {
				exit(1);
			}
			snprintf(g_fs_path, sizeof(g_fs_path), "%s/sock", dir);
			snprintf(uri, sizeof(uri), uri_fmt, g_fs_path);
		}
		cfg.uri = uri;
		g_fs_ops = iop_target_find_uri(uri);
		if (!g_fs_ops) {
			fprintf(stderr, "fuzz: no target for %s\n", uri);
			exit(1);
		}
		rc = g_fs_ops->create(&cfg, &g_fs_target);
	}
	if (rc) {
		fprintf(stderr, "fuzz: cannot create target %s: %s\n", uri, strerror(-rc));
		exit(1);
	}
	if (pthread_create(&tid, NULL, fs_run, NULL)) {
		exit(1);
	}
	pthread_detach(tid);
}

static int
fs_connect(void)
{
	int fd;

	if (g_fs_port) {
		struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)g_fs_port),
					.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};

		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a))) {
			close(fd);
			fd = -1;
		}
	} else {
		struct sockaddr_un a = {.sun_family = AF_UNIX};

		snprintf(a.sun_path, sizeof(a.sun_path), "%s", g_fs_path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a))) {
			close(fd);
			fd = -1;
		}
	}
	return fd;
}

void
fuzz_session_feed(const uint8_t *data, size_t size)
{
	char buf[65536];
	int fd = -1;

	/* the target accepts one client at a time on some transports: retry while the previous
	 * session is being torn down; a target that never accepts again is a finding */
	for (int i = 0; i < 2000 && fd < 0; i++) {
		fd = fs_connect();
		if (fd < 0) {
			usleep(1000);
		}
	}
	if (fd < 0) {
		fprintf(stderr, "fuzz: target stopped accepting connections\n");
		abort();
	}
	for (size_t off = 0; off < size;) {
		ssize_t n = send(fd, data + off, size - off, MSG_NOSIGNAL);

		if (n <= 0) {
			break; /* the target closed on us: fine */
		}
		off += (size_t)n;
	}
	shutdown(fd, SHUT_WR);
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};

		if (poll(&p, 1, 50) <= 0 || read(fd, buf, sizeof(buf)) <= 0) {
			break;
		}
	}
	close(fd);
}
